import { defineConfig } from 'vitest/config';

// The end-to-end set: the built binary in processes of its own (`npm run test:e2e`).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    env: { TZ: 'UTC' },
    // The JSON report is what .ci/run adds to its closing 'tests: N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-e2e-report.json' },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
