import type { AthenaQueryRecord, AthenaResource, LedgerEntry } from '../engines/athena/athena-ledger.js';
import type { CacheConnection } from './cache-connection.js';

/*
 * The Athena ledger: what iamtrail created and ran on the Athena side, and in which account, so
 * that `athena cleanup` removes exactly that.
 */

/**
 * Remembers an object iamtrail created with the credentials of `account`, so that cleanup can
 * remove it and nothing else.
 */
export async function recordAthenaResource(
  cache: CacheConnection,
  resource: AthenaResource,
  account: string,
): Promise<void> {
  await cache.db
    .insertInto('athena_resources')
    .values({
      kind: resource.kind,
      name: resource.name,
      region: resource.region,
      created_at: new Date().toISOString(),
      account_id: account,
    })
    .execute();
}

/** The objects iamtrail created in a region, in every account, unordered. */
export async function athenaResources(
  cache: CacheConnection,
  region: string,
): Promise<LedgerEntry<AthenaResource>[]> {
  const rows = await cache.db
    .selectFrom('athena_resources')
    .select(['kind', 'name', 'region', 'account_id'])
    .where('region', '=', region)
    .distinct()
    .execute();
  return rows.map(({ account_id, ...resource }) => ({ ...resource, account: account_id }));
}

/** Forgets a created object of one account (after cleanup removed it). */
export async function forgetAthenaResource(
  cache: CacheConnection,
  resource: LedgerEntry<AthenaResource>,
): Promise<void> {
  await cache.db
    .deleteFrom('athena_resources')
    .where('kind', '=', resource.kind)
    .where('name', '=', resource.name)
    .where('region', '=', resource.region)
    .where('account_id', 'is not distinct from', resource.account)
    .execute();
}

/**
 * Remembers a query iamtrail ran with the credentials of `account` (null when they could not be
 * told), and where its results are.
 */
export async function recordAthenaQuery(
  cache: CacheConnection,
  query: AthenaQueryRecord,
  account: string | null,
): Promise<void> {
  await cache.db
    .insertInto('athena_queries')
    .values({
      query_id: query.queryId,
      region: query.region,
      workgroup: query.workgroup,
      output_location: query.outputLocation,
      submitted_at: new Date().toISOString(),
      state: query.state,
      bytes_scanned: query.bytesScanned,
      account_id: account,
    })
    .execute();
}

/** The queries iamtrail ran in a region, in every account. */
export async function athenaQueries(
  cache: CacheConnection,
  region: string,
): Promise<LedgerEntry<AthenaQueryRecord>[]> {
  const rows = await cache.db
    .selectFrom('athena_queries')
    .selectAll()
    .where('region', '=', region)
    .orderBy('submitted_at')
    .execute();
  return rows.map((row) => ({
    queryId: row.query_id,
    region: row.region,
    workgroup: row.workgroup,
    outputLocation: row.output_location,
    state: row.state,
    bytesScanned: row.bytes_scanned,
    account: row.account_id,
  }));
}

/** Forgets queries whose results cleanup removed. */
export async function forgetAthenaQueries(
  cache: CacheConnection,
  queryIds: readonly string[],
): Promise<void> {
  if (queryIds.length > 0)
    await cache.db.deleteFrom('athena_queries').where('query_id', 'in', queryIds).execute();
}

/** How many entries (objects and queries, of every region and account) the ledger holds. */
export async function athenaLedgerCount(cache: CacheConnection): Promise<number> {
  let count = 0;
  for (const table of ['athena_resources', 'athena_queries'] as const) {
    const row = await cache.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | bigint>().as('count'))
      .executeTakeFirst();
    count += Number(row?.count ?? 0);
  }
  return count;
}
