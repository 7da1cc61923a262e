import type { ActivityRow, DayCoverage, SessionStats } from '../trail/activity-summary.js';
import type { IamChangeRow } from '../trail/iam-changes.js';
import type { ResourceUsageRow } from '../trail/resource-usage.js';
import type { AthenaQueryRecord } from './athena/athena-ledger.js';

/** What an engine is asked for: every activity of a range of whole UTC days. */
export interface SummaryRequest {
  /** First UTC day, `YYYY-MM-DD`, inclusive. */
  readonly startDay: string;
  /** Last UTC day, `YYYY-MM-DD`, inclusive. */
  readonly endDay: string;
  /**
   * Accounts to read (12-digit ids), matched on the record's `recipientAccountId`. Absent: every
   * account the logs hold.
   */
  readonly accountIds?: readonly string[];
  /**
   * Also read the resources of the successful calls (`SummaryResult.resources`); without, they
   * are empty. Only the questions that scope policies to resources need them (`policy generate`,
   * `boundary`): they cost the most of the summary's work per event.
   */
  readonly resources?: boolean;
  /**
   * The question reads only each actor's calls per account, day and outcome (`--list users`); a
   * hint for a summary nothing keeps. An engine may then return rows without callers, with the
   * event source and name `*` (any) and no IAM change, and skip the work of them (the local engine
   * does; Athena reads everything always). The coverage and the files read are the same.
   */
  readonly actorsOnly?: boolean;
  /** Aborted when the user interrupts (Ctrl-C): the engine stops its work and throws. */
  readonly signal?: AbortSignal;
}

/** A log file the engine could not read and skipped. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

/** The engine's answer to a {@link SummaryRequest}. */
export interface SummaryResult {
  /** Aggregated activity, one row per (account, day, actor, caller, event source, event name, outcome). */
  readonly rows: readonly ActivityRow[];
  /**
   * The IAM change events of the range (`trail/iam-changes.ts`), one row per event (`eventID`),
   * read in the same pass as `rows`; empty when they were spilled to {@link SummaryResult.rowsFile}.
   */
  readonly changes: readonly IamChangeRow[];
  /**
   * The resources of the range's successful calls (`trail/resource-usage.ts`), read in the same
   * pass as `rows`; empty when they were spilled to {@link SummaryResult.rowsFile}.
   */
  readonly resources: readonly ResourceUsageRow[];
  /**
   * When the engine was asked to spill (`spillDir`; the local engine, or Athena, which converts its
   * S3 result object): the rows are in this Parquet file, with the summary query's column names
   * and types (`SUMMARY_RESULT_COLUMNS`), and `rows`, `changes` and `resources` are empty.
   * The file also holds the coverage rows (`actor_arn` null, see `SummaryRecord`), which
   * {@link SummaryResult.coverage} lists too, the IAM change rows (`event_id` not null) and the
   * resource rows (`resource` not null): readers of activity keep `actor_arn IS NOT NULL AND
   * event_id IS NULL AND resource IS NULL`, readers of changes `event_id IS NOT NULL`, readers of
   * resources `resource IS NOT NULL`. The file of an `actorsOnly` summary holds only the columns
   * of its actors' days and coverage (`ACTOR_SUMMARY_COLUMNS`): no change, no resource, any event.
   * The caller deletes it.
   */
  readonly rowsFile?: string;
  /**
   * Which (account, day) pairs of the range the engine found logs for, with how many log files
   * (local engine: files read; Athena: distinct `"$path"`) hold records of each. Accounts and days
   * are the records' own (`recipientAccountId`, the UTC day of `eventTime`), as in `rows`, so a
   * pair with activity always has coverage. A pair that is absent had no log at all: the caller
   * must report it as missing, never read it as inactivity.
   */
  readonly coverage: readonly DayCoverage[];
  /** Log files read successfully. */
  readonly filesRead: number;
  /** Log files skipped, each with why. */
  readonly skippedFiles: readonly SkippedFile[];
  /** Role sessions active in the range and how many have a known caller, when the engine counts them. */
  readonly sessions?: SessionStats;
}

/** How far an engine is through reading the logs of a request. */
export interface ReadProgress {
  /** Log files read (or skipped) so far, of `filesTotal`. */
  readonly filesDone: number;
  readonly filesTotal: number;
  /** Days (of the files' folders) whose every file is done, of `daysTotal`. */
  readonly daysDone: number;
  readonly daysTotal: number;
}

/** Receives what an engine wants the user to know while it works (stderr, never stdout). */
export interface EngineReporter {
  /** One warning line, e.g. a skipped file. */
  warn(message: string): void;
  /**
   * Where the reading is: called once before the first file and after each batch, with counts
   * that never decrease. Optional: engines that cannot tell (Athena) never call it.
   */
  progress?(update: ReadProgress): void;
}

/**
 * The capability of an engine whose service bills by data scanned (Athena): the queries it ran,
 * for the cache's ledger (which `athena cleanup` reads) and the cost line of the report.
 */
export interface EngineCostReport {
  /** Every query the engine ran so far. */
  queries(): readonly AthenaQueryRecord[];
  /** Data scanned by those queries, and its price. */
  cost(): { readonly bytesScanned: number; readonly dollars: number };
}

/**
 * The capability of an engine that reads a long window best in chunks run side by side (Athena:
 * each chunk is a query, and queries run in parallel on the service). The caller cuts the days
 * it lacks into chunks of at most a calendar month, runs up to `concurrency` at once, and writes
 * each chunk to the cache as it completes.
 */
export interface EngineChunking {
  /** Chunks read at once (`athena.concurrency`). */
  readonly concurrency: number;
  /**
   * A chunk's scan should stay about this size: once a chunk has measured the bytes a day scans,
   * the others hold fewer days than a month when needed. `undefined`: month chunks.
   */
  readonly chunkScanBytes: number | undefined;
}

/**
 * The port every engine implements (local DuckDB, Athena). Engines never return raw events, only
 * the activity summary of DESIGN.md; they know nothing of IAM. What only some engines do is a
 * declared capability, present or absent, never a cast to the concrete class: `costReport`
 * and `chunking` (Athena), and `SummaryResult.rowsFile` for an engine created with a spill folder (either).
 */
export interface Engine {
  /** Present when the engine's service bills by data scanned. */
  readonly costReport?: EngineCostReport;
  /** Present when the engine reads long windows in concurrent chunks; absent: one call per range. */
  readonly chunking?: EngineChunking;
  /** Summarises the activity of a range of days. */
  summarize(request: SummaryRequest): Promise<SummaryResult>;
  /** Releases the engine's resources. Safe to call twice. */
  close(): Promise<void>;
}
