import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { CacheConnection } from '../../src/cache/cache-connection.js';
import { DEMO_ARGS, flatten, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-threads-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** What the suite runs with (vitest.config.ts), restored after each test. */
const suiteThreads = process.env.IAMTRAIL_DUCKDB_THREADS;
afterEach(() => {
  if (suiteThreads === undefined) delete process.env.IAMTRAIL_DUCKDB_THREADS;
  else process.env.IAMTRAIL_DUCKDB_THREADS = suiteThreads;
});

/** The `threads` setting DuckDB runs a cache opened by iamtrail with. */
async function threadsOf(open: () => Promise<CacheConnection | undefined>): Promise<number> {
  const cache = await open();
  if (cache === undefined) throw new Error('the cache did not open');
  try {
    const reader = await cache.connection.runAndReadAll("SELECT current_setting('threads')::INTEGER");
    return Number(reader.getRows()[0]?.[0]);
  } finally {
    await cache.close();
  }
}

describe('IAMTRAIL_DUCKDB_THREADS', () => {
  it("sets the threads of the cache's DuckDB, in memory, read-write and read-only; unset, one per core", async () => {
    const path = join(work, 'cache.duckdb');
    process.env.IAMTRAIL_DUCKDB_THREADS = '3';
    expect(await threadsOf(() => CacheConnection.open(':memory:'))).toBe(3);
    expect(await threadsOf(() => CacheConnection.open(path))).toBe(3);
    expect(await threadsOf(() => CacheConnection.openReadOnly(path))).toBe(3);
    delete process.env.IAMTRAIL_DUCKDB_THREADS;
    expect(await threadsOf(() => CacheConnection.open(path))).toBe(cpus().length);
  });

  it('refuses a value that is not a whole number from 1 with exit code 2, naming it', async () => {
    const run = await runCli([...DEMO_ARGS, '--account', 'demo', '--list', 'users'], {
      IAMTRAIL_DUCKDB_THREADS: 'all',
    });
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain(
      'IAMTRAIL_DUCKDB_THREADS="all" is not a whole number of threads of at least 1',
    );
    expect(run.stdout).toBe('');
  });
});
