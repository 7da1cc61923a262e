/**
 * What iamtrail remembers of its Athena side, so that `athena cleanup` removes what iamtrail made
 * and nothing else. The types live with the Athena engine; the cache stores them (the cache may
 * depend on engines, never the reverse).
 */

/** An Athena or Glue object iamtrail created. */
export interface AthenaResource {
  readonly kind: 'database' | 'table' | 'workgroup';
  /** `database`, `database.table`, or the workgroup name. */
  readonly name: string;
  readonly region: string;
}

/** An Athena query iamtrail ran. */
export interface AthenaQueryRecord {
  readonly queryId: string;
  readonly region: string;
  readonly workgroup: string;
  readonly outputLocation: string | null;
  readonly state: string;
  readonly bytesScanned: number;
}

/**
 * What the ledger holds of an object or query: it, and the account of the credentials it was
 * created or run with (null: recorded by an iamtrail before cache schema 14, which did not note
 * it). Cleanup acts only on the entries of the account of its own credentials.
 */
export type LedgerEntry<T> = T & { readonly account: string | null };
