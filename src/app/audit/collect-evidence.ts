import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';

import type { AccountEvidence, AuditAccountTarget, UserCredentials } from './audit-types.js';
import { credentialsFromReport, joinAccessKeys, mfaTypeOf } from './user-credentials.js';
import {
  DEFAULT_CREDENTIAL_REPORT_WAIT,
  DEFAULT_THROTTLING_RETRY,
} from '../../aws/client-instrumentation.js';
import type {
  AwsCallCounts,
  CredentialReportWaitOptions,
  ThrottlingRetryOptions,
} from '../../aws/client-instrumentation.js';
import type * as UserCredentialsApi from '../../aws/user-credentials.js';
import { readCredentialReportFile } from '../../cli/credential-report-file.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import { InputDataError, messageOf } from '../../errors.js';
import type { AuthorizationDetails } from '../../iam/authorization-details.js';
import { parseCredentialReport } from '../../iam/credential-report.js';
import type { CredentialReportRow } from '../../iam/credential-report.js';

/*
 * The audit's evidence per account: the credential report (users, passwords, keys, MFA), the key
 * ids and MFA types, and the IAM data (grants, RoleLastUsed, tags), read from AWS (assuming the
 * account's role) or from the config's files. Accounts run a few at a time; an account that
 * fails is a `failed` entry with its error, never an exception and never fatal to the others.
 */

/** How the evidence is collected. */
export interface CollectEvidenceOptions {
  /** Accounts read at once (`--concurrency`). */
  readonly concurrency: number;
  /** ListAccessKeys / ListMFADevices calls at once within an account. */
  readonly userConcurrency: number;
  /** The SDK region (`undefined`: the SDK's own resolution). */
  readonly region: string | undefined;
  readonly retry: ThrottlingRetryOptions;
  readonly reportWait: CredentialReportWaitOptions;
  /** Where every AWS call is counted, by `service:Operation`. */
  readonly counts: AwsCallCounts;
}

/** Five accounts at once, five user calls at once in each. */
export const DEFAULT_EVIDENCE_OPTIONS: Omit<CollectEvidenceOptions, 'counts'> = {
  concurrency: 5,
  userConcurrency: 5,
  region: undefined,
  retry: DEFAULT_THROTTLING_RETRY,
  reportWait: DEFAULT_CREDENTIAL_REPORT_WAIT,
};

/** Where the collection is, for a progress display. */
export interface EvidenceProgress {
  readonly accountsDone: number;
  readonly accountsTotal: number;
  readonly elapsedMs: number;
}

/** What the collection tells as it goes. */
export interface EvidenceListener {
  progress(progress: EvidenceProgress): void;
  /** A line about one account (read, failed). */
  note(line: string): void;
}

/** What a target's files hold, read before any AWS call. */
interface TargetFiles {
  readonly details: AuthorizationDetails | undefined;
  readonly reportRows: CredentialReportRow[] | undefined;
}

/**
 * Reads the evidence of every target, in the targets' order. The files of the config (`iam:`,
 * `credential_report:`) are read first, so a bad file stops the run (an `InputDataError`, exit
 * code 2) before AWS is asked anything; what a target has no file for comes from AWS. An AWS
 * failure (assume-role refused, AccessDenied, a report that never completes) makes that account
 * a `failed` entry.
 */
export async function collectAccountEvidence(
  targets: readonly AuditAccountTarget[],
  options: CollectEvidenceOptions,
  listener: EvidenceListener,
): Promise<AccountEvidence[]> {
  const started = Date.now();
  const files = targets.map((target): TargetFiles => {
    const reportRows =
      target.credentialReportFile === undefined
        ? undefined
        : readCredentialReportFile(target.credentialReportFile);
    // A report of another account (a file given to the wrong entry) would judge the wrong users.
    const foreign = reportRows?.find((row) => accountOfArn(row.arn) !== target.id);
    if (foreign !== undefined && target.credentialReportFile !== undefined)
      throw new InputDataError(
        `${target.credentialReportFile}: the credential report is of account ${accountOfArn(foreign.arn) ?? '(unknown)'} (${foreign.arn}), not of ${labelOf(target)}`,
        { suggestions: ['Give each account of the config its own credential_report: file'] },
      );
    const details = target.iamFile === undefined ? undefined : readAuthorizationDetailsFile(target.iamFile);
    // Likewise another account's IAM data would judge the wrong roles and grants.
    const foreignArn = details === undefined ? undefined : foreignArnOf(details, target.id);
    if (foreignArn !== undefined && target.iamFile !== undefined)
      throw new InputDataError(
        `${target.iamFile}: the IAM data is of account ${accountOfArn(foreignArn) ?? '(unknown)'} (${foreignArn}), not of ${labelOf(target)}`,
        { suggestions: ['Give each account of the config its own iam: file'] },
      );
    return { details, reportRows };
  });
  let accountsDone = 0;
  const report = (): void => {
    listener.progress({ accountsDone, accountsTotal: targets.length, elapsedMs: Date.now() - started });
  };
  report();
  const accountLimit = pLimit(options.concurrency);
  return Promise.all(
    targets.map((target, index) =>
      accountLimit(async () => {
        const evidence = await readAccount(
          target,
          files[index] ?? { details: undefined, reportRows: undefined },
          options,
        );
        accountsDone += 1;
        listener.note(
          evidence.status === 'failed'
            ? `account ${labelOf(target)}: failed: ${evidence.error}`
            : `account ${labelOf(target)}: ${evidence.users.length} users, ${evidence.details.roles.length} roles${evidence.warnings.length > 0 ? `, ${evidence.warnings.length} warning(s)` : ''}`,
        );
        report();
        return evidence;
      }),
    ),
  );
}

const labelOf = (target: AuditAccountTarget): string => `${target.name} (${target.id})`;

/** The account of an IAM ARN (`arn:aws:iam::<id>:...`), or `undefined`. */
function accountOfArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1];
}

/**
 * The first ARN of the IAM data that is not of `accountId` (its users, roles, groups and own
 * managed policies; AWS managed policies, `arn:aws:iam::aws:policy/...`, are of no account), or
 * `undefined`. IAM data without any of them cannot tell, and judges no one either.
 */
function foreignArnOf(details: AuthorizationDetails, accountId: string): string | undefined {
  const own = [...details.users, ...details.roles, ...details.groups.values()].map((entry) => entry.arn);
  const policies = [...details.policies.values()]
    .map((policy) => policy.arn)
    .filter((arn) => !/^arn:aws[a-z-]*:iam::aws:/.test(arn));
  return [...own, ...policies].find((arn) => accountOfArn(arn) !== accountId);
}

async function readAccount(
  target: AuditAccountTarget,
  files: TargetFiles,
  options: CollectEvidenceOptions,
): Promise<AccountEvidence> {
  const label = labelOf(target);
  if (files.details !== undefined && files.reportRows !== undefined)
    return read(target, null, files.reportRows.map(credentialsFromReport), files.details, []);
  let client: IAMClient | undefined;
  try {
    // The AWS SDK is loaded for an account read from AWS only: one read from files needs none of it.
    const [{ createIamClient }, { fetchCredentialReport }, { fetchAuthorizationDetails }] = await Promise.all(
      [
        import('../../aws/aws-clients.js'),
        import('../../aws/credential-report.js'),
        import('../../aws/iam-authorization-details.js'),
      ],
    );
    // The role is assumed when the account's turn comes: its credentials last an hour.
    client = await createIamClient(options.region, target.roleArn, {
      counts: options.counts,
      retry: options.retry,
    });
    const iam = client;
    const warnings: string[] = [];
    let generatedAt: string | null = null;
    let users: UserCredentials[];
    if (files.reportRows === undefined) {
      const fetched = await fetchCredentialReport(iam, label, options.reportWait);
      generatedAt = fetched.generatedAt;
      const rows = parseCredentialReport(fetched.csv, `the credential report of ${label}`);
      // The credentials used (the role, or the caller's own without one) must reach this account.
      const foreign = rows.find((row) => accountOfArn(row.arn) !== target.id);
      if (foreign !== undefined)
        throw new Error(
          `the credentials used reach account ${accountOfArn(foreign.arn) ?? '(unknown)'}, not ${label} (its credential report lists ${foreign.arn}): give the account a role: to assume`,
        );
      users = await withApiCredentials(iam, label, rows, options.userConcurrency, warnings);
    } else users = files.reportRows.map(credentialsFromReport);
    let details = files.details;
    if (details === undefined) {
      details = await fetchAuthorizationDetails(iam, label);
      // As for the report: the credentials used must reach this account (a report file says nothing of them).
      const foreignArn = foreignArnOf(details, target.id);
      if (foreignArn !== undefined)
        throw new Error(
          `the credentials used reach account ${accountOfArn(foreignArn) ?? '(unknown)'}, not ${label} (its IAM data lists ${foreignArn}): give the account a role: to assume`,
        );
    }
    return read(target, generatedAt, users, details, warnings);
  } catch (error) {
    return { status: 'failed', account: target, errorCode: awsErrorCode(error), error: messageOf(error) };
  } finally {
    client?.destroy();
  }
}

function read(
  target: AuditAccountTarget,
  generatedAt: string | null,
  users: UserCredentials[],
  details: AuthorizationDetails,
  warnings: string[],
): AccountEvidence {
  // The report and the IAM data are read moments (or, from files, days) apart: say where they differ.
  const inReport = new Set(users.filter((user) => !user.report.isRoot).map((user) => user.report.arn));
  const inDetails = new Set(details.users.map((user) => user.arn));
  for (const arn of inDetails)
    if (!inReport.has(arn)) warnings.push(`${arn} is in the IAM data but not in the credential report`);
  for (const arn of inReport)
    if (!inDetails.has(arn)) warnings.push(`${arn} is in the credential report but not in the IAM data`);
  return {
    status: 'read',
    account: target,
    credentialReportGeneratedAt: generatedAt,
    users,
    details,
    warnings,
  };
}

/**
 * The report rows joined with ListAccessKeys (users whose row shows a key) and ListMFADevices
 * (users with `mfa_active`); the root user's MFA type from ListVirtualMFADevices. A refused or
 * empty listing is a warning and leaves the id `null` or the type `unknown`.
 */
async function withApiCredentials(
  client: IAMClient,
  label: string,
  rows: readonly CredentialReportRow[],
  concurrency: number,
  warnings: string[],
): Promise<UserCredentials[]> {
  // Loaded once per account, here: only an account read from AWS lists its users' keys and MFA.
  const api = await import('../../aws/user-credentials.js');
  const limit = pLimit(concurrency);
  const results = await Promise.all(
    rows.map((row) =>
      limit(() =>
        row.isRoot ? rootCredentials(api, client, label, row) : userCredentials(api, client, label, row),
      ),
    ),
  );
  // In the report's order, whichever call finished first.
  for (const result of results) warnings.push(...result.warnings);
  return results.map((result) => result.credentials);
}

interface JoinedCredentials {
  readonly credentials: UserCredentials;
  readonly warnings: readonly string[];
}

async function rootCredentials(
  { listVirtualMfaUsers }: typeof UserCredentialsApi,
  client: IAMClient,
  label: string,
  row: CredentialReportRow,
): Promise<JoinedCredentials> {
  const warnings: string[] = [];
  let mfaType: UserCredentials['mfaType'] = row.mfaActive ? 'unknown' : 'none';
  if (row.mfaActive)
    try {
      // Not virtual: a hardware token or a security key, which no API tells apart for root.
      if ((await listVirtualMfaUsers(client, label)).includes(row.arn)) mfaType = 'virtual';
    } catch (error) {
      warnings.push(`root user: MFA type unknown: ${messageOf(error)}`);
    }
  // ListAccessKeys lists the caller's keys, never the root user's: the ids stay unknown.
  return { credentials: { report: row, mfaType, accessKeys: joinAccessKeys(row, null) }, warnings };
}

async function userCredentials(
  { listAccessKeys, listMfaSerials }: typeof UserCredentialsApi,
  client: IAMClient,
  label: string,
  row: CredentialReportRow,
): Promise<JoinedCredentials> {
  const warnings: string[] = [];
  let listed = null;
  if (row.accessKeys.length > 0)
    try {
      listed = await listAccessKeys(client, row.user, label);
    } catch (error) {
      warnings.push(`${row.user}: access key ids unknown: ${messageOf(error)}`);
    }
  let mfaType: UserCredentials['mfaType'] = 'none';
  if (row.mfaActive)
    try {
      mfaType = mfaTypeOf(await listMfaSerials(client, row.user, label));
      if (mfaType === 'unknown')
        warnings.push(`${row.user}: the credential report says mfa_active, ListMFADevices lists no device`);
    } catch (error) {
      mfaType = 'unknown';
      warnings.push(`${row.user}: MFA type unknown: ${messageOf(error)}`);
    }
  return { credentials: { report: row, mfaType, accessKeys: joinAccessKeys(row, listed) }, warnings };
}

/** The AWS error code (`AccessDenied`) of an SDK error somewhere in `error`'s cause chain, else `null`. */
export function awsErrorCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if ('$metadata' in current) return current.name;
    current = current.cause;
  }
  return null;
}
