import { sql } from 'kysely';
import type { ExpressionBuilder, RawBuilder } from 'kysely';

import {
  SUMMARY_KEYS,
  toActivityRow,
  toIamChangeRow,
  toResourceUsageRow,
} from '../trail/activity-summary.js';
import type { EventCalls, RoleCallerRow } from '../analysis/activity-report.js';
import type { ActivityRow } from '../trail/activity-summary.js';
import type { IamChangeRow } from '../trail/iam-changes.js';
import type { ResourceUsageRow } from '../trail/resource-usage.js';
import type { CacheConnection } from './cache-connection.js';
import { accountKeyRange, actorKey } from './cache-schema.js';
import type { CacheDatabase } from './cache-schema.js';
import type { DayRange } from './day-ranges.js';

/*
 * The activity a question reads from the cache. Rows come back unordered: the application and
 * analysis sort what they show.
 */

/** One caller of a role in a window (see {@link roleCallers}). */
export interface RoleCaller {
  readonly roleArn: string;
  /** The identity that opened the sessions, or `null` when no AssumeRole call or sourceIdentity says. */
  readonly callerArn: string | null;
  /** The role the chain came through, for a chain of roles. */
  readonly viaArn: string | null;
  readonly calls: number;
  /** Of `calls`, those refused for access (outcome `denied`). */
  readonly denied: number;
  /** Of `calls`, those that failed with another error (outcome `failed`). */
  readonly failed: number;
  readonly days: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/**
 * Per actor of an account and identity type, the summed calls and last day by outcome: what
 * `--list users|roles` needs, as rows (`day` is the last day, `calls` the total), from the
 * actors' days (`actor_days`), never from every event's row.
 */
export function actorRollup(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
  actorType: string,
): Promise<ActivityRow[]> {
  return rolledUp(cache, source, window, accountId, actorType, false);
}

/**
 * The rows of {@link actorRollup} per actor, account, outcome and, with `bySession`, the caller and
 * the role the chain came through.
 */
async function rolledUp(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
  actorType: string,
  bySession: boolean,
): Promise<ActivityRow[]> {
  const session = ['caller_arn', 'via_arn'] as const;
  const records = await scopedActorDays(cache, source, window)
    .where(actorAccountIs(accountId))
    .where('actor_type', '=', actorType)
    .select((eb) => [
      'account_id',
      'actor_arn',
      'actor_type',
      'outcome',
      ...(bySession ? session : []),
      eb.fn.max('day').as('day'),
      sql<number>`CAST(sum(calls) AS BIGINT)`.as('calls'),
      eb.fn.min('first_seen').as('first_seen'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .groupBy(['account_id', 'actor_arn', 'actor_type', 'outcome', ...(bySession ? session : [])])
    .execute();
  return records.map((record) => ({
    accountId: record.account_id,
    day: record.day,
    actorArn: record.actor_arn,
    actorType: record.actor_type,
    callerArn: bySession ? (record as { caller_arn: string | null }).caller_arn : null,
    viaArn: bySession ? (record as { via_arn: string | null }).via_arn : null,
    eventSource: '',
    eventName: '',
    outcome: record.outcome,
    calls: record.calls,
    firstSeen: record.first_seen,
    lastSeen: record.last_seen,
    assumedRoleArn: null,
  }));
}

/**
 * Every row of one actor in the window (all accounts: a role's sessions, a user's calls), per day,
 * account, caller, event and outcome: what the cache holds of it. A principal's diff reads the
 * sums of {@link actorEventCalls} instead.
 */
export async function actorActivity(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  actorArn: string,
): Promise<ActivityRow[]> {
  const records = await scoped(cache, source, window)
    .where(actorIs(actorArn))
    .select(ACTIVITY_COLUMNS)
    .execute();
  return records.map(toActivityRow);
}

/**
 * One actor's calls in the window (all accounts) summed per event and outcome, with the last call;
 * with `callers`, only those of the role sessions these identities opened (ARNs or `sourceIdentity`
 * values, as the chain's first identity or its last hop).
 * What a principal's diff reads (`EventCalls`): the sums its rows of {@link actorActivity} would
 * give, in a row per event and outcome instead of one per day, account and caller — at the bench's
 * 20,000,000 events 115 rows instead of 2,472 for a user, a cached `--user` some 45 ms sooner
 * (docs/benchmarks.md).
 */
export async function actorEventCalls(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  actorArn: string,
  callers?: readonly string[],
): Promise<EventCalls[]> {
  let query = scoped(cache, source, window).where(actorIs(actorArn));
  if (callers !== undefined) {
    if (callers.length === 0) return [];
    query = query.where(openedBy(callers));
  }
  const records = await query
    .select((eb) => [
      'event_source',
      'event_name',
      'outcome',
      sql<number>`CAST(sum(calls) AS BIGINT)`.as('calls'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .groupBy(['event_source', 'event_name', 'outcome'])
    .execute();
  return records.map((record) => ({
    eventSource: record.event_source,
    eventName: record.event_name,
    outcome: record.outcome,
    calls: record.calls,
    lastSeen: record.last_seen,
  }));
}

/** A role that successful AssumeRole calls named in a window (see {@link assumedRoles}). */
export interface AssumedRole {
  readonly roleArn: string;
  /**
   * The calls, each counted once: CloudTrail logs a call across accounts in both the caller's and
   * the role's, so each actor's day counts the calls of the account that logged the most of them.
   */
  readonly assumptions: number;
  readonly lastSeen: string;
}

/**
 * The roles a principal assumed in the window, whether or not the sessions it opened made a call
 * the trail logs: the successful AssumeRole (WithSAML, WithWebIdentity) calls per role they named,
 * made by the principal itself or, along a chain it began, by a role session whose caller is one
 * of `callers` (its ARN, or its name as a `sourceIdentity`): the sessions {@link roleCallers}
 * counts for it.
 */
export function assumedRoles(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  actorArn: string,
  callers: readonly string[],
): Promise<AssumedRole[]> {
  return roleAssumptionTotals(
    cache,
    source,
    window,
    callers.length === 0
      ? sql<boolean>`actor_arn = ${actorArn}`
      : sql<boolean>`(actor_arn = ${actorArn} OR caller_arn IN (${sql.join(callers)}))`,
  );
}

/**
 * The successful AssumeRole calls naming each role of the account (its ARN names the account) in
 * the window, by anyone: what `--list roles` and the audit add to the roles' sessions' calls, so
 * that a role assumed whose sessions made no logged call is not unused.
 */
export function accountRoleAssumptions(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
): Promise<AssumedRole[]> {
  return roleAssumptionTotals(
    cache,
    source,
    window,
    sql<boolean>`split_part(role_arn, ':', 5) = ${accountId}`,
  );
}

/**
 * `role_assumptions` rows of the window matching `condition` (a fixed SQL text with bound values),
 * summed per role in one aggregate (each call is counted once in them): a row a role comes back.
 * The 2,397 rows of the 1,000,000-event benchmark's account, taken into JavaScript, cost ~17 ms
 * against ~5 ms for the sums (docs/benchmarks.md, twenty-fourth session).
 */
async function roleAssumptionTotals(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  condition: RawBuilder<boolean>,
): Promise<AssumedRole[]> {
  const records = await cache.db
    .selectFrom('role_assumptions')
    .where(inWindow(source, window))
    .where(condition)
    .select((eb) => [
      'role_arn',
      sql<number>`CAST(sum(calls) AS BIGINT)`.as('assumptions'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .groupBy('role_arn')
    .orderBy('role_arn')
    .execute();
  return records.map((record) => ({
    roleArn: record.role_arn,
    assumptions: record.assumptions,
    lastSeen: record.last_seen,
  }));
}

/** An actor's calls of one event with one outcome (see {@link accountEventCalls}). */
export type ActorEventCalls = EventCalls & { readonly actorArn: string };

/**
 * The calls of every actor of an account in the window (the actors whose ARN names the account:
 * its users, its roles' sessions, its root, wherever the calls were made) summed per actor, event
 * and outcome, with the last call: what a principal's diff reads ({@link actorEventCalls} of each
 * actor), in a row per event instead of one per day, account and caller. What the audit, the
 * policy tests and the boundary plans read once per account. Ordered by actor, event and outcome.
 */
export async function accountEventCalls(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
): Promise<ActorEventCalls[]> {
  const records = await scoped(cache, source, window)
    .where(actorAccountIs(accountId))
    .select((eb) => [
      'actor_arn',
      'event_source',
      'event_name',
      'outcome',
      sql<number>`CAST(sum(calls) AS BIGINT)`.as('calls'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .groupBy(['actor_arn', 'event_source', 'event_name', 'outcome'])
    .orderBy('actor_arn')
    .orderBy('event_source')
    .orderBy('event_name')
    .orderBy('outcome')
    .execute();
  return records.map((record) => ({
    actorArn: record.actor_arn,
    eventSource: record.event_source,
    eventName: record.event_name,
    outcome: record.outcome,
    calls: record.calls,
    lastSeen: record.last_seen,
  }));
}

/**
 * Who opened sessions of roles in the window: per (role, caller), the calls made in those
 * sessions, on how many days, and when first and last. A role chain is listed under the identity
 * that began it, with the role it came through as `via`. Rows without a known caller come with
 * `callerArn: null`. With `roleArn`, one role; with `accountId`, every role whose ARN is in that
 * account; with `callers`, every role those identities opened sessions of (first or last hop).
 * From the actors' days (`actor_days`), never from every event's row.
 */
export async function roleCallers(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  role:
    { readonly roleArn: string } | { readonly accountId: string } | { readonly callers: readonly string[] },
): Promise<RoleCaller[]> {
  let query = scopedActorDays(cache, source, window).where('actor_type', '=', 'AssumedRole');
  if ('roleArn' in role) query = query.where(actorIs(role.roleArn));
  else if ('accountId' in role) query = query.where(actorAccountIs(role.accountId));
  else if (role.callers.length === 0) return [];
  else {
    query = query.where(openedBy(role.callers));
  }
  const records = await query
    .select((eb) => [
      'actor_arn',
      'caller_arn',
      'via_arn',
      sql<number>`CAST(sum(calls) AS BIGINT)`.as('calls'),
      sql<number>`CAST(sum(CASE WHEN outcome = 'denied' THEN calls ELSE 0 END) AS BIGINT)`.as('denied'),
      sql<number>`CAST(sum(CASE WHEN outcome = 'failed' THEN calls ELSE 0 END) AS BIGINT)`.as('failed'),
      // The days as a list made distinct: DuckDB's DISTINCT aggregate builds a hash table of its own
      // per query, which took 13-15 ms of a cold question's 35 (docs/benchmarks.md).
      sql<number>`len(list_distinct(list(day)))`.as('days'),
      eb.fn.min('first_seen').as('first_seen'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .groupBy(['actor_arn', 'caller_arn', 'via_arn'])
    .execute();
  return records.map((record) => ({
    roleArn: record.actor_arn,
    callerArn: record.caller_arn,
    viaArn: record.via_arn,
    calls: record.calls,
    denied: record.denied,
    failed: record.failed,
    days: record.days,
    firstSeen: record.first_seen,
    lastSeen: record.last_seen,
  }));
}

/**
 * The sessions of an account's roles in the window (the roles whose ARN names the account), per
 * account logged in, role, caller, role the chain came through and outcome: summed calls, last day,
 * first and last call. What `--list roles` needs both its rows and its callers from (see
 * {@link listedRoles}), in one read of the actors' days instead of two.
 */
export function accountRoleSessions(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
): Promise<ActivityRow[]> {
  return rolledUp(cache, source, window, accountId, 'AssumedRole', true);
}

/**
 * {@link accountRoleSessions} summed as {@link actorRollup} and {@link roleCallers} (with the
 * account) would give them: the rows per account, role and outcome, and per role, caller and via
 * the calls and the last call (the callers' days and refusals, which `--list` does not show, are
 * left out).
 */
export function listedRoles(sessions: readonly ActivityRow[]): {
  rows: ActivityRow[];
  callers: RoleCallerRow[];
} {
  const rows = new Map<string, ActivityRow>();
  const callers = new Map<string, RoleCallerRow>();
  for (const session of sessions) {
    const rowKey = JSON.stringify([session.accountId, session.actorArn, session.outcome]);
    const row = rows.get(rowKey);
    rows.set(
      rowKey,
      row === undefined
        ? { ...session, callerArn: null, viaArn: null }
        : {
            ...row,
            day: session.day > row.day ? session.day : row.day,
            calls: row.calls + session.calls,
            firstSeen: session.firstSeen < row.firstSeen ? session.firstSeen : row.firstSeen,
            lastSeen: session.lastSeen > row.lastSeen ? session.lastSeen : row.lastSeen,
          },
    );
    const callerKey = JSON.stringify([session.actorArn, session.callerArn, session.viaArn]);
    const caller = callers.get(callerKey);
    callers.set(callerKey, {
      roleArn: session.actorArn,
      callerArn: session.callerArn,
      viaArn: session.viaArn,
      calls: (caller?.calls ?? 0) + session.calls,
      lastSeen:
        caller === undefined || session.lastSeen > caller.lastSeen ? session.lastSeen : caller.lastSeen,
    });
  }
  return { rows: [...rows.values()], callers: [...callers.values()] };
}

/**
 * The distinct events logged in an account in the window, by anyone (which data events it logs):
 * from the accounts' events (`account_events`), never from every actor's rows.
 */
export async function accountEvents(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
): Promise<{ eventSource: string; eventName: string }[]> {
  const records = await cache.db
    .selectFrom('account_events')
    .where(inWindow(source, window))
    .where('account_id', '=', accountId)
    .select(['event_source', 'event_name'])
    .distinct()
    .execute();
  return records.map((record) => ({ eventSource: record.event_source, eventName: record.event_name }));
}

/**
 * The IAM change events of a source in a window (see `IamChangeRow`), of `accountIds` (absent: of
 * every account). Unordered, as every query here: `sortIamChanges` orders them.
 */
export async function iamChanges(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountIds?: readonly string[],
): Promise<IamChangeRow[]> {
  if (accountIds?.length === 0) return [];
  let query = cache.db.selectFrom('iam_changes').selectAll().where(inWindow(source, window));
  if (accountIds !== undefined) query = query.where('account_id', 'in', accountIds);
  const records = await query.execute();
  return records.map((record) => toIamChangeRow(record, record.event_time));
}

/**
 * The resources of one actor's successful calls in a window (see `ResourceUsageRow`), of one
 * account, summed over the window's days (`day` is the last day the resource was used).
 * Unordered.
 */
export async function resourceUsage(
  cache: CacheConnection,
  source: string,
  window: DayRange,
  accountId: string,
  actorArn: string,
): Promise<ResourceUsageRow[]> {
  const records = await cache.db
    .selectFrom('resource_usage')
    .select(['account_id', 'actor_arn', 'event_source', 'event_name', 'kind', 'resource'])
    .select((eb) => [eb.fn.max('day').as('day'), eb.fn.sum<number | bigint>('calls').as('calls')])
    .where(inWindow(source, window))
    .where('account_id', '=', accountId)
    .where('actor_arn', '=', actorArn)
    .groupBy(['account_id', 'actor_arn', 'event_source', 'event_name', 'kind', 'resource'])
    .execute();
  return records.map(toResourceUsageRow);
}

/** The rows of a source in a window, of any of the cache's tables of days. */
function inWindow(source: string, window: DayRange) {
  return (
    eb: ExpressionBuilder<
      CacheDatabase,
      'activity' | 'actor_days' | 'account_events' | 'role_assumptions' | 'iam_changes' | 'resource_usage'
    >,
  ) => eb.and([eb('source', '=', source), eb('day', '>=', window.startDay), eb('day', '<=', window.endDay)]);
}

/** The columns of an activity row (all but its key, and its source, which every query names). */
const ACTIVITY_COLUMNS = [
  ...SUMMARY_KEYS,
  'calls',
  'first_seen',
  'last_seen',
] as const satisfies readonly (keyof CacheDatabase['activity'])[];

/**
 * The rows of one actor: by its key (which lets DuckDB skip the blocks of other keys, see
 * `actorKey`), then by its ARN (a key is not unique).
 */
function actorIs(actorArn: string) {
  return (eb: ExpressionBuilder<CacheDatabase, 'activity' | 'actor_days'>) =>
    eb.and([eb('actor_key', '=', actorKeyOf(actorArn)), eb('actor_arn', '=', actorArn)]);
}

/**
 * The rows of the actors whose ARN names the account: within the account's key range when it has
 * one (the blocks of other accounts' actors skipped), then by the ARN.
 */
function actorAccountIs(accountId: string) {
  const range = accountKeyRange(accountId);
  return (eb: ExpressionBuilder<CacheDatabase, 'activity' | 'actor_days'>) =>
    eb.and([
      // As BIGINT: a JavaScript bigint is bound as HUGEINT, and a comparison with one reads every block.
      ...(range === undefined
        ? []
        : [
            eb('actor_key', '>=', sql<bigint>`CAST(${range[0]} AS BIGINT)`),
            eb('actor_key', '<', sql<bigint>`CAST(${range[1]} AS BIGINT)`),
          ]),
      eb(sql<string>`split_part(actor_arn, ':', 5)`, '=', accountId),
    ]);
}

/** The role sessions opened by any of `callers`: as the chain's first identity, or its last hop. */
function openedBy(callers: readonly string[]) {
  return (eb: ExpressionBuilder<CacheDatabase, 'activity' | 'actor_days'>) =>
    eb.or([eb('caller_arn', 'in', callers), eb('via_arn', 'in', callers)]);
}

/** {@link actorKey} of an ARN bound as a parameter. */
function actorKeyOf(actorArn: string): RawBuilder<bigint> {
  const [head = '', ...parts] = actorKey('\u0000').split('\u0000');
  return parts.reduce<RawBuilder<bigint>>(
    (key, part) => sql<bigint>`${key}${actorArn}${sql.raw(part)}`,
    sql.raw<bigint>(head),
  );
}

/** The activity rows of a source in a window. */
function scoped(cache: CacheConnection, source: string, window: DayRange) {
  return cache.db.selectFrom('activity').where(inWindow(source, window));
}

/** The actors' days (the activity rolled up over events) of `source` in the window. */
function scopedActorDays(cache: CacheConnection, source: string, window: DayRange) {
  return cache.db.selectFrom('actor_days').where(inWindow(source, window));
}
