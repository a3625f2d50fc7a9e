import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (in-process and loopback tests, `pnpm test`) and `e2e` (tests that build
// packages and executables, run wine, install as root or drive Chromium, `pnpm test:e2e`).
// `pnpm test:all` runs both, as CI does.
const E2E = [
  'test/linux-packages.test.ts',
  'test/collector-packages.test.ts',
  'test/msi.test.ts',
  'test/single-executables.test.ts',
  'test/web-ui.test.ts',
  'test/**/*-browser.test.ts',
];

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
          include: ['{agent,collector,shared}/src/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'rules/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...E2E],
        },
      },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
