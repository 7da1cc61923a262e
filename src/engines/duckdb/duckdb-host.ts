import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';

import { duckDbMemoryLimitBytes, duckDbThreads } from './log-file-size.js';
import { makeTempFolder, removeTempFolder } from '../temp-folder.js';

/** A DuckDB database opened by {@link openDuckDbDatabase}: its connection, and how to close both. */
export interface OpenedDatabase {
  /** A connection whose default database is the opened one: unqualified names are its tables. */
  readonly connection: DuckDBConnection;
  /**
   * Another connection to the same database, for queries run at the same time as the first
   * connection's (DuckDB runs one query at a time on a connection). Closed by {@link close}.
   */
  connect(): Promise<DuckDBConnection>;
  /** Closes the connections and the database (checkpointing a file opened read-write). */
  close(): Promise<void>;
}

/** Options of {@link openDuckDbDatabase}. */
export interface OpenDatabaseOptions {
  /** Opens the file read-only: nothing is written, not even a pending write-ahead log. */
  readonly readOnly?: boolean;
  /** DuckDB's threads: of the process's DuckDB, for every database in it. */
  readonly threads: number;
  /** DuckDB's memory limit: of the process's DuckDB, one budget for every database in it. */
  readonly memoryLimitBytes: number;
}

/**
 * The paths that may be written into an `ATTACH` statement, which takes no bound parameters:
 * letters, digits, `_ . / @ + , = -` and spaces. Anything else (a quote, a backslash, a control
 * character, a colon that DuckDB could read as a `type:` prefix, a `~` it could expand) gets a
 * DuckDB instance of its own, opened as DuckDB opens any file, without SQL.
 */
const ATTACHABLE_PATH = /^[\p{L}\p{N}_./@+,= -]+$/u;

/** Settings every database of iamtrail opens with: no extension is ever fetched or loaded. */
const BASE_SETTINGS = {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
} as const;

let host: Promise<DuckDBInstance> | undefined;
let attached = 0;

/**
 * Opens a DuckDB database file (or a new in-memory database, for `:memory:`) and a connection to
 * it. Files are attached to one in-memory DuckDB instance per process instead of each getting an
 * instance of its own: an instance builds a catalog when it opens and, when it closes, hands its
 * memory back to the system (`malloc_trim`), which the next one faults in again — 40-50 ms per
 * open and close where an attachment costs about 10 (docs/benchmarks.md). DuckDB takes the same
 * file lock either way, and says the same about a lock held by another process or a damaged file;
 * a file attached already in this process is refused with "Unique file handle conflict".
 */
export async function openDuckDbDatabase(
  path: string,
  options: OpenDatabaseOptions,
): Promise<OpenedDatabase> {
  if (path !== ':memory:' && !ATTACHABLE_PATH.test(path)) return openOwnInstance(path, options);
  try {
    return await attach(path, options);
  } catch (error) {
    // A fatal error (DuckDB's own) invalidates the whole instance: the next one is new.
    if (!/database has been invalidated/i.test(error instanceof Error ? error.message : '')) throw error;
    host = undefined;
    applied = undefined;
    return attach(path, options);
  }
}

/** Attaches `path` to the process's instance, on a connection of its own. */
async function attach(path: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const instance = await hostInstance(options);
  const connection = await instance.connect();
  // A name of our own making, never a user's string.
  const alias = `iamtrail_db_${++attached}`;
  try {
    await applySettings(connection, options);
    await connection.run(`ATTACH '${path}' AS ${alias}${options.readOnly === true ? ' (READ_ONLY)' : ''}`);
  } catch (error) {
    connection.closeSync();
    throw error;
  }
  const others = otherConnections(async () => {
    const other = await instance.connect();
    try {
      await other.run(`USE ${alias}`);
    } catch (error) {
      other.closeSync();
      throw error;
    }
    return other;
  });
  const close = async (): Promise<void> => {
    try {
      // The other connections first, each rolling back what it left open as it closes: once the
      // database is detached, they could only fail.
      await others.close();
      // What a transaction left open is rolled back, as closing a connection does; DuckDB would
      // refuse to detach a database such a transaction wrote to, and keep the file locked.
      await connection.run('ROLLBACK').catch(() => undefined);
      await connection.run('USE memory');
      await connection.run(`DETACH ${alias}`);
    } finally {
      connection.closeSync();
    }
  };
  try {
    await connection.run(`USE ${alias}`);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { connection, connect: others.connect, close };
}

/**
 * The process's DuckDB now: its threads, the memory budget the last database opened asked for, and
 * the limit in force (the budget, or more while a reader reserves buffers: {@link setMemoryLimit}).
 */
let applied: { threads: number; budgetMib: number; limitMib: number } | undefined;

/**
 * The settings a database of this process opens with unless told otherwise (the cache's): the
 * threads of `IAMTRAIL_DUCKDB_THREADS` (else one per core), the memory limit of
 * `IAMTRAIL_DUCKDB_MEMORY_MB` (else a quarter of the memory), as the local engine's.
 */
export function processDatabaseOptions(): OpenDatabaseOptions {
  return { threads: duckDbThreads(), memoryLimitBytes: duckDbMemoryLimitBytes() };
}

/**
 * Starts building the process's instance (with {@link processDatabaseOptions}) for a command
 * about to open a database: DuckDB builds it (its catalog, its built-in extensions: some 30 ms) on
 * a thread of its own while the command's code loads, and the first open takes it as it is. Nothing
 * is reported here: a bad setting or a failure is reported by that open, which tries again.
 */
export function startHostInstance(): void {
  let options: OpenDatabaseOptions;
  try {
    options = processDatabaseOptions();
  } catch {
    return;
  }
  hostInstance(options).catch(() => undefined);
}

/**
 * The process's host instance, created on first use with the settings of that use; what its
 * queries spill goes to a folder of its own ({@link newSpillFolder}), removed when the process
 * exits.
 */
function hostInstance(options: OpenDatabaseOptions): Promise<DuckDBInstance> {
  if (host === undefined) {
    const spillFolder = newSpillFolder();
    process.once('exit', () => {
      removeTempFolder(spillFolder);
    });
    const threads = wholeNumber(options.threads);
    const budgetMib = mibOf(options.memoryLimitBytes);
    host = DuckDBInstance.create(':memory:', {
      ...BASE_SETTINGS,
      threads: String(threads),
      memory_limit: `${budgetMib}MiB`,
      temp_directory: spillFolder,
    }).then(
      (instance) => {
        applied = { threads, budgetMib, limitMib: budgetMib };
        return instance;
      },
      (error: unknown) => {
        host = undefined;
        throw error;
      },
    );
  }
  return host;
}

/** How the name of the process's spill folder starts; a random part follows. */
export const SPILL_FOLDER_PREFIX = 'iamtrail-duckdb-';

/**
 * A folder for the host instance to spill to, made as the run's own spill folder is
 * ({@link makeTempFolder}): readable by this user only. Left to DuckDB, the folder was created
 * when a query first spilled, with the modes of the umask (0755, its files 0644 under the usual
 * 022): the rows it spilled (principals' ARNs and calls) could be read by any user of the machine
 * while the run lasted. Where the temporary folder cannot hold it now, the name is one nobody can
 * guess, which DuckDB creates if it ever spills: a question answered from the cache needs no
 * folder (one that reads logs stops at its own spill folder, with the reason).
 */
function newSpillFolder(): string {
  try {
    return makeTempFolder(SPILL_FOLDER_PREFIX);
  } catch {
    return join(tmpdir(), `${SPILL_FOLDER_PREFIX}${randomUUID()}`);
  }
}

/**
 * Sets the threads and memory budget a database asks for, when they differ from those in force:
 * DuckDB hands its memory back to the system at each change (`malloc_trim`), which costs the next
 * queries their page faults again. The numbers are whole numbers of ours, never a user's string.
 */
async function applySettings(connection: DuckDBConnection, options: OpenDatabaseOptions): Promise<void> {
  const threads = wholeNumber(options.threads);
  const budgetMib = mibOf(options.memoryLimitBytes);
  if (applied === undefined || applied.threads !== threads) {
    await connection.run(`SET GLOBAL threads = ${threads}`);
    applied = { threads, budgetMib: applied?.budgetMib ?? 0, limitMib: applied?.limitMib ?? 0 };
  }
  if (applied.budgetMib !== budgetMib) {
    await connection.run(`SET GLOBAL memory_limit = '${budgetMib}MiB'`);
    applied = { threads, budgetMib, limitMib: budgetMib };
  }
}

/**
 * Sets the memory limit of the process's DuckDB to `bytes` (rounded up to whole MiB), when it is
 * not that already: for a reader that reserves its buffers on top of the budget. The limit stays
 * until a database that asks for another budget opens.
 */
export async function setMemoryLimit(connection: DuckDBConnection, bytes: number): Promise<void> {
  const limitMib = wholeNumber(Math.ceil(bytes / MIB));
  if (applied?.limitMib === limitMib) return;
  await connection.run(`SET GLOBAL memory_limit = '${limitMib}MiB'`);
  if (applied !== undefined) applied = { ...applied, limitMib };
}

const MIB = 1024 * 1024;

/** Bytes in whole MiB, as DuckDB's memory limit takes them. */
function mibOf(bytes: number): number {
  return wholeNumber(bytes / MIB);
}

/** `value` rounded down, checked to be a whole number from 1: what SQL text may hold of a number. */
function wholeNumber(value: number): number {
  const whole = Math.floor(value);
  if (!Number.isSafeInteger(whole) || whole < 1) throw new RangeError(`not a whole number from 1: ${value}`);
  return whole;
}

/** A file whose path cannot be written into SQL: an instance of its own, as DuckDB opens it. */
async function openOwnInstance(path: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const instance = await DuckDBInstance.create(path, {
    ...BASE_SETTINGS,
    threads: String(wholeNumber(options.threads)),
    memory_limit: `${mibOf(options.memoryLimitBytes)}MiB`,
    ...(options.readOnly === true ? { access_mode: 'READ_ONLY' } : {}),
  });
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
  } catch (error) {
    instance.closeSync();
    throw error;
  }
  const others = otherConnections(() => instance.connect());
  return {
    connection,
    connect: others.connect,
    close: async () => {
      try {
        await others.close();
        connection.closeSync();
      } finally {
        instance.closeSync();
      }
    },
  };
}

/**
 * The connections {@link OpenedDatabase.connect} opens beside the first: `close` waits for those
 * being opened and closes them all; one asked for after that is refused.
 */
function otherConnections(open: () => Promise<DuckDBConnection>): {
  connect: () => Promise<DuckDBConnection>;
  close: () => Promise<void>;
} {
  const opening = new Set<Promise<DuckDBConnection>>();
  const opened: DuckDBConnection[] = [];
  let closed = false;
  return {
    connect: async () => {
      if (closed) throw new Error('the database is closed');
      const pending = open();
      opening.add(pending);
      try {
        const connection = await pending;
        opened.push(connection);
        return connection;
      } finally {
        opening.delete(pending);
      }
    },
    close: async () => {
      closed = true;
      await Promise.allSettled([...opening]);
      for (const connection of opened.splice(0)) connection.closeSync();
    },
  };
}
