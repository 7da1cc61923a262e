#!/usr/bin/env node
// Loads a 1,000,000-row Athena summary result into an iamtrail cache two ways and compares them:
//   - s3:     the result object (<id>.csv, as Athena writes it) streamed with S3 GetObject to a
//             file, converted by DuckDB to Parquet, loaded DuckDB to DuckDB (the engine's path);
//   - paging: the old path, GetQueryResults 1,000 rows a call into JS rows, appended to the cache.
// Both run the real AthenaEngine (dist/) with the Athena and S3 clients mocked by
// aws-sdk-client-mock (StartQueryExecution, GetQueryExecution SUCCEEDED; GetObject serving the
// file; GetQueryResults serving 1,000-row pages made on demand from the same rows, so the mock
// holds one page at a time). Each path runs in a child process of its own, for its peak RSS.
// The mock answers in microseconds: the real API adds a round trip per page (1,000 for 1M rows)
// and JSON parsing of each page, which this does not count, so the paging times are a floor.
// Reads the built dist/ (`npx tsc -p tsconfig.build.json` first).
//   node scripts/bench/athena-results.mjs [ROWS]
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const [mode, rowsArg, csvArg] = process.argv.slice(2);

/** The summary's columns, as the dist contract has them. */
const { SUMMARY_RESULT_COLUMNS } = await import('../../dist/trail/activity-summary.js');
const COLUMNS = Object.keys(SUMMARY_RESULT_COLUMNS);
const DAYS = 30;
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444'];
const START = Date.parse('2026-10-01T00:00:00Z');
const day = (index) => new Date(START + (index % DAYS) * 86_400_000).toISOString().slice(0, 10);

/**
 * Row `index` of the result, cells as Athena returns them (strings; undefined for NULL): activity
 * rows of 2,000 actors x 500 events over 30 days, then one coverage row per (account, day).
 */
function cells(index, rows) {
  const coverageRows = ACCOUNTS.length * DAYS;
  const record = Object.fromEntries(COLUMNS.map((name) => [name, undefined]));
  if (index >= rows - coverageRows) {
    const at = index - (rows - coverageRows);
    Object.assign(record, {
      account_id: ACCOUNTS[at % ACCOUNTS.length],
      day: day(Math.floor(at / ACCOUNTS.length)),
      calls: '100',
      first_seen: `${day(Math.floor(at / ACCOUNTS.length))}T00:01:00Z`,
      last_seen: `${day(Math.floor(at / ACCOUNTS.length))}T23:59:00Z`,
      log_files: '24',
    });
  } else {
    const account = ACCOUNTS[index % ACCOUNTS.length];
    const actor = Math.floor(index / DAYS) % 2000;
    const event = Math.floor(index / (DAYS * 2000));
    const d = day(index);
    Object.assign(record, {
      account_id: account,
      day: d,
      actor_arn: `arn:aws:iam::${account}:role/service-role-${actor}`,
      actor_type: 'AssumedRole',
      caller_arn: actor % 3 === 0 ? `arn:aws:iam::${account}:user/person-${actor % 97}` : undefined,
      event_source: `service${event % 40}.amazonaws.com`,
      event_name: `Operation${event}`,
      outcome: index % 17 === 0 ? 'denied' : 'ok',
      calls: String(1 + (index % 1000)),
      first_seen: `${d}T08:00:00Z`,
      last_seen: `${d}T17:30:00Z`,
      log_files: '0',
    });
  }
  return COLUMNS.map((name) => record[name]);
}

const quote = (value) => (value === undefined ? '' : `"${value.replace(/"/g, '""')}"`);

async function writeCsv(file, rows) {
  const out = createWriteStream(file);
  const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  await write(`${COLUMNS.map(quote).join(',')}\n`);
  let chunk = '';
  for (let index = 0; index < rows; index += 1) {
    chunk += `${cells(index, rows).map(quote).join(',')}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise((resolve) => out.end(resolve));
}

async function runChild(rows, csv) {
  const { mockClient } = await import('aws-sdk-client-mock');
  const athenaSdk = await import('@aws-sdk/client-athena');
  const s3Sdk = await import('@aws-sdk/client-s3');
  const { AthenaEngine } = await import('../../dist/engines/athena/athena-engine.js');
  const { CacheStore } = await import('../../dist/cache/cache-store.js');
  const athena = new athenaSdk.AthenaClient({ region: 'us-east-1' });
  const s3 = new s3Sdk.S3Client({ region: 'us-east-1' });
  const athenaMock = mockClient(athena);
  const s3Mock = mockClient(s3);
  const location = 's3://results/iamtrail-results/q-bench.csv';
  athenaMock.on(athenaSdk.StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-bench' });
  athenaMock.on(athenaSdk.GetQueryExecutionCommand).resolves({
    QueryExecution: {
      QueryExecutionId: 'q-bench',
      Status: { State: 'SUCCEEDED' },
      Statistics: { DataScannedInBytes: 0 },
      ResultConfiguration: { OutputLocation: location },
    },
  });
  let pages = 0;
  const columnInfo = COLUMNS.map((name) => ({
    Name: name,
    Type: SUMMARY_RESULT_COLUMNS[name] === 'BIGINT' ? 'bigint' : 'varchar',
  }));
  athenaMock.on(athenaSdk.GetQueryResultsCommand).callsFake((input) => {
    pages += 1;
    const page = input.NextToken === undefined ? 0 : Number(input.NextToken);
    // The first page starts with the header row, as Athena's does.
    const first = page === 0 ? -1 : page * 1000 - 1;
    const last = Math.min(rows, (page + 1) * 1000 - 1);
    const out = [];
    for (let index = first; index < last; index += 1)
      out.push({
        Data: (index < 0 ? COLUMNS : cells(index, rows)).map((value) =>
          value === undefined ? {} : { VarCharValue: value },
        ),
      });
    return {
      ResultSet: { Rows: out, ResultSetMetadata: { ColumnInfo: columnInfo } },
      ...(last < rows ? { NextToken: String(page + 1) } : {}),
    };
  });
  let gets = 0;
  s3Mock.on(s3Sdk.GetObjectCommand).callsFake(() => {
    gets += 1;
    return { Body: createReadStream(csv) };
  });

  const work = mkdtempSync(join(tmpdir(), 'iamtrail-bench-athena-'));
  try {
    const engine = new AthenaEngine({
      athena: { database: 'iamtrail', workgroup: 'primary', table: 'cloudtrail' },
      region: 'us-east-1',
      accountIds: ACCOUNTS,
      client: athena,
      outputLocation: 's3://results/iamtrail-results/',
      reporter: { warn: () => undefined, note: () => undefined },
      pollInitialMs: 1,
      ...(mode === 's3' ? { spillDir: work, s3 } : {}),
    });
    const started = process.hrtime.bigint();
    const summary = await engine.summarize({ startDay: day(0), endDay: day(DAYS - 1) });
    const summarized = process.hrtime.bigint();
    const store = await CacheStore.open(join(work, 'cache.duckdb'));
    const days = Array.from({ length: DAYS }, (_, index) => day(index));
    await store.writeDays(
      'athena:bench',
      days,
      summary.rowsFile === undefined ? summary.rows : { file: summary.rowsFile },
      summary.coverage,
    );
    const written = process.hrtime.bigint();
    const [status] = await store.status();
    await store.close();
    await engine.close();
    process.stdout.write(
      JSON.stringify({
        summarizeSeconds: Number(summarized - started) / 1e9,
        writeSeconds: Number(written - summarized) / 1e9,
        totalSeconds: Number(written - started) / 1e9,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        cachedRows: status?.rows,
        getQueryResultsCalls: pages,
        getObjectCalls: gets,
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (mode === 's3' || mode === 'paging') {
  await runChild(Number(rowsArg), csvArg);
} else {
  const rows = Number(mode ?? 1_000_000);
  const work = mkdtempSync(join(tmpdir(), 'iamtrail-bench-csv-'));
  try {
    const csv = join(work, 'q-bench.csv');
    await writeCsv(csv, rows);
    console.log(
      `result object: ${rows.toLocaleString('en-US')} rows, ${(statSync(csv).size / 1024 ** 2).toFixed(1)} MiB of CSV (${COLUMNS.length} columns)`,
    );
    const measure = (path) =>
      JSON.parse(
        execFileSync(process.execPath, [SCRIPT, path, String(rows), csv], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        }),
      );
    const s3 = measure('s3');
    const paging = measure('paging');
    const line = (name, result) =>
      `${name.padEnd(8)} load ${result.totalSeconds.toFixed(2)} s (engine ${result.summarizeSeconds.toFixed(2)} s + cache ${result.writeSeconds.toFixed(2)} s), peak RSS ${result.peakRssMb.toFixed(0)} MiB, ${result.cachedRows} rows cached, ${result.getQueryResultsCalls} GetQueryResults, ${result.getObjectCalls} GetObject`;
    console.log(line('s3', s3));
    console.log(line('paging', paging));
    console.log(
      `paging / s3: ${(paging.totalSeconds / s3.totalSeconds).toFixed(1)}x the time, ${(paging.peakRssMb / s3.peakRssMb).toFixed(1)}x the peak RSS`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
