import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

import { loadWindow, planLogs } from '../../src/app/report/load-window.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { ReadProgress, SummaryRequest } from '../../src/engines/engine.js';
import { InterruptedError, messageOf } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { userCall, writeTrail } from '../helpers/trail-fixture.js';

// Ctrl-C while the local engine reads: the abort interrupts DuckDB's query (again and again, since
// DuckDB forgets an interrupt sent while no query runs), the interrupted query is never taken for
// a bad file, and nothing read is written once the run was interrupted. Where the moment of the
// abort matters, a spy on DuckDB's API aborts as a statement starts and gives DuckDB a query that
// never ends instead: only the engine's interrupts can then stop it.

const ACCOUNT = '111111111111';
const DAY = '2026-10-05';
const WINDOW: SummaryRequest = { startDay: DAY, endDay: DAY };
const FILES = 20;
const work = mkdtempSync(join(tmpdir(), 'iamtrail-interrupted-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

// 20 files of 4,000 calls: some hundreds of milliseconds to read on one thread, so a query is
// still running when the abort, or the next interrupt 50 ms later, comes.
const records = Array.from({ length: 4000 }, (_, index) =>
  userCall(ACCOUNT, DAY, `user-${index % 50}`, 's3', `Get${index % 97}`, index % 60),
);
const files = Array.from({ length: FILES }, () => ({ account: ACCOUNT, day: DAY, records }));
const clean = writeTrail(join(work, 'clean'), files);
// The same files and a truncated one, which sorts first: a bad file skipped before the abort.
const withBad = writeTrail(join(work, 'with-bad'), files);
const BAD_NAME = `${ACCOUNT}_CloudTrail_us-east-1_20261005T0000Z_bad.json.gz`;
writeFileSync(
  join(withBad, 'AWSLogs', ACCOUNT, 'CloudTrail', 'us-east-1', '2026', '10', '05', BAD_NAME),
  gzipSync(JSON.stringify({ Records: records })).subarray(0, 5000),
);

/** What `summarize` threw (undefined when it answered). */
async function failureOf(engine: DuckDbEngine, request: SummaryRequest): Promise<unknown> {
  return engine.summarize(request).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Whether `error` is the interruption, caused by DuckDB's own interrupted query. */
function expectInterruptedQuery(error: unknown): void {
  expect(error).toBeInstanceOf(InterruptedError);
  expect((error as InterruptedError).message).toBe(
    'interrupted: stopped reading the logs; nothing of this run was cached',
  );
  expect(messageOf((error as InterruptedError).cause)).toMatch(/^INTERRUPT Error: Interrupted!/);
}

/** Runs `use` on a new engine, closed after it. */
async function withEngine(
  options: Parameters<typeof DuckDbEngine.create>[0],
  use: (engine: DuckDbEngine) => Promise<void>,
): Promise<void> {
  const engine = await DuckDbEngine.create(options);
  try {
    await use(engine);
  } finally {
    await engine.close();
  }
}

/** A query DuckDB does not finish unless interrupted. */
const ENDLESS = 'SELECT count(*) FROM range(100000000000)';

describe('DuckDbEngine interrupted (Ctrl-C)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('blames no file for an interrupted batch, and reads whole afterwards', async () => {
    const warnings: string[] = [];
    const interrupt = new AbortController();
    await withEngine(
      {
        logsDir: clean,
        batchFiles: 1,
        lineReader: false,
        reporter: {
          warn: (message) => void warnings.push(message),
          progress: () => {
            setImmediate(() => {
              interrupt.abort();
            });
          },
        },
      },
      async (engine) => {
        const error = await failureOf(engine, { ...WINDOW, signal: interrupt.signal });
        expect(error).toBeInstanceOf(InterruptedError);
        expect(warnings).toEqual([]);
        // The same engine, its connection no longer interrupted, reads every file.
        expect((await engine.summarize(WINDOW)).filesRead).toBe(FILES);
      },
    );
  });

  it('interrupts the query that starts after the abort (the abort came while none ran)', async () => {
    const warnings: string[] = [];
    const interrupt = new AbortController();
    await withEngine(
      {
        logsDir: withBad,
        reporter: {
          // The bad file is skipped between two statements: the next one reads the other 20 files.
          warn: (message) => {
            warnings.push(message);
            interrupt.abort();
          },
        },
      },
      async (engine) => {
        expectInterruptedQuery(await failureOf(engine, { ...WINDOW, signal: interrupt.signal }));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(BAD_NAME);
      },
    );
  });

  it("interrupts the summary's resolution once every batch is read, and says it was interrupted", async () => {
    const interrupt = new AbortController();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance's `this`
    const run = DuckDBConnection.prototype.run;
    const spy = vi.spyOn(DuckDBConnection.prototype, 'run').mockImplementation(function (
      this: DuckDBConnection,
      sql,
      ...rest
    ) {
      if (!sql.startsWith('COPY (')) return run.call(this, sql, ...rest);
      interrupt.abort();
      return run.call(this, ENDLESS);
    });
    await withEngine(
      {
        logsDir: clean,
        spillDir: mkdtempSync(join(work, 'spill-')),
        reporter: { warn: () => undefined },
      },
      async (engine) => {
        expectInterruptedQuery(await failureOf(engine, { ...WINDOW, signal: interrupt.signal }));
        expect(spy.mock.calls.some(([sql]) => sql.startsWith('COPY ('))).toBe(true);
      },
    );
  }, 20_000);

  it('skips no file when the statement reading it is interrupted', async () => {
    const interrupt = new AbortController();
    const warnings: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance's `this`
    const prepare = DuckDBConnection.prototype.prepare;
    vi.spyOn(DuckDBConnection.prototype, 'prepare').mockImplementation(async function (
      this: DuckDBConnection,
      sql: string,
    ) {
      if (!sql.startsWith('INSERT INTO staged')) return prepare.call(this, sql);
      interrupt.abort();
      const endless = await prepare.call(this, ENDLESS);
      // The batch's values have no parameter to go to.
      endless.bind = () => undefined;
      return endless;
    });
    await withEngine(
      {
        logsDir: clean,
        batchFiles: 1,
        lineReader: false,
        reporter: { warn: (message) => void warnings.push(message) },
      },
      async (engine) => {
        expectInterruptedQuery(await failureOf(engine, { ...WINDOW, signal: interrupt.signal }));
        expect(warnings).toEqual([]);
      },
    );
  }, 20_000);

  it('does not resolve the summary when the abort comes with the last batch read', async () => {
    const interrupt = new AbortController();
    await withEngine(
      {
        logsDir: clean,
        reporter: {
          warn: () => undefined,
          progress: (update) => {
            if (update.filesDone === update.filesTotal) interrupt.abort();
          },
        },
      },
      async (engine) => {
        expect(await failureOf(engine, { ...WINDOW, signal: interrupt.signal })).toBeInstanceOf(
          InterruptedError,
        );
        expect(interrupt.signal.aborted).toBe(true);
      },
    );
  });

  it('reads nothing when the signal is aborted before the read', async () => {
    const progress: ReadProgress[] = [];
    await withEngine(
      {
        logsDir: clean,
        reporter: { warn: () => undefined, progress: (update) => void progress.push(update) },
      },
      async (engine) => {
        await expect(engine.summarize({ ...WINDOW, signal: AbortSignal.abort() })).rejects.toThrow(
          InterruptedError,
        );
        // Not even the files were counted for the progress line.
        expect(progress).toEqual([]);
        expect((await engine.summarize(WINDOW)).filesRead).toBe(FILES);
      },
    );
  });
});

describe('loadWindow interrupted once the logs are read', () => {
  it('writes nothing to the cache, and says so', async () => {
    const config = loadConfig(join(REPO_ROOT, 'examples/demo/config.example.yaml'));
    const cachePath = join(work, 'interrupted-after-read.duckdb');
    const interrupt = new AbortController();
    // The real read, then the Ctrl-C, before loadWindow writes what was read.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance's `this`
    const summarize = DuckDbEngine.prototype.summarize;
    const spy = vi.spyOn(DuckDbEngine.prototype, 'summarize').mockImplementation(async function (
      this: DuckDbEngine,
      request,
    ) {
      const summary = await summarize.call(this, request);
      interrupt.abort();
      return summary;
    });
    try {
      await expect(
        loadWindow({
          config,
          plan: planLogs(config, join(REPO_ROOT, 'examples/demo/logs'), 'local'),
          cache: { path: cachePath, enabled: true, refresh: false, lockTimeoutMs: 1000 },
          window: { startDay: '2026-10-13', endDay: '2026-10-19' },
          accounts: [{ name: 'demo', id: ACCOUNT }],
          skipSetup: true,
          reporter: { warn: () => undefined, note: () => undefined },
          signal: interrupt.signal,
          now: new Date('2026-11-30T00:00:00Z'),
        }),
      ).rejects.toThrow(
        new InterruptedError(
          'interrupted: stopped before writing the logs read; nothing of this run was cached',
        ),
      );
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const store = await CacheStore.open(cachePath);
    try {
      expect((await store.status()).flatMap((entry) => entry.ranges)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
