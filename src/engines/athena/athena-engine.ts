import type { AthenaClient } from '@aws-sdk/client-athena';
import { Kysely } from 'kysely';

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
import type { CloudTrailDatabase } from '../../trail/cloudtrail-relation.js';
import type { Engine, EngineCostReport, EngineReporter, SummaryRequest, SummaryResult } from '../engine.js';
import { formatBytes } from '../format-bytes.js';
import { AthenaDialect } from './athena-dialect.js';
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
    const records = await buildActivitySummaryQuery(this.#db, {
      startDay: request.startDay,
      endDay: request.endDay,
      accountIds: request.accountIds ?? this.#options.accountIds,
      partitions: true,
    }).execute();
    return {
      rows: records.filter(isActivityRecord).map(toActivityRow),
      changes: records.filter(isIamChangeRecord).map((record) => toIamChangeRow(record, record.first_seen)),
      resources: records.filter(isResourceUseRecord).map(toResourceUsageRow),
      coverage: records.filter(isCoverageRecord).map(toDayCoverage),
      filesRead: 0,
      skippedFiles: [],
    };
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
