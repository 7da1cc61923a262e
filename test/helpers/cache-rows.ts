import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The rows of `sql` on the cache file `cache`, opened read-only and closed again, values as JSON
 * would have them (BIGINT as strings): what a run left in the cache, read as a user's tool would.
 */
export async function readCacheRows(cache: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(cache, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowsJson();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
