import { addDays } from '../trail/utc-days.js';

/*
 * How a long read is cut up for an engine that bills by data scanned (Athena): the days a window
 * lacks into chunks of at most a calendar month (fewer days when a chunk would scan too much), and
 * the accounts of a query into groups whose literals keep the query text under Athena's limit.
 */

/** GB as `--max-scan-gb`, `athena.scan_cap_gb` and `athena.chunk_scan_gb` count them. */
export const BYTES_PER_GB = 1024 ** 3;

/** A run of whole UTC days, `YYYY-MM-DD`, both ends inclusive. */
export interface DayChunk {
  readonly startDay: string;
  readonly endDay: string;
}

/**
 * Splits contiguous day ranges into chunks: a chunk never crosses a calendar month's end nor a
 * range's, and holds at most `maxDays` days when given (a whole number ≥ 1). The chunks keep the
 * ranges' order and cover exactly their days.
 */
export function planDayChunks(ranges: readonly DayChunk[], maxDays?: number): DayChunk[] {
  if (maxDays !== undefined && !(Number.isInteger(maxDays) && maxDays >= 1))
    throw new Error(`maxDays must be a whole number of days, at least 1, got ${maxDays}`);
  const chunks: DayChunk[] = [];
  for (const range of ranges) {
    let start = range.startDay;
    while (start <= range.endDay) {
      const monthEnd = lastDayOfMonth(start);
      let end = monthEnd < range.endDay ? monthEnd : range.endDay;
      if (maxDays !== undefined) {
        const capped = addDays(start, maxDays - 1);
        if (capped < end) end = capped;
      }
      chunks.push({ startDay: start, endDay: end });
      start = addDays(end, 1);
    }
  }
  return chunks;
}

/** The number of days in a chunk. */
export function chunkDays(chunk: DayChunk): number {
  return (
    Math.round(
      (Date.parse(`${chunk.endDay}T00:00:00Z`) - Date.parse(`${chunk.startDay}T00:00:00Z`)) / 86_400_000,
    ) + 1
  );
}

/**
 * The days a query scans beyond its chunk's: the look-back day before it (`LOOKBACK_DAYS` of
 * trail/activity-summary.ts, for the AssumeRole calls of sessions open at midnight) and the day
 * after it (late deliveries land in the next day's partition).
 */
export const EXTRA_SCANNED_DAYS = 2;

/** What a chunk's query scanned per day: its bytes over its days and the {@link EXTRA_SCANNED_DAYS}. */
export function bytesPerScannedDay(bytesScanned: number, chunk: DayChunk): number {
  return bytesScanned / (chunkDays(chunk) + EXTRA_SCANNED_DAYS);
}

/**
 * How many days a chunk may hold so that its estimated scan (`bytesPerDay`, see
 * {@link bytesPerScannedDay}) stays within `chunkScanBytes`, the {@link EXTRA_SCANNED_DAYS} every
 * query scans counted: at least one day (a day is the smallest chunk), and `undefined` when there
 * is no estimate (nothing scanned yet).
 */
export function maxChunkDays(bytesPerDay: number, chunkScanBytes: number): number | undefined {
  if (!(bytesPerDay > 0)) return undefined;
  return Math.max(1, Math.floor(chunkScanBytes / bytesPerDay) - EXTRA_SCANNED_DAYS);
}

/**
 * The days of the chunk that measures what a day scans, when chunks are sized by their scan: a few
 * days, not a month, so that a month over the workgroup's per-query cutoff costs a few days' scan.
 */
export const PROBE_CHUNK_DAYS = 3;

/** The size of a query, in bytes, as a function of the accounts it names. */
export interface QuerySize {
  /** Bytes of the query without any account (text and bound values). */
  readonly baseBytes: number;
  /** Bytes each account adds (its literals, placeholders and bound values). */
  readonly bytesPerAccount: number;
}

/**
 * Splits `accounts` into as few groups as keep each group's query within `budgetBytes`
 * (`baseBytes + n × bytesPerAccount`), the groups as even as possible and in the accounts' order.
 * One group when everything fits; an error when not even one account fits.
 */
export function splitAccounts<T>(accounts: readonly T[], size: QuerySize, budgetBytes: number): T[][] {
  if (accounts.length === 0) return [[]];
  const perQuery = Math.floor((budgetBytes - size.baseBytes) / size.bytesPerAccount);
  if (perQuery < 1)
    throw new Error(
      `a query of ${size.baseBytes + size.bytesPerAccount} bytes with one account exceeds the budget of ${budgetBytes} bytes`,
    );
  const groups = Math.ceil(accounts.length / perQuery);
  const result: T[][] = [];
  for (let index = 0; index < groups; index += 1) {
    const from = Math.floor((index * accounts.length) / groups);
    const to = Math.floor(((index + 1) * accounts.length) / groups);
    result.push(accounts.slice(from, to));
  }
  return result;
}

/** The last day of the calendar month of `day`. */
function lastDayOfMonth(day: string): string {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}
