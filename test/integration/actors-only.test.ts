import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { loadWindow, planLogs } from '../../src/app/report/load-window.js';
import { writeDays } from '../../src/cache/activity-writes.js';
import { CacheConnection } from '../../src/cache/cache-connection.js';
import { loadConfig } from '../../src/config/load-config.js';
import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { SummaryRequest, SummaryResult } from '../../src/engines/engine.js';
import { ANY_EVENT } from '../../src/trail/activity-summary.js';
import type { ActivityRow } from '../../src/trail/activity-summary.js';
import { cacheTables } from '../helpers/cache-tables.js';
import { parseJsonAnswer, runCli, withoutLogs } from '../helpers/cli.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';
import { byAccountAndDay, readTrailPlainly } from '../helpers/reference-reader.js';

/*
 * `--list users` without the cache reads only each actor's calls per account, day and outcome
 * (`SummaryRequest.actorsOnly`): no role session is resolved and no event kept apart. Its answers
 * must be those of the full summary, and a cache must never hold such rows.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-actors-only-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO_LOGS = join(REPO_ROOT, 'examples/demo/logs');
const INVICTUS_LOGS = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');

const cases = [
  ['the demo logs', DEMO_LOGS, { startDay: '2026-10-01', endDay: '2026-10-31' }, true],
  [
    'invictus-stratus-cloudtrail',
    INVICTUS_LOGS,
    { startDay: '2023-07-10', endDay: '2023-07-10' },
    hasDatasets(),
  ],
] as const;

async function summarize(
  logsDir: string,
  request: SummaryRequest,
  batchFiles?: number,
  warnings?: string[],
): Promise<SummaryResult> {
  const engine = await DuckDbEngine.create({
    logsDir,
    reporter: { warn: (message) => warnings?.push(message) },
    ...(batchFiles === undefined ? {} : { batchFiles }),
  });
  try {
    return await engine.summarize(request);
  } finally {
    await engine.close();
  }
}

/** Rows summed per (account, day, actor, actor type, outcome), as sorted tab-separated lines. */
function perActor(rows: readonly ActivityRow[]): string[] {
  const tallies = new Map<string, { calls: number; first: string; last: string }>();
  for (const row of rows) {
    const key = [row.accountId, row.day, row.actorArn, row.actorType, row.outcome].join('\t');
    const tally = tallies.get(key);
    if (tally === undefined) tallies.set(key, { calls: row.calls, first: row.firstSeen, last: row.lastSeen });
    else {
      tally.calls += row.calls;
      if (row.firstSeen < tally.first) tally.first = row.firstSeen;
      if (row.lastSeen > tally.last) tally.last = row.lastSeen;
    }
  }
  return [...tallies].map(([key, { calls, first, last }]) => `${key}\t${calls}\t${first}\t${last}`).sort();
}

describe('a summary of the actors only (--list users without the cache)', () => {
  it.each(cases.filter(([, , , present]) => present))(
    '%s: each actor has the calls of the full summary and of a plain reading, per day and outcome, and nothing else',
    async (_name, logs, window) => {
      const full = await summarize(logs, window);
      const actors = await summarize(logs, { ...window, actorsOnly: true });
      const plain = readTrailPlainly(logs, window.startDay, window.endDay);
      // The full summary has what the lean one leaves out, so the comparison means something.
      expect(full.rows.some((row) => row.callerArn !== null)).toBe(true);
      expect(new Set(full.rows.map((row) => row.eventName)).size).toBeGreaterThan(5);

      // The full summary also keeps the AssumeRole calls of identities without an ARN (an AWS
      // service, a SAML or web-identity user) under the assumer's name, for the role they named:
      // no user's, and no row of a per-actor summary.
      const isArn = (row: ActivityRow) => row.actorArn.startsWith('arn:');
      for (const row of full.rows.filter((entry) => !isArn(entry)))
        expect([row.eventSource, row.eventName.startsWith('AssumeRole'), row.assumedRoleArn]).toEqual([
          'sts.amazonaws.com',
          true,
          expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
        ]);
      expect(perActor(actors.rows)).toEqual(perActor(full.rows.filter(isArn)));
      expect(perActor(actors.rows)).toEqual(perActor(plain.rows.filter(isArn)));
      // One row per actor, day and outcome, with no caller and no event.
      expect(actors.rows).toHaveLength(perActor(actors.rows).length);
      for (const row of actors.rows) {
        expect(row).toMatchObject({
          callerArn: null,
          viaArn: null,
          eventSource: ANY_EVENT,
          eventName: ANY_EVENT,
        });
      }
      expect(actors.changes).toEqual([]);
      // What was read is the same.
      expect([...actors.coverage].sort(byAccountAndDay)).toEqual([...full.coverage].sort(byAccountAndDay));
      expect(actors.filesRead).toBe(full.filesRead);
      expect(actors.skippedFiles).toEqual(full.skippedFiles);
      // Read in batches of 7 files, an actor's day is in several: the same rows, summed.
      const batched = await summarize(logs, { ...window, actorsOnly: true }, 7);
      expect(perActor(batched.rows)).toEqual(perActor(actors.rows));
      expect(batched.rows).toHaveLength(actors.rows.length);
      expect([...batched.coverage].sort(byAccountAndDay)).toEqual([...actors.coverage].sort(byAccountAndDay));
    },
  );
});

describe("a per-actor summary's file (the engine's spill)", () => {
  it('holds its columns alone, and fills an in-memory store with the rows its returned rows give, row for row', async () => {
    const window = { startDay: '2026-10-01', endDay: '2026-10-31' };
    const spillDir = mkdtempSync(join(work, 'spill-'));
    const engine = await DuckDbEngine.create({
      logsDir: DEMO_LOGS,
      spillDir,
      reporter: { warn: () => undefined },
    });
    let spilled: SummaryResult;
    try {
      spilled = await engine.summarize({ ...window, actorsOnly: true });
    } finally {
      await engine.close();
    }
    const returned = await summarize(DEMO_LOGS, { ...window, actorsOnly: true });
    const file = spilled.rowsFile;
    if (file === undefined) throw new Error('the engine spilled nothing');
    expect(spilled.rows).toEqual([]);
    expect([...spilled.coverage].sort(byAccountAndDay)).toEqual([...returned.coverage].sort(byAccountAndDay));
    const days = Array.from({ length: 31 }, (_, index) => `2026-10-${String(index + 1).padStart(2, '0')}`);
    /** The store's actors' days and coverage, written from `rows` as a per-actor summary's. */
    const stored = async (rows: SummaryResult['rows'] | { file: string }) => {
      const cache = await CacheConnection.open(':memory:');
      try {
        await writeDays(cache, 'local:demo', days, rows, returned.coverage, {}, [], [], [], false, true);
        const read = async (query: string, values: string[] = []) =>
          (await cache.connection.runAndReadAll(query, values)).getRowsJson();
        return {
          columns: await read('SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($1))', [file]),
          actorDays: await read('SELECT * FROM actor_days ORDER BY ALL'),
          coverage: await read('SELECT * EXCLUDE (loaded_at) FROM coverage ORDER BY ALL'),
          others: await read(
            'SELECT (SELECT count(*) FROM activity) + (SELECT count(*) FROM account_events) + (SELECT count(*) FROM iam_changes) + (SELECT count(*) FROM resource_usage)',
          ),
        };
      } finally {
        await cache.close();
      }
    };
    const fromFile = await stored({ file });
    const fromRows = await stored(returned.rows);
    expect(fromFile.columns.flat()).toEqual([
      'account_id',
      'day',
      'actor_arn',
      'actor_type',
      'caller_arn',
      'via_arn',
      'outcome',
      'calls',
      'first_seen',
      'last_seen',
      'log_files',
    ]);
    expect(fromFile.actorDays.length).toBeGreaterThan(20);
    expect(fromFile.actorDays).toEqual(fromRows.actorDays);
    expect(fromFile.coverage).toEqual(fromRows.coverage);
    expect(fromFile.others).toEqual([['0']]);
  });
});

describe('one engine asked both ways', () => {
  it('answers each request as a new engine would, whichever came before (the reader is chosen per request)', async () => {
    const window = { startDay: '2026-10-13', endDay: '2026-10-19' };
    const full = await summarize(DEMO_LOGS, window);
    const actors = await summarize(DEMO_LOGS, { ...window, actorsOnly: true });
    const engine = await DuckDbEngine.create({ logsDir: DEMO_LOGS, reporter: { warn: () => undefined } });
    try {
      for (const [request, expected] of [
        [{ ...window, actorsOnly: true }, actors],
        [window, full],
        [{ ...window, actorsOnly: true }, actors],
      ] as const) {
        const answer = await engine.summarize(request);
        expect(perActor(answer.rows)).toEqual(perActor(expected.rows));
        expect(answer.rows).toHaveLength(expected.rows.length);
        expect(answer.changes).toHaveLength(expected.changes.length);
      }
    } finally {
      await engine.close();
    }
  });

  it('refuses a per-actor summary with the resources, which it would leave out', async () => {
    await expect(
      summarize(DEMO_LOGS, {
        startDay: '2026-10-13',
        endDay: '2026-10-13',
        actorsOnly: true,
        resources: true,
      }),
    ).rejects.toThrow(/reads no resources/);
  });
});

describe('a log file that repeats a field', () => {
  it('is read alike by both summaries, each repeated field at its last value, with a warning naming the file', async () => {
    // DuckDB refuses a record repeating a field its type names, and the per-actor reader names
    // fewer fields than the full one: both must still read every file the same way. Each file
    // repeats one field of one record, its first value one that would change the answer (another
    // account, a day outside the window, another user, an access error, the text "again"): the
    // last value must win, as jq and JSON.parse take it. The last file repeats two fields.
    const logs = join(work, 'repeated-fields');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(day, { recursive: true });
    const record = (user: string) =>
      JSON.stringify({
        eventTime: '2026-10-10T05:00:00Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        errorCode: null,
        awsRegion: 'us-east-1',
        sourceIPAddress: '192.0.2.1',
        userAgent: 'agent',
        eventID: 'id',
        requestParameters: { bucketName: 'b' },
        responseElements: null,
        recipientAccountId: '111111111111',
        userIdentity: {
          type: 'IAMUser',
          arn: `arn:aws:iam::111111111111:user/${user}`,
          accessKeyId: 'AKIA',
          userName: user,
          invokedBy: 'AWS Internal',
          sessionContext: { sourceIdentity: 'someone', sessionIssuer: {} },
        },
      });
    const firstValues: Record<string, string> = {
      eventTime: '"2026-10-01T05:00:00Z"',
      recipientAccountId: '"999999999999"',
      errorCode: '"AccessDenied"',
      arn: '"arn:aws:iam::111111111111:user/someone-else"',
      type: '"AssumedRole"',
    };
    const repeats = [
      'eventID',
      'awsRegion',
      'sourceIPAddress',
      'accessKeyId',
      'userAgent',
      'eventName',
      'requestParameters',
      'responseElements',
      'userName',
      'invokedBy',
      'sourceIdentity',
      'eventSource',
      ...Object.keys(firstValues),
    ];
    const repeat = (text: string, field: string) =>
      text.replace(`"${field}":`, `"${field}":${firstValues[field] ?? '"again"'},"${field}":`);
    const write = (name: string, text: string) => {
      writeFileSync(join(day, `111111111111_CloudTrail_us-east-1_20261010T${name}.json.gz`), gzipSync(text));
    };
    repeats.forEach((field, index) => {
      write(
        `${String(index).padStart(2, '0')}00Z_${field}`,
        `{"Records":[${record(`plain${String(index)}`)},${repeat(record(field), field)}]}`,
      );
    });
    write('2200Z_two', `{"Records":[${repeat(repeat(record('two'), 'eventTime'), 'eventName')}]}`);
    // The fields the per-actor reader does not read hold any kind of JSON value, as both read them.
    const odd = JSON.parse(record('odd-values')) as Record<string, unknown>;
    Object.assign(odd, {
      eventID: 7,
      eventSource: ['s3.amazonaws.com'],
      awsRegion: ['us-east-1'],
      sourceIPAddress: { v4: '192.0.2.1' },
      requestParameters: 'text',
      responseElements: [1],
    });
    Object.assign(odd['userIdentity'] as object, {
      accessKeyId: { id: 1 },
      userName: false,
      invokedBy: 5,
      sessionContext: { sourceIdentity: [1], sessionIssuer: {} },
    });
    writeFileSync(
      join(day, '111111111111_CloudTrail_us-east-1_20261010T2300Z_odd-values.json.gz'),
      gzipSync(JSON.stringify({ Records: [odd] })),
    );
    const window = { startDay: '2026-10-10', endDay: '2026-10-10' };
    const fullWarnings: string[] = [];
    const actorWarnings: string[] = [];
    const temp = mkdtempSync(join(tmpdir(), 'iamtrail-tmpdir-'));
    vi.stubEnv('TMPDIR', temp);
    let full: SummaryResult;
    let actors: SummaryResult;
    try {
      full = await summarize(logs, window, undefined, fullWarnings);
      actors = await summarize(logs, { ...window, actorsOnly: true }, undefined, actorWarnings);
      // Each copy removed once read, and its removal at exit with it.
      expect(readdirSync(temp).filter((name) => name.startsWith('iamtrail-repeated-'))).toEqual([]);
      expect(process.listeners('exit').map((listener) => listener.name)).not.toContain(
        'removeRepeatedFieldsCopy',
      );
    } finally {
      vi.unstubAllEnvs();
      rmSync(temp, { recursive: true, force: true });
    }
    expect(full.skippedFiles).toEqual([]);
    expect(actors.skippedFiles).toEqual([]);
    expect(full.filesRead).toBe(repeats.length + 2);
    expect(actors.filesRead).toBe(full.filesRead);
    expect(perActor(actors.rows)).toEqual(perActor(full.rows));
    // Every user's call, as its last values say: in the account, on the day, by the user, ok.
    const users = [
      ...repeats.map((field, index) => [`plain${String(index)}`, field]).flat(),
      'two',
      'odd-values',
    ];
    expect(perActor(full.rows)).toEqual(
      users
        .map((user) =>
          [
            '111111111111',
            '2026-10-10',
            `arn:aws:iam::111111111111:user/${user}`,
            'IAMUser',
            'ok',
            1,
            '2026-10-10T05:00:00Z',
            '2026-10-10T05:00:00Z',
          ].join('\t'),
        )
        .sort(),
    );
    expect(full.rows.filter((row) => row.eventSource === 'again' || row.eventName === 'again')).toEqual([]);
    // Each summary warns of the files it read again: those that repeat a field its reader names
    // (userAgent, named by neither, is never refused).
    const warned = (warnings: readonly string[]) =>
      warnings
        .map((warning) =>
          /_20261010T\d{4}Z_([A-Za-z-]+)\.json\.gz: a record repeats the field "([A-Za-z]+)"; read with/
            .exec(warning)
            ?.slice(1, 3)
            .join(' '),
        )
        .sort();
    expect(warned(fullWarnings)).toEqual(
      [
        ...repeats.filter((field) => field !== 'userAgent').map((field) => `${field} ${field}`),
        'two eventTime',
      ].sort(),
    );
    expect(warned(actorWarnings)).toEqual(
      [
        ...['eventTime', 'recipientAccountId', 'errorCode', 'arn', 'type'].map(
          (field) => `${field} ${field}`,
        ),
        'two eventTime',
      ].sort(),
    );
  });

  it('is read alike by both summaries whatever else DuckDB takes in it, every value as DuckDB reads it', async () => {
    // Each file repeats eventID (a field only the full reader names) and holds one thing JSON.parse
    // refuses and DuckDB's reader takes: both summaries must read it, with the same values.
    const logs = join(work, 'repeated-and-lenient');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(day, { recursive: true });
    const record = (user: string, extra = '') =>
      `{"eventTime":"2026-10-10T05:00:00Z","eventID":"a","eventID":"b","recipientAccountId":"111111111111"${extra},"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/${user}"}}`;
    const files: Record<string, string | Buffer> = {
      'bom.json': `\uFEFF{"Records":[${record('bom')}]}`,
      'nan.json': `{"Records":[${record('nan', ',"n":NaN')}]}`,
      'trailing-comma.json': `{"Records":[${record('trailing-comma')},]}`,
      'two-documents.json': `{"Records":[${record('first-document')}]}\n{"Records":[${record('second-document')}]}`,
      'cut-trailer.json.gz': gzipSync(`{"Records":[${record('cut-trailer')}]}`).subarray(0, -4),
      'number-account.json': `{"Records":[${record('number-account').replace('"recipientAccountId":"111111111111"', '"recipientAccountId":1.11111111111E11')}]}`,
    };
    for (const [name, content] of Object.entries(files))
      writeFileSync(join(day, `111111111111_CloudTrail_us-east-1_20261010T0000Z_${name}`), content);
    const window = { startDay: '2026-10-10', endDay: '2026-10-10' };
    const fullWarnings: string[] = [];
    const full = await summarize(logs, window, undefined, fullWarnings);
    const actors = await summarize(logs, { ...window, actorsOnly: true });
    expect(full.skippedFiles).toEqual([]);
    expect(actors.skippedFiles).toEqual([]);
    expect(perActor(actors.rows)).toEqual(perActor(full.rows));
    expect(full.rows.map((row) => row.actorArn.split('/')[1]).sort()).toEqual(
      [
        'bom',
        'nan',
        'trailing-comma',
        'first-document',
        'second-document',
        'cut-trailer',
        'number-account',
      ].sort(),
    );
    // The number written as DuckDB writes it, by both (no account of the window, but the same).
    expect(
      full.rows.filter((row) => row.actorArn.endsWith('/number-account')).map((row) => row.accountId),
    ).toEqual(['111111111111.0']);
    expect(
      fullWarnings.filter((warning) => warning.includes('a record repeats the field "eventID"')),
    ).toHaveLength(Object.keys(files).length);
  });

  it('is skipped as before when its copy would pass the size limit, which numbers written out can make it', async () => {
    const logs = join(work, 'repeated-and-growing');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(day, { recursive: true });
    const file = join(day, '111111111111_CloudTrail_us-east-1_20261010T0000Z_growing.json');
    // 149 bytes, which the copy writes out: each 1e9 as 1000000000.0.
    const text = `{"Records":[{"eventTime":"2026-10-10T05:00:00Z","eventTime":"2026-10-10T05:00:00Z","n":[${Array(16).fill('1e9').join(',')}]}]}`;
    writeFileSync(file, text);
    expect(text.length).toBeLessThanOrEqual(200);
    const warnings: string[] = [];
    const engine = await DuckDbEngine.create({
      logsDir: logs,
      reporter: { warn: (message) => warnings.push(message) },
      maxLogFileBytes: 200,
    });
    try {
      const result = await engine.summarize({ startDay: '2026-10-10', endDay: '2026-10-10' });
      expect(result.skippedFiles.map((entry) => entry.file)).toEqual([file]);
      expect(result.skippedFiles[0]?.reason).toMatch(/duplicate key/);
      expect(warnings.some((warning) => warning.includes('a record repeats'))).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('is skipped as before when its copy cannot be read either, and leaves no copy behind', async () => {
    // A record repeating a field (refused first), and a record that is not an object, which the
    // copy still holds: refused again, for that.
    const logs = join(work, 'repeated-and-bad');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(day, { recursive: true });
    const file = join(day, '111111111111_CloudTrail_us-east-1_20261010T0000Z_bad.json.gz');
    writeFileSync(
      file,
      gzipSync(
        '{"Records":[{"eventTime":"2026-10-10T05:00:00Z","eventTime":"2026-10-10T05:00:00Z","recipientAccountId":"111111111111","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/a"}},7]}',
      ),
    );
    const temp = mkdtempSync(join(tmpdir(), 'iamtrail-tmpdir-'));
    vi.stubEnv('TMPDIR', temp);
    try {
      for (const actorsOnly of [false, true]) {
        const warnings: string[] = [];
        const result = await summarize(
          logs,
          { startDay: '2026-10-10', endDay: '2026-10-10', actorsOnly },
          undefined,
          warnings,
        );
        expect(result.skippedFiles.map((entry) => entry.file)).toEqual([file]);
        expect(warnings.some((warning) => warning.includes('a record repeats'))).toBe(false);
        expect(readdirSync(temp).filter((name) => name.startsWith('iamtrail-repeated-'))).toEqual([]);
      }
    } finally {
      vi.unstubAllEnvs();
      rmSync(temp, { recursive: true, force: true });
    }
  });
});

describe("each call's outcome", () => {
  it('is told per actor as the full summary tells it, from the error code and whether there is a message', async () => {
    // The per-actor stage groups by the error code and whether a message is present, and tells
    // the outcome once per group: each combination, and two codes giving one outcome to one actor.
    const logs = join(work, 'outcomes');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(day, { recursive: true });
    const call = (user: string, minute: number, error: Record<string, string>) => ({
      eventTime: `2026-10-10T05:${String(minute).padStart(2, '0')}:00Z`,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      recipientAccountId: '111111111111',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111111111111:user/${user}` },
      ...error,
    });
    const records = [
      call('none', 1, {}),
      call('message-only', 2, { errorMessage: 'Internal error' }),
      call('denied', 3, { errorCode: 'AccessDenied' }),
      call('denied', 4, { errorCode: 'AccessDenied', errorMessage: 'not authorized' }),
      call('denied', 5, { errorCode: 'KMS.AccessDeniedException' }),
      call('dry-run', 6, { errorCode: 'Client.DryRunOperation', errorMessage: 'would have succeeded' }),
      call('failed', 7, { errorCode: 'NoSuchBucket' }),
      call('failed', 8, { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }),
      call('mixed', 1, {}),
      call('mixed', 2, { errorMessage: 'Internal error' }),
    ];
    writeFileSync(
      join(day, '111111111111_CloudTrail_us-east-1_20261010T0500Z_outcomes.json.gz'),
      gzipSync(JSON.stringify({ Records: records })),
    );
    const window = { startDay: '2026-10-10', endDay: '2026-10-10' };
    const full = await summarize(logs, window);
    const actors = await summarize(logs, { ...window, actorsOnly: true });
    const line = (user: string, outcome: string, calls: number, first: number, last: number) =>
      [
        '111111111111',
        '2026-10-10',
        `arn:aws:iam::111111111111:user/${user}`,
        'IAMUser',
        outcome,
        calls,
        `2026-10-10T05:0${String(first)}:00Z`,
        `2026-10-10T05:0${String(last)}:00Z`,
      ].join('\t');
    const expected = [
      line('none', 'ok', 1, 1, 1),
      line('message-only', 'failed', 1, 2, 2),
      line('denied', 'denied', 3, 3, 5),
      line('dry-run', 'ok', 1, 6, 6),
      line('failed', 'failed', 2, 7, 8),
      line('mixed', 'ok', 1, 1, 1),
      line('mixed', 'failed', 1, 2, 2),
    ].sort();
    expect(perActor(actors.rows)).toEqual(expected);
    expect(perActor(full.rows)).toEqual(expected);
    // One row per actor and outcome once resolved, whatever the codes under it.
    expect(actors.rows).toHaveLength(expected.length);
  });
});

describe('files that yield no activity', () => {
  it('are told apart alike by both summaries, in one batch or many: read, or skipped with the same reason', async () => {
    // The per-actor stage knows a file was read from its records (those outside the window
    // included), where the full one has a row per file: each kind of file that holds no record of
    // the window must come out of both the same way.
    const logs = join(work, 'odd-files');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    const dayAfter = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/11');
    mkdirSync(day, { recursive: true });
    mkdirSync(dayAfter, { recursive: true });
    const record = (user: string, eventTime: string) => ({
      eventTime,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      recipientAccountId: '111111111111',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111111111111:user/${user}` },
    });
    const write = (dir: string, name: string, content: string | Buffer) => {
      writeFileSync(join(dir, `111111111111_CloudTrail_us-east-1_${name}`), content);
    };
    const gz = (value: unknown) => gzipSync(JSON.stringify(value));
    write(day, '20261010T0000Z_a.json.gz', gz({ Records: [record('alice', '2026-10-10T00:00:00Z')] }));
    write(day, '20261010T0100Z_empty-list.json.gz', gz({ Records: [] }));
    write(day, '20261010T0200Z_null-record.json.gz', gz({ Records: [null] }));
    write(day, '20261010T0300Z_no-records.json.gz', gz({ Other: [] }));
    write(day, '20261010T0400Z_null-records.json.gz', gz({ Records: null }));
    write(day, '20261010T0500Z_garbled.json.gz', Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6, 7]));
    write(day, '20261010T0600Z_empty.json.gz', Buffer.alloc(0));
    write(day, '20261010T0700Z_b.json.gz', gz({ Records: [record('bob', '2026-10-10T07:00:00Z')] }));
    // DuckDB reads these two where JavaScript's JSON.parse would not: their records are read, not diagnosed.
    write(day, '20261010T0800Z_bom-empty.json', `\uFEFF${JSON.stringify({ Records: [] })}`);
    write(
      day,
      '20261010T0900Z_two-documents.json',
      `${JSON.stringify({ Records: [] })}\n${JSON.stringify({ Records: [] })}`,
    );
    // Read (the day after the window is, for late deliveries), holding only events after it.
    write(
      dayAfter,
      '20261011T0100Z_after.json.gz',
      gz({ Records: [record('carol', '2026-10-11T00:30:00Z')] }),
    );
    const window = { startDay: '2026-10-10', endDay: '2026-10-10' };
    const skippedOf = (result: SummaryResult) =>
      result.skippedFiles.map(
        (entry) => `${entry.file.slice(entry.file.lastIndexOf('_') + 1)}: ${entry.reason}`,
      );
    const expected = [
      'no-records.json.gz: not a CloudTrail log file: the top level has no "Records" list',
      'null-records.json.gz: not a CloudTrail log file: "Records" is not a list',
      expect.stringMatching(/^garbled\.json\.gz: not a valid gzip stream/),
      'empty.json.gz: empty file',
    ];
    for (const batchFiles of [50_000, 1, 3]) {
      const engine = await DuckDbEngine.create({
        logsDir: logs,
        batchFiles,
        reporter: { warn: () => undefined },
      });
      try {
        const full = await engine.summarize(window);
        const actors = await engine.summarize({ ...window, actorsOnly: true });
        expect(skippedOf(full)).toEqual(expected);
        expect(skippedOf(actors)).toEqual(skippedOf(full));
        expect(actors.filesRead).toBe(11 - 4);
        expect(full.filesRead).toBe(actors.filesRead);
        expect(actors.coverage).toEqual([{ accountId: '111111111111', day: '2026-10-10', files: 2 }]);
        expect([...actors.coverage].sort(byAccountAndDay)).toEqual([...full.coverage].sort(byAccountAndDay));
        expect(perActor(actors.rows)).toEqual(perActor(full.rows));
        expect(perActor(actors.rows).map((line) => line.split('\t')[2])).toEqual([
          'arn:aws:iam::111111111111:user/alice',
          'arn:aws:iam::111111111111:user/bob',
        ]);
      } finally {
        await engine.close();
      }
    }
  });
});

/** A log file of one call, `ListBuckets` by the user `user` of 111111111111 on 2026-10-10. */
function oneCallFile(user: string): string {
  return JSON.stringify({
    Records: [
      {
        eventTime: '2026-10-10T01:00:00Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        recipientAccountId: '111111111111',
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111111111111:user/${user}` },
      },
    ],
  });
}

/**
 * Expects both summaries of 2026-10-10, in one batch and in batches of two, to read each of the
 * `users`' file (of {@link oneCallFile}) once, and no other.
 */
async function expectEachFileOnce(logs: string, users: readonly string[]): Promise<void> {
  const window = { startDay: '2026-10-10', endDay: '2026-10-10' };
  for (const batchFiles of [50_000, 2]) {
    const engine = await DuckDbEngine.create({
      logsDir: logs,
      batchFiles,
      reporter: { warn: () => undefined },
    });
    try {
      for (const request of [window, { ...window, actorsOnly: true }]) {
        const result = await engine.summarize(request);
        expect(perActor(result.rows).map((line) => line.split('\t').slice(2, 6).join(' '))).toEqual(
          users.map((user) => `arn:aws:iam::111111111111:user/${user} IAMUser ok 1`),
        );
        expect(result.filesRead).toBe(users.length);
        expect(result.coverage).toEqual([
          { accountId: '111111111111', day: '2026-10-10', files: users.length },
        ]);
        expect(result.skippedFiles).toEqual([]);
      }
    } finally {
      await engine.close();
    }
  }
}

describe('file names DuckDB would read as patterns', () => {
  it('are read as themselves, once each, by both summaries', async () => {
    // DuckDB's readers expand *, ? and [...] anywhere in a path: `[ab].json` would read a.json and
    // b.json, and a folder `d[x]` the folder `dx`.
    const logs = join(work, 'pattern-names');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(join(day, 'd[x]'), { recursive: true });
    mkdirSync(join(day, 'dx'), { recursive: true });
    writeFileSync(join(day, '[ab].json'), oneCallFile('brackets'));
    writeFileSync(join(day, 'a.json'), oneCallFile('alice'));
    writeFileSync(join(day, 'b.json'), oneCallFile('bob'));
    writeFileSync(join(day, 'q?.json'), oneCallFile('question'));
    writeFileSync(join(day, 'qa.json'), oneCallFile('quentin'));
    writeFileSync(join(day, 'x*.json'), oneCallFile('star'));
    writeFileSync(join(day, 'd[x]', 'f.json'), oneCallFile('folder'));
    writeFileSync(join(day, 'dx', 'f.json'), oneCallFile('plain'));
    await expectEachFileOnce(logs, [
      'alice',
      'bob',
      'brackets',
      'folder',
      'plain',
      'quentin',
      'question',
      'star',
    ]);
  });
});

describe('a file name holding a line break', () => {
  it('is read as itself, once, by both summaries, whether its batch holds it or not', async () => {
    // The paths are bound as one text split at line breaks, unless a path holds one: `a\nb.json`
    // split would name `…/a` and `b.json`. In batches of two, the first holds it, the second not.
    const logs = join(work, 'line-break-names');
    const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/10');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'a.json'), oneCallFile('alice'));
    writeFileSync(join(day, 'b.json'), oneCallFile('bob'));
    writeFileSync(join(day, 'a\nb.json'), oneCallFile('broken'));
    await expectEachFileOnce(logs, ['alice', 'bob', 'broken']);
  });
});

describe('loadWindow with actorsOnly', () => {
  const config = loadConfig(join(REPO_ROOT, 'examples/demo/config.example.yaml'));
  const load = (enabled: boolean) =>
    loadWindow({
      config,
      plan: planLogs(config, DEMO_LOGS, 'local'),
      cache: {
        path: join(work, `load-window-${String(enabled)}.duckdb`),
        enabled,
        refresh: false,
        lockTimeoutMs: 1000,
      },
      window: { startDay: '2026-10-13', endDay: '2026-10-19' },
      accounts: [{ name: 'demo', id: '111111111111' }],
      skipSetup: true,
      reporter: { warn: () => undefined, note: () => undefined },
      actorsOnly: true,
      now: new Date('2026-11-30T00:00:00Z'),
    });
  const week = { startDay: '2026-10-13', endDay: '2026-10-19' };
  /** What the load asked the engine (a spy that lets every call through) and what its store holds. */
  const held = async (enabled: boolean) => {
    const summarize = vi.spyOn(DuckDbEngine.prototype, 'summarize');
    try {
      const { store, source } = await load(enabled);
      try {
        const rows = await store.actorActivity(source, week, 'arn:aws:iam::111111111111:user/alice');
        return {
          requests: summarize.mock.calls.map(([request]) => request),
          events: new Set(rows.map((row) => row.eventName)),
          accountEvents: await store.accountEvents(source, week, '111111111111'),
          actorDays: (await store.actorRollup(source, week, '111111111111', 'IAMUser')).length,
        };
      } finally {
        await store.close();
      }
    } finally {
      summarize.mockRestore();
    }
  };

  it("without the cache, reads the actors only: its store holds the actors' days, and no event's row", async () => {
    const { requests, events, accountEvents, actorDays } = await held(false);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((request) => request.actorsOnly === true)).toBe(true);
    expect(events).toEqual(new Set());
    expect(accountEvents).toEqual([]);
    expect(actorDays).toBeGreaterThan(0);
  });

  it('with the cache, reads everything: the rows name their events', async () => {
    const { requests, events, accountEvents } = await held(true);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.some((request) => request.actorsOnly === true)).toBe(false);
    expect(events.has(ANY_EVENT)).toBe(false);
    expect(events.size).toBeGreaterThan(3);
    expect(accountEvents.length).toBeGreaterThan(3);
  });
});

describe('iamtrail --list users', () => {
  /** The dataset's account (its records say 123837392027) with a user who called and one who did not. */
  const invictusConfig = (): string => {
    const account = '123837392027';
    const user = (name: string) => ({
      UserName: name,
      UserId: `AIDA${name.toUpperCase()}`,
      Arn: `arn:aws:iam::${account}:user/${name}`,
      CreateDate: '2023-01-01T00:00:00Z',
      UserPolicyList: [],
      GroupList: [],
      AttachedManagedPolicies: [],
      Tags: [],
    });
    const iam = join(work, 'invictus-iam.json');
    writeFileSync(
      iam,
      JSON.stringify({
        UserDetailList: [user('bert-jan'), user('idle')],
        RoleDetailList: [],
        GroupDetailList: [],
        Policies: [],
      }),
    );
    const config = join(work, 'invictus.yaml');
    writeFileSync(
      config,
      `logs: ${INVICTUS_LOGS}\naccounts:\n  - {name: invictus, id: '${account}', iam: ${iam}}\n`,
    );
    return config;
  };
  const configOf = (name: string): string[] =>
    name === 'the demo logs'
      ? ['--config', 'examples/demo/config.example.yaml', '--account', 'demo']
      : ['--config', invictusConfig(), '--account', 'invictus'];

  it.each(cases.filter(([, , , present]) => present))(
    '%s: answers the same without the cache (actors only) as through a cache (everything read)',
    async (name, _logs, window) => {
      const question = [
        ...configOf(name),
        '--list',
        'users',
        '--start',
        window.startDay,
        '--end',
        window.endDay,
      ];
      const cache = join(work, `${name}-list.duckdb`);
      for (const format of ['json', 'text', 'csv', 'html']) {
        // JSON and the page (which embeds it) say how the logs were read (engine calls, days from
        // the cache): their cached run reads every row of the logs into a new cache. Text and CSV
        // print only what the logs held (unreadable files, missing days), the same whether read or
        // cached: theirs answer from the cache JSON's run filled.
        if (format === 'json' || format === 'html') rmSync(cache, { force: true });
        const lean = await runCli([...question, '--no-cache', '--format', format]);
        const cached = await runCli([...question, '--cache', cache, '--format', format]);
        expect(lean.status, lean.stderr).toBe(0);
        expect(cached.status, cached.stderr).toBe(0);
        if (format === 'json') {
          const [leanAnswer, cachedAnswer] = [parseJsonAnswer(lean), parseJsonAnswer(cached)];
          expect(withoutLogs(leanAnswer)).toEqual(withoutLogs(cachedAnswer));
          // How it was read is the same too, but for where it was kept.
          expect({ ...(leanAnswer.logs as object), cache: null }).toEqual({
            ...(cachedAnswer.logs as object),
            cache: null,
          });
        } else if (format === 'html')
          // The page carries the JSON document: its logs say where the answer was kept.
          expect(lean.stdout).toBe(cached.stdout.replace(`"cache":${JSON.stringify(cache)}`, '"cache":null'));
        else expect(lean.stdout).toBe(cached.stdout);
      }
    },
  );

  it('never puts actor-only rows in a cache: the tables are those another question writes, row for row', async () => {
    const window = ['--start', '2026-10-01', '--end', '2026-10-31'];
    const demo = ['--config', 'examples/demo/config.example.yaml', '--account', 'demo', ...window];
    const listed = join(work, 'listed.duckdb');
    const asked = join(work, 'asked.duckdb');
    expect((await runCli([...demo, '--list', 'users', '--cache', listed])).status).toBe(0);
    expect((await runCli([...demo, '--list', 'roles', '--cache', asked])).status).toBe(0);
    const fromList = await cacheTables(listed);
    const fromRoles = await cacheTables(asked);
    expect(fromList.activity?.length).toBeGreaterThan(0);
    for (const table of [
      'activity',
      'actor_days',
      'iam_changes',
      'coverage',
      'skipped_files',
      'resource_usage',
    ])
      expect(fromList[table], table).toEqual(fromRoles[table]);
  });
});
