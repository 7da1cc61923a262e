import { defineConfig } from 'vitest/config';

import base from './vitest.config.js';

// The end-to-end set: the built binary in processes of its own (`npm run test:e2e`); the rest as
// npm test's configuration.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/e2e/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // The JSON report is what .ci/run adds to npm test's for its closing 'tests: N passed, N failed'.
    outputFile: { json: '.vitest-e2e-report.json' },
    testTimeout: 120_000,
  },
});
