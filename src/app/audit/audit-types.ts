import type { Finding, FindingsAccessKey, FindingType, Severity } from '../../analysis/audit-findings.js';
import type { AuthorizationDetails } from '../../iam/authorization-details.js';
import type { CredentialReportRow } from '../../iam/credential-report.js';
import type { IamChangeRow } from '../../trail/iam-changes.js';
import type { LogsSummary } from '../report/report-types.js';

/*
 * The audit's data, from the account fan-out (AWS or files) to the document every output renders
 * (text, JSON schema `iamtrail.audit/v1`, CSV, HTML).
 */

/** An account to audit, and how to reach it. */
export interface AuditAccountTarget {
  readonly name: string;
  readonly id: string;
  /** The role assumed there (none: the caller's own credentials, or files). */
  readonly roleArn: string | undefined;
  /** Files instead of the API (the config's `iam:` and `credential_report:`). */
  readonly iamFile?: string;
  readonly credentialReportFile?: string;
}

/** MFA type of a user, from ListMFADevices (only asked for users whose report says `mfa_active`). */
export type MfaType = 'virtual' | 'hardware' | 'none' | 'unknown';

/** An access key of a user: the report's slot joined with ListAccessKeys' id (the findings' key, and its region). */
export interface AuditAccessKey extends FindingsAccessKey {
  readonly lastUsedRegion: string | null;
}

/** A user's credentials: the report row, the MFA type and the key ids. */
export interface UserCredentials {
  readonly report: CredentialReportRow;
  readonly mfaType: MfaType;
  readonly accessKeys: readonly AuditAccessKey[];
}

/** What was read of one account (by `collectAccountEvidence`). */
export type AccountEvidence =
  | {
      readonly status: 'read';
      readonly account: AuditAccountTarget;
      /** The credential report's `GeneratedTime`, ISO-8601 (a file: `null`). */
      readonly credentialReportGeneratedAt: string | null;
      readonly users: readonly UserCredentials[];
      /** The IAM data (GetAccountAuthorizationDetails or the `iam:` file): roles with RoleLastUsed, grants, tags. */
      readonly details: AuthorizationDetails;
      /** Problems that did not stop the account (an MFA listing refused): shown, never swallowed. */
      readonly warnings: readonly string[];
    }
  | {
      readonly status: 'failed';
      readonly account: AuditAccountTarget;
      /** The AWS error code when there is one (`AccessDenied`), else `null`. */
      readonly errorCode: string | null;
      /** What failed, in a sentence (`STS AssumeRole arn:…: AccessDenied: …`). */
      readonly error: string;
    };

/** A principal's actions in the window, from the same verdicts as the report. */
export interface PrincipalActions {
  readonly used: readonly string[];
  readonly unused: readonly string[];
  readonly unknown: readonly string[];
}

/** One principal (user or role) of an audited account, as the outputs show it. */
export interface AuditPrincipal {
  readonly type: 'user' | 'role' | 'root';
  readonly name: string;
  readonly arn: string;
  readonly createdAt: string | null;
  /** Last CloudTrail activity in the window (an `ok` call), ISO-8601; `null`: none; absent: trail not used. */
  readonly lastActivity?: string | null;
  /** Roles: GetAccountAuthorizationDetails' RoleLastUsed. */
  readonly roleLastUsed?: string | null;
  /** Users: credentials. */
  readonly credentials?: UserCredentials;
  /** Present when CloudTrail evidence was used. */
  readonly actions?: PrincipalActions;
  readonly tags: Readonly<Record<string, string>>;
}

/** One account in the document. */
export type AuditAccount =
  | {
      readonly name: string;
      readonly id: string;
      readonly status: 'audited';
      readonly credentialReportGeneratedAt: string | null;
      readonly principals: readonly AuditPrincipal[];
      readonly warnings: readonly string[];
    }
  | {
      readonly name: string;
      readonly id: string;
      readonly status: 'failed';
      readonly errorCode: string | null;
      readonly error: string;
    };

/** `iamtrail audit --format json` (schema `iamtrail.audit/v1`). */
export interface AuditDocument {
  readonly schema: 'iamtrail.audit/v1';
  readonly generatedAt: string;
  readonly window: { readonly startDay: string; readonly endDay: string };
  readonly settings: {
    readonly unusedDays: number;
    readonly keyMaxAgeDays: number;
    readonly failOn: Severity | null;
    /**
     * `--event-selectors`: the file, and the accounts it was not applied to (another trail's: their
     * verdicts are as without it); null without the flag.
     */
    readonly eventSelectors: {
      readonly file: string;
      readonly notAppliedTo: readonly { readonly name: string; readonly id: string }[];
      /**
       * With `--organization-trail`: the accounts whose logs lie only in their own folders
       * (`AWSLogs/<account>/`), which an organization trail does not write, judged by its selectors all the same.
       */
      readonly ownFoldersOnly: readonly { readonly name: string; readonly id: string }[];
    } | null;
  };
  /**
   * Whether CloudTrail evidence was used; when `false`, `reason` says why, findings that need it
   * (UnusedPermission, activity of roles beyond RoleLastUsed) are absent, and `iamChanges` is null.
   */
  readonly cloudTrail:
    { readonly used: true; readonly logs: LogsSummary } | { readonly used: false; readonly reason: string };
  /** Whether Access Advisor snapshots from the cache were used. */
  readonly accessAdvisor: { readonly used: boolean; readonly principals: number };
  readonly accounts: readonly AuditAccount[];
  readonly findings: readonly Finding[];
  /** Findings hidden by `audit.exclude`, by type. */
  readonly suppressed: Readonly<Partial<Record<FindingType, number>>>;
  /** `null` when CloudTrail evidence was not used (absent, not empty). */
  readonly iamChanges: readonly IamChangeRow[] | null;
  readonly totals: {
    readonly accounts: number;
    readonly accountsFailed: number;
    readonly principals: number;
    readonly findings: number;
    readonly byType: Readonly<Partial<Record<FindingType, number>>>;
    readonly bySeverity: Readonly<Record<Severity, number>>;
  };
  /** `false` when an account failed (exit code 3). */
  readonly complete: boolean;
}
