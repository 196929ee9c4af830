import { defineConfig } from 'vitest/config';

// Two cores: the service layer is I/O-bound and runs files in parallel; the infra layer shares one
// synthesized estate (see infra/test/support) so it needs no more than one worker per core.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'service', include: ['service/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['infra/test/**/*.test.ts'],
          exclude: ['infra/test/functions/**'],
          globalSetup: ['infra/test/support/global-setup.ts'],
        },
      },
      {
        // The Lambda handlers the estate deploys, invoked with real event shapes: no synthesis needed.
        extends: true,
        test: { name: 'functions', include: ['infra/test/functions/**/*.test.ts'] },
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
        },
      },
    ],
  },
});
