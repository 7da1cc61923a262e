/*
 * The audit's findings, modelled on IAM Access Analyzer's unused-access findings so that the JSON
 * maps one to one (`findingType`, `resource`, `resourceType`, `resourceOwnerAccount`,
 * `findingDetails` with `unusedIamRoleDetails`, `unusedIamUserAccessKeyDetails`,
 * `unusedIamUserPasswordDetails`, `unusedPermissionDetails`), plus iamtrail's own types. Each
 * finding carries the evidence it rests on. Pure.
 */

/** Severities, lowest first; `--fail-on` compares positions in this list. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** Access Analyzer's unused-access finding types. */
export const ACCESS_ANALYZER_FINDING_TYPES = [
  'UnusedIAMRole',
  'UnusedIAMUserAccessKey',
  'UnusedIAMUserPassword',
  'UnusedPermission',
] as const;

/** iamtrail's own finding types. */
export const IAMTRAIL_FINDING_TYPES = [
  /** A user with no activity at all (no calls, no key or password use) for `--unused-days`. */
  'UnusedIAMUser',
  /** An active access key older than `--key-max-age` days, never rotated. */
  'AccessKeyNotRotated',
  /** A user with two active access keys. */
  'TwoActiveAccessKeys',
  /** A user with a console password and no MFA device. */
  'ConsolePasswordWithoutMfa',
  /** The root user has an active access key. */
  'RootAccessKey',
  /** The root user was used in the window (console sign-in or calls). */
  'RootUsed',
] as const;

/** Every finding type. */
export const FINDING_TYPES = [...ACCESS_ANALYZER_FINDING_TYPES, ...IAMTRAIL_FINDING_TYPES] as const;
/** One of {@link FINDING_TYPES}. */
export type FindingType = (typeof FINDING_TYPES)[number];

/** Where a fact of a finding comes from. */
export const EVIDENCE_SOURCES = [
  'cloudtrail',
  'credential-report',
  'role-last-used',
  'access-advisor',
  'iam',
] as const;
/** One of {@link EVIDENCE_SOURCES}. */
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

/** One fact a finding rests on. */
export interface FindingEvidence {
  readonly source: EvidenceSource;
  /** What it says, in a sentence (`no call in the logs of 2026-09-02..2026-11-30 (90 days with logs)`). */
  readonly detail: string;
  /** The last use it found, ISO-8601; `null`: none in what it covers. */
  readonly lastUsed: string | null;
  /** The days or the period it covers, when it has one (`2026-09-02..2026-11-30`). */
  readonly covers: string | null;
}

/** Access Analyzer's `findingDetails` entries. */
export type FindingDetail =
  | { readonly unusedIamRoleDetails: { readonly lastAccessed: string | null } }
  | {
      readonly unusedIamUserAccessKeyDetails: {
        readonly accessKeyId: string;
        readonly lastAccessed: string | null;
      };
    }
  | { readonly unusedIamUserPasswordDetails: { readonly lastAccessed: string | null } }
  | {
      readonly unusedPermissionDetails: {
        readonly serviceNamespace: string;
        readonly lastAccessed: string | null;
        readonly actions: readonly { readonly action: string; readonly lastAccessed: string | null }[];
      };
    }
  /** iamtrail's types: what the finding is about, in a small record. */
  | { readonly iamtrailDetails: Readonly<Record<string, string | number | boolean | null>> };

/** One finding. */
export interface Finding {
  /** Stable across runs: a hash of type, resource and what it is about (key id, service). */
  readonly id: string;
  readonly findingType: FindingType;
  readonly severity: Severity;
  /** The principal's ARN (the root user: `arn:aws:iam::<id>:root`). */
  readonly resource: string;
  readonly resourceType: 'AWS::IAM::User' | 'AWS::IAM::Role';
  readonly resourceOwnerAccount: string;
  /** The account's name (from the config or Organizations). */
  readonly accountName: string;
  /** One line for people (`access key AKIA…XYZ of bob unused for 214 days`). */
  readonly title: string;
  readonly findingDetails: readonly FindingDetail[];
  readonly evidence: readonly FindingEvidence[];
}

/** A suppression rule (`audit.exclude` of the config): every field given must match. */
export interface FindingSuppression {
  readonly accounts?: readonly string[];
  /** RE2 pattern matched against the principal's ARN. */
  readonly arnPattern?: string;
  /** A tag the principal carries: the key, and the value when given. */
  readonly tag?: { readonly key: string; readonly value?: string };
  readonly findingTypes?: readonly FindingType[];
}

/** Whether `severity` is at or above `threshold`. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}
