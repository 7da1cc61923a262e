import { createReadStream } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { UsageError } from '../../errors.js';

/**
 * Default limit on the size of one log file once inflated: 256 MiB, five times the largest
 * CloudTrail files seen in practice (under 50 MB), and the JSON reader's `maximum_object_size`.
 */
export const DEFAULT_MAX_LOG_FILE_BYTES = 256 * 1024 * 1024;

/** Environment variable that overrides {@link DEFAULT_MAX_LOG_FILE_BYTES}, in MiB. */
export const MAX_LOG_FILE_MB_ENV = 'IAMTRAIL_MAX_LOG_FILE_MB';

/**
 * Most bytes one byte of deflate data can inflate to (zlib's documented limit, 1032:1). A gzip
 * file whose size times this stays under the limit cannot exceed it, so it needs no check.
 */
const DEFLATE_MAX_RATIO = 1032;

/** A byte count as whole MiB, for messages: `256 MB`. */
export function formatMegabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/**
 * Reads the limit from `IAMTRAIL_MAX_LOG_FILE_MB` (a positive number of MiB); the default when it
 * is unset. A value that is not a positive number is a usage error that quotes it.
 */
export function parseMaxLogFileBytes(env: NodeJS.ProcessEnv): number {
  const value = env[MAX_LOG_FILE_MB_ENV];
  if (value === undefined || value === '') return DEFAULT_MAX_LOG_FILE_BYTES;
  const megabytes = Number(value);
  if (!Number.isFinite(megabytes) || megabytes <= 0) {
    throw new UsageError(`${MAX_LOG_FILE_MB_ENV}="${value}" is not a positive number of MB`, {
      suggestions: [`Unset ${MAX_LOG_FILE_MB_ENV} (default 256), or set it to e.g. 512`],
    });
  }
  return Math.floor(megabytes * 1024 * 1024);
}

/** The smallest buffer {@link readerObjectBytes} gives DuckDB's JSON reader: its own default. */
const MIN_READER_OBJECT_BYTES = 16 * 1024 * 1024;

/**
 * The `maximum_object_size` for DuckDB's JSON reader over a batch of files: at least the largest
 * file's inflated size, bounded without inflating anything (a gzip file inflates to at most
 * {@link DEFLATE_MAX_RATIO} times its size; other files are their size), rounded up to a power of
 * two, from 16 MiB (DuckDB's default) to `limit`. The reader allocates buffers of twice this size
 * per thread, so a limit sized for the largest possible file (256 MiB) would reserve a gigabyte for
 * files of a few kilobytes, and a memory limit would spill everything else to make room.
 */
export function readerObjectBytes(
  files: readonly { readonly path: string; readonly bytes: number; readonly readFrom?: string }[],
  limit: number,
): number {
  let largest = 0;
  for (const file of files) {
    const bound = /\.gz$/i.test(file.readFrom ?? file.path) ? file.bytes * DEFLATE_MAX_RATIO : file.bytes;
    if (bound > largest) largest = bound;
  }
  let size = MIN_READER_OBJECT_BYTES;
  while (size < largest && size < limit) size *= 2;
  return Math.min(size, limit);
}

/**
 * Says why a log file is too large to read, without ever holding it: a plain file by its size on
 * disk; a gzip file, when its size allows it to inflate past `limit`, by inflating it as a stream
 * that counts the bytes and is destroyed at the limit, so a gzip bomb costs time up to the limit
 * and no memory. The gzip trailer's size field (ISIZE) is not trusted: it is the size modulo 4 GiB
 * and is only checked by a reader after the whole file has been inflated. `undefined` when the
 * file is within the limit, or is not a valid gzip stream (DuckDB and the diagnosis say so).
 */
export async function findOversizeProblem(
  path: string,
  bytesOnDisk: number,
  limit: number,
): Promise<string | undefined> {
  const tip = `the limit for one log file; ${MAX_LOG_FILE_MB_ENV} raises it`;
  if (!/\.gz$/i.test(path)) {
    return bytesOnDisk > limit
      ? `is ${formatMegabytes(bytesOnDisk)}, past ${formatMegabytes(limit)} (${tip})`
      : undefined;
  }
  if (bytesOnDisk * DEFLATE_MAX_RATIO <= limit) return undefined;
  const inflated = await countInflatedBytes(path, limit);
  return inflated !== undefined && inflated > limit
    ? `inflates past ${formatMegabytes(limit)} (${tip})`
    : undefined;
}

/** Thrown inside the pipeline to stop inflating once the count passes the limit. */
class LimitReached extends Error {}

/**
 * Inflates a gzip file as a stream and counts its bytes, stopping just past `limit`; `undefined`
 * when the stream is not valid gzip before the limit is reached.
 */
async function countInflatedBytes(path: string, limit: number): Promise<number | undefined> {
  let total = 0;
  try {
    await pipeline(createReadStream(path), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        total += chunk.length;
        if (total > limit) throw new LimitReached();
      }
    });
  } catch {
    // Node 20 rejects with an AbortError rather than the error thrown: the count tells the cases apart.
    return total > limit ? total : undefined;
  }
  return total;
}

/** The environment variable that sets the local engine's DuckDB memory limit, in MiB. */
export const DUCKDB_MEMORY_MB_ENV = 'IAMTRAIL_DUCKDB_MEMORY_MB';

/**
 * The local engine's DuckDB memory limit on a machine with `machineBytes` of memory: a quarter of
 * it, from 512 MiB to 4 GiB. Past it DuckDB spills to disk, at a cost: 5,000,000 benchmark events
 * took 147.7 s and 931 MB with 512 MiB, 28.6 s and 1,535 MB with 2 GiB (docs/benchmarks.md).
 */
export function defaultMemoryLimitBytes(machineBytes: number): number {
  const mib = 1024 * 1024;
  return Math.min(4096 * mib, Math.max(512 * mib, Math.floor(machineBytes / 4)));
}

/** {@link DUCKDB_MEMORY_MB_ENV} in bytes (at least 256 MiB), else {@link defaultMemoryLimitBytes}. */
export function parseMemoryLimitBytes(env: NodeJS.ProcessEnv, machineBytes: number): number {
  const value = env[DUCKDB_MEMORY_MB_ENV];
  if (value === undefined || value === '') return defaultMemoryLimitBytes(machineBytes);
  const megabytes = Number(value);
  if (!Number.isFinite(megabytes) || megabytes < 256) {
    throw new UsageError(`${DUCKDB_MEMORY_MB_ENV}="${value}" is not a number of MiB of at least 256`, {
      suggestions: [
        `Unset ${DUCKDB_MEMORY_MB_ENV} (default: a quarter of the memory, 512 to 4096), or set it to e.g. 2048`,
      ],
    });
  }
  return Math.floor(megabytes * 1024 * 1024);
}

/** The environment variable that sets how many threads each DuckDB database of iamtrail runs. */
export const DUCKDB_THREADS_ENV = 'IAMTRAIL_DUCKDB_THREADS';

/**
 * {@link DUCKDB_THREADS_ENV} (a whole number from 1), else `cores`: one thread per core. Fewer
 * leave cores to other work (two iamtrail runs at once, a test suite's workers) at a cost in time.
 */
export function parseDuckDbThreads(env: NodeJS.ProcessEnv, cores: number): number {
  const value = env[DUCKDB_THREADS_ENV];
  if (value === undefined || value === '') return Math.max(1, cores);
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UsageError(`${DUCKDB_THREADS_ENV}="${value}" is not a whole number of threads of at least 1`, {
      suggestions: [
        `Unset ${DUCKDB_THREADS_ENV} (default: one per core, ${Math.max(1, cores)} here), or set it to e.g. 1`,
      ],
    });
  }
  return threads;
}

/** This machine's cores, counted once: every DuckDB database a run opens asks. */
let machineCores: number | undefined;

/** {@link parseMemoryLimitBytes} of this process: its environment, its machine's memory. */
export function duckDbMemoryLimitBytes(): number {
  return parseMemoryLimitBytes(process.env, totalmem());
}

/** {@link parseDuckDbThreads} of this process: its environment, its machine's cores. */
export function duckDbThreads(): number {
  machineCores ??= cpus().length;
  return parseDuckDbThreads(process.env, machineCores);
}
