import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{agent,collector,shared}/src/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'rules/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
