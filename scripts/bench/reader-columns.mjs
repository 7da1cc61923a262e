#!/usr/bin/env node
// What each field the local engine reads costs DuckDB's JSON reader, on a benchmark tree: one
// count over every record with the few fields the floor (c) reads, then the same with one more
// field each, in the same run; printed as seconds and as the ratio to the first. The fields are
// those the summary reads beyond the floor's, in the types the engine gives them.
//   node scripts/bench/reader-columns.mjs LOGS_DIR
import { cpus } from 'node:os';

import { DuckDBInstance } from '@duckdb/node-api';

const [logs] = process.argv.slice(2);
if (logs === undefined) {
  console.error('usage: node scripts/bench/reader-columns.mjs LOGS_DIR');
  process.exit(2);
}
const FLOOR = `eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, userIdentity STRUCT("type" VARCHAR, arn VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR)))`;
const EXTRA = [
  undefined,
  'requestParameters JSON',
  'requestParameters STRUCT(userName VARCHAR, roleName VARCHAR, groupName VARCHAR, accessKeyId VARCHAR, policyArn VARCHAR, permissionsBoundary VARCHAR, policyName VARCHAR, status VARCHAR)',
  'responseElements JSON',
  'resources STRUCT(ARN VARCHAR)[]',
  'errorCode VARCHAR',
];
const instance = await DuckDBInstance.create(':memory:', { threads: String(cpus().length) });
const connection = await instance.connect();
let base;
for (const extra of EXTRA) {
  const field = extra?.split(' ')[0];
  const started = process.hrtime.bigint();
  await connection.runAndReadAll(
    `SELECT count(*), count(${field === undefined ? 'NULL' : `r.${field}`})
     FROM (SELECT unnest(Records) AS r FROM read_json($1, columns = {'Records': 'STRUCT(${FLOOR}${extra === undefined ? '' : `, ${extra}`})[]'},
       format = 'unstructured', records = true))`,
    [`${logs}/**/*.json.gz`],
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  base ??= seconds;
  console.log(
    `${(extra ?? 'the floor fields').padEnd(60).slice(0, 60)} ${seconds.toFixed(2)} s  ${(seconds / base).toFixed(2)}x`,
  );
}
connection.closeSync();
instance.closeSync();
