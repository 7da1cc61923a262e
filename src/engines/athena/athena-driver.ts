import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';

import type { AthenaQueryResult } from './athena-runner.js';

/** The part of {@link AthenaRunner} the driver calls. */
export interface AthenaRunnerLike {
  run(sql: string, parameters: readonly string[]): Promise<AthenaQueryResult>;
}

/**
 * Athena ExecutionParameters are SQL literals: a string goes with its quotes, escaped.
 * Only strings and finite numbers are ever bound by iamtrail's queries.
 */
export function toExecutionParameter(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new Error(`cannot bind ${typeof value} as an Athena execution parameter`);
}

/** Converts Athena's all-string cells using the result's column types. */
export function convertCell(value: string | undefined, type: string): unknown {
  if (value === undefined) return null;
  if (/^(bigint|integer|int|smallint|tinyint|double|float|real|decimal)/i.test(type)) return Number(value);
  if (/^boolean$/i.test(type)) return value === 'true';
  return value;
}

class AthenaConnection implements DatabaseConnection {
  constructor(private readonly runner: AthenaRunnerLike) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.runner.run(
      compiledQuery.sql,
      compiledQuery.parameters.map(toExecutionParameter),
    );
    const rows = result.rows.map((cells) => {
      const row: Record<string, unknown> = {};
      result.columns.forEach((column, index) => {
        row[column.name] = convertCell(cells[index], column.type);
      });
      return row as R;
    });
    return { rows };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not used with Athena');
  }
}

/** A kysely driver that runs each query as one Athena query execution. */
export class AthenaDriver implements Driver {
  readonly #connection: AthenaConnection;

  constructor(runner: AthenaRunnerLike) {
    this.#connection = new AthenaConnection(runner);
  }

  async init(): Promise<void> {
    // Nothing to open: every query is an API call.
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(this.#connection);
  }

  beginTransaction(): Promise<void> {
    return Promise.reject(new Error('Athena has no transactions'));
  }

  commitTransaction(): Promise<void> {
    return Promise.reject(new Error('Athena has no transactions'));
  }

  rollbackTransaction(): Promise<void> {
    return Promise.reject(new Error('Athena has no transactions'));
  }

  async releaseConnection(): Promise<void> {
    // Nothing held.
  }

  async destroy(): Promise<void> {
    // Nothing held.
  }
}
