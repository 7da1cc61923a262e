import { DuckDBInstance } from '@duckdb/node-api';

/** Every row of the cache file's log tables, sorted, with the coverage's load time left out. */
export async function cacheTables(path: string): Promise<Record<string, unknown[]>> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables: Record<string, unknown[]> = {};
    for (const [name, query] of [
      ['activity', 'SELECT * FROM activity ORDER BY ALL'],
      ['actor_days', 'SELECT * FROM actor_days ORDER BY ALL'],
      ['iam_changes', 'SELECT * FROM iam_changes ORDER BY ALL'],
      ['coverage', 'SELECT * EXCLUDE (loaded_at) FROM coverage ORDER BY ALL'],
      ['skipped_files', 'SELECT * FROM skipped_files ORDER BY ALL'],
      ['resource_usage', 'SELECT * FROM resource_usage ORDER BY ALL'],
    ] as const)
      tables[name] = (await connection.runAndReadAll(query)).getRowsJson();
    return tables;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Runs SQL statements on a DuckDB file with plain DuckDB, as another program (or an older iamtrail) would. */
export async function runOnDuckDb(path: string, statements: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(statements);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
