import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { AthenaClient, QueryExecution } from '@aws-sdk/client-athena';

import pRetry from 'p-retry';

import { EngineError, InterruptedError } from '../../errors.js';
import { awsCall } from '../../aws/aws-call.js';

/** Errors Athena answers when called too often or with too many queries running. */
const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'SlowDown',
  'RequestLimitExceeded',
]);

/**
 * Sends an Athena request, retrying throttling with exponential backoff and jitter. The SDK's
 * standard retry strategy already does this within one call; this outer loop outlasts longer
 * bursts (CONCURRENT_QUERY_LIMIT_EXCEEDED while other queries run).
 */
async function sendWithRetry<T>(
  what: string,
  call: () => Promise<T>,
  retries: number,
  minTimeout: number,
): Promise<T> {
  return awsCall(what, () =>
    pRetry(call, {
      retries,
      minTimeout,
      maxTimeout: 20_000,
      randomize: true,
      shouldRetry: (error) => THROTTLING.has((error as { name?: string }).name ?? ''),
    }),
  );
}

/** Price of Athena scans: $5 per TB (10 MB minimum per query). */
export const DOLLARS_PER_TB = 5;
const MIN_BILLED_BYTES = 10 * 1024 * 1024;

/** A column of a result. */
export interface AthenaColumn {
  readonly name: string;
  readonly type: string;
}

/** A query execution that SUCCEEDED, its rows not read. */
export interface AthenaExecution {
  readonly queryId: string;
  readonly bytesScanned: number;
  /** Where Athena wrote the result (`…/<id>.csv`); `undefined` with managed query results. */
  readonly outputLocation: string | undefined;
}

/** The result of one query execution, its rows read through GetQueryResults. */
export interface AthenaQueryResult extends AthenaExecution {
  readonly columns: readonly AthenaColumn[];
  /** Cells as Athena returns them (strings; `undefined` for NULL), header row removed. */
  readonly rows: readonly (string | undefined)[][];
}

/** Progress of a running query, for stderr. */
export interface AthenaProgress {
  readonly queryId: string;
  readonly state: string;
  readonly elapsedMs: number;
  readonly bytesScanned: number;
}

/** Options of {@link AthenaRunner}. */
export interface AthenaRunnerOptions {
  readonly database: string;
  readonly workgroup: string;
  /** Where results go; omitted when the workgroup decides (managed results or enforced settings). */
  readonly outputLocation: string | undefined;
  /** First and longest wait between two GetQueryExecution polls. */
  readonly pollInitialMs: number;
  readonly pollMaxMs: number;
  /** How many times a query that failed with a retryable Athena error is started again. */
  readonly retries: number;
  /** How many times a throttled request is sent again, and the first wait before that. */
  readonly throttleRetries: number;
  readonly throttleBackoffMs: number;
  readonly onProgress: (progress: AthenaProgress) => void;
  /** Told of every query started and how it ended, for the cost report and cleanup. */
  readonly onQueryDone: (result: {
    queryId: string;
    state: string;
    bytesScanned: number;
    outputLocation: string | undefined;
  }) => Promise<void>;
}

/** Defaults of {@link AthenaRunnerOptions} that are not about where to run. */
export const DEFAULT_ATHENA_RUNNER_OPTIONS = {
  pollInitialMs: 250,
  pollMaxMs: 5000,
  retries: 2,
  throttleRetries: 6,
  throttleBackoffMs: 1000,
} as const;

/**
 * Runs Athena queries: StartQueryExecution, polling with backoff, then either every result page
 * (GetQueryResults, header row skipped: {@link AthenaRunner.run}, small answers) or nothing, the
 * result left in S3 for the caller to load ({@link AthenaRunner.execute}, the summary). Throttling and `TooManyRequestsException` (CONCURRENT_QUERY_LIMIT_EXCEEDED) are
 * retried by the SDK's standard retry strategy; a query that FAILED with a retryable Athena error
 * is started again. When {@link AthenaRunner.signal} is aborted (Ctrl-C), the running query is
 * stopped (StopQueryExecution) before the run fails.
 */
export class AthenaRunner {
  constructor(
    private readonly client: Pick<AthenaClient, 'send'>,
    private readonly options: AthenaRunnerOptions,
  ) {}

  /** Aborting it stops the running query (StopQueryExecution); set by the engine per request. */
  signal: AbortSignal | undefined;

  /**
   * Runs a query and reads its rows (GetQueryResults, 1,000 a call): for small answers. One that
   * FAILED with a retryable Athena error is started again, `retries` times.
   */
  async run(sql: string, parameters: readonly string[]): Promise<AthenaQueryResult> {
    return this.#retried(async () => this.#readRows(await this.#execute(sql, parameters)));
  }

  /**
   * Runs a query and leaves its result where Athena wrote it (the execution's output location):
   * for large answers, which are read from S3, never through GetQueryResults. Retried as
   * {@link AthenaRunner.run}.
   */
  async execute(sql: string, parameters: readonly string[]): Promise<AthenaExecution> {
    return this.#retried(() => this.#execute(sql, parameters));
  }

  async #retried<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await pRetry(attempt, {
        retries: this.options.retries,
        minTimeout: 0,
        factor: 1,
        shouldRetry: (error) => error instanceof RetryableQueryError,
      });
    } catch (error) {
      throw error instanceof RetryableQueryError ? error.failure : error;
    }
  }

  async #execute(sql: string, parameters: readonly string[]): Promise<AthenaExecution> {
    const { throttleRetries, throttleBackoffMs } = this.options;
    const started = await sendWithRetry(
      'Athena StartQueryExecution',
      () =>
        this.client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            QueryExecutionContext: { Database: this.options.database },
            WorkGroup: this.options.workgroup,
            ...(this.options.outputLocation === undefined
              ? {}
              : { ResultConfiguration: { OutputLocation: this.options.outputLocation } }),
            ...(parameters.length > 0 ? { ExecutionParameters: [...parameters] } : {}),
          }),
        ),
      throttleRetries,
      throttleBackoffMs,
    );
    const queryId = started.QueryExecutionId;
    if (queryId === undefined) throw new EngineError('Athena StartQueryExecution returned no query id');

    const startedAt = Date.now();
    let execution: QueryExecution | undefined;
    {
      let delay = this.options.pollInitialMs;
      for (;;) {
        execution = (
          await sendWithRetry(
            'Athena GetQueryExecution',
            () => this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
            throttleRetries,
            throttleBackoffMs,
          )
        ).QueryExecution;
        const state = execution?.Status?.State ?? 'UNKNOWN';
        this.options.onProgress({
          queryId,
          state,
          elapsedMs: Date.now() - startedAt,
          bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0,
        });
        if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') break;
        if (this.signal?.aborted === true) {
          await awsCall('Athena StopQueryExecution', () =>
            this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })),
          );
          await this.#done(queryId, 'CANCELLED', execution);
          throw new InterruptedError(`interrupted: Athena query ${queryId} was stopped`, {
            suggestions: ['Canceled queries are billed for the data they scanned'],
          });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(Math.round(delay * 1.5), this.options.pollMaxMs);
      }
    }

    const state = execution?.Status?.State ?? 'UNKNOWN';
    await this.#done(queryId, state, execution);
    if (state !== 'SUCCEEDED') {
      const athenaError = execution?.Status?.AthenaError;
      const reason = athenaError?.ErrorMessage ?? execution?.Status?.StateChangeReason ?? 'no reason given';
      const failure = new EngineError(`Athena query ${queryId} ${state}: ${reason}`, {
        // Athena retried what it could; a cancellation (the workgroup's cutoff, or someone) and a
        // failure it calls not retryable would end the same way again.
        permanent: !(state === 'FAILED' && athenaError?.Retryable === true),
        suggestions:
          state === 'CANCELLED'
            ? [
                'Someone stopped the query, or the workgroup data-usage limit (BytesScannedCutoffPerQuery) was hit; narrow --start/--end',
              ]
            : ['Check the table with `iamtrail athena setup --dry-run`, and the query in the Athena console'],
      });
      if (state === 'FAILED' && athenaError?.Retryable === true) throw new RetryableQueryError(failure);
      throw failure;
    }
    return {
      queryId,
      bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0,
      outputLocation: execution?.ResultConfiguration?.OutputLocation,
    };
  }

  async #readRows(execution: AthenaExecution): Promise<AthenaQueryResult> {
    const { throttleRetries, throttleBackoffMs } = this.options;
    const { queryId } = execution;
    const columns: AthenaColumn[] = [];
    const rows: (string | undefined)[][] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      const token = nextToken;
      const page = await sendWithRetry(
        'Athena GetQueryResults',
        () =>
          this.client.send(
            new GetQueryResultsCommand({
              QueryExecutionId: queryId,
              MaxResults: 1000,
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        throttleRetries,
        throttleBackoffMs,
      );
      if (first) {
        for (const info of page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [])
          columns.push({ name: info.Name ?? '', type: info.Type ?? 'varchar' });
      }
      const pageRows = (page.ResultSet?.Rows ?? []).map((row) =>
        (row.Data ?? []).map((cell) => cell.VarCharValue),
      );
      // For SELECT, the first row of the first page is the header.
      rows.push(...(first ? pageRows.slice(1) : pageRows));
      first = false;
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return { ...execution, columns, rows };
  }

  async #done(queryId: string, state: string, execution: QueryExecution | undefined): Promise<void> {
    await this.options.onQueryDone({
      queryId,
      state,
      bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0,
      outputLocation: execution?.ResultConfiguration?.OutputLocation,
    });
  }
}

/** The dollar cost of a scan at Athena's price, with its per-query minimum. */
export function scanCost(bytesScannedPerQuery: readonly number[]): number {
  const billed = bytesScannedPerQuery.reduce((sum, bytes) => sum + Math.max(bytes, MIN_BILLED_BYTES), 0);
  return (billed / 1024 ** 4) * DOLLARS_PER_TB;
}

class RetryableQueryError extends Error {
  constructor(readonly failure: EngineError) {
    super(failure.message);
  }
}
