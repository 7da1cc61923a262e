import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { convertResultCsv } from '../../src/engines/athena/athena-results.js';
import { DuckDbDialect } from '../../src/engines/duckdb/duckdb-dialect.js';
import { stagedTable } from '../../src/engines/duckdb/duckdb-sql.js';
import { EngineError } from '../../src/errors.js';
import { buildResolveQuery, SUMMARY_RESULT_COLUMNS } from '../../src/trail/activity-summary.js';
import type { StagedDatabase } from '../../src/trail/activity-summary.js';

/*
 * The Athena result object (CSV) converted by DuckDB into the Parquet file the cache loads: real
 * DuckDB, real files. The CSV is written here as Athena writes it: a header line, every value
 * quoted, a quote doubled, NULL an empty unquoted field.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-athena-results-'));
let instance: DuckDBInstance;
let connection: DuckDBConnection;
const LOCATION = 's3://results/iamtrail-results/q-1.csv';
const contract = { account_id: 'VARCHAR', caller_arn: 'VARCHAR', calls: 'BIGINT' } as const;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
  rmSync(work, { recursive: true, force: true });
});

let files = 0;
/** Writes a CSV and converts it; returns the Parquet file's rows, or the error. */
async function convert(csv: string): Promise<{ rows: unknown[][]; count: number }> {
  files += 1;
  const csvFile = join(work, `result-${files}.csv`);
  const parquetFile = join(work, `result-${files}.parquet`);
  writeFileSync(csvFile, csv);
  const count = await convertResultCsv(connection, csvFile, parquetFile, LOCATION, contract);
  const read = await connection.runAndReadAll(
    `SELECT account_id, caller_arn, caller_arn IS NULL, calls FROM read_parquet('${parquetFile}') ORDER BY calls`,
  );
  return { rows: read.getRowsJson(), count };
}

describe('convertResultCsv (Athena CSV result → Parquet)', () => {
  it('reads "" as an empty string and an empty unquoted field as NULL', async () => {
    const result = await convert(
      ['"account_id","caller_arn","calls"', '"111111111111","","1"', '"111111111111",,"2"', ''].join('\n'),
    );
    expect(result.count).toBe(2);
    expect(result.rows).toEqual([
      ['111111111111', '', false, '1'],
      ['111111111111', null, true, '2'],
    ]);
  });

  it('keeps delimiters, doubled quotes and line breaks inside quoted values', async () => {
    const result = await convert(
      ['"calls","caller_arn","account_id"', '"3","a ""quoted"", comma","line one\nline two"', ''].join('\n'),
    );
    expect(result.rows).toEqual([['line one\nline two', 'a "quoted", comma', false, '3']]);
  });

  it('writes an empty file for a result of no rows', async () => {
    const result = await convert('"account_id","caller_arn","calls"\n');
    expect(result).toEqual({ rows: [], count: 0 });
  });

  const failures: { name: string; csv: string; message: string }[] = [
    {
      name: 'a value that does not parse as its type',
      csv: '"account_id","caller_arn","calls"\n"1","x","1"\n"1","x","three"\n',
      message: `the Athena result ${LOCATION} does not match the summary's column types: Conversion Error: CSV Error on Line: 3`,
    },
    {
      name: 'a row with one value more',
      csv: '"account_id","caller_arn","calls"\n"1","x","1","4"\n',
      message: `the Athena result ${LOCATION} does not match the summary's column types: Invalid Input Error: CSV Error on Line: 2`,
    },
    {
      name: 'a missing column',
      csv: '"account_id","calls"\n"1","1"\n',
      message: `the Athena result ${LOCATION} lacks column(s) caller_arn`,
    },
    {
      name: 'an extra column',
      csv: '"account_id","caller_arn","calls","resources"\n"1","x","1","y"\n',
      message: `the Athena result ${LOCATION} has column(s) the summary does not (resources)`,
    },
    {
      name: 'no header line',
      csv: '',
      message: `the Athena result ${LOCATION} does not start with a header line of quoted column names`,
    },
  ];
  for (const { name, csv, message } of failures)
    it(`refuses ${name} with an engine error naming the object`, async () => {
      const error = await convert(csv).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).exitCode).toBe(3);
      expect((error as EngineError).message.startsWith(message), (error as EngineError).message).toBe(true);
    });
});

describe('SUMMARY_RESULT_COLUMNS', () => {
  it("is the summary query's result: its columns, in its order, with DuckDB's types of them", async () => {
    await connection.run(stagedTable(false).create);
    const db = new Kysely<StagedDatabase>({ dialect: new DuckDbDialect({ connection }) });
    // With and without the resources: the same columns, so one contract checks both.
    for (const resources of [false, true]) {
      const compiled = buildResolveQuery(db, 'duckdb', resources).compile();
      const described = await connection.runAndReadAll(`DESCRIBE ${compiled.sql}`, [
        ...compiled.parameters,
      ] as never);
      const columns = (described.getRowObjectsJson() as { column_name: string; column_type: string }[]).map(
        (column) => [column.column_name, column.column_type],
      );
      expect(columns).toEqual(Object.entries(SUMMARY_RESULT_COLUMNS));
    }
    await db.destroy();
  });
});
