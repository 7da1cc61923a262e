import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import type { BoundarySnapshot } from '../../src/analysis/boundary-changes.js';
import type { BoundaryHistoryDocument } from '../../src/app/boundary/rollback-boundary.js';
import type { CacheStatusDocument } from '../../src/app/cache/cache-status.js';
import { BEFORE_16_NOTICE, BEFORE_17_NOTICE, CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { cacheStatusDocument } from '../contract/json-schemas.js';
import { flatten, runCli } from '../helpers/cli.js';
import { runOnDuckDb } from '../helpers/cache-tables.js';

/*
 * The boundary snapshots of `boundary apply` and `rollback` are the one record rollback restores
 * from, and no log gives them back: a cache rebuilt for another schema version carries them over
 * (whatever the version, the one this iamtrail uses or any other), `cache clear` keeps them and
 * says how many, `--force` deletes them only with `--drop-boundary-snapshots`, and `cache status`
 * counts them. Each cache here holds one snapshot written through the store, as apply writes it.
 */

const ACCOUNT = '111122223333';
const work = mkdtempSync(join(tmpdir(), 'iamtrail-cache-snapshots-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const config = join(work, 'config.yaml');
writeFileSync(config, `accounts:\n  - {name: prod, id: '${ACCOUNT}'}\n`);
let counter = 0;

const SNAPSHOT: BoundarySnapshot = {
  id: '20261101T093015Z-deploy-a1b2c3',
  accountId: ACCOUNT,
  principal: { kind: 'role', name: 'deploy', arn: `arn:aws:iam::${ACCOUNT}:role/deploy` },
  takenAt: '2026-11-01T09:30:15.123Z',
  operation: 'apply',
  previousBoundaryArn: null,
  previousTags: [{ key: 'team', value: 'payments' }],
  policyArn: `arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-role-deploy`,
  policyExisted: false,
  previousDefaultVersion: null,
  previousPolicyDocument: null,
  newVersion: 'v1',
  appliedTags: [{ key: 'iamtrail:granted', value: '40' }],
  restoresSnapshotId: null,
  message: null,
  state: 'applied',
};

/** A cache holding {@link SNAPSHOT}, then changed by `statements` (run on the file directly). */
async function cacheWithSnapshot(statements = ''): Promise<string> {
  const path = join(work, `cache-${(counter += 1)}.duckdb`);
  const store = await CacheStore.open(path);
  try {
    await store.writeBoundarySnapshot(SNAPSHOT);
  } finally {
    await store.close();
  }
  if (statements !== '') await runOnDuckDb(path, statements);
  return path;
}

async function history(path: string) {
  const run = await runCli([
    'boundary',
    'history',
    '--config',
    config,
    '--account',
    'prod',
    '--cache',
    path,
    '--json',
  ]);
  return {
    ...run,
    snapshots: run.status === 0 ? (JSON.parse(run.stdout) as BoundaryHistoryDocument).snapshots : [],
  };
}

/** A version no iamtrail uses: the rebuild must not depend on which one this iamtrail has. */
const OTHER_VERSION = '999';
const markVersion = (version: string): string =>
  `UPDATE meta SET value = '${version}' WHERE key = 'schema_version'`;

describe('a cache rebuilt for another schema version', () => {
  it('keeps its boundary snapshots, and says so', async () => {
    const path = await cacheWithSnapshot(markVersion(OTHER_VERSION));
    const run = await history(path);
    expect(run.status, run.stderr).toBe(0);
    expect(run.snapshots).toEqual([SNAPSHOT]);
    expect(flatten(run.stderr)).toContain(
      `the cache ${path} has schema version ${OTHER_VERSION}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it (its 1 boundary snapshot(s), the record boundary rollback restores from, kept)`,
    );
  });

  it('keeps them from a version whose snapshots have a column this one does not know', async () => {
    const path = await cacheWithSnapshot(
      `${markVersion(OTHER_VERSION)}; ALTER TABLE boundary_snapshots ADD COLUMN superseded_by VARCHAR`,
    );
    const run = await history(path);
    expect(run.status, run.stderr).toBe(0);
    expect(run.snapshots).toEqual([SNAPSHOT]);
  });

  it('refuses to rebuild, leaving the cache as it was, when its snapshots lack a column this version needs', async () => {
    const path = await cacheWithSnapshot(
      `${markVersion(OTHER_VERSION)}; ALTER TABLE boundary_snapshots DROP COLUMN applied_tags`,
    );
    const run = await runCli([
      'boundary',
      'history',
      '--config',
      config,
      '--account',
      'prod',
      '--cache',
      path,
    ]);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain(
      `cannot rebuild the cache ${path} (schema version ${OTHER_VERSION}) for this iamtrail's schema ${CACHE_SCHEMA_VERSION}: its boundary snapshots, the record boundary rollback restores from, cannot be carried over`,
    );
    // Still the other version, its snapshot still there.
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const meta = await connection.runAndReadAll("SELECT value FROM meta WHERE key = 'schema_version'");
      expect(meta.getRowsJS()).toEqual([[OTHER_VERSION]]);
      const rows = await connection.runAndReadAll('SELECT snapshot_id FROM boundary_snapshots');
      expect(rows.getRowsJS()).toEqual([[SNAPSHOT.id]]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('a cache rebuilt for another schema version, with Access Advisor snapshots and an Athena ledger', () => {
  it('keeps them too (collected from AWS, relied on by athena cleanup: no log gives them back), and says so', async () => {
    const path = await cacheWithSnapshot(
      `INSERT INTO advisor_snapshots VALUES ('snap-1', '${ACCOUNT}', 'arn:aws:iam::${ACCOUNT}:role/deploy', 'role', '2026-11-02T10:00:00Z', '2026-11-02T10:00:05Z', 'collect');
       INSERT INTO athena_resources VALUES ('database', 'iamtrail', 'us-east-1', '2026-11-01T08:00:00Z', '${ACCOUNT}');
       ${markVersion(OTHER_VERSION)}`,
    );
    const run = await history(path);
    expect(run.status, run.stderr).toBe(0);
    expect(run.snapshots).toEqual([SNAPSHOT]);
    expect(flatten(run.stderr)).toContain(
      `the cache ${path} has schema version ${OTHER_VERSION}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it (its 1 boundary snapshot(s), the record boundary rollback restores from, its 1 Access Advisor snapshot(s), its Athena ledger, kept)`,
    );
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const meta = await connection.runAndReadAll("SELECT value FROM meta WHERE key = 'schema_version'");
      expect(meta.getRowsJS()).toEqual([[CACHE_SCHEMA_VERSION]]);
      expect(
        (await connection.runAndReadAll('SELECT snapshot_id, origin FROM advisor_snapshots')).getRowsJS(),
      ).toEqual([['snap-1', 'collect']]);
      expect(
        (await connection.runAndReadAll('SELECT kind, name, account_id FROM athena_resources')).getRowsJS(),
      ).toEqual([['database', 'iamtrail', ACCOUNT]]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('cache clear and cache status with boundary snapshots', () => {
  it('cache clear removes days and keeps the snapshots, saying how many', async () => {
    const path = await cacheWithSnapshot();
    const clear = await runCli(['cache', 'clear', '--cache', path]);
    expect(clear.status, clear.stderr).toBe(0);
    expect(clear.stdout).toBe(
      `cache ${path}: 0 row(s) removed, 0 day(s) marked unloaded; its 1 boundary snapshot(s) kept\n`,
    );
    expect((await history(path)).snapshots).toEqual([SNAPSHOT]);
  });

  it('cache clear --force empties a cache holding snapshots but for them; --drop-boundary-snapshots deletes it', async () => {
    const path = await cacheWithSnapshot();
    const kept = await runCli(['cache', 'clear', '--force', '--cache', path]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stdout).toBe(
      `cache ${path}: emptied; kept its 1 boundary snapshot(s), the record boundary rollback restores from (--drop-boundary-snapshots drops them)\n`,
    );
    expect((await history(path)).snapshots).toEqual([SNAPSHOT]);

    const alone = await runCli(['cache', 'clear', '--drop-boundary-snapshots', '--cache', path]);
    expect(alone.status).toBe(2);
    expect(existsSync(path)).toBe(true);

    const dropped = await runCli(['cache', 'clear', '--force', '--drop-boundary-snapshots', '--cache', path]);
    expect(dropped.status, dropped.stderr).toBe(0);
    expect(dropped.stdout).toBe(
      `cache ${path}: deleted, with its 1 boundary snapshot(s); the next run creates a new one\n`,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('cache status counts them, in text and JSON', async () => {
    const path = await cacheWithSnapshot();
    const text = await runCli(['cache', 'status', '--cache', path]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      'boundary snapshots: 1 (the record boundary rollback restores from; boundary history lists them; cache clear keeps them)',
    );
    const json = await runCli(['cache', 'status', '--cache', path, '--format', 'json']);
    const document = cacheStatusDocument.parse(JSON.parse(json.stdout)) as CacheStatusDocument;
    expect(document.boundarySnapshots).toBe(1);
  });
});

describe('cache clear and cache status with an Athena ledger (the record athena cleanup removes from)', () => {
  /** A cache holding one ledger entry of each kind (an object, a query), written through the store. */
  async function cacheWithLedger(withSnapshot: boolean): Promise<string> {
    const path = join(work, `ledger-${(counter += 1)}.duckdb`);
    const store = await CacheStore.open(path);
    try {
      if (withSnapshot) await store.writeBoundarySnapshot(SNAPSHOT);
      await store.recordAthenaResource(
        { kind: 'workgroup', name: 'iamtrail-wg', region: 'us-east-1' },
        ACCOUNT,
      );
      await store.recordAthenaQuery(
        {
          queryId: 'q-1',
          region: 'us-east-1',
          workgroup: 'iamtrail-wg',
          outputLocation: 's3://results/iamtrail-results/q-1.csv',
          state: 'SUCCEEDED',
          bytesScanned: 10,
        },
        ACCOUNT,
      );
    } finally {
      await store.close();
    }
    return path;
  }
  const ledgerOf = async (path: string) => {
    const store = await CacheStore.open(path);
    try {
      return {
        resources: await store.athenaResources('us-east-1'),
        queries: (await store.athenaQueries('us-east-1')).map((query) => [query.queryId, query.account]),
      };
    } finally {
      await store.close();
    }
  };

  it('cache clear --force empties the cache but for the ledger, says so, and deletes it only with --drop-athena-ledger', async () => {
    const path = await cacheWithLedger(false);
    const status = await runCli(['cache', 'status', '--cache', path]);
    expect(status.stdout).toContain(
      'athena ledger: 2 entries (what athena cleanup removes; cache clear keeps it)',
    );
    const days = await runCli(['cache', 'clear', '--cache', path]);
    expect(days.status, days.stderr).toBe(0);
    expect(days.stdout).toBe(
      `cache ${path}: 0 row(s) removed, 0 day(s) marked unloaded; its Athena ledger (2 entries) kept\n`,
    );

    const kept = await runCli(['cache', 'clear', '--force', '--cache', path]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stdout).toBe(
      `cache ${path}: emptied; kept its Athena ledger (2 entries), the record of what athena cleanup removes (--drop-athena-ledger drops it)\n`,
    );
    expect(await ledgerOf(path)).toEqual({
      resources: [{ kind: 'workgroup', name: 'iamtrail-wg', region: 'us-east-1', account: ACCOUNT }],
      queries: [['q-1', ACCOUNT]],
    });

    const dropped = await runCli(['cache', 'clear', '--force', '--drop-athena-ledger', '--cache', path]);
    expect(dropped.status, dropped.stderr).toBe(0);
    expect(dropped.stdout).toBe(
      `cache ${path}: deleted, with its Athena ledger (2 entries); the next run creates a new one\n`,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('with boundary snapshots too: each is dropped only by its own flag', async () => {
    const path = await cacheWithLedger(true);
    const one = await runCli(['cache', 'clear', '--force', '--drop-boundary-snapshots', '--cache', path]);
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toBe(
      `cache ${path}: emptied; dropped its 1 boundary snapshot(s); kept its Athena ledger (2 entries), the record of what athena cleanup removes (--drop-athena-ledger drops it)\n`,
    );
    expect((await history(path)).snapshots).toEqual([]);
    expect((await ledgerOf(path)).queries).toEqual([['q-1', ACCOUNT]]);
  });

  it('a schema-13 cache is migrated whole, its ledger entries without an account', async () => {
    const path = await cacheWithLedger(false);
    await runOnDuckDb(
      path,
      `ALTER TABLE athena_resources DROP COLUMN account_id;
       ALTER TABLE athena_queries DROP COLUMN account_id;
       ${markVersion('13')}`,
    );
    const notices: string[] = [];
    const store = await CacheStore.open(path, { onNotice: (message) => void notices.push(message) });
    await store.close();
    expect(notices).toEqual([
      `the cache ${path} has schema version 13, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost${BEFORE_16_NOTICE}${BEFORE_17_NOTICE}`,
    ]);
    expect(await ledgerOf(path)).toEqual({
      resources: [{ kind: 'workgroup', name: 'iamtrail-wg', region: 'us-east-1', account: null }],
      queries: [['q-1', null]],
    });
  });
});
