import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { expectGolden } from '../../helpers/golden.js';

import { DuckDbDialect } from '../../../src/engines/duckdb/duckdb-dialect.js';
import { JSON_EXTRACT_SCALAR_MACRO_SQL } from '../../../src/engines/duckdb/duckdb-sql.js';
import {
  buildActivitySummaryQuery,
  buildStageQuery,
  isActivityRecord,
  toActivityRow,
  toDayCoverage,
} from '../../../src/trail/activity-summary.js';
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

const WINDOW_START = '2026-10-01T00:00:00Z';
// The day before the window is read for the AssumeRole calls of sessions still open at midnight.
const LOOKBACK_START = '2026-09-30T00:00:00Z';
const WINDOW_END = '2026-11-01T00:00:00Z';

/** Rows as JSON lines, sorted: a comparison that ignores their order. */
const sorted = (rows: unknown[][]): string[] => rows.map((row) => JSON.stringify(row)).sort();

describe('the activity-summary query', () => {
  // The SQL is a contract between the query definition and the engines: golden files, rewritten
  // with UPDATE_GOLDEN=1 and reviewed in the diff.
  it.each([
    [
      'summary.duckdb.sql',
      {
        startDay: '2026-10-01',
        endDay: '2026-10-31',
        accountIds: ['111111111111', '222222222222'],
        lists: 'duckdb',
        resources: true,
      },
      [WINDOW_START, LOOKBACK_START, WINDOW_END, WINDOW_START, '111111111111', '222222222222'],
    ],
    [
      'stage-per-file.duckdb.sql',
      { startDay: '2026-10-01', endDay: '2026-10-31', perFile: true, lists: 'duckdb' },
      [WINDOW_START, LOOKBACK_START, WINDOW_END, WINDOW_START],
    ],
  ] as const)('compiles for DuckDB as %s, every value bound', (golden, options, parameters) => {
    const compiled = (
      'perFile' in options ? buildStageQuery(db, options) : buildActivitySummaryQuery(db, options)
    ).compile();
    expectGolden(golden, `${compiled.sql}\n`);
    expect(compiled.parameters).toEqual(parameters);
  });

  it('runs on DuckDB over a cloudtrail relation and aggregates by actor, caller, event and outcome', async () => {
    const identity = `STRUCT("type" VARCHAR, arn VARCHAR, accountid VARCHAR, accesskeyid VARCHAR, invokedby VARCHAR, username VARCHAR,
      sessioncontext STRUCT(sourceidentity VARCHAR, sessionissuer STRUCT(arn VARCHAR)))`;
    await connection.run(`CREATE TABLE cloudtrail (eventtime VARCHAR, eventsource VARCHAR, eventname VARCHAR,
      errorcode VARCHAR, errormessage VARCHAR, recipientaccountid VARCHAR, responseelements VARCHAR, useridentity ${identity},
      "$path" VARCHAR, eventid VARCHAR, sourceipaddress VARCHAR, requestparameters VARCHAR,
      awsregion VARCHAR, resources STRUCT(arn VARCHAR)[])`);
    await connection.run(JSON_EXTRACT_SCALAR_MACRO_SQL);
    const user = (name: string, account = '111111111111', key = 'AKIAUSER') =>
      `{'type': 'IAMUser', 'arn': 'arn:aws:iam::${account}:user/${name}', 'accountid': '${account}', 'accesskeyid': '${key}', 'invokedby': NULL, 'username': '${name}', 'sessioncontext': NULL}`;
    const session = (role: string, key: string, account = '111111111111', source: string | null = null) =>
      `{'type': 'AssumedRole', 'arn': 'arn:aws:sts::${account}:assumed-role/${role}/s', 'accountid': '${account}', 'accesskeyid': '${key}', 'invokedby': NULL, 'username': NULL, 'sessioncontext': {'sourceidentity': ${source === null ? 'NULL' : `'${source}'`}, 'sessionissuer': {'arn': 'arn:aws:iam::${account}:role/${role}'}}}`;
    const issued = (key: string) => `'{"credentials":{"accessKeyId":"${key}"}}'`;
    const rows = [
      // alice: two calls and one denied call
      `('2026-10-01T10:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', NULL, ${user('alice')}, 's3://trail/f1.json.gz')`,
      `('2026-10-01T11:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', NULL, ${user('alice')}, 's3://trail/f1.json.gz')`,
      `('2026-10-01T12:00:00Z', 's3.amazonaws.com', 'ListBuckets', 'AccessDenied', '111111111111', NULL, ${user('alice')}, 's3://trail/f2.json.gz')`,
      // alice assumed admin at 23:30 the day before the window; the session's calls are the next day
      `('2026-09-30T23:30:00Z', 'sts.amazonaws.com', 'AssumeRole', NULL, '111111111111', ${issued('ASIA1')}, ${user('alice')}, 's3://trail/f0.json.gz')`,
      `('2026-09-30T23:40:00Z', 'iam.amazonaws.com', 'ListRoles', NULL, '111111111111', NULL, ${session('admin', 'ASIA1')}, 's3://trail/f0.json.gz')`,
      `('2026-10-01T00:10:00Z', 'iam.amazonaws.com', 'ListUsers', NULL, '111111111111', NULL, ${session('admin', 'ASIA1')}, 's3://trail/f0.json.gz')`,
      // admin's session assumed deploy in another account: logged in both accounts, in deploy's
      // as CloudTrail does, naming only the caller's account (no ARN, no key; its type sorts
      // before `AssumedRole`; here with the service that acted for it): the chain is followed
      // through the caller's account's copy
      `('2026-10-01T00:20:00Z', 'sts.amazonaws.com', 'AssumeRole', NULL, '111111111111', ${issued('ASIA2')}, ${session('admin', 'ASIA1')}, 's3://trail/f1.json.gz')`,
      `('2026-10-01T00:20:00Z', 'sts.amazonaws.com', 'AssumeRole', NULL, '222222222222', ${issued('ASIA2')}, {'type': 'AWSAccount', 'arn': NULL, 'accountid': '111111111111', 'accesskeyid': NULL, 'invokedby': 'cloudformation.amazonaws.com', 'username': NULL, 'sessioncontext': NULL}, 's3://trail/f3.json.gz')`,
      `('2026-10-01T00:30:00Z', 'ec2.amazonaws.com', 'RunInstances', NULL, '222222222222', NULL, ${session('deploy', 'ASIA2', '222222222222')}, 's3://trail/f3.json.gz')`,
      // a session opened before the look-back day: only its sourceIdentity says who
      `('2026-10-02T09:00:00Z', 'iam.amazonaws.com', 'ListUsers', NULL, '111111111111', NULL, ${session('admin', 'ASIA9', '111111111111', 'bob')}, 's3://trail/f4.json.gz')`,
      // nothing says who: no caller
      `('2026-10-02T09:00:00Z', 'kms.amazonaws.com', 'Decrypt', NULL, '111111111111', NULL, ${session('admin', 'ASIA8')}, 's3://trail/f4.json.gz')`,
      // federation: a SAML sign-in and a web-identity token open sessions too
      `('2026-10-03T08:00:00Z', 'sts.amazonaws.com', 'AssumeRoleWithSAML', NULL, '111111111111', ${issued('ASIA5')}, {'type': 'SAMLUser', 'arn': NULL, 'accountid': NULL, 'accesskeyid': NULL, 'invokedby': NULL, 'username': 'carol@example.com', 'sessioncontext': NULL}, 's3://trail/f5.json.gz')`,
      `('2026-10-03T08:05:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', NULL, ${session('readonly', 'ASIA5')}, 's3://trail/f5.json.gz')`,
      `('2026-10-03T09:00:00Z', 'sts.amazonaws.com', 'AssumeRoleWithWebIdentity', NULL, '111111111111', ${issued('ASIA6')}, {'type': 'WebIdentityUser', 'arn': NULL, 'accountid': NULL, 'accesskeyid': NULL, 'invokedby': NULL, 'username': 'repo:org/app', 'sessioncontext': NULL}, 's3://trail/f6.json.gz')`,
      `('2026-10-03T09:05:00Z', 'ecr.amazonaws.com', 'GetAuthorizationToken', NULL, '111111111111', NULL, ${session('deploy', 'ASIA6')}, 's3://trail/f6.json.gz')`,
      // a denied AssumeRole issues nothing
      `('2026-10-02T09:30:00Z', 'sts.amazonaws.com', 'AssumeRole', 'AccessDenied', '111111111111', ${issued('ASIA8')}, ${user('eve')}, 's3://trail/f4.json.gz')`,
      `('2026-10-02T09:00:00Z', 'kms.amazonaws.com', 'Decrypt', NULL, '111111111111', NULL, {'type': 'AWSService', 'arn': NULL, 'accountid': NULL, 'accesskeyid': NULL, 'invokedby': 'kms.amazonaws.com', 'username': NULL, 'sessioncontext': NULL}, 's3://trail/f7.json.gz')`,
      `('2026-11-01T00:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '111111111111', NULL, ${user('alice')}, 's3://trail/f8.json.gz')`,
      `('2026-10-03T09:00:00Z', 's3.amazonaws.com', 'ListBuckets', NULL, '999999999999', NULL, ${user('mallory', '999999999999')}, 's3://trail/f5.json.gz')`,
    ];
    await connection.run(
      `INSERT INTO cloudtrail (eventtime, eventsource, eventname, errorcode, recipientaccountid, responseelements, useridentity, "$path") VALUES ${rows.join(',\n')}`,
    );
    const records = await buildActivitySummaryQuery(db, {
      startDay: '2026-10-01',
      endDay: '2026-10-31',
      accountIds: ['111111111111', '222222222222'],
      lists: 'duckdb',
    }).execute();
    const alice = 'arn:aws:iam::111111111111:user/alice';
    const admin = 'arn:aws:iam::111111111111:role/admin';
    const brief = records
      .filter(isActivityRecord)
      .map(toActivityRow)
      .map((row) => [
        row.accountId.slice(0, 1),
        row.day,
        row.actorArn.split(':').at(-1),
        row.callerArn,
        row.viaArn,
        row.eventName,
        row.outcome,
        row.calls,
      ]);
    // The session opened at 23:30 the day before counts for alice; ListRoles on that day does not.
    expect(sorted(brief)).toEqual(
      sorted([
        ['1', '2026-10-01', 'role/admin', alice, null, 'ListUsers', 'ok', 1],
        ['1', '2026-10-01', 'role/admin', alice, null, 'AssumeRole', 'ok', 1],
        ['1', '2026-10-01', 'user/alice', null, null, 'ListBuckets', 'denied', 1],
        ['1', '2026-10-01', 'user/alice', null, null, 'ListBuckets', 'ok', 2],
        // only the session's sourceIdentity says who
        ['1', '2026-10-02', 'role/admin', 'bob', null, 'ListUsers', 'ok', 1],
        // nothing says who (eve's denied AssumeRole issued no key)
        ['1', '2026-10-02', 'role/admin', null, null, 'Decrypt', 'ok', 1],
        ['1', '2026-10-02', 'user/eve', null, null, 'AssumeRole', 'denied', 1],
        ['1', '2026-10-03', 'role/readonly', 'SAMLUser:carol@example.com', null, 'ListBuckets', 'ok', 1],
        [
          '1',
          '2026-10-03',
          'role/deploy',
          'WebIdentityUser:repo:org/app',
          null,
          'GetAuthorizationToken',
          'ok',
          1,
        ],
        // the AssumeRole logged in both accounts: deploy's copy names no actor (and no role here),
        // and the chain is followed back to alice
        ['2', '2026-10-01', 'role/deploy', alice, admin, 'RunInstances', 'ok', 1],
      ]),
    );
    expect(
      records
        .filter(isActivityRecord)
        .map(toActivityRow)
        .find((row) => row.outcome === 'ok' && row.actorType === 'IAMUser'),
    ).toEqual({
      accountId: '111111111111',
      day: '2026-10-01',
      actorArn: alice,
      actorType: 'IAMUser',
      callerArn: null,
      viaArn: null,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      outcome: 'ok',
      calls: 2,
      firstSeen: '2026-10-01T10:00:00Z',
      lastSeen: '2026-10-01T11:00:00Z',
      assumedRoleArn: null,
    });
    // Coverage: the files holding records of each (account, day) of the window, by the records'
    // account and eventTime. f0 holds events of 09-30 and 10-01: it counts for 10-01 only; f7
    // holds only an AWS service's call (no activity row) and still counts; f8 (after the window)
    // and mallory's account (not asked) count nowhere.
    expect(
      records
        .filter((record) => !isActivityRecord(record))
        .map(toDayCoverage)
        .sort((a, b) => `${a.accountId}${a.day}`.localeCompare(`${b.accountId}${b.day}`)),
    ).toEqual([
      { accountId: '111111111111', day: '2026-10-01', files: 3 },
      { accountId: '111111111111', day: '2026-10-02', files: 2 },
      { accountId: '111111111111', day: '2026-10-03', files: 2 },
      { accountId: '222222222222', day: '2026-10-01', files: 1 },
    ]);
  });

  it('names the role of each successful AssumeRole call in its activity row, and no other', async () => {
    await connection.run(`CREATE OR REPLACE TABLE cloudtrail (eventtime VARCHAR, eventsource VARCHAR, eventname VARCHAR,
      errorcode VARCHAR, errormessage VARCHAR, recipientaccountid VARCHAR, responseelements VARCHAR,
      useridentity STRUCT("type" VARCHAR, arn VARCHAR, accountid VARCHAR, accesskeyid VARCHAR, invokedby VARCHAR, username VARCHAR,
        sessioncontext STRUCT(sourceidentity VARCHAR, sessionissuer STRUCT(arn VARCHAR))),
      "$path" VARCHAR, eventid VARCHAR, sourceipaddress VARCHAR, requestparameters VARCHAR,
      awsregion VARCHAR, resources STRUCT(arn VARCHAR)[])`);
    await connection.run(JSON_EXTRACT_SCALAR_MACRO_SQL);
    const alice = `{'type': 'IAMUser', 'arn': 'arn:aws:iam::111111111111:user/alice', 'accountid': '111111111111', 'accesskeyid': 'AKIAALICE', 'invokedby': NULL, 'username': 'alice', 'sessioncontext': NULL}`;
    const admin = 'arn:aws:iam::111111111111:role/ops/admin';
    const deploy = 'arn:aws:iam::222222222222:role/deploy';
    const call = (
      time: string,
      name: string,
      error: string | null,
      account: string,
      role: string,
      key: string,
      identity = alice,
    ) =>
      `('${time}', '${name === 'GetRole' ? 'iam' : 'sts'}.amazonaws.com', '${name}', ${error === null ? 'NULL' : `'${error}'`}, '${account}', '{"credentials":{"accessKeyId":"${key}"}}', ${identity}, 's3://trail/f.json.gz', '{"roleArn":"${role}","roleSessionName":"s"}')`;
    // The role's account's copy of a call from another account: CloudTrail names only the account.
    const fromAccount = `{'type': 'AWSAccount', 'arn': NULL, 'accountid': '111111111111', 'accesskeyid': NULL, 'invokedby': NULL, 'username': NULL, 'sessioncontext': NULL}`;
    await connection.run(
      `INSERT INTO cloudtrail (eventtime, eventname, eventsource, errorcode, recipientaccountid, responseelements, useridentity, "$path", requestparameters) SELECT eventtime, eventname, eventsource, errorcode, recipientaccountid, responseelements, useridentity, "$path", requestparameters FROM (VALUES ${[
        call('2026-10-01T08:00:00Z', 'AssumeRole', null, '111111111111', admin, 'ASIA1'),
        call('2026-10-01T09:00:00Z', 'AssumeRole', null, '111111111111', admin, 'ASIA2'),
        // across accounts, logged in both: a row in each account, as every call has; the role's
        // account's under the caller's account
        call('2026-10-01T10:00:00Z', 'AssumeRole', null, '111111111111', deploy, 'ASIA3'),
        call('2026-10-01T10:00:00Z', 'AssumeRole', null, '222222222222', deploy, 'ASIA3', fromAccount),
        // refused: no role assumed
        call('2026-10-02T08:00:00Z', 'AssumeRole', 'AccessDenied', '111111111111', admin, 'ASIA4'),
        // a parameter that is no role's ARN
        call('2026-10-02T09:00:00Z', 'AssumeRole', null, '111111111111', 'admin', 'ASIA5'),
        // another service's roleArn parameter
        call('2026-10-02T10:00:00Z', 'GetRole', null, '111111111111', admin, 'ASIA6'),
        // the look-back day's call opens a session, and is no activity of the window
        call('2026-09-30T23:00:00Z', 'AssumeRole', null, '111111111111', deploy, 'ASIA7'),
      ].join(
        ',\n',
      )}) AS v (eventtime, eventsource, eventname, errorcode, recipientaccountid, responseelements, useridentity, "$path", requestparameters)`,
    );
    const records = await buildActivitySummaryQuery(db, {
      startDay: '2026-10-01',
      endDay: '2026-10-31',
      lists: 'duckdb',
    }).execute();
    const brief = records
      .filter(isActivityRecord)
      .map(toActivityRow)
      .map((row) => [
        row.accountId.slice(0, 1),
        row.day,
        row.actorArn.startsWith('arn:') ? row.actorArn.split(':').at(-1) : row.actorArn,
        row.eventName,
        row.outcome,
        row.assumedRoleArn,
        row.calls,
      ]);
    expect(sorted(brief)).toEqual(
      sorted([
        ['1', '2026-10-01', 'user/alice', 'AssumeRole', 'ok', admin, 2],
        ['1', '2026-10-01', 'user/alice', 'AssumeRole', 'ok', deploy, 1],
        ['2', '2026-10-01', 'AWSAccount:111111111111', 'AssumeRole', 'ok', deploy, 1],
        ['1', '2026-10-02', 'user/alice', 'AssumeRole', 'denied', null, 1],
        ['1', '2026-10-02', 'user/alice', 'AssumeRole', 'ok', null, 1],
        ['1', '2026-10-02', 'user/alice', 'GetRole', 'ok', null, 1],
      ]),
    );
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
