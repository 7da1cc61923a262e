#!/usr/bin/env node
// Prints the distinct (identity, eventSource, eventName) set an iamtrail cache file holds, as TSV:
// the benchmark compares it with the jq pipeline's.
//   node scripts/bench/cached-set.mjs CACHE_FILE
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(process.argv[2], { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
const reader = await connection.runAndReadAll(
  'SELECT DISTINCT actor_arn, event_source, event_name FROM activity',
);
process.stdout.write(
  reader
    .getRows()
    .map((row) => `${row.join('\t')}\n`)
    .join(''),
);
