import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { sortActivityRows, sortDayCoverage } from '../../src/analysis/activity-order.js';
import { CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { toRanges } from '../../src/cache/day-ranges.js';
import type { ActivityRow, DayCoverage } from '../../src/trail/activity-summary.js';
import { addDays, utcDayOf } from '../../src/trail/utc-days.js';
import { flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { daysFrom, writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-cache-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
let counter = 0;
const freshCache = (): string => join(work, `cache-${(counter += 1)}.duckdb`);

const row = (day: string, overrides: Partial<ActivityRow> = {}): ActivityRow => ({
  accountId: '111111111111',
  day,
  actorArn: 'arn:aws:iam::111111111111:user/alice',
  actorType: 'IAMUser',
  callerArn: null,
  viaArn: null,
  eventSource: 's3.amazonaws.com',
  eventName: 'ListBuckets',
  outcome: 'ok',
  calls: 1,
  firstSeen: `${day}T10:00:00Z`,
  lastSeen: `${day}T10:00:00Z`,
  ...overrides,
});

const A = '111111111111';
const B = '222222222222';
/** Coverage of one file per listed account on each listed day. */
const logsOf = (days: readonly string[], accounts: readonly string[] = [A]): DayCoverage[] =>
  days.flatMap((day) => accounts.map((accountId) => ({ accountId, day, files: 1 })));

describe('CacheStore', () => {
  it('knows which days are missing, and always re-reads today and yesterday', async () => {
    const store = await CacheStore.open(freshCache());
    try {
      const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
      await store.writeDays('src', days, [row('2026-10-01')], logsOf(days));
      expect(await store.missingDays('src', [A], '2026-09-30', '2026-10-04', '2026-11-22')).toEqual([
        '2026-09-30',
        '2026-10-04',
      ]);
      expect(await store.missingDays('other', [A], '2026-10-01', '2026-10-01', '2026-11-22')).toEqual([
        '2026-10-01',
      ]);
      expect(await store.missingDays('src', [A], '2026-10-01', '2026-10-03', '2026-10-03')).toEqual([
        '2026-10-02',
        '2026-10-03',
      ]);
    } finally {
      await store.close();
    }
  });

  it('marks a day loaded only for the accounts its logs held, and never a day after today', async () => {
    const store = await CacheStore.open(freshCache());
    try {
      // Read for all accounts: A has logs on the 1st and 3rd, B on the 1st only.
      const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
      await store.writeDays(
        'src',
        days,
        [row('2026-10-01'), row('2026-10-03')],
        [...logsOf(['2026-10-01', '2026-10-03']), ...logsOf(['2026-10-01'], [B])],
      );
      expect(await store.missingDays('src', [A], '2026-10-01', '2026-10-03', '2026-11-22')).toEqual([
        '2026-10-02',
      ]);
      expect(await store.missingDays('src', [B], '2026-10-01', '2026-10-03', '2026-11-22')).toEqual([
        '2026-10-02',
        '2026-10-03',
      ]);
      // A question about both needs every day loaded for both.
      expect(await store.missingDays('src', [A, B], '2026-10-01', '2026-10-03', '2026-11-22')).toEqual([
        '2026-10-02',
        '2026-10-03',
      ]);
      // Nothing after today is ever missing: it has no logs yet.
      expect(await store.missingDays('src', [A], '2026-10-03', '2026-10-09', '2026-10-05')).toEqual([
        '2026-10-04',
        '2026-10-05',
      ]);
      expect(await store.missingDays('src', [A], '2026-10-06', '2026-10-09', '2026-10-05')).toEqual([]);
      expect(
        sortDayCoverage(await store.coverage('src', { startDay: '2026-10-01', endDay: '2026-10-31' })),
      ).toEqual([
        { accountId: A, day: '2026-10-01', files: 1 },
        { accountId: A, day: '2026-10-03', files: 1 },
        { accountId: B, day: '2026-10-01', files: 1 },
      ]);
      // Read again, a day is replaced whole: B's logs of the 3rd turned up, A's of the 1st are gone.
      await store.writeDays(
        'src',
        ['2026-10-01', '2026-10-03'],
        [row('2026-10-03')],
        [...logsOf(['2026-10-03'], [A, B])],
      );
      expect(
        sortDayCoverage(await store.coverage('src', { startDay: '2026-10-01', endDay: '2026-10-31' })),
      ).toEqual([
        { accountId: A, day: '2026-10-03', files: 1 },
        { accountId: B, day: '2026-10-03', files: 1 },
      ]);
      expect(
        await store.actorActivity('src', { startDay: '2026-10-01', endDay: '2026-10-01' }, row('x').actorArn),
      ).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('replaces a day when it is written again, never duplicating rows', async () => {
    const store = await CacheStore.open(freshCache());
    try {
      const days = ['2026-10-01'];
      await store.writeDays('src', days, [row('2026-10-01', { calls: 2 })], logsOf(days));
      await store.writeDays('src', days, [row('2026-10-01', { calls: 5 })], logsOf(days));
      const window = { startDay: '2026-10-01', endDay: '2026-10-01' };
      expect(await store.actorActivity('src', window, 'arn:aws:iam::111111111111:user/alice')).toEqual([
        row('2026-10-01', { calls: 5 }),
      ]);
      expect((await store.status())[0]).toMatchObject({ loadedDays: 1, rows: 1, accounts: ['111111111111'] });
    } finally {
      await store.close();
    }
  });

  it('rolls actors up for --list, per account and identity type', async () => {
    const store = await CacheStore.open(freshCache());
    try {
      await store.writeDays(
        'src',
        ['2026-10-01', '2026-10-02'],
        [
          row('2026-10-01', { calls: 2 }),
          row('2026-10-02', { calls: 3, lastSeen: '2026-10-02T11:00:00Z' }),
          row('2026-10-02', { outcome: 'denied' }),
          row('2026-10-02', { accountId: '222222222222', actorArn: 'arn:aws:iam::222222222222:user/bob' }),
          row('2026-10-02', { actorArn: 'arn:aws:iam::111111111111:role/admin', actorType: 'AssumedRole' }),
        ],
        logsOf(['2026-10-01', '2026-10-02'], [A, B]),
      );
      const rollup = await store.actorRollup(
        'src',
        { startDay: '2026-10-01', endDay: '2026-10-02' },
        '111111111111',
        'IAMUser',
      );
      expect(rollup.map((r) => [r.actorArn, r.outcome, r.calls, r.day]).sort()).toEqual([
        ['arn:aws:iam::111111111111:user/alice', 'denied', 1, '2026-10-02'],
        ['arn:aws:iam::111111111111:user/alice', 'ok', 5, '2026-10-02'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('clears days whole: before a date, or those holding an account', async () => {
    const store = await CacheStore.open(freshCache());
    try {
      const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
      await store.writeDays(
        'src',
        days,
        [
          row('2026-10-01'),
          row('2026-10-02'),
          row('2026-10-02', { accountId: B, actorArn: 'arn:aws:iam::222222222222:user/bob' }),
          row('2026-10-03'),
        ],
        [...logsOf(days), ...logsOf(['2026-10-02'], [B])],
      );
      expect(await store.clear({ before: '2026-10-02' })).toEqual({ rows: 1, days: 1 });
      expect(await store.clear({ accountId: B })).toEqual({ rows: 2, days: 1 });
      expect(await store.missingDays('src', [A], '2026-10-01', '2026-10-03', '2026-11-22')).toEqual([
        '2026-10-01',
        '2026-10-02',
      ]);
      expect(await store.clear()).toEqual({ rows: 1, days: 1 });
      expect(await store.status()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('rebuilds a cache written with another schema version, and says so', async () => {
    const path = freshCache();
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    // A cache as iamtrail 2 wrote it (its schema, before caches carried a marker), with a row.
    await connection.run(`${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v2.sql'), 'utf8')}
      INSERT INTO meta VALUES ('schema_version', '2'), ('created_at', '2026-11-01T00:00:00.000Z');
      INSERT INTO coverage VALUES ('src', '*', '2026-10-01', '2026-11-01T00:00:00Z', 0);`);
    connection.closeSync();
    instance.closeSync();
    const notices: string[] = [];
    const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
    try {
      expect(notices).toEqual([
        `the cache ${path} has schema version 2, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it`,
      ]);
      expect(await store.status()).toEqual([]);
      await store.writeDays('src', ['2026-10-01'], [row('2026-10-01')], logsOf(['2026-10-01']));
      expect((await store.status())[0]?.rows).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('groups days into contiguous ranges', () => {
    expect(
      toRanges(['2026-10-03', '2026-10-01', '2026-10-02', '2026-10-05', '2026-12-31', '2027-01-01']),
    ).toEqual([
      { startDay: '2026-10-01', endDay: '2026-10-03' },
      { startDay: '2026-10-05', endDay: '2026-10-05' },
      { startDay: '2026-12-31', endDay: '2027-01-01' },
    ]);
  });
});

interface Logs {
  engineCalls: number;
  daysRead: number;
  daysFromCache: number;
  cache: string | null;
  coverage: unknown[];
  complete: boolean;
}
const DEMO_CONFIG = ['--config', 'examples/demo/config.example.yaml'];
const json = (args: string[]): { logs: Logs; [key: string]: unknown } => {
  const result = runCli([...args, '--format', 'json']);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { logs: Logs };
};
const withoutLogs = ({
  logs: _logs,
  ...rest
}: {
  logs: Logs;
  [key: string]: unknown;
}): Record<string, unknown> => rest;

describe('iamtrail with the cache', () => {
  const window = ['--start', '2026-10-01', '--end', '2026-10-31'];

  it('answers a repeat question, and a question about another user, with zero engine calls and the same answer', () => {
    const cache = freshCache();
    const first = json([...DEMO_CONFIG, ...window, '--account', 'demo', '--user', 'alice', '--cache', cache]);
    const repeat = json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--user',
      'alice',
      '--cache',
      cache,
    ]);
    const other = json([...DEMO_CONFIG, ...window, '--account', 'demo', '--user', 'bob', '--cache', cache]);
    const uncached = json([...DEMO_CONFIG, ...window, '--account', 'demo', '--user', 'alice', '--no-cache']);
    expect(first.logs).toMatchObject({ engineCalls: 1, daysRead: 31, daysFromCache: 0, cache });
    expect(repeat.logs).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: 31 });
    expect(other.logs).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: 31 });
    expect(withoutLogs(repeat)).toEqual(withoutLogs(first));
    expect(withoutLogs(uncached)).toEqual(withoutLogs(first));
    expect(uncached.logs.cache).toBeNull();
    // The coverage of a cached answer is the one read from the logs.
    expect(repeat.logs.coverage).toEqual(first.logs.coverage);
    expect(uncached.logs.coverage).toEqual(first.logs.coverage);
    // Every day has logs, but the demo's corrupt file of 2026-10-15 could not be read: the cached
    // answer says so as the first one did.
    expect((first.logs.coverage as { gaps: unknown[] }[]).every((entry) => entry.gaps.length === 0)).toBe(
      true,
    );
    expect(first.logs.complete).toBe(false);
    expect(repeat.logs.complete).toBe(false);
  });

  it('loads only the day that was added to the window, in one engine call', () => {
    const cache = freshCache();
    const upTo30 = json([
      ...DEMO_CONFIG,
      '--start',
      '2026-10-01',
      '--end',
      '2026-10-30',
      '--account',
      'demo',
      '--list',
      'users',
      '--cache',
      cache,
    ]);
    const upTo31 = json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--list',
      'users',
      '--cache',
      cache,
    ]);
    expect(upTo30.logs).toMatchObject({ engineCalls: 1, daysRead: 30 });
    expect(upTo31.logs).toMatchObject({ engineCalls: 1, daysRead: 1, daysFromCache: 30 });
    expect(withoutLogs(upTo31).identities).toEqual(
      withoutLogs(json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--no-cache']))
        .identities,
    );
  });

  it('re-reads today and yesterday, which may still receive logs, and everything with --refresh', () => {
    const cache = freshCache();
    const today = utcDayOf(new Date());
    // Logs of the demo account for the last four days, today included.
    const logs = writeTrail(
      join(work, 'recent-logs'),
      daysFrom(addDays(today, -3), today).map((day) => ({ account: '111111111111', day })),
    );
    const config = ['--config', writeDemoConfig(join(work, 'recent.yaml'), logs)];
    const recent = ['--start', addDays(today, -3), '--end', today];
    expect(
      json([...config, ...recent, '--account', 'demo', '--list', 'roles', '--cache', cache]).logs,
    ).toMatchObject({ engineCalls: 1, daysRead: 4 });
    expect(
      json([...config, ...recent, '--account', 'demo', '--list', 'roles', '--cache', cache]).logs,
    ).toMatchObject({ engineCalls: 1, daysRead: 2, daysFromCache: 2 });
    expect(
      json([...config, ...recent, '--account', 'demo', '--list', 'roles', '--cache', cache, '--refresh'])
        .logs,
    ).toMatchObject({ engineCalls: 1, daysRead: 4 });
  });

  it('refuses a folder as the cache file with exit code 2', () => {
    const result = runCli([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--list',
      'roles',
      '--cache',
      work,
    ]);
    expect(result.status).toBe(2);
    expect(flatten(result.stderr)).toContain(`the cache ${work} is a folder`);
  });

  it('--no-cache writes nothing', () => {
    const cache = freshCache();
    json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'roles', '--cache', cache, '--no-cache']);
    expect(existsSync(cache)).toBe(false);
  });

  it('cache status and cache clear report what the cache holds and remove it', () => {
    const cache = freshCache();
    json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache]);
    const status = JSON.parse(runCli(['cache', 'status', '--cache', cache, '--format', 'json']).stdout) as {
      exists: boolean;
      bytes: number;
      sources: { source: string; accounts: string[]; loadedDays: number; ranges: unknown[]; rows: number }[];
    };
    expect(status.exists).toBe(true);
    expect(status.bytes).toBeGreaterThan(0);
    expect(status.sources).toHaveLength(1);
    expect(status.sources[0]).toMatchObject({
      source: `local:${join(REPO_ROOT, 'examples/demo/logs')}`,
      accounts: ['111111111111', '222222222222'],
      loadedDays: 31,
      ranges: [{ startDay: '2026-10-01', endDay: '2026-10-31' }],
    });
    const text = runCli(['cache', 'status', '--cache', cache]).stdout;
    expect(text).toContain('  days:       31 loaded: 2026-10-01..2026-10-31');
    expect(runCli(['cache', 'clear', '--cache', cache, '--before', '2026-10-11']).stdout).toMatch(
      /row\(s\) removed, 10 day\(s\) marked unloaded/,
    );
    expect(
      json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache]).logs,
    ).toMatchObject({ engineCalls: 1, daysRead: 10, daysFromCache: 21 });
    const bad = runCli(['cache', 'clear', '--cache', cache, '--before', '2026-13-01']);
    expect(bad.status).toBe(2);
    expect(flatten(bad.stderr)).toContain('--before "2026-13-01" is not a date');
    expect(runCli(['cache', 'clear', '--cache', cache, '--account', 'demo']).status).toBe(2);
  });

  it('rebuilds an old cache and still answers', async () => {
    const cache = freshCache();
    const instance = await DuckDBInstance.create(cache);
    const connection = await instance.connect();
    await connection.run(`${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v1.sql'), 'utf8')}
      INSERT INTO meta VALUES ('schema_version', '1'), ('created_at', '2026-11-01T00:00:00.000Z')`);
    connection.closeSync();
    instance.closeSync();
    const result = runCli([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--list',
      'roles',
      '--cache',
      cache,
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      `warning: the cache ${cache} has schema version 1, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it`,
    );
    expect(result.stdout).toContain('- readonly');
  });
});

/** Starts the built binary in the background and resolves when its stderr shows `marker`. */
function startUntil(args: string[], env: NodeJS.ProcessEnv, marker: string) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/run.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  const reached = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(marker)) resolve();
    });
    child.on('exit', () => {
      reject(new Error(`exited before "${marker}": ${stderr}`));
    });
  });
  return { child, reached, exited, stderr: () => stderr };
}

describe('two processes and crashes', () => {
  const logsCopy = join(work, 'logs');
  cpSync(join(REPO_ROOT, 'examples/demo/logs'), logsCopy, { recursive: true });
  const base = [
    '--config',
    'examples/demo/config.example.yaml',
    '--logs',
    logsCopy,
    '--account',
    'demo',
    '--list',
    'users',
    '--start',
    '2026-10-01',
    '--end',
    '2026-10-31',
  ];

  it('a second process waits for the first, up to --cache-wait, then fails clearly', async () => {
    const cache = freshCache();
    const first = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '2500', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '0' },
      'cache: transaction 1 open',
    );
    await first.reached;
    const impatient = runCli([...base, '--cache', cache, '--cache-wait', '1']);
    expect(impatient.status).toBe(3);
    expect(flatten(impatient.stderr)).toMatch(
      new RegExp(`the cache ${cache} is in use by another iamtrail process \\(PID \\d+\\); waited 1 s`),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // Once the holder is gone, the cache opens and answers.
    const after = runCli([...base, '--cache', cache, '--format', 'json']);
    expect(after.status).toBe(0);
  });

  it('a second process with time to wait gets the cache once the first is done, and uses what it loaded', async () => {
    const cache = freshCache();
    const first = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '150', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '0' },
      'cache: transaction 1 open',
    );
    await first.reached;
    const started = Date.now();
    const patient = runCli([...base, '--cache', cache, '--cache-wait', '60', '--format', 'json']);
    expect(await first.exited).toBe(0);
    expect(patient.status, patient.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect((JSON.parse(patient.stdout) as { logs: Logs }).logs).toMatchObject({
      engineCalls: 0,
      daysFromCache: 31,
    });
  });

  it('a process killed with SIGKILL in the middle of a load leaves that day absent, never partial', async () => {
    const cache = freshCache();
    const killed = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '30000', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '5' },
      'cache: transaction 6 open',
    );
    await killed.reached;
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBeNull();

    // The reference: the same days loaded by an uninterrupted run into another cache.
    const reference = freshCache();
    json([...base, '--cache', reference]);
    const [crashed, whole] = [await CacheStore.open(cache), await CacheStore.open(reference)];
    try {
      const source = `local:${logsCopy}`;
      const loaded = ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05'];
      expect(await crashed.missingDays(source, [A, B], '2026-10-01', '2026-10-31', '2026-11-22')).toEqual(
        Array.from({ length: 26 }, (_, index) => addDays('2026-10-06', index)),
      );
      const status = await crashed.status();
      expect(status[0]?.ranges).toEqual([{ startDay: '2026-10-01', endDay: '2026-10-05' }]);
      // The committed days are complete, and the interrupted day has no rows at all.
      for (const day of [...loaded, '2026-10-06']) {
        const window = { startDay: day, endDay: day };
        for (const actor of ['arn:aws:iam::111111111111:user/alice', 'arn:aws:iam::111111111111:user/bob']) {
          expect(
            sortActivityRows(await crashed.actorActivity(source, window, actor)),
            `${day} ${actor}`,
          ).toEqual(
            day === '2026-10-06' ? [] : sortActivityRows(await whole.actorActivity(source, window, actor)),
          );
        }
      }
    } finally {
      await crashed.close();
      await whole.close();
    }
    // The next run loads the rest and answers as an uninterrupted one.
    const resumed = json([...base, '--cache', cache]);
    expect(resumed.logs).toMatchObject({ engineCalls: 1, daysRead: 26, daysFromCache: 5 });
    expect(withoutLogs(resumed)).toEqual(withoutLogs(json([...base, '--no-cache'])));
  });
});
