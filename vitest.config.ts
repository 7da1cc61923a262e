import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    env: { TZ: 'UTC' },
    // The JSON report is what .ci/run reads for its closing 'tests: N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
