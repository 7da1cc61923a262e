import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { SummaryRequest, SummaryResult } from '../../src/engines/engine.js';
import { ANY_EVENT } from '../../src/trail/activity-summary.js';
import type { ActivityRow } from '../../src/trail/activity-summary.js';
import { cacheTables } from '../helpers/cache-tables.js';
import { parseJsonAnswer, runCli, withoutLogs } from '../helpers/cli.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';
import { byAccountAndDay, readTrailPlainly } from '../helpers/reference-reader.js';

/*
 * `--list users` without the cache reads only each actor's calls per account, day and outcome
 * (`SummaryRequest.actorsOnly`): no role session is resolved and no event kept apart. Its answers
 * must be those of the full summary, and a cache must never hold such rows.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-actors-only-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO_LOGS = join(REPO_ROOT, 'examples/demo/logs');
const INVICTUS_LOGS = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');

const cases = [
  ['the demo logs', DEMO_LOGS, { startDay: '2026-10-01', endDay: '2026-10-31' }, true],
  [
    'invictus-stratus-cloudtrail',
    INVICTUS_LOGS,
    { startDay: '2023-07-10', endDay: '2023-07-10' },
    hasDatasets(),
  ],
] as const;

async function summarize(logsDir: string, request: SummaryRequest): Promise<SummaryResult> {
  const engine = await DuckDbEngine.create({ logsDir, reporter: { warn: () => undefined } });
  try {
    return await engine.summarize(request);
  } finally {
    await engine.close();
  }
}

/** Rows summed per (account, day, actor, actor type, outcome), as sorted tab-separated lines. */
function perActor(rows: readonly ActivityRow[]): string[] {
  const tallies = new Map<string, { calls: number; first: string; last: string }>();
  for (const row of rows) {
    const key = [row.accountId, row.day, row.actorArn, row.actorType, row.outcome].join('\t');
    const tally = tallies.get(key);
    if (tally === undefined) tallies.set(key, { calls: row.calls, first: row.firstSeen, last: row.lastSeen });
    else {
      tally.calls += row.calls;
      if (row.firstSeen < tally.first) tally.first = row.firstSeen;
      if (row.lastSeen > tally.last) tally.last = row.lastSeen;
    }
  }
  return [...tallies].map(([key, { calls, first, last }]) => `${key}\t${calls}\t${first}\t${last}`).sort();
}

describe('a summary of the actors only (--list users without the cache)', () => {
  it.each(cases.filter(([, , , present]) => present))(
    '%s: each actor has the calls of the full summary and of a plain reading, per day and outcome, and nothing else',
    async (_name, logs, window) => {
      const full = await summarize(logs, window);
      const actors = await summarize(logs, { ...window, actorsOnly: true });
      const plain = readTrailPlainly(logs, window.startDay, window.endDay);
      // The full summary has what the lean one leaves out, so the comparison means something.
      expect(full.rows.some((row) => row.callerArn !== null)).toBe(true);
      expect(new Set(full.rows.map((row) => row.eventName)).size).toBeGreaterThan(5);

      expect(perActor(actors.rows)).toEqual(perActor(full.rows));
      expect(perActor(actors.rows)).toEqual(perActor(plain.rows));
      // One row per actor, day and outcome, with no caller and no event.
      expect(actors.rows).toHaveLength(perActor(actors.rows).length);
      for (const row of actors.rows) {
        expect(row).toMatchObject({
          callerArn: null,
          viaArn: null,
          eventSource: ANY_EVENT,
          eventName: ANY_EVENT,
        });
      }
      expect(actors.changes).toEqual([]);
      // What was read is the same.
      expect([...actors.coverage].sort(byAccountAndDay)).toEqual([...full.coverage].sort(byAccountAndDay));
      expect(actors.filesRead).toBe(full.filesRead);
      expect(actors.skippedFiles).toEqual(full.skippedFiles);
    },
  );
});

describe('iamtrail --list users', () => {
  /** The dataset's account (its records say 123837392027) with a user who called and one who did not. */
  const invictusConfig = (): string => {
    const account = '123837392027';
    const user = (name: string) => ({
      UserName: name,
      UserId: `AIDA${name.toUpperCase()}`,
      Arn: `arn:aws:iam::${account}:user/${name}`,
      CreateDate: '2023-01-01T00:00:00Z',
      UserPolicyList: [],
      GroupList: [],
      AttachedManagedPolicies: [],
      Tags: [],
    });
    const iam = join(work, 'invictus-iam.json');
    writeFileSync(
      iam,
      JSON.stringify({
        UserDetailList: [user('bert-jan'), user('idle')],
        RoleDetailList: [],
        GroupDetailList: [],
        Policies: [],
      }),
    );
    const config = join(work, 'invictus.yaml');
    writeFileSync(
      config,
      `logs: ${INVICTUS_LOGS}\naccounts:\n  - {name: invictus, id: '${account}', iam: ${iam}}\n`,
    );
    return config;
  };
  const configOf = (name: string): string[] =>
    name === 'the demo logs'
      ? ['--config', 'examples/demo/config.example.yaml', '--account', 'demo']
      : ['--config', invictusConfig(), '--account', 'invictus'];

  it.each(cases.filter(([, , , present]) => present))(
    '%s: answers the same without the cache (actors only) as through a cache (everything read)',
    async (name, _logs, window) => {
      const question = [
        ...configOf(name),
        '--list',
        'users',
        '--start',
        window.startDay,
        '--end',
        window.endDay,
      ];
      const cache = join(work, `${name}-list.duckdb`);
      for (const format of ['json', 'text']) {
        const lean = await runCli([...question, '--no-cache', '--format', format]);
        const cached = await runCli([...question, '--cache', cache, '--format', format]);
        expect(lean.status, lean.stderr).toBe(0);
        if (format === 'json')
          expect(withoutLogs(parseJsonAnswer(lean))).toEqual(withoutLogs(parseJsonAnswer(cached)));
        else expect(lean.stdout).toBe(cached.stdout);
      }
    },
  );

  it('never puts actor-only rows in a cache: the tables are those another question writes, row for row', async () => {
    const window = ['--start', '2026-10-01', '--end', '2026-10-31'];
    const demo = ['--config', 'examples/demo/config.example.yaml', '--account', 'demo', ...window];
    const listed = join(work, 'listed.duckdb');
    const asked = join(work, 'asked.duckdb');
    expect((await runCli([...demo, '--list', 'users', '--cache', listed])).status).toBe(0);
    expect((await runCli([...demo, '--list', 'roles', '--cache', asked])).status).toBe(0);
    const fromList = await cacheTables(listed);
    const fromRoles = await cacheTables(asked);
    expect(fromList.activity?.length).toBeGreaterThan(0);
    for (const table of ['activity', 'iam_changes', 'coverage', 'skipped_files', 'resource_usage'])
      expect(fromList[table], table).toEqual(fromRoles[table]);
  });
});
