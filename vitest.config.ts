import { defineConfig } from 'vitest/config';

// Two tiers. `unit` (`pnpm test`): the tests beside the code, in-process (routes through
// `app.request()`, the store on SQLite and PostgreSQL, parsers on captured outputs) or with a single
// short-lived process. `e2e` (`pnpm test:e2e`): `test/`, which runs the collector and the agent as
// processes over loopback, builds packages and executables, runs wine, installs as root or drives
// Chromium. `pnpm test:all` runs both, as CI does.
const IN_PROCESS_UNDER_TEST = ['test/fuzz.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{agent,collector,shared}/src/**/*.test.{ts,tsx}', 'rules/**/*.test.ts', ...IN_PROCESS_UNDER_TEST],
          exclude: ['**/node_modules/**'],
        },
      },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**', ...IN_PROCESS_UNDER_TEST] } },
    ],
  },
});
