import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DuckDbDialect } from '../../src/engines/duckdb/duckdb-dialect.js';
import { stagedTable } from '../../src/engines/duckdb/duckdb-sql.js';
import {
  buildActorResolveQuery,
  buildResolveQuery,
  SUMMARY_RESULT_COLUMNS,
} from '../../src/trail/activity-summary.js';
import type { StagedDatabase } from '../../src/trail/activity-summary.js';

/*
 * A per-actor summary's second stage (buildActorResolveQuery) against the whole summary's
 * (buildResolveQuery), over the same staged rows of a per-actor stage: they must give the same
 * rows, every column alike. Real DuckDB; the rows are those buildActorStageQuery stages, written
 * out: an actor's day in two batches, two outcomes, coverage rows (the last four) of several
 * files and accounts.
 */

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let db: Kysely<StagedDatabase>;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  db = new Kysely<StagedDatabase>({ dialect: new DuckDbDialect({ connection }) });
});
afterAll(async () => {
  await db.destroy();
  connection.closeSync();
  instance.closeSync();
});

const ALICE = 'arn:aws:iam::111111111111:user/alice';
const DEPLOY = 'arn:aws:iam::222222222222:role/deploy';

/**
 * Staged rows, one per line: account, day, actor, actor type, outcome, log path, calls, first and
 * last seen (`-` for null).
 */
const STAGED = `
111111111111 2026-10-05 ${ALICE} IAMUser ok - 3 2026-10-05T01:00:00Z 2026-10-05T09:00:00Z
111111111111 2026-10-05 ${ALICE} IAMUser ok - 2 2026-10-05T00:30:00Z 2026-10-05T08:00:00Z
111111111111 2026-10-05 ${ALICE} IAMUser denied - 1 2026-10-05T04:00:00Z 2026-10-05T04:00:00Z
111111111111 2026-10-06 ${ALICE} IAMUser ok - 7 2026-10-06T02:00:00Z 2026-10-06T23:00:00Z
222222222222 2026-10-05 ${DEPLOY} AssumedRole failed - 4 2026-10-05T10:00:00Z 2026-10-05T11:00:00Z
111111111111 2026-10-05 - - - 0 4 2026-10-05T00:30:00Z 2026-10-05T09:00:00Z
111111111111 2026-10-05 - - - 1 2 2026-10-05T04:00:00Z 2026-10-05T08:00:00Z
111111111111 2026-10-06 - - - 2 7 2026-10-06T02:00:00Z 2026-10-06T23:00:00Z
222222222222 2026-10-05 - - - 3 4 2026-10-05T10:00:00Z 2026-10-05T11:00:00Z
`
  .trim()
  .split('\n')
  .map((line) => line.split(' ').map((value) => (value === '-' ? null : value)));

/** The rows of a resolve query over `table`'s staged rows, in one order, every value as JSON. */
async function resolved(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
  const reader = await connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ALL`, [
    ...(parameters as DuckDBValue[]),
  ]);
  return reader.getRowObjectsJson();
}

describe('the per-actor resolve query', () => {
  it("gives the whole summary's resolve query's rows over a per-actor stage's rows, column for column", async () => {
    const table = stagedTable(true);
    await connection.run(table.create);
    for (const row of STAGED)
      await connection.run(
        `INSERT INTO ${table.name} (account_id, day, actor_arn, actor_type, outcome, log_path, calls, first_seen, last_seen, event_source, event_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7::BIGINT, $8, $9, CASE WHEN $3 IS NOT NULL THEN '*' END, CASE WHEN $3 IS NOT NULL THEN '*' END)`,
        row,
      );
    // A file's own row (no day), which the engine deletes once checked: no summary row either way.
    await connection.run(
      `INSERT INTO ${table.name} (log_file, has_records, calls) VALUES ('0', true, 0), ('9', false, 0)`,
    );
    const whole = buildResolveQuery(db, 'duckdb').compile();
    const actors = buildActorResolveQuery(db, 'duckdb').compile();
    const expected = await resolved(table.readsStaged(whole.sql), whole.parameters);
    const actual = await resolved(table.readsStaged(actors.sql), actors.parameters);
    // The reference is not empty: four actor-days-outcomes and three coverage rows (one of two files).
    expect(expected).toHaveLength(7);
    expect(expected).toContainEqual(expect.objectContaining({ actor_arn: ALICE, outcome: 'ok', calls: '5' }));
    expect(expected).toContainEqual(
      expect.objectContaining({
        account_id: '111111111111',
        day: '2026-10-05',
        actor_arn: null,
        log_files: '2',
      }),
    );
    expect(actual).toEqual(expected);
    const described = await connection.runAndReadAll(`DESCRIBE ${table.readsStaged(actors.sql)}`);
    expect(
      (described.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((column) => [
        column.column_name,
        column.column_type,
      ]),
    ).toEqual(Object.entries(SUMMARY_RESULT_COLUMNS));
    await connection.run(table.drop);
  });
});
