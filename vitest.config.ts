import { defineConfig } from 'vitest/config';

/** Tooling tests that read the synthesized estate: they run in the infra project, which synthesizes it once. */
const ESTATE_READERS = [
  'cli/test/diagram.test.ts',
  'cli/test/pipeline-picture.test.ts',
  'cli/test/dr-posture.test.ts',
  'cli/test/teardown/plan.test.ts',
  'cli/test/recover/plan.test.ts',
];

// Two cores: the service layer is I/O-bound and runs files in parallel; the infra layer shares one
// synthesized estate (see infra/test/support) so it needs no more than one worker per core. The layers
// that need a real PostgreSQL server get a throwaway one when the machine has PostgreSQL and
// TEST_DATABASE_URL is unset (testing/postgres-setup.ts).
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'service',
          include: ['service/test/**/*.test.ts'],
          globalSetup: ['testing/postgres-setup.ts'],
          // Routes, stores and servers are built per test; nothing is cached at module level.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          // The operator CLI's reports read the same synthesized estate.
          include: ['infra/test/**/*.test.ts', ...ESTATE_READERS],
          exclude: ['infra/test/functions/**'],
          globalSetup: ['infra/test/support/global-setup.ts'],
          // Template checks share no mutable state: a worker loads aws-cdk-lib and the estate's code once
          // for all its files instead of once per file (half the project's CPU time).
          isolate: false,
        },
      },
      {
        // The Lambda handlers the estate deploys, invoked with real event shapes: no synthesis needed.
        extends: true,
        test: {
          name: 'functions',
          include: ['infra/test/functions/**/*.test.ts'],
          globalSetup: ['testing/postgres-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'deploy', include: ['deploy/test/**/*.test.ts', 'edge/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'tooling',
          include: [
            'scripts/test/**/*.test.ts',
            'cli/test/**/*.test.ts',
            'bench/test/**/*.test.ts',
            'testing/test/**/*.test.ts',
          ],
          exclude: ESTATE_READERS,
          // Operator commands and scripts keep no module state between files; loading the AWS SDK clients
          // and aws-cdk-lib once per worker instead of once per file saves most of the project's time.
          isolate: false,
        },
      },
    ],
  },
});
