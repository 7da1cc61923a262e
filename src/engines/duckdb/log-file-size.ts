import { createReadStream } from 'node:fs';
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
