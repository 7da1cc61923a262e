import { Flags } from '@oclif/core';

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
