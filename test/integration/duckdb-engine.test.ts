import {
  statSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { loadActionData } from '../../src/cli/action-data.js';
import { DuckDbEngine, isOutOfMemory, isQueryDefect } from '../../src/engines/duckdb/duckdb-engine.js';
import { readerObjectBytes } from '../../src/engines/duckdb/log-file-size.js';
import type { SummaryRequest, SummaryResult } from '../../src/engines/engine.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';
import {
  byAccountAndDay,
  readTrailPlainly,
  sortRows,
  usedActionsByActor,
} from '../helpers/reference-reader.js';

const { mapper } = loadActionData();
const DEMO_LOGS = join(REPO_ROOT, 'examples/demo/logs');
const DEMO_WINDOW: SummaryRequest = { startDay: '2026-10-01', endDay: '2026-10-31' };
const work = mkdtempSync(join(tmpdir(), 'iamtrail-engine-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function summarize(
  logsDir: string,
  request: SummaryRequest,
  options: {
    batchFiles?: number;
    spillDir?: string;
    maxLogFileBytes?: number;
    memoryLimitBytes?: number;
  } = {},
): Promise<SummaryResult & { warnings: string[] }> {
  const warnings: string[] = [];
  const engine = await DuckDbEngine.create({
    logsDir,
    reporter: { warn: (message) => void warnings.push(message) },
    ...options,
  });
  try {
    return { ...(await engine.summarize(request)), warnings };
  } finally {
    await engine.close();
  }
}

/** A day's folder (2026-10-05, us-east-1) of an account in a log tree of its own under the work folder. */
function dayFolder(name: string, account = '111111111111'): { tree: string; day: string } {
  const tree = join(work, name);
  return { tree, day: join(tree, 'AWSLogs', account, 'CloudTrail', 'us-east-1', '2026', '10', '05') };
}

/** The demo's month read once for the tests that only look at the result (each reading is ~1 s). */
let demoMonth: ReturnType<typeof summarize> | undefined;
const wholeDemo = () => (demoMonth ??= summarize(DEMO_LOGS, DEMO_WINDOW));
let plainDemoMonth: ReturnType<typeof readTrailPlainly> | undefined;
const plainDemo = () =>
  (plainDemoMonth ??= readTrailPlainly(DEMO_LOGS, DEMO_WINDOW.startDay, DEMO_WINDOW.endDay));

describe('DuckDbEngine on the demo organisation', () => {
  it('agrees with a plain reader, row for row, and so actor for actor', async () => {
    const engine = await wholeDemo();
    const reference = plainDemo();
    expect(sortRows(engine.rows)).toEqual(reference.rows);
    const engineActors = usedActionsByActor(engine.rows, mapper);
    expect(engineActors).toEqual(usedActionsByActor(reference.rows, mapper));
    // alice, bob, charlie, dave (deleted), ops, both admin roles, the Support service-linked role,
    // and the demo account as backup's logs name it in their copies of its AssumeRole calls.
    expect(engineActors.size).toBe(9);
    expect(engineActors.has('AWSAccount:111111111111')).toBe(true);
  });

  it('skips the one corrupt file with one warning, and the digest file silently', async () => {
    const result = await wholeDemo();
    expect(result.skippedFiles).toHaveLength(1);
    expect(result.skippedFiles[0]?.file).toMatch(/_CorruptedInTransit\.json\.gz$/);
    expect(result.skippedFiles[0]?.reason).toBe('not a valid gzip stream (unexpected end of file)');
    expect(result.warnings).toEqual([
      `skipped ${result.skippedFiles[0]?.file ?? ''}: not a valid gzip stream (unexpected end of file)`,
    ]);
    expect(plainDemo().unreadable).toEqual([result.skippedFiles[0]?.file]);
  });

  it('gives the same answer whatever the batch size (files split across DuckDB queries)', async () => {
    // The last week (97 files, 14 batches): batch boundaries fall inside days.
    const week = { startDay: '2026-10-25', endDay: '2026-10-31' };
    const whole = await summarize(DEMO_LOGS, week);
    const small = await summarize(DEMO_LOGS, week, { batchFiles: 7 });
    expect(small.rows.length).toBeGreaterThan(0);
    expect(sortRows(small.rows)).toEqual(sortRows(whole.rows));
    expect([...small.coverage].sort(byAccountAndDay)).toEqual([...whole.coverage].sort(byAccountAndDay));
  });

  it('reports the files holding records of each account and day, as a plain reader counts them', async () => {
    const result = await wholeDemo();
    const reference = plainDemo();
    expect([...result.coverage].sort(byAccountAndDay)).toEqual(reference.coverage);
    // Both demo accounts have logs on each of the 31 days.
    for (const account of ['111111111111', '222222222222'])
      expect(result.coverage.filter((entry) => entry.accountId === account)).toHaveLength(31);
    // Spilled to Parquet, the same coverage comes back, and no coverage row is left among the rows.
    const spillDir = join(work, 'spill');
    mkdirSync(spillDir, { recursive: true });
    const spilled = await summarize(DEMO_LOGS, DEMO_WINDOW, { spillDir });
    expect([...spilled.coverage].sort(byAccountAndDay)).toEqual(reference.coverage);
    expect(spilled.rows).toEqual([]);
  });

  it('reports no coverage for an account or days the logs do not hold', async () => {
    const other = await summarize(DEMO_LOGS, { ...DEMO_WINDOW, accountIds: ['333333333333'] });
    expect(other.rows).toEqual([]);
    expect(other.coverage).toEqual([]);
    expect(other.filesRead).toBeGreaterThan(0);
    const before = await summarize(DEMO_LOGS, { startDay: '2026-09-01', endDay: '2026-09-29' });
    expect(before.coverage).toEqual([]);
  });

  it('counts only the days of the window, by eventTime', async () => {
    const week = await summarize(DEMO_LOGS, { startDay: '2026-10-05', endDay: '2026-10-11' });
    const days = new Set(week.rows.map((row) => row.day));
    expect([...days].sort()).toEqual([
      '2026-10-05',
      '2026-10-06',
      '2026-10-07',
      '2026-10-08',
      '2026-10-09',
      '2026-10-10',
      '2026-10-11',
    ]);
    expect(sortRows(week.rows)).toEqual(readTrailPlainly(DEMO_LOGS, '2026-10-05', '2026-10-11').rows);
    // Folders outside the window (and the day after it) are not even read.
    expect(week.filesRead).toBeLessThan((await wholeDemo()).filesRead / 3);
  });

  it('restricts to the requested accounts by recipientAccountId', async () => {
    const backup = await summarize(DEMO_LOGS, { ...DEMO_WINDOW, accountIds: ['222222222222'] });
    expect(new Set(backup.rows.map((row) => row.accountId))).toEqual(new Set(['222222222222']));
    expect(backup.rows.length).toBeGreaterThan(0);
  });
});

describe.runIf(hasDatasets())('DuckDbEngine on invictus-stratus-cloudtrail', () => {
  const root = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');
  const window = { startDay: '2023-07-10', endDay: '2023-07-10' };

  it('agrees with a plain reader for every actor, taking the account from the records', async () => {
    const engine = await summarize(root, window);
    const reference = readTrailPlainly(root, window.startDay, window.endDay);
    expect(engine.skippedFiles).toEqual([]);
    expect(engine.filesRead).toBe(55);
    expect(sortRows(engine.rows)).toEqual(reference.rows);
    // Coverage, like the rows, goes by the records' account, not the one in the files' path.
    expect([...engine.coverage].sort(byAccountAndDay)).toEqual(reference.coverage);
    // The files lie under AWSLogs/218007301253/; their records are all of 123837392027.
    expect(engine.coverage.map((entry) => [entry.accountId, entry.day])).toEqual([
      ['123837392027', '2023-07-10'],
    ]);
    expect(new Set(engine.coverage.map((entry) => entry.accountId))).toEqual(
      new Set(engine.rows.map((row) => row.accountId)),
    );
    const actors = usedActionsByActor(engine.rows, mapper);
    expect(actors).toEqual(usedActionsByActor(reference.rows, mapper));
    // 12 actors with an ARN, and the 5 AWS services whose 26 AssumeRole calls named a role (of the
    // 77 records without an ARN); 5 stratus roles were only ever denied.
    expect(new Set(engine.rows.map((row) => row.actorArn)).size).toBe(12 + 5);
    expect([...actors.keys()]).toEqual([
      'arn:aws:iam::123837392027:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2',
      'arn:aws:iam::123837392027:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS',
      'arn:aws:iam::123837392027:role/stratus-red-team-ec2-enumerate-role',
      'arn:aws:iam::123837392027:role/stratus-red-team-ec2-steal-credentials-role',
      'arn:aws:iam::123837392027:user/benjamin',
      'arn:aws:iam::123837392027:user/bert-jan',
      'arn:aws:iam::123837392027:user/stratus-red-team-nmfalu-gfjyeaypjt',
      'ec2.amazonaws.com',
      'inspector2.amazonaws.com',
      'lambda.amazonaws.com',
      'rds.amazonaws.com',
      'rolesanywhere.amazonaws.com',
    ]);
    // The file names say 218007301253; every record says 123837392027.
    expect(new Set(engine.rows.map((row) => row.accountId))).toEqual(new Set(['123837392027']));
    expect(engine.rows.reduce((sum, row) => sum + row.calls, 0)).toBe(2900 - (77 - 26));
    // SOURCE.md: 300 events with an errorCode, all with an actor; 16 AccessDenied and 44
    // Client.UnauthorizedOperation are access errors, the rest (ThrottlingException 102, ...) failed.
    const byOutcome = new Map<string, number>();
    for (const row of engine.rows) byOutcome.set(row.outcome, (byOutcome.get(row.outcome) ?? 0) + row.calls);
    expect(Object.fromEntries(byOutcome)).toEqual({
      ok: 2900 - (77 - 26) - 300,
      denied: 16 + 44,
      failed: 300 - 16 - 44,
    });
  });
});

const DAY_5: SummaryRequest = { startDay: '2026-10-05', endDay: '2026-10-05' };

describe('DuckDbEngine reading requestParameters and responseElements', () => {
  const account = '222222222222';
  const alice = { type: 'IAMUser', arn: `arn:aws:iam::${account}:user/alice`, accessKeyId: 'AKIAALICE' };
  const session = (key: string) => ({
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/worker/s`,
    accessKeyId: key,
    sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/worker` } },
  });
  const event = (id: string, source: string, name: string, identity: object, more: object = {}) => ({
    eventTime: `2026-10-05T10:00:0${id}Z`,
    eventSource: source,
    eventName: name,
    userIdentity: identity,
    recipientAccountId: account,
    eventID: `e-${id}`,
    sourceIPAddress: '203.0.113.7',
    ...more,
  });
  const tree = join(work, 'json-columns');
  const day = join(tree, 'AWSLogs', account, 'CloudTrail', 'us-east-1', '2026', '10', '05');
  mkdirSync(day, { recursive: true });
  writeFileSync(
    join(day, 'text.json'),
    JSON.stringify({
      Records: [
        // Objects: their fields are read as before.
        event('1', 'sts.amazonaws.com', 'AssumeRole', alice, {
          responseElements: { credentials: { accessKeyId: 'ASIAOBJECT' } },
        }),
        event('2', 's3.amazonaws.com', 'ListBuckets', session('ASIAOBJECT')),
        event('3', 'iam.amazonaws.com', 'CreateUser', session('ASIAOBJECT'), {
          requestParameters: { userName: 'dave' },
        }),
        event('4', 'iam.amazonaws.com', 'CreateAccessKey', session('ASIAOBJECT'), {
          requestParameters: { userName: 'dave' },
          responseElements: { accessKey: { accessKeyId: 'AKIADAVE' } },
        }),
        // Strings, not objects (CloudTrail writes none): no field, and no failed read.
        event('5', 'sts.amazonaws.com', 'AssumeRole', alice, { responseElements: 'withheld' }),
        event('6', 'iam.amazonaws.com', 'CreateUser', session('ASIAOBJECT'), {
          requestParameters: 'carol',
        }),
      ],
    }),
  );

  it('takes the fields of objects, and none from a string value, without skipping the file', async () => {
    const result = await summarize(tree, DAY_5);
    expect(result.warnings).toEqual([]);
    expect(result.filesRead).toBe(1);
    const listing = result.rows.find((row) => row.eventName === 'ListBuckets');
    expect(listing?.callerArn).toBe(alice.arn);
    expect(
      result.changes
        .map((change) => [change.eventId, change.userName, change.createdAccessKeyId, change.callerArn])
        .sort(),
    ).toEqual([
      ['e-3', 'dave', null, alice.arn],
      ['e-4', 'dave', 'AKIADAVE', alice.arn],
      ['e-6', null, null, alice.arn],
    ]);
    expect(result.rows.filter((row) => row.eventName === 'AssumeRole').map((row) => row.calls)).toEqual([2]);
  });
});

describe('DuckDbEngine with bad files', () => {
  const tree = join(work, 'bad-files');
  const day = join(tree, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '10', '05');
  cpSync(join(DEMO_LOGS, 'AWSLogs/o-demo12345/111111111111/CloudTrail/us-east-1/2026/10/05'), day, {
    recursive: true,
  });
  const clean = join(work, 'clean');
  cpSync(tree, clean, { recursive: true });
  const good = readdirSync(day).sort()[0] ?? '';
  const bad: Record<string, Buffer | string> = {
    'bad-gzip.json.gz': Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72, 0x62]),
    'truncated.json': '{"Records": [{"eventTime": "2026-10-05T10:00:00Z", "eventSource": "s3.amaz',
    'truncated-gzip.json.gz': gzipSync('{"Records": [{"eventTime": "2026-10-05T10:00:00Z"').subarray(0, 30),
    'bare-array.json':
      '[{"eventTime": "2026-10-05T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets"}]',
    'not-cloudtrail.json': '{"hello": "world"}',
    'empty.json': '',
    'wrong-types.json':
      '{"Records": [{"eventTime": "2026-10-05T10:00:00Z", "userIdentity": "not an object"}]}',
  };
  for (const [name, content] of Object.entries(bad)) writeFileSync(join(day, name), content);
  writeFileSync(join(day, 'README.txt'), 'not a log');

  it('skips each bad file with one warning and leaves the other results unchanged', async () => {
    const withBad = await summarize(tree, { startDay: '2026-10-05', endDay: '2026-10-05' });
    const without = await summarize(clean, { startDay: '2026-10-05', endDay: '2026-10-05' });
    expect(sortRows(withBad.rows)).toEqual(sortRows(without.rows));
    expect(withBad.rows.length).toBeGreaterThan(0);
    expect(withBad.filesRead).toBe(without.filesRead);
    const reasons = Object.fromEntries(
      withBad.skippedFiles.map((skip) => [skip.file.slice(day.length + 1), skip.reason]),
    );
    const { 'truncated.json': truncated, 'wrong-types.json': wrongTypes, ...exact } = reasons;
    expect(truncated).toMatch(/^not valid JSON \(/);
    expect(wrongTypes).toMatch(/^JSON transform error/);
    expect(exact).toEqual({
      'bad-gzip.json.gz': 'not a valid gzip stream (unexpected end of file)',
      'bare-array.json': 'not a CloudTrail log file: the top level is an array, not {"Records": [...]}',
      'empty.json': 'empty file',
      'not-cloudtrail.json': 'not a CloudTrail log file: the top level has no "Records" list',
      'truncated-gzip.json.gz': 'not a valid gzip stream (unexpected end of file)',
    });
    expect(withBad.warnings).toHaveLength(7);
    expect(good).not.toBe('');
  });

  it('names the file without records among files read in the same batch', async () => {
    const { tree, day: among } = dayFolder('among');
    mkdirSync(among, { recursive: true });
    const record = (minute: number) => ({
      eventTime: `2026-10-05T10:${String(minute).padStart(2, '0')}:00Z`,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      recipientAccountId: '111111111111',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/alice' },
    });
    // Sorted by name, the file without records stands between files with records, in one batch.
    for (const [name, content] of [
      ['a.json', { Records: [record(1)] }],
      ['b.json', { Records: [record(2), record(3)] }],
      ['c.json', { hello: 'world' }],
      ['d.json', { Records: [record(4)] }],
      ['e.json', { Records: [] }],
    ] as const)
      writeFileSync(join(among, name), JSON.stringify(content));
    for (const actorsOnly of [false, true]) {
      const result = await summarize(tree, { startDay: '2026-10-05', endDay: '2026-10-05', actorsOnly });
      expect(result.skippedFiles, `actorsOnly ${actorsOnly}`).toEqual([
        {
          file: join(among, 'c.json'),
          reason: 'not a CloudTrail log file: the top level has no "Records" list',
        },
      ]);
      expect(result.filesRead).toBe(4);
      expect(result.rows.reduce((sum, row) => sum + row.calls, 0)).toBe(4);
    }
  });

  it('reads a log file over 16 MiB', async () => {
    const { tree, day: big } = dayFolder('big', '333333333333');
    mkdirSync(big, { recursive: true });
    const records = Array.from({ length: 15_000 }, (_, index) => ({
      eventTime: `2026-10-05T10:${String(Math.floor(index / 1000) % 60).padStart(2, '0')}:00Z`,
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      recipientAccountId: '333333333333',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::333333333333:user/bulk',
        accountId: '333333333333',
      },
      requestParameters: { bucketName: 'bulk', key: `k/${'x'.repeat(1100)}/${index}` },
    }));
    const json = JSON.stringify({ Records: records });
    expect(json.length).toBeGreaterThan(16 * 1024 * 1024);
    writeFileSync(join(big, 'big.json'), json);
    writeFileSync(join(big, 'big.json.gz'), gzipSync(json));
    const gzipBytes = statSync(join(big, 'big.json.gz')).size;
    // Its gzip is large enough that the reader's buffers (two of the largest object a thread, on
    // two threads) reach the smallest default memory limit: they must never cost it a file.
    expect(
      2 * 2 * readerObjectBytes([{ path: 'big.json.gz', bytes: gzipBytes }], 256 * 1024 * 1024),
    ).toBeGreaterThanOrEqual(512 * 1024 * 1024);
    for (const memoryLimitBytes of [undefined, 512 * 1024 * 1024]) {
      const result = await summarize(
        tree,
        { startDay: '2026-10-05', endDay: '2026-10-05' },
        memoryLimitBytes === undefined ? {} : { memoryLimitBytes },
      );
      expect(result.skippedFiles).toEqual([]);
      expect(result.rows.reduce((sum, row) => sum + row.calls, 0)).toBe(30_000);
    }
  });

  it('skips a gzip bomb and a plain file past the size limit before DuckDB reads them', async () => {
    const limit = 1024 * 1024;
    const bombTree = join(work, 'bomb');
    const bombDay = join(bombTree, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '10', '05');
    cpSync(join(clean, 'AWSLogs'), join(bombTree, 'AWSLogs'), { recursive: true });
    const cleanTree = join(work, 'bomb-clean');
    cpSync(bombTree, cleanTree, { recursive: true });
    // Every file already there inflates to less than the limit, so only the new ones can be refused.
    for (const name of readdirSync(bombDay).filter((file) => file.endsWith('.gz')))
      expect(gunzipSync(readFileSync(join(bombDay, name))).length).toBeLessThan(limit);
    // A CloudTrail-shaped file that inflates to 64 MiB from about 250 KB, written as a stream.
    const record = JSON.stringify({ eventTime: '2026-10-05T10:00:00Z', eventName: 'GetObject' });
    const chunk = `${record},`.repeat(1000);
    function* bombText(): Generator<string> {
      yield '{"Records": [';
      for (let written = 0; written <= 64 * 1024 * 1024; written += chunk.length) yield chunk;
    }
    await pipeline(Readable.from(bombText()), createGzip(), createWriteStream(join(bombDay, 'bomb.json.gz')));
    writeFileSync(join(bombDay, 'huge.json'), `{"Records": [${chunk.repeat(20)}]}`);

    const withBomb = await summarize(bombTree, DAY_5, { maxLogFileBytes: limit });
    const without = await summarize(cleanTree, DAY_5, { maxLogFileBytes: limit });
    expect(sortRows(withBomb.rows)).toEqual(sortRows(without.rows));
    expect(withBomb.rows.length).toBeGreaterThan(0);
    const hugeMegabytes =
      Math.round((readFileSync(join(bombDay, 'huge.json')).length / 1024 / 1024) * 10) / 10;
    const tip = 'the limit for one log file; IAMTRAIL_MAX_LOG_FILE_MB raises it';
    expect(withBomb.warnings.filter((warning) => !without.warnings.includes(warning))).toEqual([
      `skipped ${join(bombDay, 'bomb.json.gz')}: inflates past 1 MB (${tip})`,
      `skipped ${join(bombDay, 'huge.json')}: is ${hugeMegabytes} MB, past 1 MB (${tip})`,
    ]);
    expect(withBomb.filesRead).toBe(without.filesRead);
  });

  it('skips a bad file whose name or value speaks of memory, and reads the others', async () => {
    // DuckDB's error for a bad file quotes its path, and may quote a value of it: neither is a
    // sign that memory ran out.
    const { tree, day: named } = dayFolder('named');
    cpSync(day, named, { recursive: true });
    for (const name of Object.keys(bad)) rmSync(join(named, name));
    const badName = 'Out of Memory Error: failed to allocate.json';
    writeFileSync(join(named, badName), '{"Records": [{"eventTime": "2026-10-05T10:00:00Z", out of memory');
    const badValue = 'value.json';
    writeFileSync(
      join(named, badValue),
      JSON.stringify({
        Records: [{ eventTime: '2026-10-05T10:00:00Z', userIdentity: 'Out of Memory Error: x' }],
      }),
    );
    for (const actorsOnly of [false, true]) {
      const read = await summarize(tree, { ...DAY_5, actorsOnly });
      const reference = await summarize(clean, { ...DAY_5, actorsOnly });
      const reasons = Object.fromEntries(read.skippedFiles.map((skip) => [skip.file, skip.reason]));
      expect(Object.keys(reasons).sort()).toEqual([join(named, badName), join(named, badValue)].sort());
      expect(reasons[join(named, badName)]).toMatch(/^not valid JSON \(/);
      expect(reasons[join(named, badValue)]).toMatch(/^JSON transform error/);
      expect(sortRows(read.rows)).toEqual(sortRows(reference.rows));
      expect(read.filesRead).toBe(reference.filesRead);
    }
  });

  describe('stops the run, skipping nothing, when DuckDB itself fails', () => {
    // A log file of ~46 MB (42,000 records) whose last record repeats "eventName" (read from a
    // copy that keeps the last value, as smaller files are in actors-only.test.ts).
    let bulky: string | undefined;
    const bulkyTree = (): string => {
      if (bulky !== undefined) return bulky;
      const { tree, day } = dayFolder('bulky', '333333333333');
      mkdirSync(day, { recursive: true });
      const records = Array.from({ length: 42_000 }, (_, index) => ({
        eventTime: '2026-10-05T10:00:00Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        recipientAccountId: '333333333333',
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::333333333333:user/bulk' },
        requestParameters: { bucketName: 'bulk', key: `k/${'x'.repeat(1000)}/${index}` },
      }));
      const json = JSON.stringify({ Records: records });
      const at = json.lastIndexOf('"eventName":"GetObject"');
      writeFileSync(
        join(day, 'bulk.json'),
        `${json.slice(0, at)}"eventName":"GetObject","eventName":"PutObject"${json.slice(at + 23)}`,
      );
      bulky = tree;
      return tree;
    };

    it('is a file DuckDB reads with the memory it needs', async () => {
      // Per actor, which reads no event name (so no copy, the slow part of a 46 MB file).
      const read = await summarize(bulkyTree(), { ...DAY_5, actorsOnly: true });
      expect(read.skippedFiles).toEqual([]);
      expect(read.warnings).toEqual([]);
      expect(read.rows.reduce((sum, row) => sum + row.calls, 0)).toBe(42_000);
    });

    it('out of memory while reading a batch', async () => {
      await expect(summarize(bulkyTree(), DAY_5, { memoryLimitBytes: 40 * 1024 * 1024 })).rejects.toThrow(
        /^DuckDB ran out of memory reading the logs: Out of Memory Error: /,
      );
    });

    it('out of memory while copying a file that repeats a field', async () => {
      // With 400 MiB (and the tests' one DuckDB thread) the batch fails on the repeat, not on
      // memory (below ~365 MiB it is the batch that runs out); the copy's read of the file's
      // documents is what runs out (from ~450 MiB it does not).
      await expect(summarize(bulkyTree(), DAY_5, { memoryLimitBytes: 400 * 1024 * 1024 })).rejects.toThrow(
        /^DuckDB ran out of memory reading the logs: Out of Memory Error: /,
      );
    });

    /**
     * Reads the demo's month with DuckDbEngine in a process of its own, through bash (for its
     * `ulimit`), and says what the read returned or threw. `exhaust` uses up the process's file
     * handles before the listing or once the listing is done.
     */
    const readInProcess = (
      options: { memoryLimitBytes?: number; exhaust?: 'before' | 'after' },
      env: Record<string, string>,
      limits: string,
    ): { error?: string; warnings: string[] } => {
      const script = `import { openSync } from 'node:fs';
        import { DuckDbEngine } from './dist/engines/duckdb/duckdb-engine.js';
        const handles = [];
        const exhaust = () => { try { for (;;) handles.push(openSync('/dev/null', 'r')); } catch {} };
        const warnings = [];
        const engine = await DuckDbEngine.create({
          logsDir: ${JSON.stringify(DEMO_LOGS)},
          ${options.memoryLimitBytes === undefined ? '' : `memoryLimitBytes: ${options.memoryLimitBytes},`}
          reporter: {
            warn: (message) => warnings.push(message),
            progress: () => { if (${JSON.stringify(options.exhaust)} === 'after' && handles.length === 0) exhaust(); },
          },
        });
        if (${JSON.stringify(options.exhaust)} === 'before') exhaust();
        try {
          await engine.summarize({ startDay: '2026-10-01', endDay: '2026-10-31' });
          console.log(JSON.stringify({ warnings }));
        } catch (error) {
          console.log(JSON.stringify({ error: error.message, warnings }));
        }`;
      const run = spawnSync(
        'bash',
        ['-c', `${limits}; exec "$0" --input-type=module -e "$1"`, process.execPath, script],
        { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { error?: string; warnings: string[] };
    };
    const SPILL = 'iamtrail-duckdb-[0-9a-f-]{36}';

    it('a spill folder it cannot create, or write in', () => {
      // The spill folder is named once a process, under TMPDIR: here a file, so that DuckDB cannot
      // create it when the demo's month passes a limit of 1 MiB.
      const notAFolder = join(work, 'tmpdir-is-a-file');
      writeFileSync(notAFolder, 'not a folder\n');
      const cannotCreate = readInProcess({ memoryLimitBytes: 1024 * 1024 }, { TMPDIR: notAFolder }, 'true');
      expect(cannotCreate.warnings).toEqual([]);
      expect(cannotCreate.error).toMatch(
        new RegExp(
          `^DuckDB could not use its spill folder ${notAFolder}/${SPILL}: IO Error: Failed to create directory `,
        ),
      );
      // A TMPDIR of "~/spill" (as a container's environment may set it, unexpanded): DuckDB
      // writes to the folder with "~" expanded, and says so; files past 4 KiB cannot be written.
      const home = join(work, 'home');
      mkdirSync(join(home, 'spill'), { recursive: true });
      const cannotWrite = readInProcess(
        { memoryLimitBytes: 1024 * 1024 },
        { HOME: home, TMPDIR: '~/spill' },
        "trap '' XFSZ; ulimit -f 8",
      );
      expect(cannotWrite.warnings).toEqual([]);
      expect(cannotWrite.error).toMatch(
        new RegExp(
          `^DuckDB could not use its spill folder ~/spill/${SPILL}: IO Error: Could not write file "${home}/spill/${SPILL}/`,
        ),
      );
    });

    it('no file handle left, before or after the listing', () => {
      const before = readInProcess({ exhaust: 'before' }, {}, 'ulimit -n 256');
      expect(before.warnings).toEqual([]);
      expect(before.error).toBe(`ran out of file handles listing the logs (EMFILE at ${DEMO_LOGS})`);
      const after = readInProcess({ exhaust: 'after' }, {}, 'ulimit -n 256');
      expect(after.warnings).toEqual([]);
      expect(after.error).toMatch(
        /^DuckDB ran out of file handles reading the logs: IO Error: Cannot open file ".*": Too many open files$/,
      );
    });
  });

  it('counts as read the files it read, not the folders it could not list', async () => {
    const { tree, day: dangling } = dayFolder('dangling');
    cpSync(day, dangling, { recursive: true });
    for (const name of Object.keys(bad)) rmSync(join(dangling, name));
    // A link to nothing: an entry the listing cannot look at, skipped with its reason.
    symlinkSync(join(work, 'nowhere'), join(dangling, 'gone'));
    const read = await summarize(tree, DAY_5);
    const reference = await summarize(clean, DAY_5);
    expect(read.skippedFiles).toEqual([{ file: join(dangling, 'gone'), reason: 'cannot be read (ENOENT)' }]);
    expect(read.filesRead).toBe(reference.filesRead);
    expect(read.filesRead).toBeGreaterThan(0);
  });

  it('tells DuckDB running out of memory, or refusing the query, from a bad file by the start of its message', async () => {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    const failure = async (sql: string, values: string[] = []): Promise<string> => {
      try {
        await connection.run(sql, values);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${sql} did not fail`);
    };
    try {
      const malformed = join(work, 'out of memory, failed to allocate.json');
      writeFileSync(malformed, '{"Records": [ out of memory');
      const badFile = await failure(
        `SELECT * FROM read_json($1, records = true, columns = {'Records': 'STRUCT(eventTime VARCHAR)[]'})`,
        [malformed],
      );
      expect(badFile).toContain(malformed);
      expect(isOutOfMemory(badFile)).toBe(false);
      // What files cause (malformed JSON, a value of the wrong type, a broken gzip stream, however
      // named) is no defect of the query; a query DuckDB cannot bind, parse or find is.
      const namedLikeDefects = join(work, 'Binder Error: Parser Error: Catalog Error:.json.gz');
      writeFileSync(namedLikeDefects, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72, 0x62]));
      const wrongType = join(work, 'wrong type.json');
      writeFileSync(wrongType, '{"Records": [{"eventTime": "Binder Error: a value"}]}');
      // One statement at a time: a connection runs one.
      const fileFailures: string[] = [];
      for (const file of [malformed, namedLikeDefects, wrongType])
        fileFailures.push(
          await failure(
            `SELECT * FROM read_json($1, records = true, columns = {'Records': 'STRUCT(eventTime STRUCT(a INT))[]'})`,
            [file],
          ),
        );
      expect(fileFailures.map((message) => message.slice(0, message.indexOf(':')))).toEqual([
        'Invalid Input Error',
        'IO Error',
        'Invalid Input Error',
      ]);
      for (const message of [badFile, ...fileFailures]) expect(isQueryDefect(message), message).toBe(false);
      const defects = [
        await failure('SELECT no_such_column FROM range(1)'),
        await failure('SELEC 1'),
        await failure('SELECT * FROM no_such_table'),
      ];
      expect(defects.map((message) => /(\w+) Error:/.exec(message)?.[1])).toEqual([
        'Binder',
        'Parser',
        'Catalog',
      ]);
      for (const message of defects) expect(isQueryDefect(message), message).toBe(true);
      await connection.run("SET memory_limit = '2MB'");
      const outOfMemory = await failure('SELECT list(range) FROM range(10000000)');
      expect(outOfMemory).toMatch(/^Out of Memory Error: /);
      expect(isOutOfMemory(outOfMemory)).toBe(true);
      expect(isQueryDefect(outOfMemory)).toBe(false);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('refuses a log folder that does not exist, naming it', async () => {
    await expect(
      summarize(join(work, 'nope'), { startDay: '2026-10-05', endDay: '2026-10-05' }),
    ).rejects.toThrow(`log folder ${join(work, 'nope')} does not exist or is not a folder`);
  });
});
