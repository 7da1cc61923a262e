import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { expectGolden } from '../../helpers/golden.js';

import { DuckDbDialect } from '../../../src/engines/duckdb/duckdb-dialect.js';
import {
  buildActivitySummaryQuery,
  mergeActivityRows,
  toActivityRow,
} from '../../../src/trail/activity-summary.js';
import type { ActivityRow } from '../../../src/trail/activity-summary.js';
import type { CloudTrailDatabase } from '../../../src/trail/cloudtrail-relation.js';
import { identityField } from '../../../src/trail/cloudtrail-relation.js';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const db = new Kysely<CloudTrailDatabase>({ dialect: new DuckDbDialect({ connection }) });
afterAll(async () => {
  await db.destroy();
  connection.closeSync();
  instance.closeSync();
});

describe('the activity-summary query', () => {
  // The SQL is a contract between the query definition and the engines: golden files, rewritten
  // with UPDATE_GOLDEN=1 and reviewed in the diff.
  it.each([
    [
      'summary.duckdb.sql',
      { startDay: '2026-10-01', endDay: '2026-10-31', accountIds: ['111111111111', '222222222222'] },
      ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '111111111111', '222222222222'],
    ],
    [
      'summary-per-file.duckdb.sql',
      { startDay: '2026-10-01', endDay: '2026-10-31', perFile: true },
      ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    ],
  ] as const)('compiles for DuckDB as %s, every value bound', (golden, options, parameters) => {
    const compiled = buildActivitySummaryQuery(db, options).compile();
    expectGolden(golden, `${compiled.sql}\n`);
    expect(compiled.parameters).toEqual(parameters);
  });

  it('runs on DuckDB over a cloudtrail relation and aggregates by actor, event and outcome', async () => {
    await connection.run(`CREATE TABLE cloudtrail AS SELECT * FROM (VALUES
      ('2026-10-01T10:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', {'type': 'IAMUser', 'arn': 'arn:aws:iam::111111111111:user/alice', 'sessioncontext': NULL}),
      ('2026-10-01T11:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', {'type': 'IAMUser', 'arn': 'arn:aws:iam::111111111111:user/alice', 'sessioncontext': NULL}),
      ('2026-10-01T12:00:00Z', 's3.amazonaws.com', 'ListBuckets', 'AccessDenied', '111111111111', {'type': 'IAMUser', 'arn': 'arn:aws:iam::111111111111:user/alice', 'sessioncontext': NULL}),
      ('2026-10-02T09:00:00Z', 'iam.amazonaws.com', 'ListUsers', NULL, '111111111111', {'type': 'AssumedRole', 'arn': 'arn:aws:sts::111111111111:assumed-role/admin/s1', 'sessioncontext': {'sessionissuer': {'arn': 'arn:aws:iam::111111111111:role/admin'}}}),
      ('2026-10-02T09:00:00Z', 'kms.amazonaws.com', 'Decrypt', NULL, '111111111111', {'type': 'AWSService', 'arn': NULL, 'sessioncontext': NULL}),
      ('2026-11-01T00:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', {'type': 'IAMUser', 'arn': 'arn:aws:iam::111111111111:user/alice', 'sessioncontext': NULL}),
      ('2026-10-03T09:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '999999999999', {'type': 'IAMUser', 'arn': 'arn:aws:iam::999999999999:user/eve', 'sessioncontext': NULL})
    ) AS t(eventtime, eventsource, eventname, errorcode, recipientaccountid, useridentity)`);
    const records = await buildActivitySummaryQuery(db, {
      startDay: '2026-10-01',
      endDay: '2026-10-31',
      accountIds: ['111111111111'],
    }).execute();
    expect(records.map(toActivityRow)).toEqual([
      {
        accountId: '111111111111',
        day: '2026-10-01',
        actorArn: 'arn:aws:iam::111111111111:user/alice',
        actorType: 'IAMUser',
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        outcome: 'denied',
        calls: 1,
        firstSeen: '2026-10-01T12:00:00Z',
        lastSeen: '2026-10-01T12:00:00Z',
      },
      {
        accountId: '111111111111',
        day: '2026-10-01',
        actorArn: 'arn:aws:iam::111111111111:user/alice',
        actorType: 'IAMUser',
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        outcome: 'ok',
        calls: 2,
        firstSeen: '2026-10-01T10:00:00Z',
        lastSeen: '2026-10-01T11:00:00Z',
      },
      {
        accountId: '111111111111',
        day: '2026-10-02',
        actorArn: 'arn:aws:iam::111111111111:role/admin',
        actorType: 'AssumedRole',
        eventSource: 'iam.amazonaws.com',
        eventName: 'ListUsers',
        outcome: 'ok',
        calls: 1,
        firstSeen: '2026-10-02T09:00:00Z',
        lastSeen: '2026-10-02T09:00:00Z',
      },
    ]);
  });

  it.each([
    [{ startDay: '2026-02-30', endDay: '2026-03-01' }, /summary days must be YYYY-MM-DD/],
    [
      { startDay: '2026-10-01', endDay: '2026-10-02', accountIds: ["1111' OR 1=1 --"] },
      /account ids must be 12 digits/,
    ],
  ])('refuses values that are not strictly shaped: %j', (options, message) => {
    expect(() => buildActivitySummaryQuery(db, options)).toThrow(message);
  });

  it('builds struct paths only from plain field names', () => {
    expect(() => identityField('arn; DROP TABLE x')).toThrow(/invalid struct field/);
  });
});

describe('mergeActivityRows', () => {
  it('adds calls and widens first and last seen for the same group', () => {
    const base: ActivityRow = {
      accountId: '1',
      day: 'd',
      actorArn: 'a',
      actorType: 'IAMUser',
      eventSource: 's',
      eventName: 'n',
      outcome: 'ok',
      calls: 2,
      firstSeen: 't2',
      lastSeen: 't5',
    };
    expect(
      mergeActivityRows([
        base,
        { ...base, calls: 3, firstSeen: 't1', lastSeen: 't3' },
        { ...base, outcome: 'denied' },
      ]),
    ).toEqual([
      { ...base, calls: 5, firstSeen: 't1', lastSeen: 't5' },
      { ...base, outcome: 'denied' },
    ]);
  });
});
