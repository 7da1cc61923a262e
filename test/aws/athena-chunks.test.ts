import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { SUMMARY_COLUMNS, coverageRow, summaryRow } from '../helpers/athena-results.js';
import { startAthenaProxy } from '../helpers/athena-proxy.js';
import type { AthenaProxy } from '../helpers/athena-proxy.js';
import { readCacheRows } from '../helpers/cache-rows.js';
import { athenaListUsersArgs, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * Long Athena windows in chunks, against moto over HTTP. moto runs the query lifecycle and S3 but
 * not SQL; the proxy of test/helpers/athena-proxy.ts stands in for what only Athena does: before
 * each query starts it reads the days and accounts the query names (its partition literals) and
 * queues in moto the rows Athena would return for them (a coverage row per account and day, one
 * call of bob's per day), so each chunk's result object holds its own days; it keeps a query
 * RUNNING for its first two polls (moto finishes at once), and it sets the bytes scanned, which
 * moto always reports as 0, or a FAILED state.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-athena-chunks-'));
let moto: MotoServer;
let proxy: AthenaProxy;

const DEMO = '111111111111';
const BACKUP = '222222222222';
const RESULTS_BUCKET = 'query-results-bucket';
const GIB = 1024 ** 3;
const BOB = `arn:aws:iam::${DEMO}:user/bob`;

/** A config file of the Athena engine, with `more` lines under athena: and extra accounts. */
function writeConfig(name: string, more: readonly string[], extraAccounts: readonly string[] = []): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'athena:',
      '  s3_bucket: org-trail-bucket',
      '  org_id: o-abc1234567',
      `  output_s3_bucket: s3://${RESULTS_BUCKET}`,
      '  workgroup: iamtrail-wg',
      '  regions: [us-east-1]',
      ...more.map((line) => `  ${line}`),
      'accounts:',
      '  - name: demo',
      `    id: ${DEMO}`,
      `    iam: ${join(REPO_ROOT, 'examples/demo/iam/demo.json')}`,
      '  - name: backup',
      `    id: ${BACKUP}`,
      `    iam: ${join(REPO_ROOT, 'examples/demo/iam/backup.json')}`,
      ...extraAccounts.flatMap((id) => [`  - name: a${id}`, `    id: "${id}"`]),
      '',
    ].join('\n'),
  );
  return file;
}

/** `YYYY/MM/DD` of a partition literal to `YYYY-MM-DD`, moved by `days`. */
const partitionDay = (literal: string, days: number): string =>
  new Date(Date.parse(`${literal.replace(/\//g, '-')}T00:00:00Z`) + days * 86_400_000)
    .toISOString()
    .slice(0, 10);

/** The days and accounts a summary query reads, from its partition predicates. */
function readOf(sql: string): { startDay: string; endDay: string; accounts: string[] } {
  const from = /"date" >= '(\d{4}\/\d{2}\/\d{2})'/.exec(sql)?.[1];
  const to = /"date" <= '(\d{4}\/\d{2}\/\d{2})'/.exec(sql)?.[1];
  const accounts = /"account" IN \(([^)]*)\)/.exec(sql)?.[1];
  if (from === undefined || to === undefined || accounts === undefined)
    throw new Error(`not a summary query: ${sql.slice(0, 200)}`);
  // The query reads the look-back day before its first day, and the day after its last.
  return {
    startDay: partitionDay(from, 1),
    endDay: partitionDay(to, -1),
    accounts: [...accounts.matchAll(/'(\d{12})'/g)].map((match) => match[1] ?? ''),
  };
}

/** Every day from `startDay` to `endDay`. */
function daysBetween(startDay: string, endDay: string): string[] {
  const days: string[] = [];
  for (
    let time = Date.parse(`${startDay}T00:00:00Z`);
    time <= Date.parse(`${endDay}T00:00:00Z`);
    time += 86_400_000
  )
    days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

/** What Athena would return for a query: each account's coverage of each day, and bob's call of each day. */
async function queueResultOf(query: { readonly sql: string }): Promise<void> {
  const { startDay, endDay, accounts } = readOf(query.sql);
  const rows: (string | null)[][] = [];
  for (const day of daysBetween(startDay, endDay)) {
    for (const account of accounts) rows.push(coverageRow(account, day));
    if (accounts.includes(DEMO))
      rows.push(summaryRow(DEMO, day, BOB, 'IAMUser', 'iam.amazonaws.com', 'GetUser', 'ok', '1'));
  }
  await moto.queueAthenaResults(rows, SUMMARY_COLUMNS);
}

const ask = (config: string, cache: string, start: string, end: string, ...more: string[]): Promise<CliRun> =>
  runCli([...athenaListUsersArgs(config, cache, start, end), ...more], proxy.env);

/**
 * moto reports 0 bytes scanned: the stand-in reports 1 GB for each day's partition a query reads,
 * its chunk's days and the look-back day before them and the day after them.
 */
const scanOneGbADay: NonNullable<AthenaProxy['hooks']['rewriteExecution']> = (query, execution) => {
  const { startDay, endDay } = readOf(query.sql);
  execution.Statistics = {
    ...execution.Statistics,
    DataScannedInBytes: (daysBetween(startDay, endDay).length + 2) * GIB,
  };
};

/** A message without its whitespace: oclif wraps long lines anywhere. */
const squeezed = (text: string): string => text.replace(/[\s›]+/g, '');

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAthenaProxy(moto.endpoint, moto.env);
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: moto.credentials,
    forcePathStyle: true,
  });
  for (const Bucket of ['org-trail-bucket', RESULTS_BUCKET])
    await s3.send(new CreateBucketCommand({ Bucket }));
  s3.destroy();
}, 60_000);
afterAll(async () => {
  await proxy.stop();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  proxy.reset();
  proxy.hooks = { beforeStart: queueResultOf };
});

describe('a long Athena window read in chunks (moto over HTTP, through the Athena stand-in proxy)', () => {
  const config = (): string => writeConfig('two-at-once', ['concurrency: 2']);

  it('reads 120 days as 5 month chunks, at most 2 at once, every chunk cached, no GetQueryResults', async () => {
    const cache = join(work, 'a.duckdb');
    proxy.hooks.rewriteExecution = (query, execution) => {
      if (query.polls <= 2) execution.Status = { ...execution.Status, State: 'RUNNING' };
    };
    // 2026-01-15 + 119 days = 2026-05-14: January's 17 days, February, March, April, 14 of May.
    const result = await ask(config(), cache, '2026-01-15', '2026-05-14');
    expect(result.status, result.stderr).toBe(0);
    const starts = proxy.calls('StartQueryExecution');
    const overlap = proxy.maxInFlight();
    expect(starts).toBe(5);
    expect(proxy.calls('GetQueryResults')).toBe(0);
    expect(overlap).toBeGreaterThan(1);
    expect(overlap).toBeLessThanOrEqual(2);
    expect(
      proxy.queries
        .map((query) => readOf(query.sql))
        .map(({ startDay, endDay }) => `${startDay}..${endDay}`)
        .sort(),
    ).toEqual([
      '2026-01-15..2026-01-31',
      '2026-02-01..2026-02-28',
      '2026-03-01..2026-03-31',
      '2026-04-01..2026-04-30',
      '2026-05-01..2026-05-14',
    ]);
    expect(result.stderr).toContain('reading 120 day(s) in 5 chunk(s) of at most a month, up to 2 at once');
    expect(squeezed(result.stderr)).toContain(squeezed('chunks: 5 of 5 read and cached'));
    // Every day's call of bob's and every (account, day) of coverage, of every chunk.
    const [activity] = await readCacheRows(
      cache,
      "SELECT count(*), count(DISTINCT day), min(day), max(day), sum(calls) FROM activity WHERE day BETWEEN '2026-01-15' AND '2026-05-14'",
    );
    expect(activity).toEqual(['120', '120', '2026-01-15', '2026-05-14', '120']);
    const [coverage] = await readCacheRows(
      cache,
      "SELECT count(*), count(DISTINCT account_id) FROM coverage WHERE day BETWEEN '2026-01-15' AND '2026-05-14'",
    );
    expect(coverage).toEqual(['240', '2']);
    expect(result.stdout).toContain('bob');
    console.log(
      `athena chunks: 120 days as ${starts} chunk queries, at most ${overlap} running at once (athena.concurrency 2); ${String(activity?.[0])} activity and ${String(coverage?.[0])} coverage rows cached; ${proxy.calls('GetQueryResults')} GetQueryResults`,
    );
  }, 120_000);

  it('a chunk whose query Athena calls final fails at once, named, while the other chunks are cached', async () => {
    const cache = join(work, 'b-final.duckdb');
    proxy.hooks.rewriteExecution = (query, execution) => {
      if (readOf(query.sql).startDay === '2025-03-01')
        execution.Status = {
          State: 'FAILED',
          AthenaError: { ErrorMessage: 'SYNTAX_ERROR: simulated failure', Retryable: false },
        };
    };
    const failed = await ask(config(), cache, '2025-01-15', '2025-05-14');
    expect(failed.status, failed.stderr).toBe(3);
    const march = proxy.queries.filter((query) => readOf(query.sql).startDay === '2025-03-01');
    expect(march).toHaveLength(1);
    expect(proxy.calls('StartQueryExecution')).toBe(5);
    const message = squeezed(failed.stderr);
    expect(message).not.toContain(squeezed('trying it once more'));
    expect(message).toContain(
      squeezed(
        `could not read 2025-03-01 to 2025-03-31: Athena query ${march[0]?.id} FAILED: SYNTAX_ERROR: simulated failure; the other 4 chunk(s) read are cached`,
      ),
    );
  }, 120_000);

  it('retries a failing chunk once, reports its days, keeps the other chunks; a re-run reads only that chunk', async () => {
    const cache = join(work, 'b.duckdb');
    proxy.hooks.rewriteExecution = (query, execution) => {
      if (readOf(query.sql).startDay === '2025-03-01')
        execution.Status = {
          State: 'FAILED',
          AthenaError: { ErrorMessage: 'HIVE_CURSOR_ERROR: simulated failure', Retryable: true },
        };
    };
    const failed = await ask(config(), cache, '2025-01-15', '2025-05-14');
    expect(failed.status, failed.stderr).toBe(3);
    // Athena says the failure is retryable: the query runner starts it 3 times (2 retries), and
    // the chunk is tried once more (3 more); the four other months once.
    const march = proxy.queries.filter((query) => readOf(query.sql).startDay === '2025-03-01');
    expect(march).toHaveLength(6);
    expect(proxy.calls('StartQueryExecution')).toBe(10);
    const message = squeezed(failed.stderr);
    expect(message).toContain(
      squeezed(
        `reading 2025-03-01 to 2025-03-31 failed (Athena query ${march[2]?.id} FAILED: HIVE_CURSOR_ERROR: simulated failure); trying it once more`,
      ),
    );
    expect(message).toContain(
      squeezed(
        `could not read 2025-03-01 to 2025-03-31 (tried twice): Athena query ${march[5]?.id} FAILED: HIVE_CURSOR_ERROR: simulated failure; the other 4 chunk(s) read are cached, and a re-run reads only the days still missing`,
      ),
    );
    expect(failed.stdout).toBe('');
    // The four other months are in the cache; March is not.
    expect(
      await readCacheRows(
        cache,
        "SELECT count(DISTINCT day), count(*) FROM coverage WHERE day BETWEEN '2025-01-15' AND '2025-05-14'",
      ),
    ).toEqual([[String(120 - 31), String(2 * (120 - 31))]]);
    expect(
      await readCacheRows(
        cache,
        "SELECT count(*) FROM coverage WHERE day BETWEEN '2025-03-01' AND '2025-03-31'",
      ),
    ).toEqual([['0']]);

    proxy.reset();
    proxy.hooks = { beforeStart: queueResultOf };
    const again = await ask(config(), cache, '2025-01-15', '2025-05-14');
    expect(again.status, again.stderr).toBe(0);
    expect(proxy.calls('StartQueryExecution')).toBe(1);
    expect(proxy.queries.map((query) => readOf(query.sql).startDay)).toEqual(['2025-03-01']);
    expect(
      await readCacheRows(
        cache,
        "SELECT count(DISTINCT day) FROM coverage WHERE day BETWEEN '2025-01-15' AND '2025-05-14'",
      ),
    ).toEqual([['120']]);
    console.log(
      `athena chunks: March failed twice (${march.length} starts) and was reported by its days while 4 chunks stayed cached; the re-run started ${proxy.calls('StartQueryExecution')} query (March only)`,
    );
  }, 120_000);
});

describe('--max-scan-gb', () => {
  it('starts no chunk once the budget is reached; the chunks read stay cached; the run fails naming the rest', async () => {
    const cache = join(work, 'c.duckdb');
    proxy.hooks.rewriteExecution = scanOneGbADay;
    // One chunk at a time: January (17 days, 19 GB with the look-back day and the day after)
    // leaves the budget of 40 open, February (29 days, a leap year: 31 GB) closes it at 50 GB;
    // March, April and May never start.
    const result = await ask(
      writeConfig('one-at-once', ['concurrency: 1']),
      cache,
      '2024-01-15',
      '2024-05-14',
      '--max-scan-gb',
      '40',
    );
    expect(result.status, result.stderr).toBe(3);
    expect(proxy.calls('StartQueryExecution')).toBe(2);
    const message = squeezed(result.stderr);
    // 19 GB at $5 per 1,024 GB: $0.09.
    expect(message).toContain(
      squeezed(
        'chunks: 1 of 5 read and cached (2024-01-15 to 2024-01-31 just now); 19.00 GB scanned, $0.09 so far',
      ),
    );
    expect(message).toContain(
      squeezed(
        'scan budget reached: 2 of 5 chunk(s) read, 50.00 GB scanned of --max-scan-gb 40; the 2 chunk(s) read are cached, and a re-run reads only the days still missing; not read: 2024-03-01 to 2024-03-31, 2024-04-01 to 2024-04-30, 2024-05-01 to 2024-05-14',
      ),
    );
    expect(result.stdout).toBe('');
    expect(
      await readCacheRows(cache, 'SELECT count(DISTINCT day), min(day), max(day) FROM coverage'),
    ).toEqual([['46', '2024-01-15', '2024-02-29']]);
    console.log(
      `athena --max-scan-gb 40: ${proxy.calls('StartQueryExecution')} of 5 chunks started, 50 GB scanned, 46 days cached, exit ${result.status}`,
    );
  }, 120_000);

  it('athena.chunk_scan_gb: a first chunk of 3 days alone measures a day, and the other chunks hold fewer days to stay under it', async () => {
    const cache = join(work, 'g.duckdb');
    proxy.hooks.rewriteExecution = scanOneGbADay;
    // 2022-01-15..17 scans 5 days' partitions, 5 GB: 1 GB a day, so 8 days a chunk (10 days'
    // partitions) stay under 10 GB. Then the rest of January 8+6, February 8+8+8+4, March
    // 8+8+8+7, April 8+8+8+6, May 8+6: 1 + 2 + 4 + 4 + 4 + 2 = 17 chunks.
    const result = await ask(
      writeConfig('chunk-scan', ['concurrency: 3', 'chunk_scan_gb: 10']),
      cache,
      '2022-01-15',
      '2022-05-14',
    );
    expect(result.status, result.stderr).toBe(0);
    const chunks = proxy.queries.map((query) => readOf(query.sql));
    expect(chunks).toHaveLength(17);
    expect(chunks[0]).toMatchObject({ startDay: '2022-01-15', endDay: '2022-01-17' });
    for (const chunk of chunks.slice(1))
      expect(daysBetween(chunk.startDay, chunk.endDay).length + 2).toBeLessThanOrEqual(10);
    expect(chunks.flatMap((chunk) => daysBetween(chunk.startDay, chunk.endDay)).sort()).toEqual(
      daysBetween('2022-01-15', '2022-05-14'),
    );
    expect(squeezed(result.stderr)).toContain(
      squeezed(
        'the first chunk scanned 1.00 GB a day: the other chunks hold at most 8 day(s), to scan about 10.00 GB or less each',
      ),
    );
    expect(squeezed(result.stderr)).toContain(squeezed('chunks: 17 of 17 read and cached'));
    console.log(
      `athena chunk_scan_gb 10: the first chunk (3 days) measured 1 GB a day; ${chunks.length} chunks of at most 8 days (10 days' partitions) after it`,
    );
  }, 120_000);

  it('--no-cache refuses to create what nothing would record, and removes the results of its own queries', async () => {
    // A database of its own: the other tests of this file set up iamtrail (and its workgroup).
    const config = writeConfig('nocache', ['database: nocache_db']);
    const args = athenaListUsersArgs(config, join(work, 'unused.duckdb'), '2024-01-01', '2024-01-02');
    // Its --cache and path out, --no-cache in.
    args.splice(args.indexOf('--cache'), 2, '--no-cache');
    const refused = await runCli(args, proxy.env);
    expect(refused.status, refused.stderr).toBe(2);
    // (and the workgroup, unless a test before this one set it up)
    expect(squeezed(refused.stderr)).toContain(
      squeezed(
        '--no-cache with the Athena engine would create database nocache_db, table nocache_db.cloudtrail',
      ),
    );
    expect(squeezed(refused.stderr)).toContain(
      squeezed('and nothing would record it for iamtrail athena cleanup (its ledger is in the cache)'),
    );
    expect(squeezed(refused.stderr)).toContain(squeezed('Run iamtrail athena setup first'));
    expect(proxy.calls('StartQueryExecution')).toBe(0);
    const glue = new GlueClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: moto.credentials,
    });
    await expect(glue.send(new GetDatabaseCommand({ Name: 'nocache_db' }))).rejects.toThrow();

    // Set up with a cache (which records what it creates), then ask without one.
    const setup = await runCli(
      ['athena', 'setup', '--config', config, '--cache', join(work, 'setup.duckdb')],
      moto.env,
    );
    expect(setup.status, setup.stderr).toBe(0);
    expect((await glue.send(new GetDatabaseCommand({ Name: 'nocache_db' }))).Database?.Name).toBe(
      'nocache_db',
    );
    glue.destroy();
    const run = await runCli(args, proxy.env);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(work, 'unused.duckdb'))).toBe(false);
    // Its queries' result objects went with the run; those of the same question asked with a
    // cache (recorded, for cleanup) stay: moto writes <id>.csv of each.
    const ids = proxy.queries.map((query) => query.id);
    expect(ids.length).toBeGreaterThan(0);
    const cached = await runCli(
      athenaListUsersArgs(config, join(work, 'kept.duckdb'), '2024-01-01', '2024-01-02'),
      proxy.env,
    );
    expect(cached.status, cached.stderr).toBe(0);
    const cachedIds = proxy.queries.map((query) => query.id).filter((id) => !ids.includes(id));
    expect(cachedIds.length).toBeGreaterThan(0);
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: moto.credentials,
      forcePathStyle: true,
    });
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: RESULTS_BUCKET }))).Contents ?? []).map(
      (object) => object.Key ?? '',
    );
    s3.destroy();
    for (const id of cachedIds) expect(keys.filter((key) => key.includes(id)).length).toBeGreaterThan(0);
    for (const id of ids) expect(keys.filter((key) => key.includes(id))).toEqual([]);
  });

  it('is a usage error (exit 2) with a value that is not a positive number, and with the local engine', async () => {
    const config = writeConfig('flag-errors', []);
    for (const value of ['0', '-3', 'lots']) {
      const bad = await ask(
        config,
        join(work, 'd.duckdb'),
        '2024-01-01',
        '2024-01-02',
        '--max-scan-gb',
        value,
      );
      expect(bad.status, bad.stderr).toBe(2);
      expect(squeezed(bad.stderr)).toContain(
        squeezed(`--max-scan-gb "${value}" is not a positive number of gigabytes`),
      );
    }
    const local = await runCli(
      [
        '--config',
        config,
        '--logs',
        join(REPO_ROOT, 'examples/demo/trail'),
        '--no-cache',
        '--account',
        'demo',
        '--list',
        'users',
        '--max-scan-gb',
        '5',
      ],
      proxy.env,
    );
    expect(local.status, local.stderr).toBe(2);
    expect(squeezed(local.stderr)).toContain(
      squeezed('--max-scan-gb limits what Athena scans: it applies with --engine athena only'),
    );
    expect(proxy.calls('StartQueryExecution')).toBe(0);
  }, 60_000);
});

describe('many accounts with injected projection', () => {
  const ids = (count: number): string[] =>
    Array.from({ length: count }, (_, index) => String(300_000_000_000 + index));

  it('1,000 accounts: one summary query for all of them, within the query-text limit, every account cached', async () => {
    const cache = join(work, 'e.duckdb');
    const config = writeConfig('thousand', ['account_projection: injected'], ids(998));
    const result = await ask(config, cache, '2023-06-01', '2023-06-01');
    expect(result.status, result.stderr).toBe(0);
    expect(proxy.calls('StartQueryExecution')).toBe(1);
    const [query] = proxy.queries;
    expect(query && readOf(query.sql).accounts).toHaveLength(1000);
    expect(query?.sqlBytes).toBeLessThan(262_144);
    expect(
      await readCacheRows(cache, "SELECT count(DISTINCT account_id) FROM coverage WHERE day = '2023-06-01'"),
    ).toEqual([['1000']]);
    console.log(
      `athena 1,000 injected accounts: ${proxy.calls('StartQueryExecution')} query of ${Buffer.byteLength(query?.sql ?? '')} bytes of text + ${(query?.sqlBytes ?? 0) - Buffer.byteLength(query?.sql ?? '')} bytes of bound values (limit 262,144); 1000 accounts cached`,
    );
  }, 120_000);

  it('6,000 accounts: split into queries of at most 200,000 bytes, every account in exactly one, all cached', async () => {
    const cache = join(work, 'f.duckdb');
    const config = writeConfig('six-thousand', ['account_projection: injected'], ids(5998));
    const result = await ask(config, cache, '2023-06-02', '2023-06-02');
    expect(result.status, result.stderr).toBe(0);
    const sizes = proxy.queries.map((query) => query.sqlBytes);
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(200_000);
    const named = proxy.queries.flatMap((query) => readOf(query.sql).accounts);
    expect(named).toHaveLength(6000);
    expect(new Set(named).size).toBe(6000);
    expect(squeezed(result.stderr)).toContain(
      squeezed(`athena: 6000 accounts are named in ${sizes.length} queries per chunk`),
    );
    expect(
      await readCacheRows(
        cache,
        "SELECT count(DISTINCT account_id), count(*) FROM coverage WHERE day = '2023-06-02'",
      ),
    ).toEqual([['6000', '6000']]);
    console.log(
      `athena 6,000 injected accounts: ${sizes.length} queries of ${sizes.join(', ')} bytes (text and bound values; budget 200,000, limit 262,144); 6000 accounts cached from one chunk`,
    );
  }, 180_000);
});
