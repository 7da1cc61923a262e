import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import { DuckDBInstance, listValue } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import { withCloudTrailRelation } from '../../src/engines/duckdb/duckdb-sql.js';
import type { LogFileFormat } from '../../src/engines/duckdb/duckdb-sql.js';
import type { SummaryRequest } from '../../src/engines/engine.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';
import { byAccountAndDay } from '../helpers/reference-reader.js';

// CloudTrail writes each log file as one line of JSON, which DuckDB's reader takes one line a
// document (`newline_delimited`) faster than as any JSON text (`unstructured`). The engine reads a
// batch so first, and as any JSON text once the line reader refuses one: these tests hold it to
// giving the rows the other reader gives, whatever the file.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-line-reader-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO_LOGS = join(REPO_ROOT, 'examples/demo/logs');
const DEMO_DAY = 'AWSLogs/o-demo12345/111111111111/CloudTrail/us-east-1/2026/10/05';
const demoFile = readdirSync(join(DEMO_LOGS, DEMO_DAY)).find((name) => name.endsWith('.json.gz')) ?? '';
/** One of the demo's log files as CloudTrail writes them: one line, no line break at its end. */
const DEMO_TEXT = gunzipSync(readFileSync(join(DEMO_LOGS, DEMO_DAY, demoFile))).toString('utf8');

const record = (minute: number, extra: Record<string, unknown> = {}) => ({
  eventTime: `2026-10-05T10:${String(minute).padStart(2, '0')}:00Z`,
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateUser',
  awsRegion: 'us-east-1',
  recipientAccountId: '111111111111',
  eventID: `e-${minute}`,
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/alice', accessKeyId: 'AKIA1' },
  requestParameters: { userName: `u${minute}` },
  responseElements: { user: { arn: `arn:aws:iam::111111111111:user/u${minute}` } },
  ...extra,
});
const doc = (...minutes: number[]) => JSON.stringify({ Records: minutes.map((minute) => record(minute)) });

/**
 * Files as a log folder may hold them, each with whether the line reader reads it (`lines`) and
 * whether the reader of any JSON text does (`any`); `undefined` where either answer would do.
 */
const CORPUS: readonly { name: string; text: string | Buffer; lines?: boolean; any?: boolean }[] = [
  { name: 'as CloudTrail writes it', text: doc(1, 2), lines: true, any: true },
  { name: 'a demo file', text: DEMO_TEXT, lines: true, any: true },
  { name: 'with a line break at its end', text: `${doc(1)}\n`, lines: true, any: true },
  { name: 'with CRLF', text: `${doc(1)}\r\n`, lines: true, any: true },
  { name: 'a carriage return alone at its end', text: `${doc(1)}\r` },
  { name: 'blank lines around', text: `\n\n${doc(1)}\n\n`, lines: true, any: true },
  { name: 'a byte-order mark', text: `\uFEFF${doc(1)}`, lines: true, any: true },
  { name: 'empty', text: '', lines: true, any: true },
  { name: 'blank', text: '\n \n\t\n', lines: true, any: true },
  { name: 'two documents on two lines', text: `${doc(1)}\n${doc(2, 3)}\n`, lines: true, any: true },
  {
    name: 'pretty-printed',
    text: JSON.stringify({ Records: [record(1)] }, null, 2),
    lines: false,
    any: true,
  },
  { name: 'two documents on one line', text: `${doc(1)}${doc(2)}`, lines: false, any: true },
  { name: 'two documents split by a space', text: `${doc(1)} ${doc(2)}`, lines: false, any: true },
  { name: 'two documents split by a carriage return', text: `${doc(1)}\r${doc(2)}`, lines: false, any: true },
  { name: 'a document split across lines', text: `{"Records":\n[${JSON.stringify(record(1))}]}` },
  { name: 'a trailing comma', text: `{"Records":[${JSON.stringify(record(1))},]}` },
  { name: 'NaN', text: '{"Records":[{"eventTime":"2026-10-05T10:00:00Z","eventID":NaN}]}' },
  { name: 'no Records', text: '{"hello":"world"}', lines: false, any: true },
  { name: 'Records null', text: '{"Records":null}', lines: false, any: true },
  {
    name: 'records in lower case',
    text: `{"records":[${JSON.stringify(record(1))}]}`,
    lines: false,
    any: true,
  },
  { name: 'null', text: 'null', lines: false, any: true },
  { name: 'null before a document', text: `null\n${doc(1)}`, lines: false, any: false },
  { name: 'null between two documents', text: `${doc(1)}\nnull\n${doc(2)}`, lines: false, any: false },
  { name: 'null after a document', text: `${doc(1)}\nnull` },
  { name: 'an empty object before a document', text: `{}\n${doc(1)}`, lines: false, any: true },
  { name: 'Records empty', text: '{"Records":[]}', lines: true, any: true },
  { name: 'a repeated field', text: '{"Records":[{"eventTime":"x","eventName":"A","eventName":"B"}]}' },
  { name: 'Records repeated', text: `{"Records":[${JSON.stringify(record(1))}],"Records":[]}` },
  { name: 'truncated', text: doc(1).slice(0, -2), lines: false, any: false },
  { name: 'truncated on its second line', text: `${doc(1)}\n{"Records":[` },
  { name: 'garbage after it', text: `${doc(1)} garbage`, lines: false, any: false },
  { name: 'garbage on a second line', text: `${doc(1)}\n]` },
  { name: 'a string on a second line', text: `${doc(1)}\n"x"` },
  { name: 'a NUL after it', text: `${doc(1)}\u0000` },
  { name: 'a comment line', text: `// c\n${doc(1)}` },
  {
    name: 'invalid UTF-8',
    text: Buffer.concat([
      Buffer.from('{"Records":[{"eventTime":"a'),
      Buffer.from([0xff]),
      Buffer.from('"}]}'),
    ]),
  },
  { name: 'a lone surrogate', text: '{"Records":[{"eventTime":"a\\ud800b"}]}' },
  { name: 'a raw tab in a string', text: '{"Records":[{"eventTime":"a\tb"}]}' },
  { name: 'a number', text: '1' },
  { name: 'an array', text: '[]' },
  { name: 'an array of a document', text: `[${doc(1)}]` },
  {
    name: 'userIdentity a string',
    text: '{"Records":[{"eventTime":"2026-10-05T10:00:00Z","userIdentity":"x"}]}',
  },
];

/** What DuckDB's reader gives for one file in `format`: its rows sorted, or its error. */
async function readOne(
  connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
  file: string,
  format: LogFileFormat,
  actorsOnly: boolean,
): Promise<{ rows: unknown[] } | { error: string }> {
  const sql = withCloudTrailRelation(
    'WITH unused AS (SELECT 1) SELECT * EXCLUDE ("$path"), "$path" FROM cloudtrail ORDER BY ALL',
    0,
    16 * 1024 * 1024,
    !actorsOnly,
    actorsOnly,
    false,
    format,
  );
  try {
    return { rows: (await connection.runAndReadAll(sql, [listValue([file])])).getRowsJson() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe("DuckDB's line reader against its reader of any JSON text", () => {
  const folder = join(work, 'corpus');
  mkdirSync(folder);
  // One database for every case (each file is read alone).
  let connected: Promise<Awaited<ReturnType<DuckDBInstance['connect']>>> | undefined;
  afterAll(async () => {
    (await connected)?.closeSync();
  });

  it.each(CORPUS.map((entry, index) => [entry.name, index] as const))(
    '%s: read alike, or refused by the line reader',
    async (_, index) => {
      const entry = CORPUS[index];
      if (entry === undefined) throw new Error(`no case ${index}`);
      const connection = await (connected ??= DuckDBInstance.create(':memory:', { threads: '1' }).then(
        (instance) => instance.connect(),
      ));
      for (const [suffix, bytes] of [
        ['.json', Buffer.from(entry.text)],
        ['.json.gz', gzipSync(entry.text)],
      ] as const) {
        const file = join(folder, `${index}${suffix}`);
        writeFileSync(file, bytes);
        for (const actorsOnly of [false, true]) {
          const what = `${entry.name} (${suffix}, actorsOnly ${actorsOnly})`;
          const lines = await readOne(connection, file, 'newline_delimited', actorsOnly);
          const any = await readOne(connection, file, 'unstructured', actorsOnly);
          // The rule the engine rests on: what the line reader reads, it reads as the other does.
          if ('rows' in lines) expect(any, what).toEqual(lines);
          if (entry.lines !== undefined) expect('rows' in lines, what).toBe(entry.lines);
          if (entry.any !== undefined) expect('rows' in any, what).toBe(entry.any);
        }
      }
    },
  );
});

/** Every row of a summary's Parquet file (what a cache loads), sorted. */
async function parquetRows(file: string): Promise<unknown[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (
      await connection.runAndReadAll('SELECT * FROM read_parquet($1) ORDER BY ALL', [file])
    ).getRowsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** One engine's summary of `logsDir`, spilled to Parquet as a cache's is, and how it read the files. */
async function summarize(logsDir: string, request: SummaryRequest, lineReader: boolean, batchFiles?: number) {
  const warnings: string[] = [];
  const spillDir = mkdtempSync(join(work, 'spill-'));
  const engine = await DuckDbEngine.create({
    logsDir,
    reporter: { warn: (message) => void warnings.push(message) },
    spillDir,
    countSessions: true,
    lineReader,
    ...(batchFiles === undefined ? {} : { batchFiles }),
  });
  try {
    const result = await engine.summarize(request);
    const { rowsFile, ...rest } = result;
    return {
      ...rest,
      rows: rowsFile === undefined ? [] : await parquetRows(rowsFile),
      coverage: [...result.coverage].sort(byAccountAndDay),
      warnings,
      readsLines: engine.readsLines,
    };
  } finally {
    await engine.close();
  }
}

describe('the engine reading one line a document', () => {
  // The demo's logs without its one corrupt file: every file as CloudTrail writes it.
  const clean = join(work, 'demo-clean');
  cpSync(DEMO_LOGS, clean, { recursive: true });
  for (const entry of readdirSync(clean, { recursive: true, withFileTypes: true }))
    if (entry.name.endsWith('_CorruptedInTransit.json.gz')) rmSync(join(entry.parentPath, entry.name));

  it.each([
    ['the whole summary, resources too', { resources: true }],
    ['the actors alone', { actorsOnly: true }],
  ] as const)(
    'stores the same summary as the reader of any JSON text, row for row: %s',
    async (_, options) => {
      const request: SummaryRequest = { startDay: '2026-10-01', endDay: '2026-10-31', ...options };
      const lines = await summarize(clean, request, true);
      const any = await summarize(clean, request, false);
      expect(lines.readsLines).toBe(true);
      expect(any.readsLines).toBe(false);
      expect(lines.rows.length).toBeGreaterThan(100);
      expect(lines.skippedFiles).toEqual([]);
      expect(lines.warnings).toEqual([]);
      expect({ ...lines, readsLines: null }).toEqual({ ...any, readsLines: null });
    },
  );

  it('reads a folder holding files over several lines with the other reader, every record, without a warning', async () => {
    const day = join(work, 'mixed', 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '10', '05');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'a.json.gz'), gzipSync(doc(1, 2)));
    writeFileSync(join(day, 'b.json.gz'), gzipSync(JSON.stringify({ Records: [record(3)] }, null, 2)));
    writeFileSync(join(day, 'c.json'), `${doc(4)}${doc(5, 6)}`);
    writeFileSync(join(day, 'd.json.gz'), gzipSync(`${doc(7)}\n`));
    const tree = join(work, 'mixed');
    const request: SummaryRequest = { startDay: '2026-10-05', endDay: '2026-10-05' };
    const lines = await summarize(tree, request, true);
    expect(lines.readsLines).toBe(false);
    expect(lines.warnings).toEqual([]);
    expect(lines.filesRead).toBe(4);
    expect({ ...lines, readsLines: null }).toEqual({
      ...(await summarize(tree, request, false)),
      readsLines: null,
    });
    // Every record of the four files: seven CreateUser calls of alice's, one a minute.
    const engine = await DuckDbEngine.create({ logsDir: tree, reporter: { warn: () => undefined } });
    try {
      const { rows } = await engine.summarize(request);
      expect(
        rows.map((row) => [row.actorArn, row.eventName, row.calls, row.firstSeen, row.lastSeen]),
      ).toEqual([
        [
          'arn:aws:iam::111111111111:user/alice',
          'CreateUser',
          7,
          '2026-10-05T10:01:00Z',
          '2026-10-05T10:07:00Z',
        ],
      ]);
      expect(engine.readsLines).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('reads a pretty-printed file alone in its batch with the other reader, without a warning', async () => {
    const day = join(work, 'alone', 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '10', '05');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'a.json'), JSON.stringify({ Records: [record(1), record(2)] }, null, 2));
    const request: SummaryRequest = { startDay: '2026-10-05', endDay: '2026-10-05', actorsOnly: true };
    const lines = await summarize(join(work, 'alone'), request, true);
    expect(lines.readsLines).toBe(false);
    expect(lines.warnings).toEqual([]);
    expect(lines.filesRead).toBe(1);
    expect({ ...lines, readsLines: null }).toEqual({
      ...(await summarize(join(work, 'alone'), request, false)),
      readsLines: null,
    });
  });

  it.each([
    ['one batch', undefined],
    ['batches of two files', 2],
  ] as const)('skips the files the other reader skips, with the same warnings: %s', async (_, batchFiles) => {
    const tree = join(work, 'bad');
    const day = join(tree, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '10', '05');
    mkdirSync(day, { recursive: true });
    const files: Record<string, string | Buffer> = {
      'a.json.gz': gzipSync(doc(1, 2)),
      'b-null-first.json.gz': gzipSync(`null\n${doc(3)}`),
      'c-null-between.json': `${doc(4)}\nnull\n${doc(5)}`,
      'd-pretty.json.gz': gzipSync(JSON.stringify({ Records: [record(6)] }, null, 2)),
      'e-corrupt.json.gz': gzipSync(doc(7)).subarray(0, 40),
      'f-truncated.json': doc(8).slice(0, -3),
      'g-no-records.json': '{"hello":"world"}',
      'h-empty-object-first.json': `{}\n${doc(9)}`,
      'i-two-on-a-line.json': `${doc(10)}${doc(11)}`,
      'j-repeated.json': `{"Records":[${JSON.stringify(record(12)).replace('"eventName":"CreateUser"', '"eventName":"A","eventName":"CreateUser"')}]}`,
      'k.json.gz': gzipSync(`${doc(13)}\n`),
    };
    for (const [name, content] of Object.entries(files)) writeFileSync(join(day, name), content);
    const request: SummaryRequest = { startDay: '2026-10-05', endDay: '2026-10-05' };
    const sorted = (result: Awaited<ReturnType<typeof summarize>>) => ({
      ...result,
      readsLines: null,
      skippedFiles: [...result.skippedFiles].sort((a, b) => a.file.localeCompare(b.file)),
      warnings: [...result.warnings].sort(),
    });
    const lines = await summarize(tree, request, true, batchFiles);
    const any = await summarize(tree, request, false, batchFiles);
    expect(lines.readsLines).toBe(false);
    expect(sorted(lines)).toEqual(sorted(any));
    // The null files and the corrupt and truncated ones are skipped, as before; the rest read.
    expect(lines.skippedFiles.map((skip) => skip.file.slice(day.length + 1)).sort()).toEqual([
      'b-null-first.json.gz',
      'c-null-between.json',
      'e-corrupt.json.gz',
      'f-truncated.json',
      'g-no-records.json',
    ]);
  });

  it.runIf(hasDatasets())(
    'reads the files AWS wrote (invictus-stratus-cloudtrail) as the other reader does',
    async () => {
      const root = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');
      const request: SummaryRequest = { startDay: '2023-07-10', endDay: '2023-07-10', resources: true };
      const lines = await summarize(root, request, true);
      expect(lines.readsLines).toBe(true);
      expect(lines.filesRead).toBe(55);
      expect({ ...lines, readsLines: null }).toEqual({
        ...(await summarize(root, request, false)),
        readsLines: null,
      });
    },
  );
});
