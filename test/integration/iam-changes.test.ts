import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { sortIamChanges } from '../../src/analysis/activity-order.js';
import { BEFORE_16_NOTICE, BEFORE_17_NOTICE, CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { SummaryResult } from '../../src/engines/engine.js';
import type { ActivityRow } from '../../src/trail/activity-summary.js';
import type { IamChangeRow } from '../../src/trail/iam-changes.js';
import { expectedActorKey, readCacheRows } from '../helpers/cache-rows.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { writeTrail } from '../helpers/trail-fixture.js';

/*
 * IAM change events through the local engine and the cache, on small hand-written CloudTrail
 * files: every expected row below is written from the records of the fixture, not from a run.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-changes-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO = '111111111111';
const WINDOW = { startDay: '2026-10-05', endDay: '2026-10-06' };
const ALICE = `arn:aws:iam::${DEMO}:user/alice`;
const ADMIN = `arn:aws:iam::${DEMO}:role/admin`;
const READONLY = `arn:aws:iam::${DEMO}:role/readonly`;

const alice = {
  type: 'IAMUser',
  arn: ALICE,
  accountId: DEMO,
  accessKeyId: 'AKIAALICE',
  userName: 'alice',
};
const session = (role: string, key: string) => ({
  type: 'AssumedRole',
  arn: `arn:aws:sts::${DEMO}:assumed-role/${role}/s`,
  accountId: DEMO,
  accessKeyId: key,
  sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${DEMO}:role/${role}` } },
});

interface Spec {
  readonly id: string;
  readonly time: string;
  readonly source?: string;
  readonly name: string;
  readonly identity: object;
  readonly ip?: string;
  readonly request?: object | null;
  readonly response?: object | null;
  readonly errorCode?: string;
}
const record = (spec: Spec) => ({
  eventVersion: '1.09',
  userIdentity: spec.identity,
  eventTime: spec.time,
  eventSource: spec.source ?? 'iam.amazonaws.com',
  eventName: spec.name,
  awsRegion: 'us-east-1',
  sourceIPAddress: spec.ip ?? '203.0.113.7',
  requestParameters: spec.request ?? null,
  responseElements: spec.response ?? null,
  ...(spec.errorCode === undefined ? {} : { errorCode: spec.errorCode, errorMessage: 'no' }),
  eventID: spec.id,
  recipientAccountId: DEMO,
});

// On the look-back day (before the window): alice opens an admin session; an IAM change that day
// is outside the window and no row.
const lookback = [
  record({
    id: 'e-assume-admin',
    time: '2026-10-04T23:50:00Z',
    source: 'sts.amazonaws.com',
    name: 'AssumeRole',
    identity: alice,
    request: { roleArn: ADMIN, roleSessionName: 's' },
    response: { credentials: { accessKeyId: 'ASIAADMIN' } },
  }),
  record({
    id: 'e-before-window',
    time: '2026-10-04T23:55:00Z',
    name: 'DeleteUser',
    identity: session('admin', 'ASIAADMIN'),
    request: { userName: 'old' },
  }),
];
const createUser = record({
  id: 'e-create-user',
  time: '2026-10-05T09:00:00Z',
  name: 'CreateUser',
  identity: session('admin', 'ASIAADMIN'),
  request: { userName: 'carol', tags: [{ key: 'team', value: 'audit' }] },
  response: { user: { userName: 'carol', arn: `arn:aws:iam::${DEMO}:user/carol` } },
});
const day5 = [
  createUser,
  record({
    id: 'e-create-key',
    time: '2026-10-05T09:01:00Z',
    name: 'CreateAccessKey',
    identity: session('admin', 'ASIAADMIN'),
    request: { userName: 'carol' },
    response: { accessKey: { accessKeyId: 'AKIACAROL', userName: 'carol', status: 'Active' } },
  }),
  record({
    id: 'e-attach-user',
    time: '2026-10-05T09:02:00Z',
    name: 'AttachUserPolicy',
    identity: session('admin', 'ASIAADMIN'),
    request: { userName: 'carol', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
  }),
  record({
    id: 'e-put-role',
    time: '2026-10-05T09:03:00Z',
    name: 'PutRolePolicy',
    identity: session('admin', 'ASIAADMIN'),
    request: { roleName: 'readonly', policyName: 'deny-writes', policyDocument: '{"Statement":[]}' },
  }),
  record({
    id: 'e-attach-group',
    time: '2026-10-05T09:04:00Z',
    name: 'AttachGroupPolicy',
    identity: alice,
    ip: '198.51.100.9',
    request: { groupName: 'readers', policyArn: `arn:aws:iam::${DEMO}:policy/DemoReadOnly` },
  }),
  // Non-change IAM calls and other services (even one with a userName, or an event named
  // CreateUser) are no change rows.
  record({ id: 'e-list', time: '2026-10-05T09:05:00Z', name: 'ListUsers', identity: alice }),
  record({
    id: 'e-get',
    time: '2026-10-05T09:06:00Z',
    name: 'GetUser',
    identity: alice,
    request: { userName: 'bob' },
  }),
  record({
    id: 'e-transfer',
    time: '2026-10-05T09:07:00Z',
    source: 'transfer.amazonaws.com',
    name: 'CreateUser',
    identity: alice,
    request: { userName: 'sftp', serverId: 's-1' },
  }),
];
const day6 = [
  record({
    id: 'e-update-key',
    time: '2026-10-06T08:00:00Z',
    name: 'UpdateAccessKey',
    identity: alice,
    request: { userName: 'bob', accessKeyId: 'AKIABOB', status: 'Inactive' },
  }),
  record({
    id: 'e-boundary',
    time: '2026-10-06T08:01:00Z',
    name: 'PutUserPermissionsBoundary',
    identity: alice,
    request: { userName: 'bob', permissionsBoundary: `arn:aws:iam::${DEMO}:policy/Boundary` },
  }),
  // A session whose AssumeRole the logs do not hold: no caller. Refused: denied, with its code.
  record({
    id: 'e-denied',
    time: '2026-10-06T08:02:00Z',
    name: 'CreateUser',
    identity: session('readonly', 'ASIAUNKNOWN'),
    request: { userName: 'mallory' },
    errorCode: 'AccessDenied',
  }),
  record({
    id: 'e-failed',
    time: '2026-10-06T08:03:00Z',
    name: 'DeleteLoginProfile',
    identity: alice,
    request: { userName: 'nobody' },
    errorCode: 'NoSuchEntity',
  }),
];

const logs = writeTrail(join(work, 'logs'), [
  { account: DEMO, day: '2026-10-04', records: lookback },
  { account: DEMO, day: '2026-10-05', records: day5 },
  // The same CreateUser event delivered again in another file: one change row.
  { account: DEMO, day: '2026-10-05', records: [createUser] },
  { account: DEMO, day: '2026-10-06', records: day6 },
]);

const change = (
  fields: Pick<IamChangeRow, 'eventId' | 'eventTime' | 'eventName' | 'actorArn'> & Partial<IamChangeRow>,
): IamChangeRow => ({
  accountId: DEMO,
  day: fields.eventTime.slice(0, 10),
  actorType: fields.actorArn === ALICE ? 'IAMUser' : 'AssumedRole',
  callerArn: fields.actorArn === ADMIN ? ALICE : null,
  sourceIp: '203.0.113.7',
  userName: null,
  roleName: null,
  groupName: null,
  accessKeyId: null,
  policyArn: null,
  policyName: null,
  status: null,
  createdAccessKeyId: null,
  outcome: 'ok',
  errorCode: null,
  ...fields,
});

/** The change rows the fixture holds, by time. */
const EXPECTED: IamChangeRow[] = [
  change({
    eventId: 'e-create-user',
    eventTime: '2026-10-05T09:00:00Z',
    eventName: 'CreateUser',
    actorArn: ADMIN,
    userName: 'carol',
  }),
  change({
    eventId: 'e-create-key',
    eventTime: '2026-10-05T09:01:00Z',
    eventName: 'CreateAccessKey',
    actorArn: ADMIN,
    userName: 'carol',
    createdAccessKeyId: 'AKIACAROL',
  }),
  change({
    eventId: 'e-attach-user',
    eventTime: '2026-10-05T09:02:00Z',
    eventName: 'AttachUserPolicy',
    actorArn: ADMIN,
    userName: 'carol',
    policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  }),
  change({
    eventId: 'e-put-role',
    eventTime: '2026-10-05T09:03:00Z',
    eventName: 'PutRolePolicy',
    actorArn: ADMIN,
    roleName: 'readonly',
    policyName: 'deny-writes',
  }),
  change({
    eventId: 'e-attach-group',
    eventTime: '2026-10-05T09:04:00Z',
    eventName: 'AttachGroupPolicy',
    actorArn: ALICE,
    sourceIp: '198.51.100.9',
    groupName: 'readers',
    policyArn: `arn:aws:iam::${DEMO}:policy/DemoReadOnly`,
  }),
  change({
    eventId: 'e-update-key',
    eventTime: '2026-10-06T08:00:00Z',
    eventName: 'UpdateAccessKey',
    actorArn: ALICE,
    userName: 'bob',
    accessKeyId: 'AKIABOB',
    status: 'Inactive',
  }),
  change({
    eventId: 'e-boundary',
    eventTime: '2026-10-06T08:01:00Z',
    eventName: 'PutUserPermissionsBoundary',
    actorArn: ALICE,
    userName: 'bob',
    policyArn: `arn:aws:iam::${DEMO}:policy/Boundary`,
  }),
  change({
    eventId: 'e-denied',
    eventTime: '2026-10-06T08:02:00Z',
    eventName: 'CreateUser',
    actorArn: READONLY,
    userName: 'mallory',
    outcome: 'denied',
    errorCode: 'AccessDenied',
  }),
  change({
    eventId: 'e-failed',
    eventTime: '2026-10-06T08:03:00Z',
    eventName: 'DeleteLoginProfile',
    actorArn: ALICE,
    userName: 'nobody',
    outcome: 'failed',
    errorCode: 'NoSuchEntity',
  }),
];

async function summarize(options: { batchFiles?: number; spillDir?: string } = {}): Promise<SummaryResult> {
  const engine = await DuckDbEngine.create({
    logsDir: logs,
    reporter: { warn: () => undefined },
    ...options,
  });
  try {
    return await engine.summarize(WINDOW);
  } finally {
    await engine.close();
  }
}

const brief = (rows: readonly ActivityRow[]) =>
  rows
    .map(
      (row) =>
        `${row.day} ${row.actorArn.split(':').at(-1) ?? ''} ${row.eventName} ${row.outcome} ${row.calls}`,
    )
    .sort();

describe('IAM change events', () => {
  it('come out of the summary, one row per event, with targets, caller, outcome and error code', async () => {
    const result = await summarize();
    expect(sortIamChanges(result.changes)).toEqual(EXPECTED);
    // The activity rows are what they were: the change events are in them, aggregated as calls.
    expect(brief(result.rows)).toEqual(
      [
        '2026-10-05 role/admin CreateUser ok 2', // the event delivered twice counts twice, as any call
        '2026-10-05 role/admin CreateAccessKey ok 1',
        '2026-10-05 role/admin AttachUserPolicy ok 1',
        '2026-10-05 role/admin PutRolePolicy ok 1',
        '2026-10-05 user/alice AttachGroupPolicy ok 1',
        '2026-10-05 user/alice ListUsers ok 1',
        '2026-10-05 user/alice GetUser ok 1',
        '2026-10-05 user/alice CreateUser ok 1',
        '2026-10-06 user/alice UpdateAccessKey ok 1',
        '2026-10-06 user/alice PutUserPermissionsBoundary ok 1',
        '2026-10-06 role/readonly CreateUser denied 1',
        '2026-10-06 user/alice DeleteLoginProfile failed 1',
      ].sort(),
    );
    expect(result.coverage.map((entry) => `${entry.day} ${entry.files}`).sort()).toEqual([
      '2026-10-05 2',
      '2026-10-06 1',
    ]);
  });

  it('go through a spilled summary into the cache, per day: one row per event across batches', async () => {
    const spill = mkdtempSync(join(work, 'spill-'));
    // One file a batch: the event delivered twice is staged twice, and still one row.
    const result = await summarize({ batchFiles: 1, spillDir: spill });
    expect(result.changes).toEqual([]);
    expect(result.rowsFile).toBeDefined();
    const store = await CacheStore.open(join(work, 'spilled.duckdb'));
    try {
      const days = ['2026-10-05', '2026-10-06'];
      await store.writeDays('local', days, { file: result.rowsFile ?? '' }, result.coverage);
      expect(sortIamChanges(await store.iamChanges('local', WINDOW, [DEMO]))).toEqual(EXPECTED);
      expect(
        sortIamChanges(await store.iamChanges('local', { startDay: '2026-10-06', endDay: '2026-10-06' })),
      ).toEqual(EXPECTED.filter((row) => row.day === '2026-10-06'));
      expect(await store.iamChanges('local', WINDOW, ['222222222222'])).toEqual([]);
      expect(await store.iamChanges('local', WINDOW, [])).toEqual([]);
      // The activity table holds the activity rows only.
      expect((await store.status())[0]?.rows).toBe(12);
    } finally {
      await store.close();
    }
    // Stored an actor's rows together, by its key, then by day (the order a question about one
    // principal reads fastest).
    const stored = (
      await readCacheRows(
        join(work, 'spilled.duckdb'),
        'SELECT actor_arn, day, actor_key FROM activity ORDER BY rowid',
      )
    ).map(([arn, day, key]) => ({ arn: String(arn), day: String(day), key: String(key) }));
    expect(stored).toHaveLength(12);
    for (const row of stored) expect(row.key).toBe(expectedActorKey(row.arn));
    const order = (row: { key: string; day: string }): [bigint, string] => [BigInt(row.key), row.day];
    expect(stored).toEqual(
      [...stored].sort((a, b) => {
        const [keyA, dayA] = order(a);
        const [keyB, dayB] = order(b);
        return keyA !== keyB ? (keyA < keyB ? -1 : 1) : dayA < dayB ? -1 : dayA > dayB ? 1 : 0;
      }),
    );
  });

  it.each([['a file'], [':memory:']])(
    'are replaced with their day and removed by clear (cache in %s)',
    async (where) => {
      const store = await CacheStore.open(
        where === ':memory:' ? ':memory:' : join(work, 'round-trip.duckdb'),
      );
      const [first, second] = [EXPECTED[0], EXPECTED[5]] as [IamChangeRow, IamChangeRow];
      const coverage = ['2026-10-05', '2026-10-06'].map((day) => ({ accountId: DEMO, day, files: 1 }));
      const activity = (day: string): ActivityRow => ({
        accountId: DEMO,
        day,
        actorArn: ALICE,
        actorType: 'IAMUser',
        callerArn: null,
        viaArn: null,
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        outcome: 'ok',
        calls: 1,
        firstSeen: `${day}T09:00:00Z`,
        lastSeen: `${day}T09:00:00Z`,
        assumedRoleArn: null,
      });
      try {
        const days = ['2026-10-05', '2026-10-06'];
        const rows = days.map(activity);
        await store.writeDays('local', days, rows, coverage, undefined, [], [first, second]);
        expect(sortIamChanges(await store.iamChanges('local', WINDOW))).toEqual([first, second]);
        // The 5th read again, now without its change: the 6th keeps its own.
        await store.writeDays('local', ['2026-10-05'], [activity('2026-10-05')], coverage.slice(0, 1));
        expect(await store.iamChanges('local', WINDOW)).toEqual([second]);
        await store.clear({ before: '2026-10-07' });
        expect(await store.iamChanges('local', WINDOW)).toEqual([]);
      } finally {
        await store.close();
      }
    },
  );

  it('migrate a version-7 cache: its advisor snapshots and Athena ledger stay, its days are read again', async () => {
    const path = join(work, 'v7.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v7.sql'), 'utf8')}
      INSERT INTO meta VALUES ('application', 'iamtrail'), ('schema_version', '7'), ('created_at', '2026-11-01T00:00:00.000Z');
      INSERT INTO coverage VALUES ('local', '${DEMO}', '2026-10-05', '2026-11-01T00:00:00Z', 1);
      INSERT INTO activity VALUES ('local', '${DEMO}', '2026-10-05', '${ALICE}', 'IAMUser', NULL, NULL,
        'iam.amazonaws.com', 'CreateUser', 'ok', 1, '2026-10-05T09:00:00Z', '2026-10-05T09:00:00Z');
      INSERT INTO athena_resources VALUES ('table', 'iamtrail.cloudtrail', 'us-east-1', '2026-11-01T00:00:00Z');
      INSERT INTO advisor_snapshots VALUES ('snap-1', '${DEMO}', '${ALICE}', 'user', '2026-11-01T00:00:00Z', NULL, 'api');
      INSERT INTO advisor_services VALUES ('snap-1', 's3', 'Amazon S3', '2026-10-30T00:00:00Z', '${ALICE}', 'us-east-1', 1, false);`);
    connection.closeSync();
    instance.closeSync();
    const notices: string[] = [];
    const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
    try {
      expect(notices).toEqual([
        `the cache ${path} has schema version 7, this iamtrail uses ${CACHE_SCHEMA_VERSION}: kept its Access Advisor snapshots and Athena ledger; its log days will be read again (for their IAM changes and resources)`,
      ]);
      // Recorded before schema 14, which notes the account: unknown (athena cleanup keeps it).
      expect(await store.athenaResources('us-east-1')).toEqual([
        { kind: 'table', name: 'iamtrail.cloudtrail', region: 'us-east-1', account: null },
      ]);
      const [snapshot] = await store.advisorSnapshots();
      expect(snapshot).toMatchObject({ arn: ALICE, accountId: DEMO, origin: 'api' });
      expect(snapshot?.services.map((service) => service.serviceNamespace)).toEqual(['s3']);
      // The day loaded without its changes is missing again, and nothing of it is left.
      expect(await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-05', '2026-11-20')).toEqual([
        '2026-10-05',
      ]);
      expect(await store.status()).toEqual([]);
      expect(await store.iamChanges('local', WINDOW)).toEqual([]);
    } finally {
      await store.close();
    }
    // Opened again, it is a current cache: nothing more to migrate.
    const again: string[] = [];
    const reopened = await CacheStore.open(path, { onNotice: (message) => void again.push(message) });
    await reopened.close();
    expect(again).toEqual([]);
  });
});

describe('a version-8 cache', () => {
  it('migrates to the current version: its advisor snapshots and Athena ledger stay, its days (and their IAM changes) are read again for their resources', async () => {
    const path = join(work, 'v8.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v8.sql'), 'utf8')}
      INSERT INTO meta VALUES ('application', 'iamtrail'), ('schema_version', '8'), ('created_at', '2026-11-01T00:00:00.000Z');
      INSERT INTO coverage VALUES ('local', '${DEMO}', '2026-10-05', '2026-11-01T00:00:00Z', 1);
      INSERT INTO activity VALUES ('local', '${DEMO}', '2026-10-05', '${ALICE}', 'IAMUser', NULL, NULL,
        'iam.amazonaws.com', 'CreateUser', 'ok', 1, '2026-10-05T09:00:00Z', '2026-10-05T09:00:00Z');
      INSERT INTO iam_changes VALUES ('local', '${DEMO}', '2026-10-05', '2026-10-05T09:00:00Z', 'e-1', 'CreateUser',
        '${ALICE}', 'IAMUser', NULL, '203.0.113.7', 'carol', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'ok', NULL);
      INSERT INTO athena_queries VALUES ('q-1', 'us-east-1', 'primary', 's3://results/q-1.csv', '2026-11-01T00:00:00Z', 'SUCCEEDED', 10);
      INSERT INTO advisor_snapshots VALUES ('snap-1', '${DEMO}', '${ALICE}', 'user', '2026-11-01T00:00:00Z', NULL, 'api');
      INSERT INTO advisor_services VALUES ('snap-1', 's3', 'Amazon S3', '2026-10-30T00:00:00Z', '${ALICE}', 'us-east-1', 1, true);
      INSERT INTO advisor_actions VALUES ('snap-1', 's3', 'GetObject', '2026-10-30T00:00:00Z', '${ALICE}', 'us-east-1');`);
    connection.closeSync();
    instance.closeSync();
    const notices: string[] = [];
    const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
    try {
      expect(notices).toEqual([
        `the cache ${path} has schema version 8, this iamtrail uses ${CACHE_SCHEMA_VERSION}: kept its Access Advisor snapshots and Athena ledger; its log days will be read again (for the resources of their calls)`,
      ]);
      expect((await store.athenaQueries('us-east-1')).map((query) => query.queryId)).toEqual(['q-1']);
      const [snapshot] = await store.advisorSnapshots();
      expect(snapshot).toMatchObject({ arn: ALICE, accountId: DEMO, origin: 'api' });
      expect(snapshot?.services[0]?.trackedActions?.map((action) => action.actionName)).toEqual([
        'GetObject',
      ]);
      // The day loaded without its resources is missing again, and nothing of it is left.
      expect(await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-05', '2026-11-20')).toEqual([
        '2026-10-05',
      ]);
      expect(await store.status()).toEqual([]);
      expect(await store.iamChanges('local', WINDOW)).toEqual([]);
      expect(await store.resourceUsage('local', WINDOW, DEMO, ALICE)).toEqual([]);
    } finally {
      await store.close();
    }
    const again: string[] = [];
    const reopened = await CacheStore.open(path, { onNotice: (message) => void again.push(message) });
    await reopened.close();
    expect(again).toEqual([]);
  });
});

describe('a version-9 cache', () => {
  it('migrates to 10 keeping everything; its days, which schema 9 may have read without their resources, are read again by a question that needs them', async () => {
    const path = join(work, 'v9.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v9.sql'), 'utf8')}
      INSERT INTO meta VALUES ('application', 'iamtrail'), ('schema_version', '9'), ('created_at', '2026-11-01T00:00:00.000Z');
      INSERT INTO coverage VALUES ('local', '${DEMO}', '2026-10-05', '2026-11-01T00:00:00Z', 1);
      INSERT INTO activity VALUES ('local', '${DEMO}', '2026-10-05', '${ALICE}', 'IAMUser', NULL, NULL,
        's3.amazonaws.com', 'GetObject', 'ok', 2, '2026-10-05T09:00:00Z', '2026-10-05T09:00:00Z');
      INSERT INTO resource_usage VALUES ('local', '${DEMO}', '2026-10-05', '${ALICE}', 's3.amazonaws.com', 'GetObject',
        'target', 'arn:aws:s3:::b/reports/*', 2);
      INSERT INTO boundary_snapshots VALUES ('s-1', '${DEMO}', '${ALICE}', 'user', 'alice', '2026-11-01T00:00:00Z', 'apply',
        NULL, '[]', 'arn:aws:iam::${DEMO}:policy/iamtrail-boundary-user-alice', false, NULL, NULL, 'v1', '[]', NULL, NULL, 'applied');
      INSERT INTO athena_queries VALUES ('q-1', 'us-east-1', 'primary', 's3://results/q-1.csv', '2026-11-01T00:00:00Z', 'SUCCEEDED', 10);`);
    connection.closeSync();
    instance.closeSync();
    const notices: string[] = [];
    const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
    try {
      expect(notices).toEqual([
        `the cache ${path} has schema version 9, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost${BEFORE_16_NOTICE}${BEFORE_17_NOTICE}`,
      ]);
      // The day is loaded for questions without resources; one that needs them reads it again
      // (a day of schema 9 may have been read before its engines returned resources).
      expect(await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-05', '2026-11-20')).toEqual([]);
      expect(
        await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-05', '2026-11-20', true),
      ).toEqual(['2026-10-05']);
      expect(await store.resourceUsage('local', WINDOW, DEMO, ALICE)).toMatchObject([
        { resource: 'arn:aws:s3:::b/reports/*', calls: 2 },
      ]);
      expect((await store.boundarySnapshots({ accountId: DEMO })).map((snapshot) => snapshot.id)).toEqual([
        's-1',
      ]);
      expect((await store.athenaQueries('us-east-1')).map((query) => query.queryId)).toEqual(['q-1']);
      // A day loaded since without resources is missing for a question that needs them only.
      await store.writeDays(
        'local',
        ['2026-10-06'],
        [],
        [{ accountId: DEMO, day: '2026-10-06', files: 1 }],
        undefined,
        [],
        [],
        [],
        false,
      );
      expect(await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-06', '2026-11-20')).toEqual([]);
      expect(
        await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-06', '2026-11-20', true),
      ).toEqual(['2026-10-05', '2026-10-06']);
    } finally {
      await store.close();
    }
    const again: string[] = [];
    const reopened = await CacheStore.open(path, { onNotice: (message) => void again.push(message) });
    await reopened.close();
    expect(again).toEqual([]);
  });
});

describe('a version-12 cache', () => {
  it('migrates to 13 keeping everything; its days, read with the resources schema 12 extracted, are read again by a question that needs them', async () => {
    const path = join(work, 'v12.duckdb');
    const created = await CacheStore.open(path);
    try {
      await created.writeDays(
        'local',
        ['2026-10-05'],
        [],
        [{ accountId: DEMO, day: '2026-10-05', files: 1 }],
        undefined,
        [],
        [],
        [],
        true,
      );
    } finally {
      await created.close();
    }
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run("UPDATE meta SET value = '12' WHERE key = 'schema_version'");
    connection.closeSync();
    instance.closeSync();
    const notices: string[] = [];
    const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
    try {
      expect(notices).toEqual([
        `the cache ${path} has schema version 12, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost${BEFORE_16_NOTICE}${BEFORE_17_NOTICE}`,
      ]);
      // Loaded for the questions without resources; schema 12's extraction missed some of them
      // (a copied version, a DynamoDB index, roles passed by EC2, ECS and Step Functions).
      expect(await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-05', '2026-11-20')).toEqual([]);
      expect(
        await store.missingDays('local', [DEMO], '2026-10-05', '2026-10-05', '2026-11-20', true),
      ).toEqual(['2026-10-05']);
    } finally {
      await store.close();
    }
  });
});
