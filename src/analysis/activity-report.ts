import type { ActionCatalog, RecordingEvidence } from '../actions/action-catalog.js';
import { recordingClassOf } from '../actions/action-catalog.js';
import type { EventMapper } from '../actions/event-mapper.js';
import type { IamPrincipal } from '../iam/authorization-details.js';
import type { GrantedAction, GrantedActions } from '../iam/granted-actions.js';
import { grantingPoliciesOf } from '../iam/granted-by.js';
import type { GrantingPolicy } from '../iam/granted-by.js';
import type { ActivityRow } from '../trail/activity-summary.js';
import type { AdvisorEvidence } from './advisor-evidence.js';
import { diffActions, filterDiff, sortGrants } from './action-diff.js';
import type { DiffFilter, DiffStatus, SortedGrants } from './action-diff.js';
import { countDiffStatuses } from './diff-totals.js';
import type { DiffTotalsReport } from './diff-totals.js';
import {
  createRecordingJudge,
  inferLoggedEvidence,
  isReadOnlySuspected,
  isWriteOnlySuspected,
} from './trail-recording.js';
import type { LoggedEvidence, RecordingVerdict, TrailSelectors } from './trail-recording.js';

/** One identity of `--list users|roles`. */
export interface IdentityActivity {
  readonly name: string;
  readonly arn: string;
  /** Whether it made at least one successful call in the window. */
  readonly active: boolean;
  /**
   * The `-` of `--list`: not active and, for a role, neither did its sessions make a call (a refused
   * one shows it was assumed) nor did a successful AssumeRole call name it (one whose sessions made
   * no logged call was used all the same).
   */
  readonly unused: boolean;
  /** UTC day of its last successful call in the window. */
  readonly lastActivity: string | undefined;
  readonly calls: number;
  /** Calls refused for access (outcome `denied`); never use. */
  readonly deniedCalls: number;
  /** Calls that failed with another error (outcome `failed`, e.g. NoSuchKey); never use. */
  readonly failedCalls: number;
  /** For roles: managed by an AWS service. */
  readonly serviceLinked: boolean;
  /** For roles: who opened its sessions in the window, most calls first. */
  readonly callers?: readonly CallerTally[];
  /**
   * For roles: its successful AssumeRole calls in the window (a call logged in two accounts
   * once), whether or not its sessions made a logged call; with the last one's time. A role assumed
   * is not unused even when it is not active.
   */
  readonly assumptions?: number;
  readonly lastAssumed?: string;
}

/** The successful AssumeRole calls naming a role (the cache's `accountRoleAssumptions`). */
export interface RoleAssumptionRow {
  readonly roleArn: string;
  readonly assumptions: number;
  readonly lastSeen: string;
}

/** One caller of a role: the identity that began the sessions (`null`: unknown), and its use. */
export interface CallerTally {
  readonly caller: string | null;
  /** The role a chain came through, when the caller assumed this role from another role's session. */
  readonly via: string | null;
  readonly calls: number;
  readonly lastSeen: string;
}

/** A (role, caller) pair with its calls; the cache's per-caller rollup has this shape. */
export interface RoleCallerRow {
  readonly roleArn: string;
  readonly callerArn: string | null;
  readonly viaArn: string | null;
  readonly calls: number;
  readonly lastSeen: string;
}

/** An identity seen in the logs that the IAM data does not list (deleted, or another account's). */
export interface UnknownIdentity {
  readonly name: string;
  readonly arn: string;
  readonly lastActivity: string | undefined;
  readonly calls: number;
  readonly deniedCalls: number;
  readonly failedCalls: number;
}

/** The answer to `--list users|roles`. */
export interface IdentityListReport {
  readonly identities: readonly IdentityActivity[];
  readonly notInIam: readonly UnknownIdentity[];
}

interface Tally {
  calls: number;
  deniedCalls: number;
  failedCalls: number;
  lastActivity: string | undefined;
}

/**
 * Compares the users (or roles) of an account with their activity. Users are matched on
 * `userIdentity.arn`, roles on the session issuer's ARN, both exactly (paths included). Only
 * successful calls make an identity active, as in CloudTracker.
 */
export function buildIdentityListReport(
  principals: readonly IamPrincipal[],
  type: 'user' | 'role',
  accountId: string,
  rows: readonly ActivityRow[],
  roleCallers: readonly RoleCallerRow[] = [],
  roleAssumptions: readonly RoleAssumptionRow[] = [],
): IdentityListReport {
  const assumedRoles = new Map<string, { assumptions: number; lastAssumed: string }>();
  for (const row of roleAssumptions) {
    const seen = assumedRoles.get(row.roleArn);
    assumedRoles.set(row.roleArn, {
      assumptions: (seen?.assumptions ?? 0) + row.assumptions,
      lastAssumed: seen === undefined || row.lastSeen > seen.lastAssumed ? row.lastSeen : seen.lastAssumed,
    });
  }
  const callersByRole = new Map<string, CallerTally[]>();
  for (const row of roleCallers) {
    const list = callersByRole.get(row.roleArn) ?? [];
    list.push({ caller: row.callerArn, via: row.viaArn, calls: row.calls, lastSeen: row.lastSeen });
    callersByRole.set(row.roleArn, list);
  }
  for (const list of callersByRole.values())
    list.sort((a, b) => b.calls - a.calls || compare(a.caller ?? '~', b.caller ?? '~'));
  const actorType = type === 'user' ? 'IAMUser' : 'AssumedRole';
  const marker = type === 'user' ? ':user/' : ':role/';
  const tallies = new Map<string, Tally>();
  for (const row of rows) {
    if (
      row.actorType !== actorType ||
      arnAccount(row.actorArn) !== accountId ||
      !row.actorArn.includes(marker)
    )
      continue;
    const tally = tallies.get(row.actorArn) ?? {
      calls: 0,
      deniedCalls: 0,
      failedCalls: 0,
      lastActivity: undefined,
    };
    if (row.outcome === 'ok') {
      tally.calls += row.calls;
      if (tally.lastActivity === undefined || row.day > tally.lastActivity) tally.lastActivity = row.day;
    } else if (row.outcome === 'denied') {
      tally.deniedCalls += row.calls;
    } else {
      tally.failedCalls += row.calls;
    }
    tallies.set(row.actorArn, tally);
  }
  const roleUse = (arn: string): Pick<IdentityActivity, 'callers' | 'assumptions' | 'lastAssumed'> => {
    const assumed = assumedRoles.get(arn);
    return {
      callers: callersByRole.get(arn) ?? [],
      assumptions: assumed?.assumptions ?? 0,
      ...(assumed === undefined ? {} : { lastAssumed: assumed.lastAssumed }),
    };
  };
  const known = new Set(principals.map((principal) => principal.arn));
  const identities = principals
    .map((principal) => {
      const tally = tallies.get(principal.arn);
      return {
        name: principal.name,
        arn: principal.arn,
        active: (tally?.calls ?? 0) > 0,
        unused:
          type === 'user'
            ? (tally?.calls ?? 0) === 0
            : (tally?.calls ?? 0) + (tally?.deniedCalls ?? 0) + (tally?.failedCalls ?? 0) === 0 &&
              (assumedRoles.get(principal.arn)?.assumptions ?? 0) === 0,
        lastActivity: tally?.lastActivity,
        calls: tally?.calls ?? 0,
        deniedCalls: tally?.deniedCalls ?? 0,
        failedCalls: tally?.failedCalls ?? 0,
        serviceLinked: principal.type === 'role' && principal.serviceLinked,
        ...(type === 'role' ? roleUse(principal.arn) : {}),
      };
    })
    .sort((a, b) => compare(a.name, b.name));
  const notInIam = [...tallies.entries()]
    .filter(([arn]) => !known.has(arn))
    .map(([arn, tally]) => ({ name: arn.slice(arn.lastIndexOf('/') + 1), arn, ...tally }))
    .sort((a, b) => compare(a.name, b.name));
  return { identities, notInIam };
}

/**
 * The identity of the logs, absent from the IAM data, that a `--user`/`--role` name asks about:
 * one of the `!` list of {@link buildIdentityListReport}, matched on its name exactly, else
 * ignoring case (IAM names are unique regardless of case). `undefined` when the logs hold none.
 */
export function findLogsOnlyIdentity(
  principals: readonly IamPrincipal[],
  type: 'user' | 'role',
  accountId: string,
  rows: readonly ActivityRow[],
  name: string,
): UnknownIdentity | undefined {
  const { notInIam } = buildIdentityListReport(principals, type, accountId, rows);
  return (
    notInIam.find((identity) => identity.name === name) ??
    notInIam.find((identity) => identity.name.toLowerCase() === name.toLowerCase())
  );
}

/** One line of the per-principal diff, with what the logs say about it. */
export interface ActionUsage {
  readonly action: string;
  readonly status: DiffStatus;
  readonly calls: number;
  readonly lastSeen: string | undefined;
  /** Granted only with a resource or condition limit (see `iam show`). */
  readonly limited: boolean;
  /** Counted as used because a call may check it (CopyObject and `s3:GetObject`), not seen by name. */
  readonly possiblyUsed: boolean;
  /** How CloudTrail records the action: `management`, `data:<type>`, `not-recorded` or `unknown`. */
  readonly recorded: string;
  /**
   * What that class rests on (real logs, a cited page, the API model); for a line Access Advisor
   * decided, or noted "service used", what Access Advisor said instead (`access-advisor:*`, see
   * `settleWithAdvisor`).
   */
  readonly evidence: RecordingEvidence | AdvisorEvidence;
  /** Why the action has its symbol: whether, and why, these logs would show a call it authorises. */
  readonly basis: string;
  /** The policies that grant it (empty for `ungranted`): what to edit to take it away. */
  readonly grantedBy: readonly GrantingPolicy[];
  /**
   * On a `?` line (none of its calls succeeded): its calls in the window that failed with an error
   * other than access (`NoSuchEntity`, throttling, ...). Such a call may have been authorised, so
   * the line is never `-`.
   */
  readonly failedCalls?: number;
}

/**
 * Whether nothing proves a line's action unused: a `?` (among them the actions whose calls failed
 * with another error than access, `failedCalls`: such a call may have been authorised), or, from a
 * report of an older shape, a `-` carrying `failedCalls`. The audit makes no finding of it and
 * `boundary plan` keeps it.
 */
export function isUnprovenUnused(line: Pick<ActionUsage, 'status' | 'failedCalls'>): boolean {
  return line.status === 'unknown' || (line.status === 'unused' && line.failedCalls !== undefined);
}

/** Events of the principal that are not actions, reported rather than dropped. */
export interface EventTally {
  readonly event: string;
  readonly reason: string;
  readonly calls: number;
}

/**
 * An action the principal tried and was refused (`denied`), or whose calls failed with another
 * error (`failed`, e.g. NoSuchKey: the call may have been authorised, but nothing says it was);
 * never counted as use.
 */
export interface DeniedAction {
  readonly action: string;
  readonly calls: number;
  readonly lastSeen: string;
}

/** The answer to `--user NAME` or `--role NAME`. */
export interface PrincipalDiffReport {
  readonly actions: readonly ActionUsage[];
  /** Actions whose calls were refused for access. */
  readonly denied: readonly DeniedAction[];
  /** Actions whose calls failed with another error (not an access error). */
  readonly failed: readonly DeniedAction[];
  readonly unmappedEvents: readonly EventTally[];
  readonly noPermissionEvents: readonly EventTally[];
  /** Data-event resource types the account's logs hold in the window; their actions count as recorded. */
  readonly dataEventTypesLogged: readonly string[];
  /** The logs hold management calls but no read-only one: read actions are `?`, not `-`. */
  readonly writeOnlySuspected: boolean;
  /** The logs hold management calls but no write: write actions are `?`, not `-`. */
  readonly readOnlySuspected: boolean;
  /** The event selectors file that decided what the trail records, if one was given. */
  readonly eventSelectors: string | null;
  /**
   * What the IAM data lacks of the principal's policies (an attached managed policy, a group, its
   * permissions boundary): its grants, and so the verdicts, miss what those say.
   */
  readonly iamDataProblems: readonly string[];
  /**
   * Successful `sts:GetFederationToken` calls of the principal in the window: federated sessions,
   * whose calls are logged as the federated user. When any, no unused grant is `-` (all are `?`).
   */
  readonly federatedSessions: number;
}

/** Whether a call opened a federated session (`sts:GetFederationToken`). */
function isFederationTokenCall(row: Pick<EventCalls, 'eventSource' | 'eventName'>): boolean {
  return row.eventSource === 'sts.amazonaws.com' && row.eventName === 'GetFederationToken';
}

/** An event name logged in an account, by anyone. */
export interface LoggedEvent {
  readonly eventSource: string;
  readonly eventName: string;
}

/**
 * A principal's calls of one event with one outcome, and the last of them: all the diff reads of
 * its activity. An activity row is one (of a day, an account, a caller); the cache also sums them
 * over the window per event and outcome, which give the same diff in far fewer rows.
 */
export type EventCalls = Pick<ActivityRow, 'eventSource' | 'eventName' | 'outcome' | 'calls' | 'lastSeen'>;

/** Inputs of {@link buildPrincipalDiffReport}. */
export interface PrincipalDiffInput {
  readonly grants: GrantedActions;
  /**
   * The activity of the principal (for a role, of its sessions) in the window, as rows or as sums
   * per event and outcome ({@link EventCalls}): the diff is the same for both, taken in the order
   * of their events (see `sortEventCalls`).
   */
  readonly actorRows: readonly EventCalls[];
  /** The distinct events the account's logs hold in the window: they tell which data events are logged. */
  readonly accountEvents: readonly LoggedEvent[];
  readonly mapper: EventMapper;
  readonly catalog: ActionCatalog;
  /** The trail's event selectors (`--event-selectors`): exact, instead of what the logs suggest. */
  readonly selectors?: TrailSelectors;
  /** `--event-selectors` was given but is not applied to this account (`selectorsForAccount`). */
  readonly selectorsNotApplied?: boolean;
  /** With `--destrole`: the role whose grants `grants` are, named as every policy's `via`. */
  readonly grantsVia?: string;
}

/**
 * Compares what a principal did with what it is granted. Successful calls are mapped to actions;
 * an action is `-` (unused) only when these logs would have recorded it (see
 * {@link createRecordingJudge}): management actions unless the trail looks write-only or its
 * selectors leave them out, data actions when their resource type is logged; otherwise `?`.
 */
export function buildPrincipalDiffReport(input: PrincipalDiffInput): PrincipalDiffReport {
  const { mapper, catalog } = input;
  const { logged, recording } = accountRecording(input);
  // A user's federated sessions (sts:GetFederationToken) act with its permissions, but CloudTrail
  // logs their calls as the federated user (`arn:aws:sts::…:federated-user/NAME`, a name the caller
  // chose), which the summary does not tie to the user: its unused grants cannot be told apart.
  const federatedSessions = input.actorRows
    .filter((row) => row.outcome === 'ok' && isFederationTokenCall(row))
    .reduce((sum, row) => sum + row.calls, 0);
  const used = new Map<string, { calls: number; lastSeen: string }>();
  const possibly = new Set<string>();
  const denied = new Map<string, { calls: number; lastSeen: string }>();
  const failed = new Map<string, { calls: number; lastSeen: string }>();
  const unmapped = new Map<string, EventTally>();
  const noPermission = new Map<string, EventTally>();
  // Calls no IAM action is known for, not refused (a refused call used no grant), by the IAM
  // prefix of their event source, and by their name: any grant of that service (or of that name)
  // may have authorised them.
  const unmappedCalls: UnmappedCalls[] = [];
  const rolePassing = new Map<string, { calls: number; lastSeen: string }>();
  for (const row of input.actorRows) {
    const mapping = mapper.map(row.eventSource, row.eventName);
    if (mapping.kind === 'unmapped' && row.outcome !== 'denied')
      unmappedCalls.push({
        prefix: mapper.prefixOf(row.eventSource).toLowerCase(),
        event: mapping.event,
        calls: row.calls,
      });
    if (mapping.kind === 'unmapped' || mapping.kind === 'no-permission') {
      const target = mapping.kind === 'unmapped' ? unmapped : noPermission;
      const seen = target.get(mapping.event);
      target.set(mapping.event, {
        event: mapping.event,
        reason: mapping.reason,
        calls: (seen?.calls ?? 0) + row.calls,
      });
      // sts:GetCallerIdentity needs no permission but is also an IAM action: a grant of it was
      // exercised, so it is not "unused"; ungranted, it is no "+" either.
      const sameName = catalog.get(mapping.event);
      if (mapping.kind === 'no-permission' && sameName !== undefined && row.outcome === 'ok')
        possibly.add(sameName.name);
      continue;
    }
    const target = row.outcome === 'ok' ? used : row.outcome === 'denied' ? denied : failed;
    for (const action of mapping.actions) tally(target, action, row);
    if (row.outcome === 'ok') for (const action of mapping.also) possibly.add(action);
    // A call authorised only by one of its `also` actions (a transaction's item actions, a PartiQL
    // statement's) that failed after authorisation may have needed any of them: never "-".
    if (row.outcome === 'failed' && mapping.actions.length === 0)
      for (const action of mapping.also) tally(failed, action, row);
    if (row.outcome === 'ok' && passesRoleAlways(mapping.event)) tally(rolePassing, PASS_ROLE, row);
  }
  // A successful call that cannot be made without passing a role proves iam:PassRole was allowed.
  const passRole = rolePassing.get(PASS_ROLE);
  if (passRole !== undefined && input.grants.actions.some((grant) => grant.action === PASS_ROLE))
    tally(used, PASS_ROLE, { ...passRole, eventSource: '', eventName: '', outcome: 'ok' });

  const unmappedBasis = unmappedCallsBasis(unmappedCalls);
  // A principal whose own calls change no verdict (no failed call, no call of an unknown event, no
  // federated session) is judged as its account's logs judge every principal (`recording`, kept
  // per account); else each line is asked about twice (its status, then its basis): one verdict
  // per name.
  const plain = failed.size === 0 && unmappedBasis === undefined && federatedSessions === 0;
  const verdicts = new Map<string, RecordingVerdict>();
  const judge = (name: string): RecordingVerdict => {
    if (plain) return recording(name);
    let verdict = verdicts.get(name);
    if (verdict === undefined) {
      verdict = judgeOnce(name);
      verdicts.set(name, verdict);
    }
    return verdict;
  };
  const judgeOnce = (name: string): RecordingVerdict => {
    const verdict = recording(name);
    if (!verdict.recorded) return verdict;
    // Calls of the action that failed with another error than access: the principal tried it, and
    // such a call may have been authorised before it failed (see isUnprovenUnused).
    const failedCalls = failed.get(name)?.calls;
    if (failedCalls !== undefined)
      return {
        recorded: false,
        basis: `called ${failedCalls} time(s), each failed with an error other than access (JSON: failed): the permission may be needed`,
      };
    const unmapped = unmappedBasis?.(name);
    if (unmapped !== undefined) return { recorded: false, basis: unmapped };
    return federatedSessions > 0
      ? {
          recorded: false,
          basis:
            'the principal opened federated sessions (sts:GetFederationToken), whose calls CloudTrail logs as the federated user, not as it',
        }
      : verdict;
  };

  const { byName: grantedByName, sorted } = grantIndexOf(input.grants.actions);
  const usedNames = [...used.keys(), ...[...possibly].filter((action) => grantedByName.has(action))];
  const lines = diffActions({
    used: usedNames,
    granted: sorted,
    isRecorded: (action) => judge(action).recorded,
  });
  // The statements of one policy grant many actions: each statement's policy is worked out once.
  const grantingPolicies = grantingPoliciesOf(input.grantsVia === undefined ? {} : { role: input.grantsVia });
  return {
    // Each line written out property by property, in the order JSON prints them: a principal
    // granted `*` has some 22,000.
    actions: lines.map(({ action, status }) => {
      const entry = catalog.get(action);
      const grant = grantedByName.get(action);
      const calls = used.get(action);
      const usage: Writable<ActionUsage> = {
        action,
        status,
        calls: calls?.calls ?? 0,
        lastSeen: calls?.lastSeen,
        limited: grant?.limited ?? false,
        possiblyUsed: calls === undefined && possibly.has(action),
        recorded: entry === undefined ? 'unknown' : recordingClassOf(entry),
        evidence: entry === undefined ? NO_EVIDENCE : entry.evidence,
        grantedBy: grant === undefined ? [] : grantingPolicies(grant),
        basis:
          status === 'used'
            ? 'used in the window'
            : status === 'ungranted'
              ? 'used in the window, but no policy grants it'
              : judge(action).basis,
      };
      // A grant not used with calls that failed with another error than access (NoSuchEntity, ...):
      // such a call may have been authorised first, so the line is "?" (see judge).
      const failedCalls = status === 'unknown' ? failed.get(action)?.calls : undefined;
      if (failedCalls !== undefined) usage.failedCalls = failedCalls;
      return usage;
    }),
    denied: toActionTallies(denied),
    failed: toActionTallies(failed),
    unmappedEvents: [...unmapped.values()].sort((a, b) => compare(a.event, b.event)),
    noPermissionEvents: [...noPermission.values()].sort((a, b) => compare(a.event, b.event)),
    dataEventTypesLogged: [...logged.dataTypesLogged.keys()].sort(),
    writeOnlySuspected: input.selectors === undefined && isWriteOnlySuspected(logged),
    readOnlySuspected: input.selectors === undefined && isReadOnlySuspected(logged),
    eventSelectors: input.selectors?.source ?? null,
    iamDataProblems: input.grants.problems.map((problem) => problem.message),
    federatedSessions,
  };
}

/** What {@link accountRecording} keeps of an account's events: one entry per way of judging them. */
interface AccountRecording {
  readonly catalog: ActionCatalog;
  readonly mapper: EventMapper;
  readonly selectors: TrailSelectors | undefined;
  readonly selectorsNotApplied: boolean;
  readonly logged: LoggedEvidence;
  readonly recording: (name: string) => RecordingVerdict;
}

/** By the account's events (the same list for each principal of an account the audit judges). */
const accountRecordings = new WeakMap<readonly LoggedEvent[], AccountRecording[]>();

/**
 * What the account's logs show is logged, and the judge of whether they would record an action:
 * they depend on the account's events, the action data and the selectors, never on the principal,
 * so the principals judged against the same list of events share them, and each action is judged
 * once for all of them (`audit`, `boundary plan`, `test`: a role granted `*` asks about 22,000).
 */
function accountRecording(
  input: Pick<
    PrincipalDiffInput,
    'accountEvents' | 'catalog' | 'mapper' | 'selectors' | 'selectorsNotApplied'
  >,
): AccountRecording {
  const { accountEvents, catalog, mapper, selectors } = input;
  const selectorsNotApplied = input.selectorsNotApplied === true;
  const known = accountRecordings.get(accountEvents) ?? [];
  const found = known.find(
    (entry) =>
      entry.catalog === catalog &&
      entry.mapper === mapper &&
      entry.selectors === selectors &&
      entry.selectorsNotApplied === selectorsNotApplied,
  );
  if (found !== undefined) return found;
  const logged = inferLoggedEvidence(accountEvents, mapper, catalog);
  const entry: AccountRecording = {
    catalog,
    mapper,
    selectors,
    selectorsNotApplied,
    logged,
    recording: createRecordingJudge(catalog, mapper, logged, selectors, selectorsNotApplied),
  };
  accountRecordings.set(accountEvents, [...known, entry]);
  return entry;
}

/** An action's evidence when the catalog does not know it: one for all such lines, never changed. */
const NO_EVIDENCE: RecordingEvidence = Object.freeze({ kind: 'none', detail: '' });

/** A line of the diff while it is written. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A principal's grants by name, and their names in the diff's order. */
interface GrantIndex {
  readonly byName: ReadonlyMap<string, GrantedAction>;
  readonly sorted: SortedGrants;
}

/** By the grants' list: the principals granted by the same policies share one (`computeGrantedActions`). */
const grantIndexes = new WeakMap<readonly GrantedAction[], GrantIndex>();

/** The grants looked up by name and sorted for the diff, once per list of grants. */
function grantIndexOf(grants: readonly GrantedAction[]): GrantIndex {
  let index = grantIndexes.get(grants);
  if (index === undefined) {
    const byName = new Map(grants.map((grant) => [grant.action, grant]));
    index = { byName, sorted: sortGrants(byName) };
    grantIndexes.set(grants, index);
  }
  return index;
}

function toActionTallies(map: Map<string, { calls: number; lastSeen: string }>): DeniedAction[] {
  return [...map.entries()]
    .map(([action, value]) => ({ action, ...value }))
    .sort((a, b) => compare(a.action, b.action));
}

function tally(map: Map<string, { calls: number; lastSeen: string }>, action: string, row: EventCalls): void {
  const seen = map.get(action);
  map.set(action, {
    calls: (seen?.calls ?? 0) + row.calls,
    lastSeen: seen === undefined || row.lastSeen > seen.lastSeen ? row.lastSeen : seen.lastSeen,
  });
}

/** `iam:PassRole`, as the catalog names it. */
const PASS_ROLE = 'iam:PassRole';

/**
 * The events of `CALL_DEPENDENCIES` (`actions/call-dependencies.ts`) whose API requires the role
 * they pass, so that a successful call proves `iam:PassRole` was allowed without reading its
 * resources (the other events there pass a role only when asked to: RunInstances with an instance
 * profile, UpdateFunctionConfiguration with a new role, RegisterTaskDefinition with a task role,
 * CreateStack with a service role...). The role parameter is `Required: Yes` in each API reference:
 * Lambda CreateFunction `Role` (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html),
 * Glue CreateJob `Role` (https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html), Step
 * Functions CreateStateMachine `roleArn`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html), EC2
 * AssociateIamInstanceProfile and ReplaceIamInstanceProfileAssociation `IamInstanceProfile`
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html);
 * passing a role to a service needs `iam:PassRole` on it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
 */
export const ROLE_REQUIRED_EVENTS: readonly string[] = [
  'ec2:AssociateIamInstanceProfile',
  'ec2:ReplaceIamInstanceProfileAssociation',
  'glue:CreateJob',
  'lambda:CreateFunction',
  'states:CreateStateMachine',
];
const ROLE_REQUIRED = new Set(ROLE_REQUIRED_EVENTS.map((event) => event.toLowerCase()));

/** Whether a successful call of `event` (`prefix:Name`, as mapped) always passed a role. */
function passesRoleAlways(event: string): boolean {
  return ROLE_REQUIRED.has(event.toLowerCase());
}

/** Calls of an event no IAM action is known for, with the IAM prefix of its event source. */
interface UnmappedCalls {
  readonly prefix: string;
  readonly event: string;
  readonly calls: number;
}

/**
 * Why an action that would be `-` is `?` because of calls that map to no known action: calls whose
 * event source stands for the action's service (`dynamodb:BatchExecuteStatement` for
 * `dynamodb:PartiQLSelect`), or of the action's very name from an event source whose prefix the
 * action's extends (`ssm:CreateControlChannel` for `ssmmessages:CreateControlChannel`): any of them may have used
 * it. `undefined` when there are none.
 */
function unmappedCallsBasis(
  unmapped: readonly UnmappedCalls[],
): ((action: string) => string | undefined) | undefined {
  // Each call's event name lowered once, for every action asked about.
  const entries = unmapped
    .filter((entry) => entry.prefix.length > 0)
    .map((entry) => ({ ...entry, name: entry.event.slice(entry.event.indexOf(':') + 1).toLowerCase() }));
  if (entries.length === 0) return undefined;
  return (action) => describeUnmappedCalls(action, entries);
}

function describeUnmappedCalls(
  action: string,
  unmapped: readonly (UnmappedCalls & { readonly name: string })[],
): string | undefined {
  const colon = action.indexOf(':');
  const prefix = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1).toLowerCase();
  const calls = new Map<string, number>();
  for (const entry of unmapped) {
    // Another prefix only for a service whose IAM prefix extends the event source's (ssm's events
    // for ssmmessages): a same-named action of any service would make every TagResource "?".
    const related = entry.prefix === prefix || (entry.name === name && prefix.startsWith(entry.prefix));
    if (!related) continue;
    calls.set(entry.event, (calls.get(entry.event) ?? 0) + entry.calls);
  }
  if (calls.size === 0) return undefined;
  const total = [...calls.values()].reduce((sum, count) => sum + count, 0);
  const events = [...calls.keys()].sort(compare);
  return `${total} call(s) of events no IAM action is known for (${events.join(', ')}): any of them may have used it`;
}

/** The account id of an ARN (`arn:aws:iam::123456789012:user/x` → `123456789012`). */
export function arnAccount(arn: string): string | undefined {
  return arn.split(':')[4];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A principal's diff after the display filters, with the totals of the whole diff and of what is shown. */
export interface FilteredDiffReport extends PrincipalDiffReport {
  readonly totals: DiffTotalsReport;
}

/**
 * A principal's diff with CloudTracker's filters (`--show-used`, `--ignore-benign`,
 * `--ignore-unknown`) applied to its action lines; the rest of the report is kept whole, and the
 * totals count the lines before and after the filters.
 */
export function filterDiffReport(
  report: PrincipalDiffReport,
  filter: Partial<DiffFilter>,
): FilteredDiffReport {
  const actions = filterDiff(report.actions, filter);
  return {
    ...report,
    actions,
    totals: { all: countDiffStatuses(report.actions), shown: countDiffStatuses(actions) },
  };
}
