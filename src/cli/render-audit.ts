import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { stringify } from 'csv-stringify/sync';

import type { AuditDocument, AuditPrincipal } from '../app/audit/audit-types.js';
import { describeSpans } from '../analysis/log-coverage.js';
import { FINDING_TYPES, SEVERITIES } from '../analysis/audit-findings.js';
import type { Finding } from '../analysis/audit-findings.js';
import { messageOf, UsageError } from '../errors.js';
import { toPrintable } from './printable.js';
import { describeWindow } from './window.js';
import { writeOutputFile } from './write-output-file.js';

/*
 * `iamtrail audit`'s text and CSV outputs (JSON is the document itself). Every output says whether
 * CloudTrail evidence was used, and every failed account is shown with its error.
 */

/** The line every output carries about CloudTrail. */
export function describeCloudTrail(document: AuditDocument): string {
  const trail = document.cloudTrail;
  if (!trail.used) return `CloudTrail evidence was not used: ${trail.reason}`;
  const { logs } = trail;
  const accounts = logs.coverage
    .map(
      (entry) =>
        `${entry.account.name} ${entry.daysWithLogs} day(s)${entry.gaps.length === 0 ? '' : `, no logs on ${describeSpans(entry.gaps, 2)}`}`,
    )
    .join('; ');
  return `CloudTrail evidence: ${logs.source}, ${accounts || 'no account read'}${logs.complete ? '' : ' (incomplete: findings rest on IAM alone where the logs do not cover the unused period)'}`;
}

/** The text summary: settings, accounts, counts per finding type, then the findings with their evidence. */
export function renderAuditText(document: AuditDocument): string {
  const lines: string[] = [];
  const { settings, totals } = document;
  lines.push(
    `Audit of ${describeWindow(document.window)}: unused for ${settings.unusedDays} days, access keys older than ${settings.keyMaxAgeDays} days`,
  );
  lines.push(describeCloudTrail(document));
  if (document.accessAdvisor.used)
    lines.push(
      `Access Advisor: snapshots of ${document.accessAdvisor.principals} principal(s) from the cache`,
    );
  lines.push('');
  lines.push(`Accounts: ${totals.accounts - totals.accountsFailed} audited, ${totals.accountsFailed} failed`);
  for (const account of document.accounts) {
    const head = `  ${account.name} (${account.id})`;
    if (account.status === 'failed') {
      lines.push(`${head}: FAILED: ${account.error}`);
      continue;
    }
    const count = document.findings.filter((finding) => finding.resourceOwnerAccount === account.id).length;
    lines.push(`${head}: ${account.principals.length} principal(s), ${count} finding(s)`);
    for (const warning of account.warnings) lines.push(`    warning: ${warning}`);
  }
  lines.push('');
  lines.push(
    `Findings: ${totals.findings} (${[...SEVERITIES]
      .reverse()
      .map((severity) => `${totals.bySeverity[severity]} ${severity}`)
      .join(', ')})`,
  );
  const width = Math.max(...FINDING_TYPES.map((type) => type.length));
  for (const type of FINDING_TYPES) {
    const count = totals.byType[type];
    if (count !== undefined) lines.push(`  ${type.padEnd(width)}  ${count}`);
  }
  const suppressed = Object.entries(document.suppressed);
  if (suppressed.length > 0)
    lines.push(
      `Suppressed by audit.exclude: ${suppressed.map(([type, count]) => `${type} ${count}`).join(', ')}`,
    );
  if (document.iamChanges !== null) lines.push(`IAM changes in the window: ${document.iamChanges.length}`);
  if (document.findings.length > 0) lines.push('');
  // UnusedPermission comes one finding per service: the text shows one line per principal.
  const permissions = new Map<string, Finding[]>();
  for (const finding of document.findings) {
    if (finding.findingType === 'UnusedPermission') {
      const seen = permissions.get(finding.resource);
      if (seen === undefined) permissions.set(finding.resource, [finding]);
      else seen.push(finding);
      continue;
    }
    lines.push(
      `${finding.severity.toUpperCase().padEnd(8)} ${finding.findingType} ${finding.accountName} ${finding.resource}`,
    );
    lines.push(`         ${finding.title}`);
    for (const evidence of finding.evidence) lines.push(`         ${evidence.source}: ${evidence.detail}`);
  }
  for (const [resource, findings] of permissions) {
    const services = findings.map((finding) => serviceOf(finding));
    const actions = findings.reduce((sum, finding) => sum + actionCount(finding), 0);
    const first = findings[0];
    lines.push(
      `${(first?.severity ?? 'low').toUpperCase().padEnd(8)} UnusedPermission ${first?.accountName ?? ''} ${resource}`,
    );
    lines.push(
      `         ${actions} granted action(s) unused in ${services.length} service(s): ${services.slice(0, 8).join(', ')}${services.length > 8 ? ', …' : ''} (every action: --format json or csv)`,
    );
    if (first !== undefined && first.evidence[0] !== undefined)
      lines.push(`         ${first.evidence[0].source}: ${first.evidence[0].detail}`);
  }
  if (!document.complete) {
    lines.push('');
    lines.push(
      `${totals.accountsFailed} account(s) could not be audited: ${document.accounts
        .filter((account) => account.status === 'failed')
        .map((account) => `${account.name} (${account.id})`)
        .join(', ')}`,
    );
  }
  return `${lines.map(toPrintable).join('\n')}\n`;
}

function serviceOf(finding: Finding): string {
  for (const detail of finding.findingDetails)
    if ('unusedPermissionDetails' in detail) return detail.unusedPermissionDetails.serviceNamespace;
  return '';
}

function actionCount(finding: Finding): number {
  for (const detail of finding.findingDetails)
    if ('unusedPermissionDetails' in detail) return detail.unusedPermissionDetails.actions.length;
  return 0;
}

/**
 * iam_audit.py's report columns in its order (four named differently there, and its values are not
 * iamtrail's: see "Org audit" in the README), then iamtrail's.
 */
export const CREDENTIALS_CSV_COLUMNS = [
  'account_id',
  'account_name',
  'user',
  'password_status',
  'password_last_used',
  'access_key_id',
  'status',
  'created',
  'last_used_date',
  'last_used_service',
  'mfa_type',
  'arn',
  'key_slot',
  'last_used_region',
  'user_creation_time',
  'mfa_active',
  'error_code',
  'error',
] as const;

/** A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, ...) gets a leading `'`. */
const CSV_OPTIONS = { header: true, escape_formulas: true } as const;

/**
 * `credentials.csv`: one row per user and access key (a user without keys: one row with the key
 * columns empty), the root user included; a failed account is one row with only its id, name,
 * `error_code` and `error`.
 */
export function renderCredentialsCsv(document: AuditDocument): string {
  const rows: Record<string, string>[] = [];
  for (const account of document.accounts) {
    const base = { account_id: account.id, account_name: account.name };
    if (account.status === 'failed') {
      rows.push({ ...base, error_code: account.errorCode ?? '', error: account.error });
      continue;
    }
    for (const principal of account.principals) rows.push(...credentialRows(base, principal));
  }
  return stringify(rows, { ...CSV_OPTIONS, columns: [...CREDENTIALS_CSV_COLUMNS] });
}

function credentialRows(base: { account_id: string; account_name: string }, principal: AuditPrincipal) {
  const credentials = principal.credentials;
  if (credentials === undefined) return [];
  const { report } = credentials;
  const user = {
    ...base,
    user: report.user,
    password_status:
      report.passwordEnabled === null ? 'not_supported' : report.passwordEnabled ? 'enabled' : 'disabled',
    password_last_used:
      report.passwordLastUsed ?? (report.passwordLastUsedState === 'never' ? 'never' : 'N/A'),
    mfa_type: credentials.mfaType,
    arn: report.arn,
    user_creation_time: report.userCreationTime ?? '',
    mfa_active: String(report.mfaActive),
  };
  if (credentials.accessKeys.length === 0) return [user];
  return credentials.accessKeys.map((key) => ({
    ...user,
    access_key_id: key.accessKeyId ?? '',
    status: key.status,
    created: key.created,
    last_used_date: key.lastUsedDate ?? 'never',
    last_used_service: key.lastUsedService ?? '',
    key_slot: String(key.slot),
    last_used_region: key.lastUsedRegion ?? '',
  }));
}

/** The columns of `findings.csv`. */
export const FINDINGS_CSV_COLUMNS = [
  'id',
  'severity',
  'finding_type',
  'account_id',
  'account_name',
  'resource_type',
  'resource',
  'title',
  'details',
  'evidence',
] as const;

/** `findings.csv`: one row per finding, details as JSON, evidence as `source: detail` joined by ` | `. */
export function renderFindingsCsv(findings: readonly Finding[]): string {
  return stringify(
    findings.map((finding) => ({
      id: finding.id,
      severity: finding.severity,
      finding_type: finding.findingType,
      account_id: finding.resourceOwnerAccount,
      account_name: finding.accountName,
      resource_type: finding.resourceType,
      resource: finding.resource,
      title: finding.title,
      details: JSON.stringify(finding.findingDetails),
      evidence: finding.evidence.map((entry) => `${entry.source}: ${entry.detail}`).join(' | '),
    })),
    { ...CSV_OPTIONS, columns: [...FINDINGS_CSV_COLUMNS] },
  );
}

/** The columns of `iam-changes.csv`. */
export const IAM_CHANGES_CSV_COLUMNS = [
  'event_time',
  'account_id',
  'account_name',
  'event_name',
  'actor_arn',
  'actor_type',
  'caller_arn',
  'source_ip',
  'user_name',
  'role_name',
  'group_name',
  'access_key_id',
  'policy_arn',
  'policy_name',
  'status',
  'created_access_key_id',
  'outcome',
  'error_code',
  'event_id',
] as const;

/** `iam-changes.csv`: one row per IAM change event. */
export function renderIamChangesCsv(document: AuditDocument): string {
  const names = new Map(document.accounts.map((account) => [account.id, account.name]));
  return stringify(
    (document.iamChanges ?? []).map((change) => ({
      event_time: change.eventTime,
      account_id: change.accountId,
      account_name: names.get(change.accountId) ?? '',
      event_name: change.eventName,
      actor_arn: change.actorArn,
      actor_type: change.actorType,
      caller_arn: change.callerArn ?? '',
      source_ip: change.sourceIp ?? '',
      user_name: change.userName ?? '',
      role_name: change.roleName ?? '',
      group_name: change.groupName ?? '',
      access_key_id: change.accessKeyId ?? '',
      policy_arn: change.policyArn ?? '',
      policy_name: change.policyName ?? '',
      status: change.status ?? '',
      created_access_key_id: change.createdAccessKeyId ?? '',
      outcome: change.outcome,
      error_code: change.errorCode ?? '',
      event_id: change.eventId,
    })),
    { ...CSV_OPTIONS, columns: [...IAM_CHANGES_CSV_COLUMNS] },
  );
}

/**
 * Writes the CSV files into `dir` (created if missing): `credentials.csv`, `findings.csv`, and
 * `iam-changes.csv` only when CloudTrail evidence was used. Returns the paths written.
 */
export function writeAuditCsvFiles(dir: string, document: AuditDocument): string[] {
  const files: [string, string][] = [
    ['credentials.csv', renderCredentialsCsv(document)],
    ['findings.csv', renderFindingsCsv(document.findings)],
    ...(document.iamChanges === null
      ? []
      : [['iam-changes.csv', renderIamChangesCsv(document)] as [string, string]]),
  ];
  try {
    mkdirSync(dir, { recursive: true });
    // Without CloudTrail there are no IAM changes: an earlier run's file must not pass for this one's.
    if (document.iamChanges === null) rmSync(join(dir, 'iam-changes.csv'), { force: true });
    return files.map(([name, text]) => {
      const path = join(dir, name);
      writeOutputFile(path, text);
      return path;
    });
  } catch (error) {
    throw new UsageError(`--out ${dir}: cannot write the CSV files there: ${messageOf(error)}`, {
      cause: error,
    });
  }
}
