import { existsSync } from 'node:fs';

import type { CacheClearFilter } from '../../cache/activity-writes.js';
import { CacheStore } from '../../cache/cache-store.js';

/** What `iamtrail cache clear` removed. */
export interface CacheClearResult {
  readonly path: string;
  readonly rowsRemoved: number;
  readonly daysUnloaded: number;
  /** With `--force`: whether the file was deleted. */
  readonly deleted: boolean;
}

/**
 * Deletes the cache file at `path` when it is iamtrail's (`cache clear --force`); see
 * {@link CacheStore.remove}.
 */
export async function deleteCache(path: string, lockTimeoutMs: number): Promise<CacheClearResult> {
  const deleted = await CacheStore.remove(path, { lockTimeoutMs });
  return { path, rowsRemoved: 0, daysUnloaded: 0, deleted };
}

/** Removes cached days (all, one account's, or those before a day); a missing cache holds none. */
export async function clearCache(
  path: string,
  filter: CacheClearFilter,
  openStore: () => Promise<CacheStore>,
): Promise<CacheClearResult> {
  if (!existsSync(path)) return { path, rowsRemoved: 0, daysUnloaded: 0, deleted: false };
  const store = await openStore();
  try {
    const removed = await store.clear(filter);
    return { path, rowsRemoved: removed.rows, daysUnloaded: removed.days, deleted: false };
  } finally {
    await store.close();
  }
}
