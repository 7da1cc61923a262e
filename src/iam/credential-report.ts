/*
 * IAM's credential report (GetCredentialReport's CSV, 22 columns), as the audit reads it: one row
 * per IAM user plus `<root_account>`. Pure: the CSV text comes from src/aws/ or a file. Values
 * AWS writes as `N/A`, `no_information` or `not_supported` become `null` with what they said kept
 * in the `*State` fields where it matters (a password never used differs from one AWS does not
 * know about). ../shared/notes/peer-tools-and-aws-apis.md §14.
 */

/** The columns of the report, in AWS's order (the header row must hold exactly these). */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** The user name AWS gives the account's root row. */
export const ROOT_USER_NAME = '<root_account>';

/** One of the (at most two) access keys of a report row. */
export interface CredentialReportKey {
  /** 1 or 2: `access_key_1_*` or `access_key_2_*` (AWS orders them by creation). */
  readonly slot: 1 | 2;
  readonly active: boolean;
  /** When the key was created or last rotated, ISO-8601 UTC. */
  readonly lastRotated: string;
  /** ISO-8601 UTC; `null`: never used (since AWS tracks it, 2015-04-22). */
  readonly lastUsedDate: string | null;
  readonly lastUsedRegion: string | null;
  readonly lastUsedService: string | null;
}

/** One row of the report: a user, or the root user (`isRoot`). */
export interface CredentialReportRow {
  readonly user: string;
  readonly arn: string;
  readonly isRoot: boolean;
  /** ISO-8601 UTC. */
  readonly userCreationTime: string | null;
  /** `null` for the root row (AWS writes `not_supported`). */
  readonly passwordEnabled: boolean | null;
  /** ISO-8601 UTC when used; else `null`, with why in {@link passwordLastUsedState}. */
  readonly passwordLastUsed: string | null;
  /**
   * `used` (a date), `never` (`no_information`: never used since AWS tracks it, 2014-10-20), or
   * `no-password` (`N/A`).
   */
  readonly passwordLastUsedState: 'used' | 'never' | 'no-password';
  readonly passwordLastChanged: string | null;
  readonly passwordNextRotation: string | null;
  readonly mfaActive: boolean;
  /** The keys the row describes (a slot whose `last_rotated` is `N/A` never had a key). */
  readonly accessKeys: readonly CredentialReportKey[];
  readonly certificates: readonly {
    readonly slot: 1 | 2;
    readonly active: boolean;
    readonly lastRotated: string;
  }[];
}

/** A credential report that could not be read: which file or account, and what is wrong. */
export class CredentialReportError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'CredentialReportError';
  }
}
