import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { ActivityRow } from '../../src/trail/activity-summary.js';
import type { ResourceUsageRow } from '../../src/trail/resource-usage.js';
import { cacheTables } from '../helpers/cache-tables.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';

/*
 * The resources of successful calls, from the logs through the local engine (spilled to Parquet,
 * as a cached question loads them) into the cache and back with `resourceUsage`. The expected rows
 * are computed here from the raw records, with the extraction's rules restated in a few lines of
 * JavaScript for the services these logs hold, never from a run of the code.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-resource-usage-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface RawRecord {
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly errorCode?: string;
  readonly awsRegion: string;
  readonly recipientAccountId: string;
  readonly userIdentity: {
    type?: string;
    arn?: string;
    sessionContext?: { sessionIssuer?: { arn?: string } };
  };
  readonly requestParameters?: Record<string, unknown> | null;
  readonly resources?: readonly { ARN?: string }[];
}

/** Every record of every CloudTrail file under `root` (files that are not one are left out). */
function readRecords(root: string): RawRecord[] {
  const records: RawRecord[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json.gz')) continue;
    let document: unknown;
    try {
      document = JSON.parse(gunzipSync(readFileSync(join(entry.parentPath, entry.name))).toString('utf8'));
    } catch {
      continue;
    }
    const list = (document as { Records?: unknown }).Records;
    if (Array.isArray(list)) records.push(...(list as RawRecord[]));
  }
  return records;
}

/**
 * What `resourceUsage` should return for an actor of an account over a window, as sorted lines
 * `source name kind resource calls`, counted from the raw records.
 */
function expectedUses(
  records: readonly RawRecord[],
  accountId: string,
  actorArn: string,
  window: { startDay: string; endDay: string },
): string[] {
  const counts = new Map<string, number>();
  // An S3 object counts as its key's top folder: `bucket/dir/*` (`bucket/*` at the root).
  const folder = (arn: string) => {
    if (!arn.startsWith('arn:aws:s3:::') || !arn.includes('/')) return arn;
    const [bucket = '', ...key] = arn.slice('arn:aws:s3:::'.length).split('/');
    return `arn:aws:s3:::${bucket}/${key.length > 1 ? `${key[0] ?? ''}/` : ''}*`;
  };
  for (const record of records) {
    const identity = record.userIdentity;
    const actor =
      identity.type === 'AssumedRole' ? identity.sessionContext?.sessionIssuer?.arn : identity.arn;
    const day = record.eventTime.slice(0, 10);
    if (record.errorCode !== undefined || actor !== actorArn || record.recipientAccountId !== accountId)
      continue;
    if (day < window.startDay || day > window.endDay) continue;
    const add = (kind: string, resource: string) => {
      const key = `${record.eventSource} ${record.eventName} ${kind} ${resource}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    const parameters = (record.requestParameters ?? {}) as Record<string, string | undefined>;
    const regional = (service: string) => `arn:aws:${service}:${record.awsRegion}:${accountId}:`;
    const service = record.eventSource.replace('.amazonaws.com', '');
    if ((record.resources ?? []).length > 0) {
      for (const resource of record.resources ?? [])
        if (resource.ARN !== undefined) add('target', folder(resource.ARN));
    } else if (service === 's3' && parameters.bucketName !== undefined) {
      const bucket = `arn:aws:s3:::${parameters.bucketName}`;
      add('target', parameters.key === undefined ? bucket : folder(`${bucket}/${parameters.key}`));
    } else if (service === 'dynamodb' && parameters.tableName !== undefined) {
      add('target', `${regional('dynamodb')}table/${parameters.tableName}`);
    } else if (service === 'lambda' && parameters.functionName !== undefined) {
      const name = parameters.functionName;
      add(
        'target',
        name.startsWith('arn:')
          ? name.split(':').slice(0, 7).join(':')
          : `${regional('lambda')}function:${name.split(':')[0] ?? ''}`,
      );
    } else if (service === 'secretsmanager' && parameters.secretId?.startsWith('arn:') === true) {
      add('target', parameters.secretId);
    } else if (service === 'kms' && parameters.keyId !== undefined) {
      add(
        'target',
        parameters.keyId.startsWith('alias/') ? `${regional('kms')}${parameters.keyId}` : parameters.keyId,
      );
    }
    if (
      service === 'lambda' &&
      /^(CreateFunction|UpdateFunctionConfiguration)/.test(record.eventName) &&
      parameters.role !== undefined
    )
      add('passed_role', parameters.role);
    // An instance launched with a profile passes the profile's role: the profile, by ARN (from its
    // name in the account when the call names it so).
    const profile = (record.requestParameters ?? {}) as {
      iamInstanceProfile?: { arn?: string; name?: string };
    };
    if (service === 'ec2' && record.eventName === 'RunInstances' && profile.iamInstanceProfile !== undefined)
      add(
        'passed_role',
        profile.iamInstanceProfile.arn ??
          `arn:aws:iam::${accountId}:instance-profile/${profile.iamInstanceProfile.name ?? ''}`,
      );
  }
  return [...counts].map(([key, calls]) => `${key} ${calls}`).sort();
}

const brief = (rows: readonly ResourceUsageRow[]) =>
  rows.map((row) => `${row.eventSource} ${row.eventName} ${row.kind} ${row.resource} ${row.calls}`).sort();

/**
 * Loads a window of `logs` into a new cache the way a cached question does (with the resources of
 * the calls, as `policy generate` asks, unless `resources` is false), and returns the store.
 */
async function loadIntoCache(
  logs: string,
  name: string,
  days: readonly string[],
  resources = true,
): Promise<CacheStore> {
  const engine = await DuckDbEngine.create({
    logsDir: logs,
    reporter: { warn: () => undefined },
    spillDir: mkdtempSync(join(work, 'spill-')),
  });
  const window = { startDay: days[0] ?? '', endDay: days.at(-1) ?? '' };
  let store: CacheStore | undefined;
  try {
    const summary = await engine.summarize({ ...window, resources });
    expect(summary.resources).toEqual([]);
    store = await CacheStore.open(join(work, `${name}.duckdb`));
    await store.writeDays(
      `local:${logs}`,
      days,
      { file: summary.rowsFile ?? '' },
      summary.coverage,
      undefined,
      summary.skippedFiles,
      [],
      [],
      resources,
    );
    return store;
  } catch (error) {
    await store?.close();
    throw error;
  } finally {
    await engine.close();
  }
}

const DEMO_LOGS = join(REPO_ROOT, 'examples/demo/logs');
// A week of the demo's month: enough for every kind of call its principals make.
const DEMO_DAYS = Array.from({ length: 8 }, (_, index) => `2026-10-${String(index + 20)}`);
const DEMO_WINDOW = { startDay: '2026-10-20', endDay: '2026-10-27' };

describe('the resources of successful calls, read with the activity into the cache', () => {
  it("the demo logs: alice (S3 objects by folder, a Lambda function, a bucket) and the backup account's admin role (a DynamoDB table)", async () => {
    const records = readRecords(DEMO_LOGS);
    const store = await loadIntoCache(DEMO_LOGS, 'demo', DEMO_DAYS);
    try {
      const source = `local:${DEMO_LOGS}`;
      const alice = 'arn:aws:iam::111111111111:user/alice';
      const aliceUses = brief(await store.resourceUsage(source, DEMO_WINDOW, '111111111111', alice));
      expect(aliceUses).toEqual(expectedUses(records, '111111111111', alice, DEMO_WINDOW));
      // What the demo's story says alice does: reads the report folders, invokes the report builder.
      expect(
        aliceUses.some((line) => line.includes('GetObject target arn:aws:s3:::demo-app-data/reports/*')),
      ).toBe(true);
      expect(
        aliceUses.some((line) =>
          line.includes('Invoke target arn:aws:lambda:eu-west-1:111111111111:function:report-builder'),
        ),
      ).toBe(true);
      const admin = 'arn:aws:iam::222222222222:role/admin';
      const adminUses = brief(await store.resourceUsage(source, DEMO_WINDOW, '222222222222', admin));
      expect(adminUses).toEqual(expectedUses(records, '222222222222', admin, DEMO_WINDOW));
      expect(adminUses.some((line) => line.includes('DescribeTable target arn:aws:dynamodb:'))).toBe(true);
      // One day: only that day's calls.
      const day = { startDay: '2026-10-23', endDay: '2026-10-23' };
      expect(brief(await store.resourceUsage(source, day, '111111111111', alice))).toEqual(
        expectedUses(records, '111111111111', alice, day),
      );
    } finally {
      await store.close();
    }
  });

  it.runIf(hasDatasets())(
    "invictus-stratus-cloudtrail: bert-jan's buckets, secrets, parameters, keys and functions",
    async () => {
      const logs = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');
      const records = readRecords(logs);
      const window = { startDay: '2023-07-10', endDay: '2023-07-10' };
      const store = await loadIntoCache(logs, 'invictus', ['2023-07-10']);
      try {
        // The files' paths say 218007301253; the records say 123837392027, which counts.
        const account = '123837392027';
        const bertJan = `arn:aws:iam::${account}:user/bert-jan`;
        const uses = brief(await store.resourceUsage(`local:${logs}`, window, account, bertJan));
        const expected = expectedUses(records, account, bertJan, window);
        expect(uses).toEqual(expected);
        for (const service of ['s3', 'secretsmanager', 'ssm', 'kms', 'lambda'])
          expect(uses.some((line) => line.startsWith(`${service}.amazonaws.com `))).toBe(true);
      } finally {
        await store.close();
      }
    },
  );
});

describe('a summary read without the resources (every question but policy generate and boundary)', () => {
  const cases = [
    ['the demo logs', DEMO_LOGS, DEMO_DAYS, true],
    [
      'invictus-stratus-cloudtrail',
      join(DATASETS_DIR, 'invictus-stratus-cloudtrail'),
      ['2023-07-10'],
      hasDatasets(),
    ],
  ] as const;
  it.each(cases.filter(([, , , present]) => present))(
    '%s: the cache holds the same activity, changes, coverage and skipped files row for row, and no resources',
    async (name, logs, days) => {
      const lean = await loadIntoCache(logs, `${name}-lean`, days, false);
      await lean.close();
      const full = await loadIntoCache(logs, `${name}-full`, days, true);
      await full.close();
      const without = await cacheTables(join(work, `${name}-lean.duckdb`));
      const withResources = await cacheTables(join(work, `${name}-full.duckdb`));
      expect(withResources.activity?.length).toBeGreaterThan(0);
      expect(withResources.resource_usage?.length).toBeGreaterThan(0);
      expect(without.resource_usage).toEqual([]);
      for (const table of ['activity', 'iam_changes', 'skipped_files'])
        expect(without[table], table).toEqual(withResources[table]);
      // The coverage is the same but for its mark: the lean load says it read no resources.
      const mark = (rows: unknown[] | undefined, resources: boolean) =>
        (rows as unknown[][]).map((row) => [...row.slice(0, -1), resources]);
      expect(without.coverage).toEqual(mark(withResources.coverage, false));
      expect(withResources.coverage).toEqual(mark(withResources.coverage, true));
    },
  );
});

describe('resource rows in the cache', () => {
  const ALICE = 'arn:aws:iam::111111111111:user/alice';
  const use = (day: string, resource: string): ResourceUsageRow => ({
    accountId: '111111111111',
    day,
    actorArn: ALICE,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    kind: 'target',
    resource,
    calls: 2,
  });
  const activity = (day: string): ActivityRow => ({
    accountId: '111111111111',
    day,
    actorArn: ALICE,
    actorType: 'IAMUser',
    callerArn: null,
    viaArn: null,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    outcome: 'ok',
    calls: 2,
    firstSeen: `${day}T09:00:00Z`,
    lastSeen: `${day}T09:00:00Z`,
    assumedRoleArn: null,
  });

  it.each([['a file'], [':memory:']])(
    'are replaced with their day, summed over the window, and removed by clear (cache in %s)',
    async (where) => {
      const store = await CacheStore.open(where === ':memory:' ? ':memory:' : join(work, 'rows.duckdb'));
      const days = ['2026-10-05', '2026-10-06'];
      const window = { startDay: '2026-10-05', endDay: '2026-10-06' };
      const coverage = days.map((day) => ({ accountId: '111111111111', day, files: 1 }));
      try {
        await store.writeDays(
          'local',
          days,
          days.map(activity),
          coverage,
          undefined,
          [],
          [],
          [
            use('2026-10-05', 'arn:aws:s3:::b/old/*'),
            use('2026-10-05', 'arn:aws:s3:::b/both/*'),
            use('2026-10-06', 'arn:aws:s3:::b/both/*'),
          ],
        );
        expect(brief(await store.resourceUsage('local', window, '111111111111', ALICE))).toEqual([
          's3.amazonaws.com GetObject target arn:aws:s3:::b/both/* 4',
          's3.amazonaws.com GetObject target arn:aws:s3:::b/old/* 2',
        ]);
        expect(await store.resourceUsage('local', window, '222222222222', ALICE)).toEqual([]);
        // The 5th read again, now with another folder: its old rows are gone, the 6th keeps its own.
        await store.writeDays(
          'local',
          ['2026-10-05'],
          [activity('2026-10-05')],
          coverage.slice(0, 1),
          undefined,
          [],
          [],
          [use('2026-10-05', 'arn:aws:s3:::b/new/*')],
        );
        expect(brief(await store.resourceUsage('local', window, '111111111111', ALICE))).toEqual([
          's3.amazonaws.com GetObject target arn:aws:s3:::b/both/* 2',
          's3.amazonaws.com GetObject target arn:aws:s3:::b/new/* 2',
        ]);
        const [latest] = await store.resourceUsage(
          'local',
          { startDay: '2026-10-06', endDay: '2026-10-06' },
          '111111111111',
          ALICE,
        );
        expect(latest).toEqual(use('2026-10-06', 'arn:aws:s3:::b/both/*'));
        await store.clear({ before: '2026-10-07' });
        expect(await store.resourceUsage('local', window, '111111111111', ALICE)).toEqual([]);
      } finally {
        await store.close();
      }
    },
  );
});
