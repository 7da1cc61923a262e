import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { openDuckDbDatabase, startHostInstance } from '../../src/engines/duckdb/duckdb-host.js';
import type { OpenedDatabase } from '../../src/engines/duckdb/duckdb-host.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-duckdb-host-test-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const MIB = 1024 * 1024;
/** What the tests open with, unless they say otherwise. */
const SETTINGS = { threads: 1, memoryLimitBytes: 512 * MIB };

/** The first column of the first row of `query`. */
async function valueOf(connection: DuckDBConnection, query: string): Promise<unknown> {
  const reader = await connection.runAndReadAll(query);
  return reader.getRowsJS()[0]?.[0];
}

/** The databases iamtrail has attached to the process's DuckDB. */
async function attachedDatabases(database: OpenedDatabase): Promise<string[]> {
  const reader = await database.connection.runAndReadAll(
    "SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'iamtrail_db_%' ORDER BY 1",
  );
  return (reader.getRowsJS() as [string][]).map(([name]) => name);
}

describe("the process's DuckDB", () => {
  it('detaches each database when it closes: none is left behind', async () => {
    const first = await openDuckDbDatabase(':memory:', SETTINGS);
    const [firstName] = await attachedDatabases(first);
    await first.close();
    const second = await openDuckDbDatabase(join(work, 'second.duckdb'), SETTINGS);
    try {
      const names = await attachedDatabases(second);
      expect(names).toHaveLength(1);
      expect(names).not.toContain(firstName);
    } finally {
      await second.close();
    }
  });

  it('checkpoints a file opened read-write when it closes: no write-ahead log, the rows in the file', async () => {
    const path = join(work, 'written.duckdb');
    const database = await openDuckDbDatabase(path, SETTINGS);
    await database.connection.run('CREATE TABLE t AS SELECT range AS x FROM range(1000)');
    await database.connection.run('INSERT INTO t VALUES (1000)');
    await database.close();
    expect(existsSync(`${path}.wal`)).toBe(false);
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    try {
      const connection = await instance.connect();
      expect(await valueOf(connection, 'SELECT count(*)::INTEGER FROM t')).toBe(1001);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  });

  it('rolls back what a transaction left open when it closes, and lets the file go', async () => {
    const path = join(work, 'open-transaction.duckdb');
    const first = await openDuckDbDatabase(path, SETTINGS);
    await first.connection.run('CREATE TABLE kept AS SELECT 1 AS x');
    await first.connection.run('BEGIN TRANSACTION');
    await first.connection.run('CREATE TABLE dropped AS SELECT 2 AS x');
    await first.connection.run('INSERT INTO kept VALUES (3)');
    await first.close();
    const again = await openDuckDbDatabase(path, { ...SETTINGS, readOnly: true });
    try {
      expect(await valueOf(again.connection, 'SELECT count(*)::INTEGER FROM kept')).toBe(1);
      await expect(again.connection.run('SELECT * FROM dropped')).rejects.toThrow(/dropped/);
    } finally {
      await again.close();
    }
  });

  it('opens more connections to a database, which see its tables and close with it (one still opening, one in a transaction)', async () => {
    const path = join(work, 'other-connections.duckdb');
    const database = await openDuckDbDatabase(path, SETTINGS);
    await database.connection.run('CREATE TABLE t AS SELECT range AS x FROM range(10)');
    const other = await database.connect();
    // Its default database is the opened one, not the process's in-memory one.
    expect(await valueOf(other, 'SELECT count(*)::INTEGER FROM t')).toBe(10);
    await other.run('BEGIN TRANSACTION');
    await other.run('INSERT INTO t VALUES (10)');
    // Still opening when the database closes: the close waits for it, and closes it too.
    const late = database.connect();
    await database.close();
    await expect(late).resolves.toBeDefined();
    await expect(database.connect()).rejects.toThrow(/closed/);
    await expect(other.run('SELECT 1')).rejects.toThrow();
    // Every connection closed: the file is free, and the uncommitted row was rolled back.
    const again = await openDuckDbDatabase(path, SETTINGS);
    try {
      expect(await valueOf(again.connection, 'SELECT count(*)::INTEGER FROM t')).toBe(10);
    } finally {
      await again.close();
    }
  });

  it('runs each database with the threads and memory limit it asks for: one budget for the process', async () => {
    const settingsOf = async (database: OpenedDatabase): Promise<unknown> =>
      valueOf(
        database.connection,
        "SELECT current_setting('threads') || ' ' || current_setting('memory_limit')",
      );
    const engine = await openDuckDbDatabase(':memory:', { threads: 2, memoryLimitBytes: 300 * MIB });
    expect(await settingsOf(engine)).toBe('2 300.0 MiB');
    await engine.close();
    const cache = await openDuckDbDatabase(':memory:', { threads: 1, memoryLimitBytes: 400 * MIB });
    try {
      expect(await settingsOf(cache)).toBe('1 400.0 MiB');
    } finally {
      await cache.close();
    }
  });

  it('is started by a command without a word, even on a bad setting: the open that needs it says what is wrong', async () => {
    const saved = process.env.IAMTRAIL_DUCKDB_THREADS;
    process.env.IAMTRAIL_DUCKDB_THREADS = 'lots';
    try {
      expect(startHostInstance).not.toThrow();
      await expect(CacheStore.open(join(work, 'bad-threads.duckdb'))).rejects.toThrow(
        /IAMTRAIL_DUCKDB_THREADS="lots" is not a whole number of threads/,
      );
    } finally {
      if (saved === undefined) delete process.env.IAMTRAIL_DUCKDB_THREADS;
      else process.env.IAMTRAIL_DUCKDB_THREADS = saved;
    }
    // Started with good settings, it is the instance the next open takes, as any other.
    startHostInstance();
    const database = await openDuckDbDatabase(':memory:', SETTINGS);
    try {
      expect(await valueOf(database.connection, 'SELECT 42')).toBe(42);
    } finally {
      await database.close();
    }
  });
});

describe("the process's spill folder", () => {
  /**
   * Opens a database in a process of its own whose temporary folder is `tmp` (the host instance is
   * the process's: this one's exists already), prints DuckDB's spill folder and whether it exists,
   * and exits.
   */
  const spillFolderOf = (tmp: string): { folder: string; existed: boolean; mode: number | undefined } => {
    const script = `import { existsSync, statSync } from 'node:fs';
      import { openDuckDbDatabase } from './dist/engines/duckdb/duckdb-host.js';
      const database = await openDuckDbDatabase(':memory:', { threads: 1, memoryLimitBytes: 512 * 1024 * 1024 });
      const reader = await database.connection.runAndReadAll("SELECT current_setting('temp_directory')");
      const folder = reader.getRowsJS()[0][0];
      const existed = existsSync(folder);
      await database.close();
      console.log(JSON.stringify({ folder, existed, mode: existed ? statSync(folder).mode & 0o777 : undefined }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, TMPDIR: tmp },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { folder: string; existed: boolean; mode: number | undefined };
  };

  it('is made by iamtrail for this user only (0700) in the temporary folder, and removed when the process exits', () => {
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const { folder, existed, mode } = spillFolderOf(tmp);
    expect(folder.startsWith(join(tmp, 'iamtrail-duckdb-'))).toBe(true);
    expect(existed).toBe(true);
    // DuckDB would create it with the umask's modes: 0755 under the usual 022.
    expect(mode).toBe(0o700);
    expect(existsSync(folder)).toBe(false);
  });

  it('where the temporary folder cannot be made in, is a name nobody can guess that DuckDB creates if it spills', () => {
    const file = join(work, 'tmp-is-a-file');
    writeFileSync(file, 'not a folder\n');
    // Missing, or a file: the process opens the database and exits 0 (its removal at exit finds
    // nothing to remove, and says nothing).
    for (const tmp of [join(work, 'no-such-tmp'), file]) {
      const { folder, existed } = spillFolderOf(tmp);
      const prefix = join(tmp, 'iamtrail-duckdb-');
      expect(folder.startsWith(prefix), tmp).toBe(true);
      expect(folder.slice(prefix.length), tmp).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(existed, tmp).toBe(false);
    }
  });
});

describe('a cache whose path SQL could not hold', () => {
  it('opens in a DuckDB of its own: created, read-only, removed, as any other cache (a quote and a colon in the path)', async () => {
    const folder = join(work, "o'brien: caches");
    mkdirSync(folder);
    const path = join(folder, 'cache.duckdb');
    const store = await CacheStore.open(path);
    await store.writeDays(
      'local:/logs',
      ['2026-10-01'],
      [],
      [{ accountId: '111111111111', day: '2026-10-01', files: 2 }],
    );
    await store.close();
    expect(existsSync(path)).toBe(true);
    const reader = await CacheStore.openReadOnly(path);
    expect(reader).toBeDefined();
    await reader?.close();
    expect(await CacheStore.remove(path)).toEqual({ deleted: true, boundarySnapshots: 0, athenaLedger: 0 });
    expect(existsSync(path)).toBe(false);
  });
});

describe('a cache open in this process', () => {
  it('is waited for by a second open, which says who holds it when the wait ends', async () => {
    const path = join(work, 'held.duckdb');
    const held = await CacheStore.open(path);
    try {
      await expect(CacheStore.open(path, { lockTimeoutMs: 1000 })).rejects.toThrow(
        `the cache ${path} is in use by another question of this iamtrail process; waited 1 s`,
      );
      const waiting = CacheStore.open(path, { lockTimeoutMs: 10_000 });
      setTimeout(() => void held.close(), 300);
      await (await waiting).close();
    } finally {
      await held.close();
    }
  });
});
