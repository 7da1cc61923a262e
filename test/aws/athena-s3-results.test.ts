import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AthenaClient, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SUMMARY_COLUMNS, coverageRows, createUserRow, summaryRow } from '../helpers/athena-results.js';
import { readCacheRows } from '../helpers/cache-rows.js';
import { athenaListUsersArgs, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { readMotoRecording, resetMotoRecording, startMoto } from '../helpers/moto.js';
import type { MotoRecordedRequest, MotoServer } from '../helpers/moto.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * The Athena engine reads the summary from the result object Athena wrote to S3, never through
 * GetQueryResults. moto runs the query lifecycle and S3 but not SQL: the canned rows queued for a
 * query are written by moto, when the query starts, as `<OutputLocation><id>.csv`, in Athena's
 * format (every value quoted, NULL an empty unquoted field, a header line); the requests counted
 * are those moto's recorder saw over HTTP.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-athena-s3-'));
let moto: MotoServer;
let athena: AthenaClient;
let s3: S3Client;
let config: string;
let cache: string;

const DEMO = '111111111111';
const BACKUP = '222222222222';
const RESULTS_BUCKET = 'query-results-bucket';

beforeAll(async () => {
  moto = await startMoto({
    env: { MOTO_ENABLE_RECORDING: 'true', MOTO_RECORDER_FILEPATH: join(work, 'moto-recording') },
  });
  const clientConfig = { region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.credentials };
  athena = new AthenaClient(clientConfig);
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  for (const Bucket of ['org-trail-bucket', RESULTS_BUCKET])
    await s3.send(new CreateBucketCommand({ Bucket }));
  config = join(work, 'config.yaml');
  writeFileSync(
    config,
    [
      'athena:',
      '  s3_bucket: org-trail-bucket',
      '  org_id: o-abc1234567',
      `  output_s3_bucket: s3://${RESULTS_BUCKET}`,
      '  workgroup: iamtrail-wg',
      '  regions: [us-east-1]',
      'accounts:',
      '  - name: demo',
      `    id: ${DEMO}`,
      `    iam: ${join(REPO_ROOT, 'examples/demo/iam/demo.json')}`,
      '  - name: backup',
      `    id: ${BACKUP}`,
      `    iam: ${join(REPO_ROOT, 'examples/demo/iam/backup.json')}`,
      '',
    ].join('\n'),
  );
  cache = join(work, 'cache.duckdb');
}, 60_000);
afterAll(async () => {
  athena.destroy();
  s3.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

const ask = (start: string, end: string, ...more: string[]): Promise<CliRun> =>
  runCli([...athenaListUsersArgs(config, cache, start, end), ...more], moto.env);

const executionIds = async (): Promise<string[]> =>
  (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'iamtrail-wg' }))).QueryExecutionIds ?? [];

/** The query executions started since `before`. */
const newExecutionIds = async (before: readonly string[]): Promise<string[]> =>
  (await executionIds()).filter((id) => !before.includes(id));

/** How many recorded requests called an Athena API (`X-Amz-Target: AmazonAthena.<api>`). */
const athenaCalls = (requests: readonly MotoRecordedRequest[], api: string): number =>
  requests.filter((request) => {
    const target = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-amz-target');
    return target?.[1] === `AmazonAthena.${api}`;
  }).length;

/** The recorded S3 GET requests of objects of the results bucket (path-style URLs). */
const resultObjectReads = (requests: readonly MotoRecordedRequest[]): string[] =>
  requests
    .filter((request) => request.method === 'GET')
    .map((request) => new URL(request.url).pathname)
    .filter((path) => path.startsWith(`/${RESULTS_BUCKET}/`));

/** A message without its whitespace: oclif wraps long lines anywhere, inside an object's name too. */
const squeezed = (text: string): string => text.replace(/[\s›]+/g, '');

/** Rows of a query on the cache file, values as JSON would have them. */
const cacheRows = (sql: string): Promise<unknown[][]> => readCacheRows(cache, sql);

describe('the Athena summary read from its S3 result object (moto over HTTP)', () => {
  it('loads exactly the result rows into the cache, with no GetQueryResults call, "" apart from NULL', async () => {
    const bob = summaryRow(
      DEMO,
      '2026-10-03',
      `arn:aws:iam::${DEMO}:user/bob`,
      'IAMUser',
      'iam.amazonaws.com',
      'GetUser',
      'ok',
      '7',
    );
    // An empty caller: Athena writes "" (an empty string), not the empty field of a NULL.
    const emptyCaller = summaryRow(
      BACKUP,
      '2026-10-04',
      `arn:aws:iam::${BACKUP}:role/admin`,
      'AssumedRole',
      'backup.amazonaws.com',
      'ListBackupPlans',
      'ok',
      '2',
      '',
    );
    // A value holding the CSV's delimiter, and a line break.
    const created = createUserRow(
      DEMO,
      '2026-10-05T09:00:00Z',
      `arn:aws:iam::${DEMO}:role/admin`,
      'e-s3-create',
      'carol, the second\nline',
      `arn:aws:iam::${DEMO}:user/alice`,
    );
    // The role an AssumeRole call assumed: a column of the activity rows.
    const assumed = summaryRow(
      DEMO,
      '2026-10-05',
      `arn:aws:iam::${DEMO}:user/alice`,
      'IAMUser',
      'sts.amazonaws.com',
      'AssumeRole',
      'ok',
      '1',
      null,
      `arn:aws:iam::${BACKUP}:role/admin`,
    );
    await moto.queueAthenaResults(
      [bob, emptyCaller, created, assumed, ...coverageRows([DEMO, BACKUP], '2026-10-01', '2026-10-07')],
      SUMMARY_COLUMNS,
    );
    await resetMotoRecording(moto);
    const before = await executionIds();

    const result = await ask('2026-10-01', '2026-10-07');
    expect(result.status, result.stderr).toBe(0);
    const requests = await readMotoRecording(moto);
    const [queryId] = await newExecutionIds(before);
    expect(queryId).toBeDefined();
    const object = `iamtrail-results/${queryId}.csv`;
    // One query, its result read once from S3, and no row paged through the Athena API.
    expect(athenaCalls(requests, 'StartQueryExecution')).toBe(1);
    expect(athenaCalls(requests, 'GetQueryResults')).toBe(0);
    expect(resultObjectReads(requests)).toEqual([`/${RESULTS_BUCKET}/${object}`]);
    const rowsInObject = 4 + 2 * 7;
    expect(result.stderr).toContain(`athena ${queryId}: ${rowsInObject} row(s),`);
    expect(squeezed(result.stderr)).toContain(squeezed(`read from s3://${RESULTS_BUCKET}/${object}`));
    expect(result.stdout).toContain('  bob      2026-10-03\n');
    // For the closing note of issue 18: what moto saw.
    console.log(
      `athena summary through S3: ${rowsInObject} result rows loaded from s3://${RESULTS_BUCKET}/${object}; moto saw ${athenaCalls(requests, 'StartQueryExecution')} StartQueryExecution, ${athenaCalls(requests, 'GetQueryResults')} GetQueryResults, ${resultObjectReads(requests).length} GetObject of the results bucket`,
    );

    expect(
      await cacheRows(
        'SELECT account_id, day, actor_arn, actor_type, caller_arn, via_arn, event_source, event_name, outcome, calls, first_seen, last_seen, assumed_role_arn FROM activity ORDER BY day, actor_arn',
      ),
    ).toEqual([
      [
        DEMO,
        '2026-10-03',
        `arn:aws:iam::${DEMO}:user/bob`,
        'IAMUser',
        null,
        null,
        'iam.amazonaws.com',
        'GetUser',
        'ok',
        '7',
        '2026-10-03T10:00:00Z',
        '2026-10-03T11:00:00Z',
        null,
      ],
      [
        BACKUP,
        '2026-10-04',
        `arn:aws:iam::${BACKUP}:role/admin`,
        'AssumedRole',
        '',
        null,
        'backup.amazonaws.com',
        'ListBackupPlans',
        'ok',
        '2',
        '2026-10-04T10:00:00Z',
        '2026-10-04T11:00:00Z',
        null,
      ],
      [
        DEMO,
        '2026-10-05',
        `arn:aws:iam::${DEMO}:user/alice`,
        'IAMUser',
        null,
        null,
        'sts.amazonaws.com',
        'AssumeRole',
        'ok',
        '1',
        '2026-10-05T10:00:00Z',
        '2026-10-05T11:00:00Z',
        `arn:aws:iam::${BACKUP}:role/admin`,
      ],
    ]);
    expect(
      await cacheRows(
        'SELECT account_id, event_time, event_id, caller_arn, source_ip, user_name, role_name FROM iam_changes',
      ),
    ).toEqual([
      [
        DEMO,
        '2026-10-05T09:00:00Z',
        'e-s3-create',
        `arn:aws:iam::${DEMO}:user/alice`,
        '203.0.113.9',
        'carol, the second\nline',
        null,
      ],
    ]);
    // Every (account, day) of the queued coverage rows, with their two files, and nothing else.
    expect(
      await cacheRows(
        'SELECT count(*), count(DISTINCT account_id), min(day), max(day), sum(files) FROM coverage',
      ),
    ).toEqual([['14', '2', '2026-10-01', '2026-10-07', '28']]);
  }, 120_000);

  it('fails with exit code 3 naming the result object when it does not exist', async () => {
    // Nothing queued: moto writes no result object, as when a lifecycle rule removed it.
    const before = await executionIds();
    const result = await ask('2026-09-01', '2026-09-02');
    expect(result.status, result.stderr).toBe(3);
    const [queryId] = await newExecutionIds(before);
    expect(squeezed(result.stderr)).toContain(
      squeezed(
        `the S3 object s3://${RESULTS_BUCKET}/iamtrail-results/${queryId}.csv does not exist (NoSuchKey)`,
      ),
    );
    expect(result.stdout).toBe('');
  }, 60_000);

  it('fails with exit code 3 naming the result object when a value does not parse as its column type', async () => {
    await moto.queueAthenaResults(
      [
        summaryRow(
          DEMO,
          '2026-08-01',
          `arn:aws:iam::${DEMO}:user/bob`,
          'IAMUser',
          'iam.amazonaws.com',
          'GetUser',
          'ok',
          'many',
        ),
        ...coverageRows([DEMO], '2026-08-01', '2026-08-01'),
      ],
      SUMMARY_COLUMNS,
    );
    const before = await executionIds();
    const result = await ask('2026-08-01', '2026-08-01');
    expect(result.status, result.stderr).toBe(3);
    const [queryId] = await newExecutionIds(before);
    const message = squeezed(result.stderr);
    expect(message).toContain(
      squeezed(
        `the Athena result s3://${RESULTS_BUCKET}/iamtrail-results/${queryId}.csv does not match the summary's column types`,
      ),
    );
    expect(message).toContain(
      squeezed('Error when converting column "calls". Could not convert string "many" to \'BIGINT\''),
    );
    // Nothing of the window was cached: the same question reads it again.
    expect(await cacheRows("SELECT count(*) FROM coverage WHERE day = '2026-08-01'")).toEqual([['0']]);
  }, 60_000);

  it('fails with exit code 3 naming the result object when a column is missing or extra', async () => {
    const withoutCalls = SUMMARY_COLUMNS.filter((column) => column.name !== 'calls');
    const callsAt = SUMMARY_COLUMNS.findIndex((column) => column.name === 'calls');
    const row = summaryRow(
      DEMO,
      '2026-07-01',
      `arn:aws:iam::${DEMO}:user/bob`,
      'IAMUser',
      'iam.amazonaws.com',
      'GetUser',
    );
    await moto.queueAthenaResults(
      [[...row.slice(0, callsAt), ...row.slice(callsAt + 1), 'surprise']],
      [...withoutCalls, { name: 'surprise', type: 'varchar' }],
    );
    const before = await executionIds();
    const result = await ask('2026-07-01', '2026-07-01');
    expect(result.status, result.stderr).toBe(3);
    const [queryId] = await newExecutionIds(before);
    expect(squeezed(result.stderr)).toContain(
      squeezed(
        `the Athena result s3://${RESULTS_BUCKET}/iamtrail-results/${queryId}.csv lacks column(s) calls; has column(s) the summary does not (surprise)`,
      ),
    );
  }, 60_000);

  it('athena cleanup removes the result objects of the summaries, and nothing else of the bucket', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: 'iamtrail-results/someone-elses.csv', Body: 'x' }),
    );
    const keys = async (): Promise<string[]> =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: RESULTS_BUCKET }))).Contents ?? [])
        .map((entry) => entry.Key ?? '')
        .sort();
    // The objects moto wrote for the queries that had a result: the first question's and the two malformed ones.
    const written = (await keys()).filter((key) => key !== 'iamtrail-results/someone-elses.csv');
    expect(written).toHaveLength(3);
    const result = await runCli(
      ['athena', 'cleanup', '--config', config, '--cache', cache, '--yes'],
      moto.env,
    );
    expect(result.status, result.stderr).toBe(0);
    for (const key of written)
      expect(result.stdout).toContain(`remove result-object s3://${RESULTS_BUCKET}/${key}\n`);
    expect(await keys()).toEqual(['iamtrail-results/someone-elses.csv']);
  }, 60_000);
});
