import { homedir } from 'node:os';
import { join } from 'node:path';

/** How the report uses the cache. */
export interface CacheSettings {
  /** The cache file; `undefined` for the default location. */
  readonly path: string | undefined;
  /** `false` for `--no-cache`: an in-memory store for this run only. */
  readonly enabled: boolean;
  /** `--refresh`: read the whole window from the logs again. */
  readonly refresh: boolean;
  /** How long to wait for another process that has the cache open. */
  readonly lockTimeoutMs: number;
}

/**
 * The default cache file: `$XDG_CACHE_HOME/iamtrail/cache.duckdb`, or `~/.cache/iamtrail/...`.
 */
export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache');
  return join(base, 'iamtrail', 'cache.duckdb');
}
