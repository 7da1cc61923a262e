import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { DuckDBConnection } from '@duckdb/node-api';
import { sql } from 'kysely';

import type { AthenaResource } from '../engines/athena/athena-ledger.js';
import type { ActivitySummaryRecord } from '../trail/activity-summary.js';
import type { Outcome } from '../trail/call-outcome.js';
import type { CacheConnection } from './cache-connection.js';

/**
 * Version of the cache schema (`sql/cache-schema.sql`). A cache written with another version is
 * dropped and rebuilt: it is a cache, the logs are the truth.
 */
// 6: `outcome` splits errors into `denied` (access errors) and `failed`; in 5, `denied` was any error.
// 7: Access Advisor snapshots (advisor_snapshots, advisor_services, advisor_actions).
// 8: IAM change events (iam_changes), read with the days' activity; migrated from 7 (see below).
export const CACHE_SCHEMA_VERSION = '8';

/**
 * The tables of a version-7 cache that a migration to 8 keeps: Access Advisor snapshots (collected
 * from AWS, which the logs cannot give back) and the Athena ledger (which cleanup relies on).
 */
const KEPT_FROM_7 = [
  'athena_resources',
  'athena_queries',
  'advisor_snapshots',
  'advisor_services',
  'advisor_actions',
] as const;

/**
 * What a migration from 7 to 8 empties: the loaded days, read without their IAM changes, so that
 * the next question reads them again (the logs are the truth).
 */
const EMPTIED_FROM_7 = ['activity', 'coverage', 'skipped_files'] as const;

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
export const DUCKDB_OPTIONS = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

/** The schema, as readable SQL shipped with the package. */
const SCHEMA_SQL = readFileSync(
  fileURLToPath(new URL('../../sql/cache-schema.sql', import.meta.url)),
  'utf8',
);

/** The cache's tables, as kysely sees them. */
export interface CacheDatabase {
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
  /** One IAM change event (see `IamChangeRow`). */
  iam_changes: {
    source: string;
    account_id: string;
    day: string;
    event_time: string;
    event_id: string;
    event_name: string;
    actor_arn: string;
    actor_type: string;
    caller_arn: string | null;
    source_ip: string | null;
    user_name: string | null;
    role_name: string | null;
    group_name: string | null;
    access_key_id: string | null;
    policy_arn: string | null;
    policy_name: string | null;
    key_status: string | null;
    created_key_id: string | null;
    outcome: Outcome;
    error_code: string | null;
  };
  advisor_snapshots: {
    snapshot_id: string;
    account_id: string;
    arn: string;
    entity_type: string;
    collected_at: string;
    job_completed_at: string | null;
    origin: string;
  };
  advisor_services: {
    snapshot_id: string;
    service_namespace: string;
    service_name: string;
    last_authenticated: string | null;
    last_authenticated_entity: string | null;
    last_authenticated_region: string | null;
    total_authenticated_entities: number | bigint;
    tracked: boolean;
  };
  advisor_actions: {
    snapshot_id: string;
    service_namespace: string;
    action_name: string;
    last_accessed: string | null;
    last_accessed_entity: string | null;
    last_accessed_region: string | null;
  };
}

/**
 * Checks the schema of a freshly opened cache: nothing to do when it is this version; version 7 is
 * migrated (see {@link migrateFrom7}); otherwise (another version, or a new file) drops every
 * table and creates the schema, marked.
 */
export async function ensureSchema(
  cache: CacheConnection,
  onNotice: (message: string) => void,
): Promise<void> {
  const tables = await sql<{
    name: string;
  }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main'`.execute(cache.db);
  const names = new Set(tables.rows.map((row) => row.name));
  if (names.has('meta')) {
    const version = await cache.db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'schema_version')
      .executeTakeFirst();
    // Every cache of this version carries the marker (it came with schema 4): nothing to do.
    if (version?.value === CACHE_SCHEMA_VERSION) return;
    if (version?.value === '7' && [...KEPT_FROM_7, ...EMPTIED_FROM_7].every((table) => names.has(table))) {
      await migrateFrom7(cache);
      onNotice(
        `the cache ${cache.path} has schema version 7, this iamtrail uses ${CACHE_SCHEMA_VERSION}: kept its Access Advisor snapshots and Athena ledger; its log days will be read again (for their IAM changes)`,
      );
      return;
    }
    onNotice(
      `the cache ${cache.path} has schema version ${version?.value ?? 'unknown'}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it`,
    );
  }
  await cache.transaction(async () => {
    for (const table of [
      'meta',
      'coverage',
      'skipped_files',
      'activity',
      'iam_changes',
      'athena_resources',
      'athena_queries',
      'advisor_snapshots',
      'advisor_services',
      'advisor_actions',
      ...names,
    ].filter((name, index, all) => all.indexOf(name) === index)) {
      // Table names come from information_schema of our own file or the constant list above.
      if (/^[a-z_]+$/.test(table)) await cache.connection.run(`DROP TABLE IF EXISTS ${table}`);
    }
    await cache.connection.run(SCHEMA_SQL);
    await cache.db
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
 * Version 7 to 8, in one transaction: keeps the tables of {@link KEPT_FROM_7} as they are, empties
 * the loaded days ({@link EMPTIED_FROM_7}: each day is read again, with its IAM changes, when a
 * question needs it) and creates `iam_changes`. A version-7 cache is marked (schema 4 on).
 */
async function migrateFrom7(cache: CacheConnection): Promise<void> {
  await cache.transaction(async () => {
    // Constant table names of this file, never data.
    for (const table of EMPTIED_FROM_7) await cache.connection.run(`DELETE FROM ${table}`);
    await cache.connection.run(SCHEMA_SQL);
    await cache.db
      .updateTable('meta')
      .set({ value: CACHE_SCHEMA_VERSION })
      .where('key', '=', 'schema_version')
      .execute();
  });
}

/**
 * Whether an open DuckDB database is an iamtrail cache: its `meta` table (key, value) carries
 * {@link CACHE_MARKER}, or it is a cache of schema 1 to 3 written before the marker (a `meta` table
 * of only `schema_version` and `created_at`, and exactly the tables of that version). Reads only.
 */
export async function isOwnCache(connection: DuckDBConnection): Promise<boolean> {
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
