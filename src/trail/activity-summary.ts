import { sql } from 'kysely';
import type { CompiledQuery, Kysely, QueryCreator, RawBuilder } from 'kysely';

import { outcomeSql } from './call-outcome.js';
import type { Outcome } from './call-outcome.js';
import type { CloudTrailDatabase } from './cloudtrail-relation.js';
import { identityField } from './cloudtrail-relation.js';
import { ASSUME_ROLE_EVENTS, CROSS_ACCOUNT_TYPE } from './assume-role-events.js';
import { IAM_CHANGE_EVENTS } from './iam-changes.js';
import type { IamChangeEventName, IamChangeRow } from './iam-changes.js';
import { RESOURCE_USE_COLUMNS, resourceUseColumnsSql, resourceUsesSql } from './resource-extraction.js';
import type { ListDialect, ResourceUseColumn } from './resource-extraction.js';
import type { ResourceUsageRow, ResourceUseKind } from './resource-usage.js';
import { addDays, isUtcDay } from './utc-days.js';

/**
 * One row of the activity summary: the contract between engines and everything else. Engines
 * aggregate CloudTrail events into these rows; nothing downstream sees raw events.
 */
export interface ActivityRow {
  /** Account the call was made in (`recipientAccountId`). */
  readonly accountId: string;
  /** UTC day of `eventTime`, `YYYY-MM-DD`. */
  readonly day: string;
  /** The IAM user, the role (the session issuer of an `AssumedRole` session), root, ... */
  readonly actorArn: string;
  /** `userIdentity.type`: `IAMUser`, `AssumedRole`, `Root`, `FederatedUser`, ... */
  readonly actorType: string;
  /**
   * For a role session, who opened it: the first identity of the chain of AssumeRole calls that
   * the logs hold (an ARN; an AWS service's name such as `ec2.amazonaws.com`; `SAMLUser:name` or
   * `WebIdentityUser:name`), else the session's `sourceIdentity`; `null` when unknown.
   */
  readonly callerArn: string | null;
  /** For a chain of roles, the role whose session assumed this one (the caller's last hop). */
  readonly viaArn: string | null;
  readonly eventSource: string;
  readonly eventName: string;
  /** How the calls ended (see {@link Outcome}): only `ok` calls are use. */
  readonly outcome: Outcome;
  readonly calls: number;
  /** Earliest and latest `eventTime` of the group, ISO-8601. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /**
   * For the successful calls of {@link ASSUME_ROLE_EVENTS}, the role they assumed (their
   * `requestParameters.roleArn`, when it is a role's ARN): what shows a role assumed even when its
   * session made no call the trail logs. Null for every other call.
   */
  readonly assumedRoleArn: string | null;
}

/**
 * Log files that hold records of one account on one UTC day, the account and the day taken as the
 * activity rows take them (`recipientAccountId`, the day of `eventTime`), not from the file's path:
 * a file delivered after midnight counts for the day its records are of, and a file whose path
 * names one account but whose records are another's counts for the records' account. An (account,
 * day) without any is a day without logs for that account, never a day without activity.
 */
export interface DayCoverage {
  readonly accountId: string;
  readonly day: string;
  /** Distinct log files holding at least one record of the account on the day. */
  readonly files: number;
}

/** Column names of an activity row of the summary query's result (and of the cache's table). */
export interface ActivitySummaryRecord {
  account_id: string;
  day: string;
  actor_arn: string;
  actor_type: string;
  caller_arn: string | null;
  via_arn: string | null;
  event_source: string;
  event_name: string;
  outcome: Outcome;
  calls: number;
  first_seen: string;
  last_seen: string;
  assumed_role_arn: string | null;
}

/**
 * The columns of an IAM change (see {@link IamChangeRow}) that the summary query adds to its
 * records and stages: all null but on the records of an IAM change event.
 */
export interface ChangeColumns {
  event_id: string | null;
  source_ip: string | null;
  user_name: string | null;
  role_name: string | null;
  group_name: string | null;
  access_key_id: string | null;
  policy_arn: string | null;
  policy_name: string | null;
  key_status: string | null;
  created_key_id: string | null;
  error_code: string | null;
}

/**
 * The columns of a resource use (see {@link ResourceUsageRow}) that the summary query adds to its
 * records: both null but on a resource use record.
 */
export interface ResourceUseColumns {
  kind: ResourceUseKind | null;
  resource: string | null;
}

/**
 * A record of the summary query's result: an activity row (`log_files` 0, `event_id` and
 * `resource` null); the coverage of one (account, day), whose `actor_arn` (and every other key but
 * `account_id` and `day`) is null and whose `log_files` counts the files holding records of it
 * (see {@link DayCoverage}); an IAM change event, one record per `event_id` (its `first_seen` is
 * the event's time, see {@link toIamChangeRow}); or a resource that the successful calls of an
 * (account, day, actor, event) used, `kind` and `resource` set (see {@link toResourceUsageRow}),
 * whose keys but those and `account_id`, `day`, `actor_arn`, `event_source`, `event_name` are
 * null.
 */
export type SummaryRecord = Omit<ActivitySummaryRecord, 'actor_arn'> &
  ChangeColumns &
  ResourceUseColumns & {
    actor_arn: string | null;
    /** A number from Athena, a bigint (BIGINT) from DuckDB. */
    log_files: number | bigint;
  };

/** The DuckDB types a column of the summary query's result may have. */
export const SUMMARY_COLUMN_TYPES = ['VARCHAR', 'BIGINT'] as const;
/** One of {@link SUMMARY_COLUMN_TYPES}. */
export type SummaryColumnType = (typeof SUMMARY_COLUMN_TYPES)[number];

/**
 * The summary query's result columns (every key of {@link SummaryRecord}) and their DuckDB types:
 * the one contract a result read from a file is checked against (Athena's result object, see
 * `engines/athena/athena-results.ts`). A column added to the query is added here, in the query's
 * order; the type checker refuses a key that {@link SummaryRecord} lacks or misses one it has.
 */
export const SUMMARY_RESULT_COLUMNS = {
  account_id: 'VARCHAR',
  day: 'VARCHAR',
  actor_arn: 'VARCHAR',
  actor_type: 'VARCHAR',
  caller_arn: 'VARCHAR',
  via_arn: 'VARCHAR',
  event_source: 'VARCHAR',
  event_name: 'VARCHAR',
  outcome: 'VARCHAR',
  assumed_role_arn: 'VARCHAR',
  calls: 'BIGINT',
  first_seen: 'VARCHAR',
  last_seen: 'VARCHAR',
  log_files: 'BIGINT',
  event_id: 'VARCHAR',
  source_ip: 'VARCHAR',
  user_name: 'VARCHAR',
  role_name: 'VARCHAR',
  group_name: 'VARCHAR',
  access_key_id: 'VARCHAR',
  policy_arn: 'VARCHAR',
  policy_name: 'VARCHAR',
  key_status: 'VARCHAR',
  created_key_id: 'VARCHAR',
  error_code: 'VARCHAR',
  kind: 'VARCHAR',
  resource: 'VARCHAR',
} as const satisfies Record<keyof SummaryRecord, SummaryColumnType>;

/**
 * A row of the first, per-session stage of the summary (see {@link buildStageQuery}): activity
 * grouped by role session (`session_key`), each IAM change event in a group of its own (its
 * {@link ChangeColumns} set, null for every other event), an AssumeRole call that issued credentials
 * (`issued_key`), a file holding records of an (account, day) (`log_path`, for the coverage), or
 * with `perFile` a log file read (`log_file`). Columns of the other kinds are null.
 */
export interface StagedRecord extends ChangeColumns {
  account_id: string | null;
  day: string | null;
  actor_arn: string | null;
  actor_type: string | null;
  session_key: string | null;
  source_identity: string | null;
  event_source: string | null;
  event_name: string | null;
  outcome: Outcome | null;
  /** See `ActivityRow.assumedRoleArn`: a key of the activity grouping, null but on those calls. */
  assumed_role_arn: string | null;
  issued_key: string | null;
  assumer_arn: string | null;
  assumer_type: string | null;
  assumer_key: string | null;
  log_file: string | null;
  has_records: boolean | null;
  log_path: string | null;
  /**
   * The resources a successful call used (see `RESOURCE_USE_COLUMNS`), keys of the activity
   * grouping: calls of one actor and event with the same resources are one row. Null for every
   * other row, and for calls that used none the logs name.
   */
  res_arns: string[] | null;
  res_target: string | null;
  res_role: string | null;
  res_second_role: string | null;
  res_copy_source: string | null;
  res_copy_version: string | null;
  calls: number;
  first_seen: string | null;
  last_seen: string | null;
}

/** A database holding the staged rows: DuckDB's temporary table, or a CTE of the whole query. */
export interface StagedDatabase {
  staged: StagedRecord;
}

/** A built summary query: compile it (Athena) or execute it (DuckDB through kysely). */
export interface SummaryQuery {
  compile(): CompiledQuery<SummaryRecord>;
  execute(): Promise<SummaryRecord[]>;
}

/** Inputs of {@link buildActivitySummaryQuery}. */
export interface ActivitySummaryOptions {
  /** First UTC day, `YYYY-MM-DD`, inclusive. */
  readonly startDay: string;
  /** Last UTC day, `YYYY-MM-DD`, inclusive. */
  readonly endDay: string;
  /** Restrict to these accounts (validated 12-digit ids); absent or empty: all. */
  readonly accountIds?: readonly string[];
  /**
   * Also stage one row per log file (`log_file` set) saying whether the file held a `Records`
   * list, computed in the same pass. Needs a relation with a `has_records` column and one row per
   * file whose `eventtime` is null (DuckDB's; see `engines/duckdb/duckdb-sql.ts`).
   */
  readonly perFile?: boolean;
  /**
   * The relation is Athena's projected table: add predicates on its `date` (`yyyy/MM/dd`, from
   * the look-back day through the day after the window, where late deliveries land) and
   * `account` partitions. They are literals, validated here, because injected projection accepts
   * nothing else.
   */
  readonly partitions?: boolean;
  /**
   * The dialect the query is compiled for, where list functions differ (see `ListDialect`):
   * `trino` (Athena, the default) or `duckdb`.
   */
  readonly lists?: ListDialect;
  /**
   * Also read the resources of the successful calls (`kind`/`resource` rows; see
   * `trail/resource-extraction.ts`). Only `policy generate` and `boundary` need them, and they
   * cost the most of the summary's work per event: without, the resource columns are null and the
   * query has no resource rows.
   */
  readonly resources?: boolean;
  /**
   * Only what a per-actor rollup reads (`--list users`): each actor's calls per account, day and
   * outcome. The events keep no role session, `sourceIdentity` or issued credentials (every
   * caller is null), no event source or name (both {@link ANY_EVENT}) and no IAM change, so the
   * stage groups a few rows per actor and day instead of a few per session and event. The
   * coverage and the files read are the same. Only for a summary nothing keeps.
   */
  readonly actorsOnly?: boolean;
}

/** A per-file row of the stage query (see {@link ActivitySummaryOptions.perFile}). */
export interface LogFileRecord {
  readonly log_file: string;
  readonly has_records: boolean;
}

/** Role sessions seen in a summary, and how many of them have a known caller. */
export interface SessionStats {
  readonly sessions: number;
  readonly attributed: number;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * How many AssumeRole hops are followed back from a session to the identity that began the chain.
 * Role chaining is rare beyond two hops; the bound keeps the query's joins fixed.
 */
export const MAX_CHAIN_DEPTH = 5;

/**
 * The days before the window read for AssumeRole calls only: a role session lasts at most 12
 * hours, so a session active in the window was opened on its first day or the day before.
 */
export const LOOKBACK_DAYS = 1;

/**
 * The event source and name of the rows of a per-actor summary
 * ({@link ActivitySummaryOptions.actorsOnly}): any event. Never an event's own (CloudTrail's are
 * a host name and a name in letters).
 */
export const ANY_EVENT = '*';

const ACTIVITY_KEYS = [
  'account_id',
  'day',
  'actor_arn',
  'actor_type',
  'session_key',
  'source_identity',
  'event_source',
  'event_name',
  'outcome',
  'assumed_role_arn',
] as const;
/**
 * The columns of an IAM change event: part of the activity grouping set, where they are null for
 * every other event (so the groups of those are what they would be without them), and of a
 * grouping set of their own in the resolve stage.
 */
const CHANGE_KEYS = [
  'event_id',
  'source_ip',
  'user_name',
  'role_name',
  'group_name',
  'access_key_id',
  'policy_arn',
  'policy_name',
  'key_status',
  'created_key_id',
  'error_code',
] as const satisfies readonly (keyof ChangeColumns)[];
const ASSUMPTION_KEYS = ['issued_key', 'assumer_arn', 'assumer_type', 'assumer_key'] as const;
/**
 * The keys of a resource use in the resolve stage: null but on the rows of a resource a call
 * used, so that the grouping set of these keys groups every other row into one group.
 */
const USE_KEYS = [
  'use_account_id',
  'use_day',
  'use_actor_arn',
  'use_event_source',
  'use_event_name',
] as const;
/** A file holding records of an account on a day of the window (look-back events have no day). */
const COVERAGE_KEYS = ['account_id', 'day', 'log_path'] as const;
/** The columns a summary row is grouped by (and the cache's activity rows keyed by, with `source`). */
export const SUMMARY_KEYS = [
  'account_id',
  'day',
  'actor_arn',
  'actor_type',
  'caller_arn',
  'via_arn',
  'event_source',
  'event_name',
  'outcome',
  'assumed_role_arn',
] as const;

/** The keys of a summary row a per-actor summary never has: null in each of its rows. */
const NOT_PER_ACTOR: ReadonlySet<string> = new Set(['caller_arn', 'via_arn', 'assumed_role_arn']);

/**
 * The columns a per-actor summary ({@link ActivitySummaryOptions.actorsOnly}) spilled to a file
 * keeps of {@link SUMMARY_RESULT_COLUMNS}: the actors' days (their event source and name are
 * {@link ANY_EVENT}, and it has no IAM change nor resource) and the coverage (`log_files`). A
 * narrower file is a cheaper one to write: the others are null in every row.
 */
export const ACTOR_SUMMARY_COLUMNS: readonly (keyof typeof SUMMARY_RESULT_COLUMNS)[] = [
  ...SUMMARY_KEYS.filter(
    (key) => key !== 'event_source' && key !== 'event_name' && key !== 'assumed_role_arn',
  ),
  'calls',
  'first_seen',
  'last_seen',
  'log_files',
];

function checkOptions(options: ActivitySummaryOptions): void {
  if (options.actorsOnly === true && options.resources === true)
    throw new Error('a per-actor summary (actorsOnly) reads no resources');
  if (!isUtcDay(options.startDay) || !isUtcDay(options.endDay)) {
    throw new Error(`summary days must be YYYY-MM-DD, got ${options.startDay}..${options.endDay}`);
  }
  for (const account of options.accountIds ?? []) {
    if (!ACCOUNT_ID.test(account))
      throw new Error(`account ids must be 12 digits, got ${JSON.stringify(account)}`);
  }
}

/** The acting identity of an event: a role session's role, else the identity's own ARN. */
function actorArnSql(): RawBuilder<string> {
  return sql<string>`CASE WHEN ${identityField('type')} = 'AssumedRole' THEN ${identityField('sessioncontext', 'sessionissuer', 'arn')} ELSE ${identityField('arn')} END`;
}

/** The window's bounds as `eventTime` strings: its first instant, and the first after it. */
function windowBounds(options: ActivitySummaryOptions): { start: string; end: string } {
  return { start: `${options.startDay}T00:00:00Z`, end: `${addDays(options.endDay, 1)}T00:00:00Z` };
}

/**
 * The first stage over the `cloudtrail` relation: every event of the window (and the AssumeRole
 * calls of the look-back day) projected to the columns the summary needs, then grouped by role
 * session, by issued credentials, by (account, day, file) for the coverage and, with `perFile`,
 * by log file, in one pass: the coverage costs no second scan of the logs.
 */
function withEvents(db: QueryCreator<CloudTrailDatabase>, options: ActivitySummaryOptions) {
  const accounts = options.accountIds ?? [];
  const identityType = identityField('type');
  const perFile = options.perFile === true;
  const lookbackDay = addDays(options.startDay, -LOOKBACK_DAYS);
  const lookbackStart = `${lookbackDay}T00:00:00Z`;
  const { start: windowStart, end: windowEnd } = windowBounds(options);
  const actorArn = actorArnSql();
  const isAssumeRole = sql<boolean>`(eventsource = 'sts.amazonaws.com' AND eventname IN (${sql.join(ASSUME_ROLE_EVENTS.map((name) => sql.lit(name)))}))`;
  const issuing = sql<boolean>`errorcode IS NULL AND ${isAssumeRole}`;
  // A successful AssumeRole call (an `ok` outcome: no error code, and no error message either).
  const assuming = sql<boolean>`${issuing} AND errormessage IS NULL`;
  // Who made it: for an identity without an ARN (a SAML or web-identity user, an AWS service), the
  // assumer as a role session's caller is named (`SAMLUser:name`, `lambda.amazonaws.com`).
  const named = sql<
    string | null
  >`coalesce(${actorArnSql()}, ${identityField('invokedby')}, ${identityField('type')} || ':' || ${identityField('username')})`;
  // The role's account's copy of a call from another account names no caller, only its account
  // (`userIdentity.type` `AWSAccount`, at times with the `invokedBy` of a service acting for it).
  const crossAccount = sql<boolean>`${identityField('type')} = ${sql.lit(CROSS_ACCOUNT_TYPE)}`;
  // Its call is kept under `AWSAccount:<account id>` for the role it assumed (counted once with
  // the caller's account's copy when that is read too: see the cache's writes)...
  const assumedBy = sql<
    string | null
  >`CASE WHEN ${crossAccount} THEN ${sql.lit(`${CROSS_ACCOUNT_TYPE}:`)} || ${identityField('accountid')} ELSE ${named} END`;
  // ...and it opens no session of a known caller: the copy that names the caller, when read, says
  // who (see withSessions).
  const assumer = sql<string | null>`CASE WHEN ${crossAccount} THEN NULL ELSE ${named} END`;
  // IAM change events are in the window only (never among the look-back day's AssumeRole calls).
  const isChange = sql<boolean>`(eventsource = 'iam.amazonaws.com' AND eventname IN (${sql.join(IAM_CHANGE_EVENTS.map((name) => sql.lit(name)))}))`;
  // For a per-actor rollup, what it does not read is a typed null: it groups nothing.
  const actorsOnly = options.actorsOnly === true;
  const unlessActorsOnly = (value: RawBuilder<string | null>): RawBuilder<string | null> =>
    actorsOnly ? sql<string | null>`CAST(NULL AS VARCHAR)` : value;
  const ofIam = (value: RawBuilder<unknown>) =>
    unlessActorsOnly(sql<string | null>`CASE WHEN eventsource = 'iam.amazonaws.com' THEN ${value} END`);
  const parameter = (field: string) => sql`json_extract_scalar(requestparameters, ${sql.lit(`$.${field}`)})`;
  // The role a successful AssumeRole call assumed, when its parameter names one.
  const namesRole = sql<boolean>`${assuming} AND ${parameter('roleArn')} LIKE 'arn:%:iam::%:role/%'`;
  const resources = options.resources === true;
  const lists = options.lists ?? 'trino';
  return (
    db
      .with('records', (qb) =>
        qb
          .selectFrom('cloudtrail')
          .select([
            sql<string>`recipientaccountid`.as('account_id'),
            // Null on the look-back day: those events only contribute their issued credentials.
            sql<string | null>`CASE WHEN eventtime >= ${windowStart} THEN substr(eventtime, 1, 10) END`.as(
              'day',
            ),
            // An AssumeRole call by an identity without an ARN is kept under its assumer's name, for
            // the role it assumed; every other call of such an identity is no actor's.
            (actorsOnly
              ? actorArn
              : sql<string | null>`CASE WHEN ${namesRole} THEN ${assumedBy} ELSE ${actorArn} END`
            ).as('actor_arn'),
            sql<string>`${identityType}`.as('actor_type'),
            unlessActorsOnly(
              sql<
                string | null
              >`CASE WHEN ${identityType} = 'AssumedRole' THEN ${identityField('accesskeyid')} END`,
            ).as('session_key'),
            unlessActorsOnly(sql<string | null>`${identityField('sessioncontext', 'sourceidentity')}`).as(
              'source_identity',
            ),
            (actorsOnly ? sql.lit(ANY_EVENT) : sql<string>`eventsource`).as('event_source'),
            (actorsOnly ? sql.lit(ANY_EVENT) : sql<string>`eventname`).as('event_name'),
            outcomeSql(sql`errorcode`, sql`errormessage`).as('outcome'),
            unlessActorsOnly(sql<string | null>`CASE WHEN ${namesRole} THEN ${parameter('roleArn')} END`).as(
              'assumed_role_arn',
            ),
            // Who called, only for the successful AssumeRole calls: nothing to compute for other events.
            unlessActorsOnly(
              sql<
                string | null
              >`CASE WHEN ${issuing} THEN json_extract_scalar(responseelements, '$.credentials.accessKeyId') END`,
            ).as('issued_key'),
            unlessActorsOnly(sql<string | null>`CASE WHEN ${issuing} THEN ${assumer} END`).as('assumer_arn'),
            unlessActorsOnly(sql<string | null>`CASE WHEN ${issuing} THEN ${identityType} END`).as(
              'assumer_type',
            ),
            unlessActorsOnly(
              sql<string | null>`CASE WHEN ${issuing} THEN ${identityField('accesskeyid')} END`,
            ).as('assumer_key'),
            // The event id of an IAM change event (the only column that tests the event list); the
            // change columns below are read for IAM events only, and kept for changes by `events`.
            unlessActorsOnly(sql<string | null>`CASE WHEN ${isChange} THEN eventid END`).as('event_id'),
            ofIam(sql`sourceipaddress`).as('iam_source_ip'),
            ofIam(parameter('userName')).as('iam_user_name'),
            ofIam(parameter('roleName')).as('iam_role_name'),
            ofIam(parameter('groupName')).as('iam_group_name'),
            ofIam(parameter('accessKeyId')).as('iam_access_key_id'),
            ofIam(sql`coalesce(${parameter('policyArn')}, ${parameter('permissionsBoundary')})`).as(
              'iam_policy_arn',
            ),
            ofIam(parameter('policyName')).as('iam_policy_name'),
            ofIam(parameter('status')).as('iam_key_status'),
            unlessActorsOnly(
              sql<
                string | null
              >`CASE WHEN eventsource = 'iam.amazonaws.com' AND eventname = 'CreateAccessKey' THEN json_extract_scalar(responseelements, '$.accessKey.accessKeyId') END`,
            ).as('iam_created_key_id'),
            ofIam(sql`errorcode`).as('iam_error_code'),
            // The resources of a successful call (kept for the window's only, in `events`).
            ...(resources
              ? Object.entries(resourceUseColumnsSql(lists, sql<boolean>`errorcode IS NULL`)).map(
                  ([name, value]) => value.as(`raw_${name}`),
                )
              : []),
            sql<string>`eventtime`.as('eventtime'),
            sql<string>`"$path"`.as('log_path'),
            // Only each file's sentinel row (no eventtime) carries the file, so the file rows are
            // groups of their own within the activity grouping set, at no cost to the events.
            ...(perFile
              ? [
                  sql<string | null>`CASE WHEN eventtime IS NULL THEN "$path" END`.as('log_file'),
                  sql<boolean | null>`CASE WHEN eventtime IS NULL THEN has_records END`.as('has_records'),
                ]
              : []),
          ])
          .where((eb) => {
            const inRange = eb.and([
              sql<boolean>`eventtime >= ${lookbackStart}`,
              sql<boolean>`eventtime < ${windowEnd}`,
              eb.or([sql<boolean>`eventtime >= ${windowStart}`, isAssumeRole]),
              ...(accounts.length > 0 ? [sql<boolean>`recipientaccountid IN (${sql.join(accounts)})`] : []),
              ...(options.partitions === true
                ? [
                    sql<boolean>`"date" >= ${sql.lit(lookbackDay.replace(/-/g, '/'))}`,
                    sql<boolean>`"date" <= ${sql.lit(addDays(options.endDay, 1).replace(/-/g, '/'))}`,
                    ...(accounts.length > 0
                      ? [
                          sql<boolean>`"account" IN (${sql.join(accounts.map((account) => sql.lit(account)))})`,
                        ]
                      : []),
                  ]
                : []),
            ]);
            // The per-file sentinel rows have no eventtime; they must reach the file grouping set.
            return perFile ? eb.or([inRange, sql<boolean>`eventtime IS NULL`]) : inRange;
          }),
      )
      // The change columns of IAM change events only: the event list is tested once per event (in
      // `event_id`), not once per column, which a query of many batches pays in planning time.
      .with('events', (qb) =>
        qb
          .selectFrom('records')
          .selectAll()
          .select([
            ...CHANGE_KEYS.filter((key) => key !== 'event_id').map((key) =>
              sql<string | null>`CASE WHEN event_id IS NOT NULL THEN ${sql.ref(`iam_${key}`)} END`.as(key),
            ),
            // The look-back day's calls only issue credentials: no resources.
            ...(resources
              ? RESOURCE_USE_COLUMNS.map((name) =>
                  sql`CASE WHEN day IS NOT NULL THEN ${sql.ref(`raw_${name}`)} END`.as(name),
                )
              : []),
          ]),
      )
  );
}

type EventsCreator = ReturnType<typeof withEvents>;

function stageSelect(db: EventsCreator, options: ActivitySummaryOptions) {
  const perFile = options.perFile === true;
  // Without resources, typed nulls that group nothing: the staged rows have the same columns.
  const resourceKeys = options.resources === true ? RESOURCE_USE_COLUMNS : [];
  return db
    .selectFrom('events')
    .select((eb) => [
      ...ACTIVITY_KEYS,
      ...CHANGE_KEYS,
      ...(options.resources === true
        ? RESOURCE_USE_COLUMNS
        : RESOURCE_USE_COLUMNS.map((name) => nullResourceColumn(name, options.lists ?? 'trino').as(name))),
      ...ASSUMPTION_KEYS,
      perFile
        ? sql<string | null>`log_file`.as('log_file')
        : sql<string | null>`CAST(NULL AS VARCHAR)`.as('log_file'),
      perFile
        ? sql<boolean | null>`has_records`.as('has_records')
        : sql<boolean | null>`CAST(NULL AS BOOLEAN)`.as('has_records'),
      'log_path',
      eb.fn.count<number>('eventtime').as('calls'),
      eb.fn.min<string>('eventtime').as('first_seen'),
      eb.fn.max<string>('eventtime').as('last_seen'),
    ])
    .groupBy(
      sql`GROUPING SETS (${sql.join(
        [
          perFile
            ? [...ACTIVITY_KEYS, ...CHANGE_KEYS, ...resourceKeys, 'log_file', 'has_records']
            : [...ACTIVITY_KEYS, ...CHANGE_KEYS, ...resourceKeys],
          ASSUMPTION_KEYS,
          COVERAGE_KEYS,
        ].map((keys) => sql`(${sql.join(keys.map((key) => sql.ref(key)))})`),
      )})`,
    )
    .having(
      sql<boolean>`(GROUPING(event_name) = 0 AND ((day IS NOT NULL AND actor_arn IS NOT NULL)${perFile ? sql` OR log_file IS NOT NULL` : sql``})) OR (GROUPING(issued_key) = 0 AND issued_key IS NOT NULL) OR (GROUPING(log_path) = 0 AND day IS NOT NULL AND log_path IS NOT NULL)`,
    );
}

/**
 * The staged rows' role sessions with their callers: each session key is matched with the
 * AssumeRole call that issued it (calls logged twice, in the caller's and the role's account,
 * count once), and a caller that was itself a role session is followed back, up to
 * {@link MAX_CHAIN_DEPTH} hops, to the identity that began the chain.
 */
function withSessions(db: QueryCreator<StagedDatabase>) {
  return db
    .with('assumptions', (qb) =>
      qb
        .selectFrom('staged')
        .select((eb) => [
          'issued_key',
          eb.fn.min('assumer_arn').as('assumer_arn'),
          // The copy that names its caller: a call across accounts is logged in the role's account
          // too, as `AWSAccount` without an ARN nor the caller's key (whose type sorts first).
          eb.fn.min('assumer_type').filterWhere('assumer_arn', 'is not', null).as('assumer_type'),
          eb.fn.min('assumer_key').filterWhere('assumer_arn', 'is not', null).as('assumer_key'),
        ])
        .where('issued_key', 'is not', null)
        .groupBy('issued_key'),
    )
    .with('sessions', (qb) => {
      const hops = Array.from({ length: MAX_CHAIN_DEPTH }, (_, index) => `a${index + 1}`);
      let query = qb
        .selectFrom(
          qb
            .selectFrom('staged')
            .select('session_key')
            .distinct()
            .where('session_key', 'is not', null)
            .where('day', 'is not', null)
            .as('s'),
        )
        .innerJoin('assumptions as a1', 'a1.issued_key', 's.session_key');
      for (let hop = 2; hop <= MAX_CHAIN_DEPTH; hop += 1) {
        // Only a role session's key can have been issued by an earlier AssumeRole call.
        query = query.leftJoin(`assumptions as a${hop}` as 'assumptions as a1', (join) =>
          join.on(
            sql<boolean>`${sql.ref(`a${hop - 1}.assumer_type`)} = 'AssumedRole' AND ${sql.ref(`a${hop}.issued_key`)} = ${sql.ref(`a${hop - 1}.assumer_key`)}`,
          ),
        );
      }
      return query.select([
        's.session_key',
        sql<string>`coalesce(${sql.join(
          [...hops].reverse().map((hop) => sql.ref(`${hop}.assumer_arn`)),
        )})`.as('caller_arn'),
        sql<string | null>`CASE WHEN a2.issued_key IS NOT NULL THEN a1.assumer_arn END`.as('via_arn'),
      ]);
    });
}

/**
 * The second stage: the staged rows of every batch (or the stage CTE) resolved into the activity
 * summary of DESIGN.md, one row per (account, day, actor, caller, event source, event name,
 * outcome), the caller taken from the session's AssumeRole chain or else its `sourceIdentity`;
 * plus one coverage row per (account, day) with logs (see {@link SummaryRecord}), which the staged
 * file rows fold into in the same aggregation (no second read of the staged rows, which Athena
 * would pay as a second scan); plus, from a grouping set of its own over the same rows, one row per
 * IAM change event (`event_id`), with the caller of its session as the activity rows have it: the
 * same event staged twice (delivered twice, or in two batches) is one row. Unordered: the rows go
 * to the cache, and sorting about half a row per event costs.
 */
function resolveOf(db: QueryCreator<StagedDatabase>, lists: ListDialect, resources: boolean): SummaryQuery {
  const caller = sql<string | null>`coalesce(se.caller_arn, st.source_identity)`;
  const resolvedKey = (key: (typeof SUMMARY_KEYS)[number]) =>
    key === 'caller_arn' ? caller : key === 'via_arn' ? sql.ref('se.via_arn') : sql.ref(`st.${key}`);
  const uses = resourceUsesSql(lists, (name) => sql.ref(`st.${name}`));
  const used = sql<boolean>`u.resource IS NOT NULL`;
  // Without resources, no unnesting, no resource grouping set: the rows are those of the activity,
  // changes and coverage alone, with `kind` and `resource` null.
  const useKeyOf = (key: (typeof SUMMARY_KEYS)[number]) =>
    resources && (USE_KEYS as readonly string[]).includes(`use_${key}`) ? sql.ref(`use_${key}`) : undefined;
  const noResource = nullResourceColumn('res_target', lists);
  return withSessions(db)
    .with('resolved', (qb) =>
      qb
        .selectFrom('staged as st')
        .leftJoin('sessions as se', 'se.session_key', 'st.session_key')
        // Each staged row once per resource its calls used (once when none): the row's own
        // columns count on its first (`use_index` 1) only, the resource's on each.
        .$if(resources, (query) =>
          query.crossJoin(sql`UNNEST(${uses.list}) WITH ORDINALITY`.as<'u'>(sql`u (resource, use_index)`)),
        )
        .where('st.day', 'is not', null)
        .select([
          ...SUMMARY_KEYS.map((key) => sql<string | null>`${resolvedKey(key)}`.as(key)),
          (resources
            ? sql<number | null>`CASE WHEN u.use_index = 1 THEN st.calls END`
            : sql<number>`st.calls`
          ).as('calls'),
          'st.first_seen',
          'st.last_seen',
          'st.log_path',
          ...CHANGE_KEYS.map((key) => `st.${key}` as const),
          // The keys again, for the change rows only: the change grouping set groups every other
          // row into one group (all its keys null), which costs no memory.
          ...SUMMARY_KEYS.map((key) =>
            sql<string | null>`CASE WHEN st.event_id IS NOT NULL THEN ${resolvedKey(key)} END`.as(
              `change_${key}`,
            ),
          ),
          // And for the resources used, likewise.
          ...(resources
            ? [
                ...USE_KEYS.map((key) =>
                  sql<
                    string | null
                  >`CASE WHEN ${used} THEN ${sql.ref(`st.${key.slice('use_'.length)}`)} END`.as(key),
                ),
                sql<string | null>`CASE WHEN ${used} THEN ${uses.kindAt(sql`u.use_index`)} END`.as(
                  'use_kind',
                ),
                sql<string | null>`u.resource`.as('use_resource'),
                sql<number>`st.calls`.as('use_calls'),
              ]
            : []),
        ]),
    )
    .selectFrom('resolved')
    .select([
      // Null in the grouping set it is not part of: each row takes its own set's.
      ...SUMMARY_KEYS.map((key) => {
        const useKey = useKeyOf(key);
        return sql<string>`coalesce(${sql.join([sql.ref(key), sql.ref(`change_${key}`), ...(useKey === undefined ? [] : [useKey])])})`.as(
          key,
        );
      }),
      (resources
        ? sql<number>`CAST(CASE WHEN GROUPING(use_resource) = 0 THEN sum(use_calls) ELSE sum(calls) END AS BIGINT)`
        : sql<number>`CAST(sum(calls) AS BIGINT)`
      ).as('calls'),
      sql<string>`min(first_seen)`.as('first_seen'),
      sql<string>`max(last_seen)`.as('last_seen'),
      // Each (account, day, file) is one staged row, and a file is in one batch only.
      sql<number>`CAST(count(log_path) AS BIGINT)`.as('log_files'),
      ...CHANGE_KEYS.map((key) => sql<string | null>`${sql.ref(key)}`.as(key)),
      (resources ? sql<string | null>`use_kind` : noResource).as('kind'),
      (resources ? sql<string | null>`use_resource` : noResource).as('resource'),
    ])
    .groupBy(
      sql`GROUPING SETS (${sql.join(
        [
          SUMMARY_KEYS,
          [...CHANGE_KEYS, ...SUMMARY_KEYS.map((key) => `change_${key}`)],
          ...(resources ? [[...USE_KEYS, 'use_kind', 'use_resource']] : []),
        ].map((keys) => sql`(${sql.join(keys.map((key) => sql.ref(key)))})`),
      )})`,
    )
    .having(
      resources
        ? sql<boolean>`(GROUPING(event_id) = 1 AND GROUPING(use_resource) = 1) OR event_id IS NOT NULL OR use_resource IS NOT NULL`
        : sql<boolean>`GROUPING(event_id) = 1 OR event_id IS NOT NULL`,
    )
    .$castTo<SummaryRecord>();
}

/** A resource column's typed null, for a summary read without resources (`res_arns` is a list). */
function nullResourceColumn(name: ResourceUseColumn, lists: ListDialect): RawBuilder<unknown> {
  if (name !== 'res_arns') return sql<string | null>`CAST(NULL AS VARCHAR)`;
  return lists === 'trino' ? sql`CAST(NULL AS ARRAY(VARCHAR))` : sql`CAST(NULL AS VARCHAR[])`;
}

/**
 * The activity-summary query of DESIGN.md over the `cloudtrail` relation, one definition for every
 * engine: DuckDB and Athena compile the same builder with their own dialect. It stages the events
 * by role session in a CTE and resolves the sessions' callers in the same statement. Values
 * (days, accounts) are bound parameters; nested columns are grouped through a CTE alias, as Athena
 * engine v3 requires.
 */
export function buildActivitySummaryQuery(
  db: Kysely<CloudTrailDatabase>,
  options: ActivitySummaryOptions,
): SummaryQuery {
  checkOptions(options);
  const staged = withEvents(db, { ...options, perFile: false }).with('staged', (qb) =>
    stageSelect(qb, { ...options, perFile: false }),
  );
  return resolveOf(
    staged as unknown as QueryCreator<StagedDatabase>,
    options.lists ?? 'trino',
    options.resources === true,
  );
}

/**
 * The first stage alone, for an engine that reads the logs in batches (DuckDB): each batch's
 * staged rows are inserted into a `staged` table, and {@link buildResolveQuery} resolves them all.
 */
export function buildStageQuery(db: Kysely<CloudTrailDatabase>, options: ActivitySummaryOptions) {
  checkOptions(options);
  return stageSelect(withEvents(db, options), options);
}

/**
 * The first stage of a per-actor summary ({@link ActivitySummaryOptions.actorsOnly}) for an engine
 * whose `cloudtrail` relation has no per-file sentinel rows (DuckDB's for such a summary: appending
 * a sentinel to each file's `Records` copies every record, a fifth of the read). It stages what
 * {@link buildStageQuery} stages with `perFile` and `actorsOnly`: each actor's calls per account,
 * day, actor type and outcome (grouped by what the outcome depends on, the error code and whether
 * there is an error message, and told once per group: the resolve query sums the rows of one
 * outcome), one row per (account, day, file) for the coverage, and one row per
 * file read (`log_file`, with `has_records`). Events outside the window are not filtered out but
 * grouped with no day and no actor, so that their file is known to have been read; a file without
 * records yields one null record (see `engines/duckdb/duckdb-sql.ts`), a file DuckDB read nothing
 * from no row at all. The grouped rows are a few per actor and day and one per file and day, read
 * twice; the events are read once.
 */
export function buildActorStageQuery(db: Kysely<CloudTrailDatabase>, options: ActivitySummaryOptions) {
  checkOptions(options);
  const accounts = options.accountIds ?? [];
  const identityType = identityField('type');
  const actorArn = actorArnSql();
  const { start, end } = windowBounds(options);
  const inWindow = sql<boolean>`(eventtime >= ${start} AND eventtime < ${end}${
    accounts.length > 0 ? sql` AND recipientaccountid IN (${sql.join(accounts)})` : sql``
  })`;
  return db
    .with('records', (qb) =>
      qb.selectFrom('cloudtrail').select([
        sql<string>`recipientaccountid`.as('account_id'),
        sql<string | null>`CASE WHEN ${inWindow} THEN substr(eventtime, 1, 10) END`.as('day'),
        sql<string | null>`CASE WHEN ${inWindow} THEN ${actorArn} END`.as('actor_arn'),
        sql<string>`${identityType}`.as('actor_type'),
        // What the outcome depends on, grouped; the outcome is told once per group below.
        sql<string | null>`errorcode`.as('error_code'),
        sql<boolean>`errormessage IS NULL`.as('no_message'),
        sql<string>`eventtime`.as('eventtime'),
        sql<string>`"$path"`.as('log_path'),
        sql<boolean>`has_records`.as('has_records'),
      ]),
    )
    .with(
      (cte) => cte('grouped').materialized(),
      (qb) =>
        qb
          .selectFrom('records')
          .select((eb) => [
            'account_id',
            'day',
            'actor_arn',
            'actor_type',
            'error_code',
            'no_message',
            'log_path',
            eb.fn.count<number>('eventtime').as('calls'),
            eb.fn.min<string>('eventtime').as('first_seen'),
            eb.fn.max<string>('eventtime').as('last_seen'),
            sql<boolean>`bool_or(has_records)`.as('has_records'),
          ])
          .groupBy(
            sql`GROUPING SETS ((account_id, day, actor_arn, actor_type, error_code, no_message), (${sql.join(
              COVERAGE_KEYS.map((key) => sql.ref(key)),
            )}))`,
          ),
    )
    .selectFrom('grouped')
    .select([
      sql<string | null>`account_id`.as('account_id'),
      'day',
      'actor_arn',
      sql<string | null>`actor_type`.as('actor_type'),
      sql<string | null>`CASE WHEN actor_arn IS NOT NULL THEN ${sql.lit(ANY_EVENT)} END`.as('event_source'),
      sql<string | null>`CASE WHEN actor_arn IS NOT NULL THEN ${sql.lit(ANY_EVENT)} END`.as('event_name'),
      // Several error codes may give one outcome: the resolve query sums their rows.
      sql<string | null>`CASE WHEN actor_arn IS NOT NULL THEN ${outcomeSql(
        sql`error_code`,
        sql`CASE WHEN no_message THEN NULL ELSE '' END`,
      )} END`.as('outcome'),
      sql<string | null>`CAST(NULL AS VARCHAR)`.as('log_file'),
      sql<boolean | null>`CAST(NULL AS BOOLEAN)`.as('has_records'),
      sql<string | null>`log_path`.as('log_path'),
      'calls',
      sql<string | null>`first_seen`.as('first_seen'),
      sql<string | null>`last_seen`.as('last_seen'),
    ])
    .where(sql<boolean>`day IS NOT NULL AND (actor_arn IS NOT NULL OR log_path IS NOT NULL)`)
    .unionAll((eb) =>
      eb
        .selectFrom('grouped')
        .select([
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('account_id'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('day'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('actor_arn'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('actor_type'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('event_source'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('event_name'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('outcome'),
          sql<string>`log_path`.as('log_file'),
          sql<boolean>`bool_or(has_records)`.as('has_records'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('log_path'),
          sql<number>`CAST(0 AS BIGINT)`.as('calls'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('first_seen'),
          sql<string | null>`CAST(NULL AS VARCHAR)`.as('last_seen'),
        ])
        .where('log_path', 'is not', null)
        .groupBy('log_path'),
    );
}

/**
 * The second stage alone, over a `staged` table holding the rows of {@link buildStageQuery},
 * compiled for `lists` (see {@link ActivitySummaryOptions.lists}).
 */
export function buildResolveQuery(
  db: Kysely<StagedDatabase>,
  lists: ListDialect = 'trino',
  resources = false,
) {
  return resolveOf(db, lists, resources);
}

/**
 * The second stage of a per-actor summary alone, over a `staged` table holding the rows of
 * {@link buildActorStageQuery}: what {@link buildResolveQuery} gives over such rows, row for row
 * and column for column, without its work for what they never hold (role sessions, IAM changes,
 * resources): each actor's calls per account, day, actor type and outcome summed over the
 * batches, with no caller, and each (account, day)'s coverage (its files, `log_files`).
 */
export function buildActorResolveQuery(db: Kysely<StagedDatabase>, lists: ListDialect = 'trino') {
  const noResource = nullResourceColumn('res_target', lists);
  return db
    .selectFrom('staged')
    .where('day', 'is not', null)
    .select([
      ...SUMMARY_KEYS.map((key) =>
        (NOT_PER_ACTOR.has(key)
          ? sql<string | null>`CAST(NULL AS VARCHAR)`
          : sql<string | null>`${sql.ref(key)}`
        ).as(key),
      ),
      sql<number>`CAST(sum(calls) AS BIGINT)`.as('calls'),
      sql<string>`min(first_seen)`.as('first_seen'),
      sql<string>`max(last_seen)`.as('last_seen'),
      sql<number>`CAST(count(log_path) AS BIGINT)`.as('log_files'),
      ...CHANGE_KEYS.map((key) => sql<string | null>`CAST(NULL AS VARCHAR)`.as(key)),
      noResource.as('kind'),
      noResource.as('resource'),
    ])
    .groupBy(SUMMARY_KEYS.filter((key) => !NOT_PER_ACTOR.has(key)))
    .$castTo<SummaryRecord>();
}

/** How many role sessions the staged rows hold, and how many of them have a known caller. */
export function buildSessionStatsQuery(db: Kysely<StagedDatabase>) {
  return withSessions(db)
    .selectFrom('staged as st')
    .leftJoin('sessions as se', 'se.session_key', 'st.session_key')
    .where('st.day', 'is not', null)
    .where('st.session_key', 'is not', null)
    .select([
      sql<number>`count(DISTINCT st.session_key)`.as('sessions'),
      sql<number>`count(DISTINCT CASE WHEN coalesce(se.caller_arn, st.source_identity) IS NOT NULL THEN st.session_key END)`.as(
        'attributed',
      ),
    ]);
}
/** Whether a result record of the summary query is an activity row. */
export function isActivityRecord(record: SummaryRecord): record is SummaryRecord & ActivitySummaryRecord {
  return (
    record.actor_arn !== null && (record.event_id ?? null) === null && (record.resource ?? null) === null
  );
}

/** Whether a result record of the summary query is the coverage of an (account, day). */
export function isCoverageRecord(record: SummaryRecord): boolean {
  return record.actor_arn === null;
}

/** Whether a result record of the summary query is an IAM change event. */
export function isIamChangeRecord(
  record: SummaryRecord,
): record is SummaryRecord & { actor_arn: string; event_id: string } {
  return record.actor_arn !== null && (record.event_id ?? null) !== null;
}

/**
 * The columns of an IAM change as the summary query's records (`first_seen` its time) and the
 * cache's `iam_changes` rows (`event_time`) hold them.
 */
export type IamChangeColumns = ChangeColumns &
  Pick<
    ActivitySummaryRecord,
    'account_id' | 'day' | 'actor_type' | 'caller_arn' | 'event_name' | 'outcome'
  > & {
    actor_arn: string;
    event_id: string;
  };

/**
 * Converts an IAM change record (of the summary query, or of the cache) to an {@link IamChangeRow};
 * `eventTime` is the event's time (a summary record's `first_seen`: its group holds the event
 * alone, or its copies).
 */
export function toIamChangeRow(record: IamChangeColumns, eventTime: string): IamChangeRow {
  return {
    accountId: record.account_id,
    day: record.day,
    eventTime,
    eventId: record.event_id,
    eventName: record.event_name as IamChangeEventName,
    actorArn: record.actor_arn,
    actorType: record.actor_type,
    callerArn: record.caller_arn,
    sourceIp: record.source_ip,
    userName: record.user_name,
    roleName: record.role_name,
    groupName: record.group_name,
    accessKeyId: record.access_key_id,
    policyArn: record.policy_arn,
    policyName: record.policy_name,
    status: record.key_status,
    createdAccessKeyId: record.created_key_id,
    outcome: record.outcome,
    errorCode: record.error_code,
  };
}

/** Whether a result record of the summary query is a resource that calls used. */
export function isResourceUseRecord(
  record: SummaryRecord,
): record is SummaryRecord & { actor_arn: string; kind: ResourceUseKind; resource: string } {
  return record.actor_arn !== null && (record.resource ?? null) !== null && record.kind !== null;
}

/** The columns of a resource use, as the summary query's records and the cache's `resource_usage` rows hold them. */
export interface ResourceUsageRecord {
  account_id: string;
  day: string;
  actor_arn: string;
  event_source: string;
  event_name: string;
  kind: ResourceUseKind;
  resource: string;
  /** A number from Athena, a bigint (BIGINT) from DuckDB. */
  calls: number | bigint;
}

/**
 * Converts a resource use record (of the summary query, or of the cache's `resource_usage`) to a
 * {@link ResourceUsageRow}.
 */
export function toResourceUsageRow(record: ResourceUsageRecord): ResourceUsageRow {
  return {
    accountId: record.account_id,
    day: record.day,
    actorArn: record.actor_arn,
    eventSource: record.event_source,
    eventName: record.event_name,
    kind: record.kind,
    resource: record.resource,
    calls: Number(record.calls),
  };
}

/** Converts a coverage record of the summary query (see {@link SummaryRecord}) to a {@link DayCoverage}. */
export function toDayCoverage(record: SummaryRecord): DayCoverage {
  return { accountId: record.account_id, day: record.day, files: Number(record.log_files) };
}

/** Converts an activity record of the summary query (or of the cache) to an {@link ActivityRow}. */
export function toActivityRow(record: ActivitySummaryRecord): ActivityRow {
  return {
    accountId: record.account_id,
    day: record.day,
    actorArn: record.actor_arn,
    actorType: record.actor_type,
    callerArn: record.caller_arn,
    viaArn: record.via_arn,
    eventSource: record.event_source,
    eventName: record.event_name,
    outcome: record.outcome,
    calls: record.calls,
    firstSeen: record.first_seen,
    lastSeen: record.last_seen,
    assumedRoleArn: record.assumed_role_arn,
  };
}
