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
  /**
   * With `--force`: whether the cache was emptied but for its boundary snapshots or its Athena
   * ledger (not deleted).
   */
  readonly emptied: boolean;
  /**
   * The boundary snapshots (the record `boundary rollback` restores from) the cache held: kept,
   * unless `deleted` or dropped; `null` when a damaged file was deleted (they could not be read).
   */
  readonly boundarySnapshots: number | null;
  /**
   * The Athena ledger's entries (objects and queries, what `athena cleanup` removes) the cache
   * held, as {@link boundarySnapshots}.
   */
  readonly athenaLedger: number | null;
  /** With `--force`, when `emptied`: what was kept. */
  readonly kept?: { readonly boundarySnapshots: number; readonly athenaLedger: number };
}

/** What `cache clear --force` was asked. */
export interface ForceClearOptions {
  readonly lockTimeoutMs: number;
  /** `--drop-boundary-snapshots`: delete the boundary snapshots too. */
  readonly dropBoundarySnapshots: boolean;
  /** `--drop-athena-ledger`: delete the Athena ledger too. */
  readonly dropAthenaLedger: boolean;
  /** Told when the cache is rebuilt on opening. */
  readonly onNotice: (message: string) => void;
}

/**
 * `cache clear --force`: deletes the cache file at `path` when it is iamtrail's (see {@link
 * CacheStore.remove}), unless it holds what no log gives back and changes in AWS rely on: the
 * boundary snapshots (the one record `boundary rollback` restores from) and the Athena ledger (the
 * one record of what `athena cleanup` may remove). Then it is emptied but for them (every other
 * table dropped and created anew), unless `dropBoundarySnapshots` and `dropAthenaLedger` say to
 * drop them.
 */
export async function deleteCache(path: string, options: ForceClearOptions): Promise<CacheClearResult> {
  const keep = {
    boundarySnapshots: !options.dropBoundarySnapshots,
    athenaLedger: !options.dropAthenaLedger,
  };
  const removal = await CacheStore.remove(path, { lockTimeoutMs: options.lockTimeoutMs, keep });
  const result = { path, rowsRemoved: 0, daysUnloaded: 0 };
  if (removal.deleted || (removal.boundarySnapshots === 0 && removal.athenaLedger === 0))
    return { ...result, ...removal, emptied: false };
  const store = await CacheStore.open(path, {
    lockTimeoutMs: options.lockTimeoutMs,
    onNotice: options.onNotice,
  });
  try {
    const kept = await store.emptyKeeping(keep);
    return { ...result, ...removal, deleted: false, emptied: true, kept };
  } finally {
    await store.close();
  }
}

/**
 * Removes cached days (all, one account's, or those before a day); a missing cache holds none.
 * The boundary snapshots and the Athena ledger are kept (and counted).
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
    athenaLedger: 0,
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
      athenaLedger: await store.athenaLedgerCount(),
    };
  } finally {
    await store.close();
  }
}
