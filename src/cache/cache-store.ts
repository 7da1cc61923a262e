import {
  accountEventCalls,
  accountEvents,
  accountRoleSessions,
  actorActivity,
  actorEventCalls,
  actorRollup,
  iamChanges,
  resourceUsage,
  roleCallers,
  assumedRoles,
  accountRoleAssumptions,
} from './activity-queries.js';
import {
  advisorArns,
  advisorSnapshots,
  writeAdvisorSnapshot,
  writeAdvisorSnapshots,
} from './advisor-store.js';
import { clearDays, writeDays } from './activity-writes.js';
import {
  boundarySnapshotCount,
  boundarySnapshots,
  markBoundarySnapshot,
  writeBoundarySnapshot,
} from './boundary-snapshot-store.js';
import {
  athenaLedgerCount,
  athenaQueries,
  athenaResources,
  forgetAthenaQueries,
  forgetAthenaResource,
  recordAthenaQuery,
  recordAthenaResource,
} from './athena-ledger-store.js';
import { CacheConnection } from './cache-connection.js';
import type { CacheConnectionOptions, CacheRemoval } from './cache-connection.js';
import { emptyKeeping } from './cache-schema.js';
import type { KeptRecords } from './cache-schema.js';
import {
  cacheStatus,
  daysReadBefore17,
  loadedCoverage,
  missingDays,
  skippedFiles,
} from './cache-coverage.js';

/** The parameters of a cache operation after the connection it runs on. */
type Rest<F> = F extends (cache: CacheConnection, ...rest: infer R) => unknown ? R : never;

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

  /**
   * Opens an existing cache read-only when it can answer alone, else `undefined`: see
   * {@link CacheConnection.openReadOnly}. Writing to it fails.
   */
  static async openReadOnly(
    path: string,
    options: Partial<CacheConnectionOptions> = {},
  ): Promise<CacheStore | undefined> {
    const connection = await CacheConnection.openReadOnly(path, options);
    return connection === undefined ? undefined : new CacheStore(connection);
  }

  /** Opens an existing cache read-only, as it is, or refuses: see {@link CacheConnection.openAsIs}. */
  static async openAsIs(path: string, options: Partial<CacheConnectionOptions> = {}): Promise<CacheStore> {
    return new CacheStore(await CacheConnection.openAsIs(path, options));
  }

  /** Deletes the cache file at `path` when it is iamtrail's: see {@link CacheConnection.remove}. */
  static async remove(
    path: string,
    options: Parameters<typeof CacheConnection.remove>[1] = {},
  ): Promise<CacheRemoval> {
    return CacheConnection.remove(path, options);
  }

  /** See {@link emptyKeeping}. */
  emptyKeeping(keep: KeptRecords): ReturnType<typeof emptyKeeping> {
    return emptyKeeping(this.#cache, keep);
  }

  /** See {@link athenaLedgerCount}. */
  athenaLedgerCount(): Promise<number> {
    return athenaLedgerCount(this.#cache);
  }

  /** See {@link boundarySnapshotCount}. */
  boundarySnapshotCount(): Promise<number> {
    return boundarySnapshotCount(this.#cache);
  }

  /** See {@link missingDays}. */
  missingDays(...args: Rest<typeof missingDays>): ReturnType<typeof missingDays> {
    return missingDays(this.#cache, ...args);
  }

  /** See {@link writeDays}. */
  writeDays(...args: Rest<typeof writeDays>): ReturnType<typeof writeDays> {
    return writeDays(this.#cache, ...args);
  }

  /** See {@link loadedCoverage}. */
  coverage(...args: Rest<typeof loadedCoverage>): ReturnType<typeof loadedCoverage> {
    return loadedCoverage(this.#cache, ...args);
  }

  /** See {@link daysReadBefore17}. */
  daysReadBefore17(...args: Rest<typeof daysReadBefore17>): ReturnType<typeof daysReadBefore17> {
    return daysReadBefore17(this.#cache, ...args);
  }

  /** See {@link skippedFiles}. */
  skippedFiles(...args: Rest<typeof skippedFiles>): ReturnType<typeof skippedFiles> {
    return skippedFiles(this.#cache, ...args);
  }

  /** See {@link actorRollup}. */
  actorRollup(...args: Rest<typeof actorRollup>): ReturnType<typeof actorRollup> {
    return actorRollup(this.#cache, ...args);
  }

  /** See {@link accountRoleSessions}. */
  accountRoleSessions(...args: Rest<typeof accountRoleSessions>): ReturnType<typeof accountRoleSessions> {
    return accountRoleSessions(this.#cache, ...args);
  }

  /** See {@link actorEventCalls}. */
  actorEventCalls(...args: Rest<typeof actorEventCalls>): ReturnType<typeof actorEventCalls> {
    return actorEventCalls(this.#cache, ...args);
  }

  /** See {@link actorActivity}. */
  actorActivity(...args: Rest<typeof actorActivity>): ReturnType<typeof actorActivity> {
    return actorActivity(this.#cache, ...args);
  }

  /** See {@link accountEventCalls}. */
  accountEventCalls(...args: Rest<typeof accountEventCalls>): ReturnType<typeof accountEventCalls> {
    return accountEventCalls(this.#cache, ...args);
  }

  /** See {@link roleCallers}. */
  roleCallers(...args: Rest<typeof roleCallers>): ReturnType<typeof roleCallers> {
    return roleCallers(this.#cache, ...args);
  }

  /** See {@link accountRoleAssumptions}. */
  accountRoleAssumptions(
    ...args: Rest<typeof accountRoleAssumptions>
  ): ReturnType<typeof accountRoleAssumptions> {
    return accountRoleAssumptions(this.#cache, ...args);
  }

  /** See {@link assumedRoles}. */
  assumedRoles(...args: Rest<typeof assumedRoles>): ReturnType<typeof assumedRoles> {
    return assumedRoles(this.#cache, ...args);
  }

  /** See {@link accountEvents}. */
  accountEvents(...args: Rest<typeof accountEvents>): ReturnType<typeof accountEvents> {
    return accountEvents(this.#cache, ...args);
  }

  /** See {@link iamChanges}. */
  iamChanges(...args: Rest<typeof iamChanges>): ReturnType<typeof iamChanges> {
    return iamChanges(this.#cache, ...args);
  }

  /** See {@link resourceUsage}. */
  resourceUsage(...args: Rest<typeof resourceUsage>): ReturnType<typeof resourceUsage> {
    return resourceUsage(this.#cache, ...args);
  }

  /** See {@link cacheStatus}. */
  status(...args: Rest<typeof cacheStatus>): ReturnType<typeof cacheStatus> {
    return cacheStatus(this.#cache, ...args);
  }

  /** See {@link clearDays}. */
  clear(...args: Rest<typeof clearDays>): ReturnType<typeof clearDays> {
    return clearDays(this.#cache, ...args);
  }

  /** See {@link recordAthenaResource}. */
  recordAthenaResource(...args: Rest<typeof recordAthenaResource>): ReturnType<typeof recordAthenaResource> {
    return recordAthenaResource(this.#cache, ...args);
  }

  /** See {@link athenaResources}. */
  athenaResources(...args: Rest<typeof athenaResources>): ReturnType<typeof athenaResources> {
    return athenaResources(this.#cache, ...args);
  }

  /** See {@link forgetAthenaResource}. */
  forgetAthenaResource(...args: Rest<typeof forgetAthenaResource>): ReturnType<typeof forgetAthenaResource> {
    return forgetAthenaResource(this.#cache, ...args);
  }

  /** See {@link recordAthenaQuery}. */
  recordAthenaQuery(...args: Rest<typeof recordAthenaQuery>): ReturnType<typeof recordAthenaQuery> {
    return recordAthenaQuery(this.#cache, ...args);
  }

  /** See {@link athenaQueries}. */
  athenaQueries(...args: Rest<typeof athenaQueries>): ReturnType<typeof athenaQueries> {
    return athenaQueries(this.#cache, ...args);
  }

  /** See {@link forgetAthenaQueries}. */
  forgetAthenaQueries(...args: Rest<typeof forgetAthenaQueries>): ReturnType<typeof forgetAthenaQueries> {
    return forgetAthenaQueries(this.#cache, ...args);
  }

  /** See {@link writeAdvisorSnapshot}. */
  writeAdvisorSnapshot(...args: Rest<typeof writeAdvisorSnapshot>): ReturnType<typeof writeAdvisorSnapshot> {
    return writeAdvisorSnapshot(this.#cache, ...args);
  }

  /** See {@link writeAdvisorSnapshots}. */
  writeAdvisorSnapshots(
    ...args: Rest<typeof writeAdvisorSnapshots>
  ): ReturnType<typeof writeAdvisorSnapshots> {
    return writeAdvisorSnapshots(this.#cache, ...args);
  }

  /** See {@link advisorSnapshots}. */
  advisorSnapshots(...args: Rest<typeof advisorSnapshots>): ReturnType<typeof advisorSnapshots> {
    return advisorSnapshots(this.#cache, ...args);
  }

  /** See {@link advisorArns}. */
  advisorArns(...args: Rest<typeof advisorArns>): ReturnType<typeof advisorArns> {
    return advisorArns(this.#cache, ...args);
  }

  /** See {@link writeBoundarySnapshot}. */
  writeBoundarySnapshot(
    ...args: Rest<typeof writeBoundarySnapshot>
  ): ReturnType<typeof writeBoundarySnapshot> {
    return writeBoundarySnapshot(this.#cache, ...args);
  }

  /** See {@link markBoundarySnapshot}. */
  markBoundarySnapshot(...args: Rest<typeof markBoundarySnapshot>): ReturnType<typeof markBoundarySnapshot> {
    return markBoundarySnapshot(this.#cache, ...args);
  }

  /** See {@link boundarySnapshots}. */
  boundarySnapshots(...args: Rest<typeof boundarySnapshots>): ReturnType<typeof boundarySnapshots> {
    return boundarySnapshots(this.#cache, ...args);
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
