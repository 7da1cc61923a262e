import type { AuditAccessKey, MfaType, UserCredentials } from './audit-types.js';
import type { CredentialReportRow } from '../../iam/credential-report.js';

/*
 * A user's credentials from the report row joined with what the API adds (key ids, MFA type).
 * Pure: the listings come in as data.
 */

/** An access key as ListAccessKeys gives it (src/aws/user-credentials.ts). */
export interface ListedKey {
  readonly accessKeyId: string;
  /** ISO-8601 UTC to the second, as the report's `last_rotated`. */
  readonly createDate: string | null;
}

/** A virtual MFA device's serial number is its ARN (`arn:aws:iam::<id>:mfa/<name>`). */
const VIRTUAL_MFA_SERIAL = /^arn:aws[a-z-]*:iam::\d{12}:mfa\//;

/**
 * The MFA type of a user from its devices' serial numbers: `virtual` when every device is a
 * virtual one, `hardware` when one is not (a TOTP token's serial, a FIDO key's `u2f/` ARN), and
 * `unknown` when none is listed (the caller says why).
 */
export function mfaTypeOf(serials: readonly string[]): MfaType {
  if (serials.length === 0) return 'unknown';
  return serials.every((serial) => VIRTUAL_MFA_SERIAL.test(serial)) ? 'virtual' : 'hardware';
}

/**
 * The report's key slots with their ids: each slot takes the listed key created at its
 * `last_rotated` time, else the next listed key by creation (AWS numbers slots by creation);
 * `listed` `null` (a report file) leaves the ids `null`.
 */
export function joinAccessKeys(
  row: CredentialReportRow,
  listed: readonly ListedKey[] | null,
): AuditAccessKey[] {
  const remaining = [...(listed ?? [])].sort((a, b) =>
    (a.createDate ?? '').localeCompare(b.createDate ?? ''),
  );
  const take = (index: number): string | null => {
    if (index < 0) return null;
    const [key] = remaining.splice(index, 1);
    return key?.accessKeyId ?? null;
  };
  const byDate = row.accessKeys.map((key) =>
    take(remaining.findIndex((candidate) => candidate.createDate === key.lastRotated)),
  );
  return row.accessKeys.map((key, index) => ({
    slot: key.slot,
    accessKeyId: byDate[index] ?? take(remaining.length > 0 ? 0 : -1),
    status: key.active ? 'Active' : 'Inactive',
    created: key.lastRotated,
    lastUsedDate: key.lastUsedDate,
    lastUsedService: key.lastUsedService,
    lastUsedRegion: key.lastUsedRegion,
  }));
}

/** A user's credentials from a report file: key ids `null`, MFA `unknown` when active (no API to ask). */
export function credentialsFromReport(row: CredentialReportRow): UserCredentials {
  return { report: row, mfaType: row.mfaActive ? 'unknown' : 'none', accessKeys: joinAccessKeys(row, null) };
}
