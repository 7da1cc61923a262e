import { createHash } from 'node:crypto';

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

/**
 * The `actor_key` the cache should store for an ARN, computed here from its definition and not by
 * iamtrail's SQL: the account (the ARN's fifth field, when 12 characters of a number) times 2^23,
 * plus the MD5 of the ARN's last 8 bytes, read little-endian (DuckDB's md5_number_lower), modulo
 * 2^23. As a string, as {@link readCacheRows} gives BIGINT.
 */
export function expectedActorKey(arn: string): string {
  const account = arn.split(':')[4] ?? '';
  const accountPart = account.length === 12 && /^[+-]?[0-9]+$/.test(account) ? BigInt(account) : 0n;
  const low = createHash('md5').update(arn).digest().readBigUInt64LE(8) % 8_388_608n;
  return (accountPart * 8_388_608n + low).toString();
}
