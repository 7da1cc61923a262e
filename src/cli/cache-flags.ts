import { resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { CacheStore } from '../cache/cache-store.js';
import { defaultCachePath } from '../app/cache/cache-settings.js';

/** `--cache PATH`, shared by the report and the cache commands. */
export const cachePathFlag = Flags.string({
  description:
    'Cache file (default: $XDG_CACHE_HOME/iamtrail/cache.duckdb, else ~/.cache/iamtrail/cache.duckdb).',
});

/** `--cache-wait SECONDS`: how long to wait for another process using the cache. */
export const cacheWaitFlag = Flags.integer({
  default: 60,
  min: 0,
  description: 'Seconds to wait for another iamtrail process using the cache.',
});

/** The cache file a command uses: `--cache`, else the default location. */
export function cachePathOf(flags: { readonly cache?: string | undefined }): string {
  return resolve(flags.cache ?? defaultCachePath());
}

/** Opens the cache file of a command's flags, waiting `--cache-wait` seconds for another process. */
export function openCacheOf(
  flags: { readonly cache?: string | undefined; readonly 'cache-wait': number },
  warn: (message: string) => void,
): Promise<CacheStore> {
  return CacheStore.open(cachePathOf(flags), { lockTimeoutMs: flags['cache-wait'] * 1000, onNotice: warn });
}
