import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { toCacheError } from '../../src/cache/cache-file.js';
import { CACHE_MARKER, CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { EngineError, UsageError } from '../../src/errors.js';
import { flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runOnDuckDb } from '../helpers/cache-tables.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-cache-safety-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
let counter = 0;
/** A path in a folder of its own, so a test can see every file that appears beside it. */
const freshPath = (name = 'cache.duckdb'): string => {
  const folder = join(work, `case-${(counter += 1)}`);
  mkdirSync(folder);
  return join(folder, name);
};
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Every file of a folder with its hash: what "untouched" compares. */
const snapshot = (folder: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((name) => [name, sha256(join(folder, name))]),
  );

/** A question about a week of the demo: enough to write a cache of several blocks, quick to read. */
const REPORT = [
  '--config',
  'examples/demo/config.example.yaml',
  '--account',
  'demo',
  '--user',
  'alice',
  '--start',
  '2026-10-13',
  '--end',
  '2026-10-19',
];

/** Writes a cache of an older schema version (the SQL it shipped with) as that iamtrail did. */
async function writeLegacyCache(path: string, version: '1' | '2' | '3' | '4', rows: string): Promise<void> {
  const schema = readFileSync(join(REPO_ROOT, `test/fixtures/cache/schema-v${version}.sql`), 'utf8');
  await runOnDuckDb(
    path,
    `${schema}
    INSERT INTO meta VALUES ('schema_version', '${version}'), ('created_at', '2026-11-01T00:00:00.000Z');
    ${rows}`,
  );
}

/** Flips `length` bytes of a file at `offset`. */
function flipBytes(path: string, offset: number, length: number): void {
  const bytes = readFileSync(path).subarray(offset, offset + length);
  const fd = openSync(path, 'r+');
  try {
    writeSync(
      fd,
      bytes.map((byte) => byte ^ 0xff),
      0,
      length,
      offset,
    );
  } finally {
    closeSync(fd);
  }
}

async function openError(path: string): Promise<unknown> {
  return CacheStore.open(path).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe('a file iamtrail did not create', () => {
  it('refuses a DuckDB database without the marker with exit code 2, leaving it and its write-ahead log byte for byte', async () => {
    const path = freshPath('other-tool.duckdb');
    // Another program's database, left with a pending write-ahead log (it exited without closing):
    // a read-write open would fold the log into the file.
    const script = `import { DuckDBInstance } from '@duckdb/node-api';
      const instance = await DuckDBInstance.create(process.argv[1]);
      const connection = await instance.connect();
      await connection.run("CREATE TABLE orders AS SELECT range AS id FROM range(1000); CREATE TABLE meta (key VARCHAR, value VARCHAR)");
      process.exit(0);`;
    const writer = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], {
      cwd: REPO_ROOT,
    });
    expect(writer.status, writer.stderr.toString()).toBe(0);
    expect(existsSync(`${path}.wal`)).toBe(true);
    const before = snapshot(join(path, '..'));

    const error = await openError(path);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      `the cache ${path} is a DuckDB database that iamtrail did not create (it has no iamtrail marker); iamtrail leaves it untouched`,
    );
    const result = await runCli([...REPORT, '--cache', path]);
    expect(result.status).toBe(2);
    expect(flatten(result.stderr)).toContain(
      `the cache ${path} is a DuckDB database that iamtrail did not create`,
    );
    const clear = await runCli(['cache', 'clear', '--force', '--cache', path]);
    expect(clear.status).toBe(2);
    expect(snapshot(join(path, '..'))).toEqual(before);
  });

  it('tells an unmarked look-alike from an older iamtrail cache: other versions, other tables, other meta rows', async () => {
    const lookAlikes: Record<string, string> = {
      'schema version 0': `CREATE TABLE meta (key VARCHAR, value VARCHAR); INSERT INTO meta VALUES ('schema_version', '0')`,
      'schema 3 plus a table of its own': `${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v3.sql'), 'utf8')}
        INSERT INTO meta VALUES ('schema_version', '3'), ('created_at', 'x'); CREATE TABLE invoices (id INTEGER)`,
      'schema 1 with another meta row': `${readFileSync(join(REPO_ROOT, 'test/fixtures/cache/schema-v1.sql'), 'utf8')}
        INSERT INTO meta VALUES ('schema_version', '1'), ('owner', 'billing')`,
      'a meta table of other columns': `CREATE TABLE meta (key VARCHAR, value VARCHAR, note VARCHAR);
        INSERT INTO meta VALUES ('application', 'iamtrail', 'copied')`,
      'no tables at all': `SELECT 1`,
    };
    for (const [name, statements] of Object.entries(lookAlikes)) {
      const path = freshPath();
      await runOnDuckDb(path, statements);
      const before = snapshot(join(path, '..'));
      expect(await openError(path), name).toBeInstanceOf(UsageError);
      expect(snapshot(join(path, '..')), name).toEqual(before);
    }
  });

  it('refuses files that are not DuckDB databases (text, SQLite, JSON, gzip) with exit code 2, untouched', async () => {
    const sqlite = freshPath('app.sqlite');
    const made = spawnSync('sqlite3', [sqlite, 'CREATE TABLE t (a); INSERT INTO t VALUES (1);']);
    const text = freshPath('notes.txt');
    const json = freshPath('details');
    const gzip = freshPath('logs');
    writeFileSync(text, 'remember the milk\n');
    writeFileSync(json, '{"UserDetailList": []}');
    writeFileSync(gzip, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const files: Record<string, { path: string; says: string }> = {
      text: { path: text, says: ' (it looks like text)' },
      json: { path: json, says: ' (it looks like JSON)' },
      gzip: { path: gzip, says: ' (it is gzip-compressed)' },
    };
    // The SQLite case needs the sqlite3 program; without it the other files still count.
    if (made.status === 0) files.sqlite = { path: sqlite, says: ' (it is a SQLite database)' };
    for (const [name, { path, says }] of Object.entries(files)) {
      const before = snapshot(join(path, '..'));
      const error = await openError(path);
      expect(error, name).toBeInstanceOf(UsageError);
      expect((error as Error).message, name).toBe(
        `the cache ${path} is not a DuckDB database${says}; iamtrail leaves it untouched`,
      );
      expect(snapshot(join(path, '..')), name).toEqual(before);
    }
    const viaCli = await runCli([...REPORT, '--cache', text]);
    expect(viaCli.status).toBe(2);
    expect(flatten(viaCli.stderr)).toContain(
      `the cache ${text} is not a DuckDB database (it looks like text)`,
    );
  });

  it('creates a marked cache in an empty file and at a new path, leaving nothing else beside it', async () => {
    const empty = freshPath();
    writeFileSync(empty, '');
    const absent = freshPath();
    for (const path of [empty, absent]) {
      const store = await CacheStore.open(path);
      await store.close();
      expect(readdirSync(join(path, '..'))).toEqual(['cache.duckdb']);
      const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
      const connection = await instance.connect();
      const meta = (await connection.runAndReadAll('SELECT key, value FROM meta ORDER BY key')).getRowsJS();
      connection.closeSync();
      instance.closeSync();
      expect(meta.filter(([key]) => key !== 'created_at')).toEqual([
        [CACHE_MARKER.key, CACHE_MARKER.value],
        ['schema_version', CACHE_SCHEMA_VERSION],
      ]);
    }
  });

  it('creates a new cache readable by its owner only, in folders it creates for its owner only', async () => {
    const path = join(work, 'private', 'deeper', 'cache.duckdb');
    const store = await CacheStore.open(path);
    await store.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(work, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(join(work, 'private', 'deeper')).mode & 0o777).toBe(0o700);
  });

  it("makes an older cache its owner's only, and its write-ahead log too while it is written", async () => {
    const path = join(work, 'older', 'cache.duckdb');
    await (await CacheStore.open(path)).close();
    // A cache written before iamtrail made caches 0600, in a folder others may read.
    chmodSync(path, 0o644);
    chmodSync(join(work, 'older'), 0o755);
    const before = join(work, 'older', 'before.txt');
    writeFileSync(before, '');
    const store = await CacheStore.open(path);
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      await store.recordAthenaQuery(
        {
          queryId: '11111111-2222-3333-4444-555555555555',
          region: 'us-east-1',
          workgroup: 'primary',
          outputLocation: null,
          state: 'SUCCEEDED',
          bytesScanned: 0,
        },
        null,
      );
      // The write is in the write-ahead log until the checkpoint of the close.
      expect(existsSync(`${path}.wal`)).toBe(true);
      expect(statSync(`${path}.wal`).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
    }
    // The process's umask is given back: a file created now has the mode one had before.
    const after = join(work, 'older', 'after.txt');
    writeFileSync(after, '');
    expect(statSync(after).mode & 0o777).toBe(statSync(before).mode & 0o777);
  });

  it('never creates a cache through a symbolic link to a file that does not exist (exit 2, nothing created)', async () => {
    const dir = mkdtempSync(join(work, 'link-'));
    const target = join(dir, 'victim.db');
    const path = join(dir, 'cache.duckdb');
    symlinkSync(target, path);
    const run = await runCli([
      ...['--config', 'examples/demo/config.example.yaml', '--account', 'demo', '--list', 'users'],
      ...['--start', '2026-10-01', '--end', '2026-10-02', '--cache', path],
    ]);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain(
      `the cache ${path} is a symbolic link to a file that does not exist: iamtrail does not create a cache through a link`,
    );
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual(['cache.duckdb']);
  });
});

describe('caches iamtrail wrote before the marker', () => {
  it('recognises caches of schema 1, 2, 3 and 4 as its own and rebuilds them, with a notice', async () => {
    for (const version of ['1', '2', '3', '4'] as const) {
      const path = freshPath();
      await writeLegacyCache(
        path,
        version,
        `INSERT INTO coverage VALUES ('src', '*', '2026-10-01', '2026-11-01T00:00:00Z', 0);`,
      );
      const notices: string[] = [];
      const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
      try {
        expect(notices).toEqual([
          `the cache ${path} has schema version ${version}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it`,
        ]);
        expect(await store.status()).toEqual([]);
      } finally {
        await store.close();
      }
      // Rebuilt, it carries the marker: the next open neither rebuilds nor refuses it.
      const again = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
      await again.close();
      expect(notices).toHaveLength(1);
    }
  });
});

describe('a damaged cache', () => {
  /** A cache iamtrail wrote for the demo question, copied for each test to damage. */
  let written: string;
  beforeAll(async () => {
    written = freshPath();
    const result = await runCli([...REPORT, '--cache', written]);
    expect(result.status, result.stderr).toBe(0);
  });
  /** DuckDB's file layout: a 4 KiB file header and two 4 KiB database headers, then 256 KiB blocks. */
  const FIRST_BLOCK = 3 * 4096;

  const damages: Record<string, (path: string) => void> = {
    'truncated to half its size': (path) => {
      truncateSync(path, Math.floor(statSync(path).size / 2));
    },
    'with bytes flipped inside each data block (a checksum error)': (path) => {
      // Which block holds what the question reads is DuckDB's business: damage every one.
      for (let offset = FIRST_BLOCK; offset + 4096 < statSync(path).size; offset += 256 * 1024)
        flipBytes(path, offset + 100, 16);
    },
  };
  for (const [name, damage] of Object.entries(damages)) {
    it(`fails with exit code 3 when ${name}, naming the file and cache clear --force; cache clear --force deletes it`, async () => {
      const path = freshPath();
      copyFileSync(written, path);
      damage(path);
      const before = sha256(path);
      const result = await runCli([...REPORT, '--cache', path]);
      expect(result.status).toBe(3);
      const stderr = flatten(result.stderr);
      expect(stderr).toContain(`the cache ${path} is damaged: IO Error: `);
      expect(stderr).toMatch(/Could not read enough bytes from file|Corrupt database file/);
      expect(stderr).toContain(`Run \`iamtrail cache clear --force --cache ${path}\` (or delete the file)`);
      // Failing left it as it was.
      expect(sha256(path)).toBe(before);

      const clear = await runCli(['cache', 'clear', '--force', '--cache', path]);
      expect(clear.status, clear.stderr).toBe(0);
      expect(clear.stdout).toBe(`cache ${path}: deleted; the next run creates a new one\n`);
      // Its boundary snapshots, if any, could not be read: said, not passed over.
      expect(flatten(clear.stderr)).toContain(
        `the cache ${path} was damaged: its boundary snapshots and Athena ledger, if it held any, could not be read and are gone with it`,
      );
      expect(readdirSync(join(path, '..'))).toEqual([]);
      const rerun = await runCli([...REPORT, '--cache', path, '--format', 'json']);
      expect(rerun.status, rerun.stderr).toBe(0);
      expect((JSON.parse(rerun.stdout) as { logs: { engineCalls: number } }).logs.engineCalls).toBe(1);
    });
  }

  it('cache clear --force deletes a healthy cache, and refuses to go with --account or --before', async () => {
    const path = freshPath();
    copyFileSync(written, path);
    const mixed = await runCli(['cache', 'clear', '--force', '--before', '2026-10-10', '--cache', path]);
    expect(mixed.status).toBe(2);
    expect(existsSync(path)).toBe(true);
    expect((await runCli(['cache', 'clear', '--force', '--cache', path])).status).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('cache clear --force leaves a damaged DuckDB file alone when nothing in it says it is iamtrail’s', async () => {
    const path = freshPath('orders.duckdb');
    await runOnDuckDb(
      path,
      'CREATE TABLE orders AS SELECT range AS id, range * 2 AS amount FROM range(200000)',
    );
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const before = sha256(path);
    const clear = await runCli(['cache', 'clear', '--force', '--cache', path]);
    expect(clear.status).toBe(2);
    expect(flatten(clear.stderr)).toContain(
      `the cache ${path} is damaged and none of iamtrail's table names can be found in it, so iamtrail cannot tell it is its own and leaves it untouched`,
    );
    expect(sha256(path)).toBe(before);
  });
});

describe('cache paths that cannot work', () => {
  it('refuses a path under a regular file with exit code 2, naming it', async () => {
    const file = freshPath('notes.txt');
    writeFileSync(file, 'not a folder\n');
    const result = await runCli([...REPORT, '--cache', join(file, 'cache.duckdb')]);
    expect(result.status).toBe(2);
    expect(flatten(result.stderr)).toContain(
      `cannot create the cache ${join(file, 'cache.duckdb')}: ${file} is a file, not a folder`,
    );
  });

  it('refuses a path named like the files iamtrail reads, creating nothing', async () => {
    for (const name of ['authz.json', 'config.yaml', 'config.yml', 'trail.json.gz', 'DETAILS.JSON']) {
      const path = freshPath(name);
      const error = await openError(path);
      expect(error, name).toBeInstanceOf(UsageError);
      expect((error as Error).message, name).toContain(`the cache ${path} ends in .`);
      expect(readdirSync(join(path, '..')), name).toEqual([]);
    }
    const path = freshPath('authz.json');
    const result = await runCli([...REPORT, '--cache', path]);
    expect(result.status).toBe(2);
    expect(flatten(result.stderr)).toContain(
      `the cache ${path} ends in .json, like the files iamtrail reads`,
    );
  });
});

describe("a temporary folder that cannot hold the run's own", () => {
  it('stops a run that reads logs with exit code 2, naming it, and leaves the cache to answer the next run', async () => {
    const file = freshPath('tmp-is-a-file');
    writeFileSync(file, 'not a folder\n');
    const cache = freshPath();
    const failed = await runCli([...REPORT, '--cache', cache], { TMPDIR: file, TMP: file, TEMP: file });
    expect(failed.status, failed.stderr).toBe(2);
    expect(flatten(failed.stderr)).toContain(`cannot create a temporary folder in ${file} (ENOTDIR)`);
    expect(flatten(failed.stderr)).toContain('Set TMPDIR (TEMP on Windows) to a folder you can write to');
    // Nothing of the window was kept: the next run reads it all, and answers as a run without cache.
    const next = await runCli([...REPORT, '--cache', cache]);
    const uncached = await runCli([...REPORT, '--no-cache']);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toBe(uncached.stdout);
  });
});

describe('a full disk', () => {
  // A real full disk (a small tmpfs) is test/e2e/full-disk.test.ts.
  it('maps DuckDB’s out-of-space error (as observed on a full tmpfs) to exit code 3 saying so', () => {
    // The text DuckDB 1.5.6 gave when a COMMIT could not write the write-ahead log of a full tmpfs.
    const observed = new Error(
      'TransactionContext Error: Failed to commit: Could not write file "/tmp/full/c.duckdb.wal": No space left on device',
    );
    const mapped = toCacheError(observed, '/tmp/full/c.duckdb');
    expect(mapped).toBeInstanceOf(EngineError);
    expect((mapped as EngineError).exitCode).toBe(3);
    expect((mapped as EngineError).message).toBe(
      'no space left on device to write the cache /tmp/full/c.duckdb',
    );
    expect((mapped as EngineError).cause).toBe(observed);
  });
});
