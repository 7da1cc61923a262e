import { sql } from 'kysely';
import type { CompiledQuery, Kysely } from 'kysely';

import type { CloudTrailDatabase } from './cloudtrail-relation.js';
import { identityField } from './cloudtrail-relation.js';
import { addDays, isUtcDay } from './utc-days.js';

/** Whether a call succeeded; any `errorCode` makes it `denied`. */
export const OUTCOMES = ['ok', 'denied'] as const;
/** One of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[number];

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
  readonly eventSource: string;
  readonly eventName: string;
  readonly outcome: Outcome;
  readonly calls: number;
  /** Earliest and latest `eventTime` of the group, ISO-8601. */
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** Column names of the summary query's result, as the SQL returns them. */
export interface ActivitySummaryRecord {
  account_id: string;
  day: string;
  actor_arn: string;
  actor_type: string;
  event_source: string;
  event_name: string;
  outcome: Outcome;
  calls: number;
  first_seen: string;
  last_seen: string;
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
   * Also return one row per log file (`log_file` set, summary columns null) saying whether the
   * file held a `Records` list, computed in the same pass. Needs a relation with `log_file` and
   * `has_records` columns and one row per file whose `eventtime` is null (DuckDB's; see
   * `engines/duckdb/duckdb-sql.ts`).
   */
  readonly perFile?: boolean;
  /**
   * The relation is Athena's projected table: add predicates on its `date` (`yyyy/MM/dd`, through
   * the day after the window, where late deliveries land) and `account` partitions. They are
   * literals, validated here, because injected projection accepts nothing else.
   */
  readonly partitions?: boolean;
}

/**
 * A row of the summary query's result: a summary row, or with `perFile` a per-file row (only
 * `log_file` and `has_records` set).
 */
export type SummaryRecord = ActivitySummaryRecord & {
  readonly log_file?: string | null;
  readonly has_records?: boolean | null;
};

/** The built summary query: compile it (Athena) or execute it (DuckDB through kysely). */
export interface SummaryQuery {
  compile(): CompiledQuery<SummaryRecord>;
  execute(): Promise<SummaryRecord[]>;
}

/** A per-file row of the summary query (see {@link ActivitySummaryOptions.perFile}). */
export interface LogFileRecord {
  readonly log_file: string;
  readonly has_records: boolean;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The activity-summary query of DESIGN.md over the `cloudtrail` relation, one definition for every
 * engine: DuckDB and Athena compile the same builder with their own dialect. Values (days,
 * accounts) are bound parameters; nested columns are grouped through a CTE alias, as Athena
 * engine v3 requires.
 */
export function buildActivitySummaryQuery(
  db: Kysely<CloudTrailDatabase>,
  options: ActivitySummaryOptions,
): SummaryQuery {
  if (!isUtcDay(options.startDay) || !isUtcDay(options.endDay)) {
    throw new Error(`summary days must be YYYY-MM-DD, got ${options.startDay}..${options.endDay}`);
  }
  const accounts = options.accountIds ?? [];
  for (const account of accounts) {
    if (!ACCOUNT_ID.test(account))
      throw new Error(`account ids must be 12 digits, got ${JSON.stringify(account)}`);
  }
  const identityType = identityField('type');
  const perFile = options.perFile === true;
  const groupColumns = [
    'account_id',
    'day',
    'actor_arn',
    'actor_type',
    'event_source',
    'event_name',
    'outcome',
  ] as const;
  const windowStart = `${options.startDay}T00:00:00Z`;
  const windowEnd = `${addDays(options.endDay, 1)}T00:00:00Z`;
  const query = db
    .with('events', (qb) =>
      qb
        .selectFrom('cloudtrail')
        .select([
          sql<string>`recipientaccountid`.as('account_id'),
          sql<string>`substr(eventtime, 1, 10)`.as('day'),
          sql<string>`CASE WHEN ${identityType} = 'AssumedRole' THEN ${identityField('sessioncontext', 'sessionissuer', 'arn')} ELSE ${identityField('arn')} END`.as(
            'actor_arn',
          ),
          sql<string>`${identityType}`.as('actor_type'),
          sql<string>`eventsource`.as('event_source'),
          sql<string>`eventname`.as('event_name'),
          sql<Outcome>`CASE WHEN errorcode IS NULL THEN 'ok' ELSE 'denied' END`.as('outcome'),
          sql<string>`eventtime`.as('eventtime'),
          ...(perFile
            ? [sql<string>`log_file`.as('log_file'), sql<boolean>`has_records`.as('has_records')]
            : []),
        ])
        .where((eb) => {
          const inWindow = eb.and([
            sql<boolean>`eventtime >= ${windowStart}`,
            sql<boolean>`eventtime < ${windowEnd}`,
            ...(accounts.length > 0 ? [sql<boolean>`recipientaccountid IN (${sql.join(accounts)})`] : []),
            ...(options.partitions === true
              ? [
                  sql<boolean>`"date" >= ${sql.lit(options.startDay.replace(/-/g, '/'))}`,
                  sql<boolean>`"date" <= ${sql.lit(addDays(options.endDay, 1).replace(/-/g, '/'))}`,
                  ...(accounts.length > 0
                    ? [sql<boolean>`"account" IN (${sql.join(accounts.map((account) => sql.lit(account)))})`]
                    : []),
                ]
              : []),
          ]);
          // The per-file sentinel rows have no eventtime; they must reach the file grouping set.
          return perFile ? eb.or([inWindow, sql<boolean>`eventtime IS NULL`]) : inWindow;
        }),
    )
    .selectFrom('events')
    .select((eb) => [
      ...groupColumns,
      eb.fn.count<number>('eventtime').as('calls'),
      eb.fn.min<string>('eventtime').as('first_seen'),
      eb.fn.max<string>('eventtime').as('last_seen'),
    ]);
  if (!perFile) {
    return query
      .where('actor_arn', 'is not', null)
      .groupBy([...groupColumns])
      .orderBy('account_id')
      .orderBy('day')
      .orderBy('actor_arn')
      .orderBy('event_source')
      .orderBy('event_name')
      .orderBy('outcome');
  }
  return query
    .select([sql<string>`log_file`.as('log_file'), sql<boolean>`bool_or(has_records)`.as('has_records')])
    .groupBy(sql`GROUPING SETS ((${sql.join(groupColumns.map((column) => sql.ref(column)))}), (log_file))`)
    .having(sql<boolean>`GROUPING(log_file) = 0 OR (actor_arn IS NOT NULL AND day IS NOT NULL)`);
}

/** Converts a result record of the summary query to an {@link ActivityRow}. */
export function toActivityRow(record: ActivitySummaryRecord): ActivityRow {
  return {
    accountId: record.account_id,
    day: record.day,
    actorArn: record.actor_arn,
    actorType: record.actor_type,
    eventSource: record.event_source,
    eventName: record.event_name,
    outcome: record.outcome,
    calls: record.calls,
    firstSeen: record.first_seen,
    lastSeen: record.last_seen,
  };
}

/** Merges rows of the same group (from several batches of files) by adding calls and widening times. */
export function mergeActivityRows(rows: Iterable<ActivityRow>): ActivityRow[] {
  const merged = new Map<string, ActivityRow>();
  for (const row of rows) {
    const key = [
      row.accountId,
      row.day,
      row.actorArn,
      row.actorType,
      row.eventSource,
      row.eventName,
      row.outcome,
    ].join('\u0000');
    const seen = merged.get(key);
    merged.set(
      key,
      seen === undefined
        ? row
        : {
            ...seen,
            calls: seen.calls + row.calls,
            firstSeen: row.firstSeen < seen.firstSeen ? row.firstSeen : seen.firstSeen,
            lastSeen: row.lastSeen > seen.lastSeen ? row.lastSeen : seen.lastSeen,
          },
    );
  }
  return [...merged.values()];
}
