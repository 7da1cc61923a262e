import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { addDays } from '../../src/trail/utc-days.js';
import { flatten, runCli } from '../helpers/cli.js';
import { onDay } from '../helpers/clock.js';
import { daysFrom, writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';

/** The day tests of "today" run on (any day after the demo's month). */
const TODAY = '2026-11-20';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-coverage-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
let counter = 0;
const fresh = (name: string): string => join(work, `${name}-${(counter += 1)}`);

const DEMO = '111111111111';
const BACKUP = '222222222222';

interface Span {
  startDay: string;
  endDay: string;
}
interface Logs {
  engineCalls: number;
  daysRead: number;
  daysFromCache: number;
  complete: boolean;
  coverage: {
    account: { name: string; id: string };
    daysWithLogs: number;
    days: Span[];
    gaps: Span[];
    files: number;
  }[];
}
interface DiffDocument {
  actions: { action: string; status: string; windowIncomplete?: true }[];
  logs: Logs;
}
interface ListDocument {
  identities: { name: string; active: boolean; windowIncomplete?: true }[];
  logs: Logs;
}

/** A JSON run that must succeed: its document (cast by the caller) and its flattened stderr. */
async function runJson(args: string[]): Promise<{ document: unknown; stderr: string }> {
  const result = await runCli([...args, '--format', 'json']);
  expect(result.status, result.stderr).toBe(0);
  return { document: JSON.parse(result.stdout), stderr: flatten(result.stderr) };
}
type Run<T> = { document: T; stderr: string };

describe('no answer from missing logs', () => {
  it('an empty log folder is an error (exit 2) naming the account, the window and the folder', async () => {
    const empty = fresh('empty');
    mkdirSync(empty);
    const config = writeDemoConfig(`${fresh('config')}.yaml`, empty);
    const cache = `${fresh('cache')}.duckdb`;
    const args = ['--config', config, '--account', 'demo', '--start', '2026-10-01', '--end', '2026-10-31'];
    for (const question of [
      ['--user', 'alice', '--cache', cache],
      ['--list', 'users', '--no-cache'],
    ]) {
      const result = await runCli([...args, ...question]);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      const message = flatten(result.stderr);
      expect(message).toContain(
        `no CloudTrail log for account demo (${DEMO}) in 2026-10-01..2026-10-31 in the folder ${empty}: no log file there holds a record of any account in that window`,
      );
      expect(message).toContain(
        'Check that the folder holds AWSLogs/[o-xxxx/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/',
      );
      expect(message).toContain('Check the dates: the logs must hold events of 2026-10-01..2026-10-31 (UTC)');
    }
  });

  it('a folder whose logs hold only another account is an error for the asked account', async () => {
    const logs = writeTrail(
      fresh('logs'),
      daysFrom('2026-10-01', '2026-10-03').map((day) => ({ account: BACKUP, day })),
    );
    const config = writeDemoConfig(`${fresh('config')}.yaml`, logs);
    const cache = `${fresh('cache')}.duckdb`;
    const window = ['--start', '2026-10-01', '--end', '2026-10-03'];
    const demo = await runCli([
      '--config',
      config,
      ...window,
      '--account',
      'demo',
      '--list',
      'users',
      '--cache',
      cache,
    ]);
    expect(demo.status).toBe(2);
    expect(flatten(demo.stderr)).toContain(
      `no CloudTrail log for account demo (${DEMO}) in 2026-10-01..2026-10-03 in the folder ${logs}: the logs there hold records of ${BACKUP} (3 day(s)) in that window`,
    );
    // What the failed run read stays true for the other account: its days come from the cache.
    const backup = (await runJson([
      '--config',
      config,
      ...window,
      '--account',
      'backup',
      '--list',
      'users',
      '--cache',
      cache,
    ])) as Run<ListDocument>;
    expect(backup.document.logs).toMatchObject({ engineCalls: 0, daysFromCache: 3, complete: true });
    // A --destaccount whose logs are missing fails the same way, naming that account.
    const demoLogs = writeTrail(
      fresh('logs'),
      daysFrom('2026-10-01', '2026-10-03').map((day) => ({ account: DEMO, day })),
    );
    const dest = await runCli([
      '--config',
      writeDemoConfig(`${fresh('config')}.yaml`, demoLogs),
      ...window,
      '--account',
      'demo',
      '--user',
      'alice',
      '--destrole',
      'admin',
      '--destaccount',
      'backup',
      '--no-cache',
    ]);
    expect(dest.status).toBe(2);
    expect(flatten(dest.stderr)).toContain(
      `no CloudTrail log for account backup (${BACKUP}) in 2026-10-01..2026-10-03 in the folder ${demoLogs}: the logs there hold records of ${DEMO} (3 day(s)) in that window`,
    );
  });

  it('a window partly outside the logs lists the gaps, qualifies the verdicts, and reads only the gaps again', async () => {
    // Logs of the demo account on the 3rd to the 5th and on the 8th; the window is the 1st to the 10th.
    const withLogs = [...daysFrom('2026-10-03', '2026-10-05'), '2026-10-08'];
    const logs = writeTrail(
      fresh('logs'),
      withLogs.map((day) => ({ account: DEMO, day })),
    );
    const config = writeDemoConfig(`${fresh('config')}.yaml`, logs);
    const cache = `${fresh('cache')}.duckdb`;
    const question = [
      '--config',
      config,
      '--account',
      'demo',
      '--user',
      'alice',
      '--start',
      '2026-10-01',
      '--end',
      '2026-10-10',
    ];
    const gaps = [
      { startDay: '2026-10-01', endDay: '2026-10-02' },
      { startDay: '2026-10-06', endDay: '2026-10-07' },
      { startDay: '2026-10-09', endDay: '2026-10-10' },
    ];
    const expectedCoverage = [
      {
        account: { name: 'demo', id: DEMO },
        daysWithLogs: 4,
        days: [
          { startDay: '2026-10-03', endDay: '2026-10-05' },
          { startDay: '2026-10-08', endDay: '2026-10-08' },
        ],
        gaps,
        files: 4,
      },
    ];
    const first = (await runJson([...question, '--cache', cache])) as Run<DiffDocument>;
    expect(first.document.logs).toMatchObject({
      engineCalls: 1,
      daysRead: 10,
      daysFromCache: 0,
      complete: false,
    });
    expect(first.document.logs.coverage).toEqual(expectedCoverage);
    expect(first.stderr).toContain(
      `warning: no logs for account demo (${DEMO}) on 6 of 10 days: 2026-10-01..2026-10-02, 2026-10-06..2026-10-07, 2026-10-09..2026-10-10; "-" and inactivity rest on the other 4 day(s)`,
    );
    // alice listed her buckets; her other grants are "-" on the days with logs only.
    const unused = first.document.actions.filter((line) => line.status === 'unused');
    expect(unused.length).toBeGreaterThan(0);
    expect(unused.every((line) => line.windowIncomplete === true)).toBe(true);
    const listBuckets = first.document.actions.find((line) => line.action === 's3:ListAllMyBuckets');
    expect(listBuckets).toMatchObject({ status: 'used' });
    expect(listBuckets?.windowIncomplete).toBeUndefined();

    // Days without logs were not marked loaded: the next run reads exactly them, one call per gap.
    const second = (await runJson([...question, '--cache', cache])) as Run<DiffDocument>;
    expect(second.document.logs).toMatchObject({ engineCalls: 3, daysRead: 6, daysFromCache: 4 });
    expect(second.document.logs.coverage).toEqual(expectedCoverage);
    const uncached = (await runJson([...question, '--no-cache'])) as Run<DiffDocument>;
    expect(uncached.document.actions).toEqual(first.document.actions);
    expect(uncached.document.logs.coverage).toEqual(expectedCoverage);

    // Text output says it under the diff and under --list.
    const text = await runCli([...question, '--cache', cache]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(
      [
        '',
        'Note: the logs do not cover the whole window; "-" and inactivity rest on the days with logs only.',
        `  no logs for account demo (${DEMO}) on 2026-10-01..2026-10-02, 2026-10-06..2026-10-07, 2026-10-09..2026-10-10; logs on 4 day(s)`,
        '',
      ].join('\n'),
    );
    const list = (await runJson([
      ...question.filter((arg) => arg !== '--user' && arg !== 'alice'),
      '--list',
      'users',
      '--cache',
      cache,
    ])) as Run<ListDocument>;
    const bob = list.document.identities.find((identity) => identity.name === 'bob');
    expect(bob).toMatchObject({ active: false, windowIncomplete: true });
    expect(
      list.document.identities.find((identity) => identity.name === 'alice')?.windowIncomplete,
    ).toBeUndefined();
  });

  it('never queries nor caches a day after today, and refuses a window that starts after it', () =>
    // A fixed day, not the day the test runs: iamtrail's "today" is this day's (test/helpers/clock.ts).
    onDay(TODAY, async () => {
      const today = TODAY;
      const logs = writeTrail(fresh('logs'), [
        { account: DEMO, day: addDays(today, -1) },
        { account: DEMO, day: today },
      ]);
      const config = writeDemoConfig(`${fresh('config')}.yaml`, logs);
      const cache = `${fresh('cache')}.duckdb`;
      // Tomorrow is the last day a window may hold (later ends are moved to it).
      const window = { startDay: addDays(today, -1), endDay: addDays(today, 1) };
      const question = ['--config', config, '--account', 'demo', '--list', 'users', '--cache', cache];
      const first = (await runJson([
        ...question,
        '--start',
        window.startDay,
        '--end',
        window.endDay,
      ])) as Run<ListDocument>;
      // Two days read (yesterday, today), none after today, and tomorrow is a gap.
      expect(first.document.logs).toMatchObject({
        engineCalls: 1,
        daysRead: 2,
        daysFromCache: 0,
        complete: false,
      });
      expect(first.document.logs.coverage[0]?.gaps).toEqual([
        { startDay: addDays(today, 1), endDay: addDays(today, 1) },
      ]);
      expect(first.stderr).toContain(`(days after today, ${today}, have no logs yet)`);
      const store = await CacheStore.open(cache);
      try {
        expect((await store.coverage(`local:${logs}`, window)).map((entry) => entry.day).sort()).toEqual([
          addDays(today, -1),
          today,
        ]);
        expect((await store.status())[0]?.ranges).toEqual([{ startDay: addDays(today, -1), endDay: today }]);
      } finally {
        await store.close();
      }
      // Yesterday and today are read again (logs still arrive); the future still is not.
      const second = (await runJson([
        ...question,
        '--start',
        window.startDay,
        '--end',
        window.endDay,
      ])) as Run<ListDocument>;
      expect(second.document.logs).toMatchObject({ engineCalls: 1, daysRead: 2, daysFromCache: 0 });

      const future = await runCli([...question, '--start', addDays(today, 1), '--end', addDays(today, 1)]);
      expect(future.status).toBe(2);
      expect(flatten(future.stderr)).toContain(
        `no CloudTrail log for account demo (${DEMO}) in ${addDays(today, 1)}..${addDays(today, 1)}: the window starts after today (${today}, UTC), and no log exists yet`,
      );
    }));
});
