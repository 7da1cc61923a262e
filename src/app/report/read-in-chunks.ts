import pLimit from 'p-limit';
import pRetry from 'p-retry';

import {
  BYTES_PER_GB,
  bytesPerScannedDay,
  chunkDays,
  maxChunkDays,
  planDayChunks,
  PROBE_CHUNK_DAYS,
} from '../../analysis/read-chunks.js';
import type { DayChunk } from '../../analysis/read-chunks.js';
import type { DayRange } from '../../cache/day-ranges.js';
import type {
  Engine,
  EngineChunking,
  EngineReporter,
  SkippedFile,
  SummaryResult,
} from '../../engines/engine.js';
import { EngineError, InterruptedError, messageOf } from '../../errors.js';
import type { ActivityRow, DayCoverage } from '../../trail/activity-summary.js';
import { addDays } from '../../trail/utc-days.js';

/*
 * A long read for an engine that declares `chunking` (Athena): the days the cache lacks cut into
 * chunks of at most a calendar month, run side by side up to the engine's concurrency, each
 * written to the cache as soon as it is read (one write at a time), so that a failure or a budget
 * costs only the chunks not read.
 */

/** One chunk as the engine read it, for the cache. */
export interface LoadedChunk {
  readonly days: string[];
  readonly rows: readonly ActivityRow[] | { readonly file: string };
  readonly changes: SummaryResult['changes'];
  readonly resources: SummaryResult['resources'];
  readonly coverage: readonly DayCoverage[];
  readonly skipped: readonly SkippedFile[];
}

/** Inputs of {@link readInChunks}. */
export interface ChunkedReadOptions {
  readonly engine: Engine;
  /** The engine's {@link Engine.chunking}. */
  readonly chunking: EngineChunking;
  /** The contiguous ranges of days to read. */
  readonly ranges: readonly DayRange[];
  /** Also read the resources of the calls (`SummaryRequest.resources`). */
  readonly resources?: boolean;
  readonly signal?: AbortSignal;
  /** `--max-scan-gb` in bytes: once the engine has scanned this much, no chunk starts. */
  readonly maxScanBytes?: number;
  readonly reporter: EngineReporter & { note(message: string): void };
  /** Writes one chunk to the cache; called one chunk at a time. */
  readonly write: (chunk: LoadedChunk) => Promise<void>;
  /** The wait before a failed chunk is tried again (default one second). */
  readonly retryDelayMs?: number;
}

/** What a chunked read read. */
export interface ChunkedReadResult {
  /** Chunks read (each one engine call, retries not counted). */
  readonly chunks: number;
  readonly filesRead: number;
  readonly skippedFiles: readonly SkippedFile[];
}

/**
 * Reads `ranges` in chunks: up to `chunking.concurrency` at once, each retried once when it fails
 * with an engine error, each written with `write` as it completes. With `chunkScanBytes`, the
 * first chunk runs alone and its bytes per day size the others. Fails, after every chunk that
 * could be read was written, with an {@link EngineError} naming the days of a chunk that failed
 * twice, or those not read because `maxScanBytes` was reached; an interruption or any other error
 * stops the starting of chunks and is thrown once the running ones are done.
 */
export async function readInChunks(options: ChunkedReadOptions): Promise<ChunkedReadResult> {
  const { engine, reporter } = options;
  const { concurrency, chunkScanBytes } = options.chunking;
  const scanned = (): { readonly bytesScanned: number; readonly dollars: number } =>
    engine.costReport?.cost() ?? { bytesScanned: 0, dollars: 0 };
  const before = scanned();
  let planned = planDayChunks(options.ranges);
  let read = 0;
  let filesRead = 0;
  const skippedFiles: SkippedFile[] = [];
  const failed: { readonly chunk: DayChunk; readonly error: EngineError }[] = [];
  /** Chunks not started: the budget was reached, or the chunk that measures a day failed. */
  const notStarted: DayChunk[] = [];
  let stopped: Error | undefined;
  const writes = pLimit(1);
  const overBudget = (): boolean =>
    options.maxScanBytes !== undefined &&
    scanned().bytesScanned - before.bytesScanned >= options.maxScanBytes;

  const willRetry = (error: unknown): boolean =>
    isRetryable(error) && options.signal?.aborted !== true && !overBudget();

  const runChunk = async (chunk: DayChunk): Promise<void> => {
    if (stopped !== undefined || options.signal?.aborted === true) return;
    if (overBudget()) {
      notStarted.push(chunk);
      return;
    }
    let summary: SummaryResult;
    try {
      summary = await pRetry(
        () =>
          engine.summarize({
            startDay: chunk.startDay,
            endDay: chunk.endDay,
            resources: options.resources === true,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          }),
        {
          retries: 1,
          minTimeout: options.retryDelayMs ?? 1000,
          factor: 1,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          // Not past the budget, nor when the same query would fail the same way again.
          shouldRetry: (error) => willRetry(error),
          onFailedAttempt: (error) => {
            // p-retry calls this for the last failure too: say "once more" only when it is.
            if (error.retriesLeft > 0 && willRetry(error))
              reporter.warn(
                `reading ${describeChunk(chunk)} failed (${messageOf(error)}); trying it once more`,
              );
          },
        },
      );
    } catch (error) {
      if (error instanceof EngineError) failed.push({ chunk, error });
      else stopped ??= asError(error);
      return;
    }
    try {
      await writes(() =>
        options.write({
          days: daysOf(chunk),
          rows: summary.rowsFile === undefined ? summary.rows : { file: summary.rowsFile },
          changes: summary.changes,
          resources: summary.resources,
          coverage: summary.coverage,
          skipped: summary.skippedFiles,
        }),
      );
    } catch (error) {
      stopped ??= asError(error);
      return;
    }
    read += 1;
    filesRead += summary.filesRead;
    skippedFiles.push(...summary.skippedFiles);
    const cost = scanned();
    // One chunk says nothing the run's cost line does not.
    if (planned.length > 1)
      reporter.note(
        `chunks: ${read} of ${planned.length} read and cached (${describeChunk(chunk)} just now); ${formatGb(cost.bytesScanned - before.bytesScanned)} scanned, $${(cost.dollars - before.dollars).toFixed(2)} so far`,
      );
  };

  if (planned.length > 1)
    reporter.note(
      `reading ${planned.reduce((sum, chunk) => sum + chunkDays(chunk), 0)} day(s) in ${planned.length} chunk(s) of at most a month, up to ${concurrency} at once`,
    );
  let rest = planned;
  const [month] = planned;
  if (
    chunkScanBytes !== undefined &&
    month !== undefined &&
    // One chunk is one query either way (over the cutoff, it fails once, not retried).
    planned.length > 1
  ) {
    // A few days alone measure what a day scans (a month might pass the workgroup's per-query
    // cutoff, and be cancelled having scanned up to it); the others are sized by it.
    const [first = month] = planDayChunks([month], PROBE_CHUNK_DAYS);
    await runChunk(first);
    rest = [
      ...planDayChunks(
        [{ startDay: addDays(first.endDay, 1), endDay: month.endDay }].filter(
          (range) => range.startDay <= range.endDay,
        ),
      ),
      ...planned.slice(1),
    ];
    planned = [first, ...rest];
    const bytesPerDay = bytesPerScannedDay(scanned().bytesScanned - before.bytesScanned, first);
    const maxDays = maxChunkDays(bytesPerDay, chunkScanBytes);
    // Without a measure (the probe failed), no chunk sized blindly starts: the failure is reported.
    if (read !== 1) {
      notStarted.push(...rest);
      rest = [];
    }
    if (read === 1 && maxDays !== undefined) {
      const resized = planDayChunks(rest, maxDays);
      if (resized.length > rest.length)
        reporter.note(
          `the first chunk scanned ${formatGb(bytesPerDay)} a day: the other chunks hold at most ${maxDays} day(s), to scan about ${formatGb(chunkScanBytes)} or less each`,
        );
      planned = [first, ...resized];
      rest = resized;
    }
  }
  const limit = pLimit(concurrency);
  await Promise.all(rest.map((chunk) => limit(() => runChunk(chunk))));

  // An interruption that caught no query running (between chunks, or while one was written) is
  // one all the same.
  if (stopped === undefined && options.signal?.aborted === true)
    stopped = new InterruptedError('interrupted: stopped starting chunks');
  if (stopped instanceof InterruptedError && read > 0)
    throw new InterruptedError(`${stopped.message}; the ${read} chunk(s) read before are cached`, {
      cause: stopped,
      suggestions: stopped.suggestions,
    });
  if (stopped !== undefined) throw stopped;
  const cached = `${read} chunk(s) read are cached, and a re-run reads only the days still missing`;
  const [failure] = failed;
  if (failure !== undefined) {
    const days = failed.map(({ chunk }) => describeChunk(chunk)).join(', ');
    const unread = notStarted.length > 0 ? `; ${notStarted.length} chunk(s) were not started` : '';
    throw new EngineError(
      `could not read ${days}${isRetryable(failure.error) ? ' (tried twice)' : ''}: ${messageOf(failure.error)}; the other ${cached}${unread}`,
      { cause: failure.error, suggestions: failure.error.suggestions },
    );
  }
  if (notStarted.length > 0) {
    const cost = scanned();
    const budget = (options.maxScanBytes ?? 0) / BYTES_PER_GB;
    throw new EngineError(
      `scan budget reached: ${read} of ${planned.length} chunk(s) read, ${formatGb(cost.bytesScanned - before.bytesScanned)} scanned of --max-scan-gb ${budget}; the ${cached}; not read: ${notStarted
        .sort((a, b) => (a.startDay < b.startDay ? -1 : 1))
        .map(describeChunk)
        .join(', ')}`,
      {
        suggestions: [
          'Re-run with a higher --max-scan-gb to read the rest: the days already cached are not scanned again',
        ],
      },
    );
  }
  return { chunks: read, filesRead, skippedFiles };
}

/**
 * Whether a chunk's failure is worth one more try: an engine error that another try may not meet
 * (not a cancellation at the workgroup's cutoff, a failure Athena calls final, a result that
 * breaks the contract: {@link EngineError.permanent}), nor an interruption or a usage error.
 */
function isRetryable(error: unknown): error is EngineError {
  return error instanceof EngineError && !error.permanent;
}

/** An error as thrown, or a thrown non-error wrapped. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** `2026-01-01 to 2026-01-31`, or one day. */
function describeChunk(chunk: DayChunk): string {
  return chunk.startDay === chunk.endDay ? chunk.startDay : `${chunk.startDay} to ${chunk.endDay}`;
}

/** Bytes as GB of {@link BYTES_PER_GB}, two decimals. */
function formatGb(bytes: number): string {
  return `${(bytes / BYTES_PER_GB).toFixed(2)} GB`;
}

/** Every day of a chunk. */
function daysOf(chunk: DayChunk): string[] {
  const days: string[] = [];
  for (let day = chunk.startDay; day <= chunk.endDay; day = addDays(day, 1)) days.push(day);
  return days;
}
