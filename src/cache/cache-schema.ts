import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { DuckDBConnection } from '@duckdb/node-api';
import { sql } from 'kysely';

import type { AthenaResource } from '../engines/athena/athena-ledger.js';
import { EngineError, messageOf, UsageError } from '../errors.js';
import { ASSUME_ROLE_EVENTS } from '../trail/assume-role-events.js';
import type { ActivitySummaryRecord, ResourceUsageRecord } from '../trail/activity-summary.js';
import type { Outcome } from '../trail/call-outcome.js';
import type { CacheConnection } from './cache-connection.js';

/**
 * Version of the cache schema (`sql/cache-schema.sql`). A cache written with another version is
 * dropped and rebuilt: it is a cache, the logs are the truth.
 */
// 6: `outcome` splits errors into `denied` (access errors) and `failed`; in 5, `denied` was any error.
// 7: Access Advisor snapshots (advisor_snapshots, advisor_services, advisor_actions).
// 8: IAM change events (iam_changes), read with the days' activity; migrated from 7 (see below).
// 9: the resources of successful calls (resource_usage), read with the days' activity, and the
//    boundary snapshots of `boundary apply` (boundary_snapshots); migrated from 7 and 8.
// 10: coverage says whether a day's resources were read (`resources`): only the questions that
//    need them read them; migrated from 7, 8 and 9 (9's days kept but marked read without their
//    resources: schema 9's first engines returned none).
// 11: each actor's calls per day, caller and outcome (actor_days), written with the activity; migrated from
//    9 and 10 (rolled up from their activity), and from 7 and 8 as before.
// 12: activity and actor_days carry each row's actor as a number (actor_key) and are stored in its
//    order; the events each account logged per day (account_events), written with the activity;
//    migrated from 9 to 11 (their rows keyed and sorted, the events rolled up from the activity),
//    from 7 and 8 as before.
// 13: a record with an `errorMessage` and no `errorCode` (a failed console sign-in) is a `failed`
//    call, no longer an `ok` one; the resources of a call name more (a copied version's source
//    apart, the index of a DynamoDB Query or Scan, the roles of Step Functions, of ECS services and
//    of EC2 instance profiles). Migrated from 9 to 12 as before, then the days that hold a sign-in
//    counted `ok` are forgotten, to be read again (they may hold a failed one), and every day kept
//    is marked read without its resources, so that the first question that needs them reads them
//    again (see migrateFrom).
// 14: the Athena ledger notes the account of the credentials each object and query was created
//    or run with (`account_id`), and cleanup acts only on the entries of its own account. Migrated
//    from 13 (its entries kept, their account unknown: null), and from 7 to 12 as before.
// 15: a call AWS answered with a dry run's error (`DryRunOperation`: it would have succeeded) is
//    an `ok` call, no longer a `failed` one. Migrated from 7 to 14 as before, then the days that
//    hold a `failed` call are forgotten, to be read again (one may be a dry run).
// 16: a successful AssumeRole call's activity row names the role it assumed (`assumed_role_arn`),
//    rolled up per actor, caller and role into `role_assumptions`, which shows a role assumed even
//    when its session made no logged call. Migrated from 7 to 15
//    as before, then the days that hold a successful AssumeRole call are forgotten, to be read
//    again (their rows lack the role).
// 17: the role's account's copy of an AssumeRole call from another account (`AWSAccount`, no
//    ARN) is kept under `AWSAccount:<account id>` and counted in `role_assumptions` beyond the
//    caller's account's copies read; a chain of roles across accounts is followed through the
//    copy that names its caller (before, the role's account's copy could stop it). Migrated from
//    7 to 16 as before, then the days that hold a successful AssumeRole call across accounts by a
//    role session (before 16: by a role session), and the day after each (its sessions' calls),
//    are forgotten, to be read again.
export const CACHE_SCHEMA_VERSION = '17';

/**
 * The end of the notice of a migration from schema 15 or before, which kept no row of an
 * AssumeRole call by a caller without an ARN: the days kept cannot tell which held one.
 */
export const BEFORE_16_NOTICE =
  '; the roles that AWS services, SAML and web-identity users assumed on the days kept count once --refresh reads those days again';

/**
 * The end of the notice of a migration from schema 16 or before, which kept no row of the role's
 * account's copy of an AssumeRole call from another account: the days kept cannot tell which held
 * one.
 */
export const BEFORE_17_NOTICE =
  '; the roles assumed from accounts whose logs are not read, on the days kept, count once --refresh reads those days again (every question over them says so)';

/**
 * The `meta` key a migration from schema 16 or before sets to its time: a day whose coverage was
 * loaded before it was read without the role's account's copies of AssumeRole calls from other
 * accounts (see {@link BEFORE_17_NOTICE}), which every question over it is told.
 */
export const READ_BEFORE_17_KEY = 'schema_17_migrated_at';

/** The tables of schemas 9 and 10, kept whole by a migration from them. */
const SCHEMA_9_TABLES = [
  'athena_resources',
  'athena_queries',
  'advisor_snapshots',
  'advisor_services',
  'advisor_actions',
  'boundary_snapshots',
  'activity',
  'coverage',
  'skipped_files',
  'iam_changes',
  'resource_usage',
];

/**
 * What a migration keeps, from each older version it knows: what the logs cannot give back —
 * Access Advisor snapshots (collected from AWS), the Athena ledger (which cleanup relies on) and,
 * from 9 on, the boundary snapshots (which rollback relies on).
 */
const KEPT_FROM: Readonly<Record<string, readonly string[]>> = {
  '7': ['athena_resources', 'athena_queries', 'advisor_snapshots', 'advisor_services', 'advisor_actions'],
  '8': ['athena_resources', 'athena_queries', 'advisor_snapshots', 'advisor_services', 'advisor_actions'],
  '9': SCHEMA_9_TABLES,
  '10': SCHEMA_9_TABLES,
  '11': [...SCHEMA_9_TABLES, 'actor_days'],
  '12': [...SCHEMA_9_TABLES, 'actor_days', 'account_events'],
  '13': [...SCHEMA_9_TABLES, 'actor_days', 'account_events'],
  '14': [...SCHEMA_9_TABLES, 'actor_days', 'account_events'],
  '15': [...SCHEMA_9_TABLES, 'actor_days', 'account_events'],
  '16': [...SCHEMA_9_TABLES, 'actor_days', 'account_events', 'role_assumptions'],
};

/**
 * What a migration empties: the loaded days, read without what this version reads with them, so
 * that the next question reads them again (the logs are the truth); and why, for the notice.
 */
const EMPTIED_FROM: Readonly<Record<string, { tables: readonly string[]; reason: string }>> = {
  '7': { tables: ['activity', 'coverage', 'skipped_files'], reason: 'for their IAM changes and resources' },
  '8': {
    tables: ['activity', 'coverage', 'skipped_files', 'iam_changes'],
    reason: 'for the resources of their calls',
  },
  // A schema-9 cache is kept whole; its days are marked read without their resources (see
  // migrateFrom).
  '9': { tables: [], reason: '' },
  // A schema-10 cache is kept whole; its actors' days are rolled up from its activity.
  '10': { tables: [], reason: '' },
  // A schema-11 cache is kept whole; its activity and actors' days are keyed (see migrateFrom).
  '11': { tables: [], reason: '' },
  // A schema-12 cache is kept whole but for the days with a sign-in; its days are marked read
  // without their resources (see migrateFrom).
  '12': { tables: [], reason: '' },
  // A schema-13 cache is kept whole; its Athena ledger's entries get an unknown account.
  '13': { tables: [], reason: '' },
  // A schema-14 cache is kept whole but for the days with a failed call (see migrateFrom).
  '14': { tables: [], reason: '' },
  // A schema-15 cache is kept whole but for the days with a successful AssumeRole call (see
  // migrateFrom).
  '15': { tables: [], reason: '' },
  // A schema-16 cache is kept whole but for the days with an AssumeRole call across accounts by a
  // role session, and the day after each (see migrateFrom).
  '16': { tables: [], reason: '' },
};

/** The tables holding a source's days, each row under its day: what forgetting a day empties. */
export const DAY_TABLES = [
  'skipped_files',
  'activity',
  'actor_days',
  'account_events',
  'role_assumptions',
  'iam_changes',
  'resource_usage',
  'coverage',
] as const;

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

/** What tells one `actor_days` row of a source from another (with `actor_key`, which follows `actor_arn`). */
export const ACTOR_DAY_KEYS = 'account_id, day, actor_arn, actor_type, caller_arn, via_arn, outcome';

/**
 * Activity rows (of one source) rolled up into `actor_days` rows but for their `source`: what
 * follows `SELECT`, before `FROM` the rows (which carry `actor_key`) and `GROUP BY ALL`. For the
 * writes and the migration.
 */
export const ACTOR_DAYS_COLUMNS = `${ACTOR_DAY_KEYS},
  sum(calls) AS calls, min(first_seen) AS first_seen, max(last_seen) AS last_seen, actor_key`;

/** Activity rows rolled up into `account_events` rows but for their `source`, with `SELECT DISTINCT`. */
export const ACCOUNT_EVENTS_COLUMNS = 'account_id, day, event_source, event_name';

/**
 * The bits of {@link actorKey} below the account: 23, so that a 12-digit account (below 2^40)
 * times 2^23 fits a BIGINT.
 */
export const ACTOR_KEY_SPAN = 8_388_608n;

/**
 * The `actor_key` of an ARN, as SQL over `arn` (a column, or a bound parameter): the actor's
 * account (the ARN's fifth field when it is 12 characters that read as a number, else 0) times
 * {@link ACTOR_KEY_SPAN}, plus the low bits of the ARN's MD5. Stable across DuckDB versions (MD5
 * is), so that a key written by one iamtrail is found by the next; never unique (the ARN is always
 * compared too), but an actor's rows and an account's actors lie together in its order.
 */
export function actorKey(arn: string): string {
  const account = `split_part(${arn}, ':', 5)`;
  return `((CASE WHEN length(${account}) = 12 THEN coalesce(TRY_CAST(${account} AS BIGINT), 0) ELSE 0 END) * ${ACTOR_KEY_SPAN} + CAST(md5_number_lower(${arn}) % ${ACTOR_KEY_SPAN} AS BIGINT))`;
}

/**
 * The `actor_key` range of the actors whose ARNs name `accountId` (12 digits), as [low, high):
 * undefined for an account that is not 12 digits (its actors share the key 0's range).
 */
export function accountKeyRange(accountId: string): readonly [bigint, bigint] | undefined {
  if (!/^[0-9]{12}$/.test(accountId)) return undefined;
  const low = BigInt(accountId) * ACTOR_KEY_SPAN;
  return [low, low + ACTOR_KEY_SPAN];
}

/** The schema, as readable SQL shipped with the package. */
const SCHEMA_SQL = readFileSync(
  fileURLToPath(new URL('../../sql/cache-schema.sql', import.meta.url)),
  'utf8',
);

/** The cache's tables, as kysely sees them. */
export interface CacheDatabase {
  athena_resources: {
    kind: AthenaResource['kind'];
    name: string;
    region: string;
    created_at: string;
    account_id: string | null;
  };
  athena_queries: {
    query_id: string;
    region: string;
    workgroup: string;
    output_location: string | null;
    submitted_at: string;
    state: string;
    bytes_scanned: number;
    account_id: string | null;
  };
  meta: { key: string; value: string };
  /** `files` is written as a number and read back as DuckDB's BIGINT, a JavaScript bigint. */
  coverage: {
    source: string;
    account_id: string;
    day: string;
    loaded_at: string;
    files: number | bigint;
    resources: boolean;
  };
  skipped_files: { source: string; day: string; account_id: string | null; file: string; reason: string };
  /** The summary query's columns, plus where the row came from. */
  activity: ActivitySummaryRecord & { source: string; actor_key: bigint };
  /** The activity rolled up per actor, day, caller and outcome (see `sql/cache-schema.sql`). */
  actor_days: Omit<ActivitySummaryRecord, 'event_source' | 'event_name'> & {
    source: string;
    actor_key: bigint;
  };
  /** The events logged in an account on a day (see `sql/cache-schema.sql`). */
  account_events: {
    source: string;
    account_id: string;
    day: string;
    event_source: string;
    event_name: string;
  };
  /** The successful AssumeRole calls of an actor day per caller and role (see `sql/cache-schema.sql`). */
  role_assumptions: {
    source: string;
    day: string;
    actor_arn: string;
    caller_arn: string | null;
    role_arn: string;
    calls: number;
    last_seen: string;
  };
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
  /** The resources of a day's successful calls (see `ResourceUsageRow`). */
  resource_usage: ResourceUsageRecord & { source: string };
  /** What `boundary apply` found before changing a principal (see `sql/cache-schema.sql`). */
  boundary_snapshots: {
    snapshot_id: string;
    account_id: string;
    principal_arn: string;
    principal_type: 'user' | 'role';
    principal_name: string;
    taken_at: string;
    operation: 'apply' | 'rollback';
    previous_boundary_arn: string | null;
    previous_tags: string;
    policy_arn: string;
    policy_existed: boolean;
    previous_default_version: string | null;
    previous_policy_document: string | null;
    new_version: string | null;
    applied_tags: string;
    restores_snapshot_id: string | null;
    message: string | null;
    state: 'pending' | 'applied' | 'failed' | 'rolled-back';
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
 * Checks the schema of a freshly opened cache: nothing to do when it is this version; versions 7 to 15 are
 * migrated (see {@link migrateFrom}); otherwise (another version, or a new file) drops every
 * table and creates the schema, marked.
 */
export async function ensureSchema(
  cache: CacheConnection,
  onNotice: (message: string) => void,
): Promise<void> {
  // An in-memory store is a new, empty database (each one attached anew): nothing to look for.
  const fresh = cache.path === ':memory:';
  const names = fresh ? new Set<string>() : await tableNames(cache);
  if (names.has('meta')) {
    const version = await cache.db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'schema_version')
      .executeTakeFirst();
    // Every cache of this version carries the marker (it came with schema 4): nothing to do.
    if (version?.value === CACHE_SCHEMA_VERSION) return;
    const from = version?.value;
    const kept = from === undefined ? undefined : KEPT_FROM[from];
    const emptied = from === undefined ? undefined : EMPTIED_FROM[from];
    if (
      from !== undefined &&
      kept !== undefined &&
      emptied !== undefined &&
      [...kept, ...emptied.tables].every((table) => names.has(table))
    ) {
      const forgotten = await migrateFrom(cache, from, emptied.tables);
      const againForSignIns =
        (forgotten.signInDays === 0
          ? ''
          : `; ${forgotten.signInDays} day(s) with console sign-ins will be read again (a failed sign-in counted as a call before)`) +
        (forgotten.failedDays === 0
          ? ''
          : `; ${forgotten.failedDays} day(s) with failed calls will be read again (a dry run AWS authorised counted as failed before)`) +
        (forgotten.chainDays === 0
          ? ''
          : `; ${forgotten.chainDays} day(s) with a role session's AssumeRole call, or the day after one, will be read again (for who began its chain)`) +
        (forgotten.assumeRoleDays === 0
          ? ''
          : `; ${forgotten.assumeRoleDays} day(s) with AssumeRole calls will be read again (for the roles they assumed)`) +
        (Number(from) < 16 ? BEFORE_16_NOTICE : '') +
        (Number(from) < 17 ? BEFORE_17_NOTICE : '');
      onNotice(
        emptied.tables.length === 0
          ? `the cache ${cache.path} has schema version ${from}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost${againForSignIns}`
          : `the cache ${cache.path} has schema version ${from}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: kept its Access Advisor snapshots and Athena ledger; its log days will be read again (${emptied.reason})`,
      );
      return;
    }
    const carried = await rebuildSchema(cache, names, version?.value ?? 'unknown', CARRIED_ON_REBUILD);
    const carriedNames = [
      ...(carried.boundary_snapshots > 0
        ? [
            `its ${carried.boundary_snapshots} boundary snapshot(s), the record boundary rollback restores from`,
          ]
        : []),
      ...(carried.advisor_snapshots > 0
        ? [`its ${carried.advisor_snapshots} Access Advisor snapshot(s)`]
        : []),
      ...(carried.athena_resources + carried.athena_queries > 0 ? ['its Athena ledger'] : []),
    ];
    onNotice(
      `the cache ${cache.path} has schema version ${version?.value ?? 'unknown'}, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it${carriedNames.length > 0 ? ` (${carriedNames.join(', ')}, kept)` : ''}`,
    );
    return;
  }
  await rebuildSchema(cache, names, undefined, []);
}

/**
 * What no log gives back, carried over by a rebuild for another schema version: the boundary
 * snapshots (the one record `boundary rollback` restores from), the Access Advisor snapshots
 * (collected from AWS) and the Athena ledger (which `athena cleanup` relies on).
 */
const CARRIED_ON_REBUILD = [
  'boundary_snapshots',
  'advisor_snapshots',
  'advisor_services',
  'advisor_actions',
  'athena_resources',
  'athena_queries',
] as const;
/** One of {@link CARRIED_ON_REBUILD}. */
type CarriedTable = (typeof CARRIED_ON_REBUILD)[number];

/** The name a rebuild keeps a carried table under while it drops and creates the others. */
const carriedName = (table: CarriedTable): string => `${table}_carried`;

/**
 * Drops every table of the cache (`names`: those it holds) and creates this version's schema,
 * marked, in one transaction, but for the tables of `carry` that the cache holds, whatever version
 * wrote them: their rows are carried over (the columns this version knows). Returns how many rows
 * of each were carried. Rows that cannot be carried (a column this version needs is missing) leave
 * the cache as it was and fail with a {@link UsageError} saying what to do. `version` names the
 * cache's schema version for that message (`undefined`: a new file).
 */
export async function rebuildSchema(
  cache: CacheConnection,
  names: ReadonlySet<string>,
  version: string | undefined,
  carry: readonly CarriedTable[],
): Promise<Record<CarriedTable, number>> {
  const carried = carry.filter((table) => names.has(table));
  const counts = Object.fromEntries(CARRIED_ON_REBUILD.map((table) => [table, 0])) as Record<
    CarriedTable,
    number
  >;
  // A new file (or an in-memory store) holds no table: nothing to drop.
  const dropped = (
    names.size === 0
      ? []
      : [
          'meta',
          'coverage',
          'skipped_files',
          'activity',
          'actor_days',
          'account_events',
          'role_assumptions',
          'iam_changes',
          'athena_resources',
          'athena_queries',
          'advisor_snapshots',
          'advisor_services',
          'advisor_actions',
          'resource_usage',
          'boundary_snapshots',
          ...names,
        ]
  ).filter(
    (name, index, all) =>
      all.indexOf(name) === index &&
      !(carried as readonly string[]).includes(name) &&
      !CARRIED_ON_REBUILD.some((table) => carriedName(table) === name),
  );
  return await cache.transaction(async () => {
    // Table names are the constants above, or come from information_schema of our own file.
    for (const table of carried)
      await cache.connection.run(`ALTER TABLE ${table} RENAME TO ${carriedName(table)}`);
    for (const table of dropped)
      if (/^[a-z_]+$/.test(table)) await cache.connection.run(`DROP TABLE IF EXISTS ${table}`);
    await cache.connection.run(SCHEMA_SQL);
    await cache.db
      .insertInto('meta')
      .values([
        CACHE_MARKER,
        { key: 'schema_version', value: CACHE_SCHEMA_VERSION },
        { key: 'created_at', value: new Date().toISOString() },
      ])
      .execute();
    for (const table of carried) {
      const kept = new Set(await columnsOf(cache, carriedName(table)));
      const columns = (await columnsOf(cache, table))
        .filter((column) => kept.has(column) && /^[a-z_]+$/.test(column))
        .join(', ');
      let inserted;
      try {
        inserted = await cache.connection.run(
          `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${carriedName(table)}`,
        );
      } catch (error) {
        // The transaction rolls back: the cache stays as it was.
        throw new UsageError(
          `cannot rebuild the cache ${cache.path} (schema version ${version ?? 'unknown'}) for this iamtrail's schema ${CACHE_SCHEMA_VERSION}: its ${table === 'boundary_snapshots' ? 'boundary snapshots, the record boundary rollback restores from,' : `${table} rows, which no log gives back,`} cannot be carried over (${messageOf(error)}); the cache is left as it was`,
          {
            suggestions: [
              'Use the iamtrail that wrote the cache, or pass --cache OTHER_PATH',
              `To delete the cache with everything in it: iamtrail cache clear --force --drop-boundary-snapshots --cache ${cache.path}`,
            ],
            cause: error,
          },
        );
      }
      counts[table] = inserted.rowsChanged;
      await cache.connection.run(`DROP TABLE ${carriedName(table)}`);
    }
    return counts;
  });
}

/** What `cache clear --force` keeps of a cache unless told otherwise: what changes in AWS rely on. */
export interface KeptRecords {
  /** The boundary snapshots, the record `boundary rollback` restores from. */
  readonly boundarySnapshots: boolean;
  /** The Athena ledger, what `athena cleanup` removes from AWS. */
  readonly athenaLedger: boolean;
}

/**
 * Empties the cache (`cache clear --force` of a cache holding records it keeps): every table
 * dropped and created anew, the records of `keep` carried over ({@link rebuildSchema}). Returns how
 * many rows of each were kept.
 */
export async function emptyKeeping(
  cache: CacheConnection,
  keep: KeptRecords,
): Promise<{ boundarySnapshots: number; athenaLedger: number }> {
  const carried = await rebuildSchema(cache, await tableNames(cache), CACHE_SCHEMA_VERSION, [
    ...(keep.boundarySnapshots ? (['boundary_snapshots'] as const) : []),
    ...(keep.athenaLedger ? (['athena_resources', 'athena_queries'] as const) : []),
  ]);
  return {
    boundarySnapshots: carried.boundary_snapshots,
    athenaLedger: carried.athena_resources + carried.athena_queries,
  };
}

/** The tables of the cache's main schema. */
async function tableNames(cache: CacheConnection): Promise<Set<string>> {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
       WHERE table_catalog = current_database() AND table_schema = 'main'`.execute(cache.db);
  return new Set(tables.rows.map((row) => row.name));
}

/** The columns of a table of the cache, in their order. */
async function columnsOf(cache: CacheConnection, table: string): Promise<string[]> {
  const found = await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
       WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ${table}
       ORDER BY ordinal_position`.execute(cache.db);
  return found.rows.map((row) => row.name);
}

/**
 * An older version (`from`, 7 to 15) to this one, in one transaction: keeps the tables of
 * {@link KEPT_FROM} (before 12, the activity and actors' days rewritten with their key, in its
 * order), empties the loaded days (`emptied`, from {@link EMPTIED_FROM}: each day is read again
 * when a question needs it); before 13, forgets the days holding a console sign-in counted `ok` (it
 * may have failed) and marks the days it keeps read without their resources (an older version
 * extracted less of them); before 15, forgets the days holding a `failed` call (it may be a dry run
 * AWS authorised, now `ok`); before 16, gives the activity its `assumed_role_arn` column and
 * forgets the days holding a successful AssumeRole call (their rows lack the role); creates the
 * tables the older version lacks, and gives the Athena ledger's entries their account column
 * (null: not known). Versions 7 to 15 are marked (schema 4 on). Gives the number of days
 * forgotten for their sign-ins, for their failed calls and for their AssumeRole calls.
 */
async function migrateFrom(
  cache: CacheConnection,
  from: string,
  emptied: readonly string[],
): Promise<{ signInDays: number; failedDays: number; chainDays: number; assumeRoleDays: number }> {
  return await cache.transaction(async () => {
    // Constant table names of this file, never data.
    // Emptied by dropping them: the schema below creates them again as this version has them.
    for (const table of emptied) await cache.connection.run(`DROP TABLE ${table}`);
    const before13 = Number(from) < 13;
    // Schema 10's column of a coverage kept (9's): false. Schema 9's first engines returned no
    // resources, so its days may lack them: the first question that needs them reads them again,
    // once. Then as a fresh cache has it: no default, never null.
    if (before13 && !emptied.includes('coverage')) {
      await cache.connection.run(
        'ALTER TABLE coverage ADD COLUMN IF NOT EXISTS resources BOOLEAN DEFAULT false',
      );
      await cache.connection.run('ALTER TABLE coverage ALTER COLUMN resources DROP DEFAULT');
      await cache.connection.run('ALTER TABLE coverage ALTER COLUMN resources SET NOT NULL');
    }
    // The activity kept (9's to 11's) and 11's actors' days, set aside to be keyed (12's are).
    const keptActivity = !emptied.includes('activity') && Number(from) < 12;
    const keptActorDays = keptActivity && (await hasTable(cache, 'actor_days'));
    if (keptActivity) await cache.connection.run('ALTER TABLE activity RENAME TO activity_unkeyed');
    if (keptActorDays) await cache.connection.run('ALTER TABLE actor_days RENAME TO actor_days_unkeyed');
    await cache.connection.run(SCHEMA_SQL);
    // Schema 14's account of each ledger entry: unknown for those recorded before it.
    for (const table of ['athena_resources', 'athena_queries'])
      await cache.connection.run(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS account_id VARCHAR`);
    // Schema 16's role of an AssumeRole call: last, where a fresh cache has it too.
    await cache.connection.run('ALTER TABLE activity ADD COLUMN IF NOT EXISTS assumed_role_arn VARCHAR');
    if (keptActivity) {
      // Schema 12's key, in its order, as the writes store them.
      await cache.connection.run(
        `INSERT INTO activity BY NAME SELECT *, ${actorKey('actor_arn')} AS actor_key FROM activity_unkeyed ORDER BY actor_key, day`,
      );
      await cache.connection.run('DROP TABLE activity_unkeyed');
      // Schema 11's rollup of the activity (rolled up here for 9 and 10), as the writes make it.
      await cache.connection.run(
        keptActorDays
          ? `INSERT INTO actor_days BY NAME SELECT *, ${actorKey('actor_arn')} AS actor_key FROM actor_days_unkeyed ORDER BY actor_key, day`
          : `INSERT INTO actor_days BY NAME SELECT source, ${ACTOR_DAYS_COLUMNS} FROM activity GROUP BY ALL ORDER BY actor_key, day`,
      );
      if (keptActorDays) await cache.connection.run('DROP TABLE actor_days_unkeyed');
      await cache.connection.run(
        `INSERT INTO account_events BY NAME SELECT DISTINCT source, ${ACCOUNT_EVENTS_COLUMNS} FROM activity ORDER BY ALL`,
      );
    }
    // Before 13 a failed console sign-in (an errorMessage, no errorCode) counted as an `ok` call:
    // the days holding a sign-in counted `ok` are forgotten whole (every table, every account),
    // so that the next question reads them again. Table names are the constants of DAY_TABLES.
    const signInDays = before13
      ? await forgetDaysHolding(cache, `event_source = 'signin.amazonaws.com' AND outcome = 'ok'`)
      : 0;
    // Before 15 a dry run AWS authorised (DryRunOperation) counted as a `failed` call: the days
    // holding a failed call are forgotten whole, as above (the summary keeps no error code).
    const failedDays =
      Number(from) < 15 && !emptied.includes('activity')
        ? await forgetDaysHolding(cache, `outcome = 'failed'`)
        : 0;
    // Before 17 a chain of roles across accounts could stop at the role's account's copy of its
    // AssumeRole call: the days holding such a call by a role session (before 16, any role's), and
    // the day after each (the sessions it opened), are forgotten whole, as above. First: the step
    // below forgets days by their AssumeRole rows too, and would leave the days after them.
    const assumeRoleRow = `event_source = 'sts.amazonaws.com' AND event_name IN (${ASSUME_ROLE_EVENTS.map((name) => `'${name}'`).join(', ')}) AND outcome = 'ok'`;
    const chainDays =
      Number(from) < 17 && !emptied.includes('activity')
        ? await forgetDaysHolding(
            cache,
            // Before 16 no row names its role: every role session's AssumeRole day.
            `${assumeRoleRow} AND actor_type = 'AssumedRole' AND (assumed_role_arn IS NULL OR split_part(assumed_role_arn, ':', 5) <> account_id)`,
            { andNext: true },
          )
        : 0;
    // Before 16 a successful AssumeRole call's row did not name the role: its days are forgotten
    // whole, as above.
    const assumeRoleDays =
      Number(from) < 16 && !emptied.includes('activity') ? await forgetDaysHolding(cache, assumeRoleRow) : 0;
    // The days kept before 17 lack the role's account's copies of AssumeRole calls from other
    // accounts: the time of the migration tells them (loaded before it) to every question.
    if (Number(from) < 17) {
      await cache.db.deleteFrom('meta').where('key', '=', READ_BEFORE_17_KEY).execute();
      await cache.db
        .insertInto('meta')
        .values({ key: READ_BEFORE_17_KEY, value: new Date().toISOString() })
        .execute();
    }
    // Resources read by an older extraction: read again, once, by a question that needs them (its
    // rows are replaced with the day's).
    if (before13 && !emptied.includes('coverage'))
      await cache.db.updateTable('coverage').set({ resources: false }).execute();
    await cache.db
      .updateTable('meta')
      .set({ value: CACHE_SCHEMA_VERSION })
      .where('key', '=', 'schema_version')
      .execute();
    return { signInDays, failedDays, chainDays, assumeRoleDays };
  });
}

/**
 * Forgets the days (of every source) whose activity holds a row matching `condition` (a constant
 * of this file, never data), whole, and with `andNext` the day after each too; gives how many.
 */
async function forgetDaysHolding(
  cache: CacheConnection,
  condition: string,
  { andNext = false }: { andNext?: boolean } = {},
): Promise<number> {
  await cache.connection.run(
    `CREATE OR REPLACE TEMP TABLE forgotten_days AS SELECT DISTINCT source, day FROM activity WHERE ${condition}`,
  );
  if (andNext)
    await cache.connection.run(
      // The days after, when read (a day without logs holds nothing to forget).
      `INSERT INTO forgotten_days SELECT DISTINCT c.source, c.day FROM forgotten_days AS f JOIN coverage AS c ON c.source = f.source AND c.day = strftime(CAST(f.day AS DATE) + 1, '%Y-%m-%d') EXCEPT SELECT source, day FROM forgotten_days`,
    );
  for (const table of DAY_TABLES)
    await cache.connection.run(
      `DELETE FROM ${table} WHERE EXISTS (SELECT 1 FROM forgotten_days AS f WHERE f.source = ${table}.source AND f.day = ${table}.day)`,
    );
  const days = Number(
    (await cache.connection.runAndReadAll('SELECT count(*) FROM forgotten_days')).getRowsJS()[0]?.[0] ?? 0,
  );
  await cache.connection.run('DROP TABLE forgotten_days');
  return days;
}

/** Whether the cache's main schema holds a table of that name. */
async function hasTable(cache: CacheConnection, name: string): Promise<boolean> {
  const found = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
       WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ${name}`.execute(
    cache.db,
  );
  return found.rows.length > 0;
}

/**
 * Whether an open DuckDB database is an iamtrail cache: its `meta` table (key, value) carries
 * {@link CACHE_MARKER}, or it is a cache of schema 1 to 3 written before the marker (a `meta` table
 * of only `schema_version` and `created_at`, and exactly the tables of that version). Reads only.
 */
export async function isOwnCache(connection: DuckDBConnection): Promise<boolean> {
  // table_info, not duckdb_columns(): that one lists every column of the catalog, system views
  // included (30-60 ms on each open).
  let columns: unknown[][];
  try {
    columns = (await connection.runAndReadAll("PRAGMA table_info('main.meta')")).getRowsJS();
  } catch (error) {
    if (/^Catalog Error/.test(messageOf(error))) return false;
    throw error;
  }
  if (
    JSON.stringify(columns.map(([, name, type]) => [name, type])) !==
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
 * Refuses a cache file that holds a view or a macro: iamtrail creates neither, and DuckDB would run
 * them with the process's rights (a view over `read_text('~/.aws/credentials')` named like a cache
 * table, a macro shadowing a built-in function its queries call), whose rows `serve` would hand to
 * any client. The file is only a file: one altered so is not read at all. Reads only.
 */
export async function refuseForeignObjects(connection: DuckDBConnection, path: string): Promise<void> {
  const found = (
    await connection.runAndReadAll(
      `SELECT 'view ' || view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
       UNION ALL
       SELECT 'macro ' || function_name FROM duckdb_functions()
         WHERE database_name = current_database() AND NOT internal AND function_type IN ('macro', 'table_macro')
       ORDER BY 1`,
    )
  ).getRowsJS() as [string][];
  if (found.length > 0)
    throw new EngineError(
      `the cache ${path} holds ${found.map(([name]) => name).join(', ')}, which iamtrail never creates: the file was altered, and iamtrail does not read it`,
      {
        suggestions: [
          `Delete ${path} (the next run reads the logs again), or pass --cache OTHER_PATH or --no-cache`,
        ],
      },
    );
}

/**
 * How many boundary snapshots, and how many Athena ledger entries (objects and queries), an open
 * DuckDB database holds (0 without the tables): what `cache clear --force` keeps unless told
 * otherwise. Reads only.
 */
export async function countKeptRecords(
  connection: DuckDBConnection,
): Promise<{ boundarySnapshots: number; athenaLedger: number }> {
  const tables = await connection.runAndReadAll(
    `SELECT table_name FROM duckdb_tables()
       WHERE database_name = current_database() AND schema_name = 'main'
         AND table_name IN ('boundary_snapshots', 'athena_resources', 'athena_queries')`,
  );
  const present = new Set(tables.getRowsJS().map(([name]) => name));
  // Table names are the constants above.
  const count = async (table: string): Promise<number> =>
    present.has(table)
      ? Number((await connection.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRowsJS()[0]?.[0] ?? 0)
      : 0;
  return {
    boundarySnapshots: await count('boundary_snapshots'),
    athenaLedger: (await count('athena_resources')) + (await count('athena_queries')),
  };
}
