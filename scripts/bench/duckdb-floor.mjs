#!/usr/bin/env node
// (c) of the benchmark: one hand-written DuckDB query doing only the extraction of the distinct
// (identity, eventSource, eventName) set of a CloudTrail tree, printed as sorted TSV. The floor
// iamtrail's local engine is measured against.
//   node scripts/bench/duckdb-floor.mjs LOGS_DIR START_DAY END_DAY_EXCLUSIVE
// The set comes back as one string, its lines in byte order (what `LC_ALL=C sort -u` gives): the
// ~20,000 tuples taken back as JavaScript values, then sorted, cost 150-210 ms more at 1M events.
// Its reader takes each line of a file as one document (`newline_delimited`), as iamtrail's does
// first: CloudTrail writes each file as one line, and DuckDB cuts the text at line breaks faster
// than it scans any JSON text for the documents' ends (`unstructured`, the floor of runs 1-34,
// ~20 % slower at 1M events; docs/benchmarks.md, thirty-second session).
import { cpus } from 'node:os';

import { DuckDBInstance } from '@duckdb/node-api';

const [logs, start, end] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(cpus().length) });
const connection = await instance.connect();
const reader = await connection.runAndReadAll(
  `SELECT string_agg(line || chr(10), '' ORDER BY line) FROM (
     SELECT DISTINCT concat(identity, chr(9), eventSource, chr(9), eventName) AS line FROM (
       SELECT CASE WHEN r.userIdentity."type" = 'AssumedRole' THEN r.userIdentity.sessionContext.sessionIssuer.arn ELSE r.userIdentity.arn END AS identity,
         r.eventSource AS eventSource, r.eventName AS eventName
       FROM (SELECT unnest(Records) AS r FROM read_json($1, columns = {'Records': 'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, userIdentity STRUCT("type" VARCHAR, arn VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]'},
             format = 'newline_delimited', records = true, maximum_object_size = 1073741824))
       WHERE r.eventTime >= $2 AND r.eventTime < $3)
     WHERE identity IS NOT NULL)`,
  [`${logs}/**/*.json.gz`, start, end],
);
process.stdout.write(reader.getRows()[0]?.[0] ?? '');
