import { defineConfig } from 'vitest/config';

import base from './vitest.config.js';

// The end-to-end set (`npm run test:e2e`): the built binary in processes of its own (test/e2e),
// and the AWS flows over HTTP against the emulator, moto_server, a Python process (test/aws); the
// rest as npm test's configuration.
export default defineConfig({
  test: {
    ...base.test,
    // The built binary runs as users run it, one DuckDB thread per core (npm test's runs one per
    // database); an empty value is the default. A developer's IAMTRAIL_DUCKDB_THREADS wins.
    env: { ...base.test?.env, IAMTRAIL_DUCKDB_THREADS: process.env.IAMTRAIL_DUCKDB_THREADS ?? '' },
    include: ['test/e2e/**/*.test.ts', 'test/aws/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // The JSON report is what .ci/run adds to npm test's for its closing 'tests: N passed, N failed'.
    outputFile: { json: '.vitest-e2e-report.json' },
    testTimeout: 120_000,
  },
});
