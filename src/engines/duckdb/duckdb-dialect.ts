import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely';

import { DuckDbAdapter } from './duckdb-adapter.js';
import { DuckDbDriver } from './duckdb-driver.js';
import type { DuckDbConnectionLike, DuckDbSpareConnections } from './duckdb-driver.js';
import { InformationSchemaIntrospector } from '../information-schema-introspector.js';
import { DuckDbQueryCompiler } from './duckdb-query-compiler.js';

/** Configuration of {@link DuckDbDialect}. */
export interface DuckDbDialectConfig {
  /** An open `@duckdb/node-api` connection, owned by the caller. */
  readonly connection: DuckDbConnectionLike;
  /** More connections, for queries kysely is given at once: see {@link DuckDbDriver}. */
  readonly spare?: DuckDbSpareConnections;
}

/** kysely dialect for embedded DuckDB through `@duckdb/node-api`. */
export class DuckDbDialect implements Dialect {
  constructor(private readonly config: DuckDbDialectConfig) {}

  createDriver(): Driver {
    return new DuckDbDriver(this.config.connection, this.config.spare);
  }

  createQueryCompiler(): QueryCompiler {
    return new DuckDbQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new DuckDbAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new InformationSchemaIntrospector(db);
  }
}
