import type { DuckDBResultReader, DuckDBValue } from '@duckdb/node-api';
import { CompiledQuery } from 'kysely';
import type { DatabaseConnection, Driver, QueryResult } from 'kysely';

/** The part of `@duckdb/node-api`'s prepared statement the driver calls. */
export interface DuckDbPreparedLike {
  bind(values: DuckDBValue[]): void;
  runAndReadAll(): Promise<DuckDBResultReader>;
  destroySync(): void;
}

/**
 * The part of `@duckdb/node-api`'s connection the driver calls: just enough to prepare a statement,
 * bind its parameters and read the rows. One statement a query: `prepare` refuses text holding
 * several (kysely compiles one; `CacheConnection.connection.run` is there for scripts).
 */
export interface DuckDbConnectionLike {
  prepare(sql: string): Promise<DuckDbPreparedLike>;
}

/**
 * Runs compiled queries on one DuckDB connection. SELECT results come back as one JSON document
 * per row (`to_json`), parsed in JS: several times faster than reading each value through the
 * bindings, which matters for summaries of hundreds of thousands of rows. JSON keeps every value
 * iamtrail selects exactly (strings, booleans, counts far below 2^53).
 */
class DuckDbDatabaseConnection implements DatabaseConnection {
  constructor(private readonly connection: DuckDbConnectionLike) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiledQuery.parameters as DuckDBValue[];
    if (compiledQuery.query.kind !== 'SelectQueryNode') {
      const reader = await this.#run(compiledQuery.sql, parameters);
      return { rows: reader.getRowObjectsJS() as R[], numAffectedRows: BigInt(reader.rowsChanged) };
    }
    const reader = await this.#run(
      `SELECT to_json(q)::VARCHAR AS row FROM (${compiledQuery.sql}) q`,
      parameters,
    );
    const [column] = reader.getColumnsJS();
    return { rows: (column ?? []).map((json) => JSON.parse(json as string) as R) };
  }

  /**
   * Runs one statement (kysely compiles one a query) and reads all its rows. Prepared directly:
   * the connection's `runAndReadAll` would first split the text into statements, one more step on
   * a DuckDB thread and one more wait for Node's event loop, before preparing it.
   */
  async #run(sql: string, parameters: DuckDBValue[]): Promise<DuckDBResultReader> {
    const prepared = await this.connection.prepare(sql);
    try {
      if (parameters.length > 0) prepared.bind(parameters);
      return await prepared.runAndReadAll();
    } finally {
      prepared.destroySync();
    }
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
