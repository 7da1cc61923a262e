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

/** More connections to a database, for {@link DuckDbDriver} to run queries at the same time. */
export interface DuckDbSpareConnections {
  /** Opens another connection to the same database (owned, and closed, by whoever opened the first). */
  readonly connect: () => Promise<DuckDbConnectionLike>;
  /** The most connections in use at once, the first included. */
  readonly max: number;
}

/**
 * A kysely driver over `@duckdb/node-api` connections, owned by the engine, which opens and closes
 * them. A DuckDB connection runs one query at a time, so its users take turns; given
 * {@link DuckDbSpareConnections}, a query that finds every connection busy opens another (up to
 * `max`) instead of waiting, and DuckDB runs the queries at once. Only for a database nothing
 * writes to while it is open (a cache opened read-only): a connection does not see what another's
 * open transaction wrote.
 */
export class DuckDbDriver implements Driver {
  /** Connections no query holds. */
  readonly #idle: DuckDbDatabaseConnection[];
  /** Queries waiting for a connection, first come first served. */
  readonly #waiting: ((connection: DuckDbDatabaseConnection) => void)[] = [];
  #spare: DuckDbSpareConnections | undefined;
  /** Connections open or being opened. */
  #opened = 1;

  constructor(connection: DuckDbConnectionLike, spare?: DuckDbSpareConnections) {
    this.#idle = [new DuckDbDatabaseConnection(connection)];
    this.#spare = spare;
  }

  async init(): Promise<void> {
    // The engine hands over an open connection.
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    const spare = this.#spare;
    if (spare !== undefined && this.#opened < spare.max) {
      this.#opened += 1;
      try {
        return new DuckDbDatabaseConnection(await spare.connect());
      } catch {
        // No more connections: this query takes one that was released meanwhile, or waits for
        // one, which reports any error of the database itself.
        this.#opened -= 1;
        this.#spare = undefined;
        const released = this.#idle.pop();
        if (released !== undefined) return released;
      }
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
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

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof DuckDbDatabaseConnection))
      throw new Error('a connection this driver did not hand out was released');
    const next = this.#waiting.shift();
    if (next === undefined) this.#idle.push(connection);
    else next(connection);
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    // The engine closes the connection it owns.
  }
}
