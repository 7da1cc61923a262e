import type { AthenaQueryRecord, AthenaResource } from '../engines/athena/athena-ledger.js';
import type { CacheConnection } from './cache-connection.js';

/*
 * The Athena ledger: what iamtrail created and ran on the Athena side, so that `athena cleanup`
 * removes exactly that.
 */

/** Remembers an object iamtrail created, so that cleanup can remove it and nothing else. */
export async function recordAthenaResource(cache: CacheConnection, resource: AthenaResource): Promise<void> {
  await cache.db
    .insertInto('athena_resources')
    .values({
      kind: resource.kind,
      name: resource.name,
      region: resource.region,
      created_at: new Date().toISOString(),
    })
    .execute();
}

/** The objects iamtrail created in a region, unordered. */
export async function athenaResources(cache: CacheConnection, region: string): Promise<AthenaResource[]> {
  return cache.db
    .selectFrom('athena_resources')
    .select(['kind', 'name', 'region'])
    .where('region', '=', region)
    .distinct()
    .execute();
}

/** Forgets a created object (after cleanup removed it). */
export async function forgetAthenaResource(cache: CacheConnection, resource: AthenaResource): Promise<void> {
  await cache.db
    .deleteFrom('athena_resources')
    .where('kind', '=', resource.kind)
    .where('name', '=', resource.name)
    .where('region', '=', resource.region)
    .execute();
}

/** Remembers a query iamtrail ran and where its results are. */
export async function recordAthenaQuery(cache: CacheConnection, query: AthenaQueryRecord): Promise<void> {
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
    })
    .execute();
}

/** The queries iamtrail ran in a region. */
export async function athenaQueries(cache: CacheConnection, region: string): Promise<AthenaQueryRecord[]> {
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
