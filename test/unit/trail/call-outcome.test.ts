import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbDialect } from '../../../src/engines/duckdb/duckdb-dialect.js';
import { outcomeOf, outcomeSql } from '../../../src/trail/call-outcome.js';
import type { Outcome } from '../../../src/trail/call-outcome.js';

/**
 * Every `errorCode` of ../shared/datasets (invictus-stratus-cloudtrail, stratus-detonation-logs;
 * the other sets have none), with the outcome it must get: the access errors are the ones whose
 * `errorMessage` there says "is not authorized to perform" / "You are not authorized".
 */
const DATASET_CODES: readonly (readonly [string, Outcome])[] = [
  ['AccessDenied', 'denied'],
  ['Client.UnauthorizedOperation', 'denied'],
  ['BucketNotEmpty', 'failed'],
  ['Client.InvalidAllocationID.NotFound', 'failed'],
  ['Client.InvalidParameterValue', 'failed'],
  ['Client.InvalidRouteTableID.NotFound', 'failed'],
  ['Client.VcpuLimitExceeded', 'failed'],
  ['EntityTemporarilyUnmodifiableException', 'failed'],
  // Security Hub's "not subscribed", not an authorisation refusal.
  ['InvalidAccessException', 'failed'],
  ['InvalidParameterValueException', 'failed'],
  ['NoSuchBucketPolicy', 'failed'],
  ['NoSuchEntityException', 'failed'],
  ['ObjectLockConfigurationNotFoundError', 'failed'],
  ['ResourceNotFoundException', 'failed'],
  ['ThrottlingException', 'failed'],
  ['TrailNotFoundException', 'failed'],
];

/** Codes the datasets lack, from the services' documented error lists. */
const DOCUMENTED_CODES: readonly (readonly [string, Outcome])[] = [
  ['AccessDeniedException', 'denied'],
  ['UnauthorizedOperation', 'denied'],
  ['AuthorizationErrorException', 'denied'],
  ['Forbidden', 'denied'],
  ['NoSuchKey', 'failed'],
  ['ValidationException', 'failed'],
  // Matching is exact or by the two families' fragments, never case-folded.
  ['accessdenied', 'failed'],
  // A dry run AWS authorised: "If you have the required permissions, the error response is
  // DryRunOperation. Otherwise, it is UnauthorizedOperation" (EC2 API reference, DryRun; logged
  // as Client.DryRunOperation), and KMS's DryRunOperationException ("the request would have
  // succeeded", KMS developer guide, Testing your permissions): a use of the permission.
  ['Client.DryRunOperation', 'ok'],
  ['DryRunOperation', 'ok'],
  ['DryRunOperationException', 'ok'],
  // Other failures stay failed: a dry run's refusal is an access error.
  ['EntityAlreadyExists', 'failed'],
];

const CASES = [...DATASET_CODES, ...DOCUMENTED_CODES];

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const db = new Kysely<{ calls: { errorcode: string | null } }>({
  dialect: new DuckDbDialect({ connection }),
});
afterAll(async () => {
  await db.destroy();
  connection.closeSync();
  instance.closeSync();
});

describe('the outcome of a call', () => {
  it('is ok without an errorCode', () => {
    expect(outcomeOf(null)).toBe('ok');
    expect(outcomeOf(undefined)).toBe('ok');
  });

  it.each(CASES)('is %s → %s', (code, expected) => {
    expect(outcomeOf(code)).toBe(expected);
  });

  // A failed console sign-in: "errorMessage": "Failed authentication", no errorCode (the CloudTrail
  // user guide's sign-in failure examples); the root user's carries the root ARN.
  it('is failed with an errorMessage and no errorCode (a failed console sign-in), whatever the message', () => {
    expect(outcomeOf(null, 'Failed authentication')).toBe('failed');
    expect(outcomeOf(undefined, 'No username found in supplied account')).toBe('failed');
    expect(outcomeOf('AccessDenied', 'User is not authorized')).toBe('denied');
    expect(outcomeOf('NoSuchKey', 'The specified key does not exist.')).toBe('failed');
    expect(outcomeOf(null, null)).toBe('ok');
  });

  it('is the same in SQL, run on DuckDB, codes bound as values', async () => {
    await connection.run('CREATE TABLE calls (errorcode VARCHAR, errormessage VARCHAR)');
    const withMessages: [string | null, string | null, string][] = [
      ...CASES.map(([code, outcome]): [string, null, string] => [code, null, outcome]),
      ...CASES.map(([code, outcome]): [string, string, string] => [code, 'a message', outcome]),
      [null, null, 'ok'],
      [null, 'Failed authentication', 'failed'],
    ];
    for (const [code, message] of withMessages)
      await sql`INSERT INTO calls VALUES (${code}, ${message})`.execute(db);
    const rows = await db
      .selectFrom('calls')
      .select([
        sql<string | null>`errorcode`.as('code'),
        sql<string | null>`errormessage`.as('message'),
        outcomeSql(sql`errorcode`, sql`errormessage`).as('outcome'),
      ])
      .execute();
    const sorted = (triples: unknown[][]) => triples.map((triple) => JSON.stringify(triple)).sort();
    expect(sorted(rows.map((row) => [row.code, row.message, row.outcome]))).toEqual(sorted(withMessages));
  });
});
