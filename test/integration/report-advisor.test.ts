import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { diffDocument } from '../contract/json-schemas.js';
import { advisorService as service } from '../helpers/advisor.js';
import { DEMO_CACHED_ARGS, runCli } from '../helpers/cli.js';

/*
 * The demo organisation's October with Access Advisor snapshots written into a copy of the demo
 * cache: every expectation comes from the hand-made snapshots below and from the diff without them.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-report-advisor-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO_CACHE = DEMO_CACHED_ARGS[DEMO_CACHED_ARGS.indexOf('--cache') + 1] ?? '';
const CACHE = join(work, 'demo-with-advisor.duckdb');
/** The demo's arguments on the copy of its cache. */
const ARGS = DEMO_CACHED_ARGS.map((arg) => (arg === DEMO_CACHE ? CACHE : arg));
const ALICE = 'arn:aws:iam::111111111111:user/alice';
const BOB = 'arn:aws:iam::111111111111:user/bob';
const CHARLIE = 'arn:aws:iam::111111111111:user/charlie';
/** As of two days after October: the 4 hours an access may take to show have passed. */
const AS_OF = '2026-11-02T06:00:00Z';

interface Line {
  action: string;
  status: string;
  symbol: string;
  calls: number;
  evidence: { kind: string; detail: string };
  basis: string;
}
interface Diff {
  actions: Line[];
  totals: { all: Record<string, number> };
  accessAdvisor: {
    state: string;
    collectedAt: string | null;
    settled: { unused: number; used: number };
    serviceUsed: number;
  } | null;
}

async function diffOf(user: string, ...extra: string[]): Promise<Diff> {
  const run = await runCli([...ARGS, '--account', 'demo', '--user', user, '--format', 'json', ...extra]);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Diff;
}

const unknownOf = (diff: Diff, prefix: string): string[] =>
  diff.actions
    .filter((line) => line.status === 'unknown' && line.action.startsWith(`${prefix}:`))
    .map((line) => line.action);

let plainAlice: Diff;
let plainBob: Diff;

beforeAll(async () => {
  // Fill the demo cache (shared with the other tests) and work on a copy of it.
  await runCli([...DEMO_CACHED_ARGS, '--account', 'demo', '--list', 'users']);
  copyFileSync(DEMO_CACHE, CACHE);
  if (existsSync(`${DEMO_CACHE}.wal`)) copyFileSync(`${DEMO_CACHE}.wal`, `${CACHE}.wal`);
  plainAlice = await diffOf('alice');
  plainBob = await diffOf('bob');
  const store = await CacheStore.open(CACHE);
  try {
    // alice used cloudwatch, lambda and s3 in October (the logs say so): the snapshot agrees.
    await store.writeAdvisorSnapshot({
      accountId: '111111111111',
      arn: ALICE,
      entityType: 'user',
      collectedAt: AS_OF,
      jobCompletedAt: AS_OF,
      origin: 'import:test',
      services: [
        service('cloudwatch', '2026-10-30T16:56:56Z'),
        service('lambda', '2026-10-30T16:31:09Z', [
          {
            actionName: 'GetResourcePolicy',
            lastAccessed: null,
            lastAccessedEntity: null,
            lastAccessedRegion: null,
          },
          {
            actionName: 'ListMicrovms',
            lastAccessed: '2026-10-12T08:00:00Z',
            lastAccessedEntity: ALICE,
            lastAccessedRegion: 'us-east-1',
          },
        ]),
        service('s3', '2026-10-30T16:57:14Z', [
          {
            actionName: 'PutAccountPublicAccessBlock',
            lastAccessed: '2026-06-01T00:00:00Z',
            lastAccessedEntity: ALICE,
            lastAccessedRegion: 'us-east-1',
          },
        ]),
      ],
    });
    // bob used neither sqs nor kms in October: one since March, the other never.
    await store.writeAdvisorSnapshot({
      accountId: '111111111111',
      arn: BOB,
      entityType: 'user',
      collectedAt: AS_OF,
      jobCompletedAt: AS_OF,
      origin: 'import:test',
      services: [service('sqs', '2026-03-01T00:00:00Z'), service('kms', null)],
    });
    // charlie's snapshot is from the window's last day: it cannot speak for the whole window.
    await store.writeAdvisorSnapshot({
      accountId: '111111111111',
      arn: CHARLIE,
      entityType: 'user',
      collectedAt: '2026-10-31T12:00:00Z',
      jobCompletedAt: '2026-10-31T12:00:00Z',
      origin: 'import:test',
      services: [service('ec2', '2026-10-20T00:00:00Z')],
    });
  } finally {
    await store.close();
  }
}, 120_000);

describe('Access Advisor settles "?" in the report (demo, October)', () => {
  it('the plain diff has the "?" lines the snapshots speak of', () => {
    expect(plainAlice.accessAdvisor).toMatchObject({ state: 'no-snapshot' });
    expect(unknownOf(plainAlice, 'lambda')).toEqual(
      expect.arrayContaining(['lambda:GetResourcePolicy', 'lambda:ListMicrovms']),
    );
    expect(unknownOf(plainAlice, 's3')).toContain('s3:PutAccountPublicAccessBlock');
    expect(unknownOf(plainAlice, 'cloudwatch')).toEqual(['cloudwatch:GetMetricData']);
    expect(unknownOf(plainBob, 'sqs').length).toBeGreaterThan(0);
    expect(unknownOf(plainBob, 'kms').length).toBeGreaterThan(0);
  });

  it('turns "?" into "-" for services not accessed since before the window (access-advisor:service)', async () => {
    const bob = await diffOf('bob');
    const settled = [...unknownOf(plainBob, 'sqs'), ...unknownOf(plainBob, 'kms')];
    for (const action of settled)
      expect(bob.actions.find((line) => line.action === action)).toMatchObject({
        status: 'unused',
        symbol: '-',
        evidence: { kind: 'access-advisor:service' },
      });
    const kms = unknownOf(plainBob, 'kms')[0];
    expect(bob.actions.find((line) => line.action === kms)?.evidence.detail).toBe(
      `Access Advisor snapshot as of ${AS_OF}: kms not accessed in the tracking period`,
    );
    // Only those lines changed.
    const changed = bob.actions.filter((line, index) => line.status !== plainBob.actions[index]?.status);
    expect(changed.map((line) => line.action).sort()).toEqual([...settled].sort());
    expect(bob.totals.all).toEqual({
      ...plainBob.totals.all,
      unknown: (plainBob.totals.all.unknown ?? 0) - settled.length,
      unused: (plainBob.totals.all.unused ?? 0) + settled.length,
    });
    expect(bob.accessAdvisor).toEqual({
      state: 'applied',
      collectedAt: AS_OF,
      jobCompletedAt: AS_OF,
      origin: 'import:test',
      detail: `the snapshot as of ${AS_OF} (import:test) covers the window`,
      settled: { unused: settled.length, used: 0 },
      serviceUsed: 0,
    });
  });

  it('lets tracked actions decide (access-advisor:action) and keeps "?" with "service used" for the rest', async () => {
    const alice = await diffOf('alice');
    const line = (action: string) => alice.actions.find((entry) => entry.action === action);
    expect(line('lambda:ListMicrovms')).toMatchObject({
      status: 'used',
      symbol: ' ',
      calls: 0,
      evidence: { kind: 'access-advisor:action' },
    });
    expect(line('lambda:ListMicrovms')?.basis).toContain('Access Advisor counts denied attempts too');
    expect(line('lambda:GetResourcePolicy')).toMatchObject({
      status: 'unused',
      evidence: { kind: 'access-advisor:action' },
    });
    expect(line('s3:PutAccountPublicAccessBlock')).toMatchObject({
      status: 'unused',
      evidence: { kind: 'access-advisor:action' },
    });
    // Every other "?" of these services: the service was used in the window.
    const decided = ['lambda:ListMicrovms', 'lambda:GetResourcePolicy', 's3:PutAccountPublicAccessBlock'];
    const rest = ['cloudwatch', 'lambda', 's3']
      .flatMap((prefix) => unknownOf(plainAlice, prefix))
      .filter((action) => !decided.includes(action));
    expect(rest.length).toBeGreaterThan(0);
    for (const action of rest) {
      expect(line(action)).toMatchObject({
        status: 'unknown',
        symbol: '?',
        evidence: { kind: 'access-advisor:service' },
      });
      expect(line(action)?.basis).toContain('service used');
    }
    expect(alice.accessAdvisor).toMatchObject({ settled: { unused: 2, used: 1 }, serviceUsed: rest.length });
  });

  it('prints documents of the documented schema', async () => {
    for (const diff of [await diffOf('alice'), await diffOf('bob'), await diffOf('bob', '--no-advisor')]) {
      const parsed = diffDocument.safeParse(diff);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    }
  });

  it('says on stderr which snapshot it used', async () => {
    const run = await runCli([...ARGS, '--account', 'demo', '--user', 'bob']);
    expect(run.status, run.stderr).toBe(0);
    const settled = unknownOf(plainBob, 'sqs').length + unknownOf(plainBob, 'kms').length;
    expect(run.stderr).toContain(
      `Access Advisor: the snapshot as of ${AS_OF} (import:test) covers the window; "?" settled: ${settled} to "-", 0 to used; 0 kept "?" (service used)`,
    );
  });

  it('leaves the diff alone with a snapshot that does not cover the window, and says which end would do', async () => {
    const run = await runCli([...ARGS, '--account', 'demo', '--user', 'charlie', '--format', 'json']);
    expect(run.status, run.stderr).toBe(0);
    const charlie = JSON.parse(run.stdout) as Diff;
    expect(charlie.actions).toEqual((await diffOf('charlie', '--no-advisor')).actions);
    // Lines the snapshot would note "service used", were it to cover the window.
    expect(unknownOf(charlie, 'ec2').length).toBeGreaterThan(0);
    expect(charlie.accessAdvisor).toMatchObject({
      state: 'not-covering',
      collectedAt: '2026-10-31T12:00:00Z',
    });
    // 12:00 less the 4 hours is still the 31st: a window ending on the 30th is covered.
    expect(run.stderr).toContain(
      'Access Advisor not used: the snapshot as of 2026-10-31T12:00:00Z does not cover the window, which ends at the end of 2026-10-31 (an access may take 4 hours to show): end the window on 2026-10-30 or earlier, or collect again',
    );
  });

  it('--no-advisor gives the plain diff back', async () => {
    const [alice, bob] = [await diffOf('alice', '--no-advisor'), await diffOf('bob', '--no-advisor')];
    expect(alice.actions).toEqual(plainAlice.actions);
    expect(bob.actions).toEqual(plainBob.actions);
    expect(alice.accessAdvisor).toBeNull();
  });
});
