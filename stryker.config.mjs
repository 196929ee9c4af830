// npm run mutate: mutation testing of the code that runs for real (the service and the Lambda handlers),
// against the service and functions test layers only (testing/vitest.mutation.config.ts).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'testing/vitest.mutation.config.ts' },
  mutate: ['service/src/**/*.ts', 'infra/functions/**/*.ts'],
  // One sandbox at a time: the machine's two cores are shared with the rest of the work.
  concurrency: 1,
  coverageAnalysis: 'perTest',
  // A module-level constant's mutant needs every test rerun: the time goes to the code paths instead.
  ignoreStatic: true,
  // A later run re-tests only the mutants whose code or tests changed. The file stays out of git: it
  // holds a copy of every test source and the absolute path of the checkout it ran in.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  timeoutMS: 10_000,
  // The first, unmutated run of both layers takes minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  // The last whole run scored 70.0 % (README): the score may only go up.
  thresholds: { high: 80, low: 60, break: 70 },
};
