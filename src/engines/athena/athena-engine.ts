import { rmSync } from 'node:fs';
import { join } from 'node:path';

import type { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import type { CompiledQuery } from 'kysely';

import type { AthenaConfig } from '../../config/config-schema.js';
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
import type { Engine, EngineCostReport, EngineReporter, SummaryRequest, SummaryResult } from '../engine.js';
import { formatBytes } from '../format-bytes.js';
import { AthenaDialect } from './athena-dialect.js';
import { toExecutionParameter } from './athena-driver.js';
import { convertResultCsv } from './athena-results.js';
import { AthenaRunner, DEFAULT_ATHENA_RUNNER_OPTIONS, scanCost } from './athena-runner.js';
import type { AthenaQueryRecord } from './athena-ledger.js';

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
  readonly #db: Kysely<CloudTrailDatabase>;
  readonly #options: AthenaEngineOptions;
  readonly #runner: AthenaRunner;
  #spills = 0;

  constructor(options: AthenaEngineOptions) {
    this.#options = options;
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
    const query = buildActivitySummaryQuery(this.#db, {
      startDay: request.startDay,
      endDay: request.endDay,
      accountIds: request.accountIds ?? this.#options.accountIds,
      partitions: true,
      resources: request.resources === true,
    });
    if (this.#options.spillDir !== undefined)
      return this.#summarizeThroughS3(query.compile(), this.#options.spillDir, request.signal);
    const records = await query.execute();
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
   * Runs the summary query and loads its result from the object Athena wrote (`<id>.csv` at the
   * execution's output location): S3 GetObject streams it to a file of the spill folder, DuckDB
   * converts it to the Parquet file the cache loads, checking it against the summary's columns.
   */
  async #summarizeThroughS3(
    compiled: CompiledQuery<SummaryRecord>,
    spillDir: string,
    signal: AbortSignal | undefined,
  ): Promise<SummaryResult> {
    const s3 = this.#options.s3;
    if (s3 === undefined)
      throw new EngineError('the Athena engine needs an S3 client to read results from S3');
    const execution = await this.#runner.execute(compiled.sql, compiled.parameters.map(toExecutionParameter));
    const location = execution.outputLocation;
    if (location === undefined)
      throw new EngineError(
        `Athena query ${execution.queryId} has no S3 output location (managed query results?): iamtrail reads the summary from its result object`,
        {
          suggestions: [
            'Use a workgroup that writes results to S3 (athena.output_s3_bucket), without managed query results',
          ],
        },
      );
    this.#spills += 1;
    const csvFile = join(spillDir, `athena-${this.#spills}.csv`);
    const rowsFile = join(spillDir, `summary-${this.#spills}.parquet`);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      let bytes: number;
      try {
        bytes = await downloadS3Object(s3, location, csvFile, signal);
      } catch (error) {
        if (signal?.aborted === true)
          throw new InterruptedError(
            `interrupted: stopped reading the result of Athena query ${execution.queryId}; nothing of this window was cached`,
          );
        throw error;
      }
      const rows = await convertResultCsv(connection, csvFile, rowsFile, location);
      this.#options.reporter.note(
        `athena ${execution.queryId}: ${rows} row(s), ${formatBytes(bytes)} read from ${location}`,
      );
      const coverage = await connection.runAndReadAll(
        'SELECT * FROM read_parquet($1) WHERE actor_arn IS NULL',
        [rowsFile],
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
      rmSync(csvFile, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
