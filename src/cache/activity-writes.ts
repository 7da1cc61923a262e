import { BIGINT, BOOLEAN, LIST, VARCHAR, listValue } from '@duckdb/node-api';

import { duckDbFilePattern } from '../engines/duckdb/duckdb-sql.js';
import type { SkippedFile } from '../engines/engine.js';
import type { ActivityRow, DayCoverage } from '../trail/activity-summary.js';
import { CROSS_ACCOUNT_TYPE } from '../trail/assume-role-events.js';
import type { IamChangeRow } from '../trail/iam-changes.js';
import type { ResourceUsageRow } from '../trail/resource-usage.js';
import type { CacheConnection } from './cache-connection.js';
import {
  ACCOUNT_EVENTS_COLUMNS,
  ACTOR_DAY_KEYS,
  ACTOR_DAYS_COLUMNS,
  actorKey,
  DAY_TABLES,
} from './cache-schema.js';
import type { CacheDatabase } from './cache-schema.js';
import { accountOfLogPath, dayOfLogPath } from './log-paths.js';

/** The columns of the summary query that only its IAM change rows fill (`ChangeColumns`). */
const CHANGE_COLUMNS =
  'event_id, source_ip, user_name, role_name, group_name, access_key_id, policy_arn, policy_name, key_status, created_key_id, error_code';

/**
 * The activity rows of a summary an engine spilled to Parquet (the file is the parameter named by
 * `placeholder`); its coverage rows (`actor_arn` null) come separately, as the engine's `coverage`.
 */
const activityOfSpill = (placeholder: '$1' | '$2'): string =>
  `SELECT * EXCLUDE (log_files, ${CHANGE_COLUMNS}, kind, resource) FROM read_parquet(${placeholder}) WHERE actor_arn IS NOT NULL AND event_id IS NULL AND resource IS NULL`;

/** The resource rows of a spilled summary, with the `resource_usage` table's column names. */
const resourcesOfSpill = (placeholder: '$1' | '$2'): string =>
  `SELECT account_id, day, actor_arn, event_source, event_name, kind, resource, calls FROM read_parquet(${placeholder}) WHERE resource IS NOT NULL`;

/** The IAM change rows of a spilled summary, with the `iam_changes` table's column names. */
const changesOfSpill = (placeholder: '$1' | '$2'): string =>
  `SELECT account_id, day, first_seen AS event_time, event_name, actor_arn, actor_type, caller_arn, outcome, ${CHANGE_COLUMNS} FROM read_parquet(${placeholder}) WHERE event_id IS NOT NULL`;

/**
 * The order a transaction's activity and actors' days are stored in: an actor's rows together, an
 * account's actors together (`actor_key`, see `actorKey`). A question about one principal, or one
 * account, then reads a few of the table's blocks instead of all of them: DuckDB skips the row
 * groups and vectors whose key range cannot hold the key asked for (docs/benchmarks.md).
 */
const STORED_ORDER = 'actor_key, day';

/** Which days {@link clearDays} removes; both filters together narrow the set. */
export interface CacheClearFilter {
  /** Only the days loaded for this account (whose logs hold its records). */
  readonly accountId?: string;
  /** Only days before this day. */
  readonly before?: string;
}

/** How `writeDays` commits. */
export interface WriteCommits {
  /** Rows a transaction takes before the next day goes into a new one (default 4,000,000). */
  readonly rowsPerTransaction?: number;
  /** Test seam: runs inside each transaction, before its commit. */
  readonly beforeCommit?: () => Promise<void>;
}

// An actor's rows lie together within a transaction (STORED_ORDER): the more days a transaction
// holds, the fewer places a question reads them from (docs/benchmarks.md). The rows to write are
// staged whatever the grouping (the temporary `incoming`); a transaction's own cost is its
// INSERT's sort, which DuckDB spills past its memory limit. 4,000,000: the 20M bench window's
// 2,987,122 rows in one transaction, one sorted run, instead of three.
const ROWS_PER_TRANSACTION = 4_000_000;
/** Days a transaction marks at most (their coverage rows go in as one statement's bound lists). */
const DAYS_PER_TRANSACTION = 1000;

/**
 * The days to write, in order, grouped into transactions of whole days: a group takes the next
 * day unless the group has rows and that day's would take it past `rowsPerTransaction` (a day
 * alone may pass it; a day without rows always fits), or it holds `DAYS_PER_TRANSACTION` days.
 * Days without rows and without coverage are left out.
 */
export function transactionGroups(
  days: readonly string[],
  rowsOf: ReadonlyMap<string, number>,
  coverageOf: ReadonlyMap<string, readonly unknown[]>,
  rowsPerTransaction: number = ROWS_PER_TRANSACTION,
): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let rows = 0;
  for (const day of days) {
    const count = rowsOf.get(day) ?? 0;
    if (count === 0 && (coverageOf.get(day)?.length ?? 0) === 0) continue;
    const full = count > 0 && rows > 0 && rows + count > rowsPerTransaction;
    if (group.length > 0 && (full || group.length >= DAYS_PER_TRANSACTION)) {
      groups.push(group);
      group = [];
      rows = 0;
    }
    group.push(day);
    rows += count;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The types of the coverage insert's parameters (see `insertCoverage` in {@link writeDays}). */
const COVERAGE_TYPES = [VARCHAR, LIST(VARCHAR), LIST(VARCHAR), VARCHAR, LIST(BIGINT), BOOLEAN];

/**
 * The in-memory stores {@link writeDays} has written to (or begun to): only it writes their days'
 * tables, so one not in here holds no day of any source.
 */
const writtenStores = new WeakSet<CacheConnection>();

/**
 * Replaces `days` of a source with what one engine load returned: its activity `rows`, IAM
 * `changes` and `resources` (or the rows of a Parquet file the engine spilled them to) and its
 * `coverage`, which
 * marks each day
 * loaded for the accounts whose records its logs held, and for no other (see
 * `missingDays` in cache-coverage.ts). Whatever the days held before is forgotten first (one
 * transaction); then whole days are written, each day's rows with its coverage, in as few
 * transactions as `commits.rowsPerTransaction` allows (a day is never split; a commit costs the
 * disk a sync). A killed process leaves every day complete or absent. `commits.beforeCommit` is
 * a test seam to hold a transaction open. `resourcesRead`: the engine read the days' resources
 * (`resources` holds all of them), which the coverage remembers. `actorsOnly`: the rows are those
 * of a per-actor summary (`SummaryRequest.actorsOnly`: every event `*`), which answer only what
 * the actors' days do; only those are written, and only into an in-memory store (a file would
 * keep them for questions they cannot answer).
 */
export async function writeDays(
  cache: CacheConnection,
  source: string,
  days: readonly string[],
  rows: readonly ActivityRow[] | { readonly file: string },
  coverage: readonly DayCoverage[],
  commits: WriteCommits = {},
  skipped: readonly SkippedFile[] = [],
  changes: readonly IamChangeRow[] = [],
  resources: readonly ResourceUsageRow[] = [],
  resourcesRead = false,
  actorsOnly = false,
): Promise<void> {
  if (actorsOnly && cache.path !== ':memory:')
    throw new Error('the rows of a per-actor summary go into an in-memory store only');
  const skippedRows = skipped.map((entry) => ({
    source,
    day: dayOfLogPath(entry.file) ?? days[0] ?? '',
    account_id: accountOfLogPath(entry.file) ?? null,
    file: entry.file,
    reason: entry.reason,
  }));
  // A skipped file is filed under the day of its path, which may lie outside `days` (the day
  // before the window, read for its AssumeRole calls): its earlier row goes, not only the days'.
  const insertSkipped = async (): Promise<void> => {
    if (skippedRows.length === 0) return;
    await cache.db
      .deleteFrom('skipped_files')
      .where('source', '=', source)
      .where(
        'file',
        'in',
        skippedRows.map((row) => row.file),
      )
      .execute();
    await cache.db.insertInto('skipped_files').values(skippedRows).execute();
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
      resources: resourcesRead,
    });
  }
  // One statement, its columns bound as lists (unnested side by side, row i of each together): a
  // row of six parameters per account and day took 15-23 ms for a month of five accounts, the
  // lists 3-7 ms (docs/benchmarks.md). The types are given, not guessed from a list's first value.
  // No entry, no statement: DuckDB cannot type an empty list.
  const insertCoverage = async (entries: readonly CacheDatabase['coverage'][]): Promise<void> => {
    if (entries.length === 0) return;
    await cache.connection.run(
      'INSERT INTO coverage BY NAME SELECT $1 AS source, unnest($2) AS account_id, unnest($3) AS day, $4 AS loaded_at, unnest($5) AS files, $6 AS resources',
      [
        source,
        listValue(entries.map((entry) => entry.account_id)),
        listValue(entries.map((entry) => entry.day)),
        loadedAt,
        listValue(entries.map((entry) => entry.files)),
        resourcesRead,
      ],
      COVERAGE_TYPES,
    );
  };
  // The activity rows, keyed, in a temporary table (`incoming`) from which each transaction takes
  // its days: spilled rows go from Parquet to it inside DuckDB, never through JavaScript.
  // A per-actor summary's file goes straight into the store (see insertDays): nothing to stage.
  const staged = !(actorsOnly && 'file' in rows);
  if (staged) await stageActivity(cache, rows);
  if (staged && 'file' in rows) {
    await cache.connection.run(`CREATE OR REPLACE TEMP TABLE incoming_changes AS ${changesOfSpill('$1')}`, [
      duckDbFilePattern(rows.file),
    ]);
    await cache.connection.run(
      `CREATE OR REPLACE TEMP TABLE incoming_resources AS ${resourcesOfSpill('$1')}`,
      [duckDbFilePattern(rows.file)],
    );
  }
  try {
    if (cache.path === ':memory:') {
      // Nothing of an in-memory store outlives the process: one transaction for every day. One
      // that no load has written to yet holds nothing to forget (the check took 12-16 ms).
      const written = writtenStores.has(cache);
      writtenStores.add(cache);
      await cache.transaction(async () => {
        if (written && (await holdsSource(cache, source))) await forgetDays(cache, source, days);
        await insertSkipped();
        await insertDays(cache, source, days, rows, changes, resources, actorsOnly);
        await insertCoverage([...coverageOf.values()].flat());
      });
      return;
    }
    // A day with IAM changes or resources has activity too (each is of a call): counting the
    // activity and changes is enough.
    const perDay = await cache.connection.runAndReadAll(
      `SELECT day, count(*)::INTEGER FROM (SELECT day FROM incoming${
        'file' in rows ? ' UNION ALL SELECT day FROM incoming_changes' : ''
      }) GROUP BY day`,
    );
    for (const [day, count] of perDay.getRowsJS() as [string, number][])
      if (counts.has(day)) counts.set(day, count);
    if (!('file' in rows))
      for (const change of changes)
        if (counts.has(change.day)) counts.set(change.day, (counts.get(change.day) ?? 0) + 1);
    // Forget the days first, in one transaction: a day is then absent until the transaction of its
    // group commits it whole (deleting per day scanned the activity table once per day).
    await cache.transaction(async () => {
      await forgetDays(cache, source, days);
      await insertSkipped();
    });
    // Days without coverage are not marked at all. Days with logs but no activity row (only AWS
    // services' calls) hold only their coverage.
    const beforeCommit = commits.beforeCommit ?? (() => Promise.resolve());
    for (const group of transactionGroups(days, counts, coverageOf, commits.rowsPerTransaction)) {
      await cache.transaction(async () => {
        const withRows = group.filter((day) => (counts.get(day) ?? 0) > 0);
        if (withRows.length > 0) await insertDays(cache, source, withRows, rows, changes, resources);
        await insertCoverage(group.flatMap((day) => coverageOf.get(day) ?? []));
        await beforeCommit();
      });
    }
  } finally {
    await cache.connection.run('DROP TABLE IF EXISTS incoming');
    await cache.connection.run('DROP TABLE IF EXISTS incoming_changes');
    await cache.connection.run('DROP TABLE IF EXISTS incoming_resources');
  }
}

/**
 * The activity rows of a load, keyed (`actorKey`), into the temporary table `incoming`: from the
 * Parquet file an engine spilled them to, or appended from JavaScript.
 */
async function stageActivity(
  cache: CacheConnection,
  rows: readonly ActivityRow[] | { readonly file: string },
): Promise<void> {
  if ('file' in rows) {
    await cache.connection.run(
      `CREATE OR REPLACE TEMP TABLE incoming AS SELECT *, ${actorKey('actor_arn')} AS actor_key FROM (${activityOfSpill('$1')})`,
      [duckDbFilePattern(rows.file)],
    );
    return;
  }
  await cache.connection.run(
    'CREATE OR REPLACE TEMP TABLE incoming_rows AS SELECT * EXCLUDE (source, actor_key) FROM activity LIMIT 0',
  );
  const appender = await cache.connection.createAppender('incoming_rows', 'main', 'temp');
  for (const row of rows) {
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
    if (row.assumedRoleArn === null) appender.appendNull();
    else appender.appendVarchar(row.assumedRoleArn);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  await cache.connection.run(
    `CREATE OR REPLACE TEMP TABLE incoming AS SELECT *, ${actorKey('actor_arn')} AS actor_key FROM incoming_rows`,
  );
  await cache.connection.run('DROP TABLE incoming_rows');
}

/**
 * Writes the rows of whole days (in the caller's transaction): their activity from `incoming`, in
 * {@link STORED_ORDER}, rolled up into the actors' days and the accounts' events (with
 * `actorsOnly`, the actors' days alone); their IAM changes and resources from the spill's
 * temporary tables, or from JavaScript.
 */
async function insertDays(
  cache: CacheConnection,
  source: string,
  days: readonly string[],
  rows: readonly ActivityRow[] | { readonly file: string },
  changes: readonly IamChangeRow[],
  resources: readonly ResourceUsageRow[],
  actorsOnly = false,
): Promise<void> {
  // One statement a table for the transaction's days (a list bound as a value).
  const list = listValue([...days]);
  if (actorsOnly && 'file' in rows) {
    // The actors' days of a per-actor summary's file, straight from it: one row per actor day
    // already (the summary groups by them, its events all ANY_EVENT), no order to keep (only an
    // in-memory store takes them), no change nor resource.
    await cache.connection.run(
      `INSERT INTO actor_days BY NAME SELECT $1 AS source, ${ACTOR_DAY_KEYS}, calls, first_seen, last_seen, ${actorKey('actor_arn')} AS actor_key FROM read_parquet($2) WHERE actor_arn IS NOT NULL AND list_contains($3, day)`,
      [source, duckDbFilePattern(rows.file), list],
    );
    return;
  }
  if (!actorsOnly)
    await cache.connection.run(
      `INSERT INTO activity BY NAME SELECT $1 AS source, * FROM incoming WHERE list_contains($2, day) ORDER BY ${STORED_ORDER}`,
      [source, list],
    );
  await cache.connection.run(
    `INSERT INTO actor_days BY NAME SELECT $1 AS source, * FROM (SELECT ${ACTOR_DAYS_COLUMNS} FROM incoming WHERE list_contains($2, day) GROUP BY ALL) ORDER BY ${STORED_ORDER}`,
    [source, list],
  );
  if (!actorsOnly) {
    await cache.connection.run(
      `INSERT INTO account_events BY NAME SELECT DISTINCT $1 AS source, ${ACCOUNT_EVENTS_COLUMNS} FROM incoming WHERE list_contains($2, day) ORDER BY ALL`,
      [source, list],
    );
    await cache.connection.run(
      // Each call once: a day is read for every account at once. A call across accounts is logged
      // in both: by the same actor (the count of the account that logged the most of them), or,
      // in the role's account, as `AWSAccount:<caller's account>` (an actor of its own): those
      // count only beyond the calls the caller's account's actors are read making that day.
      `INSERT INTO role_assumptions BY NAME
       WITH per_account AS (SELECT account_id, day, actor_arn, caller_arn, assumed_role_arn AS role_arn, sum(calls) AS calls, max(last_seen) AS last_seen FROM incoming WHERE list_contains($2, day) AND assumed_role_arn IS NOT NULL GROUP BY ALL),
       assumed AS (SELECT day, actor_arn, caller_arn, role_arn, max(calls) AS calls, max(last_seen) AS last_seen FROM per_account GROUP BY day, actor_arn, caller_arn, role_arn),
       named AS (SELECT day, role_arn, split_part(actor_arn, ':', 5) AS caller_account, sum(calls) AS calls FROM assumed WHERE NOT starts_with(actor_arn, $3) GROUP BY ALL)
       SELECT $1 AS source, a.day, a.actor_arn, a.caller_arn, a.role_arn, a.calls - coalesce(n.calls, 0) AS calls, a.last_seen
       FROM assumed AS a LEFT JOIN named AS n ON starts_with(a.actor_arn, $3) AND n.day = a.day AND n.role_arn = a.role_arn AND n.caller_account = substr(a.actor_arn, length($3) + 1)
       WHERE a.calls > coalesce(n.calls, 0) ORDER BY ALL`,
      [source, list, `${CROSS_ACCOUNT_TYPE}:`],
    );
  }
  if ('file' in rows) {
    await cache.connection.run(
      `INSERT INTO iam_changes BY NAME SELECT $1 AS source, * FROM incoming_changes WHERE list_contains($2, day)`,
      [source, list],
    );
    await cache.connection.run(
      `INSERT INTO resource_usage BY NAME SELECT $1 AS source, * FROM incoming_resources WHERE list_contains($2, day)`,
      [source, list],
    );
    return;
  }
  const inDays = new Set(days);
  await appendChanges(
    cache,
    source,
    changes.filter((change) => inDays.has(change.day)),
  );
  await appendResources(
    cache,
    source,
    resources.filter((resource) => inDays.has(resource.day)),
  );
}

/**
 * Removes cached days. With `before`, the days before it; with `accountId`, the days loaded for
 * that account. A day is removed whole, with its rows and coverage for every account (one load
 * wrote them together), so the next run that needs it reads it again.
 */
export async function clearDays(
  cache: CacheConnection,
  filter: CacheClearFilter = {},
): Promise<{ rows: number; days: number }> {
  return cache.transaction(async () => {
    let days = cache.db.selectFrom('coverage').select(['source', 'day']).distinct();
    if (filter.before !== undefined) days = days.where('day', '<', filter.before);
    if (filter.accountId !== undefined) days = days.where('account_id', '=', filter.accountId);
    const affected = await days.execute();
    let rows = 0;
    for (const day of affected) {
      const removed = await cache.db
        .deleteFrom('activity')
        .where('source', '=', day.source)
        .where('day', '=', day.day)
        .executeTakeFirst();
      rows += Number(removed.numDeletedRows);
      for (const table of ['actor_days', 'account_events', 'role_assumptions', 'iam_changes'] as const)
        await cache.db
          .deleteFrom(table)
          .where('source', '=', day.source)
          .where('day', '=', day.day)
          .execute();
      await cache.db
        .deleteFrom('resource_usage')
        .where('source', '=', day.source)
        .where('day', '=', day.day)
        .execute();
      await cache.db
        .deleteFrom('coverage')
        .where('source', '=', day.source)
        .where('day', '=', day.day)
        .execute();
    }
    return { rows, days: affected.length };
  });
}

async function forgetDays(cache: CacheConnection, source: string, days: readonly string[]): Promise<void> {
  for (let index = 0; index < days.length; index += 1000) {
    const chunk = days.slice(index, index + 1000);
    for (const table of DAY_TABLES)
      await cache.db.deleteFrom(table).where('source', '=', source).where('day', 'in', chunk).execute();
  }
}

/**
 * Whether any table of {@link DAY_TABLES} holds a row of the source: one statement, where
 * forgetting days runs one per table (~12 ms for an in-memory store's first load, which holds none).
 */
async function holdsSource(cache: CacheConnection, source: string): Promise<boolean> {
  // Table names are the constants below.
  const reader = await cache.connection.runAndReadAll(
    `SELECT ${DAY_TABLES.map((table) => `EXISTS (SELECT 1 FROM ${table} WHERE source = $1)`).join(' OR ')}`,
    [source],
  );
  return reader.getRows()[0]?.[0] === true;
}

async function appendChanges(
  cache: CacheConnection,
  source: string,
  changes: readonly IamChangeRow[],
): Promise<void> {
  if (changes.length === 0) return;
  const appender = await cache.connection.createAppender('iam_changes');
  const text = (value: string | null): void => {
    if (value === null) appender.appendNull();
    else appender.appendVarchar(value);
  };
  // In the table's column order (sql/cache-schema.sql).
  for (const change of changes) {
    for (const value of [
      source,
      change.accountId,
      change.day,
      change.eventTime,
      change.eventId,
      change.eventName,
      change.actorArn,
      change.actorType,
      change.callerArn,
      change.sourceIp,
      change.userName,
      change.roleName,
      change.groupName,
      change.accessKeyId,
      change.policyArn,
      change.policyName,
      change.status,
      change.createdAccessKeyId,
      change.outcome,
      change.errorCode,
    ])
      text(value);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

async function appendResources(
  cache: CacheConnection,
  source: string,
  resources: readonly ResourceUsageRow[],
): Promise<void> {
  if (resources.length === 0) return;
  const appender = await cache.connection.createAppender('resource_usage');
  // In the table's column order (sql/cache-schema.sql).
  for (const resource of resources) {
    for (const value of [
      source,
      resource.accountId,
      resource.day,
      resource.actorArn,
      resource.eventSource,
      resource.eventName,
      resource.kind,
      resource.resource,
    ])
      appender.appendVarchar(value);
    appender.appendBigInt(BigInt(resource.calls));
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}
