import { defineConfig } from 'vitest/config';

// `npm test`: unit tests and commands run in-process (test/helpers/cli.ts); what needs processes
// of its own (the built binary in test/e2e, the AWS emulator moto_server in test/aws) is
// `npm run test:e2e` (vitest.e2e.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/aws/**', '**/node_modules/**'],
    environment: 'node',
    // Test files of a worker share its module graph: importing DuckDB, the AWS SDK and oclif once
    // per worker instead of once per file. Files restore what they patch (aws-sdk-client-mock).
    isolate: false,
    // Both cores (vitest keeps one free by default): runs wait on DuckDB's files, moto and child
    // processes part of the time, so two workers finish sooner than one.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    env: {
      TZ: 'UTC',
      // As bin/run.js: the SDK's notice about Node versions concerns whoever upgrades the SDK.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // One DuckDB thread per database: the two workers already keep both cores busy, and a
      // second thread per database (its own hash tables, page faults, locks) took the suite from
      // 80 s to 92-97 s (150 s to 172-180 s of CPU; two runs of each, alternated). The end-to-end
      // runs (vitest.e2e.config.ts) keep the default; a developer's IAMTRAIL_DUCKDB_THREADS wins.
      IAMTRAIL_DUCKDB_THREADS: process.env.IAMTRAIL_DUCKDB_THREADS ?? '1',
    },
    // The JSON report is what .ci/run reads for its closing 'tests: N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
