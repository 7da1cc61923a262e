import { createHash } from 'node:crypto';

import type { AdvisorSnapshot } from '../iam/access-advisor.js';
import { advisorAsOf } from './advisor-evidence.js';
import type { CredentialReportRow } from '../iam/credential-report.js';

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
  /** The root user has no MFA device (`mfa_active` false on the `<root_account>` row). */
  'RootWithoutMfa',
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

/** The severity of each finding type (README, "Finding types and severities"). */
export const FINDING_SEVERITIES: Readonly<Record<FindingType, Severity>> = {
  RootAccessKey: 'critical',
  RootUsed: 'high',
  RootWithoutMfa: 'high',
  ConsolePasswordWithoutMfa: 'high',
  UnusedIAMUserAccessKey: 'high',
  AccessKeyNotRotated: 'medium',
  TwoActiveAccessKeys: 'medium',
  UnusedIAMUserPassword: 'medium',
  UnusedIAMUser: 'medium',
  UnusedIAMRole: 'medium',
  UnusedPermission: 'low',
};

/** Days of `--unused-days` and `--key-max-age` when not given (Access Analyzer's and CIS's 90). */
export const DEFAULT_UNUSED_DAYS = 90;
/** See {@link DEFAULT_UNUSED_DAYS}. */
export const DEFAULT_KEY_MAX_AGE_DAYS = 90;

/** An access key as the findings read it: the report's slot, and its id when it could be listed. */
export interface FindingsAccessKey {
  readonly slot: 1 | 2;
  /** `null` from a report file alone: the finding then names it `<user>:key<slot>`. */
  readonly accessKeyId: string | null;
  readonly status: 'Active' | 'Inactive';
  /** When it was created or last rotated, ISO-8601. */
  readonly created: string;
  readonly lastUsedDate: string | null;
  readonly lastUsedService: string | null;
}

/** A user of the credential report (the root row included), with its keys and tags. */
export interface FindingsUser {
  readonly report: CredentialReportRow;
  readonly accessKeys: readonly FindingsAccessKey[];
  readonly tags: Readonly<Record<string, string>>;
}

/** A role of the IAM data. */
export interface FindingsRole {
  readonly name: string;
  readonly arn: string;
  readonly path: string;
  readonly createDate: string | null;
  /** RoleLastUsed (GetAccountAuthorizationDetails), ISO-8601; `null`: none in IAM's tracking period. */
  readonly lastUsed: string | null;
  /** Whether the IAM data holds RoleLastUsed at all (an older dump may not): without it, no verdict. */
  readonly lastUsedKnown: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/** The unused (`-`) actions of one principal, from the report's verdicts. */
export interface FindingsVerdicts {
  readonly arn: string;
  /** Actions whose verdict is `-` (never `?`). */
  readonly unused: readonly string[];
  /**
   * Those of {@link unused} whose `-` Access Advisor decided (a `?` of the logs: the trail does not
   * record the action), not the logs.
   */
  readonly advisorDecided: readonly string[];
  /** The principal's latest Access Advisor snapshot, for the actions' last access. */
  readonly advisor: AdvisorSnapshot | undefined;
}

/** What CloudTrail says of one account (absent: CloudTrail evidence not used). */
export interface FindingsTrail {
  /** The days of the unused period the logs hold for the account, in words (`2026-10-01..2026-10-31, 31 of 90 days`). */
  readonly covers: string;
  /** Whether the logs hold every day of the unused period (and no file was unreadable). */
  readonly coversPeriod: boolean;
  /** Per actor ARN, the time of its last `ok` call in the window. */
  readonly lastActivity: ReadonlyMap<string, string>;
  /** Per principal ARN, its verdicts (only for principals whose verdicts were computed). */
  readonly verdicts: ReadonlyMap<string, FindingsVerdicts>;
}

/** One account's evidence for {@link buildFindings}. */
export interface FindingsAccount {
  readonly id: string;
  readonly name: string;
  readonly users: readonly FindingsUser[];
  readonly roles: readonly FindingsRole[];
  readonly trail: FindingsTrail | null;
  /**
   * When the account's IAM evidence is older than the audit (a credential report file, which
   * carries no generation time): the time its IAM-evidence rules are judged as of, instead of
   * {@link FindingsInput.asOf}. Nothing after it can be known from that evidence.
   */
  readonly evidenceAsOf?: string;
}

/** Inputs of {@link buildFindings}. */
export interface FindingsInput {
  readonly accounts: readonly FindingsAccount[];
  /** The end of the window's last day, ISO-8601: the time the audit is as of. */
  readonly asOf: string;
  /** The window (RootUsed looks at it). */
  readonly window: { readonly startDay: string; readonly endDay: string };
  readonly unusedDays: number;
  readonly keyMaxAgeDays: number;
  readonly suppressions: readonly FindingSuppression[];
}

/** The findings, and those suppressions hid, by type. */
export interface FindingsResult {
  readonly findings: readonly Finding[];
  readonly suppressed: Readonly<Partial<Record<FindingType, number>>>;
}

const DAY_MS = 86_400_000;

/** A finding before its id, severity and account are added. */
interface Draft {
  readonly findingType: FindingType;
  readonly resource: string;
  readonly resourceType: Finding['resourceType'];
  /** What the finding is about within the resource (a key, a service), for its id. */
  readonly key: string;
  readonly title: string;
  readonly findingDetails: readonly FindingDetail[];
  readonly evidence: readonly FindingEvidence[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The audit's findings from what was read of each account. The unused rules look at a period of
 * `unusedDays` days ending at `asOf` and, as Access Analyzer does, only at principals that existed
 * for all of it (created at or before its start; an unknown creation time is not judged);
 * service-linked roles are never judged. CloudTrail only ever adds evidence of use: a principal
 * IAM's own data calls unused is cleared by an `ok` call in the period, and nothing is called
 * unused from the logs alone (UnusedPermission, which rests on the `-` verdicts, needs logs on
 * every day of the period). Suppressions hide matching findings and count them by type.
 */
export function buildFindings(input: FindingsInput): FindingsResult {
  const findings: Finding[] = [];
  const suppressed: Partial<Record<FindingType, number>> = {};
  for (const account of input.accounts) {
    const context = ruleContext(input, account.evidenceAsOf);
    const drafts = [
      ...account.users.flatMap((user) =>
        user.report.isRoot ? rootDrafts(user, account, context) : userDrafts(user, account, context),
      ),
      ...account.roles.flatMap((role) => roleDrafts(role, account, context)),
      ...permissionDrafts(account, context),
    ];
    for (const draft of drafts) {
      if (input.suppressions.some((rule) => suppresses(rule, draft, account))) {
        suppressed[draft.findingType] = (suppressed[draft.findingType] ?? 0) + 1;
        continue;
      }
      findings.push({
        id: findingId(draft.findingType, draft.resource, draft.key),
        findingType: draft.findingType,
        severity: FINDING_SEVERITIES[draft.findingType],
        resource: draft.resource,
        resourceType: draft.resourceType,
        resourceOwnerAccount: account.id,
        accountName: account.name,
        title: draft.title,
        findingDetails: draft.findingDetails,
        evidence: draft.evidence,
      });
    }
  }
  findings.sort(
    (a, b) =>
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      compare(a.accountName, b.accountName) ||
      compare(a.resource, b.resource) ||
      // Stable: a principal's findings of one type stay in the order made (keys by slot, services by name).
      compare(a.findingType, b.findingType),
  );
  return { findings, suppressed };
}

/** The unused period ending at `asOf` (the account's evidence time when older than the audit). */
function ruleContext(input: FindingsInput, evidenceAsOf: string | undefined): RuleContext {
  const asOf =
    evidenceAsOf !== undefined && Date.parse(evidenceAsOf) < Date.parse(input.asOf)
      ? evidenceAsOf
      : input.asOf;
  const asOfMs = Date.parse(asOf);
  const periodStartMs = asOfMs - input.unusedDays * DAY_MS;
  const periodStart = new Date(periodStartMs).toISOString();
  const period = `${periodStart.slice(0, 10)}..${new Date(asOfMs - 1).toISOString().slice(0, 10)}`;
  const before = (time: string | null | undefined): boolean =>
    time === null || time === undefined || Date.parse(time) < periodStartMs;
  const existedAllPeriod = (created: string | null | undefined): boolean =>
    created !== null && created !== undefined && Date.parse(created) <= periodStartMs;
  return { input, asOf, period, periodStart, before, existedAllPeriod };
}

interface RuleContext {
  readonly input: FindingsInput;
  /** The time the rules are judged as of: the audit's, or the account's older evidence's. */
  readonly asOf: string;
  /** The unused period, as days (`2026-08-03..2026-10-31`). */
  readonly period: string;
  readonly periodStart: string;
  /** Whether a last use is before the period (or none). */
  readonly before: (time: string | null | undefined) => boolean;
  readonly existedAllPeriod: (created: string | null | undefined) => boolean;
}

/** The name a key goes by in a finding: its id, else `<user>:key<slot>` (a report file alone). */
export function accessKeyName(user: string, key: Pick<FindingsAccessKey, 'slot' | 'accessKeyId'>): string {
  return key.accessKeyId ?? `${user}:key${key.slot}`;
}

function userDrafts(user: FindingsUser, account: FindingsAccount, context: RuleContext): Draft[] {
  const { report } = user;
  const { input, before, period } = context;
  const base = { resource: report.arn, resourceType: 'AWS::IAM::User' as const, tags: user.tags };
  const drafts: Draft[] = [];
  const reportEvidence = (detail: string, lastUsed: string | null): FindingEvidence => ({
    source: 'credential-report',
    detail,
    lastUsed,
    covers: null,
  });
  const active = user.accessKeys.filter((key) => key.status === 'Active');
  const existed = context.existedAllPeriod(report.userCreationTime);

  for (const key of active) {
    const name = accessKeyName(report.user, key);
    const unused = key.lastUsedDate === null ? before(key.created) : before(key.lastUsedDate);
    if (unused)
      drafts.push({
        ...base,
        findingType: 'UnusedIAMUserAccessKey',
        key: name,
        title:
          key.lastUsedDate === null
            ? `active access key ${name} of ${report.user} never used (created ${key.created.slice(0, 10)})`
            : `active access key ${name} of ${report.user} unused since ${key.lastUsedDate.slice(0, 10)}`,
        findingDetails: [
          { unusedIamUserAccessKeyDetails: { accessKeyId: name, lastAccessed: key.lastUsedDate } },
        ],
        evidence: [
          reportEvidence(
            key.lastUsedDate === null
              ? `access_key_${key.slot}: never used, created ${key.created}, before the period ${period}`
              : `access_key_${key.slot}: last used ${key.lastUsedDate}${key.lastUsedService === null ? '' : ` (${key.lastUsedService})`}, before the period ${period}`,
            key.lastUsedDate,
          ),
        ],
      });
    // Created more than keyMaxAgeDays before the audit's time, to the millisecond: a key of 90 whole
    // days and some hours is more than 90 days old.
    const ageMs = Date.parse(context.asOf) - Date.parse(key.created);
    const ageDays = Math.floor(ageMs / DAY_MS);
    if (ageMs > input.keyMaxAgeDays * DAY_MS)
      drafts.push({
        ...base,
        findingType: 'AccessKeyNotRotated',
        key: name,
        title:
          ageDays > input.keyMaxAgeDays
            ? `active access key ${name} of ${report.user} is ${ageDays} days old (more than ${input.keyMaxAgeDays})`
            : `active access key ${name} of ${report.user} is more than ${input.keyMaxAgeDays} days old (created ${key.created})`,
        findingDetails: [
          {
            iamtrailDetails: {
              accessKeyId: name,
              created: key.created,
              ageDays,
              keyMaxAgeDays: input.keyMaxAgeDays,
            },
          },
        ],
        evidence: [reportEvidence(`access_key_${key.slot}_last_rotated: ${key.created}`, key.lastUsedDate)],
      });
  }
  if (active.length >= 2)
    drafts.push({
      ...base,
      findingType: 'TwoActiveAccessKeys',
      key: '',
      title: `${report.user} has two active access keys`,
      findingDetails: [
        {
          iamtrailDetails: {
            accessKeyIds: active.map((key) => accessKeyName(report.user, key)).join(','),
          },
        },
      ],
      evidence: [reportEvidence('access_key_1_active and access_key_2_active: true', null)],
    });
  if (report.passwordEnabled === true && !report.mfaActive)
    drafts.push({
      ...base,
      findingType: 'ConsolePasswordWithoutMfa',
      key: '',
      title: `${report.user} has a console password and no MFA device`,
      findingDetails: [{ iamtrailDetails: { passwordLastUsed: report.passwordLastUsed } }],
      evidence: [reportEvidence('password_enabled: true, mfa_active: false', report.passwordLastUsed)],
    });
  if (!existed) return drafts;

  const passwordUnused =
    report.passwordEnabled === true &&
    before(report.passwordLastUsed) &&
    // A password set within the period and never used has not been unused for the period.
    (report.passwordLastUsed !== null ||
      before(report.passwordLastChanged) ||
      report.passwordLastChanged === null);
  if (passwordUnused)
    drafts.push({
      ...base,
      findingType: 'UnusedIAMUserPassword',
      key: '',
      title:
        report.passwordLastUsed === null
          ? `console password of ${report.user} never used`
          : `console password of ${report.user} unused since ${report.passwordLastUsed.slice(0, 10)}`,
      findingDetails: [{ unusedIamUserPasswordDetails: { lastAccessed: report.passwordLastUsed } }],
      evidence: [
        reportEvidence(
          report.passwordLastUsed === null
            ? 'password_last_used: never (no_information)'
            : `password_last_used: ${report.passwordLastUsed}, before the period ${period}`,
          report.passwordLastUsed,
        ),
      ],
    });

  // Unused user: no password use, no key use (any key, active or not), no call in the logs.
  const lastKeyUse = latest(user.accessKeys.map((key) => key.lastUsedDate));
  const trailUse = account.trail?.lastActivity.get(report.arn) ?? null;
  // A key created (rotated) in the period may have replaced one used in it, whose last use went
  // with it: the report cannot show the user unused, only logs of the whole period can.
  const newKey = user.accessKeys.find((key) => !before(key.created));
  const decidable = newKey === undefined || account.trail?.coversPeriod === true;
  if (decidable && before(report.passwordLastUsed) && before(lastKeyUse) && before(trailUse)) {
    const lastAccessed = latest([report.passwordLastUsed, lastKeyUse, trailUse]);
    const uses = `password last used ${report.passwordLastUsed ?? 'never'}, keys last used ${lastKeyUse ?? 'never'}`;
    drafts.push({
      ...base,
      findingType: 'UnusedIAMUser',
      key: '',
      title:
        lastAccessed === null
          ? `user ${report.user} never used (no password or key use)`
          : `user ${report.user} unused since ${lastAccessed.slice(0, 10)}`,
      findingDetails: [
        {
          iamtrailDetails: {
            lastAccessed,
            passwordLastUsed: report.passwordLastUsed,
            accessKeyLastUsed: lastKeyUse,
          },
        },
      ],
      evidence: [
        reportEvidence(
          newKey === undefined
            ? `no password or access key use in the period ${period} (${uses})`
            : `access_key_${newKey.slot} created ${newKey.created}, in the period ${period}: a key it replaced may have been used in the period, which the credential report no longer shows (${uses})`,
          latest([report.passwordLastUsed, lastKeyUse]),
        ),
        trailEvidence(account.trail, trailUse, context),
      ],
    });
  }
  return drafts;
}

function rootDrafts(user: FindingsUser, account: FindingsAccount, context: RuleContext): Draft[] {
  const { report } = user;
  const resource = `arn:aws:iam::${account.id}:root`;
  const base = { resource, resourceType: 'AWS::IAM::User' as const, tags: user.tags };
  const drafts: Draft[] = [];
  const active = user.accessKeys.filter((key) => key.status === 'Active');
  if (active.length > 0)
    drafts.push({
      ...base,
      findingType: 'RootAccessKey',
      key: '',
      title: `the root user of ${account.name} has ${active.length} active access key(s)`,
      findingDetails: [
        {
          iamtrailDetails: {
            activeKeys: active.length,
            lastUsed: latest(active.map((key) => key.lastUsedDate)),
          },
        },
      ],
      evidence: active.map((key) => ({
        source: 'credential-report' as const,
        detail: `access_key_${key.slot}_active: true (last rotated ${key.created})`,
        lastUsed: key.lastUsedDate,
        covers: null,
      })),
    });
  // The report writes not_supported in password_enabled for root, which has a password unless it
  // was deleted: mfa_active alone decides (Security Hub IAM.9, CIS "MFA enabled for root").
  if (!report.mfaActive)
    drafts.push({
      ...base,
      findingType: 'RootWithoutMfa',
      key: '',
      title: `the root user of ${account.name} has no MFA device`,
      findingDetails: [{ iamtrailDetails: { mfaActive: false, passwordLastUsed: report.passwordLastUsed } }],
      evidence: [
        {
          source: 'credential-report',
          detail: `mfa_active: false on the ${report.user} row`,
          lastUsed: report.passwordLastUsed,
          covers: null,
        },
      ],
    });
  const { window } = context.input;
  const windowText = `${window.startDay}..${window.endDay}`;
  const inWindow = (time: string | null | undefined): time is string =>
    time !== null &&
    time !== undefined &&
    time.slice(0, 10) >= window.startDay &&
    time.slice(0, 10) <= window.endDay;
  const evidence: FindingEvidence[] = [];
  if (inWindow(report.passwordLastUsed))
    evidence.push({
      source: 'credential-report',
      detail: `password_last_used: ${report.passwordLastUsed} (console sign-in)`,
      lastUsed: report.passwordLastUsed,
      covers: windowText,
    });
  const rootKeyUse = latest(user.accessKeys.map((key) => key.lastUsedDate));
  if (inWindow(rootKeyUse))
    evidence.push({
      source: 'credential-report',
      detail: `a root access key was last used ${rootKeyUse}`,
      lastUsed: rootKeyUse,
      covers: windowText,
    });
  const trailUse = account.trail?.lastActivity.get(resource);
  if (inWindow(trailUse))
    evidence.push({
      source: 'cloudtrail',
      detail: `calls made as root in the logs, the last at ${trailUse}`,
      lastUsed: trailUse,
      covers: account.trail?.covers ?? null,
    });
  if (evidence.length > 0) {
    const lastUsed = latest(evidence.map((entry) => entry.lastUsed));
    drafts.push({
      ...base,
      findingType: 'RootUsed',
      key: '',
      title: `the root user of ${account.name} was used in the window (last ${lastUsed ?? ''})`,
      findingDetails: [{ iamtrailDetails: { lastUsed, window: windowText } }],
      evidence,
    });
  }
  return drafts;
}

function roleDrafts(role: FindingsRole, account: FindingsAccount, context: RuleContext): Draft[] {
  // No RoleLastUsed in the data (an older dump): IAM says nothing, and the logs alone never make "unused".
  if (
    role.path.startsWith('/aws-service-role/') ||
    !role.lastUsedKnown ||
    !context.existedAllPeriod(role.createDate)
  )
    return [];
  const trailUse = account.trail?.lastActivity.get(role.arn) ?? null;
  if (!context.before(role.lastUsed) || !context.before(trailUse)) return [];
  const lastAccessed = latest([role.lastUsed, trailUse]);
  return [
    {
      findingType: 'UnusedIAMRole',
      resource: role.arn,
      resourceType: 'AWS::IAM::Role',
      key: '',
      tags: role.tags,
      title:
        lastAccessed === null
          ? `role ${role.name} not used in IAM's tracking period`
          : `role ${role.name} unused since ${lastAccessed.slice(0, 10)}`,
      findingDetails: [{ unusedIamRoleDetails: { lastAccessed } }],
      evidence: [
        {
          source: 'role-last-used',
          detail:
            role.lastUsed === null
              ? 'RoleLastUsed: none (not used in the 400 days IAM tracks)'
              : `RoleLastUsed: ${role.lastUsed}, before the period ${context.period}`,
          lastUsed: role.lastUsed,
          covers: null,
        },
        trailEvidence(account.trail, trailUse, context, 'role'),
      ],
    },
  ];
}

/** What CloudTrail added to an unused finding: nothing found, on all or part of the period, or not read. */
function trailEvidence(
  trail: FindingsTrail | null,
  lastUse: string | null,
  context: RuleContext,
  subject: 'user' | 'role' = 'user',
): FindingEvidence {
  if (trail === null)
    return {
      source: 'cloudtrail',
      detail: 'CloudTrail evidence was not used: the finding rests on IAM alone',
      lastUsed: null,
      covers: null,
    };
  // A role's use is also an AssumeRole call naming it, whose session may have made no logged call.
  const found =
    subject === 'role'
      ? lastUse === null
        ? 'no call of its sessions and no AssumeRole call naming it in the logs'
        : `last call or assumption ${lastUse}, before the period`
      : lastUse === null
        ? 'no call in the logs'
        : `last call ${lastUse}, before the period`;
  return {
    source: 'cloudtrail',
    detail: trail.coversPeriod
      ? `${found} of the whole period ${context.period}`
      : `${found} of ${trail.covers}; the logs do not cover the whole period ${context.period}, so the finding rests on IAM alone`,
    lastUsed: lastUse,
    covers: trail.covers,
  };
}

function permissionDrafts(account: FindingsAccount, context: RuleContext): Draft[] {
  const { trail } = account;
  if (trail === null || !trail.coversPeriod) return [];
  const subjects = [
    ...account.users
      .filter((user) => !user.report.isRoot && context.existedAllPeriod(user.report.userCreationTime))
      .map((user) => ({
        arn: user.report.arn,
        name: user.report.user,
        type: 'AWS::IAM::User' as const,
        tags: user.tags,
      })),
    ...account.roles
      .filter(
        (role) => !role.path.startsWith('/aws-service-role/') && context.existedAllPeriod(role.createDate),
      )
      .map((role) => ({ arn: role.arn, name: role.name, type: 'AWS::IAM::Role' as const, tags: role.tags })),
  ];
  const drafts: Draft[] = [];
  for (const subject of subjects) {
    const verdicts = trail.verdicts.get(subject.arn);
    if (verdicts === undefined || verdicts.unused.length === 0) continue;
    const byService = new Map<string, string[]>();
    for (const action of verdicts.unused) {
      const service = action.slice(0, action.indexOf(':')).toLowerCase();
      byService.set(service, [...(byService.get(service) ?? []), action]);
    }
    for (const [service, actions] of [...byService].sort(([a], [b]) => compare(a, b))) {
      const advisorService = verdicts.advisor?.services.find(
        (entry) => entry.serviceNamespace.toLowerCase() === service,
      );
      const lastOf = (action: string): string | null => {
        const name = action.slice(action.indexOf(':') + 1).toLowerCase();
        return (
          advisorService?.trackedActions?.find((entry) => entry.actionName.toLowerCase() === name)
            ?.lastAccessed ?? null
        );
      };
      const sorted = [...actions].sort(compare);
      const serviceLast = advisorService?.lastAuthenticated ?? null;
      const decided = new Set(verdicts.advisorDecided);
      const byAdvisor = sorted.filter((action) => decided.has(action));
      const byTrail = sorted.filter((action) => !decided.has(action));
      const share = (part: readonly string[]): string =>
        `${part.length === sorted.length ? `the ${sorted.length}` : `${part.length} of the ${sorted.length}`} action${sorted.length === 1 ? '' : 's'} (${listOf(part)})`;
      drafts.push({
        findingType: 'UnusedPermission',
        resource: subject.arn,
        resourceType: subject.type,
        key: service,
        tags: subject.tags,
        title: `${subject.name}: ${sorted.length} ${service} action(s) granted and unused (${sorted.slice(0, 3).join(', ')}${sorted.length > 3 ? ', …' : ''})`,
        findingDetails: [
          {
            unusedPermissionDetails: {
              serviceNamespace: service,
              lastAccessed: serviceLast,
              actions: sorted.map((action) => ({ action, lastAccessed: lastOf(action) })),
            },
          },
        ],
        evidence: [
          ...(byTrail.length === 0
            ? []
            : [
                {
                  source: 'cloudtrail' as const,
                  detail: `verdict "-"${byTrail.length === sorted.length ? '' : ` for ${share(byTrail)}`}: granted, no call in the logs of the whole period ${context.period}, and the trail records them`,
                  lastUsed: null,
                  covers: trail.covers,
                },
              ]),
          ...(byAdvisor.length === 0
            ? []
            : [advisorVerdictEvidence(byAdvisor, share(byAdvisor), service, verdicts.advisor, context)]),
          ...(advisorService === undefined
            ? []
            : [
                {
                  source: 'access-advisor' as const,
                  detail: `${service} last authenticated ${serviceLast ?? 'never in the tracking period'}`,
                  lastUsed: serviceLast,
                  covers: null,
                },
              ]),
        ],
      });
    }
  }
  return drafts;
}

/**
 * The evidence of the `-` lines of a service that Access Advisor decided: the trail does not record
 * those actions, so the verdict rests on the snapshot: each tracked action's own last access, or
 * the service's last authentication (see `settleWithAdvisor`).
 */
function advisorVerdictEvidence(
  actions: readonly string[],
  share: string,
  service: string,
  snapshot: AdvisorSnapshot | undefined,
  context: RuleContext,
): FindingEvidence {
  const entry = snapshot?.services.find((candidate) => candidate.serviceNamespace.toLowerCase() === service);
  const trackedOf = (action: string) => {
    const name = action.slice(action.indexOf(':') + 1).toLowerCase();
    return entry?.trackedActions?.find((tracked) => tracked.actionName.toLowerCase() === name);
  };
  const tracked = actions.filter((action) => trackedOf(action) !== undefined);
  const byService = actions.length > tracked.length;
  const serviceLast = entry?.lastAuthenticated ?? null;
  const parts = [
    ...(tracked.length === 0
      ? []
      : [
          `${tracked.length} tracked action(s) not accessed in it (the last access of each is in the details)`,
        ]),
    ...(byService
      ? [
          serviceLast === null
            ? `${service} not authenticated in the tracking period`
            : `${service} last authenticated ${serviceLast}, before it`,
        ]
      : []),
  ];
  const { window } = context.input;
  return {
    source: 'access-advisor',
    detail: `verdict "-" for ${share}, which the trail does not record: the Access Advisor snapshot as of ${snapshot === undefined ? '(unknown)' : advisorAsOf(snapshot)} shows no access in the window ${window.startDay}..${window.endDay}: ${parts.join('; ')}; it considers identity policies only`,
    lastUsed: latest([
      ...tracked.map((action) => trackedOf(action)?.lastAccessed),
      ...(byService ? [serviceLast] : []),
    ]),
    covers: null,
  };
}

/** The first three of a list of actions, then `…`. */
function listOf(actions: readonly string[]): string {
  return `${actions.slice(0, 3).join(', ')}${actions.length > 3 ? ', …' : ''}`;
}

/** Whether a suppression rule matches a finding: every field it gives must. */
function suppresses(rule: FindingSuppression, draft: Draft, account: FindingsAccount): boolean {
  if (
    rule.accounts !== undefined &&
    !rule.accounts.some((entry) => entry === account.id || entry === account.name)
  )
    return false;
  if (rule.findingTypes !== undefined && !rule.findingTypes.includes(draft.findingType)) return false;
  if (rule.arnPattern !== undefined && !new RegExp(rule.arnPattern, 'u').test(draft.resource)) return false;
  if (rule.tag !== undefined) {
    const value = draft.tags[rule.tag.key];
    if (value === undefined || (rule.tag.value !== undefined && value !== rule.tag.value)) return false;
  }
  return true;
}

/** A finding's id: the first 16 hex digits of SHA-256 over its type, resource and key. */
export function findingId(findingType: FindingType, resource: string, key: string): string {
  return createHash('sha256').update(`${findingType}\n${resource}\n${key}`).digest('hex').slice(0, 16);
}

function latest(times: readonly (string | null | undefined)[]): string | null {
  let found: string | null = null;
  for (const time of times)
    if (time !== null && time !== undefined && (found === null || Date.parse(time) > Date.parse(found)))
      found = time;
  return found;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
