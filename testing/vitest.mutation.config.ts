// The tests StrykerJS runs against each mutant: the layers whose code runs for real in process (the
// service and the Lambda handlers). Built-bundle tests are left out: their child processes never see the
// active mutant, so they would only cost time.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The real-server tests hold 1-second database timeouts; a loaded machine can miss one once, and a
    // mutant that truly breaks a test fails the retry too.
    retry: 1,
    globalSetup: ['testing/postgres-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'service',
          include: ['service/test/**/*.test.ts'],
          exclude: ['service/test/artifacts.test.ts', 'service/test/server.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'functions', include: ['infra/test/functions/**/*.test.ts'] },
      },
    ],
  },
});
