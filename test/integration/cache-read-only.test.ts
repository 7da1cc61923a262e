import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { CACHE_MARKER } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-cache-read-only-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
let counter = 0;
/** A path in a folder of its own, so a test sees every file that appears beside it. */
const freshPath = (): string => {
  const folder = join(work, `case-${(counter += 1)}`);
  mkdirSync(folder);
  return join(folder, 'cache.duckdb');
};
/** Every file of a folder with its hash: what "untouched" compares. */
const snapshot = (folder: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(folder, name)))
          .digest('hex'),
      ]),
  );

/** A cache written as a report writes one: created by {@link CacheStore.open}, one day of coverage. */
async function writtenCache(path: string): Promise<void> {
  const store = await CacheStore.open(path);
  await store.writeDays(
    'local:/logs',
    ['2026-10-01'],
    [],
    [{ accountId: '111111111111', day: '2026-10-01', files: 3 }],
  );
  await store.close();
}

/** Runs SQL on a DuckDB file of its own (not through iamtrail). */
async function onDuckDb(path: string, statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  for (const statement of statements) await connection.run(statement);
  connection.closeSync();
  instance.closeSync();
}

describe('CacheStore.openReadOnly (a question the cache answers alone)', () => {
  it('opens a current cache: it reads what open() wrote, refuses writes, and leaves the file as it was', async () => {
    const path = freshPath();
    await writtenCache(path);
    const before = snapshot(join(path, '..'));
    const store = await CacheStore.openReadOnly(path);
    expect(store).toBeDefined();
    if (store === undefined) return;
    try {
      expect(
        await store.missingDays('local:/logs', ['111111111111'], '2026-10-01', '2026-10-02', '2026-10-03'),
      ).toEqual(['2026-10-02']);
      await expect(
        store.writeDays(
          'local:/logs',
          ['2026-10-02'],
          [],
          [{ accountId: '111111111111', day: '2026-10-02', files: 1 }],
        ),
      ).rejects.toThrow(/read-only/i);
    } finally {
      await store.close();
    }
    expect(snapshot(join(path, '..'))).toEqual(before);
  });

  it('answers the questions it is asked at once as it answers them one by one, and lets the file go when it closes', async () => {
    const path = freshPath();
    await writtenCache(path);
    const before = snapshot(join(path, '..'));
    const WINDOW = { startDay: '2026-10-01', endDay: '2026-10-03' };
    const ask = (store: CacheStore) =>
      [
        () => store.missingDays('local:/logs', ['111111111111'], '2026-10-01', '2026-10-02', '2026-10-03'),
        () => store.coverage('local:/logs', WINDOW),
        () => store.status(),
        () => store.skippedFiles('local:/logs', WINDOW, ['111111111111']),
        () => store.accountEvents('local:/logs', WINDOW, '111111111111'),
      ] as const;
    // DuckDB's connect, watched (and run): the store opens its spare connections with it.
    const connect = vi.spyOn(DuckDBInstance.prototype, 'connect');
    const store = await CacheStore.openReadOnly(path);
    expect(store).toBeDefined();
    if (store === undefined) return;
    const oneByOne: unknown[] = [];
    let atOnce: unknown[] = [];
    try {
      for (const question of ask(store)) oneByOne.push(await question());
      atOnce = await Promise.all(ask(store).map((question) => question()));
      // Once more, on the connections the first round opened.
      expect(await Promise.all(ask(store).map((question) => question()))).toEqual(atOnce);
    } finally {
      await store.close();
    }
    // Its first connection and the three spares the questions asked at once ran on.
    expect(connect).toHaveBeenCalledTimes(4);
    connect.mockRestore();
    expect(atOnce).toEqual(oneByOne);
    expect(oneByOne[0]).toEqual(['2026-10-02']);
    expect(snapshot(join(path, '..'))).toEqual(before);
    // Every connection closed with the store: a read-write open takes the file at once.
    const writer = await CacheStore.open(path, { lockTimeoutMs: 0 });
    await writer.close();
    // And a store closed the moment it opened (its spare connections still opening) lets it go too.
    await (await CacheStore.openReadOnly(path))?.close();
    await (await CacheStore.open(path, { lockTimeoutMs: 0 })).close();
  });

  it('gives nothing, and creates nothing, for a missing file or the in-memory cache', async () => {
    const path = freshPath();
    expect(await CacheStore.openReadOnly(path)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
    expect(await CacheStore.openReadOnly(':memory:')).toBeUndefined();
  });

  it("gives nothing for a DuckDB file that is not iamtrail's, and leaves it untouched (open() then refuses it)", async () => {
    const path = freshPath();
    await onDuckDb(path, [
      'CREATE TABLE meta (key VARCHAR, value VARCHAR)',
      "INSERT INTO meta VALUES ('owner', 'someone')",
    ]);
    const before = snapshot(join(path, '..'));
    expect(await CacheStore.openReadOnly(path)).toBeUndefined();
    expect(snapshot(join(path, '..'))).toEqual(before);
    await expect(CacheStore.open(path)).rejects.toThrow('iamtrail did not create');
  });

  it('gives nothing for a DuckDB file whose meta table names this schema version but not iamtrail', async () => {
    const path = freshPath();
    await writtenCache(path);
    await onDuckDb(path, [`DELETE FROM meta WHERE key = '${CACHE_MARKER.key}'`]);
    const before = snapshot(join(path, '..'));
    expect(await CacheStore.openReadOnly(path)).toBeUndefined();
    expect(snapshot(join(path, '..'))).toEqual(before);
  });

  it('gives nothing for a cache of another schema version (open() migrates it), and leaves it untouched', async () => {
    const path = freshPath();
    await writtenCache(path);
    await onDuckDb(path, ["UPDATE meta SET value = '8' WHERE key = 'schema_version'"]);
    const before = snapshot(join(path, '..'));
    expect(await CacheStore.openReadOnly(path)).toBeUndefined();
    expect(snapshot(join(path, '..'))).toEqual(before);
  });

  it('gives nothing while a write-ahead log is pending beside the file, and leaves both untouched', async () => {
    const path = freshPath();
    await writtenCache(path);
    writeFileSync(`${path}.wal`, 'pending');
    const before = snapshot(join(path, '..'));
    expect(await CacheStore.openReadOnly(path)).toBeUndefined();
    expect(snapshot(join(path, '..'))).toEqual(before);
  });
});
