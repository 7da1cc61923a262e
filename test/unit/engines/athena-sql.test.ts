import { DuckDBInstance } from '@duckdb/node-api';
// Only the Trino grammar: the package's index loads all eight (20 MB for vitest to transform).
import { TrinoSQL } from 'dt-sql-parser/dist/parser/trino/index.js';
import { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { athenaSchema } from '../../../src/config/config-schema.js';
import { AthenaDialect } from '../../../src/engines/athena/athena-dialect.js';
import { toExecutionParameter } from '../../../src/engines/athena/athena-driver.js';
import { buildCloudTrailTableInput } from '../../../src/engines/athena/athena-sql.js';
import { DuckDbDialect } from '../../../src/engines/duckdb/duckdb-dialect.js';
import { ConfigError } from '../../../src/errors.js';
import { buildActivitySummaryQuery } from '../../../src/trail/activity-summary.js';
import type { CloudTrailDatabase } from '../../../src/trail/cloudtrail-relation.js';
import { expectGolden } from '../../helpers/golden.js';

const athenaDb = new Kysely<CloudTrailDatabase>({ dialect: new AthenaDialect() });
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const duckDb = new Kysely<CloudTrailDatabase>({ dialect: new DuckDbDialect({ connection }) });
afterAll(async () => {
  await duckDb.destroy();
  connection.closeSync();
  instance.closeSync();
});

const options = {
  startDay: '2026-10-01',
  endDay: '2026-10-31',
  accountIds: ['111111111111', '222222222222'],
  partitions: true,
} as const;

describe('the Athena summary query', () => {
  const compiled = buildActivitySummaryQuery(athenaDb, options).compile();
  const withResources = buildActivitySummaryQuery(athenaDb, { ...options, resources: true }).compile();

  it('compiles to the golden Trino SQL with values bound as ExecutionParameters', () => {
    expectGolden('summary.athena.sql', `${compiled.sql}\n`);
    expectGolden('summary-resources.athena.sql', `${withResources.sql}\n`);
    expect(withResources.parameters).toEqual(compiled.parameters);
    expect(compiled.parameters.map(toExecutionParameter)).toEqual([
      "'2026-10-01T00:00:00Z'",
      "'2026-09-30T00:00:00Z'",
      "'2026-11-01T00:00:00Z'",
      "'2026-10-01T00:00:00Z'",
      "'111111111111'",
      "'222222222222'",
    ]);
  });

  it('parses with a Trino grammar', () => {
    expect(new TrinoSQL().validate(compiled.sql)).toEqual([]);
    expect(new TrinoSQL().validate(withResources.sql)).toEqual([]);
  });

  it('comes from the same definition as the DuckDB query: they differ only in placeholders', () => {
    const duck = buildActivitySummaryQuery(duckDb, options).compile();
    expect(duck.sql.replace(/\$\d+/g, '?')).toBe(compiled.sql);
    expect(duck.parameters).toEqual(compiled.parameters);
  });

  it('puts the partitions in as literals (from the look-back day), for injected projection and pruning', () => {
    expect(compiled.sql).toContain(
      `"date" >= '2026/09/30' and "date" <= '2026/11/01' and "account" IN ('111111111111', '222222222222')`,
    );
  });

  it('escapes quotes in execution parameters', () => {
    expect(toExecutionParameter("o'brien")).toBe("'o''brien'");
    expect(() => toExecutionParameter({})).toThrow();
  });
});

describe('the CloudTrail table definition', () => {
  const athena = athenaSchema.parse({
    s3_bucket: 'org-trail-bucket',
    path: '/logs/',
    org_id: 'o-abc1234567',
    regions: ['us-east-1', 'eu-west-1'],
  });

  it('matches the golden Glue TableInput (organisation trail, enum projection)', () => {
    expectGolden(
      'athena-table.json',
      `${JSON.stringify(buildCloudTrailTableInput(athena, ['222222222222', '111111111111']), null, 2)}\n`,
    );
  });

  it('uses injected account projection without listing accounts', () => {
    const table = buildCloudTrailTableInput({ ...athena, account_projection: 'injected' }, ['111111111111']);
    expect(table.Parameters?.['projection.account.type']).toBe('injected');
    expect(table.Parameters?.['projection.account.values']).toBeUndefined();
  });

  it.each([
    [{ regions: undefined }, ['111111111111'], 'athena.regions is not set'],
    [{}, [], 'no accounts to project'],
    [
      {},
      Array.from({ length: 51 }, (_, i) => String(100000000000 + i)),
      '51 accounts are too many for an enum projection',
    ],
    [{}, ['12345'], 'account id "12345" is not 12 digits'],
  ] as const)('validates before anything is written: %j %j', (override, accounts, message) => {
    expect(() => buildCloudTrailTableInput({ ...athena, ...override }, accounts)).toThrow(ConfigError);
    expect(() => buildCloudTrailTableInput({ ...athena, ...override }, accounts)).toThrow(message);
  });

  it.each([
    [{ s3_bucket: 'bad bucket' }, 's3_bucket'],
    [{ s3_bucket: 'bucket', path: "x' OR 1=1" }, 'path'],
    [{ s3_bucket: 'bucket', org_id: 'org1' }, 'org_id'],
    [{ s3_bucket: 'bucket', regions: ['mars-1'] }, 'regions'],
    [{ s3_bucket: 'bucket', database: 'Drop Table' }, 'database'],
  ])('rejects a hostile or malformed athena: value %j', (value, key) => {
    const result = athenaSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(key);
  });
});
