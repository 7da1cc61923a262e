#!/usr/bin/env node
// (c) of the benchmark: one hand-written DuckDB query doing only the extraction of the distinct
// (identity, eventSource, eventName) set of a CloudTrail tree, printed as sorted TSV. The floor
// iamtrail's local engine is measured against.
//   node scripts/bench/duckdb-floor.mjs LOGS_DIR START_DAY END_DAY_EXCLUSIVE
import { cpus } from 'node:os';

import { DuckDBInstance } from '@duckdb/node-api';

const [logs, start, end] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(cpus().length) });
const connection = await instance.connect();
const reader = await connection.runAndReadAll(
  `SELECT DISTINCT
     CASE WHEN r.userIdentity."type" = 'AssumedRole' THEN r.userIdentity.sessionContext.sessionIssuer.arn ELSE r.userIdentity.arn END AS identity,
     r.eventSource, r.eventName
   FROM (SELECT unnest(Records) AS r FROM read_json($1, columns = {'Records': 'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, userIdentity STRUCT("type" VARCHAR, arn VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]'},
         format = 'unstructured', records = true, maximum_object_size = 1073741824))
   WHERE r.eventTime >= $2 AND r.eventTime < $3 AND identity IS NOT NULL`,
  [`${logs}/**/*.json.gz`, start, end],
);
const rows = reader.getRows().map((row) => row.join('\t'));
rows.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
process.stdout.write(rows.map((row) => `${row}\n`).join(''));
