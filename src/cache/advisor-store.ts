import { randomUUID } from 'node:crypto';

import { sql } from 'kysely';

import { messageOf, UsageError } from '../errors.js';
import type {
  AdvisorAction,
  AdvisorEntityType,
  AdvisorService,
  AdvisorSnapshot,
} from '../iam/access-advisor.js';
import type { CacheConnection } from './cache-connection.js';

/*
 * Access Advisor snapshots in the cache: appended by `advisor collect` and `advisor import`, read
 * by `advisor`, `serve` and the report.
 */

/** Which snapshots to read. Every criterion given must hold (AND); none given: every principal. */
export interface AdvisorFilter {
  /** ARNs, compared case-insensitively and exactly (Aardvark's `arn`). */
  readonly arns?: readonly string[];
  /** A case-insensitive substring of the ARN (Aardvark's `phrase`). */
  readonly phrase?: string;
  /** A regular expression (DuckDB's RE2 syntax) the ARN matches somewhere (Aardvark's `regex`). */
  readonly regex?: string;
  readonly accountIds?: readonly string[];
  readonly entityTypes?: readonly AdvisorEntityType[];
  /** Every snapshot of the matching ARNs, oldest first; default: only the latest of each. */
  readonly history?: boolean;
}

/** Appends one snapshot with its services and actions, in one transaction. Returns its id. */
export async function writeAdvisorSnapshot(
  cache: CacheConnection,
  snapshot: AdvisorSnapshot,
): Promise<string> {
  const [id] = await writeAdvisorSnapshots(cache, [snapshot]);
  return id ?? '';
}

/**
 * Appends several snapshots in one transaction (all or none), as `advisor import` writes a folder:
 * rows go in multi-row inserts, not a few statements per principal. Returns their ids, in order.
 */
export async function writeAdvisorSnapshots(
  cache: CacheConnection,
  snapshots: readonly AdvisorSnapshot[],
): Promise<string[]> {
  const ids = snapshots.map(() => randomUUID());
  const rows = snapshots.map((snapshot, at) => ({ id: ids[at] ?? '', snapshot }));
  const snapshotRows = rows.map(({ id, snapshot }) => ({
    snapshot_id: id,
    account_id: snapshot.accountId,
    arn: snapshot.arn,
    entity_type: snapshot.entityType,
    collected_at: snapshot.collectedAt,
    job_completed_at: snapshot.jobCompletedAt,
    origin: snapshot.origin,
  }));
  const serviceRows = rows.flatMap(({ id, snapshot }) =>
    snapshot.services.map((service) => ({
      snapshot_id: id,
      service_namespace: service.serviceNamespace,
      service_name: service.serviceName,
      last_authenticated: service.lastAuthenticated,
      last_authenticated_entity: service.lastAuthenticatedEntity,
      last_authenticated_region: service.lastAuthenticatedRegion,
      total_authenticated_entities: service.totalAuthenticatedEntities,
      tracked: service.trackedActions !== undefined,
    })),
  );
  const actionRows = rows.flatMap(({ id, snapshot }) =>
    snapshot.services.flatMap((service) =>
      (service.trackedActions ?? []).map((action) => ({
        snapshot_id: id,
        service_namespace: service.serviceNamespace,
        action_name: action.actionName,
        last_accessed: action.lastAccessed,
        last_accessed_entity: action.lastAccessedEntity,
        last_accessed_region: action.lastAccessedRegion,
      })),
    ),
  );
  await cache.transaction(async () => {
    // DuckDB takes a few thousand parameters a statement comfortably: insert in slices.
    for (let index = 0; index < snapshotRows.length; index += 500)
      await cache.db
        .insertInto('advisor_snapshots')
        .values(snapshotRows.slice(index, index + 500))
        .execute();
    for (let index = 0; index < serviceRows.length; index += 500)
      await cache.db
        .insertInto('advisor_services')
        .values(serviceRows.slice(index, index + 500))
        .execute();
    for (let index = 0; index < actionRows.length; index += 500)
      await cache.db
        .insertInto('advisor_actions')
        .values(actionRows.slice(index, index + 500))
        .execute();
  });
  return ids;
}

/**
 * The snapshots that match `filter`, with their services (by namespace) and tracked actions (by
 * name), ordered by ARN (then time, with history). A regex DuckDB cannot compile is a usage error.
 */
export async function advisorSnapshots(
  cache: CacheConnection,
  filter: AdvisorFilter = {},
): Promise<AdvisorSnapshot[]> {
  if (filter.regex !== undefined) await requireRegex(cache, filter.regex);
  const query = matching(cache, filter).select([
    'snapshot_id',
    'account_id',
    'arn',
    'entity_type',
    'collected_at',
    'job_completed_at',
    'origin',
  ]);
  const snapshots = await query.orderBy('arn').orderBy(COLLECTED_AT_ORDER).orderBy('snapshot_id').execute();
  if (snapshots.length === 0) return [];
  const ids = snapshots.map((row) => row.snapshot_id);
  const services = new Map<string, AdvisorServiceRow[]>();
  const actions = new Map<string, AdvisorActionRow[]>();
  for (let index = 0; index < ids.length; index += 500) {
    const slice = ids.slice(index, index + 500);
    for (const row of await cache.db
      .selectFrom('advisor_services')
      .selectAll()
      .where('snapshot_id', 'in', slice)
      .orderBy('service_namespace')
      .execute())
      services.set(row.snapshot_id, [...(services.get(row.snapshot_id) ?? []), row]);
    for (const row of await cache.db
      .selectFrom('advisor_actions')
      .selectAll()
      .where('snapshot_id', 'in', slice)
      .orderBy('service_namespace')
      .orderBy('action_name')
      .execute())
      actions.set(row.snapshot_id, [...(actions.get(row.snapshot_id) ?? []), row]);
  }
  return snapshots.map((row) => ({
    accountId: row.account_id,
    arn: row.arn,
    entityType: row.entity_type as AdvisorEntityType,
    collectedAt: row.collected_at,
    jobCompletedAt: row.job_completed_at,
    origin: row.origin,
    services: (services.get(row.snapshot_id) ?? []).map((service) =>
      toService(service, actions.get(row.snapshot_id) ?? []),
    ),
  }));
}

/**
 * The ARNs that match `filter` (one per principal with its latest snapshot, or one per snapshot
 * with history), in ARN order: what a page of them is cut from before their snapshots are read.
 * A regex DuckDB cannot compile is a usage error.
 */
export async function advisorArns(cache: CacheConnection, filter: AdvisorFilter = {}): Promise<string[]> {
  if (filter.regex !== undefined) await requireRegex(cache, filter.regex);
  const rows = await matching(cache, filter)
    .select('arn')
    .orderBy('arn')
    .orderBy(COLLECTED_AT_ORDER)
    .orderBy('snapshot_id')
    .execute();
  return rows.map((row) => row.arn);
}

/** The snapshots table with `filter`'s conditions. */
function matching(cache: CacheConnection, filter: AdvisorFilter) {
  let query = cache.db.selectFrom('advisor_snapshots');
  if (filter.arns !== undefined) {
    const wanted = filter.arns.map((arn) => arn.toLowerCase());
    query =
      wanted.length === 0 ? query.where(sql<boolean>`false`) : query.where(sql`lower(arn)`, 'in', wanted);
  }
  if (filter.phrase !== undefined)
    query = query.where(sql<boolean>`contains(lower(arn), lower(${filter.phrase}))`);
  if (filter.regex !== undefined) query = query.where(sql<boolean>`regexp_matches(arn, ${filter.regex})`);
  if (filter.accountIds !== undefined)
    query =
      filter.accountIds.length === 0
        ? query.where(sql<boolean>`false`)
        : query.where('account_id', 'in', [...filter.accountIds]);
  if (filter.entityTypes !== undefined)
    query =
      filter.entityTypes.length === 0
        ? query.where(sql<boolean>`false`)
        : query.where('entity_type', 'in', [...filter.entityTypes]);
  // One snapshot per principal (ARNs compare in any case, as the filters do): the latest by time,
  // compared as times, not as text ('…:03.127Z' is after '…:03Z'); of two at the same time, one.
  if (filter.history !== true)
    query = query.where(
      sql<boolean>`snapshot_id = (SELECT latest.snapshot_id FROM advisor_snapshots AS latest WHERE lower(latest.arn) = lower(advisor_snapshots.arn) ORDER BY ${COLLECTED_AT_TIME} DESC, latest.snapshot_id DESC LIMIT 1)`,
    );
  return query;
}

/** `collected_at` (ISO-8601 UTC, `Z`) as a timestamp of the subquery's row, for ordering. */
const COLLECTED_AT_TIME = sql`CAST(replace(latest.collected_at, 'Z', '') AS TIMESTAMP)`;
/** The same, of the outer row. */
const COLLECTED_AT_ORDER = sql`CAST(replace(collected_at, 'Z', '') AS TIMESTAMP)`;

type AdvisorServiceRow = {
  readonly snapshot_id: string;
  readonly service_namespace: string;
  readonly service_name: string;
  readonly last_authenticated: string | null;
  readonly last_authenticated_entity: string | null;
  readonly last_authenticated_region: string | null;
  readonly total_authenticated_entities: number | bigint;
  readonly tracked: boolean;
};
type AdvisorActionRow = {
  readonly service_namespace: string;
  readonly action_name: string;
  readonly last_accessed: string | null;
  readonly last_accessed_entity: string | null;
  readonly last_accessed_region: string | null;
};

function toService(row: AdvisorServiceRow, actions: readonly AdvisorActionRow[]): AdvisorService {
  const tracked: AdvisorAction[] = actions
    .filter((action) => action.service_namespace === row.service_namespace)
    .map((action) => ({
      actionName: action.action_name,
      lastAccessed: action.last_accessed,
      lastAccessedEntity: action.last_accessed_entity,
      lastAccessedRegion: action.last_accessed_region,
    }));
  return {
    serviceNamespace: row.service_namespace,
    serviceName: row.service_name,
    lastAuthenticated: row.last_authenticated,
    lastAuthenticatedEntity: row.last_authenticated_entity,
    lastAuthenticatedRegion: row.last_authenticated_region,
    totalAuthenticatedEntities: Number(row.total_authenticated_entities),
    ...(row.tracked ? { trackedActions: tracked } : {}),
  };
}

/** Fails with a usage error when DuckDB cannot compile `regex`. */
async function requireRegex(cache: CacheConnection, regex: string): Promise<void> {
  try {
    await sql`SELECT regexp_matches('', ${regex})`.execute(cache.db);
  } catch (error) {
    throw new UsageError(
      `the regular expression ${JSON.stringify(regex)} does not compile: ${messageOf(error)}`,
      { suggestions: ['Regular expressions use RE2 syntax (as DuckDB)'] },
    );
  }
}
