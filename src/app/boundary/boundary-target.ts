import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

import type { BoundaryTarget } from '../../aws/permission-boundaries.js';
import { CacheStore } from '../../cache/cache-store.js';
import { findAccount } from '../../config/load-config.js';
import type { AccountConfig, Config } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import { defaultCachePath } from '../cache/cache-settings.js';
import type { CacheSettings } from '../cache/cache-settings.js';

/*
 * What `boundary apply`, `rollback` and `history` share: the account's IAM client (assuming its
 * `role:` when configured; the SDK loaded only then), the cache that keeps the snapshots (a file:
 * a snapshot kept in memory would be lost with the run), and the snapshots' ids.
 */

/** The account's IAM client and label, and how to let it go. */
export interface OpenTarget extends BoundaryTarget {
  close(): void;
}

/** The IAM client of `account` (its `role:` assumed), for the boundary calls. */
export async function openBoundaryTarget(account: AccountConfig, config: Config): Promise<OpenTarget> {
  const { createIamClient } = await import('../../aws/aws-clients.js');
  const client = await createIamClient(config.athena?.region, account.role);
  return {
    client,
    accountLabel: `${account.name} (${account.id})`,
    close: () => {
      client.destroy();
    },
  };
}

/** The cache file that keeps the snapshots; `--no-cache` is refused (a snapshot must outlive the run). */
export function snapshotCachePath(cache: CacheSettings): string {
  if (!cache.enabled)
    throw new UsageError('--no-cache: boundary snapshots must be kept in the cache file, for rollback', {
      suggestions: ['Leave out --no-cache (pass --cache FILE to choose the file)'],
    });
  return resolve(cache.path ?? defaultCachePath());
}

/** Opens the snapshots' cache file (creating it when needed). */
export function openSnapshotStore(
  cache: CacheSettings,
  onNotice: (message: string) => void,
): Promise<CacheStore> {
  return CacheStore.open(snapshotCachePath(cache), { lockTimeoutMs: cache.lockTimeoutMs, onNotice });
}

/** A new snapshot id: the time (sorts), the principal's name, and a random suffix. */
export function newSnapshotId(now: Date, principalName: string): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${time}-${principalName}-${randomBytes(3).toString('hex')}`;
}

let lastSnapshotTime = 0;

/**
 * The time a snapshot is taken, ISO to the millisecond, and strictly later than any this process
 * gave before (two snapshots in the same millisecond still sort in the order they were taken).
 */
export function snapshotTime(now: Date = new Date()): string {
  lastSnapshotTime = Math.max(now.getTime(), lastSnapshotTime + 1);
  return new Date(lastSnapshotTime).toISOString();
}

/** An ISO time to the second. */
export function isoSeconds(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An account as `--account` names it (looked up in the config), or as `--org` resolved it. */
export type BoundaryAccount = string | AccountConfig;

/** The config's entry of `--account`, or the account `--org` resolved. */
export function resolveBoundaryAccount(config: Config, account: BoundaryAccount): AccountConfig {
  return typeof account === 'string' ? findAccount(config, account) : account;
}
