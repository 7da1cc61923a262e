import { DialectAdapterBase } from 'kysely';

/** What DuckDB supports of kysely's dialect features. */
export class DuckDbAdapter extends DialectAdapterBase {
  override get supportsCreateIfNotExists(): boolean {
    return true;
  }

  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override get supportsReturning(): boolean {
    return true;
  }

  /** DuckDB has no advisory locks; iamtrail runs no kysely migrations. */
  override async acquireMigrationLock(): Promise<void> {
    // Nothing to lock: a DuckDB database file is opened by one read-write process at a time.
  }

  override async releaseMigrationLock(): Promise<void> {
    // See acquireMigrationLock.
  }
}
