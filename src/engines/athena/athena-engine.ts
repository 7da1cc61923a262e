import { rmSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

import type { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, listValue } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import type { CompiledQuery } from 'kysely';

import type { AthenaConfig } from '../../config/config-schema.js';
import { duckDbFilePattern } from '../duckdb/duckdb-sql.js';
import { duckDbThreads, parseMemoryLimitBytes } from '../duckdb/log-file-size.js';
import {
  buildActivitySummaryQuery,
  isActivityRecord,
  isCoverageRecord,
  isIamChangeRecord,
  isResourceUseRecord,
  toActivityRow,
  toDayCoverage,
  toIamChangeRow,
  toResourceUsageRow,
} from '../../trail/activity-summary.js';
import type { SummaryRecord } from '../../trail/activity-summary.js';
import type { CloudTrailDatabase } from '../../trail/cloudtrail-relation.js';
import { downloadS3Object } from '../../aws/s3-download.js';
import { EngineError, InterruptedError } from '../../errors.js';
import { BYTES_PER_GB, splitAccounts } from '../../analysis/read-chunks.js';
import type {
  Engine,
  EngineChunking,
  EngineCostReport,
  EngineReporter,
  SummaryRequest,
  SummaryResult,
} from '../engine.js';
import { formatBytes } from '../format-bytes.js';
import { AthenaDialect } from './athena-dialect.js';
import { toExecutionParameter } from './athena-driver.js';
import { convertResultCsv } from './athena-results.js';
import { AthenaRunner, DEFAULT_ATHENA_RUNNER_OPTIONS, scanCost } from './athena-runner.js';
import type { AthenaQueryRecord } from './athena-ledger.js';

/**
 * The most bytes a summary query may have, its text and bound values together (counted as if the
 * values were written into the text): Athena refuses a query string over 262,144 bytes (a quota
 * that cannot be raised), and this leaves room to spare. A query naming more accounts than fit is
 * split into several, each naming a group of them.
 */
export const MAX_QUERY_BYTES = 200_000;

/** Options of {@link AthenaEngine}. */
export interface AthenaEngineOptions {
  readonly athena: AthenaConfig;
  /** The region Athena and Glue are called in. */
  readonly region: string;
  /** The accounts of the config: the queries read these (and the projection lists them). */
  readonly accountIds: readonly string[];
  readonly client: Pick<AthenaClient, 'send'>;
  /** Where query results go, unless the workgroup decides. */
  readonly outputLocation: string;
  readonly reporter: EngineReporter & { note(message: string): void };
  /** Polling of query state; tests shorten it. */
  readonly pollInitialMs?: number;
  /**
   * A folder to write each summary into as a Parquet file (`SummaryResult.rowsFile`): the query's
   * result object is downloaded from S3 (`s3`) into it and converted by DuckDB, never read through
   * GetQueryResults, so no row crosses into JavaScript. Without it, the rows are paged through
   * GetQueryResults and returned (small windows, tests).
   */
  readonly spillDir?: string;
  /** The S3 client the result objects are read with; needed with `spillDir`. */
  readonly s3?: Pick<S3Client, 'send'>;
  /** The budget of a query's bytes (default {@link MAX_QUERY_BYTES}); tests lower it. */
  readonly maxQueryBytes?: number;
}

/**
 * The Athena engine: the activity summary as one Athena query per window over the projected
 * CloudTrail table, compiled from the same kysely definition as the local engine's, with the
 * date and account partitions as validated literals and every other value bound.
 */
export class AthenaEngine implements Engine {
  /** Every query this engine ran, for the cost report and cleanup. */
  readonly #queries: AthenaQueryRecord[] = [];
  readonly costReport: EngineCostReport = {
    queries: () => [...this.#queries],
    cost: () => {
      const bytes = this.#queries.map((query) => query.bytesScanned);
      return { bytesScanned: bytes.reduce((sum, value) => sum + value, 0), dollars: scanCost(bytes) };
    },
  };
  readonly chunking: EngineChunking;
  readonly #db: Kysely<CloudTrailDatabase>;
  readonly #options: AthenaEngineOptions;
  readonly #runner: AthenaRunner;
  #spills = 0;
  /**
   * The settings of the DuckDB each result is converted in: its share of the local engine's memory
   * limit and of its threads among the chunks in flight. Read once, before any query runs, so that a
   * bad `IAMTRAIL_DUCKDB_MEMORY_MB` or `IAMTRAIL_DUCKDB_THREADS` is refused before anything is scanned.
   */
  readonly #conversion: { readonly memory_limit: string; readonly threads: string };
  /** The account groups of the last account list, computed once (see {@link MAX_QUERY_BYTES}). */
  #groups:
    | {
        readonly accounts: readonly string[];
        readonly resources: boolean;
        readonly groups: readonly (readonly string[])[];
      }
    | undefined;

  constructor(options: AthenaEngineOptions) {
    const inFlight = options.athena.concurrency;
    this.#conversion = {
      memory_limit: `${Math.max(256, Math.floor(parseMemoryLimitBytes(process.env, totalmem()) / (1024 * 1024) / inFlight))}MiB`,
      threads: String(Math.max(1, Math.floor(duckDbThreads() / inFlight))),
    };
    this.#options = options;
    // A chunk larger than the workgroup's per-query cutoff would be cancelled: size chunks under it.
    const chunkScanGb = options.athena.chunk_scan_gb ?? options.athena.scan_cap_gb;
    this.chunking = {
      concurrency: options.athena.concurrency,
      chunkScanBytes: chunkScanGb === undefined ? undefined : chunkScanGb * BYTES_PER_GB,
    };
    this.#runner = new AthenaRunner(options.client, {
      ...DEFAULT_ATHENA_RUNNER_OPTIONS,
      ...(options.pollInitialMs === undefined
        ? {}
        : { pollInitialMs: options.pollInitialMs, pollMaxMs: options.pollInitialMs * 4 }),
      database: options.athena.database,
      workgroup: options.athena.workgroup,
      outputLocation: options.outputLocation,
      onProgress: (progress) => {
        options.reporter.note(
          `athena ${progress.queryId}: ${progress.state}, ${(progress.elapsedMs / 1000).toFixed(1)} s, ${formatBytes(progress.bytesScanned)} scanned`,
        );
      },
      onQueryDone: (query) => {
        this.#queries.push({
          ...query,
          outputLocation: query.outputLocation ?? null,
          region: options.region,
          workgroup: options.athena.workgroup,
        });
        return Promise.resolve();
      },
    });
    this.#db = new Kysely<CloudTrailDatabase>({ dialect: new AthenaDialect({ runner: this.#runner }) });
  }

  async summarize(request: SummaryRequest): Promise<SummaryResult> {
    this.#runner.signal = request.signal;
    const resources = request.resources === true;
    const queries = this.#accountGroups(request.accountIds ?? this.#options.accountIds, resources).map(
      (accountIds) =>
        buildActivitySummaryQuery(this.#db, {
          startDay: request.startDay,
          endDay: request.endDay,
          accountIds,
          partitions: true,
          resources,
        }),
    );
    if (this.#options.spillDir !== undefined)
      return this.#summarizeThroughS3(
        queries.map((query) => query.compile()),
        this.#options.spillDir,
        request.signal,
      );
    const records: SummaryRecord[] = [];
    // One result may hold millions of rows: appended one by one, never spread as arguments.
    for (const query of queries) for (const record of await query.execute()) records.push(record);
    return {
      rows: records.filter(isActivityRecord).map(toActivityRow),
      changes: records.filter(isIamChangeRecord).map((record) => toIamChangeRow(record, record.first_seen)),
      resources: records.filter(isResourceUseRecord).map(toResourceUsageRow),
      coverage: records.filter(isCoverageRecord).map(toDayCoverage),
      filesRead: 0,
      skippedFiles: [],
    };
  }

  /**
   * The accounts in groups whose query stays within the byte budget: one group (every account in
   * one query) unless their literals would make it too long. The size of a query is measured on
   * the compiled SQL with one and with two accounts (every id has 12 digits, so each adds the
   * same), and every group's query is checked again once split.
   */
  #accountGroups(accounts: readonly string[], resources: boolean): readonly (readonly string[])[] {
    if (this.#groups?.accounts === accounts && this.#groups.resources === resources)
      return this.#groups.groups;
    const budget = this.#options.maxQueryBytes ?? MAX_QUERY_BYTES;
    const bytesOf = (accountIds: readonly string[]): number => {
      const compiled = buildActivitySummaryQuery(this.#db, {
        startDay: '2000-01-01',
        endDay: '2000-01-01',
        accountIds,
        partitions: true,
        resources,
      }).compile();
      return compiled.parameters
        .map(toExecutionParameter)
        .reduce((sum, value) => sum + Buffer.byteLength(value), Buffer.byteLength(compiled.sql));
    };
    let groups: (readonly string[])[] = [accounts];
    const [first, second] = accounts;
    if (first !== undefined && second !== undefined && bytesOf(accounts) > budget) {
      const one = bytesOf([first]);
      const bytesPerAccount = bytesOf([first, second]) - one;
      groups = splitAccounts(accounts, { baseBytes: one - bytesPerAccount, bytesPerAccount }, budget);
      const over = groups.find((group) => bytesOf(group) > budget);
      if (over !== undefined)
        throw new EngineError(
          `the summary query naming ${over.length} account(s) has ${bytesOf(over)} bytes, over the budget of ${budget}`,
          { permanent: true },
        );
      this.#options.reporter.note(
        `athena: ${accounts.length} accounts are named in ${groups.length} queries per chunk (each under ${budget.toLocaleString('en-US')} bytes; Athena refuses a query over 262,144): a role session opened from an account of another query shows the calling account, not who called`,
      );
    }
    this.#groups = { accounts, resources, groups };
    return groups;
  }

  /**
   * Runs the summary queries (one per account group) and loads their results from the objects
   * Athena wrote (`<id>.csv` at each execution's output location): S3 GetObject streams each to a
   * file of the spill folder, DuckDB converts it to Parquet, checking it against the summary's
   * columns, and the groups' files become the one Parquet file the cache loads.
   */
  async #summarizeThroughS3(
    compiled: readonly CompiledQuery<SummaryRecord>[],
    spillDir: string,
    signal: AbortSignal | undefined,
  ): Promise<SummaryResult> {
    const s3 = this.#options.s3;
    if (s3 === undefined)
      throw new EngineError('the Athena engine needs an S3 client to read results from S3', {
        permanent: true,
      });
    this.#spills += 1;
    const spill = this.#spills;
    const rowsFile = join(spillDir, `summary-${spill}.parquet`);
    const parts: string[] = [];
    // The chunks convert their results side by side: each DuckDB gets its share of the local
    // engine's memory limit, and spills into the run's spill folder (never the current folder).
    const temp = join(spillDir, `duckdb-${spill}`);
    const instance = await DuckDBInstance.create(':memory:', { ...this.#conversion, temp_directory: temp });
    const connection = await instance.connect();
    try {
      for (const [index, query] of compiled.entries()) {
        const part =
          compiled.length === 1 ? rowsFile : join(spillDir, `summary-${spill}-${index + 1}.parquet`);
        await this.#loadResult(
          connection,
          query,
          join(spillDir, `athena-${spill}-${index + 1}.csv`),
          part,
          signal,
        );
        parts.push(part);
      }
      if (compiled.length > 1) {
        // The files are bound, like every value.
        await connection.run('COPY (SELECT * FROM read_parquet($1)) TO $2 (FORMAT parquet)', [
          listValue(parts.map(duckDbFilePattern)),
          rowsFile,
        ]);
      }
      const coverage = await connection.runAndReadAll(
        'SELECT * FROM read_parquet($1) WHERE actor_arn IS NULL',
        [duckDbFilePattern(rowsFile)],
      );
      return {
        rows: [],
        changes: [],
        resources: [],
        rowsFile,
        coverage: (coverage.getRowObjectsJS() as unknown as SummaryRecord[]).map(toDayCoverage),
        filesRead: 0,
        skippedFiles: [],
      };
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(temp, { recursive: true, force: true });
      if (compiled.length > 1) for (const part of parts) rmSync(part, { force: true });
    }
  }

  /** Runs one summary query and converts its S3 result object to the Parquet file `parquetFile`. */
  async #loadResult(
    connection: DuckDBConnection,
    compiled: CompiledQuery<SummaryRecord>,
    csvFile: string,
    parquetFile: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const s3 = this.#options.s3;
    if (s3 === undefined)
      throw new EngineError('the Athena engine needs an S3 client to read results from S3', {
        permanent: true,
      });
    const execution = await this.#runner.execute(compiled.sql, compiled.parameters.map(toExecutionParameter));
    const location = execution.outputLocation;
    if (location === undefined)
      throw new EngineError(
        `Athena query ${execution.queryId} has no S3 output location (managed query results?): iamtrail reads the summary from its result object`,
        {
          permanent: true,
          suggestions: [
            'Use a workgroup that writes results to S3 (athena.output_s3_bucket), without managed query results',
          ],
        },
      );
    try {
      let bytes: number;
      try {
        bytes = await downloadS3Object(s3, location, csvFile, signal);
      } catch (error) {
        if (signal?.aborted === true)
          throw new InterruptedError(
            `interrupted: stopped reading the result of Athena query ${execution.queryId}; nothing of these days was cached`,
          );
        throw error;
      }
      const rows = await convertResultCsv(connection, csvFile, parquetFile, location);
      this.#options.reporter.note(
        `athena ${execution.queryId}: ${rows} row(s), ${formatBytes(bytes)} read from ${location}`,
      );
    } finally {
      rmSync(csvFile, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
