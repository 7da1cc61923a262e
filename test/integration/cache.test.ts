import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { sortDayCoverage } from '../../src/analysis/activity-order.js';
import { CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { listedRoles } from '../../src/cache/activity-queries.js';
import { toRanges } from '../../src/cache/day-ranges.js';
import type { ActivityRow, DayCoverage } from '../../src/trail/activity-summary.js';
import { addDays } from '../../src/trail/utc-days.js';
import { flatten, parseJsonAnswer, runCli, withoutLogs } from '../helpers/cli.js';
import type { JsonAnswer } from '../helpers/cli.js';
import { onDay } from '../helpers/clock.js';
import { expectedActorKey, readCacheRows } from '../helpers/cache-rows.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { daysFrom, writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';

/** The day tests of "today" run on (any day after the demo's month). */
const TODAY = '2026-11-20';

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
  assumedRoleArn: null,
  ...overrides,
});

const A = '111111111111';
const B = '222222222222';
/** Coverage of one file per listed account on each listed day. */
const logsOf = (days: readonly string[], accounts: readonly string[] = [A]): DayCoverage[] =>
  days.flatMap((day) => accounts.map((accountId) => ({ accountId, day, files: 1 })));

describe('CacheStore', () => {
  it("counts a role caller's days once each, whatever the outcomes of its calls that day", async () => {
    const store = await CacheStore.open(freshCache());
    const days = ['2026-10-01', '2026-10-02'];
    const role = `arn:aws:iam::${A}:role/admin`;
    const caller = `arn:aws:iam::${A}:user/alice`;
    const session = { actorArn: role, actorType: 'AssumedRole', callerArn: caller };
    try {
      await store.writeDays(
        'src',
        days,
        [
          row('2026-10-01', { ...session, calls: 3 }),
          row('2026-10-01', { ...session, outcome: 'denied', calls: 2 }),
          row('2026-10-01', { ...session, eventName: 'GetObject', outcome: 'failed' }),
          row('2026-10-02', { ...session, calls: 4 }),
        ],
        logsOf(days),
      );
      const callers = await store.roleCallers(
        'src',
        { startDay: days[0] ?? '', endDay: days[1] ?? '' },
        { roleArn: role },
      );
      expect(callers).toEqual([
        {
          roleArn: role,
          callerArn: caller,
          viaArn: null,
          calls: 10,
          denied: 2,
          failed: 1,
          days: 2,
          firstSeen: '2026-10-01T10:00:00Z',
          lastSeen: '2026-10-02T10:00:00Z',
        },
      ]);
    } finally {
      await store.close();
    }
  });

  it("sums an account's role sessions into --list roles' rows and callers as the two queries do", async () => {
    const store = await CacheStore.open(freshCache());
    const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
    const window = { startDay: '2026-10-01', endDay: '2026-10-03' };
    const role = (name: string, account = A): string => `arn:aws:iam::${account}:role/${name}`;
    const alice = `arn:aws:iam::${A}:user/alice`;
    const session = (day: string, actorArn: string, overrides: Partial<ActivityRow> = {}): ActivityRow =>
      row(day, { actorArn, actorType: 'AssumedRole', callerArn: alice, ...overrides });
    try {
      await store.writeDays(
        'src',
        days,
        [
          session('2026-10-01', role('admin'), { calls: 3, firstSeen: '2026-10-01T08:00:00Z' }),
          session('2026-10-02', role('admin'), {
            outcome: 'denied',
            calls: 2,
            lastSeen: '2026-10-02T23:00:00Z',
          }),
          session('2026-10-03', role('admin'), { eventName: 'GetObject', outcome: 'failed' }),
          session('2026-10-02', role('admin'), { callerArn: null, calls: 7 }),
          session('2026-10-03', role('admin'), { viaArn: role('hop'), calls: 4 }),
          // Logged in another account, by a role of this one.
          session('2026-10-03', role('admin'), { accountId: B, calls: 5 }),
          session('2026-10-01', role('reader'), { callerArn: 'ec2.amazonaws.com', calls: 9 }),
          session('2026-10-02', role('reader'), { callerArn: 'ec2.amazonaws.com', outcome: 'denied' }),
          // Another account's role, and a user: neither is listed.
          session('2026-10-01', role('admin', B), { calls: 11 }),
          row('2026-10-01', { actorArn: alice, calls: 13 }),
        ],
        logsOf(days, [A, B]),
      );
      const { rows, callers } = listedRoles(await store.accountRoleSessions('src', window, A));
      const byText = (entries: readonly unknown[]): string[] =>
        entries.map((entry) => JSON.stringify(entry)).sort();
      expect(byText(rows)).toEqual(byText(await store.actorRollup('src', window, A, 'AssumedRole')));
      expect(byText(callers)).toEqual(
        byText(
          (await store.roleCallers('src', window, { accountId: A })).map(
            ({ roleArn, callerArn, viaArn, calls, lastSeen }) => ({
              roleArn,
              callerArn,
              viaArn,
              calls,
              lastSeen,
            }),
          ),
        ),
      );
      expect(rows.map((entry) => entry.actorArn)).not.toContain(role('admin', B));
      expect(callers).toHaveLength(4);
    } finally {
      await store.close();
    }
  });

  it("keeps the roles of an actor's AssumeRole calls apart: counted once across accounts, its chains' too, replaced and cleared with their days", async () => {
    const store = await CacheStore.open(freshCache());
    const days = ['2026-10-01', '2026-10-02'];
    const window = { startDay: '2026-10-01', endDay: '2026-10-02' };
    const alice = `arn:aws:iam::${A}:user/alice`;
    const admin = `arn:aws:iam::${A}:role/admin`;
    const backup = `arn:aws:iam::${B}:role/backup`;
    const readonly = `arn:aws:iam::${A}:role/readonly`;
    const assume = (day: string, assumedRoleArn: string, overrides: Partial<ActivityRow> = {}): ActivityRow =>
      row(day, {
        actorArn: alice,
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        assumedRoleArn,
        ...overrides,
      });
    try {
      await store.writeDays(
        'src',
        days,
        [
          assume('2026-10-01', admin, { calls: 2, lastSeen: '2026-10-01T12:00:00Z' }),
          // one call to another account's role, logged in both accounts
          assume('2026-10-01', backup, { calls: 3 }),
          assume('2026-10-01', backup, { accountId: B, calls: 3 }),
          assume('2026-10-02', backup, { accountId: B, lastSeen: '2026-10-02T18:00:00Z' }),
          // refused: no role
          assume('2026-10-02', admin, { outcome: 'denied', assumedRoleArn: null }),
          // the admin session alice opened assumed readonly: her chain
          assume('2026-10-02', readonly, { actorArn: admin, actorType: 'AssumedRole', callerArn: alice }),
          // someone else's
          assume('2026-10-02', readonly, { actorArn: `arn:aws:iam::${A}:user/bob` }),
          row('2026-10-02', { actorArn: alice }),
        ],
        logsOf(days, [A, B]),
      );
      expect(await store.assumedRoles('src', window, alice, [alice, 'alice'])).toEqual([
        { roleArn: admin, assumptions: 2, lastSeen: '2026-10-01T12:00:00Z' },
        { roleArn: readonly, assumptions: 1, lastSeen: '2026-10-02T10:00:00Z' },
        { roleArn: backup, assumptions: 4, lastSeen: '2026-10-02T18:00:00Z' },
      ]);
      // Without the callers, the actor's own calls only.
      expect((await store.assumedRoles('src', window, alice, [])).map((entry) => entry.roleArn)).toEqual([
        admin,
        backup,
      ]);
      // A day read again replaces its rows; a day cleared loses them.
      await store.writeDays('src', ['2026-10-01'], [assume('2026-10-01', readonly)], logsOf(['2026-10-01']));
      expect(await store.assumedRoles('src', window, alice, [alice])).toEqual([
        { roleArn: readonly, assumptions: 2, lastSeen: '2026-10-02T10:00:00Z' },
        { roleArn: backup, assumptions: 1, lastSeen: '2026-10-02T18:00:00Z' },
      ]);
      await store.clear({ before: '2026-10-02' });
      expect(await store.assumedRoles('src', window, alice, [alice])).toEqual([
        { roleArn: readonly, assumptions: 1, lastSeen: '2026-10-02T10:00:00Z' },
        { roleArn: backup, assumptions: 1, lastSeen: '2026-10-02T18:00:00Z' },
      ]);
    } finally {
      await store.close();
    }
  });

  it('finds each actor by its key, whatever its ARN: accounts next to each other, and ARNs without an account', async () => {
    const store = await CacheStore.open(freshCache());
    const days = ['2026-10-01'];
    const window = { startDay: '2026-10-01', endDay: '2026-10-01' };
    // Neighbouring accounts (their key ranges touch), the first and last account numbers, an ARN
    // whose fifth field is no account, and a principal that is no ARN.
    const actors = [
      [`arn:aws:iam::${A}:user/alice`, A],
      ['arn:aws:iam::111111111112:user/alice', '111111111112'],
      ['arn:aws:iam::111111111110:user/alice', '111111111110'],
      ['arn:aws:iam::000000000000:user/zero', '000000000000'],
      ['arn:aws:iam::999999999999:user/nines', '999999999999'],
      ['arn:aws:iam::aws:user/odd', 'aws'],
      ['ANONYMOUS_PRINCIPAL', ''],
    ] as const;
    try {
      await store.writeDays(
        'src',
        days,
        actors.map(([actorArn]) => row('2026-10-01', { actorArn })),
        logsOf(days),
      );
      for (const [actorArn, accountId] of actors) {
        expect((await store.actorActivity('src', window, actorArn)).map((entry) => entry.actorArn)).toEqual([
          actorArn,
        ]);
        expect(
          (await store.actorRollup('src', window, accountId, 'IAMUser')).map((entry) => entry.actorArn),
        ).toEqual([actorArn]);
      }
    } finally {
      await store.close();
    }
  });

  it("stores an actor's rows together, by day, whatever order they come in", async () => {
    const path = freshCache();
    const store = await CacheStore.open(path);
    const days = ['2026-10-01', '2026-10-02'];
    const arn = (name: string): string => `arn:aws:iam::${A}:user/${name}`;
    try {
      await store.writeDays(
        'src',
        days,
        [
          row('2026-10-02', { actorArn: arn('carol') }),
          row('2026-10-01', { actorArn: arn('bob') }),
          row('2026-10-02', { actorArn: arn('alice') }),
          row('2026-10-01', { actorArn: arn('carol') }),
          row('2026-10-01', { actorArn: arn('alice') }),
        ],
        logsOf(days),
      );
    } finally {
      await store.close();
    }
    // By actor key (the account's, then the ARN's MD5), then by day.
    const byKey = ['alice', 'bob', 'carol'].sort((a, b) =>
      Number(BigInt(expectedActorKey(arn(a))) - BigInt(expectedActorKey(arn(b)))),
    );
    const expected = byKey.flatMap((name) =>
      (name === 'bob' ? ['2026-10-01'] : days).map((day) => [arn(name), day, expectedActorKey(arn(name))]),
    );
    expect(
      await readCacheRows(path, 'SELECT actor_arn, day, actor_key FROM activity ORDER BY rowid'),
    ).toEqual(expected);
    expect(
      await readCacheRows(path, 'SELECT actor_arn, day, actor_key FROM actor_days ORDER BY rowid'),
    ).toEqual(expected);
  });

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

  it.each([
    ['a file', freshCache],
    ['memory', () => ':memory:'],
  ])("keeps each account's files per day as the load counted them (cache in %s)", async (_, path) => {
    const store = await CacheStore.open(path());
    try {
      // No two entries alike in their account, day or count: a count written to another entry's
      // day or account shows. The last count needs the column's BIGINT (past 2^32), after small ones.
      const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
      await store.writeDays(
        'src',
        days,
        [row('2026-10-02')],
        [
          { accountId: A, day: '2026-10-01', files: 3 },
          { accountId: A, day: '2026-10-02', files: 5 },
          { accountId: B, day: '2026-10-02', files: 7 },
          { accountId: B, day: '2026-10-03', files: 4_294_967_307 },
        ],
      );
      const window = { startDay: '2026-10-01', endDay: '2026-10-31' };
      expect(sortDayCoverage(await store.coverage('src', window))).toEqual([
        { accountId: A, day: '2026-10-01', files: 3 },
        { accountId: A, day: '2026-10-02', files: 5 },
        { accountId: B, day: '2026-10-02', files: 7 },
        { accountId: B, day: '2026-10-03', files: 4_294_967_307 },
      ]);
      // A day with logs but no account's records (an empty folder) is marked for no account.
      await store.writeDays('src', ['2026-10-03'], [], []);
      expect(sortDayCoverage(await store.coverage('src', window))).toEqual([
        { accountId: A, day: '2026-10-01', files: 3 },
        { accountId: A, day: '2026-10-02', files: 5 },
        { accountId: B, day: '2026-10-02', files: 7 },
      ]);
    } finally {
      await store.close();
    }
  });

  it("sums an actor's calls per event and outcome over the window's days, accounts and callers", async () => {
    const store = await CacheStore.open(freshCache());
    const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
    const alice = `arn:aws:iam::${A}:user/alice`;
    const admin = `arn:aws:iam::${A}:role/admin`;
    const session = (day: string, overrides: Partial<ActivityRow> = {}): ActivityRow =>
      row(day, { actorArn: admin, actorType: 'AssumedRole', callerArn: alice, ...overrides });
    try {
      await store.writeDays(
        'src',
        days,
        [
          row('2026-10-01', { calls: 2, lastSeen: '2026-10-01T09:00:00Z' }),
          row('2026-10-02', { calls: 3, lastSeen: '2026-10-02T17:30:00Z' }),
          // Logged in another account: the same event, summed with the others.
          row('2026-10-02', { accountId: B, calls: 4, lastSeen: '2026-10-02T08:00:00Z' }),
          row('2026-10-02', { outcome: 'denied', calls: 5, lastSeen: '2026-10-02T12:00:00Z' }),
          row('2026-10-03', { eventName: 'GetObject', calls: 6, lastSeen: '2026-10-03T01:00:00Z' }),
          // Past the window asked below.
          row('2026-10-03', { calls: 100, lastSeen: '2026-10-03T23:00:00Z' }),
          session('2026-10-01', { calls: 7, lastSeen: '2026-10-01T20:00:00Z' }),
          session('2026-10-02', {
            callerArn: null,
            viaArn: alice,
            calls: 8,
            lastSeen: '2026-10-02T20:00:00Z',
          }),
          session('2026-10-02', { callerArn: `arn:aws:iam::${A}:user/bob`, calls: 9 }),
          session('2026-10-02', { callerArn: 'alice', calls: 10, lastSeen: '2026-10-02T21:00:00Z' }),
        ],
        logsOf(days, [A, B]),
      );
      const twoDays = { startDay: '2026-10-01', endDay: '2026-10-02' };
      const s3 = (eventName: string, outcome: string, calls: number, lastSeen: string) => ({
        eventSource: 's3.amazonaws.com',
        eventName,
        outcome,
        calls,
        lastSeen,
      });
      const byEvent = (entries: readonly { eventName: string; outcome: string }[]): unknown[] =>
        [...entries].sort((a, b) =>
          `${a.eventName} ${a.outcome}`.localeCompare(`${b.eventName} ${b.outcome}`),
        );
      expect(byEvent(await store.actorEventCalls('src', twoDays, alice))).toEqual([
        s3('ListBuckets', 'denied', 5, '2026-10-02T12:00:00Z'),
        s3('ListBuckets', 'ok', 9, '2026-10-02T17:30:00Z'),
      ]);
      const threeDays = { ...twoDays, endDay: '2026-10-03' };
      expect(byEvent(await store.actorEventCalls('src', threeDays, alice))).toEqual([
        s3('GetObject', 'ok', 6, '2026-10-03T01:00:00Z'),
        s3('ListBuckets', 'denied', 5, '2026-10-02T12:00:00Z'),
        s3('ListBuckets', 'ok', 109, '2026-10-03T23:00:00Z'),
      ]);
      // The role's sessions alice opened: as their first identity, by her name as the
      // sourceIdentity, or as the last hop of a chain; not bob's.
      expect(await store.actorEventCalls('src', twoDays, admin, [alice, 'alice'])).toEqual([
        s3('ListBuckets', 'ok', 25, '2026-10-02T21:00:00Z'),
      ]);
      expect(await store.actorEventCalls('src', twoDays, admin, [])).toEqual([]);
      expect(await store.actorEventCalls('other', twoDays, alice)).toEqual([]);
      // Every actor of the account (whose ARN names it) at once, summed whoever opened the
      // sessions and wherever the calls were logged, ordered by actor (role/ before user/), event
      // and outcome.
      expect(await store.accountEventCalls('src', twoDays, A)).toEqual([
        { actorArn: admin, ...s3('ListBuckets', 'ok', 34, '2026-10-02T21:00:00Z') },
        { actorArn: alice, ...s3('ListBuckets', 'denied', 5, '2026-10-02T12:00:00Z') },
        { actorArn: alice, ...s3('ListBuckets', 'ok', 9, '2026-10-02T17:30:00Z') },
      ]);
      expect(await store.accountEventCalls('src', twoDays, B)).toEqual([]);
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

  it("writes a per-actor summary's rows into an in-memory store's actors' days alone, and never into a file", async () => {
    const days = ['2026-10-01', '2026-10-02'];
    const anyEvent = { eventSource: '*', eventName: '*' };
    const rows = [
      row('2026-10-01', { ...anyEvent, calls: 2 }),
      row('2026-10-02', { ...anyEvent, outcome: 'denied', calls: 3 }),
    ];
    const window = { startDay: days[0] ?? '', endDay: days[1] ?? '' };
    const memory = await CacheStore.open(':memory:');
    try {
      await memory.writeDays('src', days, rows, logsOf(days), {}, [], [], [], false, true);
      const rollup = await memory.actorRollup('src', window, A, 'IAMUser');
      expect(rollup.map((r) => [r.actorArn, r.outcome, r.calls, r.day]).sort()).toEqual([
        ['arn:aws:iam::111111111111:user/alice', 'denied', 3, '2026-10-02'],
        ['arn:aws:iam::111111111111:user/alice', 'ok', 2, '2026-10-01'],
      ]);
      expect(await memory.actorActivity('src', window, 'arn:aws:iam::111111111111:user/alice')).toEqual([]);
      expect(await memory.accountEvents('src', window, A)).toEqual([]);
    } finally {
      await memory.close();
    }
    const file = freshCache();
    const store = await CacheStore.open(file);
    try {
      await expect(
        store.writeDays('src', days, rows, logsOf(days), {}, [], [], [], false, true),
      ).rejects.toThrow(/in-memory store only/);
      expect(await store.coverage('src', window)).toEqual([]);
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
const json = async (args: string[]): Promise<JsonAnswer<Logs>> =>
  parseJsonAnswer<Logs>(await runCli([...args, '--format', 'json']));

describe('iamtrail with the cache', () => {
  // A week of the demo, with the corrupt file of 2026-10-15: what the cache does is the same for
  // a week as for the month, and a week reads in a fifth of the time.
  const window = ['--start', '2026-10-13', '--end', '2026-10-19'];
  const DAYS = 7;

  it('answers a repeat question, and a question about another user, with zero engine calls and the same answer', async () => {
    const cache = freshCache();
    const first = await json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--user',
      'alice',
      '--cache',
      cache,
    ]);
    const repeat = await json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--user',
      'alice',
      '--cache',
      cache,
    ]);
    const other = await json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--user',
      'bob',
      '--cache',
      cache,
    ]);
    const uncached = await json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--user',
      'alice',
      '--no-cache',
    ]);
    expect(first.logs).toMatchObject({ engineCalls: 1, daysRead: DAYS, daysFromCache: 0, cache });
    expect(repeat.logs).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: DAYS });
    expect(other.logs).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: DAYS });
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

  it('reads the resources of the calls only for the questions that need them: policy generate reads again the days a report loaded without them, then both answer from the cache', async () => {
    const cache = freshCache();
    const report = async () =>
      (await json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache]))
        .logs;
    const generate = async () =>
      parseJsonAnswer<Logs>(
        await runCli([
          'policy',
          'generate',
          ...DEMO_CONFIG,
          ...window,
          '--account',
          'demo',
          '--user',
          'alice',
          '--cache',
          cache,
          '--json',
        ]),
      ).logs;
    expect(await report()).toMatchObject({ engineCalls: 1, daysRead: DAYS });
    expect(await generate()).toMatchObject({ engineCalls: 1, daysRead: DAYS, daysFromCache: 0 });
    expect(await generate()).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: DAYS });
    // Days read with their resources answer the report too.
    expect(await report()).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: DAYS });
  });

  it('loads only the day that was added to the window, in one engine call', async () => {
    const cache = freshCache();
    const firstSixDays = await json([
      ...DEMO_CONFIG,
      '--start',
      '2026-10-13',
      '--end',
      '2026-10-18',
      '--account',
      'demo',
      '--list',
      'users',
      '--cache',
      cache,
    ]);
    const wholeWeek = await json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--list',
      'users',
      '--cache',
      cache,
    ]);
    expect(firstSixDays.logs).toMatchObject({ engineCalls: 1, daysRead: DAYS - 1 });
    expect(wholeWeek.logs).toMatchObject({ engineCalls: 1, daysRead: 1, daysFromCache: DAYS - 1 });
    expect(withoutLogs(wholeWeek).identities).toEqual(
      withoutLogs(
        await json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--no-cache']),
      ).identities,
    );
  });

  it('re-reads today and yesterday, which may still receive logs, and everything with --refresh', () =>
    // A fixed day, not the day the test runs: iamtrail's "today" is this day's (test/helpers/clock.ts).
    onDay(TODAY, async () => {
      const cache = freshCache();
      const today = TODAY;
      // Logs of the demo account for the last four days, today included.
      const logs = writeTrail(
        join(work, 'recent-logs'),
        daysFrom(addDays(today, -3), today).map((day) => ({ account: '111111111111', day })),
      );
      const config = ['--config', writeDemoConfig(join(work, 'recent.yaml'), logs)];
      const recent = ['--start', addDays(today, -3), '--end', today];
      expect(
        (await json([...config, ...recent, '--account', 'demo', '--list', 'roles', '--cache', cache])).logs,
      ).toMatchObject({ engineCalls: 1, daysRead: 4 });
      expect(
        (await json([...config, ...recent, '--account', 'demo', '--list', 'roles', '--cache', cache])).logs,
      ).toMatchObject({ engineCalls: 1, daysRead: 2, daysFromCache: 2 });
      expect(
        (
          await json([
            ...config,
            ...recent,
            '--account',
            'demo',
            '--list',
            'roles',
            '--cache',
            cache,
            '--refresh',
          ])
        ).logs,
      ).toMatchObject({ engineCalls: 1, daysRead: 4 });
    }));

  it('refuses a folder as the cache file with exit code 2', async () => {
    const result = await runCli([
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

  it('--no-cache writes nothing', async () => {
    const cache = freshCache();
    await json([
      ...DEMO_CONFIG,
      ...window,
      '--account',
      'demo',
      '--list',
      'roles',
      '--cache',
      cache,
      '--no-cache',
    ]);
    expect(existsSync(cache)).toBe(false);
  });

  it('cache status and cache clear report what the cache holds and remove it', async () => {
    const cache = freshCache();
    await json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache]);
    const status = JSON.parse(
      (await runCli(['cache', 'status', '--cache', cache, '--format', 'json'])).stdout,
    ) as {
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
      loadedDays: DAYS,
      ranges: [{ startDay: '2026-10-13', endDay: '2026-10-19' }],
    });
    const text = (await runCli(['cache', 'status', '--cache', cache])).stdout;
    expect(text).toContain(`  days:       ${DAYS} loaded: 2026-10-13..2026-10-19`);
    // Before 2026-10-16: the 13th, 14th and 15th.
    expect((await runCli(['cache', 'clear', '--cache', cache, '--before', '2026-10-16'])).stdout).toMatch(
      /row\(s\) removed, 3 day\(s\) marked unloaded/,
    );
    expect(
      (await json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache]))
        .logs,
    ).toMatchObject({ engineCalls: 1, daysRead: 3, daysFromCache: DAYS - 3 });
    const bad = await runCli(['cache', 'clear', '--cache', cache, '--before', '2026-13-01']);
    expect(bad.status).toBe(2);
    expect(flatten(bad.stderr)).toContain('--before "2026-13-01" is not a date');
    expect((await runCli(['cache', 'clear', '--cache', cache, '--account', 'demo'])).status).toBe(2);
  });

  it('cache status prints what the file holds escaped: no raw control character reaches the terminal', async () => {
    const cache = freshCache();
    await json([...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache]);
    // An account id as a log record (or a crafted file) could carry it: ESC, an OSC title, BEL.
    const writable = await DuckDBInstance.create(cache);
    try {
      const connection = await writable.connect();
      await connection.run("UPDATE coverage SET account_id = $1 WHERE account_id = '222222222222'", [
        '222222222222\u001b]0;TITLE\u0007\u001b[31mRED',
      ]);
      connection.closeSync();
    } finally {
      writable.closeSync();
    }
    const text = (await runCli(['cache', 'status', '--cache', cache])).stdout;
    // No control character but the line breaks.
    const codes = Array.from({ length: text.length }, (_, index) => text.charCodeAt(index));
    expect(codes.filter((code) => code !== 10 && (code < 32 || code === 127))).toEqual([]);
    expect(text).toContain('222222222222\\x1b]0;TITLE\\x07\\x1b[31mRED');
  });

  it("keeps each actor's days and each account's events the roll-up of its activity: after a load, a day read again, a clear, and the migration of a schema-10 or schema-11 cache", async () => {
    const cache = freshCache();
    const list = [...DEMO_CONFIG, ...window, '--account', 'demo', '--list', 'users', '--cache', cache];
    await json(list);
    const loaded = await expectActorDaysRolledUp(cache);
    // Days 13 to 15 of both accounts, with the corrupt file; written again in a run of their own.
    await json([
      ...DEMO_CONFIG,
      '--start',
      '2026-10-13',
      '--end',
      '2026-10-15',
      '--account',
      'demo',
      '--user',
      'alice',
      '--refresh',
      '--cache',
      cache,
    ]);
    expect(await expectActorDaysRolledUp(cache)).toEqual(loaded);
    expect((await runCli(['cache', 'clear', '--cache', cache, '--before', '2026-10-16'])).status).toBe(0);
    const cleared = await expectActorDaysRolledUp(cache);
    expect(cleared).toEqual(loaded.filter((entry) => String(entry[2]) >= '2026-10-16'));

    // The same cache as schema 10 left it (no actor_days, no keys, no account_events) and as schema
    // 11 did (no keys, no account_events).
    for (const [version, unkeyed] of [
      ['10', 'DROP TABLE actor_days; DROP TABLE account_events; ALTER TABLE activity DROP COLUMN actor_key'],
      [
        '11',
        'DROP TABLE account_events; ALTER TABLE activity DROP COLUMN actor_key; ALTER TABLE actor_days DROP COLUMN actor_key',
      ],
    ]) {
      const old = freshCache();
      copyFileSync(cache, old);
      const instance = await DuckDBInstance.create(old);
      const connection = await instance.connect();
      await connection.run(`${unkeyed}; UPDATE meta SET value = '${version}' WHERE key = 'schema_version'`);
      connection.closeSync();
      instance.closeSync();
      const migrated = await runCli([...list.slice(0, -1), old, '--format', 'json']);
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(flatten(migrated.stderr)).toContain(
        `the cache ${old} has schema version ${version}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost`,
      );
      // Both read the cleared days again.
      await json(list);
      expect(await expectActorDaysRolledUp(old)).toEqual(await expectActorDaysRolledUp(cache));
    }
  });

  it('rebuilds an old cache and still answers', async () => {
    const cache = freshCache();
    const instance = await DuckDBInstance.create(cache);
    const connection = await instance.connect();
    await connection.run(`${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v1.sql'), 'utf8')}
      INSERT INTO meta VALUES ('schema_version', '1'), ('created_at', '2026-11-01T00:00:00.000Z')`);
    connection.closeSync();
    instance.closeSync();
    const result = await runCli([
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

/**
 * Expects the cache's actor_days to be its activity summed per (source, account, day, actor, type,
 * caller, via, outcome), as computed here from the activity rows, and returns those rows, sorted.
 */
async function expectActorDaysRolledUp(path: string): Promise<unknown[][]> {
  const columns = 'source, account_id, day, actor_arn, actor_type, caller_arn, via_arn, outcome';
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const activity = (
      await connection.runAndReadAll(`SELECT ${columns}, calls, first_seen, last_seen FROM activity`)
    ).getRowsJS();
    const expected = new Map<string, unknown[]>();
    for (const entry of activity) {
      const key = JSON.stringify(entry.slice(0, 8));
      const [calls, firstSeen, lastSeen] = entry.slice(8) as [bigint, string, string];
      const seen = expected.get(key);
      if (seen === undefined) expected.set(key, [...entry]);
      else {
        seen[8] = (seen[8] as bigint) + calls;
        if (firstSeen < (seen[9] as string)) seen[9] = firstSeen;
        if (lastSeen > (seen[10] as string)) seen[10] = lastSeen;
      }
    }
    const actorDays = (
      await connection.runAndReadAll(`SELECT ${columns}, calls, first_seen, last_seen FROM actor_days`)
    ).getRowsJS();
    // The accounts' events: each (source, account, day, event) of the activity, once.
    const eventsOf = async (table: string): Promise<string[]> =>
      (
        await connection.runAndReadAll(
          `SELECT concat_ws(' ', source, account_id, day, event_source, event_name) FROM ${table}`,
        )
      )
        .getRowsJS()
        .map(([entry]) => entry as string);
    expect((await eventsOf('account_events')).sort()).toEqual(
      [...new Set(await eventsOf('activity'))].sort(),
    );
    // Every row keyed by its actor, in both tables.
    for (const table of ['activity', 'actor_days'])
      for (const [arn, key] of (
        await connection.runAndReadAll(`SELECT DISTINCT actor_arn, actor_key::VARCHAR FROM ${table}`)
      ).getRowsJS() as [string, string][])
        expect(key, `${table} ${arn}`).toBe(expectedActorKey(arn));
    const text = (entry: unknown[]): string =>
      JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const sorted = (rows: unknown[][]): unknown[][] =>
      rows.map((entry) => [...entry]).sort((a, b) => (text(a) < text(b) ? -1 : 1));
    const rolledUp = sorted([...expected.values()]);
    expect(activity.length).toBeGreaterThan(rolledUp.length);
    expect(sorted(actorDays)).toEqual(rolledUp);
    return rolledUp;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
