#!/usr/bin/env node
// The scale model of docs/scale.md: measures its inputs here, then computes its table from them and
// from AWS's published prices and limits (each with its source, in CONSTANTS below).
//
// Measured, on the benchmark trails (scripts/generate-trail.mjs) with the built binary (bin/run.js
// reading dist/; `npm run build` first) and a fresh cache for each tree:
//   - the logs: files, compressed bytes (what Athena scans and bills for gzip JSON), uncompressed
//     bytes and events, per account-day (events counted by DuckDB from the files themselves);
//   - `iamtrail --list users` over the window, then `iamtrail policy generate` for one user on the
//     same cache: after each, the rows of every table the logs fill (the tables with a `day`
//     column), the cache file's size, its size after CHECKPOINT, and each table's bytes alone in a
//     file of its own (the cache is opened read-only with @duckdb/node-api; the copies are ours);
//   - the Athena summary query's text: its length and parameters for 1 to 1,000 accounts, from the
//     engine itself (dist/) with the Athena client mocked (aws-sdk-client-mock);
//   - the load of a result object into the cache: scripts/bench/athena-results.mjs (its S3 path,
//     and the old paging path for comparison), run as a child process.
// Writes docs/scale-inputs.json (with the date, machine and commit) and the table between the
// markers of docs/scale.md.
//
//   npm run bench:scale                           measure, write docs/scale-inputs.json and the table
//   npm run bench:scale -- --model-only           the table again from docs/scale-inputs.json
//   options: --sizes N[,N...] (trees of 30 days, default 100000,1000000)
//            --dense N (a tree of N events in 1 day, 0 for none; default 1000000)
//            --load-rows N (rows of the load benchmark, 0 to skip; default 1000000)
//            --memory-rows N (the S3 path alone on a larger result, default 4000000; 0 to skip)
//            --work DIR (the trees; default $TMPDIR/iamtrail-bench, shared with npm run bench)
//            --no-write
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Buffer } from 'node:buffer';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INPUTS = join(REPO, 'docs/scale-inputs.json');
const DOC = join(REPO, 'docs/scale.md');
const START = '2026-10-01';
const TABLE_START = '<!-- scale-table:start (written by npm run bench:scale) -->';
const TABLE_END = '<!-- scale-table:end -->';

/**
 * AWS's published prices and limits the model uses, each with the page that states it (us-east-1
 * prices). Not measured here: there is no AWS account on this machine.
 */
export const CONSTANTS = {
  athenaDollarsPerTb: {
    value: 5,
    source: 'https://aws.amazon.com/athena/pricing/',
    note: 'SQL queries: $5.00 per TB scanned, bytes rounded up to the megabyte, 10 MB minimum per query; compressing the data reduces the bytes scanned, i.e. Athena bills the bytes it reads from S3 (for CloudTrail, the gzip bytes). Read in the stored Japanese copy of the page (https://aws.amazon.com/jp/athena/pricing/).',
  },
  athenaMinimumBytesPerQuery: { value: 10 * 1e6, source: 'https://aws.amazon.com/athena/pricing/' },
  athenaQueryStringBytes: {
    value: 262_144,
    source: 'https://docs.aws.amazon.com/athena/latest/ug/service-limits.html',
    note: 'maximum query string length in UTF-8 bytes; not adjustable',
  },
  athenaDmlTimeoutMaxMinutes: {
    value: 240,
    source: 'https://docs.aws.amazon.com/athena/latest/ug/service-limits.html',
    note: 'DML query timeout: a quota that can be raised to at most 240 minutes; its default is shown in the Service Quotas console (30 minutes is the usual value, not verified here)',
  },
  athenaActiveDmlQueries: {
    value: null,
    source: 'https://docs.aws.amazon.com/athena/latest/ug/service-limits.html',
    note: 'active DML queries, running and queued, per account and Region (the value varies by Region; Service Quotas console): shared by everyone using the account; the query past it fails with TooManyRequestsException',
  },
  s3GetDollarsPer1000: {
    value: 0.0004,
    source: 'https://aws.amazon.com/s3/pricing/',
    note: 'S3 Standard, us-east-1, GET and other requests; the stored copy of the AWS page renders its prices from templates, the figure was read in a transcription (https://c3x.dev/blog/s3-request-fees-explained)',
  },
  s3PutDollarsPer1000: {
    value: 0.005,
    source: 'https://aws.amazon.com/s3/pricing/',
    note: 'S3 Standard, us-east-1, PUT, COPY, POST, LIST requests (same reading as above)',
  },
};

/** What the model assumes where nothing is published or measurable here. */
export const ASSUMPTIONS = {
  athenaDmlTimeoutMinutes: {
    value: 30,
    note: 'the DML query timeout in force (a quota: see athenaDmlTimeoutMaxMinutes); 30 minutes is the usual default, not verified here',
  },
  athenaScanBytesPerSecond: {
    value: 1e9,
    note: 'Athena scan rate of one query over gzip JSON (compressed bytes per second). No such figure by AWS was found and it cannot be measured without an AWS account: 1 GB/s is an assumption. Replace it with DataScannedInBytes / EngineExecutionTimeInMillis of a real run (GetQueryExecution statistics).',
  },
  chunkDays: {
    value: 30,
    note: 'a chunk is at most a calendar month (src/analysis/read-chunks.ts), fewer days when it would scan more than athena.chunk_scan_gb; a rolling year of 365 days spans 13 chunks (two part months), modelled as 13 chunks of 30 days (the last 5)',
  },
  concurrency: { value: 4, note: 'athena.concurrency, default 4 (summary queries of a long window at once)' },
  daysPerYear: { value: 365, note: '' },
};

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    dense: { type: 'string', default: '1000000' },
    'load-rows': { type: 'string', default: '1000000' },
    'memory-rows': { type: 'string' },
    work: { type: 'string', default: join(tmpdir(), 'iamtrail-bench') },
    'model-only': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});

const sh = (value) => `'${value.replace(/'/g, "'\\''")}'`;

/** Runs a command under GNU time (when present): wall seconds, peak RSS (MiB), stdout. */
function run(command) {
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const started = process.hrtime.bigint();
  const result = spawnSync(
    time ?? 'sh',
    time === undefined ? ['-c', command] : ['-f', '%M', 'sh', '-c', command],
    {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    console.error(`failed (${result.status}): ${command}\n${result.stderr}`);
    process.exit(1);
  }
  const rss = time === undefined ? undefined : Number(result.stderr.trim().split('\n').at(-1)) / 1024;
  return { seconds, peakRssMiB: rss, stdout: result.stdout };
}

function ensureTree(events, days) {
  const dir = join(values.work, days === 30 ? `trail-${events}` : `trail-${events}-${days}d`);
  if (!existsSync(join(dir, '.complete'))) {
    rmSync(dir, { recursive: true, force: true });
    console.error(`generating ${events} events over ${days} day(s) into ${dir} ...`);
    const generated = spawnSync(
      process.execPath,
      [
        'scripts/generate-trail.mjs',
        '--events',
        String(events),
        '--out',
        dir,
        '--days',
        String(days),
        '--start',
        START,
      ],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (generated.status !== 0) process.exit(1);
    writeFileSync(join(dir, '.complete'), `${events}\n`);
  }
  return dir;
}

function logFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((name) => name.endsWith('.json.gz'))
    .map((name) => join(dir, name));
}

async function duckdb() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  return { instance, connection: await instance.connect() };
}

const rowsOf = async (connection, sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();

/** The logs: files, bytes, and events per (account, day) counted from the records. */
async function measureLogs(dir) {
  const files = logFiles(join(dir, 'logs'));
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  for (const file of files) {
    const gz = readFileSync(file);
    compressedBytes += gz.length;
    uncompressedBytes += gunzipSync(gz).length;
  }
  const { instance, connection } = await duckdb();
  const perAccountDay = await rowsOf(
    connection,
    `SELECT regexp_extract(filename, '/(\\d{12})/CloudTrail/', 1) AS account_id, substr(r.eventTime, 1, 10) AS day,
            count(*) AS events
       FROM (SELECT filename, unnest(Records) AS r
               FROM read_json(${sh(join(dir, 'logs', '**', '*.json.gz'))},
                              columns = {Records: 'STRUCT(eventTime VARCHAR)[]'}, filename = true,
                              hive_partitioning = false, maximum_object_size = 268435456))
      GROUP BY ALL`,
  );
  connection.closeSync();
  instance.closeSync();
  const events = perAccountDay.reduce((sum, row) => sum + Number(row.events), 0);
  const accountDays = perAccountDay.length;
  return {
    files: files.length,
    compressedBytes,
    uncompressedBytes,
    events,
    accounts: new Set(perAccountDay.map((row) => row.account_id)).size,
    days: new Set(perAccountDay.map((row) => row.day)).size,
    accountDays,
    eventsPerAccountDay: events / accountDays,
    filesPerAccountDay: files.length / accountDays,
    compressedBytesPerMillionEvents: (compressedBytes / events) * 1e6,
    compressedBytesPerEvent: compressedBytes / events,
    uncompressedBytesPerEvent: uncompressedBytes / events,
  };
}

/**
 * The cache after a run: rows of every table the logs fill (those with a `day` column), the file's
 * size as iamtrail left it and after CHECKPOINT (of a copy), and each table's bytes alone in a
 * file of its own (its size minus an empty file's).
 */
async function measureCache(cacheFile, work) {
  const { instance, connection } = await duckdb();
  await connection.run(`ATTACH ${sh(cacheFile)} AS c (READ_ONLY)`);
  const tables = (
    await rowsOf(
      connection,
      `SELECT DISTINCT table_name FROM information_schema.columns
        WHERE table_catalog = 'c' AND table_schema = 'main' AND column_name = 'day' ORDER BY 1`,
    )
  ).map((row) => row.table_name);
  const rows = {};
  for (const table of tables)
    rows[table] = Number((await rowsOf(connection, `SELECT count(*) AS n FROM c."${table}"`))[0].n);
  const sizeOf = (file) =>
    statSync(file).size + (existsSync(`${file}.wal`) ? statSync(`${file}.wal`).size : 0);
  const fresh = async (name, fill) => {
    const file = join(work, `${name}.duckdb`);
    rmSync(file, { force: true });
    await connection.run(`ATTACH ${sh(file)} AS o`);
    await fill();
    await connection.run('DETACH o');
    const size = sizeOf(file);
    rmSync(file, { force: true });
    return size;
  };
  const emptyFileBytes = await fresh('empty', async () => undefined);
  const tableBytes = {};
  for (const table of tables)
    if (rows[table] > 0)
      tableBytes[table] =
        (await fresh(`table-${table}`, () =>
          connection.run(`CREATE TABLE o."${table}" AS SELECT * FROM c."${table}"`),
        )) - emptyFileBytes;
  await connection.run('DETACH c');
  const copy = join(work, 'checkpointed.duckdb');
  copyFileSync(cacheFile, copy);
  await connection.run(`ATTACH ${sh(copy)} AS k`);
  await connection.run('CHECKPOINT k');
  await connection.run('DETACH k');
  const checkpointedBytes = sizeOf(copy);
  rmSync(copy, { force: true });
  connection.closeSync();
  instance.closeSync();
  const summaryRows = Object.values(rows).reduce((sum, n) => sum + n, 0);
  return {
    rows,
    summaryRows,
    fileBytes: sizeOf(cacheFile),
    checkpointedBytes,
    bytesPerRow: sizeOf(cacheFile) / summaryRows,
    checkpointedBytesPerRow: checkpointedBytes / summaryRows,
    tableBytes,
    tableBytesPerRow: Object.fromEntries(
      Object.entries(tableBytes).map(([table, bytes]) => [table, bytes / rows[table]]),
    ),
    emptyFileBytes,
  };
}

async function measureTree(label, events, days) {
  const dir = ensureTree(events, days);
  const endDay = new Date(Date.parse(`${START}T00:00:00Z`) + (days - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  console.error(`${label}: ${dir}`);
  const logs = await measureLogs(dir);
  console.error(
    `  logs: ${logs.events} events, ${logs.files} files, ${logs.compressedBytes} bytes gzip, ${logs.accountDays} account-days`,
  );
  const work = mkdtempSync(join(tmpdir(), 'iamtrail-scale-'));
  try {
    const cache = join(work, 'cache.duckdb');
    const common = `--config ${sh(join(dir, 'config.yaml'))} --account acct1 --start ${START} --end ${endDay} --cache ${sh(cache)}`;
    const commands = {
      listUsers: `node bin/run.js --list users ${common} > /dev/null`,
      policyGenerate: `node bin/run.js policy generate --user user-001 ${common} --output ${sh(join(work, 'policy.json'))} > /dev/null`,
    };
    const runs = {};
    for (const [name, command] of Object.entries(commands)) {
      const { seconds, peakRssMiB } = run(command);
      const cacheStats = await measureCache(cache, work);
      runs[name] = {
        command: command.replaceAll(dir, 'TREE').replaceAll(work, 'WORK'),
        seconds,
        peakRssMiB,
        ...cacheStats,
        rowsPerMillionEvents: Object.fromEntries(
          Object.entries(cacheStats.rows).map(([table, n]) => [table, (n / logs.events) * 1e6]),
        ),
        rowsPerAccountDay: Object.fromEntries(
          Object.entries(cacheStats.rows).map(([table, n]) => [table, n / logs.accountDays]),
        ),
      };
      console.error(
        `  ${name}: ${seconds.toFixed(1)} s, ${Object.entries(cacheStats.rows)
          .map(([table, n]) => `${table} ${n}`)
          .join(
            ', ',
          )}; cache ${cacheStats.fileBytes} bytes (${cacheStats.checkpointedBytes} after CHECKPOINT)`,
      );
    }
    return {
      label,
      tree: { events, days, start: START, generator: 'scripts/generate-trail.mjs' },
      logs,
      runs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The summary query's text and parameters as the Athena engine (dist/) sends them for N accounts
 * (a 30-day window), without the resource columns (`--list users`, `audit`: resources are read
 * lazily) and with them (`policy generate`, `boundary`): StartQueryExecution is mocked to capture
 * them, and the execution then fails. The bytes the engine budgets (its MAX_QUERY_BYTES) are the
 * text plus the bound values.
 */
async function measureQueryText(accountCounts) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { mockClient } = await import('aws-sdk-client-mock');
  const athenaSdk = await import('@aws-sdk/client-athena');
  const { AthenaEngine, MAX_QUERY_BYTES } = await import('../../dist/engines/athena/athena-engine.js');
  const measure = async (resources) => {
    const out = [];
    for (const count of accountCounts) {
      const athena = new athenaSdk.AthenaClient({ region: 'us-east-1' });
      const mock = mockClient(athena);
      const sent = [];
      mock.on(athenaSdk.StartQueryExecutionCommand).callsFake((input) => {
        sent.push(input);
        return { QueryExecutionId: 'q-text' };
      });
      mock.on(athenaSdk.GetQueryExecutionCommand).resolves({
        QueryExecution: {
          QueryExecutionId: 'q-text',
          Status: { State: 'FAILED', StateChangeReason: 'measured' },
        },
      });
      const accountIds = Array.from({ length: count }, (_, index) => String(100000000000 + index));
      const engine = new AthenaEngine({
        athena: { database: 'iamtrail', workgroup: 'primary', table: 'cloudtrail' },
        region: 'us-east-1',
        accountIds,
        client: athena,
        outputLocation: 's3://results/iamtrail-results/',
        reporter: { warn: () => undefined, note: () => undefined },
        pollInitialMs: 1,
      });
      await engine
        .summarize({ startDay: '2026-10-01', endDay: '2026-10-30', resources })
        .catch(() => undefined);
      await engine.close?.();
      if (sent.length !== 1) throw new Error(`the engine sent ${sent.length} StartQueryExecution(s), not 1`);
      const [input] = sent;
      const queryStringBytes = Buffer.byteLength(input.QueryString, 'utf8');
      const parameterBytes = (input.ExecutionParameters ?? []).reduce(
        (sum, value) => sum + Buffer.byteLength(value, 'utf8'),
        0,
      );
      out.push({
        accounts: count,
        queryStringBytes,
        executionParameters: input.ExecutionParameters?.length ?? 0,
        parameterBytes,
        bytes: queryStringBytes + parameterBytes,
      });
    }
    const [first, last] = [out[0], out.at(-1)];
    const per = (key) => (last[key] - first[key]) / (last.accounts - first.accounts);
    return {
      samples: out,
      bytesPerAccount: per('bytes'),
      baseBytes: first.bytes - per('bytes') * first.accounts,
      queryStringBytesPerAccount: per('queryStringBytes'),
      queryStringBaseBytes: first.queryStringBytes - per('queryStringBytes') * first.accounts,
    };
  };
  return {
    window: '2026-10-01..2026-10-30',
    engineBudgetBytes: MAX_QUERY_BYTES,
    summary: await measure(false),
    withResources: await measure(true),
  };
}

/** scripts/bench/athena-results.mjs ROWS, parsed: the S3 path's load, and the paging path's. */
function measureLoad(rows) {
  console.error(`load benchmark: node scripts/bench/athena-results.mjs ${rows} ...`);
  const loadBefore = loadavg();
  const text = execFileSync(process.execPath, ['scripts/bench/athena-results.mjs', String(rows)], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  console.error(text.trim());
  const object = /result object: ([\d,]+) rows, ([\d.]+) MiB of CSV/.exec(text);
  const path = (name) => {
    const match = new RegExp(
      `^${name}\\s+load ([\\d.]+) s \\(engine ([\\d.]+) s \\+ cache ([\\d.]+) s\\), peak RSS (\\d+) MiB, (\\d+) rows cached`,
      'm',
    ).exec(text);
    if (match === null) throw new Error(`athena-results.mjs printed no ${name} line:\n${text}`);
    return {
      seconds: Number(match[1]),
      engineSeconds: Number(match[2]),
      cacheSeconds: Number(match[3]),
      peakRssMiB: Number(match[4]),
      rowsCached: Number(match[5]),
    };
  };
  const s3 = path('s3');
  return {
    command: `node scripts/bench/athena-results.mjs ${rows}`,
    rows: Number(object[1].replace(/,/g, '')),
    csvBytesPerRow: (Number(object[2]) * 2 ** 20) / Number(object[1].replace(/,/g, '')),
    s3,
    paging: path('paging'),
    s3RowsPerSecond: s3.rowsCached / s3.seconds,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
    output: text.trim(),
  };
}

/**
 * Peak RSS of the S3 path for a larger result object than athena-results.mjs writes: DuckDB writes
 * a CSV of N rows in Athena's form (every value quoted, NULL an empty field) with the summary's
 * columns (activity rows of 2,000 actors x 500 events over the same 30 days, then one coverage
 * row per account-day), and athena-results.mjs loads it through its S3 path only (`s3 N FILE`).
 */
async function measureLoadMemory(rows) {
  const { SUMMARY_RESULT_COLUMNS } = await import('../../dist/trail/activity-summary.js');
  const work = mkdtempSync(join(tmpdir(), 'iamtrail-scale-csv-'));
  try {
    const csv = join(work, 'q-bench.csv');
    const { instance, connection } = await duckdb();
    const accounts = "['111111111111', '222222222222', '333333333333', '444444444444']";
    const activity = {
      account_id: `${accounts}[1 + i % 4]`,
      day: "strftime(DATE '2026-10-01' + CAST(i % 30 AS INTEGER), '%Y-%m-%d')",
      actor_arn: `'arn:aws:iam::' || ${accounts}[1 + i % 4] || ':role/service-role-' || (i // 30) % 2000`,
      actor_type: "'AssumedRole'",
      caller_arn: `CASE WHEN (i // 30) % 3 = 0 THEN 'arn:aws:iam::' || ${accounts}[1 + i % 4] || ':user/person-' || (i // 30) % 97 END`,
      event_source: "'service' || (i // 60000) % 40 || '.amazonaws.com'",
      event_name: "'Operation' || i // 60000",
      outcome: "CASE WHEN i % 17 = 0 THEN 'denied' ELSE 'ok' END",
      calls: '1 + i % 1000',
      first_seen: "strftime(DATE '2026-10-01' + CAST(i % 30 AS INTEGER), '%Y-%m-%d') || 'T08:00:00Z'",
      last_seen: "strftime(DATE '2026-10-01' + CAST(i % 30 AS INTEGER), '%Y-%m-%d') || 'T17:30:00Z'",
      log_files: '0',
    };
    const coverage = {
      account_id: `${accounts}[1 + i % 4]`,
      day: "strftime(DATE '2026-10-01' + CAST(i // 4 AS INTEGER), '%Y-%m-%d')",
      calls: '100',
      first_seen: "strftime(DATE '2026-10-01' + CAST(i // 4 AS INTEGER), '%Y-%m-%d') || 'T00:01:00Z'",
      last_seen: "strftime(DATE '2026-10-01' + CAST(i // 4 AS INTEGER), '%Y-%m-%d') || 'T23:59:00Z'",
      log_files: '24',
    };
    const select = (values, from) =>
      `SELECT ${Object.entries(SUMMARY_RESULT_COLUMNS)
        .map(([name, type]) => `CAST(${values[name] ?? 'NULL'} AS ${type}) AS ${name}`)
        .join(', ')} FROM ${from}`;
    await connection.run(
      `COPY (${select(activity, `range(${rows - 120}) t(i)`)} UNION ALL ${select(coverage, 'range(120) t(i)')})
         TO ${sh(csv)} (FORMAT csv, HEADER, FORCE_QUOTE *)`,
    );
    connection.closeSync();
    instance.closeSync();
    const result = JSON.parse(
      execFileSync(process.execPath, ['scripts/bench/athena-results.mjs', 's3', String(rows), csv], {
        cwd: REPO,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      }),
    );
    console.error(
      `S3 path, ${rows} rows: ${result.totalSeconds.toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(0)} MiB, ${result.cachedRows} rows cached`,
    );
    return {
      command: `node scripts/bench/athena-results.mjs s3 ${rows} <CSV written by scale.mjs>`,
      rows,
      csvBytes: statSync(csv).size,
      seconds: result.totalSeconds,
      peakRssMiB: result.peakRssMb,
      rowsCached: result.cachedRows,
      rowsPerSecond: result.cachedRows / result.totalSeconds,
      loadAverage: loadavg(),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- the model -------------------------------------------------------------------------------

const ACCOUNTS = [10, 100, 1000];
const EVENTS_PER_ACCOUNT_DAY = [100_000, 1_000_000];

/** Summary rows (every table but resource_usage) and resource rows per account-day of a run. */
function rowsPerAccountDay(run) {
  const resource = run.rowsPerAccountDay.resource_usage ?? 0;
  const all = Object.values(run.rowsPerAccountDay).reduce((sum, n) => sum + n, 0);
  return { summary: all - resource, resource };
}

/**
 * Where each of the model's rates comes from (all from the `policy generate` run, which reads
 * resources whether or not `--list users` does):
 * - gzip bytes per event: the 30-day tree with the most events (its files hold about as many
 *   events as CloudTrail's few-minute files do at these rates; the 1-day tree's much larger files
 *   compress better, the 100k tree's smaller ones worse: the range is in the inputs);
 * - rows per account-day: a power law rows = a * events^b through the two densest trees (rows grow
 *   slower than events: a busy account repeats the same actor, event and outcome);
 * - cache bytes per row: the largest cache measured (the least block overhead), after CHECKPOINT.
 */
function basisOf(inputs) {
  const trees = [...inputs.trees].sort((x, y) => x.logs.eventsPerAccountDay - y.logs.eventsPerAccountDay);
  const bytesTree = inputs.trees
    .filter((tree) => tree.tree.days === 30)
    .reduce((best, tree) => (tree.logs.events > best.logs.events ? tree : best));
  const [low, high] = trees.slice(-2);
  const fit = (key) => {
    const y0 = rowsPerAccountDay(low.runs.policyGenerate)[key];
    const y1 = rowsPerAccountDay(high.runs.policyGenerate)[key];
    const exponent =
      Math.log(y1 / y0) / Math.log(high.logs.eventsPerAccountDay / low.logs.eventsPerAccountDay);
    return {
      exponent,
      at: (events) => y1 * (events / high.logs.eventsPerAccountDay) ** exponent,
      from: [low.label, high.label],
    };
  };
  const cacheTree = inputs.trees.reduce((best, tree) =>
    tree.runs.policyGenerate.summaryRows > best.runs.policyGenerate.summaryRows ? tree : best,
  );
  return {
    bytesTree,
    summaryFit: fit('summary'),
    resourceFit: fit('resource'),
    cacheTree,
    bytesPerRow: cacheTree.runs.policyGenerate.checkpointedBytesPerRow,
    // The cache a report leaves (resources are read lazily: `--list users` writes no resource
    // rows), per summary row; and what `policy generate` then adds to the file, per resource row.
    summaryBytesPerRow: cacheTree.runs.listUsers.checkpointedBytesPerRow,
    resourceBytesPerRow:
      (cacheTree.runs.policyGenerate.checkpointedBytes - cacheTree.runs.listUsers.checkpointedBytes) /
      cacheTree.runs.policyGenerate.rows.resource_usage,
  };
}

/** Athena dollars for queries scanning these bytes each: the 10 MB minimum, megabytes rounded up. */
function athenaDollars(bytesPerQuery, queries) {
  const billed = Math.max(CONSTANTS.athenaMinimumBytesPerQuery.value, Math.ceil(bytesPerQuery / 1e6) * 1e6);
  return ((billed * queries) / 1e12) * CONSTANTS.athenaDollarsPerTb.value;
}

export function model(inputs) {
  const basis = basisOf(inputs);
  const { bytesPerRow, summaryBytesPerRow, resourceBytesPerRow } = basis;
  const scanRate = ASSUMPTIONS.athenaScanBytesPerSecond.value;
  const { chunkDays, concurrency, daysPerYear } = {
    chunkDays: ASSUMPTIONS.chunkDays.value,
    concurrency: ASSUMPTIONS.concurrency.value,
    daysPerYear: ASSUMPTIONS.daysPerYear.value,
  };
  const loadRowsPerSecond = inputs.load.s3RowsPerSecond;
  // Peak RSS of the S3 path as a line through its two measurements (1,000,000 rows and the
  // larger result): MiB = base + perRow * rows.
  const memory =
    inputs.loadMemory === undefined
      ? undefined
      : (() => {
          const perRow =
            (inputs.loadMemory.peakRssMiB - inputs.load.s3.peakRssMiB) /
            (inputs.loadMemory.rows - inputs.load.rows);
          return { perRow, base: inputs.load.s3.peakRssMiB - perRow * inputs.load.rows };
        })();
  const peakMiB = (rows) => (memory === undefined ? undefined : memory.base + memory.perRow * rows);
  const csvBytesPerRow = inputs.load.csvBytesPerRow;
  const text = inputs.queryText;
  const rows = [];
  for (const accounts of ACCOUNTS)
    for (const perAccountDay of EVENTS_PER_ACCOUNT_DAY) {
      const eventsPerDay = accounts * perAccountDay;
      const bytesPerDay = (eventsPerDay / 1e6) * basis.bytesTree.logs.compressedBytesPerMillionEvents;
      const bytesPerYear = bytesPerDay * daysPerYear;
      const chunks = Math.ceil(daysPerYear / chunkDays);
      const chunkBytes = bytesPerDay * chunkDays;
      const summaryRowsPerDay = accounts * basis.summaryFit.at(perAccountDay);
      const resourceRowsPerDay = accounts * basis.resourceFit.at(perAccountDay);
      // Two kinds of question: a report (`--list users`, `audit`: summary rows only) and one that
      // reads resources (`policy generate`, `boundary`: summary and resource rows).
      const allRowsPerDay = summaryRowsPerDay + resourceRowsPerDay;
      const chunkAthenaSeconds = chunkBytes / scanRate;
      const athenaWallSeconds = Math.ceil(chunks / concurrency) * chunkAthenaSeconds;
      const loadSecondsOf = (perDay) => (perDay * daysPerYear) / loadRowsPerSecond;
      // Chunks are loaded one after another as they complete: the answer comes when both the last
      // chunk has run and every chunk's rows are loaded.
      const firstAnswerOf = (loadSeconds) =>
        Math.max(athenaWallSeconds + loadSeconds / chunks, chunkAthenaSeconds + loadSeconds);
      const getsPerDay = accounts * basis.bytesTree.logs.filesPerAccountDay;
      rows.push({
        accounts,
        eventsPerAccountDay: perAccountDay,
        eventsPerDay,
        bytesScannedPerDay: bytesPerDay,
        bytesScannedPerYear: bytesPerYear,
        // Months of 30 days, the last one shorter: each chunk is one query, billed on its own.
        athenaDollarsFirstYear:
          athenaDollars(chunkBytes, chunks - 1) +
          athenaDollars(bytesPerDay * (daysPerYear - chunkDays * (chunks - 1)), 1),
        athenaDollarsDailyRefresh: athenaDollars(bytesPerDay, 1),
        s3GetDollarsFirstYear: ((getsPerDay * daysPerYear) / 1000) * CONSTANTS.s3GetDollarsPer1000.value,
        summaryRowsPerDay,
        resourceRowsPerDay,
        chunkRows: summaryRowsPerDay * chunkDays,
        chunkRowsWithResources: allRowsPerDay * chunkDays,
        chunkPeakMiB: peakMiB(summaryRowsPerDay * chunkDays),
        chunkPeakMiBWithResources: peakMiB(allRowsPerDay * chunkDays),
        dailyPeakMiB: peakMiB(summaryRowsPerDay),
        dailyPeakMiBWithResources: peakMiB(allRowsPerDay),
        chunkCsvBytes: summaryRowsPerDay * chunkDays * csvBytesPerRow,
        chunkCsvBytesWithResources: allRowsPerDay * chunkDays * csvBytesPerRow,
        cacheBytesPerYear: summaryRowsPerDay * daysPerYear * summaryBytesPerRow,
        cacheBytesPerYearWithResources:
          (summaryRowsPerDay * summaryBytesPerRow + resourceRowsPerDay * resourceBytesPerRow) * daysPerYear,
        chunkAthenaSeconds,
        athenaWallSeconds,
        loadSeconds: loadSecondsOf(summaryRowsPerDay),
        loadSecondsWithResources: loadSecondsOf(allRowsPerDay),
        dailyLoadSeconds: summaryRowsPerDay / loadRowsPerSecond,
        dailyLoadSecondsWithResources: allRowsPerDay / loadRowsPerSecond,
        firstAnswerSeconds: firstAnswerOf(loadSecondsOf(summaryRowsPerDay)),
        firstAnswerSecondsWithResources: firstAnswerOf(loadSecondsOf(allRowsPerDay)),
        queryBytes: text.summary.baseBytes + text.summary.bytesPerAccount * accounts,
        queryBytesWithResources: text.withResources.baseBytes + text.withResources.bytesPerAccount * accounts,
      });
    }
  return {
    basis: {
      bytesFrom: basis.bytesTree.label,
      compressedBytesPerMillionEvents: basis.bytesTree.logs.compressedBytesPerMillionEvents,
      filesPerAccountDay: basis.bytesTree.logs.filesPerAccountDay,
      rowsFrom: basis.summaryFit.from,
      summaryRowsExponent: basis.summaryFit.exponent,
      resourceRowsExponent: basis.resourceFit.exponent,
      summaryRowsPerAccountDay: Object.fromEntries(
        EVENTS_PER_ACCOUNT_DAY.map((events) => [events, basis.summaryFit.at(events)]),
      ),
      resourceRowsPerAccountDay: Object.fromEntries(
        EVENTS_PER_ACCOUNT_DAY.map((events) => [events, basis.resourceFit.at(events)]),
      ),
      bytesPerRowFrom: basis.cacheTree.label,
      loadMemory: memory,
      bytesPerRow,
      summaryBytesPerRow,
      resourceBytesPerRow,
      loadRowsPerSecond,
      csvBytesPerRow,
      scanRate,
      // Accounts in one query before the engine splits them (its budget of text + values), for
      // the larger query (with the resource columns) and the report's.
      engineBudgetBytes: text.engineBudgetBytes,
      maxAccountsPerQuery: Math.floor(
        (text.engineBudgetBytes - text.withResources.baseBytes) / text.withResources.bytesPerAccount,
      ),
      maxAccountsPerReportQuery: Math.floor(
        (text.engineBudgetBytes - text.summary.baseBytes) / text.summary.bytesPerAccount,
      ),
      maxChunkBytesWithinTimeout: scanRate * ASSUMPTIONS.athenaDmlTimeoutMinutes.value * 60,
      maxChunkBytesWithinMaxTimeout: scanRate * CONSTANTS.athenaDmlTimeoutMaxMinutes.value * 60,
    },
    rows,
  };
}

const SI = (value, unit) => {
  const steps = ['', 'k', 'M', 'G', 'T', 'P'];
  let index = 0;
  let scaled = value;
  while (Math.abs(scaled) >= 1000 && index < steps.length - 1) {
    scaled /= 1000;
    index += 1;
  }
  const digits = scaled >= 100 || index === 0 ? 0 : scaled >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)} ${steps[index]}${unit}`;
};
const dollars = (value) =>
  value >= 1000
    ? `$${Math.round(value).toLocaleString('en-US')}`
    : value >= 0.01
      ? `$${value.toFixed(value >= 10 ? 0 : 2)}`
      : `$${value.toPrecision(1)}`;
const duration = (seconds) =>
  seconds < 120
    ? `${seconds.toFixed(0)} s`
    : seconds < 7200
      ? `${(seconds / 60).toFixed(0)} min`
      : seconds < 172_800
        ? `${(seconds / 3600).toFixed(1)} h`
        : `${(seconds / 86_400).toFixed(1)} days`;
const count = (value) => SI(value, '').trim();

export function renderTable(inputs) {
  const { basis, rows } = model(inputs);
  const lines = [
    TABLE_START,
    '',
    `Inputs: ${SI(basis.compressedBytesPerMillionEvents, 'B')} of gzip per million events (${basis.bytesFrom}); per account-day, ${EVENTS_PER_ACCOUNT_DAY.map((events) => `${count(basis.summaryRowsPerAccountDay[events])} summary + ${count(basis.resourceRowsPerAccountDay[events])} resource rows at ${count(events)} events`).join(', ')} (rows = a × events^b through ${basis.rowsFrom.join(' and ')}: b = ${basis.summaryRowsExponent.toFixed(2)} for summary rows, ${basis.resourceRowsExponent.toFixed(2)} for resource rows); cache bytes after CHECKPOINT ${basis.summaryBytesPerRow.toFixed(1)} per summary row (the cache \`--list users\` leaves) + ${basis.resourceBytesPerRow.toFixed(1)} per resource row (what \`policy generate\` adds to it) (${basis.bytesPerRowFrom}); load ${count(basis.loadRowsPerSecond)} rows/s (S3 path). Assumed: Athena scans ${SI(basis.scanRate, 'B')}/s per query (not published), chunks of ${ASSUMPTIONS.chunkDays.value} days, ${ASSUMPTIONS.concurrency.value} at once. In a cell "A (B)", A is a report's (\`--list users\`, \`audit\`: summary rows only) and B a question that reads resources (\`policy generate\`, \`boundary\`: summary and resource rows).`,
    '',
    '| accounts | events / account-day | scanned / day | scanned / year | Athena $, first year | Athena $, daily refresh | summary rows / day (+ resource rows) | cache / year | first answer, a year (chunked) | its Athena part | daily refresh load |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.accounts.toLocaleString('en-US')} | ${count(row.eventsPerAccountDay)} | ${SI(row.bytesScannedPerDay, 'B')} | ${SI(row.bytesScannedPerYear, 'B')} | ${dollars(row.athenaDollarsFirstYear)} | ${dollars(row.athenaDollarsDailyRefresh)} | ${count(row.summaryRowsPerDay)} (+ ${count(row.resourceRowsPerDay)}) | ${SI(row.cacheBytesPerYear, 'B')} (${SI(row.cacheBytesPerYearWithResources, 'B')}) | ${duration(row.firstAnswerSeconds)} (${duration(row.firstAnswerSecondsWithResources)}) | ${duration(row.athenaWallSeconds)} | ${duration(row.dailyLoadSeconds)} (${duration(row.dailyLoadSecondsWithResources)}) |`,
    ),
    '',
    '| accounts | events / account-day | rows per month chunk | result CSV per chunk | memory to load a chunk | memory to load a day | one chunk in Athena | S3 GETs $, first year | query text + values |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.accounts.toLocaleString('en-US')} | ${count(row.eventsPerAccountDay)} | ${count(row.chunkRows)} (${count(row.chunkRowsWithResources)}) | ${SI(row.chunkCsvBytes, 'B')} (${SI(row.chunkCsvBytesWithResources, 'B')}) | ${row.chunkPeakMiB === undefined ? '?' : `${SI(row.chunkPeakMiB * 2 ** 20, 'B')} (${SI(row.chunkPeakMiBWithResources * 2 ** 20, 'B')})`} | ${row.dailyPeakMiB === undefined ? '?' : `${SI(row.dailyPeakMiB * 2 ** 20, 'B')} (${SI(row.dailyPeakMiBWithResources * 2 ** 20, 'B')})`} | ${duration(row.chunkAthenaSeconds)} | ${dollars(row.s3GetDollarsFirstYear)} | ${SI(row.queryBytes, 'B')} (${SI(row.queryBytesWithResources, 'B')}) |`,
    ),
    '',
    `${basis.loadMemory === undefined ? '' : `Memory: peak RSS of the S3 path = ${basis.loadMemory.base.toFixed(0)} MiB + ${(basis.loadMemory.perRow * 2 ** 20).toFixed(0)} bytes per result row (a line through its measurements at ${count(inputs.load.rows)} and ${count(inputs.loadMemory.rows)} rows). `}Query text + values: one query names at most ${basis.maxAccountsPerReportQuery.toLocaleString('en-US')} accounts (${basis.maxAccountsPerQuery.toLocaleString('en-US')} with the resource columns) within the engine's budget of ${basis.engineBudgetBytes.toLocaleString('en-US')} bytes; past it the accounts are split across queries (Athena's limit: ${CONSTANTS.athenaQueryStringBytes.value.toLocaleString('en-US')} bytes). At the assumed scan rate a query finishes within a ${ASSUMPTIONS.athenaDmlTimeoutMinutes.value}-minute DML timeout up to ${SI(basis.maxChunkBytesWithinTimeout, 'B')} scanned, within the ${CONSTANTS.athenaDmlTimeoutMaxMinutes.value}-minute maximum up to ${SI(basis.maxChunkBytesWithinMaxTimeout, 'B')}.`,
    '',
    TABLE_END,
  ];
  return lines.join('\n');
}

function writeTable(inputs) {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${TABLE_START} … ${TABLE_END} markers`);
  writeFileSync(DOC, `${doc.slice(0, start)}${renderTable(inputs)}${doc.slice(end + TABLE_END.length)}`);
}

function commit() {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'sql', 'scripts'], {
    cwd: REPO,
    encoding: 'utf8',
  }).trim();
  return { commit: head, uncommittedChanges: dirty === '' ? [] : dirty.split('\n') };
}

async function measureAll() {
  const sizes = values.sizes.split(',').filter(Boolean).map(Number);
  const dense = Number(values.dense);
  const loadRows = Number(values['load-rows']);
  if ([...sizes, dense, loadRows].some((n) => !Number.isInteger(n) || n < 0)) {
    console.error('--sizes, --dense and --load-rows take non-negative integers');
    process.exit(2);
  }
  if (!existsSync(join(REPO, 'dist/.build-stamp'))) {
    console.error('dist/ is not built: run npm run build first');
    process.exit(2);
  }
  const started = new Date();
  const loadAverageAtStart = loadavg();
  const trees = [];
  for (const size of sizes)
    trees.push(await measureTree(`${size.toLocaleString('en-US')} events, 30 days`, size, 30));
  if (dense > 0) trees.push(await measureTree(`${dense.toLocaleString('en-US')} events, 1 day`, dense, 1));
  const queryText = await measureQueryText([1, 10, 100, 1000]);
  console.error(
    `query text + values: ${queryText.summary.samples.map((s, i) => `${s.accounts} account(s) ${s.bytes} bytes (${queryText.withResources.samples[i].bytes} with resources)`).join(', ')}`,
  );
  let load;
  if (loadRows > 0) load = measureLoad(loadRows);
  else if (existsSync(INPUTS)) load = JSON.parse(readFileSync(INPUTS, 'utf8')).load;
  else {
    console.error('--load-rows 0 needs a docs/scale-inputs.json to take the load figures from');
    process.exit(2);
  }
  return {
    written: started.toISOString(),
    command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: process.platform,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
    },
    ...commit(),
    constants: CONSTANTS,
    assumptions: ASSUMPTIONS,
    trees,
    queryText,
    load,
  };
}

const inputs = values['model-only']
  ? { ...JSON.parse(readFileSync(INPUTS, 'utf8')), constants: CONSTANTS, assumptions: ASSUMPTIONS }
  : await measureAll();
// The S3 path's memory for a larger result (default 4,000,000 rows when measuring; with
// --model-only only when --memory-rows is given, added to the inputs read).
const memoryRows = Number(values['memory-rows'] ?? (values['model-only'] ? 0 : 4_000_000));
if (memoryRows > 0) inputs.loadMemory = await measureLoadMemory(memoryRows);
const { basis, rows } = model(inputs);
const measured = {
  written: inputs.written,
  commit: inputs.commit,
  trees: inputs.trees.map((tree) => ({
    label: tree.label,
    eventsPerAccountDay: Math.round(tree.logs.eventsPerAccountDay),
    compressedBytesPerMillionEvents: Math.round(tree.logs.compressedBytesPerMillionEvents),
    uncompressedBytesPerEvent: Math.round(tree.logs.uncompressedBytesPerEvent),
    rowsPerMillionEvents: Object.fromEntries(
      Object.entries(tree.runs).map(([name, r]) => [
        name,
        Object.fromEntries(Object.entries(r.rowsPerMillionEvents).map(([t, n]) => [t, Math.round(n)])),
      ]),
    ),
    rowsPerAccountDay: Object.fromEntries(
      Object.entries(tree.runs).map(([name, r]) => [
        name,
        Object.fromEntries(Object.entries(r.rowsPerAccountDay).map(([t, n]) => [t, Math.round(n)])),
      ]),
    ),
    cacheBytesPerRow: Object.fromEntries(
      Object.entries(tree.runs).map(([name, r]) => [
        name,
        { file: +r.bytesPerRow.toFixed(1), checkpointed: +r.checkpointedBytesPerRow.toFixed(1) },
      ]),
    ),
  })),
  queryText: inputs.queryText,
  load: {
    rows: inputs.load.rows,
    s3RowsPerSecond: Math.round(inputs.load.s3RowsPerSecond),
    s3: inputs.load.s3,
  },
  basis,
};
console.log(JSON.stringify(measured, null, 2));
console.error(renderTable(inputs));
if (!values['no-write']) {
  writeFileSync(INPUTS, `${JSON.stringify(inputs, null, 2)}\n`);
  console.error('wrote docs/scale-inputs.json');
  if (existsSync(DOC)) {
    writeTable(inputs);
    console.error(`wrote the table of docs/scale.md (${rows.length} rows)`);
  }
  // In the project's format, as `npm run lint` checks it.
  const prettier = join(REPO, 'node_modules/.bin/prettier');
  if (existsSync(prettier))
    spawnSync(prettier, ['--write', INPUTS, ...(existsSync(DOC) ? [DOC] : [])], { cwd: REPO });
}
