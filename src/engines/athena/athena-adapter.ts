import { DialectAdapterBase } from 'kysely';

/** What Athena supports of kysely's dialect features: plain SELECTs, no transactions. */
export class AthenaAdapter extends DialectAdapterBase {
  override get supportsTransactionalDdl(): boolean {
    return false;
  }

  override get supportsReturning(): boolean {
    return false;
  }

  /** Athena runs no kysely migrations. */
  override async acquireMigrationLock(): Promise<void> {
    // Nothing to lock.
  }

  override async releaseMigrationLock(): Promise<void> {
    // Nothing to lock.
  }
}
