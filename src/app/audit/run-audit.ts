import { describeSpans } from '../../analysis/log-coverage.js';
import type { AccountCoverage } from '../../analysis/log-coverage.js';
import { buildFindings, FINDING_TYPES, SEVERITIES } from '../../analysis/audit-findings.js';
import { sortIamChanges } from '../../analysis/activity-order.js';
import type {
  FindingsAccount,
  FindingsTrail,
  FindingsVerdicts,
  FindingSuppression,
  FindingType,
  Severity,
} from '../../analysis/audit-findings.js';
import { isUnprovenUnused } from '../../analysis/activity-report.js';
import { ADVISOR_EVIDENCE_KINDS } from '../../analysis/advisor-evidence.js';
import {
  organizationTrailCaution,
  selectorsForAccount,
  selectorsNotApplied,
} from '../../analysis/event-selectors.js';
import type { LogFolderPlaces } from '../../analysis/event-selectors.js';
import { judgePrincipal } from '../../analysis/principal-verdicts.js';
import type { ActorEventCalls } from '../../cache/activity-queries.js';
import type { CacheStore } from '../../cache/cache-store.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import type { DayWindow } from '../../cli/window.js';
import type { Config } from '../../config/load-config.js';
import type { EngineReporter } from '../../engines/engine.js';
import type { AdvisorSnapshot } from '../../iam/access-advisor.js';
import type { IamPrincipal } from '../../iam/authorization-details.js';
import type { IamChangeRow } from '../../trail/iam-changes.js';
import { addDays } from '../../trail/utc-days.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import { loadAccountsWindow, logFoldersOf } from '../report/load-window.js';
import { planTrail, resolveAuditRoleTargets } from '../accounts/fan-out-options.js';
import type { EngineName, LogsSummary } from '../report/report-types.js';
import type {
  AccountEvidence,
  AuditAccount,
  AuditAccountTarget,
  AuditDocument,
  AuditPrincipal,
  PrincipalActions,
} from './audit-types.js';
import type { TrailSelectors } from '../../analysis/trail-recording.js';

/*
 * `iamtrail audit`: the accounts' credentials and IAM data (the evidence fan-out), CloudTrail from
 * the cache for all audited accounts at once, the report's verdicts per principal, and the
 * findings, into one document every output renders.
 */

/** What the audit was asked. */
export interface AuditOptions {
  /** `undefined` with `--org` and no config file. */
  readonly config: Config | undefined;
  /** `--account` (names or ids; empty: all), `--org`, `--role`. */
  readonly request: {
    readonly accounts: readonly string[];
    readonly org: boolean;
    readonly role: string | undefined;
  };
  readonly window: DayWindow;
  readonly unusedDays: number;
  readonly keyMaxAgeDays: number;
  readonly failOn: Severity | null;
  /** `false` for `--no-trail`. */
  readonly trail: boolean;
  /** `--logs DIR`, overriding the config's `logs:`. */
  readonly logs: string | undefined;
  readonly engine: EngineName | undefined;
  readonly cache: CacheSettings;
  /** `--max-scan-gb` in bytes (see `LoadWindowOptions.maxScanBytes`). */
  readonly maxScanBytes?: number;
  /** `false` for `--no-advisor`. */
  readonly advisor: boolean;
  /** `--event-selectors`: what the trail records, exactly; otherwise inferred from the logs. */
  readonly selectors?: TrailSelectors;
  /** Accounts read at once. */
  readonly concurrency: number;
  readonly reporter: EngineReporter & { note(message: string): void };
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

/** What the audit needs from outside this file, replaceable for tests. */
export interface AuditDependencies {
  readonly data: ActionData;
  /** The evidence of every account, one result per account (a failure is a `failed` entry). */
  readonly collectEvidence: (
    targets: readonly AuditAccountTarget[],
    options: AuditOptions,
  ) => Promise<readonly AccountEvidence[]>;
  /** The accounts to audit, from the config or the organisation. */
  readonly resolveTargets: (options: AuditOptions) => Promise<readonly AuditAccountTarget[]>;
}

/** Runs the audit and returns its document (schema `iamtrail.audit/v1`). */
export async function runAudit(
  options: AuditOptions,
  dependencies: Partial<AuditDependencies> = {},
): Promise<AuditDocument> {
  const deps: AuditDependencies = {
    data: dependencies.data ?? loadActionData(),
    collectEvidence: dependencies.collectEvidence ?? collectAccountEvidenceOf,
    resolveTargets: dependencies.resolveTargets ?? resolveAuditRoleTargets,
  };
  const generatedAt = (options.now ?? new Date()).toISOString();
  const { window } = options;
  const asOf = `${addDays(window.endDay, 1)}T00:00:00.000Z`;
  const suppressions = toSuppressions(options.config);
  // Flags and config are checked before anything is read.
  const { reason: trailReason, plan } = planTrail(options);

  const targets = await deps.resolveTargets(options);
  const evidence = await deps.collectEvidence(targets, options);
  const read = evidence.filter((entry) => entry.status === 'read');

  let cloudTrail: AuditDocument['cloudTrail'];
  let trails = new Map<string, AccountTrail>();
  let iamChanges: readonly IamChangeRow[] | null = null;
  let advisorPrincipals = 0;
  if (plan === null || options.config === undefined) {
    cloudTrail = { used: false, reason: trailReason ?? 'no logs configured' };
  } else if (read.length === 0) {
    cloudTrail = { used: false, reason: 'no account could be read' };
  } else {
    const config = options.config;
    const accounts = read.map((entry) => ({ name: entry.account.name, id: entry.account.id }));
    const loaded = await loadAccountsWindow({
      config,
      plan,
      cache: options.cache,
      window,
      accounts,
      reporter: options.reporter,
      ...(options.maxScanBytes === undefined ? {} : { maxScanBytes: options.maxScanBytes }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    try {
      cloudTrail = { used: true, logs: loaded.logs };
      trails = await readTrails(
        loaded.store,
        loaded.source,
        loaded.logs,
        read,
        options,
        deps.data,
        logFoldersOf(config, plan),
      );
      advisorPrincipals = [...trails.values()].reduce((sum, trail) => sum + trail.advisorPrincipals, 0);
      iamChanges = await readIamChanges(
        loaded.store,
        loaded.source,
        window,
        accounts.map((entry) => entry.id),
      );
    } finally {
      await loaded.store.close();
    }
  }

  const findingsAccounts: FindingsAccount[] = read.map((entry) => ({
    id: entry.account.id,
    name: entry.account.name,
    users: entry.users.map((user) => ({
      report: user.report,
      accessKeys: user.accessKeys,
      tags: tagsOf(entry.details.users.find((candidate) => candidate.arn === user.report.arn)),
    })),
    roles: entry.details.roles.map((role) => ({
      name: role.name,
      arn: role.arn,
      path: role.path,
      createDate: role.createDate ?? null,
      lastUsed: role.lastUsedDate ?? null,
      lastUsedKnown: role.lastUsedKnown,
      tags: tagsOf(role),
    })),
    trail: trails.get(entry.account.id)?.findings ?? null,
    ...(entry.credentialReportGeneratedAt === null ? { evidenceAsOf: fileEvidenceAsOf(entry) } : {}),
  }));
  const { findings, suppressed } = buildFindings({
    accounts: findingsAccounts,
    asOf,
    window,
    unusedDays: options.unusedDays,
    keyMaxAgeDays: options.keyMaxAgeDays,
    suppressions,
  });

  const accounts: AuditAccount[] = evidence.map((entry) =>
    entry.status === 'failed'
      ? {
          name: entry.account.name,
          id: entry.account.id,
          status: 'failed',
          errorCode: entry.errorCode,
          error: entry.error,
        }
      : {
          name: entry.account.name,
          id: entry.account.id,
          status: 'audited',
          credentialReportGeneratedAt: entry.credentialReportGeneratedAt,
          principals: principalsOf(entry, trails.get(entry.account.id)),
          warnings: [...entry.warnings, ...staleEvidenceWarning(entry, asOf)],
        },
  );
  // Counts in the order of FINDING_TYPES and SEVERITIES, whatever the order of the findings.
  const byType: Partial<Record<FindingType, number>> = {};
  for (const type of FINDING_TYPES) {
    const count = findings.filter((finding) => finding.findingType === type).length;
    if (count > 0) byType[type] = count;
  }
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((severity) => [
      severity,
      findings.filter((finding) => finding.severity === severity).length,
    ]),
  ) as Record<Severity, number>;
  const accountsFailed = evidence.length - read.length;
  return {
    schema: 'iamtrail.audit/v1',
    generatedAt,
    window: { startDay: window.startDay, endDay: window.endDay },
    settings: {
      unusedDays: options.unusedDays,
      keyMaxAgeDays: options.keyMaxAgeDays,
      failOn: options.failOn,
      eventSelectors:
        options.selectors === undefined
          ? null
          : {
              file: options.selectors.source,
              notAppliedTo: read
                .filter((entry) => trails.get(entry.account.id)?.selectorsNotApplied === true)
                .map((entry) => ({ name: entry.account.name, id: entry.account.id })),
              ownFoldersOnly: read
                .filter((entry) => trails.get(entry.account.id)?.selectorsCaution === true)
                .map((entry) => ({ name: entry.account.name, id: entry.account.id })),
            },
    },
    cloudTrail,
    accessAdvisor: { used: advisorPrincipals > 0, principals: advisorPrincipals },
    accounts,
    findings,
    suppressed,
    iamChanges,
    totals: {
      accounts: evidence.length,
      accountsFailed,
      principals: accounts.reduce(
        (sum, account) => sum + (account.status === 'audited' ? account.principals.length : 0),
        0,
      ),
      findings: findings.length,
      byType,
      bySeverity,
    },
    complete: accountsFailed === 0,
  };
}

/** The CloudTrail side of one account. */
interface AccountTrail {
  readonly findings: FindingsTrail;
  /** Per principal ARN, its verdicts as action lists. */
  readonly actions: ReadonlyMap<string, PrincipalActions>;
  readonly advisorPrincipals: number;
  /** `--event-selectors` given and not applied to this account (another trail's). */
  readonly selectorsNotApplied: boolean;
  /** `--organization-trail`, and this account's logs lie only in its own folders. */
  readonly selectorsCaution: boolean;
}

/**
 * Per account: its actors' rows in one query, the account's logged events once, each principal's
 * verdicts from the report's code, and how much of the unused period the logs cover.
 */
async function readTrails(
  store: CacheStore,
  source: string,
  logs: LogsSummary,
  read: readonly Extract<AccountEvidence, { status: 'read' }>[],
  options: AuditOptions,
  data: ActionData,
  folders: (accountId: string) => LogFolderPlaces | undefined,
): Promise<Map<string, AccountTrail>> {
  const { window } = options;
  const periodStartDay = addDays(window.endDay, -(options.unusedDays - 1));
  const trails = new Map<string, AccountTrail>();
  const notApplied: { readonly name: string; readonly id: string }[] = [];
  const cautioned: { readonly name: string; readonly id: string }[] = [];
  for (const entry of read) {
    const accountId = entry.account.id;
    // Each actor's calls summed per event: what its diff reads of its rows.
    const rows = await store.accountEventCalls(source, window, accountId);
    const accountEvents = await store.accountEvents(source, window, accountId);
    const snapshots = options.advisor
      ? new Map(
          (await store.advisorSnapshots({ accountIds: [accountId] })).map(
            (snapshot): [string, AdvisorSnapshot] => [snapshot.arn.toLowerCase(), snapshot],
          ),
        )
      : undefined;
    const byActor = new Map<string, ActorEventCalls[]>();
    const lastActivity = new Map<string, string>();
    for (const row of rows) {
      const list = byActor.get(row.actorArn);
      if (list === undefined) byActor.set(row.actorArn, [row]);
      else list.push(row);
      if (row.outcome !== 'ok') continue;
      const seen = lastActivity.get(row.actorArn);
      if (seen === undefined || row.lastSeen > seen) lastActivity.set(row.actorArn, row.lastSeen);
    }
    // A role assumed was used, though its sessions made no logged call.
    for (const assumed of await store.accountRoleAssumptions(source, window, accountId)) {
      const seen = lastActivity.get(assumed.roleArn);
      if (seen === undefined || assumed.lastSeen > seen) lastActivity.set(assumed.roleArn, assumed.lastSeen);
    }
    const verdicts = new Map<string, FindingsVerdicts>();
    const actions = new Map<string, PrincipalActions>();
    const trail = selectorsForAccount(options.selectors, entry.account, folders);
    if (trail.skipped !== undefined) notApplied.push(entry.account);
    if (trail.caution !== undefined) cautioned.push(entry.account);
    let advisorPrincipals = 0;
    const principals: IamPrincipal[] = [
      ...entry.details.users,
      ...entry.details.roles.filter((role) => !role.serviceLinked),
    ];
    for (const principal of principals) {
      const snapshot = snapshots?.get(principal.arn.toLowerCase());
      const judged = judgePrincipal({
        details: entry.details,
        principal,
        actorRows: byActor.get(principal.arn) ?? [],
        accountEvents,
        mapper: data.mapper,
        catalog: data.catalog,
        ...trail.judged,
        ...(snapshots === undefined ? {} : { advisor: { snapshot, window } }),
      });
      if (judged.advisor?.state === 'applied') advisorPrincipals += 1;
      // Its "-" rest on the policies the IAM data holds: say which it lacks.
      for (const problem of judged.report.iamDataProblems)
        options.reporter.warn(`IAM data of ${principal.arn}: ${problem}`);
      // A "-" with calls that failed with another error than access is no finding: it is listed
      // with the "?" ones (isUnprovenUnused).
      const pick = (keep: (line: (typeof judged.report.actions)[number]) => boolean) =>
        judged.report.actions.filter(keep).map((line) => line.action);
      const unused = pick((line) => line.status === 'unused' && !isUnprovenUnused(line));
      actions.set(principal.arn, {
        used: pick((line) => line.status === 'used'),
        unused,
        unknown: pick(isUnprovenUnused),
      });
      // A "-" Access Advisor decided rests on its snapshot, not on the logs: the findings say so.
      const advisorDecided = pick(
        (line) =>
          line.status === 'unused' &&
          !isUnprovenUnused(line) &&
          (ADVISOR_EVIDENCE_KINDS as readonly string[]).includes(line.evidence.kind),
      );
      verdicts.set(principal.arn, { arn: principal.arn, unused, advisorDecided, advisor: snapshot });
    }
    const coverage = logs.coverage.find((candidate) => candidate.account.id === accountId);
    // Files of this account's period (or of no known account) that could not be read.
    const unreadable =
      (await store.skippedFiles(source, { startDay: periodStartDay, endDay: window.endDay }, [accountId]))
        .length > 0;
    trails.set(accountId, {
      findings: {
        ...periodCoverage(coverage, periodStartDay, window, options.unusedDays, unreadable),
        lastActivity,
        verdicts,
      },
      actions,
      advisorPrincipals,
      selectorsNotApplied: trail.skipped !== undefined,
      selectorsCaution: trail.caution !== undefined,
    });
  }
  // One warning for every account the selectors were not applied to.
  if (options.selectors !== undefined && notApplied.length > 0)
    options.reporter.warn(selectorsNotApplied(options.selectors, notApplied));
  if (options.selectors !== undefined && cautioned.length > 0)
    options.reporter.warn(organizationTrailCaution(options.selectors, cautioned));
  return trails;
}

/**
 * How much of the unused period (its last `unusedDays` days ending with the window) the logs hold
 * for an account: every day of it, or the days they do.
 */
export function periodCoverage(
  coverage: AccountCoverage | undefined,
  periodStartDay: string,
  window: DayWindow,
  unusedDays: number,
  unreadableFiles: boolean,
): { readonly covers: string; readonly coversPeriod: boolean } {
  const days = (coverage?.days ?? [])
    .filter((span) => span.endDay >= periodStartDay)
    .map((span) => (span.startDay < periodStartDay ? { ...span, startDay: periodStartDay } : span));
  let count = 0;
  for (const span of days)
    for (let day = span.startDay; day <= span.endDay; day = addDays(day, 1)) count += 1;
  const whole = window.startDay <= periodStartDay && count === unusedDays && !unreadableFiles;
  const held = days.length === 0 ? 'no day with logs' : describeSpans(days);
  return {
    covers: `${held} (${count} of the ${unusedDays} days of the period${unreadableFiles ? '; some log files unreadable' : ''})`,
    coversPeriod: whole,
  };
}

/** The principals of an audited account as the outputs show them: users of the report (root included) and roles. */
function principalsOf(
  entry: Extract<AccountEvidence, { status: 'read' }>,
  trail: AccountTrail | undefined,
): AuditPrincipal[] {
  const activity = (arn: string) =>
    trail === undefined ? {} : { lastActivity: trail.findings.lastActivity.get(arn) ?? null };
  const actionsOf = (arn: string) => {
    const actions = trail?.actions.get(arn);
    return actions === undefined ? {} : { actions };
  };
  const users = entry.users.map((user): AuditPrincipal => {
    const detail = entry.details.users.find((candidate) => candidate.arn === user.report.arn);
    return {
      type: user.report.isRoot ? 'root' : 'user',
      name: user.report.user,
      arn: user.report.arn,
      createdAt: user.report.userCreationTime,
      ...activity(user.report.arn),
      credentials: user,
      ...actionsOf(user.report.arn),
      tags: tagsOf(detail),
    };
  });
  const roles = entry.details.roles.map((role): AuditPrincipal => ({
    type: 'role',
    name: role.name,
    arn: role.arn,
    createdAt: role.createDate ?? null,
    ...activity(role.arn),
    roleLastUsed: role.lastUsedDate ?? null,
    ...actionsOf(role.arn),
    tags: tagsOf(role),
  }));
  return [...users, ...roles];
}

/** A principal's tags (none for a principal the IAM data lacks). */
function tagsOf(principal: IamPrincipal | undefined): Readonly<Record<string, string>> {
  return principal?.tags ?? {};
}

/** The config's `audit.exclude` as suppression rules. */
function toSuppressions(config: Config | undefined): FindingSuppression[] {
  return (config?.audit?.exclude ?? []).map((rule) => ({
    ...(rule.accounts === undefined ? {} : { accounts: rule.accounts }),
    ...(rule.arn === undefined ? {} : { arnPattern: rule.arn }),
    ...(rule.tag === undefined
      ? {}
      : { tag: { key: rule.tag.key, ...(rule.tag.value === undefined ? {} : { value: rule.tag.value }) } }),
    ...(rule.findings === undefined ? {} : { findingTypes: rule.findings }),
  }));
}

/** The IAM change events of the window for the audited accounts, in time order. */
async function readIamChanges(
  store: CacheStore,
  source: string,
  window: DayWindow,
  accountIds: readonly string[],
): Promise<readonly IamChangeRow[]> {
  return sortIamChanges(await store.iamChanges(source, window, accountIds));
}

/** The evidence fan-out (AWS or the config's files), one result per account. */
async function collectAccountEvidenceOf(
  targets: readonly AuditAccountTarget[],
  options: AuditOptions,
): Promise<readonly AccountEvidence[]> {
  // The AWS SDK is loaded only when the audit runs.
  const [{ collectAccountEvidence, DEFAULT_EVIDENCE_OPTIONS }, { AwsCallCounts }] = await Promise.all([
    import('./collect-evidence.js'),
    import('../../aws/client-instrumentation.js'),
  ]);
  return collectAccountEvidence(
    targets,
    {
      ...DEFAULT_EVIDENCE_OPTIONS,
      concurrency: options.concurrency,
      region: options.config?.athena?.region,
      counts: new AwsCallCounts(),
    },
    {
      progress: () => undefined,
      note: (line) => {
        options.reporter.note(line);
      },
    },
  );
}

/**
 * When a credential report read from a file (which carries no generation time) was made: at the
 * latest the end of the day of the newest time it or the IAM data holds. Its IAM evidence says
 * nothing of what came after: the unused rules judge it as of then.
 */
function fileEvidenceAsOf(entry: Extract<AccountEvidence, { status: 'read' }>): string {
  const times: string[] = [];
  for (const user of entry.users) {
    const report = user.report;
    for (const time of [report.userCreationTime, report.passwordLastUsed, report.passwordLastChanged])
      if (time !== null) times.push(time);
    for (const key of report.accessKeys) {
      times.push(key.lastRotated);
      if (key.lastUsedDate !== null) times.push(key.lastUsedDate);
    }
  }
  for (const principal of [...entry.details.users, ...entry.details.roles]) {
    if (principal.createDate !== undefined) times.push(principal.createDate);
    if (principal.type === 'role' && principal.lastUsedDate !== undefined) times.push(principal.lastUsedDate);
  }
  const newest = times.reduce<number>((latest, time) => Math.max(latest, Date.parse(time) || 0), 0);
  return `${addDays(new Date(newest).toISOString().slice(0, 10), 1)}T00:00:00.000Z`;
}

/** The warning of an account whose file evidence is older than the audit (see {@link fileEvidenceAsOf}). */
function staleEvidenceWarning(entry: Extract<AccountEvidence, { status: 'read' }>, asOf: string): string[] {
  if (entry.credentialReportGeneratedAt !== null) return [];
  const evidenceAsOf = fileEvidenceAsOf(entry);
  if (Date.parse(evidenceAsOf) >= Date.parse(asOf)) return [];
  return [
    `the credential report file holds nothing after ${addDays(evidenceAsOf.slice(0, 10), -1)}: its unused findings are judged as of ${evidenceAsOf}, not ${asOf} (give a newer report, or --end ${addDays(evidenceAsOf.slice(0, 10), -1)})`,
  ];
}
