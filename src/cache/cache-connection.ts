import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import pRetry, { AbortError } from 'p-retry';

import { DuckDbDialect } from '../engines/duckdb/duckdb-dialect.js';
import type { DuckDbConnectionLike, DuckDbSpareConnections } from '../engines/duckdb/duckdb-driver.js';
import { openDuckDbDatabase, processDatabaseOptions } from '../engines/duckdb/duckdb-host.js';
import type { OpenDatabaseOptions, OpenedDatabase } from '../engines/duckdb/duckdb-host.js';
import { EngineError, isIamtrailError, messageOf, UsageError } from '../errors.js';
import {
  createCacheFolder,
  hasCacheSignature,
  inspectCacheFile,
  isDamage,
  toCacheError,
} from './cache-file.js';
import {
  CACHE_MARKER,
  CACHE_SCHEMA_VERSION,
  countKeptRecords,
  ensureSchema,
  isOwnCache,
  refuseForeignObjects,
} from './cache-schema.js';
import type { CacheDatabase, KeptRecords } from './cache-schema.js';

/**
 * The most connections a cache opened read-only runs queries on at once, its first one included:
 * the four queries of a question's evidence (docs/benchmarks.md).
 */
const MAX_CONNECTIONS = 4;

/** What {@link CacheConnection.remove} did. */
export interface CacheRemoval {
  readonly deleted: boolean;
  /** The boundary snapshots the file held; `null` when it was damaged (they could not be read). */
  readonly boundarySnapshots: number | null;
  /** The Athena ledger's entries (objects and queries) the file held; `null` as above. */
  readonly athenaLedger: number | null;
}

/** Options of {@link CacheConnection.open}. */
export interface CacheConnectionOptions {
  /** How long to wait for another iamtrail process that has the cache open. */
  readonly lockTimeoutMs: number;
  /** Told when an old cache is rebuilt. */
  readonly onNotice: (message: string) => void;
  /**
   * Stops waiting for another process's lock: once aborted, no attempt to open starts (the open
   * fails with the signal's reason); one under way finishes, and what it opens is returned.
   */
  readonly signal?: AbortSignal;
}

/** Defaults of {@link CacheConnectionOptions}. */
export const DEFAULT_CACHE_CONNECTION_OPTIONS: CacheConnectionOptions = {
  lockTimeoutMs: 60_000,
  onNotice: () => undefined,
};

/**
 * An open cache: a DuckDB file (or an in-memory database for `--no-cache`) whose schema has been
 * checked. DuckDB lets one process at a time open a file; {@link CacheConnection.open} waits a
 * bounded time for the other to finish, and never writes to a file that is not iamtrail's.
 */
export class CacheConnection {
  readonly #database: OpenedDatabase;
  /** The DuckDB connection, for what kysely cannot say (appenders, Parquet reads). */
  readonly connection: DuckDBConnection;
  /**
   * The database through kysely, with errors about the file mapped to iamtrail's: on {@link
   * connection}, and for a cache opened read-only on spare connections too, for queries asked at
   * once (so a query here may not see what {@link connection}'s open transaction wrote: a
   * read-only cache has none).
   */
  readonly db: Kysely<CacheDatabase>;
  /** The file, or `:memory:`. */
  readonly path: string;
  #closed = false;
  /** Opened by {@link openReadOnly}. */
  readonly #readOnly: boolean;
  /** Gives back the umask {@link holdPrivateUmask} took for this cache, opened for writing. */
  #releaseUmask: () => void = () => undefined;

  /** The path errors name: {@link path}, or for a cache being created, where it will be. */
  readonly reportedPath: string;

  /**
   * The keys of the cache's `meta` table when its open read them (a read-only open, which checks
   * them in one query): a question asks nothing of what they say is not there.
   */
  readonly metaKeys: ReadonlySet<string> | undefined;

  private constructor(
    path: string,
    database: OpenedDatabase,
    reportedPath: string = path,
    readOnly = false,
    metaKeys?: ReadonlySet<string>,
  ) {
    this.path = path;
    this.metaKeys = metaKeys;
    this.reportedPath = reportedPath;
    this.#database = database;
    this.#readOnly = readOnly;
    const connection = database.connection;
    this.connection = connection;
    // Every query's DuckDB error about the file (damage, a full disk) becomes iamtrail's own.
    const mapError = (error: unknown): never => {
      throw toCacheError(error, reportedPath);
    };
    const mapped = (connection: DuckDBConnection): DuckDbConnectionLike => ({
      prepare: async (text) => {
        const prepared = await connection.prepare(text).catch(mapError);
        return {
          bind: (values) => {
            try {
              prepared.bind(values);
            } catch (error) {
              mapError(error);
            }
          },
          runAndReadAll: () => prepared.runAndReadAll().catch(mapError),
          destroySync: () => {
            prepared.destroySync();
          },
        };
      },
    });
    // A cache opened read-only runs the queries it is given at once on connections of their own
    // (a question's evidence: the principal's rows, the account's events, Access Advisor, the
    // role callers), as nothing writes to it. They are opened now, while the command's code runs,
    // so that the queries find them open.
    let spare: DuckDbSpareConnections | undefined;
    if (readOnly) {
      const opening = Array.from({ length: MAX_CONNECTIONS - 1 }, () => {
        const opened = database.connect().then(mapped, mapError);
        opened.catch(() => undefined);
        return opened;
      });
      spare = {
        connect: () => opening.shift() ?? Promise.reject(new Error('no spare connection left')),
        max: MAX_CONNECTIONS,
      };
    }
    this.db = new Kysely<CacheDatabase>({
      dialect: new DuckDbDialect({
        connection: mapped(connection),
        ...(spare === undefined ? {} : { spare }),
      }),
    });
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
  static async open(path: string, options: Partial<CacheConnectionOptions> = {}): Promise<CacheConnection> {
    const { lockTimeoutMs, onNotice, signal } = { ...DEFAULT_CACHE_CONNECTION_OPTIONS, ...options };
    const settings = processDatabaseOptions();
    if (path === ':memory:')
      return CacheConnection.#connect(path, await openDuckDbDatabase(path, settings), onNotice);
    return CacheConnection.#waitForLock(path, lockTimeoutMs, signal, async () => {
      const state = inspectCacheFile(path);
      if (state === 'duckdb') {
        if (!verifiedFiles.has(fileIdentity(path)))
          await CacheConnection.#withOwnFile(path, settings, () => Promise.resolve());
        // A cache written before iamtrail made them its owner's only (or by hand): made so now.
        keepToOwner(path);
      } else {
        refuseDanglingLink(path);
        createCacheFolder(path);
        await CacheConnection.#createFile(path, state, settings);
      }
      // What DuckDB writes beside the file while it is open (its write-ahead log) is the owner's too.
      const release = holdPrivateUmask();
      try {
        let database: OpenedDatabase;
        try {
          database = await openDuckDbDatabase(path, settings);
        } catch (error) {
          throw CacheConnection.#openError(path, error);
        }
        const store = await CacheConnection.#connect(path, database, onNotice);
        store.#releaseUmask = release;
        verifiedFiles.add(fileIdentity(path));
        return store;
      } catch (error) {
        release();
        throw error;
      }
    });
  }

  /**
   * Opens an existing cache read-only, for a question the cache answers alone: one open of the
   * file instead of two (the marker check, then read-write) and no checkpoint at close. The file
   * must carry {@link CACHE_MARKER}, be of this schema version and have no pending write-ahead log;
   * otherwise (and for `:memory:` or a missing file) the result is `undefined`, nothing is written,
   * and the caller opens it with {@link open}. Waits for another process's lock as {@link open} does.
   */
  static async openReadOnly(
    path: string,
    options: Partial<CacheConnectionOptions> = {},
  ): Promise<CacheConnection | undefined> {
    const { lockTimeoutMs, signal } = { ...DEFAULT_CACHE_CONNECTION_OPTIONS, ...options };
    const settings = processDatabaseOptions();
    if (path === ':memory:' || existsSync(`${path}.wal`) || inspectCacheFile(path) !== 'duckdb')
      return undefined;
    return CacheConnection.#waitForLock(path, lockTimeoutMs, signal, async () => {
      const { database, found: current } = await CacheConnection.#openReadOnlyChecked(
        path,
        settings,
        (connection) => isCurrentCache(connection),
      );
      if (current === false) {
        await database.close();
        return undefined;
      }
      verifiedFiles.add(fileIdentity(path));
      return new CacheConnection(path, database, path, true, current === true ? undefined : current);
    });
  }

  /**
   * Opens `path` read-only (within the caller's lock wait) and runs `check` on it; a failure of
   * either closes what was opened and becomes the open error of the path.
   */
  static async #openReadOnlyChecked<T>(
    path: string,
    settings: ReturnType<typeof processDatabaseOptions>,
    check: (connection: OpenedDatabase['connection']) => Promise<T>,
  ): Promise<{ readonly database: OpenedDatabase; readonly found: T }> {
    let database: OpenedDatabase;
    try {
      database = await openDuckDbDatabase(path, { ...settings, readOnly: true });
    } catch (error) {
      throw CacheConnection.#openError(path, error);
    }
    try {
      await refuseForeignObjects(database.connection, path);
      return { database, found: await check(database.connection) };
    } catch (error) {
      await database.close().catch(() => undefined);
      throw CacheConnection.#openError(path, error);
    }
  }

  /**
   * Opens an existing cache read-only and as it is, for a reader that must never write (`serve`):
   * nothing is created, migrated or rebuilt, and a write-ahead log a stopped process left is
   * replayed in memory only. Refuses with a {@link UsageError}, touching nothing: a missing or empty
   * file, a folder or a file that is not a DuckDB database, a database that is not iamtrail's, and a
   * cache of another schema version (the message says which, and how to bring it to this one).
   * Waits for another process's lock as {@link open} does.
   */
  static async openAsIs(
    path: string,
    options: Partial<CacheConnectionOptions> = {},
  ): Promise<CacheConnection> {
    const { lockTimeoutMs, signal } = { ...DEFAULT_CACHE_CONNECTION_OPTIONS, ...options };
    const settings = processDatabaseOptions();
    const state = inspectCacheFile(path);
    if (state !== 'duckdb')
      throw new UsageError(
        state === 'absent'
          ? `the cache ${path} does not exist`
          : `the cache ${path} is an empty file: no iamtrail cache yet`,
        {
          suggestions: [
            `Fill it first (\`iamtrail advisor collect\`, \`iamtrail advisor import\` or a report with --cache ${path}), or pass --cache with the cache file iamtrail wrote`,
          ],
        },
      );
    return CacheConnection.#waitForLock(path, lockTimeoutMs, signal, async () => {
      const { database, found: problem } = await CacheConnection.#openReadOnlyChecked(
        path,
        settings,
        (connection) => versionProblem(connection, path),
      );
      if (problem !== undefined) {
        await database.close();
        throw problem;
      }
      return new CacheConnection(path, database, path, true);
    });
  }

  /**
   * Deletes the cache file at `path` (and its write-ahead log) for `cache clear --force`, when it is
   * iamtrail's: it carries the marker, or DuckDB reports it damaged and its bytes still hold the
   * names of iamtrail's tables and columns. Refuses anything else with a {@link UsageError},
   * untouched. A readable cache that holds boundary snapshots (the record `boundary rollback`
   * restores from) or Athena ledger entries (what `athena cleanup` removes) is left whole when
   * `keep` says to keep those it holds. Says whether the file was deleted and how many of each it
   * held (`null`: a damaged file, whose rows cannot be read).
   */
  static async remove(
    path: string,
    options: Partial<CacheConnectionOptions> & { readonly keep?: KeptRecords } = {},
  ): Promise<CacheRemoval> {
    const { lockTimeoutMs, signal } = { ...DEFAULT_CACHE_CONNECTION_OPTIONS, ...options };
    const settings = processDatabaseOptions();
    return CacheConnection.#waitForLock(path, lockTimeoutMs, signal, async () => {
      const state = inspectCacheFile(path);
      if (state === 'absent') return { deleted: false, boundarySnapshots: 0, athenaLedger: 0 };
      const removeFiles = (): void => {
        verifiedFiles.delete(fileIdentity(path));
        rmSync(`${path}.wal`, { force: true });
        unlinkSync(path);
      };
      if (state === 'empty') {
        unlinkSync(path);
        return { deleted: true, boundarySnapshots: 0, athenaLedger: 0 };
      }
      let removal: CacheRemoval = { deleted: true, boundarySnapshots: 0, athenaLedger: 0 };
      try {
        // Deleted while the read-only open holds its lock, so no other process is inside.
        await CacheConnection.#withOwnFile(
          path,
          settings,
          async (connection) => {
            const held = await countKeptRecords(connection);
            if (
              (held.boundarySnapshots > 0 && options.keep?.boundarySnapshots === true) ||
              (held.athenaLedger > 0 && options.keep?.athenaLedger === true)
            )
              removal = { deleted: false, ...held };
            else {
              removeFiles();
              removal = { deleted: true, ...held };
            }
          },
          'allow',
        );
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
        removal = { deleted: true, boundarySnapshots: null, athenaLedger: null };
      }
      return removal;
    });
  }

  /**
   * Runs `attempt`, again while another process holds the file's lock (backing off from 50 ms to
   * 1 s), up to `lockTimeoutMs` or until `signal` is aborted; then fails with an
   * {@link EngineError} naming the holder (or the signal's reason).
   */
  static async #waitForLock<T>(
    path: string,
    lockTimeoutMs: number,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    try {
      return await pRetry(
        () => {
          if (signal?.aborted === true) throw new AbortError(messageOf(signal.reason));
          return attempt();
        },
        {
          retries: 5,
          forever: true,
          factor: 2,
          minTimeout: 50,
          maxTimeout: 1000,
          // p-retry treats 0 as "no limit"; a zero timeout is one attempt.
          maxRetryTime: Math.max(lockTimeoutMs, 1),
          shouldRetry: (error) => isLockConflict(error),
        },
      );
    } catch (error) {
      if (!isLockConflict(error)) throw error;
      const pid = /PID (\d+)/.exec(error.message)?.[1];
      const holder = /Unique file handle conflict/.test(error.message)
        ? 'another question of this iamtrail process'
        : `another iamtrail process${pid === undefined ? '' : ` (PID ${pid})`}`;
      throw new EngineError(
        `the cache ${path} is in use by ${holder}; waited ${Math.round(lockTimeoutMs / 1000)} s`,
        {
          suggestions: ['Try again when it has finished, or pass --cache OTHER_PATH or --no-cache'],
          cause: error,
        },
      );
    }
  }

  /**
   * Opens an existing DuckDB file read-only (which writes nothing, not even a pending write-ahead
   * log) and runs `body` while it is open, if the file is iamtrail's; otherwise throws a
   * {@link UsageError}. A lock conflict is rethrown as DuckDB worded it, for the caller to wait.
   */
  static async #withOwnFile(
    path: string,
    settings: OpenDatabaseOptions,
    body: (connection: DuckDBConnection) => Promise<void>,
    /** Removal reads only counts of tables: a file holding views or macros may still be deleted. */
    foreignObjects: 'refuse' | 'allow' = 'refuse',
  ): Promise<void> {
    let database: OpenedDatabase;
    try {
      database = await openDuckDbDatabase(path, { ...settings, readOnly: true });
    } catch (error) {
      throw CacheConnection.#openError(path, error);
    }
    try {
      let own: boolean;
      try {
        own = await isOwnCache(database.connection);
      } catch (error) {
        throw CacheConnection.#openError(path, error);
      }
      if (own && foreignObjects === 'refuse') await refuseForeignObjects(database.connection, path);
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
      await body(database.connection);
    } catch (error) {
      // The body's error is the one to report, not a second one from closing.
      await database.close().catch(() => undefined);
      throw error;
    }
    await database.close();
  }

  /**
   * Creates a new cache at `path` (absent, or an empty file): built under a temporary name beside
   * it, checkpointed, then moved into place, so that an interrupted run leaves no unmarked or
   * half-built file at `path`. If another process created `path` meanwhile, its file is kept.
   */
  static async #createFile(
    path: string,
    state: 'absent' | 'empty',
    settings: OpenDatabaseOptions,
  ): Promise<void> {
    const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.new`);
    const removeTemporary = (): void => {
      rmSync(temporary, { force: true });
      rmSync(`${temporary}.wal`, { force: true });
    };
    removeTemporary();
    try {
      let database: OpenedDatabase;
      try {
        database = await openDuckDbDatabase(temporary, settings);
      } catch (error) {
        throw CacheConnection.#openError(path, error);
      }
      const store = await CacheConnection.#connect(temporary, database, () => undefined, path);
      try {
        // A checkpoint that fails (a full disk) says so here; closing would keep quiet.
        await store.connection.run('CHECKPOINT');
      } catch (error) {
        // The checkpoint's error is the one to report, not a second one from closing.
        await store.close().catch(() => undefined);
        throw toCacheError(error, path);
      }
      await store.close();
      if (existsSync(`${temporary}.wal`)) {
        throw new EngineError(
          `could not write the new cache ${path}: its write-ahead log was not checkpointed`,
          {
            suggestions: ['Check the free space of the disk, or pass --cache with a path on another disk'],
          },
        );
      }
      // The organisation's activity, key ids and IAM changes: readable by its owner only.
      chmodSync(temporary, 0o600);
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

  /** Sets up a store on an open database, the schema checked (and rebuilt or created). */
  static async #connect(
    path: string,
    database: OpenedDatabase,
    onNotice: (message: string) => void,
    reportedPath: string = path,
  ): Promise<CacheConnection> {
    const store = new CacheConnection(path, database, reportedPath);
    try {
      await ensureSchema(store, onNotice);
    } catch (error) {
      // The schema's error is the one to report, not a second one from closing.
      await store.close().catch(() => undefined);
      throw toCacheError(error, reportedPath);
    }
    return store;
  }

  /** A DuckDB error at opening: lock conflicts as they are (to wait), the rest iamtrail's own. */
  static #openError(path: string, error: unknown): unknown {
    const message = messageOf(error);
    // Ours says what it is already (an altered file, say).
    if (isLockConflict(error) || isIamtrailError(error)) return error;
    const mapped = toCacheError(error, path);
    if (mapped !== error) return mapped;
    return new EngineError(`cannot open the cache ${path}: ${message.split('\n')[0] ?? ''}`, {
      suggestions: [
        `Run \`iamtrail cache clear --force --cache ${path}\`, or pass --cache OTHER_PATH or --no-cache`,
      ],
      cause: error,
    });
  }

  /** Bytes on disk of the cache file and its write-ahead log. */
  sizeOnDisk(): number {
    if (this.path === ':memory:') return 0;
    return [this.path, `${this.path}.wal`].reduce(
      (sum, file) => sum + (existsSync(file) ? statSync(file).size : 0),
      0,
    );
  }

  /** Closes the connections and the database. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.db.destroy();
      await this.#database.close();
    } catch (error) {
      throw toCacheError(error, this.reportedPath);
    } finally {
      this.#releaseUmask();
    }
  }

  /**
   * Runs `body` in one transaction: committed whole, or rolled back with the first error. Not on a
   * cache opened read-only, which has nothing to write and whose kysely queries may run on
   * connections outside the transaction.
   */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    if (this.#readOnly) throw new Error(`the cache ${this.reportedPath} is open read-only: no transaction`);
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await body();
      await this.connection.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.connection.run('ROLLBACK');
      } catch {
        // A COMMIT that failed (a full disk) has ended the transaction already; DuckDB's "cannot
        // rollback" would hide why. The first error is the one to report.
      }
      throw toCacheError(error, this.reportedPath);
    }
  }
}

/**
 * The files (device, inode, creation time) this process has opened as its own cache: a report opens the cache
 * twice, and the second open need not check the marker again. A file replaced meanwhile is another
 * inode, checked anew.
 */
const verifiedFiles = new Set<string>();

/** How many caches the process has open for writing, and the umask before the first of them. */
let privateWriters = 0;
let umaskBefore: number | undefined;

/**
 * Makes the files the process creates its owner's only (umask 077 added to its own) until the
 * returned function is called, for as long as one cache is open for writing: DuckDB creates the
 * cache's write-ahead log (`CACHE.wal`, rows not yet in the file) and its spill files with the
 * umask's mode, which a shared folder would open to others. Nothing where the umask cannot be
 * changed (a worker thread).
 */
function holdPrivateUmask(): () => void {
  try {
    if (privateWriters === 0) {
      const before = process.umask(0o077);
      process.umask(before | 0o077);
      umaskBefore = before;
    }
  } catch {
    return () => undefined;
  }
  privateWriters += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    privateWriters -= 1;
    if (privateWriters === 0 && umaskBefore !== undefined) {
      process.umask(umaskBefore);
      umaskBefore = undefined;
    }
  };
}

/** Takes away the group's and others' access to a cache file the process owns; else leaves it. */
function keepToOwner(path: string): void {
  try {
    const { mode, uid } = statSync(path);
    if ((mode & 0o077) !== 0 && (process.getuid === undefined || uid === process.getuid()))
      chmodSync(path, mode & 0o700);
  } catch {
    // Not the process's to change (or gone): the cache is read as it is.
  }
}

/**
 * Whether an open database is an iamtrail cache of {@link CACHE_SCHEMA_VERSION}: in one query when
 * its `meta` rows carry {@link CACHE_MARKER} (a cached question's open, a round trip where three
 * took 8-11 ms; docs/benchmarks.md), which then gives the keys of those rows, else as
 * {@link isOwnCache} says (a `meta` table of another shape, or none, or a cache older than the
 * marker), with the version read apart.
 */
async function isCurrentCache(connection: DuckDBConnection): Promise<boolean | ReadonlySet<string>> {
  let meta: unknown[][] | undefined;
  try {
    meta = (await connection.runAndReadAll('SELECT key, value FROM meta')).getRowsJS();
  } catch {
    // No such table or columns: the whole check says what the file is.
    meta = undefined;
  }
  if (meta?.some(([key, value]) => key === CACHE_MARKER.key && value === CACHE_MARKER.value) === true)
    return (
      meta.find(([key]) => key === 'schema_version')?.[1] === CACHE_SCHEMA_VERSION &&
      new Set(meta.map(([key]) => String(key)))
    );
  return (await isOwnCache(connection)) && (await schemaVersionOf(connection)) === CACHE_SCHEMA_VERSION;
}

/**
 * Why an open database is not a cache {@link CacheConnection.openAsIs} can read as it is: not
 * iamtrail's, or of another schema version; `undefined` when it is a cache of this version.
 */
async function versionProblem(connection: DuckDBConnection, path: string): Promise<UsageError | undefined> {
  if (!(await isOwnCache(connection)))
    return new UsageError(
      `the cache ${path} is a DuckDB database that iamtrail did not create (it has no iamtrail marker)`,
      { suggestions: ['Pass --cache with the cache file iamtrail wrote'] },
    );
  const version = await schemaVersionOf(connection);
  if (version === CACHE_SCHEMA_VERSION) return undefined;
  const named = typeof version === 'string' ? version : 'unknown';
  if (/^\d+$/.test(named) && Number(named) > Number(CACHE_SCHEMA_VERSION))
    return new UsageError(
      `the cache ${path} has schema version ${named}, written by a newer iamtrail; this iamtrail reads version ${CACHE_SCHEMA_VERSION} and never changes a cache it only reads`,
      {
        suggestions: [
          'Read it with the newer iamtrail that wrote it (any command of this one would rebuild it, dropping what it holds)',
        ],
      },
    );
  return new UsageError(
    `the cache ${path} has schema version ${named}; this iamtrail reads version ${CACHE_SCHEMA_VERSION} and never changes a cache it only reads`,
    {
      suggestions: [
        `Bring it to version ${CACHE_SCHEMA_VERSION} with another iamtrail command, e.g. \`iamtrail cache status --cache ${path}\` (it says what the migration keeps), then ask again`,
      ],
    },
  );
}

/** Whether an error is {@link CacheConnection}'s: the cache is in use by another process (or request). */
export function isCacheInUse(error: unknown): boolean {
  return error instanceof EngineError && isLockConflict(error.cause);
}

/** The `schema_version` of a cache's `meta` table, read on its own connection. */
async function schemaVersionOf(connection: DuckDBConnection): Promise<unknown> {
  const rows = (
    await connection.runAndReadAll("SELECT value FROM meta WHERE key = 'schema_version'")
  ).getRowsJS();
  return rows[0]?.[0];
}

function fileIdentity(path: string): string {
  const stats = statSync(path);
  // The creation time tells a new file from an old one that had the same, since reused, inode.
  return `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`;
}

/**
 * Whether DuckDB refused to open the file because another process holds its lock, or because it is
 * open in this process already (another request of `serve`): either way, waiting is the answer.
 */
function isLockConflict(error: unknown): error is Error {
  return (
    error instanceof Error && /Could not set lock on file|Unique file handle conflict/.test(error.message)
  );
}

/**
 * A new cache is never created through a symbolic link: a link at `path` to a file that does not
 * exist (one planted in a shared folder, say) would make DuckDB create the file it points to.
 */
function refuseDanglingLink(path: string): void {
  let link: boolean;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    return;
  }
  if (link)
    throw new UsageError(
      `the cache ${path} is a symbolic link to a file that does not exist: iamtrail does not create a cache through a link`,
      { suggestions: ['Pass --cache with the path of a file (or of none yet), or remove the link'] },
    );
}
