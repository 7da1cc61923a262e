import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import {
  AthenaRunner,
  DEFAULT_ATHENA_RUNNER_OPTIONS,
  scanCost,
} from '../../../src/engines/athena/athena-runner.js';
import { EngineError } from '../../../src/errors.js';

const athena = mockClient(AthenaClient);
const done: { queryId: string; state: string }[] = [];
const runner = new AthenaRunner(new AthenaClient({ region: 'us-east-1' }), {
  ...DEFAULT_ATHENA_RUNNER_OPTIONS,
  pollInitialMs: 1,
  pollMaxMs: 2,
  throttleBackoffMs: 1,
  database: 'iamtrail',
  workgroup: 'primary',
  outputLocation: 's3://results/iamtrail-results/',
  onProgress: () => undefined,
  onQueryDone: (query) => {
    done.push({ queryId: query.queryId, state: query.state });
    return Promise.resolve();
  },
});
const header = { Data: [{ VarCharValue: 'a' }, { VarCharValue: 'b' }] };
const row = (a: string, b?: string) => ({
  Data: [{ VarCharValue: a }, b === undefined ? {} : { VarCharValue: b }],
});
const metadata = {
  ColumnInfo: [
    { Name: 'a', Type: 'varchar' },
    { Name: 'b', Type: 'bigint' },
  ],
};
const succeeded = {
  QueryExecution: {
    Status: { State: 'SUCCEEDED' as const },
    Statistics: { DataScannedInBytes: 2048 },
    ResultConfiguration: { OutputLocation: 's3://results/iamtrail-results/q1.csv' },
  },
};
const throttled = (name: string) => Object.assign(new Error('Rate exceeded'), { name, $metadata: {} });

// Test files may share a worker (vitest.config.ts: isolate false): give AthenaClient back.
afterAll(() => {
  athena.restore();
});
beforeEach(() => {
  athena.reset();
  done.length = 0;
});

describe('AthenaRunner', () => {
  it('starts, polls until SUCCEEDED, reads every page and skips only the first header row', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves(succeeded);
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: metadata, Rows: [header, row('x', '1')] },
        NextToken: 't1',
      })
      .resolvesOnce({ ResultSet: { Rows: [row('y', '2'), row('z')] }, NextToken: 't2' })
      .resolvesOnce({ ResultSet: { Rows: [row('w', '4')] } });
    const result = await runner.run('SELECT 1', ["'x'"]);
    expect(result.rows).toEqual([
      ['x', '1'],
      ['y', '2'],
      ['z', undefined],
      ['w', '4'],
    ]);
    expect(result.columns).toEqual([
      { name: 'a', type: 'varchar' },
      { name: 'b', type: 'bigint' },
    ]);
    expect(result.bytesScanned).toBe(2048);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toMatchObject({
      QueryString: 'SELECT 1',
      ExecutionParameters: ["'x'"],
      WorkGroup: 'primary',
      QueryExecutionContext: { Database: 'iamtrail' },
      ResultConfiguration: { OutputLocation: 's3://results/iamtrail-results/' },
    });
    expect(athena.commandCalls(GetQueryResultsCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      't1',
      't2',
    ]);
    expect(done).toEqual([{ queryId: 'q1', state: 'SUCCEEDED' }]);
  });

  it('execute leaves the result in S3: no GetQueryResults call, the output location returned', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves(succeeded);
    expect(await runner.execute('SELECT 1', ["'x'"])).toEqual({
      queryId: 'q1',
      bytesScanned: 2048,
      outputLocation: 's3://results/iamtrail-results/q1.csv',
    });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    expect(done).toEqual([{ queryId: 'q1', state: 'SUCCEEDED' }]);
  });

  it('retries throttling and the concurrent-query limit', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled('ThrottlingException'))
      .rejectsOnce(throttled('TooManyRequestsException'))
      .resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).rejectsOnce(throttled('ThrottlingException')).resolves(succeeded);
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: metadata, Rows: [header] } });
    expect((await runner.run('SELECT 1', [])).rows).toEqual([]);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
  });

  it('fails with Athena reason when the query FAILED', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q2' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: 'line 1:8: Column "x" cannot be resolved',
          AthenaError: {
            ErrorCategory: 2,
            ErrorType: 1006,
            Retryable: false,
            ErrorMessage: 'COLUMN_NOT_FOUND: line 1:8: Column "x" cannot be resolved',
          },
        },
      },
    });
    const error = await runner.run('SELECT x', []).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toBe(
      'Athena query q2 FAILED: COLUMN_NOT_FOUND: line 1:8: Column "x" cannot be resolved',
    );
    expect((error as EngineError).exitCode).toBe(3);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('starts a query again when it FAILED with a retryable error', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'q3' })
      .resolves({ QueryExecutionId: 'q4' });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q3' }).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          AthenaError: {
            Retryable: true,
            ErrorMessage: 'HIVE_CURSOR_ERROR: Please reduce your request rate',
          },
        },
      },
    });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q4' }).resolves(succeeded);
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: metadata, Rows: [header, row('x', '1')] } });
    expect((await runner.run('SELECT 1', [])).rows).toEqual([['x', '1']]);
    expect(done.map((query) => query.state)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('fails clearly when the query was CANCELLED', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q5' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } },
    });
    await expect(runner.run('SELECT 1', [])).rejects.toThrow(
      'Athena query q5 CANCELLED: Query cancelled by user',
    );
  });

  it('stops the running query when the user interrupts (StopQueryExecution), and fails saying so', async () => {
    const interrupt = new AbortController();
    const interruptible = new AthenaRunner(new AthenaClient({ region: 'us-east-1' }), {
      ...DEFAULT_ATHENA_RUNNER_OPTIONS,
      pollInitialMs: 1,
      pollMaxMs: 2,
      database: 'iamtrail',
      workgroup: 'primary',
      outputLocation: undefined,
      // Ctrl-C arrives while the query runs.
      onProgress: (progress) => {
        if (progress.state === 'RUNNING') interrupt.abort();
      },
      onQueryDone: (query) => {
        done.push({ queryId: query.queryId, state: query.state });
        return Promise.resolve();
      },
    });
    interruptible.signal = interrupt.signal;
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q6' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'RUNNING' }, Statistics: { DataScannedInBytes: 5 } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    await expect(interruptible.run('SELECT 1', [])).rejects.toThrow(
      'interrupted: Athena query q6 was stopped',
    );
    expect(athena.commandCalls(StopQueryExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { QueryExecutionId: 'q6' },
    ]);
    expect(done).toEqual([{ queryId: 'q6', state: 'CANCELLED' }]);
    expect(
      athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.ResultConfiguration,
    ).toBeUndefined();
  });

  it('prices scans at $5 per TB with a 10 MB minimum per query', () => {
    expect(scanCost([0])).toBeCloseTo((10 * 1024 * 1024 * 5) / 1024 ** 4, 12);
    expect(scanCost([1024 ** 4])).toBeCloseTo(5, 12);
  });
});
