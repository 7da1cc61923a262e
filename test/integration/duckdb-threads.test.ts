import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { CacheConnection } from '../../src/cache/cache-connection.js';
import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import { DEMO_ARGS, flatten, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';

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

  it('refuses a bad value as a usage error (exit 2) at every way of opening the cache, not as a cache failure', async () => {
    const existing = join(work, 'existing.duckdb');
    await (await CacheConnection.open(existing)).close();
    process.env.IAMTRAIL_DUCKDB_THREADS = '-2';
    const opens: (() => Promise<unknown>)[] = [
      () => CacheConnection.open(':memory:'),
      () => CacheConnection.open(join(work, 'new.duckdb')),
      () => CacheConnection.open(existing),
      () => CacheConnection.openReadOnly(existing),
      () => CacheConnection.remove(existing),
    ];
    for (const open of opens)
      await expect(open()).rejects.toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: 'IAMTRAIL_DUCKDB_THREADS="-2" is not a whole number of threads of at least 1',
        }),
      );
  });

  it('refuses a value that is not a whole number from 1 with exit code 2, naming it: without a cache, creating one, reading one', async () => {
    const expectRefused = (run: CliRun): void => {
      expect(run.status, run.stderr).toBe(2);
      expect(flatten(run.stderr)).toContain(
        'IAMTRAIL_DUCKDB_THREADS="all" is not a whole number of threads of at least 1',
      );
      expect(run.stdout).toBe('');
    };
    const question = ['--account', 'demo', '--list', 'users'];
    const bad = { IAMTRAIL_DUCKDB_THREADS: 'all' };
    expectRefused(await runCli([...DEMO_ARGS, ...question], bad));
    const withCache = [
      ...DEMO_ARGS.filter((arg) => arg !== '--no-cache'),
      '--cache',
      join(work, 'demo.duckdb'),
    ];
    expectRefused(await runCli([...withCache, ...question], bad));
    // The cache exists and answers alone: it would be opened read-only.
    expect((await runCli([...withCache, ...question])).status).toBe(0);
    expectRefused(await runCli([...withCache, ...question], bad));
  });

  it('is refused by serve as it starts, as IAMTRAIL_DUCKDB_MEMORY_MB is: never in each answer', async () => {
    const serve = ['serve', '--port', '0', '--cache', join(work, 'serve.duckdb')];
    for (const [env, message] of [
      [
        { IAMTRAIL_DUCKDB_THREADS: 'all' },
        'IAMTRAIL_DUCKDB_THREADS="all" is not a whole number of threads of at least 1',
      ],
      [
        { IAMTRAIL_DUCKDB_MEMORY_MB: '100' },
        'IAMTRAIL_DUCKDB_MEMORY_MB="100" is not a number of MiB of at least 256',
      ],
    ] as const) {
      const run = await runCli(serve, env);
      expect(run.status, run.stderr).toBe(2);
      expect(flatten(run.stderr)).toContain(message);
    }
  });

  it('is read by the local engine as it starts, a bad value refused before any log is read', async () => {
    process.env.IAMTRAIL_DUCKDB_THREADS = '0';
    await expect(
      DuckDbEngine.create({ logsDir: 'examples/demo/logs', reporter: { warn: () => undefined } }),
    ).rejects.toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: 'IAMTRAIL_DUCKDB_THREADS="0" is not a whole number of threads of at least 1',
      }),
    );
  });
});
