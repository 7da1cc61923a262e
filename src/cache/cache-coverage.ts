import { sql } from 'kysely';

import type { SkippedFile } from '../engines/engine.js';
import type { DayCoverage } from '../trail/activity-summary.js';
import { addDays } from '../trail/utc-days.js';
import type { CacheConnection } from './cache-connection.js';
import { READ_BEFORE_17_KEY } from './cache-schema.js';
import { toRanges } from './day-ranges.js';
import type { DayRange } from './day-ranges.js';

/** What `cache status` reports for one source. */
export interface CacheSourceStatus {
  readonly source: string;
  /** Accounts with at least one loaded day (a day whose logs hold records of them). */
  readonly accounts: readonly string[];
  /** Days loaded for at least one account. */
  readonly loadedDays: number;
  readonly ranges: readonly DayRange[];
  readonly rows: number;
  readonly lastLoadedAt: string | undefined;
}

/**
 * The days of `[startDay, endDay]` that must be read from the source for a question about
 * `accountIds`: those not loaded for every one of them (a day whose logs held no record of an
 * account is never loaded for it, so it is read again), plus `today` and the day before, which
 * may still receive logs. Days after `today` are never returned: they have no logs yet. With
 * `resources` (a question that needs the resources of the calls), a day loaded without them is
 * missing too.
 */
export async function missingDays(
  cache: CacheConnection,
  source: string,
  accountIds: readonly string[],
  startDay: string,
  endDay: string,
  today: string,
  resources = false,
): Promise<string[]> {
  const accounts = [...new Set(accountIds)];
  if (accounts.length === 0) throw new Error('missingDays needs at least one account');
  const lastDay = endDay < today ? endDay : today;
  if (startDay > lastDay) return [];
  // The (account, day) pairs loaded, counted here: a few hundred rows at most, read in 6 ms as a
  // question's first query where a GROUP BY took 24 ms (DuckDB's hash aggregate; 1M bench cache).
  const loaded = await cache.db
    .selectFrom('coverage')
    .select(['day', 'account_id'])
    .where('source', '=', source)
    .where('account_id', 'in', accounts)
    .where('day', '>=', startDay)
    .where('day', '<=', lastDay)
    .$if(resources, (query) => query.where('resources', '=', true))
    .execute();
  const accountsOfDay = new Map<string, Set<string>>();
  for (const row of loaded)
    accountsOfDay.set(row.day, (accountsOfDay.get(row.day) ?? new Set<string>()).add(row.account_id));
  const loadedDays = new Set(
    [...accountsOfDay].filter(([, seen]) => seen.size === accounts.length).map(([day]) => day),
  );
  const fresh = new Set([today, addDays(today, -1)]);
  const missing: string[] = [];
  for (let day = startDay; day <= lastDay; day = addDays(day, 1)) {
    if (!loadedDays.has(day) || fresh.has(day)) missing.push(day);
  }
  return missing;
}

/**
 * What the cache holds of a source's logs in a window: per account and day loaded for it, the
 * files that held its records. Unordered.
 */
export async function loadedCoverage(
  cache: CacheConnection,
  source: string,
  window: DayRange,
): Promise<DayCoverage[]> {
  const records = await cache.db
    .selectFrom('coverage')
    .select(['account_id', 'day', 'files'])
    .where('source', '=', source)
    .where('day', '>=', window.startDay)
    .where('day', '<=', window.endDay)
    .execute();
  return records.map((record) => ({
    accountId: record.account_id,
    day: record.day,
    files: Number(record.files),
  }));
}

/**
 * The days of a source's window loaded before the cache was migrated from schema 16 or before
 * (`meta`'s {@link READ_BEFORE_17_KEY}): read without the role's account's copies of AssumeRole
 * calls from other accounts. Sorted; none in a cache written at schema 17 or later.
 */
export async function daysReadBefore17(
  cache: CacheConnection,
  source: string,
  window: DayRange,
): Promise<string[]> {
  // A cache whose open read its meta rows: none but after such a migration.
  if (cache.metaKeys !== undefined && !cache.metaKeys.has(READ_BEFORE_17_KEY)) return [];
  const records = await cache.db
    .selectFrom('coverage')
    .select('day')
    .distinct()
    .where('source', '=', source)
    .where('day', '>=', window.startDay)
    .where('day', '<=', window.endDay)
    .where((eb) =>
      eb('loaded_at', '<', eb.selectFrom('meta').select('value').where('key', '=', READ_BEFORE_17_KEY)),
    )
    .orderBy('day')
    .execute();
  return records.map((record) => record.day);
}

/**
 * The log files of a source that loads of the window's days could not read, of these accounts
 * (by their path). A file whose path names no account, or an account no record the source holds
 * was made in, counts for every account: the coverage and the activity go by each record's
 * account, and a tree whose folders name other accounts than its records (logs copied under
 * another account's prefix, as in Invictus-IR's published logs) would otherwise hide its
 * unreadable files from every question. A file is filed under its folder's day, and the folder
 * of the day after the window counts too: CloudTrail delivers a file up to about 15 minutes after
 * its last event, so that folder may hold calls of the window's last day (the engines read it for
 * them).
 */
export async function skippedFiles(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountIds: readonly string[],
): Promise<SkippedFile[]> {
  const records = await cache.db
    .selectFrom('skipped_files')
    .select(['file', 'reason'])
    .where('source', '=', source)
    .where('day', '>=', window.startDay)
    .where('day', '<=', addDays(window.endDay, 1))
    .where((eb) =>
      eb.or([
        eb('account_id', 'is', null),
        ...(accountIds.length === 0 ? [] : [eb('account_id', 'in', accountIds)]),
        // One query: an empty coverage makes every file count for every account.
        eb(
          'account_id',
          'not in',
          eb.selectFrom('coverage').select('account_id').where('source', '=', source),
        ),
      ]),
    )
    .execute();
  return records.map((record) => ({ file: record.file, reason: record.reason }));
}

/** What the cache holds, per source; unordered (the caller sorts what it shows). */
export async function cacheStatus(cache: CacheConnection): Promise<CacheSourceStatus[]> {
  const coverage = await cache.db
    .selectFrom('coverage')
    .select((eb) => [
      'source',
      sql<string[]>`list_distinct(list(account_id))`.as('accounts'),
      sql<string[]>`list_distinct(list(day))`.as('days'),
      eb.fn.max('loaded_at').as('last_loaded_at'),
    ])
    .groupBy('source')
    .execute();
  const counts = await cache.db
    .selectFrom('activity')
    .select((eb) => ['source', eb.fn.countAll<bigint>().as('rows')])
    .groupBy('source')
    .execute();
  return coverage.map((entry) => ({
    source: entry.source,
    accounts: entry.accounts,
    loadedDays: entry.days.length,
    ranges: toRanges(entry.days),
    rows: Number(counts.find((row) => row.source === entry.source)?.rows ?? 0),
    lastLoadedAt: entry.last_loaded_at,
  }));
}
