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
  /** With `--force`: whether the cache was emptied but for its boundary snapshots (not deleted). */
  readonly emptied: boolean;
  /**
   * The boundary snapshots (the record `boundary rollback` restores from) the cache held: kept,
   * unless `deleted`; `null` when a damaged file was deleted (they could not be read).
   */
  readonly boundarySnapshots: number | null;
}

/** What `cache clear --force` was asked. */
export interface ForceClearOptions {
  readonly lockTimeoutMs: number;
  /** `--drop-boundary-snapshots`: delete the file even when it holds boundary snapshots. */
  readonly dropBoundarySnapshots: boolean;
  /** Told when the cache is rebuilt on opening. */
  readonly onNotice: (message: string) => void;
}

/**
 * `cache clear --force`: deletes the cache file at `path` when it is iamtrail's (see {@link
 * CacheStore.remove}), unless it holds boundary snapshots, the one record `boundary rollback`
 * restores from, which no log gives back: then it is emptied but for them (every other table
 * dropped and created anew), unless `dropBoundarySnapshots`.
 */
export async function deleteCache(path: string, options: ForceClearOptions): Promise<CacheClearResult> {
  const removal = await CacheStore.remove(path, {
    lockTimeoutMs: options.lockTimeoutMs,
    keepBoundarySnapshots: !options.dropBoundarySnapshots,
  });
  const result = { path, rowsRemoved: 0, daysUnloaded: 0 };
  if (removal.deleted || removal.boundarySnapshots === 0)
    return {
      ...result,
      deleted: removal.deleted,
      emptied: false,
      boundarySnapshots: removal.boundarySnapshots,
    };
  const store = await CacheStore.open(path, {
    lockTimeoutMs: options.lockTimeoutMs,
    onNotice: options.onNotice,
  });
  try {
    const kept = await store.emptyKeepingBoundarySnapshots();
    return { ...result, deleted: false, emptied: true, boundarySnapshots: kept };
  } finally {
    await store.close();
  }
}

/**
 * Removes cached days (all, one account's, or those before a day); a missing cache holds none.
 * The boundary snapshots are kept (and counted).
 */
export async function clearCache(
  path: string,
  filter: CacheClearFilter,
  openStore: () => Promise<CacheStore>,
): Promise<CacheClearResult> {
  const none = {
    path,
    rowsRemoved: 0,
    daysUnloaded: 0,
    deleted: false,
    emptied: false,
    boundarySnapshots: 0,
  };
  if (!existsSync(path)) return none;
  const store = await openStore();
  try {
    const removed = await store.clear(filter);
    return {
      ...none,
      rowsRemoved: removed.rows,
      daysUnloaded: removed.days,
      boundarySnapshots: await store.boundarySnapshotCount(),
    };
  } finally {
    await store.close();
  }
}
