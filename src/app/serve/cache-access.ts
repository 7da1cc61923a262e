import { existsSync } from 'node:fs';

import pLimit from 'p-limit';

import type { AdvisorFilter } from '../../cache/advisor-store.js';
import { CacheStore } from '../../cache/cache-store.js';
import type { AdvisorSnapshot } from '../../iam/access-advisor.js';
import { pageOf } from './aardvark-document.js';

/** How `serve`'s routes reach the cache; see {@link createCacheAccess}. */
export interface CacheAccess {
  /** Opens the cache, runs `body` on it, closes it. */
  read<T>(body: (store: CacheStore) => Promise<T>): Promise<T>;
  /** Runs `body`, which opens the cache itself (the report), while no other request has it open. */
  alone<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * How `serve` reads the cache: opened for each request and closed after it, one request at a
 * time, so that between requests the file is free for `advisor collect`, a report or `cache clear`
 * (DuckDB lets one process at a time open it; a request that finds it in use waits as the CLI
 * does, then fails). A cache file that does not exist yet is not created: requests see an empty
 * one.
 */
export function createCacheAccess(path: string, open: () => Promise<CacheStore>): CacheAccess {
  // One open at a time: DuckDB refuses a second attachment of a path in one process (the cache
  // would wait for the first to close).
  const limit = pLimit(1);
  return {
    read: <T>(body: (store: CacheStore) => Promise<T>): Promise<T> =>
      limit(async () => {
        const store = existsSync(path) ? await open() : await CacheStore.open(':memory:');
        try {
          return await body(store);
        } finally {
          await store.close();
        }
      }),
    alone: <T>(body: () => Promise<T>): Promise<T> => limit(body),
  };
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
