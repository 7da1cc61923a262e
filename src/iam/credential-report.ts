/*
 * IAM's credential report (GetCredentialReport's CSV, 22 columns), as the audit reads it: one row
 * per IAM user plus `<root_account>`. Pure: the CSV text comes from src/aws/ or a file. Values
 * AWS writes as `N/A`, `no_information` or `not_supported` become `null` with what they said kept
 * in the `*State` fields where it matters (a password never used differs from one AWS does not
 * know about). ../shared/notes/peer-tools-and-aws-apis.md §14.
 */
import { parse } from 'csv-parse/sync';

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

/** A time as the report writes it: ISO-8601 with a zone (`2026-10-01T09:12:00+00:00`). */
const REPORT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** What AWS writes where a value does not apply or is not known. */
const NO_VALUE = new Set(['N/A', 'no_information', 'not_supported']);

/**
 * Parses a credential report's CSV (GetCredentialReport's `Content`, decoded, or a file that
 * `aws iam get-credential-report --query Content --output text | base64 -d` wrote). The header
 * must be exactly {@link CREDENTIAL_REPORT_COLUMNS}; every problem is a
 * {@link CredentialReportError} naming `source` (the file or the account), the line and the
 * column. Times come back ISO-8601 UTC; `N/A`, `no_information` and `not_supported` as `null`.
 */
export function parseCredentialReport(csv: string, source: string): CredentialReportRow[] {
  let records: string[][];
  try {
    const parsed: string[][] = parse(csv, { bom: true, skip_empty_lines: true });
    records = parsed;
  } catch (error) {
    throw new CredentialReportError(source, `is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (header === undefined) throw new CredentialReportError(source, 'is empty (no header row)');
  checkHeader(header, source);
  const seen = new Set<string>();
  return rows.map((cells, index) => {
    // Line 1 is the header; skip_empty_lines never applies inside a report AWS wrote.
    const row = toRow(new RowReader(cells, source, index + 2));
    if (seen.has(row.user))
      throw new CredentialReportError(source, `line ${index + 2}: user "${row.user}" is listed twice`);
    seen.add(row.user);
    return row;
  });
}

function checkHeader(header: readonly string[], source: string): void {
  const at = CREDENTIAL_REPORT_COLUMNS.findIndex((column, index) => header[index] !== column);
  if (at < 0 && header.length === CREDENTIAL_REPORT_COLUMNS.length) return;
  const problem =
    at < 0
      ? `has ${header.length - CREDENTIAL_REPORT_COLUMNS.length} column(s) after ${CREDENTIAL_REPORT_COLUMNS.at(-1) ?? ''} (extra: ${header.slice(CREDENTIAL_REPORT_COLUMNS.length).join(', ')})`
      : header[at] === undefined
        ? `lacks column ${at + 1} "${CREDENTIAL_REPORT_COLUMNS[at] ?? ''}" and those after it`
        : `column ${at + 1} is "${header[at] ?? ''}" where "${CREDENTIAL_REPORT_COLUMNS[at] ?? ''}" belongs`;
  throw new CredentialReportError(
    source,
    `the header is not a credential report's: ${problem} (expected: ${CREDENTIAL_REPORT_COLUMNS.join(',')})`,
  );
}

/** Reads the cells of one row by column name, each problem naming the line and the column. */
class RowReader {
  constructor(
    private readonly cells: readonly string[],
    private readonly source: string,
    private readonly line: number,
  ) {}

  fail(column: string, problem: string): never {
    throw new CredentialReportError(this.source, `line ${this.line}, ${column}: ${problem}`);
  }

  text(column: (typeof CREDENTIAL_REPORT_COLUMNS)[number]): string {
    return this.cells[CREDENTIAL_REPORT_COLUMNS.indexOf(column)] ?? '';
  }

  /** The value, or `null` for AWS's `N/A` / `no_information` / `not_supported` (and empty). */
  optional(column: (typeof CREDENTIAL_REPORT_COLUMNS)[number]): string | null {
    const value = this.text(column);
    return value === '' || NO_VALUE.has(value) ? null : value;
  }

  /** `true` or `false`; with `orNone`, also `null` for AWS's `N/A` / `not_supported` (the root's password). */
  flag(column: (typeof CREDENTIAL_REPORT_COLUMNS)[number], orNone: true): boolean | null;
  flag(column: (typeof CREDENTIAL_REPORT_COLUMNS)[number]): boolean;
  flag(column: (typeof CREDENTIAL_REPORT_COLUMNS)[number], orNone = false): boolean | null {
    const value = this.text(column);
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (orNone && NO_VALUE.has(value)) return null;
    return this.fail(column, `"${value}" is not true or false`);
  }

  time(column: (typeof CREDENTIAL_REPORT_COLUMNS)[number]): string | null {
    const value = this.optional(column);
    if (value === null) return null;
    if (!REPORT_TIME.test(value)) return this.fail(column, `"${value}" is not an ISO-8601 time`);
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return this.fail(column, `"${value}" is not a valid time`);
    return date.toISOString().replace('.000Z', 'Z');
  }
}

function toRow(read: RowReader): CredentialReportRow {
  const user = read.text('user');
  if (user === '') read.fail('user', 'is empty');
  if (!read.text('arn').startsWith('arn:')) read.fail('arn', `"${read.text('arn')}" is not an ARN`);
  const isRoot = user === ROOT_USER_NAME;
  const mfaActive = read.flag('mfa_active');
  // AWS writes not_supported for the root's password: it always has one.
  const passwordEnabled = isRoot ? read.flag('password_enabled', true) : read.flag('password_enabled');
  const passwordLastUsed = read.time('password_last_used');
  const lastUsedText = read.text('password_last_used');
  return {
    user,
    arn: read.text('arn'),
    isRoot,
    userCreationTime: read.time('user_creation_time'),
    passwordEnabled,
    passwordLastUsed,
    passwordLastUsedState:
      passwordLastUsed !== null ? 'used' : lastUsedText === 'no_information' ? 'never' : 'no-password',
    passwordLastChanged: read.time('password_last_changed'),
    passwordNextRotation: read.time('password_next_rotation'),
    mfaActive,
    accessKeys: ([1, 2] as const).flatMap((slot) => accessKey(read, slot)),
    certificates: ([1, 2] as const).flatMap((slot) => {
      const lastRotated = read.time(`cert_${slot}_last_rotated`);
      return lastRotated === null ? [] : [{ slot, active: read.flag(`cert_${slot}_active`), lastRotated }];
    }),
  };
}

function accessKey(read: RowReader, slot: 1 | 2): CredentialReportKey[] {
  const prefix = `access_key_${slot}` as const;
  const lastRotated = read.time(`${prefix}_last_rotated`);
  // A slot whose last_rotated is N/A never held a key (its `active` is then false anyway).
  if (lastRotated === null) return [];
  const active = read.flag(`${prefix}_active`);
  return [
    {
      slot,
      active,
      lastRotated,
      lastUsedDate: read.time(`${prefix}_last_used_date`),
      lastUsedRegion: read.optional(`${prefix}_last_used_region`),
      lastUsedService: read.optional(`${prefix}_last_used_service`),
    },
  ];
}
