#!/usr/bin/env node
// Profiles the local engine's stage query against the DuckDB floor (c), one group of what the
// stage reads at a time, each variant a query over the same files in the same process, taking
// turns (A B C ... A B C ...). Imports dist/: run `npm run build` first.
//   node scripts/bench/cold-profile.mjs TREE_DIR START_DAY END_DAY ACCOUNT [ROUNDS] [VARIANT;...]
// END_DAY inclusive. Prints each variant's seconds per round and its median.
// Its queries read as any JSON text (`format = 'unstructured'`), the engine's reader before the
// thirty-second session and now only after its line reader (`newline_delimited`) failed on a batch
// (LogFileFormat in src/engines/duckdb/duckdb-sql.ts): its profiles describe that reader.
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { DuckDBInstance, listValue } from '@duckdb/node-api';
import { Kysely } from 'kysely';

const dist = new URL('../../dist/', import.meta.url);
const { buildStageQuery, SUMMARY_RESULT_COLUMNS } = await import(new URL('trail/activity-summary.js', dist));
const { DuckDbDialect } = await import(new URL('engines/duckdb/duckdb-dialect.js', dist));
const sqlOf = await import(new URL('engines/duckdb/duckdb-sql.js', dist));
const { listLogFiles } = await import(new URL('engines/duckdb/log-files.js', dist));
const sizes = await import(new URL('engines/duckdb/log-file-size.js', dist));

const [tree, startDay, endDay, account, roundsArg, only] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 3);
const threads = cpus().length;
const files = listLogFiles(join(tree, 'logs'), startDay, endDay).files;
const objectBytes = sizes.readerObjectBytes(files, sizes.DEFAULT_MAX_LOG_FILE_BYTES);
const memory = sizes.defaultMemoryLimitBytes(totalmem());
const instance = await DuckDBInstance.create(':memory:', {
  threads: String(threads),
  memory_limit: `${Math.ceil((memory + 2 * objectBytes * threads) / 1048576)}MiB`,
});
const connection = await instance.connect();
await connection.run(sqlOf.SET_LOG_FILES_SQL, [listValue(files.map((file) => file.path))]);
await connection.run(sqlOf.createCloudTrailViewSql(objectBytes, false));
await connection.run(sqlOf.JSON_EXTRACT_SCALAR_MACRO_SQL);
await connection.run(sqlOf.stagedTable(false).create);
const db = new Kysely({ dialect: new DuckDbDialect({ connection }) });
const addDay = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const stage = buildStageQuery(db, {
  startDay,
  endDay,
  accountIds: [account],
  perFile: true,
  lists: 'duckdb',
  resources: false,
}).compile();
const params = [...stage.parameters];
const start = `${startDay}T00:00:00Z`;
const end = `${addDay(endDay, 1)}T00:00:00Z`;
const floorType =
  'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, userIdentity STRUCT("type" VARCHAR, arn VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]';
const reader = (type, extra = '') =>
  `read_json(getvariable('iamtrail_log_files'), columns = {'Records': '${type}'}, format = 'unstructured', records = true, maximum_object_size = ${objectBytes}${extra})`;
const fullType = sqlOf.createCloudTrailViewSql(objectBytes, false).match(/'Records': '([^']*)'/)[1];
const identity = `CASE WHEN r.userIdentity."type" = 'AssumedRole' THEN r.userIdentity.sessionContext.sessionIssuer.arn ELSE r.userIdentity.arn END`;
const floorOver = (type) =>
  `SELECT DISTINCT ${identity} AS identity, r.eventSource, r.eventName FROM (SELECT unnest(Records) AS r FROM ${reader(type)}) WHERE r.eventTime >= '${start}' AND r.eventTime < '${end}' AND identity IS NOT NULL`;
// The change columns but event_id, in the summary's column order (event_id ... error_code, kind).
const summaryColumns = Object.keys(SUMMARY_RESULT_COLUMNS);
const changeKeys = summaryColumns.slice(
  summaryColumns.indexOf('event_id') + 1,
  summaryColumns.indexOf('kind'),
);
const stageInsert = (text) => `INSERT INTO staged BY NAME ${text}`;
const variants = {
  // (c) as the floor script runs it, over the same file list.
  floor: { sql: floorOver(floorType) },
  // The floor's query reading the stage's whole record type (the view's columns).
  'floor+columns': { sql: floorOver(fullType) },
  // ... with the two JSON columns typed JSON, and typed VARCHAR.
  'floor+columns(json typed)': {
    sql: floorOver(fullType.replace(/(responseElements|requestParameters) \w+,/g, '$1 JSON,')),
  },
  'floor+columns(json as varchar)': {
    sql: floorOver(fullType.replace(/(responseElements|requestParameters) \w+,/g, '$1 VARCHAR,')),
  },
  // ... without the two JSON columns at all.
  'floor+columns(no json)': {
    sql: floorOver(fullType.replace(/ (responseElements|requestParameters) \w+,/g, '')),
  },
  // ... plus each file's sentinel row (the view's list_append + unnest).
  'floor+columns+sentinel': {
    sql: floorOver(fullType).replace('unnest(Records)', 'unnest(list_append(coalesce(Records, []), NULL))'),
  },
  // Every column of the view, through the per-file sentinel rows (list_append + unnest), no grouping.
  'view scan': { sql: sqlOf.SCAN_LOG_FILES_SQL },
  // The stage query's records CTE, every expression computed, no grouping.
  'records, no group': {
    sql: `SELECT count(*), count(account_id), count(day), count(actor_arn), count(session_key), count(issued_key), count(event_id), count(iam_user_name), count(iam_created_key_id), count(log_file) FROM (${stage.sql.replace(/^with\s+"records" as \(/, 'SELECT * FROM (').replace(/\),\s*"events" as \([\s\S]*$/, ')')})`,
    params,
  },
  // The stage query as the engine runs it (rows into a table, dropped after).
  stage: { sql: stageInsert(stage.sql), params, after: 'DELETE FROM staged' },
  // ... the change columns but event_id aggregated (min) rather than grouping keys.
  'stage, change columns min()': {
    sql: stageInsert(
      changeKeys.reduce((text, key) => {
        const [select, groupBy] = text.split(' group by ');
        return `${select.replace(`, "${key}", `, `, min("${key}") as "${key}", `)} group by ${groupBy.replace(`, "${key}", `, ', ')}`;
      }, stage.sql),
    ),
    params,
    after: 'DELETE FROM staged',
  },
  // ... without the coverage grouping set (what it costs; not an answer-keeping change).
  'stage, no coverage set': {
    sql: stageInsert(
      stage.sql
        .replace(', ("account_id", "day", "log_path")', '')
        .replace('"log_path", count(', 'CAST(NULL AS VARCHAR) as "log_path", count(')
        .replace(' OR (GROUPING(log_path) = 0 AND day IS NOT NULL AND log_path IS NOT NULL)', ''),
    ),
    params,
    after: 'DELETE FROM staged',
  },
};
const chosen = only === undefined ? Object.keys(variants) : only.split(';');
if (chosen.includes('explain')) {
  const reader = await connection.runAndReadAll(`EXPLAIN ANALYZE ${stage.sql}`, params);
  // The stage query's plan with each operator's time and rows (`explain` as the only variant).
  console.log(
    reader
      .getRows()
      .map((row) => row.join('\n'))
      .join('\n'),
  );
  process.exit(0);
}
const times = Object.fromEntries(chosen.map((name) => [name, []]));
// CPU seconds of the process (DuckDB's threads included): what a loaded machine disturbs least.
const cpuTimes = Object.fromEntries(chosen.map((name) => [name, []]));
for (let round = 0; round < rounds; round += 1) {
  for (const name of chosen) {
    const variant = variants[name];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await connection.runAndReadAll(variant.sql, variant.params ?? []);
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    cpuTimes[name].push((used.user + used.system) / 1e6);
    if (variant.after !== undefined) await connection.run(variant.after);
    times[name].push(seconds);
    console.error(
      `round ${round + 1} ${name}: ${seconds.toFixed(2)} s (${result.currentRowCount || result.rowsChanged} rows)`,
    );
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const report = (label, table) => {
  const floor = table.floor === undefined ? undefined : median(table.floor);
  console.log(`${label}:`);
  for (const name of chosen) {
    const m = median(table[name]);
    console.log(
      `  ${name.padEnd(32)} ${table[name].map((t) => t.toFixed(2)).join(' / ')} s, median ${m.toFixed(2)} s${floor === undefined ? '' : `, ${(m / floor).toFixed(2)}x floor`}`,
    );
  }
};
report('wall', times);
report('CPU (user + system, all threads)', cpuTimes);
