import pLimit from 'p-limit';

import type { AdvisorFilter } from '../../cache/advisor-store.js';
import { isCacheInUse } from '../../cache/cache-connection.js';
import { CacheStore } from '../../cache/cache-store.js';
import { EngineError, isIamtrailError, UsageError } from '../../errors.js';
import type { AdvisorSnapshot } from '../../iam/access-advisor.js';
import { pageOf } from './aardvark-document.js';

/** How `serve`'s routes reach the cache; see {@link createCacheAccess}. */
export interface CacheAccess {
  /** Opens the cache, runs `body` on it, closes it. */
  read<T>(body: (store: CacheStore) => Promise<T>): Promise<T>;
  /**
   * Runs `body`, which opens the cache itself (the report), while no other request has it open,
   * once the cache is known to be readable as it is.
   */
  alone<T>(body: () => Promise<T>): Promise<T>;
}

/** Options of {@link createCacheAccess}. */
export interface CacheAccessOptions {
  /** How long a request waits for another process that has the cache open (`--cache-wait`). */
  readonly lockTimeoutMs: number;
}

/**
 * How `serve` reads the cache: opened read-only for each request and closed after it, one request
 * at a time, so that between requests the file is free for `advisor collect`, a report or `cache
 * clear` (DuckDB lets one process at a time open it; a request that finds it in use waits as the
 * CLI does, then fails). The cache is read as it is (`CacheStore.openAsIs`): never created,
 * migrated or rebuilt. Whatever keeps it from being read (in use, missing, of another schema
 * version, not a cache) is the server's problem, never the client's: an {@link EngineError}, which
 * the API answers with a 503 that says what to do.
 */
export function createCacheAccess(path: string, options: CacheAccessOptions): CacheAccess {
  // One open at a time: DuckDB refuses a second attachment of a path in one process (the cache
  // would wait for the first to close).
  const limit = pLimit(1);
  const open = async (): Promise<CacheStore> => {
    try {
      return await CacheStore.openAsIs(path, { lockTimeoutMs: options.lockTimeoutMs });
    } catch (error) {
      throw toServerError(error);
    }
  };
  return {
    read: <T>(body: (store: CacheStore) => Promise<T>): Promise<T> =>
      limit(async () => {
        const store = await open();
        try {
          return await body(store);
        } finally {
          await store.close();
        }
      }),
    alone: <T>(body: () => Promise<T>): Promise<T> =>
      limit(async () => {
        // The report would migrate (or rebuild) a cache of another schema version: it runs only on
        // one this iamtrail reads as it is.
        await (await open()).close();
        return body();
      }),
  };
}

/**
 * Checks at start-up that `serve` can read the cache at `path` as it is, so that a wrong `--cache`
 * stops it (exit 2: a folder, a missing or empty file, not a cache, another schema version; exit 3:
 * a damaged cache) before it listens. A cache another process holds now cannot be checked: `warn`
 * says so, and the first request checks it.
 */
export async function checkServedCache(path: string, warn: (message: string) => void): Promise<void> {
  try {
    await (await CacheStore.openAsIs(path, { lockTimeoutMs: 0 })).close();
  } catch (error) {
    if (isCacheInUse(error)) {
      warn(`the cache ${path} is in use by another process: it is checked at the first request`);
      return;
    }
    if (error instanceof UsageError)
      throw new UsageError(`--cache: ${error.message}`, { suggestions: error.suggestions, cause: error });
    throw error;
  }
}

/** An error that keeps a request from reading the cache, as a server-side failure (HTTP 503). */
function toServerError(error: unknown): unknown {
  // The CLI's advice (--cache OTHER_PATH, --no-cache) is no client's to follow.
  if (isCacheInUse(error))
    return new EngineError((error as EngineError).message, {
      suggestions: ['Ask again once it has finished'],
      cause: error,
    });
  if (!isIamtrailError(error) || error.kind === 'engine') return error;
  return new EngineError(error.message, { suggestions: error.suggestions, cause: error });
}

/**
 * One page of the latest snapshots that match `filter`, and how many match: the ARNs are listed
 * first, and only the page's snapshots read (reading every snapshot of a large cache takes
 * seconds).
 */
export async function pageOfSnapshots(
  store: CacheStore,
  filter: AdvisorFilter,
  page: { readonly page: number; readonly count: number },
): Promise<{ readonly total: number; readonly snapshots: AdvisorSnapshot[] }> {
  const arns = await store.advisorArns(filter);
  const wanted = pageOf(arns, page);
  return {
    total: arns.length,
    snapshots: wanted.length === 0 ? [] : await store.advisorSnapshots({ arns: wanted }),
  };
}
