import { existsSync, linkSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';

import type { SkippedFile } from '../engines/engine.js';
import { DuckDbDialect } from '../engines/duckdb/duckdb-dialect.js';
import { EngineError, UsageError } from '../errors.js';
import {
  createCacheFolder,
  hasCacheSignature,
  inspectCacheFile,
  isDamage,
  toCacheError,
} from './cache-file.js';
import { toActivityRow } from '../trail/activity-summary.js';
import type { ActivityRow, ActivitySummaryRecord, DayCoverage } from '../trail/activity-summary.js';
import { addDays } from '../trail/utc-days.js';

/**
 * Version of the cache schema (`sql/cache-schema.sql`). A cache written with another version is
 * dropped and rebuilt: it is a cache, the logs are the truth.
 */
// 6: `outcome` splits errors into `denied` (access errors) and `failed`; in 5, `denied` was any error.
export const CACHE_SCHEMA_VERSION = '6';

/**
 * The mark of a cache iamtrail created: this row in its `meta` table. iamtrail opens for writing,
 * rebuilds or deletes only a file that carries it (or that {@link isLegacyCache} recognises).
 */
export const CACHE_MARKER = { key: 'application', value: 'iamtrail' } as const;

/**
 * The tables of the caches iamtrail wrote before it marked them (schema versions 1 to 4): their
 * `meta` table (key, value) held only `schema_version` and `created_at`.
 */
const LEGACY_TABLES: Readonly<Record<string, readonly string[]>> = {
  '1': ['activity', 'coverage', 'meta'],
  '2': ['activity', 'athena_queries', 'athena_resources', 'coverage', 'meta'],
  '3': ['activity', 'athena_queries', 'athena_resources', 'coverage', 'meta'],
  // Schema 4 (coverage per account) was written unmarked by the commits that introduced it.
  '4': ['activity', 'athena_queries', 'athena_resources', 'coverage', 'meta'],
};

/** DuckDB settings of the cache: never fetch an extension (a SQLite file would ask for one). */
const DUCKDB_OPTIONS = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

/** The schema, as readable SQL shipped with the package. */
const SCHEMA_SQL = readFileSync(
  fileURLToPath(new URL('../../sql/cache-schema.sql', import.meta.url)),
  'utf8',
);

/**
 * The activity rows of a summary an engine spilled to Parquet (the file is the parameter named by
 * `placeholder`); its coverage rows (`actor_arn` null) come separately, as the engine's `coverage`.
 */
const activityOfSpill = (placeholder: '$1' | '$2'): string =>
  `SELECT * EXCLUDE (log_files) FROM read_parquet(${placeholder}) WHERE actor_arn IS NOT NULL`;

/** An Athena or Glue object iamtrail created. */
export interface AthenaResource {
  readonly kind: 'database' | 'table' | 'workgroup';
  /** `database`, `database.table`, or the workgroup name. */
  readonly name: string;
  readonly region: string;
}

/** An Athena query iamtrail ran. */
export interface AthenaQueryRecord {
  readonly queryId: string;
  readonly region: string;
  readonly workgroup: string;
  readonly outputLocation: string | null;
  readonly state: string;
  readonly bytesScanned: number;
}

interface CacheDatabase {
  athena_resources: { kind: AthenaResource['kind']; name: string; region: string; created_at: string };
  athena_queries: {
    query_id: string;
    region: string;
    workgroup: string;
    output_location: string | null;
    submitted_at: string;
    state: string;
    bytes_scanned: number;
  };
  meta: { key: string; value: string };
  /** `files` is written as a number and read back as DuckDB's BIGINT, a JavaScript bigint. */
  coverage: { source: string; account_id: string; day: string; loaded_at: string; files: number | bigint };
  skipped_files: { source: string; day: string; account_id: string | null; file: string; reason: string };
  /** The summary query's columns, plus where the row came from. */
  activity: ActivitySummaryRecord & { source: string };
}

/** Options of {@link CacheStore.open}. */
export interface CacheStoreOptions {
  /** How long to wait for another iamtrail process that has the cache open. */
  readonly lockTimeoutMs: number;
  /** Told when an old cache is rebuilt. */
  readonly onNotice: (message: string) => void;
}

/** Defaults of {@link CacheStoreOptions}. */
export const DEFAULT_CACHE_STORE_OPTIONS: CacheStoreOptions = {
  lockTimeoutMs: 60_000,
  onNotice: () => undefined,
};

/** A contiguous run of loaded days. */
export interface DayRange {
  readonly startDay: string;
  readonly endDay: string;
}

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

/** One caller of a role in a window (see {@link CacheStore.roleCallers}). */
export interface RoleCaller {
  readonly roleArn: string;
  /** The identity that opened the sessions, or `null` when no AssumeRole call or sourceIdentity says. */
  readonly callerArn: string | null;
  /** The role the chain came through, for a chain of roles. */
  readonly viaArn: string | null;
  readonly calls: number;
  /** Of `calls`, those refused for access (outcome `denied`). */
  readonly denied: number;
  /** Of `calls`, those that failed with another error (outcome `failed`). */
  readonly failed: number;
  readonly days: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** Which days {@link CacheStore.clear} removes; both filters together narrow the set. */
export interface CacheClearFilter {
  /** Only the days loaded for this account (whose logs hold its records). */
  readonly accountId?: string;
  /** Only days before this day. */
  readonly before?: string;
}

/**
 * The cache: a DuckDB file (or an in-memory database for `--no-cache`) holding the activity
 * summary and, per (source, account, day), whether the day is loaded for the account: only when
 * its logs held records of the account, with how many files did. Each day's rows and its coverage
 * rows are written in one transaction, so a process killed mid-load leaves the day
 * absent, never partial. DuckDB lets one process at a time open a file; {@link CacheStore.open}
 * waits a bounded time for the other to finish.
 */
export class CacheStore {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #db: Kysely<CacheDatabase>;
  /** The file, or `:memory:`. */
  readonly path: string;
  #closed = false;

  /** The path errors name: {@link path}, or for a cache being created, where it will be. */
  readonly #reportedPath: string;

  private constructor(
    path: string,
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    reportedPath: string = path,
  ) {
    this.path = path;
    this.#reportedPath = reportedPath;
    this.#instance = instance;
    this.#connection = connection;
    // Every query's DuckDB error about the file (damage, a full disk) becomes iamtrail's own.
    const mapped = {
      runAndReadAll: (text: string, values?: DuckDBValue[]) =>
        connection.runAndReadAll(text, values).catch((error: unknown) => {
          throw toCacheError(error, reportedPath);
        }),
    };
    this.#db = new Kysely<CacheDatabase>({ dialect: new DuckDbDialect({ connection: mapped }) });
  }

  /**
   * Opens (creating if needed) the cache at `path`, or an in-memory one for `:memory:`. Rebuilds a
   * cache of another schema version. Waits up to `lockTimeoutMs` while another process has it
   * open, then fails with an {@link EngineError} that says so.
   *
   * Nothing is written to a file before it is known to be iamtrail's: an existing file is first
   * opened read-only and must carry {@link CACHE_MARKER} (or be a cache of schema 1 to 3, written
   * before the marker); anything else is refused with a {@link UsageError}, untouched. A new cache
   * is built beside its path and moved into place whole, so no process ever sees an unmarked
   * cache. A damaged file and a full disk are {@link EngineError}s (see `cache-file.ts`).
   */
  static async open(path: string, options: Partial<CacheStoreOptions> = {}): Promise<CacheStore> {
    const { lockTimeoutMs, onNotice } = { ...DEFAULT_CACHE_STORE_OPTIONS, ...options };
    if (path === ':memory:') return CacheStore.#connect(path, await DuckDBInstance.create(path), onNotice);
    return CacheStore.#waitForLock(path, lockTimeoutMs, async () => {
      const state = inspectCacheFile(path);
      if (state === 'duckdb') {
        if (!verifiedFiles.has(fileIdentity(path)))
          await CacheStore.#withOwnFile(path, () => Promise.resolve());
      } else {
        createCacheFolder(path);
        await CacheStore.#createFile(path, state);
      }
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(path, DUCKDB_OPTIONS);
      } catch (error) {
        throw CacheStore.#openError(path, error);
      }
      const store = await CacheStore.#connect(path, instance, onNotice);
      verifiedFiles.add(fileIdentity(path));
      return store;
    });
  }

  /**
   * Deletes the cache file at `path` (and its write-ahead log) for `cache clear --force`, when it is
   * iamtrail's: it carries the marker, or DuckDB reports it damaged and its bytes still hold the
   * names of iamtrail's tables and columns. Refuses anything else with a {@link UsageError},
   * untouched. Returns whether there was a file to delete.
   */
  static async remove(path: string, options: Partial<CacheStoreOptions> = {}): Promise<boolean> {
    const { lockTimeoutMs } = { ...DEFAULT_CACHE_STORE_OPTIONS, ...options };
    return CacheStore.#waitForLock(path, lockTimeoutMs, async () => {
      const state = inspectCacheFile(path);
      if (state === 'absent') return false;
      const removeFiles = (): void => {
        verifiedFiles.delete(fileIdentity(path));
        rmSync(`${path}.wal`, { force: true });
        unlinkSync(path);
      };
      if (state === 'empty') {
        unlinkSync(path);
        return true;
      }
      try {
        // Deleted while the read-only open holds its lock, so no other process is inside.
        await CacheStore.#withOwnFile(path, () => {
          removeFiles();
          return Promise.resolve();
        });
      } catch (error) {
        const cause = error instanceof EngineError ? error.cause : undefined;
        if (!(cause instanceof Error) || !isDamage(cause.message, path)) throw error;
        if (!hasCacheSignature(path)) {
          throw new UsageError(
            `the cache ${path} is damaged and none of iamtrail's table names can be found in it, so iamtrail cannot tell it is its own and leaves it untouched`,
            {
              suggestions: [`If it is the cache iamtrail wrote, delete it yourself: rm ${path}`],
              cause: error,
            },
          );
        }
        removeFiles();
      }
      return true;
    });
  }

  /** Runs `attempt`, again while another process holds the file's lock, up to `lockTimeoutMs`. */
  static async #waitForLock<T>(path: string, lockTimeoutMs: number, attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + lockTimeoutMs;
    let delay = 50;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!/Could not set lock on file/.test(message)) throw error;
        if (Date.now() >= deadline) {
          const holder = /PID (\d+)/.exec(message)?.[1];
          throw new EngineError(
            `the cache ${path} is in use by another iamtrail process${holder === undefined ? '' : ` (PID ${holder})`}; waited ${Math.round(lockTimeoutMs / 1000)} s`,
            {
              suggestions: ['Try again when it has finished, or pass --cache OTHER_PATH or --no-cache'],
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  /**
   * Opens an existing DuckDB file read-only (which writes nothing, not even a pending write-ahead
   * log) and runs `body` while it is open, if the file is iamtrail's; otherwise throws a
   * {@link UsageError}. A lock conflict is rethrown as DuckDB worded it, for the caller to wait.
   */
  static async #withOwnFile(path: string, body: () => Promise<void>): Promise<void> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { ...DUCKDB_OPTIONS, access_mode: 'READ_ONLY' });
    } catch (error) {
      throw CacheStore.#openError(path, error);
    }
    try {
      const connection = await instance.connect();
      try {
        let own: boolean;
        try {
          own = await isOwnCache(connection);
        } catch (error) {
          throw CacheStore.#openError(path, error);
        }
        if (!own) {
          throw new UsageError(
            `the cache ${path} is a DuckDB database that iamtrail did not create (it has no iamtrail marker); iamtrail leaves it untouched`,
            {
              suggestions: [
                'Pass --cache with a new path (iamtrail creates the file) or the cache file iamtrail wrote, or --no-cache',
              ],
            },
          );
        }
        await body();
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  }

  /**
   * Creates a new cache at `path` (absent, or an empty file): built under a temporary name beside
   * it, checkpointed, then moved into place, so that an interrupted run leaves no unmarked or
   * half-built file at `path`. If another process created `path` meanwhile, its file is kept.
   */
  static async #createFile(path: string, state: 'absent' | 'empty'): Promise<void> {
    const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.new`);
    const removeTemporary = (): void => {
      rmSync(temporary, { force: true });
      rmSync(`${temporary}.wal`, { force: true });
    };
    removeTemporary();
    try {
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(temporary, DUCKDB_OPTIONS);
      } catch (error) {
        throw CacheStore.#openError(path, error);
      }
      const store = await CacheStore.#connect(temporary, instance, () => undefined, path);
      try {
        // A checkpoint that fails (a full disk) says so here; closing would keep quiet.
        await store.#connection.run('CHECKPOINT').catch((error: unknown) => {
          throw toCacheError(error, path);
        });
      } finally {
        await store.close();
      }
      if (existsSync(`${temporary}.wal`)) {
        throw new EngineError(
          `could not write the new cache ${path}: its write-ahead log was not checkpointed`,
          {
            suggestions: ['Check the free space of the disk, or pass --cache with a path on another disk'],
          },
        );
      }
      if (state === 'empty') {
        if (statSync(path).size === 0) renameSync(temporary, path);
        return;
      }
      try {
        // A hard link fails if the path exists by now, where a rename would replace that file.
        linkSync(temporary, path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw toCacheError(error, path);
          renameSync(temporary, path);
        }
      }
    } finally {
      removeTemporary();
    }
  }

  /** Sets up a store on an open instance, the schema checked (and rebuilt or created). */
  static async #connect(
    path: string,
    instance: DuckDBInstance,
    onNotice: (message: string) => void,
    reportedPath: string = path,
  ): Promise<CacheStore> {
    let connection: DuckDBConnection;
    try {
      connection = await instance.connect();
    } catch (error) {
      instance.closeSync();
      throw CacheStore.#openError(reportedPath, error);
    }
    const store = new CacheStore(path, instance, connection, reportedPath);
    try {
      await store.#ensureSchema(onNotice);
    } catch (error) {
      // The schema's error is the one to report, not a second one from closing.
      await store.close().catch(() => undefined);
      throw toCacheError(error, reportedPath);
    }
    return store;
  }

  /** A DuckDB error at opening: lock conflicts as they are (to wait), the rest iamtrail's own. */
  static #openError(path: string, error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error);
    if (/Could not set lock on file/.test(message)) return error;
    const mapped = toCacheError(error, path);
    if (mapped !== error) return mapped;
    return new EngineError(`cannot open the cache ${path}: ${message.split('\n')[0] ?? ''}`, {
      suggestions: [
        `Run \`iamtrail cache clear --force --cache ${path}\`, or pass --cache OTHER_PATH or --no-cache`,
      ],
      cause: error,
    });
  }

  async #ensureSchema(onNotice: (message: string) => void): Promise<void> {
    const tables = await sql<{
      name: string;
    }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main'`.execute(
      this.#db,
    );
    const names = new Set(tables.rows.map((row) => row.name));
    if (names.has('meta')) {
      const version = await this.#db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', 'schema_version')
        .executeTakeFirst();
      // Every cache of this version carries the marker (it came with schema 4): nothing to do.
      if (version?.value === CACHE_SCHEMA_VERSION) return;
      onNotice(
        `the cache ${this.path} has schema version ${version?.value ?? 'unknown'}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it`,
      );
    }
    await this.#transaction(async () => {
      for (const table of [
        'meta',
        'coverage',
        'skipped_files',
        'activity',
        'athena_resources',
        'athena_queries',
        ...names,
      ].filter((name, index, all) => all.indexOf(name) === index)) {
        // Table names come from information_schema of our own file or the constant list above.
        if (/^[a-z_]+$/.test(table)) await this.#connection.run(`DROP TABLE IF EXISTS ${table}`);
      }
      await this.#connection.run(SCHEMA_SQL);
      await this.#db
        .insertInto('meta')
        .values([
          CACHE_MARKER,
          { key: 'schema_version', value: CACHE_SCHEMA_VERSION },
          { key: 'created_at', value: new Date().toISOString() },
        ])
        .execute();
    });
  }

  /**
   * The days of `[startDay, endDay]` that must be read from the source for a question about
   * `accountIds`: those not loaded for every one of them (a day whose logs held no record of an
   * account is never loaded for it, so it is read again), plus `today` and the day before, which
   * may still receive logs. Days after `today` are never returned: they have no logs yet.
   */
  async missingDays(
    source: string,
    accountIds: readonly string[],
    startDay: string,
    endDay: string,
    today: string,
  ): Promise<string[]> {
    const accounts = [...new Set(accountIds)];
    if (accounts.length === 0) throw new Error('missingDays needs at least one account');
    const lastDay = endDay < today ? endDay : today;
    if (startDay > lastDay) return [];
    const loaded = await this.#db
      .selectFrom('coverage')
      .select((eb) => ['day', eb.fn.count<bigint>('account_id').distinct().as('accounts')])
      .where('source', '=', source)
      .where('account_id', 'in', accounts)
      .where('day', '>=', startDay)
      .where('day', '<=', lastDay)
      .groupBy('day')
      .execute();
    const loadedDays = new Set(
      loaded.filter((row) => Number(row.accounts) === accounts.length).map((row) => row.day),
    );
    const fresh = new Set([today, addDays(today, -1)]);
    const missing: string[] = [];
    for (let day = startDay; day <= lastDay; day = addDays(day, 1)) {
      if (!loadedDays.has(day) || fresh.has(day)) missing.push(day);
    }
    return missing;
  }

  /**
   * Replaces `days` of a source with what one engine load returned: its activity `rows` (or the
   * rows of a Parquet file the engine spilled them to) and its `coverage`, which marks each day
   * loaded for the accounts whose records its logs held, and for no other (see
   * {@link CacheStore.missingDays}). Whatever the days held before is forgotten first (one
   * transaction); then one transaction per day with activity writes its rows and coverage
   * together, and one for each run of up to 1000 days with coverage but no activity. A killed
   * process leaves every day complete or absent. `beforeCommit` is a test seam to hold a
   * transaction open.
   */
  async writeDays(
    source: string,
    days: readonly string[],
    rows: readonly ActivityRow[] | { readonly file: string },
    coverage: readonly DayCoverage[],
    beforeCommit: () => Promise<void> = () => Promise.resolve(),
    skipped: readonly SkippedFile[] = [],
  ): Promise<void> {
    const skippedRows = skipped.map((entry) => ({
      source,
      day: dayOfLogPath(entry.file) ?? days[0] ?? '',
      account_id: accountOfLogPath(entry.file) ?? null,
      file: entry.file,
      reason: entry.reason,
    }));
    const insertSkipped = async (): Promise<void> => {
      if (skippedRows.length > 0) await this.#db.insertInto('skipped_files').values(skippedRows).execute();
    };
    const counts = new Map<string, number>(days.map((day) => [day, 0]));
    const loadedAt = new Date().toISOString();
    const coverageOf = new Map<string, CacheDatabase['coverage'][]>(days.map((day) => [day, []]));
    for (const entry of coverage) {
      coverageOf.get(entry.day)?.push({
        source,
        account_id: entry.accountId,
        day: entry.day,
        loaded_at: loadedAt,
        files: entry.files,
      });
    }
    const insertCoverage = async (entries: readonly CacheDatabase['coverage'][]): Promise<void> => {
      for (let index = 0; index < entries.length; index += 1000)
        await this.#db
          .insertInto('coverage')
          .values(entries.slice(index, index + 1000))
          .execute();
    };
    if (this.path === ':memory:') {
      // Nothing of an in-memory store outlives the process: one transaction for every day.
      await this.#transaction(async () => {
        await this.#forgetDays(source, days);
        await insertSkipped();
        if ('file' in rows) {
          await this.#connection.run(
            `INSERT INTO activity BY NAME SELECT $1 AS source, * FROM (${activityOfSpill('$2')})`,
            [source, rows.file],
          );
        } else await this.#append(source, rows);
        await insertCoverage([...coverageOf.values()].flat());
      });
      return;
    }
    let insertDay: (day: string) => Promise<void>;
    if ('file' in rows) {
      // The spilled rows go from Parquet to the cache inside DuckDB, never through JavaScript.
      await this.#connection.run(`CREATE OR REPLACE TEMP TABLE incoming AS ${activityOfSpill('$1')}`, [
        rows.file,
      ]);
      const perDay = await this.#connection.runAndReadAll(
        'SELECT day, count(*)::INTEGER FROM incoming GROUP BY day',
      );
      for (const [day, count] of perDay.getRowsJS() as [string, number][])
        if (counts.has(day)) counts.set(day, count);
      insertDay = async (day) => {
        await this.#connection.run(
          `INSERT INTO activity BY NAME SELECT $1 AS source, * FROM incoming WHERE day = $2`,
          [source, day],
        );
      };
    } else {
      const byDay = new Map<string, ActivityRow[]>(days.map((day) => [day, []]));
      for (const row of rows) byDay.get(row.day)?.push(row);
      for (const [day, dayRows] of byDay) counts.set(day, dayRows.length);
      insertDay = (day) => this.#append(source, byDay.get(day) ?? []);
    }
    // Forget the days first, in one transaction: a day is then absent until its own transaction
    // commits it whole (deleting per day scanned the activity table once per day).
    await this.#transaction(async () => {
      await this.#forgetDays(source, days);
      await insertSkipped();
    });
    // Days with logs but no activity row (only AWS services' calls) hold only their coverage:
    // mark them in few transactions (each all or none), rather than a commit per day. Days
    // without coverage are not marked at all.
    const quietDays = days.filter((day) => counts.get(day) === 0);
    for (let index = 0; index < quietDays.length; index += 1000) {
      const entries = quietDays.slice(index, index + 1000).flatMap((day) => coverageOf.get(day) ?? []);
      if (entries.length === 0) continue;
      await this.#transaction(async () => {
        await insertCoverage(entries);
        await beforeCommit();
      });
    }
    for (const [day, count] of counts) {
      if (count === 0) continue;
      await this.#transaction(async () => {
        await insertDay(day);
        await insertCoverage(coverageOf.get(day) ?? []);
        await beforeCommit();
      });
    }
    if ('file' in rows) await this.#connection.run('DROP TABLE IF EXISTS incoming');
  }

  /**
   * What the cache holds of a source's logs in a window: per account and day loaded for it, the
   * files that held its records. Sorted by account, then day.
   */
  async coverage(source: string, window: DayRange): Promise<DayCoverage[]> {
    const records = await this.#db
      .selectFrom('coverage')
      .select(['account_id', 'day', 'files'])
      .where('source', '=', source)
      .where('day', '>=', window.startDay)
      .where('day', '<=', window.endDay)
      .orderBy('account_id')
      .orderBy('day')
      .execute();
    return records.map((record) => ({
      accountId: record.account_id,
      day: record.day,
      files: Number(record.files),
    }));
  }

  /**
   * The log files of a source that loads of the window's days could not read, of these accounts
   * (by their path; a file whose path names no account counts for every account).
   */
  async skippedFiles(
    source: string,
    window: DayRange,
    accountIds: readonly string[],
  ): Promise<SkippedFile[]> {
    const records = await this.#db
      .selectFrom('skipped_files')
      .select(['file', 'reason'])
      .where('source', '=', source)
      .where('day', '>=', window.startDay)
      .where('day', '<=', window.endDay)
      .where((eb) =>
        accountIds.length === 0
          ? eb('account_id', 'is', null)
          : eb.or([eb('account_id', 'is', null), eb('account_id', 'in', accountIds)]),
      )
      .orderBy('file')
      .execute();
    return records.map((record) => ({ file: record.file, reason: record.reason }));
  }

  async #forgetDays(source: string, days: readonly string[]): Promise<void> {
    for (let index = 0; index < days.length; index += 1000) {
      const chunk = days.slice(index, index + 1000);
      await this.#db
        .deleteFrom('skipped_files')
        .where('source', '=', source)
        .where('day', 'in', chunk)
        .execute();
      await this.#db.deleteFrom('activity').where('source', '=', source).where('day', 'in', chunk).execute();
      await this.#db.deleteFrom('coverage').where('source', '=', source).where('day', 'in', chunk).execute();
    }
  }

  async #append(source: string, rows: readonly ActivityRow[]): Promise<void> {
    const appender = await this.#connection.createAppender('activity');
    for (const row of rows) {
      appender.appendVarchar(source);
      appender.appendVarchar(row.accountId);
      appender.appendVarchar(row.day);
      appender.appendVarchar(row.actorArn);
      appender.appendVarchar(row.actorType);
      if (row.callerArn === null) appender.appendNull();
      else appender.appendVarchar(row.callerArn);
      if (row.viaArn === null) appender.appendNull();
      else appender.appendVarchar(row.viaArn);
      appender.appendVarchar(row.eventSource);
      appender.appendVarchar(row.eventName);
      appender.appendVarchar(row.outcome);
      appender.appendBigInt(BigInt(row.calls));
      appender.appendVarchar(row.firstSeen);
      appender.appendVarchar(row.lastSeen);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }

  /**
   * Per actor of an account and identity type, the summed calls and last day by outcome: what
   * `--list users|roles` needs, as rows (`day` is the last day, `calls` the total).
   */
  async actorRollup(
    source: string,
    window: DayRange,
    accountId: string,
    actorType: string,
  ): Promise<ActivityRow[]> {
    const records = await this.#scoped(source, window)
      .where(sql<string>`split_part(actor_arn, ':', 5)`, '=', accountId)
      .where('actor_type', '=', actorType)
      .select((eb) => [
        'account_id',
        'actor_arn',
        'actor_type',
        'outcome',
        eb.fn.max('day').as('day'),
        eb.fn.sum<number>('calls').as('calls'),
        eb.fn.min('first_seen').as('first_seen'),
        eb.fn.max('last_seen').as('last_seen'),
      ])
      .groupBy(['account_id', 'actor_arn', 'actor_type', 'outcome'])
      .execute();
    return records.map((record) => ({
      accountId: record.account_id,
      day: record.day,
      actorArn: record.actor_arn,
      actorType: record.actor_type,
      callerArn: null,
      viaArn: null,
      eventSource: '',
      eventName: '',
      outcome: record.outcome,
      calls: record.calls,
      firstSeen: record.first_seen,
      lastSeen: record.last_seen,
    }));
  }

  /**
   * Every row of one actor in the window (all accounts: a role's sessions, a user's calls); with
   * `callers`, only the role sessions those identities opened (ARNs or `sourceIdentity` values).
   */
  async actorActivity(
    source: string,
    window: DayRange,
    actorArn: string,
    callers?: readonly string[],
  ): Promise<ActivityRow[]> {
    let query = this.#scoped(source, window).where('actor_arn', '=', actorArn);
    if (callers !== undefined) {
      if (callers.length === 0) return [];
      query = query.where((eb) => eb.or([eb('caller_arn', 'in', callers), eb('via_arn', 'in', callers)]));
    }
    const records = await query
      .selectAll()
      .orderBy('day')
      .orderBy('event_source')
      .orderBy('event_name')
      .execute();
    return records.map(toActivityRow);
  }

  /**
   * Who opened sessions of roles in the window: per (role, caller), the calls made in those
   * sessions, on how many days, and when first and last. A role chain is listed under the identity
   * that began it, with the role it came through as `via`. Rows without a known caller come with
   * `callerArn: null`. With `roleArn`, one role; with `accountId`, every role whose ARN is in that
   * account; with `callers`, every role those identities opened sessions of (first or last hop).
   */
  async roleCallers(
    source: string,
    window: DayRange,
    role:
      { readonly roleArn: string } | { readonly accountId: string } | { readonly callers: readonly string[] },
  ): Promise<RoleCaller[]> {
    let query = this.#scoped(source, window).where('actor_type', '=', 'AssumedRole');
    if ('roleArn' in role) query = query.where('actor_arn', '=', role.roleArn);
    else if ('accountId' in role)
      query = query.where(sql<string>`split_part(actor_arn, ':', 5)`, '=', role.accountId);
    else if (role.callers.length === 0) return [];
    else {
      const { callers } = role;
      query = query.where((eb) => eb.or([eb('caller_arn', 'in', callers), eb('via_arn', 'in', callers)]));
    }
    const records = await query
      .select((eb) => [
        'actor_arn',
        'caller_arn',
        'via_arn',
        sql<number>`CAST(sum(calls) AS BIGINT)`.as('calls'),
        sql<number>`CAST(sum(CASE WHEN outcome = 'denied' THEN calls ELSE 0 END) AS BIGINT)`.as('denied'),
        sql<number>`CAST(sum(CASE WHEN outcome = 'failed' THEN calls ELSE 0 END) AS BIGINT)`.as('failed'),
        sql<number>`count(DISTINCT day)`.as('days'),
        eb.fn.min('first_seen').as('first_seen'),
        eb.fn.max('last_seen').as('last_seen'),
      ])
      .groupBy(['actor_arn', 'caller_arn', 'via_arn'])
      .orderBy('actor_arn')
      .orderBy(sql`sum(calls)`, 'desc')
      .orderBy(sql`caller_arn NULLS LAST`)
      .orderBy(sql`via_arn NULLS FIRST`)
      .execute();
    return records.map((record) => ({
      roleArn: record.actor_arn,
      callerArn: record.caller_arn,
      viaArn: record.via_arn,
      calls: record.calls,
      denied: record.denied,
      failed: record.failed,
      days: record.days,
      firstSeen: record.first_seen,
      lastSeen: record.last_seen,
    }));
  }

  /** The distinct events logged in an account in the window, by anyone (which data events it logs). */
  async accountEvents(
    source: string,
    window: DayRange,
    accountId: string,
  ): Promise<{ eventSource: string; eventName: string }[]> {
    const records = await this.#scoped(source, window)
      .where('account_id', '=', accountId)
      .select(['event_source', 'event_name'])
      .distinct()
      .execute();
    return records.map((record) => ({ eventSource: record.event_source, eventName: record.event_name }));
  }

  /** What the cache holds, per source. */
  async status(): Promise<CacheSourceStatus[]> {
    const coverage = await this.#db
      .selectFrom('coverage')
      .select((eb) => [
        'source',
        sql<string[]>`list_sort(list_distinct(list(account_id)))`.as('accounts'),
        sql<string[]>`list_sort(list_distinct(list(day)))`.as('days'),
        eb.fn.max('loaded_at').as('last_loaded_at'),
      ])
      .groupBy('source')
      .orderBy('source')
      .execute();
    const counts = await this.#db
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

  /**
   * Removes cached days. With `before`, the days before it; with `accountId`, the days loaded for
   * that account. A day is removed whole, with its rows and coverage for every account (one load
   * wrote them together), so the next run that needs it reads it again.
   */
  async clear(filter: CacheClearFilter = {}): Promise<{ rows: number; days: number }> {
    return this.#transaction(async () => {
      let days = this.#db.selectFrom('coverage').select(['source', 'day']).distinct();
      if (filter.before !== undefined) days = days.where('day', '<', filter.before);
      if (filter.accountId !== undefined) days = days.where('account_id', '=', filter.accountId);
      const affected = await days.execute();
      let rows = 0;
      for (const day of affected) {
        const removed = await this.#db
          .deleteFrom('activity')
          .where('source', '=', day.source)
          .where('day', '=', day.day)
          .executeTakeFirst();
        rows += Number(removed.numDeletedRows);
        await this.#db
          .deleteFrom('coverage')
          .where('source', '=', day.source)
          .where('day', '=', day.day)
          .execute();
      }
      return { rows, days: affected.length };
    });
  }

  /** Remembers an object iamtrail created, so that cleanup can remove it and nothing else. */
  async recordAthenaResource(resource: AthenaResource): Promise<void> {
    await this.#db
      .insertInto('athena_resources')
      .values({
        kind: resource.kind,
        name: resource.name,
        region: resource.region,
        created_at: new Date().toISOString(),
      })
      .execute();
  }

  /** The objects iamtrail created in a region. */
  async athenaResources(region: string): Promise<AthenaResource[]> {
    return this.#db
      .selectFrom('athena_resources')
      .select(['kind', 'name', 'region'])
      .where('region', '=', region)
      .distinct()
      .orderBy('kind')
      .orderBy('name')
      .execute();
  }

  /** Forgets a created object (after cleanup removed it). */
  async forgetAthenaResource(resource: AthenaResource): Promise<void> {
    await this.#db
      .deleteFrom('athena_resources')
      .where('kind', '=', resource.kind)
      .where('name', '=', resource.name)
      .where('region', '=', resource.region)
      .execute();
  }

  /** Remembers a query iamtrail ran and where its results are. */
  async recordAthenaQuery(query: AthenaQueryRecord): Promise<void> {
    await this.#db
      .insertInto('athena_queries')
      .values({
        query_id: query.queryId,
        region: query.region,
        workgroup: query.workgroup,
        output_location: query.outputLocation,
        submitted_at: new Date().toISOString(),
        state: query.state,
        bytes_scanned: query.bytesScanned,
      })
      .execute();
  }

  /** The queries iamtrail ran in a region. */
  async athenaQueries(region: string): Promise<AthenaQueryRecord[]> {
    const rows = await this.#db
      .selectFrom('athena_queries')
      .selectAll()
      .where('region', '=', region)
      .orderBy('submitted_at')
      .execute();
    return rows.map((row) => ({
      queryId: row.query_id,
      region: row.region,
      workgroup: row.workgroup,
      outputLocation: row.output_location,
      state: row.state,
      bytesScanned: row.bytes_scanned,
    }));
  }

  /** Forgets queries whose results cleanup removed. */
  async forgetAthenaQueries(queryIds: readonly string[]): Promise<void> {
    if (queryIds.length > 0)
      await this.#db.deleteFrom('athena_queries').where('query_id', 'in', queryIds).execute();
  }

  /** Bytes on disk of the cache file and its write-ahead log. */
  sizeOnDisk(): number {
    if (this.path === ':memory:') return 0;
    return [this.path, `${this.path}.wal`].reduce(
      (sum, file) => sum + (existsSync(file) ? statSync(file).size : 0),
      0,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#db.destroy();
      this.#connection.closeSync();
      this.#instance.closeSync();
    } catch (error) {
      throw toCacheError(error, this.#reportedPath);
    }
  }

  #scoped(source: string, window: DayRange) {
    return this.#db
      .selectFrom('activity')
      .where('source', '=', source)
      .where('day', '>=', window.startDay)
      .where('day', '<=', window.endDay);
  }

  async #transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.#connection.run('BEGIN TRANSACTION');
    try {
      const result = await body();
      await this.#connection.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.#connection.run('ROLLBACK');
      } catch {
        // A COMMIT that failed (a full disk) has ended the transaction already; DuckDB's "cannot
        // rollback" would hide why. The first error is the one to report.
      }
      throw toCacheError(error, this.#reportedPath);
    }
  }
}

/** Contiguous ranges of sorted `YYYY-MM-DD` days. */
export function toRanges(days: readonly string[]): DayRange[] {
  const ranges: DayRange[] = [];
  for (const day of [...days].sort()) {
    const last = ranges.at(-1);
    if (last !== undefined && addDays(last.endDay, 1) === day)
      ranges[ranges.length - 1] = { startDay: last.startDay, endDay: day };
    else if (last?.endDay !== day) ranges.push({ startDay: day, endDay: day });
  }
  return ranges;
}

/**
 * The files (device, inode, creation time) this process has opened as its own cache: a report opens the cache
 * twice, and the second open need not check the marker again. A file replaced meanwhile is another
 * inode, checked anew.
 */
const verifiedFiles = new Set<string>();

function fileIdentity(path: string): string {
  const stats = statSync(path);
  // The creation time tells a new file from an old one that had the same, since reused, inode.
  return `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`;
}

/**
 * Whether an open DuckDB database is an iamtrail cache: its `meta` table (key, value) carries
 * {@link CACHE_MARKER}, or it is a cache of schema 1 to 3 written before the marker (a `meta` table
 * of only `schema_version` and `created_at`, and exactly the tables of that version). Reads only.
 */
async function isOwnCache(connection: DuckDBConnection): Promise<boolean> {
  const columns = await connection.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'meta'
     ORDER BY column_index`,
  );
  if (
    JSON.stringify(columns.getRowsJS()) !==
    JSON.stringify([
      ['key', 'VARCHAR'],
      ['value', 'VARCHAR'],
    ])
  )
    return false;
  const meta = (await connection.runAndReadAll('SELECT key, value FROM meta')).getRowsJS() as [
    string,
    string,
  ][];
  if (meta.some(([key, value]) => key === CACHE_MARKER.key && value === CACHE_MARKER.value)) return true;
  const version = meta.find(([key]) => key === 'schema_version')?.[1];
  const legacyTables = version === undefined ? undefined : LEGACY_TABLES[version];
  if (legacyTables === undefined || meta.some(([key]) => key !== 'schema_version' && key !== 'created_at'))
    return false;
  const objects = await connection.runAndReadAll(
    `SELECT schema_name || '.' || table_name FROM duckdb_tables()
       WHERE database_name = current_database() AND NOT internal
     UNION ALL
     SELECT schema_name || '.' || view_name FROM duckdb_views()
       WHERE database_name = current_database() AND NOT internal
     ORDER BY 1`,
  );
  return (
    JSON.stringify(objects.getRowsJS().map(([name]) => name)) ===
    JSON.stringify(legacyTables.map((table) => `main.${table}`))
  );
}

/**
 * The account a CloudTrail log file's key names (`.../AWSLogs/[o-org/]<account>/CloudTrail/...`),
 * or `undefined` for a file outside that layout.
 */
export function accountOfLogPath(file: string): string | undefined {
  return /\/AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\//.exec(file)?.[1];
}

/**
 * The UTC day a CloudTrail log file's key names, or `undefined` for a file outside that layout.
 */
export function dayOfLogPath(file: string): string | undefined {
  const match = /\/CloudTrail\/[^/]+\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(file);
  return match === null ? undefined : `${match[1]}-${match[2]}-${match[3]}`;
}
