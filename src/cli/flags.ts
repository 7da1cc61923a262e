import { resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { CacheStore } from '../cache/cache-store.js';
import { DEFAULT_CONFIG_FILE } from '../config/load-config.js';
import { defaultCachePath } from '../app/cache/cache-settings.js';
import type { CacheSettings } from '../app/cache/cache-settings.js';
import { ENGINE_NAMES } from '../app/report/report-types.js';
import { BYTES_PER_GB } from '../analysis/read-chunks.js';
import { UsageError } from '../errors.js';
import type { TrailSelectors } from '../analysis/trail-recording.js';
import { readEventSelectorsFile } from './event-selectors-file.js';

/**
 * The flags several commands share, each defined once here so that its name, help text and
 * default read the same in every command's `--help`.
 */

/**
 * `--config FILE`: CloudTracker's config file. It has no oclif default so a command can tell "not
 * given" (`iamtrail permissions` then prints placeholders); {@link configPathOf} applies the default.
 */
export const configFlag = Flags.string({
  description: `Config file (CloudTracker's format plus logs:; default ${DEFAULT_CONFIG_FILE}).`,
  helpValue: 'FILE',
});

/** The config file a command reads: `--config`, else {@link DEFAULT_CONFIG_FILE}. */
export function configPathOf(flags: { readonly config?: string | undefined }): string {
  return flags.config ?? DEFAULT_CONFIG_FILE;
}

/** Output formats every reporting command accepts. */
export const OUTPUT_FORMATS = ['text', 'json'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `--format text|json`, shared by reporting commands (the report adds csv). */
export const formatFlag = Flags.option({
  options: OUTPUT_FORMATS,
  default: 'text' as const,
  description: 'Output format: text for people and pipes, json for programs (same document as --json).',
})();

/** `--cache PATH`, shared by the report, the cache and the Athena commands. */
export const cachePathFlag = Flags.string({
  description:
    'Cache file (default: $XDG_CACHE_HOME/iamtrail/cache.duckdb, else ~/.cache/iamtrail/cache.duckdb).',
  helpValue: 'PATH',
});

/** `--cache-wait SECONDS`: how long to wait for another process using the cache. */
export const cacheWaitFlag = Flags.integer({
  default: 60,
  min: 0,
  description: 'Seconds to wait for another iamtrail process using the cache.',
  helpValue: 'SECONDS',
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

/** `--logs DIR` of the commands that read CloudTrail over accounts (`audit`, `test`). */
export const logsFlag = Flags.string({
  helpValue: 'DIR',
  description: 'Folder holding the CloudTrail tree (AWSLogs/...); overrides logs: in the config.',
});

/**
 * `--event-selectors FILE` of the commands that judge grants from the logs (the main job, `audit`,
 * `boundary plan` and `apply`): the trail's selectors, which make what it records exact.
 */
export const eventSelectorsFlag = Flags.string({
  helpValue: 'FILE',
  description:
    "The trail's event selectors (output of `aws cloudtrail get-event-selectors`): what the trail records is then exact, not inferred from the logs, for the account of its TrailARN (every account with --organization-trail).",
});

/**
 * `--organization-trail`, beside {@link eventSelectorsFlag}: the selectors' trail is an
 * organization trail, so they apply to every account, not only to the trail's own.
 */
export const organizationTrailFlag = Flags.boolean({
  dependsOn: ['event-selectors'],
  description:
    'The --event-selectors trail is an organization trail: its selectors apply to every account, not only to the account in its TrailARN.',
});

/** The trail's selectors of `--event-selectors`, read (exit 2 for a bad file), or `undefined`. */
export function selectorsOf(flags: {
  readonly 'event-selectors'?: string | undefined;
  readonly 'organization-trail'?: boolean | undefined;
}): TrailSelectors | undefined {
  const file = flags['event-selectors'];
  if (file === undefined) return undefined;
  const selectors = readEventSelectorsFile(file);
  return flags['organization-trail'] === true ? { ...selectors, organizationTrail: true } : selectors;
}

/** `--engine` of the commands that read CloudTrail over accounts (`audit`, `test`). */
export const engineFlag = Flags.option({
  options: ENGINE_NAMES,
  description:
    'Where the logs are read: local files (DuckDB) or Athena. Default: local when a log folder is configured, else athena.',
})();

/** `--no-cache` of the commands that read CloudTrail over accounts (`audit`, `test`). */
export const noCacheFlag = Flags.boolean({
  description: 'Read the logs without the cache (nothing is stored).',
});

/** The cache settings of a command with `--cache`, `--no-cache` and `--cache-wait` (and no `--refresh`). */
export function cacheSettingsOf(flags: {
  readonly cache?: string | undefined;
  readonly 'no-cache': boolean;
  readonly 'cache-wait': number;
}): CacheSettings {
  return {
    path: flags.cache,
    enabled: !flags['no-cache'],
    refresh: false,
    lockTimeoutMs: flags['cache-wait'] * 1000,
  };
}

/** `--start` and `--end` of the commands whose window defaults to the year ending today (`report`, `policy generate`). */
export const windowFlags = {
  start: Flags.string({
    helpValue: 'YYYY-MM-DD',
    description: 'First UTC day, YYYY-MM-DD (default: 364 days before --end).',
  }),
  end: Flags.string({
    helpValue: 'YYYY-MM-DD',
    description: 'Last UTC day, YYYY-MM-DD, inclusive (default: today, UTC).',
  }),
};

/**
 * `--max-scan-gb N` of the commands that can read the logs with Athena (`report`, `audit`, `test`,
 * `policy generate`): a budget for the whole run, checked before each chunk of the window starts.
 */
export const maxScanGbFlag = Flags.string({
  helpValue: 'GB',
  description:
    "Athena: start no new chunk of the window once the run has scanned N GB; the chunks read stay cached and the run fails naming the days not read. Each query's own cutoff stays the workgroup's.",
});

/** The value of `--max-scan-gb`: a positive number of GB, else a usage error quoting it. */
export function parseMaxScanGb(input: string): number {
  const value = Number(input);
  if (!/^\d+(\.\d+)?$/.test(input.trim()) || !(value > 0))
    throw new UsageError(`--max-scan-gb "${input}" is not a positive number of gigabytes`, {
      suggestions: ['e.g. --max-scan-gb 50 (GB of 1024³ bytes, as athena.scan_cap_gb)'],
    });
  return value;
}

/**
 * `--max-scan-gb` in bytes, for `loadWindow`'s `maxScanBytes`; `{}` when not given. Checked here,
 * not in oclif's flag parser, which would hide the usage error and its suggestion in its own.
 */
export function maxScanOf(flags: { readonly 'max-scan-gb'?: string | undefined }): {
  readonly maxScanBytes?: number;
} {
  const gb = flags['max-scan-gb'];
  return gb === undefined ? {} : { maxScanBytes: parseMaxScanGb(gb) * BYTES_PER_GB };
}
