import type { AdvisorAction, AdvisorService, AdvisorSnapshot } from '../iam/access-advisor.js';
import { addDays } from '../trail/utc-days.js';
import type { ActionUsage, PrincipalDiffReport } from './activity-report.js';

/*
 * Access Advisor settles some `?` lines of a principal's diff: what CloudTrail cannot show, IAM's
 * "last accessed" data may. Its limits (../shared/notes/peer-tools-and-aws-apis.md §12): it counts
 * denied attempts too, considers only the entity's identity policies (not resource policies, SCPs
 * or boundaries), keeps at least 400 days, and may take up to about 4 hours to show an access.
 */

/** What Access Advisor decided or noted for a line: its service's last authentication, or its own last access. */
export const ADVISOR_EVIDENCE_KINDS = ['access-advisor:service', 'access-advisor:action'] as const;
/** One of {@link ADVISOR_EVIDENCE_KINDS}. */
export type AdvisorEvidenceKind = (typeof ADVISOR_EVIDENCE_KINDS)[number];

/** The evidence of a line Access Advisor decided (or noted "service used"): the snapshot and the access it read. */
export interface AdvisorEvidence {
  readonly kind: AdvisorEvidenceKind;
  readonly detail: string;
}

/** How long Access Advisor keeps history: at least this many days before its snapshot. */
export const ADVISOR_TRACKING_DAYS = 400;
/** How long an access may take to show in Access Advisor. */
export const ADVISOR_LAG_HOURS = 4;

/**
 * Permission-only actions IAM checks during another service's call (Repokid's
 * `IAM_ACCESS_ADVISOR_UNSUPPORTED_ACTIONS`): their service's last authentication says nothing
 * about them, so Access Advisor never settles them.
 */
export const ADVISOR_BLIND_ACTIONS: ReadonlySet<string> = new Set(['iam:passrole']);

/** What the report did with Access Advisor: `applied`, or why not. */
export const ADVISOR_USE_STATES = ['applied', 'no-snapshot', 'not-covering', 'not-applicable'] as const;
/** One of {@link ADVISOR_USE_STATES}. */
export type AdvisorUseState = (typeof ADVISOR_USE_STATES)[number];

/** Which snapshot a diff used, and what it changed; JSON's `accessAdvisor`. */
export interface AdvisorUse {
  readonly state: AdvisorUseState;
  /** The snapshot read (the principal's latest), or `null` without one. */
  readonly collectedAt: string | null;
  readonly jobCompletedAt: string | null;
  readonly origin: string | null;
  /** One sentence: the snapshot used and what it covers, or why it was not used. */
  readonly detail: string;
  /** `?` lines it turned into `-` (`unused`) and into used. */
  readonly settled: { readonly unused: number; readonly used: number };
  /** `?` lines kept with the note "service used". */
  readonly serviceUsed: number;
}

/** A window of whole UTC days, both ends inclusive. */
export interface AdvisorWindow {
  readonly startDay: string;
  readonly endDay: string;
}

/**
 * The time Access Advisor's data is as of: AWS's job completion, else (for display only) when
 * iamtrail collected or imported it. Only the job's completion time can make a snapshot cover a
 * window: an import's file time says when the file was last written (a checkout, an unpacked
 * archive), not when its data was true.
 */
export function advisorAsOf(snapshot: Pick<AdvisorSnapshot, 'collectedAt' | 'jobCompletedAt'>): string {
  return snapshot.jobCompletedAt ?? snapshot.collectedAt;
}

const HOUR_MS = 3_600_000;

/**
 * Whether a snapshot covers a window: its data, as of {@link advisorAsOf} less the
 * {@link ADVISOR_LAG_HOURS} an access may take to show, reaches the end of the window's last day
 * (`endDay + 1` at 00:00 UTC). A window that runs into the present is never covered: an access
 * after the snapshot could not be in it.
 */
export function advisorCoversWindow(
  snapshot: Pick<AdvisorSnapshot, 'collectedAt' | 'jobCompletedAt'>,
  window: AdvisorWindow,
): boolean {
  if (snapshot.jobCompletedAt === null) return false;
  return Date.parse(snapshot.jobCompletedAt) - ADVISOR_LAG_HOURS * HOUR_MS >= windowEndMs(window);
}

function windowStartMs(window: AdvisorWindow): number {
  return Date.parse(`${window.startDay}T00:00:00Z`);
}

function windowEndMs(window: AdvisorWindow): number {
  return Date.parse(`${addDays(window.endDay, 1)}T00:00:00Z`);
}

/** The last day a window may end on for the snapshot to cover it. */
function lastCoveredDay(snapshot: Pick<AdvisorSnapshot, 'collectedAt' | 'jobCompletedAt'>): string {
  const usable = new Date(Date.parse(advisorAsOf(snapshot)) - ADVISOR_LAG_HOURS * HOUR_MS);
  return addDays(usable.toISOString().slice(0, 10), -1);
}

/** A diff with Access Advisor's verdicts, and what was used. */
export interface AdvisorSettledReport {
  readonly report: PrincipalDiffReport;
  readonly advisor: AdvisorUse;
}

/**
 * Settles `?` lines of a principal's diff with its latest Access Advisor snapshot, when the
 * snapshot covers the window ({@link advisorCoversWindow}). For each `?` action:
 * - a tracked action (listed in its service's `trackedActions`, matched on the name after the
 *   prefix, ignoring case) is decided by its own last access: within the window it is used, before
 *   the window (or never, when the tracking period reaches back to the window's start) it is `-`,
 *   after the window it stays `?`; evidence `access-advisor:action`;
 * - otherwise its service decides: not authenticated since before the window began (or never, as
 *   above) makes it `-`; authenticated within the window keeps it `?` with the note "service
 *   used"; evidence `access-advisor:service`. These logs showing calls of the service in the window
 *   overrule a snapshot that says it was not used: the line stays `?`.
 * `-` lines stay `-` (CloudTrail would have recorded a call); one whose action Access Advisor says
 * was accessed in the window gets a note: a denied attempt, which Access Advisor counts, or a call
 * the logs miss. Used and `+` lines are left alone; so are {@link ADVISOR_BLIND_ACTIONS} and
 * services the snapshot does not list.
 */
export function settleWithAdvisor(
  report: PrincipalDiffReport,
  snapshot: AdvisorSnapshot | undefined,
  window: AdvisorWindow,
  createdAt?: string,
): AdvisorSettledReport {
  if (snapshot === undefined)
    return {
      report,
      advisor: {
        state: 'no-snapshot',
        collectedAt: null,
        jobCompletedAt: null,
        origin: null,
        detail: 'the cache holds no snapshot of this principal (iamtrail advisor collect)',
        settled: { unused: 0, used: 0 },
        serviceUsed: 0,
      },
    };
  const asOf = advisorAsOf(snapshot);
  const about = {
    collectedAt: snapshot.collectedAt,
    jobCompletedAt: snapshot.jobCompletedAt,
    origin: snapshot.origin,
  };
  if (!advisorCoversWindow(snapshot, window))
    return {
      report,
      advisor: {
        state: 'not-covering',
        ...about,
        detail:
          snapshot.jobCompletedAt === null
            ? `the snapshot of ${asOf} (${snapshot.origin}) has no JobCompletionDate, so when its data was true is unknown: it settles nothing (collect again)`
            : `the snapshot as of ${asOf} does not cover the window, which ends at the end of ${window.endDay} (an access may take ${ADVISOR_LAG_HOURS} hours to show): end the window on ${lastCoveredDay(snapshot)} or earlier, or collect again`,
        settled: { unused: 0, used: 0 },
        serviceUsed: 0,
      },
    };

  const services = new Map(
    snapshot.services.map((service) => [service.serviceNamespace.toLowerCase(), service]),
  );
  // Services these logs saw used (successful calls) in the window: a snapshot cannot unsay them.
  const usedInLogs = new Set(
    report.actions
      .filter((line) => (line.status === 'used' && line.calls > 0) || line.status === 'ungranted')
      .map((line) => prefixOf(line.action)),
  );
  const deniedOrFailed = new Map(
    [...report.denied, ...report.failed].map((entry) => [entry.action.toLowerCase(), entry]),
  );
  const createdInWindow =
    createdAt !== undefined &&
    Number.isFinite(Date.parse(createdAt)) &&
    Date.parse(createdAt) > windowStartMs(window)
      ? createdAt
      : undefined;
  const context: SettleContext = {
    start: windowStartMs(window),
    end: windowEndMs(window),
    // "Never" reaches back only as far as the tracking period, and the principal's creation: Access
    // Advisor keeps its data per entity, and a user or role created in the window may have
    // replaced one of the same name (and ARN) whose accesses went with it.
    neverReachesStart:
      windowStartMs(window) >= Date.parse(asOf) - ADVISOR_TRACKING_DAYS * 24 * HOUR_MS && !createdInWindow,
    createdInWindow,
    snapshotText: `Access Advisor snapshot as of ${asOf}`,
  };
  const settled = { unused: 0, used: 0 };
  let serviceUsed = 0;
  const actions = report.actions.map((line): ActionUsage => {
    const service = services.get(prefixOf(line.action));
    if (service === undefined || ADVISOR_BLIND_ACTIONS.has(line.action.toLowerCase())) return line;
    if (line.status === 'unused')
      return noteUnusedLine(line, service, context, deniedOrFailed.get(line.action.toLowerCase()));
    if (line.status !== 'unknown') return line;
    let decided = settleUnknownLine(line, service, context, usedInLogs.has(prefixOf(line.action)));
    // The "?" of a principal with federated sessions stays: whether Access Advisor counts their
    // calls as the user's is not known (see buildPrincipalDiffReport).
    if (decided.status === 'unused' && report.federatedSessions > 0)
      decided = {
        ...line,
        basis: `${decided.basis}; not taken as "-": whether Access Advisor counts the calls of its federated sessions is not known`,
      };
    if (decided.status === 'unused') settled.unused += 1;
    else if (decided.status === 'used') settled.used += 1;
    else if (decided.evidence.kind === 'access-advisor:service') serviceUsed += 1;
    return decided;
  });
  return {
    report: { ...report, actions },
    advisor: {
      state: 'applied',
      ...about,
      detail: `the snapshot as of ${asOf} (${snapshot.origin}) covers the window`,
      settled,
      serviceUsed,
    },
  };
}

interface SettleContext {
  readonly start: number;
  readonly end: number;
  readonly neverReachesStart: boolean;
  /** The principal's creation time when it falls after the window's start. */
  readonly createdInWindow: string | undefined;
  readonly snapshotText: string;
}

/** Where a last access falls: `never` (not in the tracking period), before, within or after the window. */
type Placement = 'never' | 'before' | 'within' | 'after';

function placementOf(time: string | null, context: SettleContext): Placement {
  if (time === null) return 'never';
  const at = Date.parse(time);
  return at < context.start ? 'before' : at < context.end ? 'within' : 'after';
}

const DENIED_CAVEAT = 'Access Advisor counts denied attempts too, so it may have been refused';
const POLICY_CAVEAT =
  'Access Advisor considers only identity policies, so a call allowed by a resource policy alone is not in it';

function settleUnknownLine(
  line: ActionUsage,
  service: AdvisorService,
  context: SettleContext,
  serviceInLogs: boolean,
): ActionUsage {
  const tracked = trackedActionOf(service, line.action);
  if (tracked !== undefined) {
    const placement = placementOf(tracked.lastAccessed, context);
    const access =
      tracked.lastAccessed === null
        ? `not accessed in the tracking period`
        : `last accessed ${tracked.lastAccessed}${describeWhere(tracked.lastAccessedRegion, tracked.lastAccessedEntity)}`;
    const evidence = {
      kind: 'access-advisor:action',
      detail: `${context.snapshotText}: ${line.action} ${access}`,
    } as const;
    if (placement === 'within')
      return {
        ...line,
        status: 'used',
        evidence,
        basis: `${line.basis}; Access Advisor: ${access}, within the window (${DENIED_CAVEAT})`,
      };
    if (placement === 'before' || (placement === 'never' && context.neverReachesStart))
      return {
        ...line,
        status: 'unused',
        evidence,
        basis: `${line.basis}; Access Advisor: ${access}, so not in the window (${POLICY_CAVEAT})`,
      };
    return undecided(line, access, placement, context);
  }
  const placement = placementOf(service.lastAuthenticated, context);
  const access =
    service.lastAuthenticated === null
      ? `${service.serviceNamespace} not accessed in the tracking period`
      : `${service.serviceNamespace} last accessed ${service.lastAuthenticated}${describeWhere(service.lastAuthenticatedRegion, service.lastAuthenticatedEntity)}`;
  const evidence = { kind: 'access-advisor:service', detail: `${context.snapshotText}: ${access}` } as const;
  if (placement === 'within')
    return {
      ...line,
      evidence,
      basis: `${line.basis}; service used: Access Advisor says ${access}, within the window, and cannot tell which action`,
    };
  if (serviceInLogs)
    return {
      ...line,
      basis: `${line.basis}; service used: these logs hold calls of ${service.serviceNamespace} in the window (the Access Advisor snapshot says ${access})`,
    };
  if (placement === 'before' || (placement === 'never' && context.neverReachesStart))
    return {
      ...line,
      status: 'unused',
      evidence,
      basis: `${line.basis}; Access Advisor: ${access}, so no action of it was used in the window (${POLICY_CAVEAT})`,
    };
  return undecided(line, access, placement, context);
}

/**
 * A `?` line Access Advisor cannot settle: an access after the window, or "never" beyond its
 * tracking period or the principal's creation.
 */
function undecided(
  line: ActionUsage,
  access: string,
  placement: Placement,
  context: SettleContext,
): ActionUsage {
  const why =
    placement === 'after'
      ? 'after the window: it cannot tell about the window'
      : context.createdInWindow !== undefined
        ? `but the principal was created ${context.createdInWindow}, in the window: its data begins then, and one of the same name before it may have used it`
        : `but its ${ADVISOR_TRACKING_DAYS}-day tracking period does not reach the window's start`;
  return { ...line, basis: `${line.basis}; Access Advisor: ${access}, ${why}` };
}

/** A `-` line stays `-`; an access Access Advisor saw in the window is explained in its basis. */
function noteUnusedLine(
  line: ActionUsage,
  service: AdvisorService,
  context: SettleContext,
  attempts: { readonly calls: number } | undefined,
): ActionUsage {
  const tracked = trackedActionOf(service, line.action);
  if (tracked === undefined || placementOf(tracked.lastAccessed, context) !== 'within') return line;
  const why =
    attempts === undefined
      ? 'a denied attempt (Access Advisor counts them) or a call these logs miss'
      : `these logs hold ${attempts.calls} refused or failed call(s) of it, which Access Advisor counts`;
  return {
    ...line,
    basis: `${line.basis}; Access Advisor says it was last accessed ${tracked.lastAccessed ?? ''}, within the window: ${why}`,
  };
}

/** The service's tracked entry for an action, matched on the name after the prefix, ignoring case. */
function trackedActionOf(service: AdvisorService, action: string): AdvisorAction | undefined {
  const name = nameOf(action).toLowerCase();
  return service.trackedActions?.find((entry) => nameOf(entry.actionName).toLowerCase() === name);
}

function describeWhere(region: string | null, entity: string | null): string {
  return `${region === null ? '' : ` in ${region}`}${entity === null ? '' : ` by ${entity}`}`;
}

/** The lower-case service prefix of an action (`s3:GetObject` → `s3`). */
function prefixOf(action: string): string {
  return action.slice(0, action.indexOf(':')).toLowerCase();
}

/** An action's name without its prefix (`s3:GetObject` → `GetObject`; `GetObject` as it is). */
function nameOf(action: string): string {
  return action.slice(action.indexOf(':') + 1);
}
