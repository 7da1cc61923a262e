import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely';

import { AthenaAdapter } from './athena-adapter.js';
import { AthenaDriver } from './athena-driver.js';
import type { AthenaRunnerLike } from './athena-driver.js';
import { InformationSchemaIntrospector } from '../information-schema-introspector.js';
import { AthenaQueryCompiler } from './athena-query-compiler.js';

/** Configuration of {@link AthenaDialect}. */
export interface AthenaDialectConfig {
  /** Runs the compiled queries; absent when the dialect only compiles (golden tests, dry runs). */
  readonly runner?: AthenaRunnerLike;
}

/** kysely dialect for Amazon Athena engine v3 (Trino SQL). */
export class AthenaDialect implements Dialect {
  constructor(private readonly config: AthenaDialectConfig = {}) {}

  createDriver(): Driver {
    return new AthenaDriver(
      this.config.runner ?? {
        run: () => Promise.reject(new Error('this Athena dialect only compiles queries')),
      },
    );
  }

  createQueryCompiler(): QueryCompiler {
    return new AthenaQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new AthenaAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new InformationSchemaIntrospector(db);
  }
}
