import { existsSync } from 'node:fs';

import { compareText } from '../../analysis/activity-order.js';
import type { CacheSourceStatus } from '../../cache/cache-coverage.js';
import { CACHE_SCHEMA_VERSION } from '../../cache/cache-schema.js';
import type { CacheStore } from '../../cache/cache-store.js';

/** `iamtrail cache status` as JSON (schema `iamtrail.cache-status/v1`). */
export interface CacheStatusDocument {
  readonly schema: 'iamtrail.cache-status/v1';
  readonly path: string;
  readonly exists: boolean;
  readonly bytes: number;
  readonly schemaVersion: string;
  readonly sources: readonly CacheSourceStatus[];
  /**
   * The boundary snapshots of `boundary apply` and `rollback` it holds: the record `boundary
   * rollback` restores from, which no log gives back (`cache clear` keeps them).
   */
  readonly boundarySnapshots: number;
  /**
   * The Athena ledger's entries (objects and queries iamtrail created, of every region and
   * account): the record `athena cleanup` removes from (`cache clear` keeps it).
   */
  readonly athenaLedger: number;
}

/**
 * What the cache at `path` holds: per source (sorted), its accounts (sorted), loaded days and
 * rows; and how many boundary snapshots and Athena ledger entries. A cache that does not exist yet is reported as such, never created.
 */
export async function readCacheStatus(
  path: string,
  openStore: () => Promise<CacheStore>,
): Promise<CacheStatusDocument> {
  const document: CacheStatusDocument = {
    schema: 'iamtrail.cache-status/v1',
    path,
    exists: false,
    bytes: 0,
    schemaVersion: CACHE_SCHEMA_VERSION,
    sources: [],
    boundarySnapshots: 0,
    athenaLedger: 0,
  };
  if (!existsSync(path)) return document;
  const store = await openStore();
  try {
    const sources = (await store.status())
      .map((source) => ({ ...source, accounts: [...source.accounts].sort(compareText) }))
      .sort((a, b) => compareText(a.source, b.source));
    return {
      ...document,
      exists: true,
      sources,
      bytes: store.sizeOnDisk(),
      boundarySnapshots: await store.boundarySnapshotCount(),
      athenaLedger: await store.athenaLedgerCount(),
    };
  } finally {
    await store.close();
  }
}
