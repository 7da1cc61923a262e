import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';

import { EngineError, UsageError, isIamtrailError } from '../errors.js';

/**
 * What is at a cache path before DuckDB opens it: nothing (or an empty file, which holds nothing to
 * lose) to create a cache in, or a DuckDB database file to look into.
 */
export type CacheFileState = 'absent' | 'empty' | 'duckdb';

/** Endings of files iamtrail reads (config, IAM details, logs): `--cache` on one is a slip. */
const INPUT_FILE_ENDINGS = ['.json', '.yaml', '.yml', '.gz'] as const;

/** DuckDB's file header: a checksum (8 bytes), then the magic bytes. */
const DUCKDB_MAGIC = Buffer.from('DUCK');
const DUCKDB_MAGIC_OFFSET = 8;

/** Table and column names iamtrail's cache catalog holds in every schema version, as raw bytes. */
const CATALOG_SIGNATURE = ['coverage', 'activity', 'loaded_at', 'actor_arn', 'event_source', 'first_seen'];

/**
 * Checks a cache path before anything is opened or created, and says what is there. Refuses with a
 * {@link UsageError} (exit 2), touching nothing: a folder, a path named like an input file
 * (`.json`, `.yaml`, `.yml`, `.gz`), a path under a regular file, and an existing file that is not
 * a DuckDB database.
 */
export function inspectCacheFile(path: string): CacheFileState {
  const ending = INPUT_FILE_ENDINGS.find((suffix) => path.toLowerCase().endsWith(suffix));
  if (ending !== undefined) {
    throw new UsageError(
      `the cache ${path} ends in ${ending}, like the files iamtrail reads; the cache is a DuckDB file iamtrail writes`,
      {
        suggestions: [
          'Pass --cache with a file of its own, e.g. --cache /tmp/iamtrail.duckdb, or --no-cache',
        ],
      },
    );
  }
  const stats = statOrUndefined(path);
  if (stats === undefined) {
    const ancestor = nearestExisting(dirname(path));
    if (ancestor !== undefined && !statSync(ancestor).isDirectory()) {
      throw new UsageError(`cannot create the cache ${path}: ${ancestor} is a file, not a folder`, {
        suggestions: ['Pass --cache with a path in a folder, e.g. --cache /tmp/iamtrail.duckdb'],
      });
    }
    return 'absent';
  }
  if (stats.isDirectory()) {
    throw new UsageError(`the cache ${path} is a folder`, {
      suggestions: ['Pass --cache with a file path, e.g. --cache /tmp/iamtrail.duckdb'],
    });
  }
  if (stats.isFile() && stats.size === 0) return 'empty';
  const head = readHead(path, 16);
  if (head.subarray(DUCKDB_MAGIC_OFFSET, DUCKDB_MAGIC_OFFSET + 4).equals(DUCKDB_MAGIC)) return 'duckdb';
  throw new UsageError(
    `the cache ${path} is not a DuckDB database${describeHead(head)}; iamtrail leaves it untouched`,
    {
      suggestions: [
        'Pass --cache with a new path (iamtrail creates the file) or the cache file iamtrail wrote, or --no-cache',
      ],
    },
  );
}

/**
 * Creates the folders above a cache file, one level at a time. (Node's recursive `mkdirSync` spins
 * forever on a path such as `/proc/x/y`, whose parent exists but refuses new entries.) A folder that
 * cannot be created is a {@link UsageError} naming it.
 */
export function createCacheFolder(path: string): void {
  const missing: string[] = [];
  for (let folder = dirname(path); statOrUndefined(folder) === undefined; folder = dirname(folder)) {
    missing.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of missing) {
    try {
      // Only its owner may list or write the cache's folder (a created one; an existing one is left).
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UsageError(
        `cannot create the folder ${folder} for the cache ${path}: ${(error as Error).message}`,
        {
          suggestions: ['Pass --cache with a path in a folder you can write to, or --no-cache'],
          cause: error,
        },
      );
    }
  }
}

/**
 * Maps a DuckDB error about the cache file to the error iamtrail reports: a damaged file (a read
 * past its end, a checksum mismatch) and a full disk are {@link EngineError}s (exit 3) that say what
 * to do; a file DuckDB may not open is a {@link UsageError}. Anything else comes back unchanged.
 */
export function toCacheError(error: unknown, path: string): unknown {
  if (!(error instanceof Error) || isIamtrailError(error)) return error;
  const message = error.message;
  if (/No space left on device/i.test(message)) {
    return new EngineError(`no space left on device to write the cache ${path}`, {
      suggestions: [
        `Free space on the disk of ${dirname(path)}, or pass --cache with a path on another disk, or --no-cache`,
      ],
      cause: error,
    });
  }
  if (isDamage(message, path)) {
    return new EngineError(`the cache ${path} is damaged: ${firstLine(message)}`, {
      suggestions: [
        `Run \`iamtrail cache clear --force --cache ${path}\` (or delete the file): the next run reads the logs again`,
      ],
      cause: error,
    });
  }
  if (/Permission denied|Read-only file system/i.test(message)) {
    return new UsageError(`cannot write the cache ${path}: ${firstLine(message)}`, {
      suggestions: ['Pass --cache with a path you can write to, or --no-cache'],
      cause: error,
    });
  }
  return error;
}

/** Whether a DuckDB error says the database file is damaged (not foreign, not locked). */
export function isDamage(message: string, path: string): boolean {
  return (
    /Corrupt database file/i.test(message) ||
    (message.includes('Could not read enough bytes from file') && message.includes(basename(path)))
  );
}

/**
 * Whether a DuckDB file that DuckDB cannot read still holds iamtrail's catalog names (its tables and
 * columns) in its bytes: the evidence `cache clear --force` needs before it deletes a damaged file
 * it cannot open.
 */
export function hasCacheSignature(path: string): boolean {
  const wanted = new Set(CATALOG_SIGNATURE);
  const chunkSize = 4 * 1024 * 1024;
  const overlap = Math.max(...CATALOG_SIGNATURE.map((name) => name.length));
  const buffer = Buffer.alloc(chunkSize + overlap);
  const fd = openSync(path, 'r');
  try {
    let carried = 0;
    for (let position = 0; ; position += chunkSize) {
      const read = readSync(fd, buffer, carried, chunkSize, position);
      const view = buffer.subarray(0, carried + read);
      for (const name of wanted) if (view.includes(name)) wanted.delete(name);
      if (wanted.size === 0) return true;
      if (read < chunkSize) return false;
      view.copy(buffer, 0, view.length - overlap);
      carried = overlap;
    }
  } finally {
    closeSync(fd);
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function nearestExisting(folder: string): string | undefined {
  for (let current = folder; ; current = dirname(current)) {
    if (statOrUndefined(current) !== undefined) return current;
    if (dirname(current) === current) return undefined;
  }
}

function readHead(path: string, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new UsageError(`cannot read the cache ${path}: ${(error as Error).message}`, {
      suggestions: ['Pass --cache with a path you can read and write, or --no-cache'],
      cause: error,
    });
  }
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

function describeHead(head: Buffer): string {
  if (head.subarray(0, 15).toString('latin1') === 'SQLite format 3') return ' (it is a SQLite database)';
  const text = head.toString('latin1').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return ' (it looks like JSON)';
  if (head.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))) return ' (it is gzip-compressed)';
  if (/^[\t\n\r\x20-\x7e]*$/.test(head.toString('latin1'))) return ' (it looks like text)';
  return '';
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? '';
}
