import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/**
 * The `cloudtrail` relation every engine exposes, with the column names of the Athena CloudTrail
 * table (lower case). DuckDB builds it as a view over `read_json`; Athena has the real table.
 * Only the columns the queries read are declared.
 */
export interface CloudTrailTable {
  eventtime: string;
  eventsource: string;
  eventname: string;
  errorcode: string | null;
  /** `errorMessage`: with no `errorCode`, a failed console sign-in (see `call-outcome.ts`). */
  errormessage: string | null;
  recipientaccountid: string;
  /** JSON text of the response (Athena); DuckDB holds the JSON value. Read with `json_extract_scalar`. */
  responseelements: string | null;
  /**
   * JSON text of the request (Athena). DuckDB holds it for the events of IAM and of the services
   * whose resources the extraction reads (see `engines/duckdb/duckdb-sql.ts`), null for other
   * events. Read with `json_extract_scalar`, only for those events.
   */
  requestparameters: string | null;
  /** `awsRegion`: the region the call was made in. */
  awsregion: string | null;
  /**
   * The resources CloudTrail lists for the call (`resources[].ARN`; Athena's struct also holds
   * `accountid` and `type`), read as `r.arn`; null when the record has none.
   */
  resources: readonly { arn: string | null }[] | null;
  /** `eventID`: unique per event (a copy delivered twice has the same). */
  eventid: string | null;
  /** `sourceIPAddress`: an IP, or an AWS service's name. */
  sourceipaddress: string | null;
  /** A struct: `type, arn, accountid, accesskeyid, username, sessioncontext.sessionissuer.arn, ...` */
  useridentity: unknown;
  /**
   * The log file the record was read from: Athena's hidden `"$path"` column (the S3 URI); the
   * DuckDB view's `filename` under the same name. Only counted, never parsed.
   */
  $path: string;
}

/** The database the trail queries are written against. */
export interface CloudTrailDatabase {
  cloudtrail: CloudTrailTable;
}

const FIELD = /^[a-z]+$/;

/**
 * A field of the `useridentity` struct, e.g. `identityField('sessioncontext', 'sessionissuer',
 * 'arn')`. Struct paths are written as dot paths, which both DuckDB and Trino read; the names are
 * constants of this codebase, checked against a strict pattern, never user input.
 */
export function identityField(...path: string[]): RawBuilder<string | null> {
  for (const part of path) {
    if (!FIELD.test(part)) throw new Error(`invalid struct field ${JSON.stringify(part)}`);
  }
  return sql<string | null>`${sql.raw(['useridentity', ...path].join('.'))}`;
}
