import type { AthenaQueryRecord, AthenaResource } from '../engines/athena/athena-ledger.js';
import type { SkippedFile } from '../engines/engine.js';
import type { ActivityRow, DayCoverage } from '../trail/activity-summary.js';
import { accountEvents, actorActivity, actorRollup, roleCallers } from './activity-queries.js';
import type { RoleCaller } from './activity-queries.js';
import { clearDays, writeDays } from './activity-writes.js';
import type { CacheClearFilter } from './activity-writes.js';
import {
  athenaQueries,
  athenaResources,
  forgetAthenaQueries,
  forgetAthenaResource,
  recordAthenaQuery,
  recordAthenaResource,
} from './athena-ledger-store.js';
import { CacheConnection } from './cache-connection.js';
import type { CacheConnectionOptions } from './cache-connection.js';
import { cacheStatus, loadedCoverage, missingDays, skippedFiles } from './cache-coverage.js';
import type { CacheSourceStatus } from './cache-coverage.js';
import type { DayRange } from './day-ranges.js';

/**
 * The cache, as the application uses it: one open {@link CacheConnection} and the operations of
 * each concern (coverage, activity writes and queries, the Athena ledger), which live in their own
 * files. A day's rows and its coverage are written in one transaction, so a process killed
 * mid-load leaves the day absent, never partial.
 */
export class CacheStore {
  readonly #cache: CacheConnection;

  private constructor(cache: CacheConnection) {
    this.#cache = cache;
  }

  /** The file, or `:memory:`. */
  get path(): string {
    return this.#cache.path;
  }

  /** Opens (creating if needed) the cache at `path`, or an in-memory one: see {@link CacheConnection.open}. */
  static async open(path: string, options: Partial<CacheConnectionOptions> = {}): Promise<CacheStore> {
    return new CacheStore(await CacheConnection.open(path, options));
  }

  /** Deletes the cache file at `path` when it is iamtrail's: see {@link CacheConnection.remove}. */
  static async remove(path: string, options: Partial<CacheConnectionOptions> = {}): Promise<boolean> {
    return CacheConnection.remove(path, options);
  }

  /** See {@link missingDays}. */
  missingDays(
    source: string,
    accountIds: readonly string[],
    startDay: string,
    endDay: string,
    today: string,
  ): Promise<string[]> {
    return missingDays(this.#cache, source, accountIds, startDay, endDay, today);
  }

  /** See {@link writeDays}. */
  writeDays(
    source: string,
    days: readonly string[],
    rows: readonly ActivityRow[] | { readonly file: string },
    coverage: readonly DayCoverage[],
    beforeCommit?: () => Promise<void>,
    skipped?: readonly SkippedFile[],
  ): Promise<void> {
    return writeDays(this.#cache, source, days, rows, coverage, beforeCommit, skipped);
  }

  /** See {@link loadedCoverage}. */
  coverage(source: string, window: DayRange): Promise<DayCoverage[]> {
    return loadedCoverage(this.#cache, source, window);
  }

  /** See {@link skippedFiles}. */
  skippedFiles(source: string, window: DayRange, accountIds: readonly string[]): Promise<SkippedFile[]> {
    return skippedFiles(this.#cache, source, window, accountIds);
  }

  /** See {@link actorRollup}. */
  actorRollup(
    source: string,
    window: DayRange,
    accountId: string,
    actorType: string,
  ): Promise<ActivityRow[]> {
    return actorRollup(this.#cache, source, window, accountId, actorType);
  }

  /** See {@link actorActivity}. */
  actorActivity(
    source: string,
    window: DayRange,
    actorArn: string,
    callers?: readonly string[],
  ): Promise<ActivityRow[]> {
    return actorActivity(this.#cache, source, window, actorArn, callers);
  }

  /** See {@link roleCallers}. */
  roleCallers(
    source: string,
    window: DayRange,
    role:
      { readonly roleArn: string } | { readonly accountId: string } | { readonly callers: readonly string[] },
  ): Promise<RoleCaller[]> {
    return roleCallers(this.#cache, source, window, role);
  }

  /** See {@link accountEvents}. */
  accountEvents(
    source: string,
    window: DayRange,
    accountId: string,
  ): Promise<{ eventSource: string; eventName: string }[]> {
    return accountEvents(this.#cache, source, window, accountId);
  }

  /** See {@link cacheStatus}. */
  status(): Promise<CacheSourceStatus[]> {
    return cacheStatus(this.#cache);
  }

  /** See {@link clearDays}. */
  clear(filter: CacheClearFilter = {}): Promise<{ rows: number; days: number }> {
    return clearDays(this.#cache, filter);
  }

  /** See {@link recordAthenaResource}. */
  recordAthenaResource(resource: AthenaResource): Promise<void> {
    return recordAthenaResource(this.#cache, resource);
  }

  /** See {@link athenaResources}. */
  athenaResources(region: string): Promise<AthenaResource[]> {
    return athenaResources(this.#cache, region);
  }

  /** See {@link forgetAthenaResource}. */
  forgetAthenaResource(resource: AthenaResource): Promise<void> {
    return forgetAthenaResource(this.#cache, resource);
  }

  /** See {@link recordAthenaQuery}. */
  recordAthenaQuery(query: AthenaQueryRecord): Promise<void> {
    return recordAthenaQuery(this.#cache, query);
  }

  /** See {@link athenaQueries}. */
  athenaQueries(region: string): Promise<AthenaQueryRecord[]> {
    return athenaQueries(this.#cache, region);
  }

  /** See {@link forgetAthenaQueries}. */
  forgetAthenaQueries(queryIds: readonly string[]): Promise<void> {
    return forgetAthenaQueries(this.#cache, queryIds);
  }

  /** Bytes on disk of the cache file and its write-ahead log. */
  sizeOnDisk(): number {
    return this.#cache.sizeOnDisk();
  }

  /** Closes the cache. Safe to call twice. */
  close(): Promise<void> {
    return this.#cache.close();
  }
}
