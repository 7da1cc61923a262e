import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { CompiledQuery } from 'kysely';
import type { DatabaseConnection, Driver, QueryResult } from 'kysely';

/**
 * The part of `@duckdb/node-api`'s connection the driver calls: just enough to run SQL with bound
 * parameters and read the rows.
 */
export interface DuckDbConnectionLike {
  runAndReadAll(sql: string, values?: DuckDBValue[]): ReturnType<DuckDBConnection['runAndReadAll']>;
}

/** Runs compiled queries on one DuckDB connection. */
class DuckDbDatabaseConnection implements DatabaseConnection {
  constructor(private readonly connection: DuckDbConnectionLike) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const reader = await this.connection.runAndReadAll(
      compiledQuery.sql,
      compiledQuery.parameters as DuckDBValue[],
    );
    const rows = reader.getRowObjectsJS().map((row) => {
      // COUNT and SUM are BIGINT in DuckDB; counts of log events fit a double exactly.
      const converted: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row))
        converted[key] = typeof value === 'bigint' ? Number(value) : value;
      return converted as R;
    });
    return { rows };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not used with DuckDB');
  }
}

/**
 * A kysely driver over one `@duckdb/node-api` connection. The connection is owned by the engine,
 * which opens and closes it; users of it take turns, as a DuckDB connection runs one query at a
 * time.
 */
export class DuckDbDriver implements Driver {
  readonly #connection: DuckDbDatabaseConnection;
  /** Resolves when the current holder releases the connection. */
  #turn: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(connection: DuckDbConnectionLike) {
    this.#connection = new DuckDbDatabaseConnection(connection);
  }

  async init(): Promise<void> {
    // The engine hands over an open connection.
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN TRANSACTION'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    // The engine closes the connection it owns.
  }
}
