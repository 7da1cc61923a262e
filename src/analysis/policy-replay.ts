import { globToRegExp } from '../actions/action-pattern.js';
import { dependentAction, passedToService } from '../actions/call-dependencies.js';
import type { EventMapper } from '../actions/event-mapper.js';
import type { ResourceTypes } from '../actions/resource-types.js';
import type { IamPrincipal } from '../iam/authorization-details.js';
import type { UnresolvedPassedRole } from '../iam/passed-roles.js';
import { parsePolicyDocument } from '../iam/policy-document.js';
import { IDENTITY_NOT_IN_DATA, RESOURCE_KEY } from '../iam/policy-evaluation.js';
import type { ContextEntry, PrincipalEvaluator } from '../iam/policy-evaluation.js';
import { compilePolicies } from '../iam/policy-evaluator.js';
import type { ActivityRow } from '../trail/activity-summary.js';
import type { ResourceUsageRow } from '../trail/resource-usage.js';
import type { GeneratedPolicy } from './policy-generation.js';

/*
 * The replay of `policy generate`: every successful call the window holds of the principal,
 * checked with iamtrail's evaluator against the generated policies (their union). Two kinds of
 * check:
 * - a call (an activity row with outcome `ok`, `calls` times): each action its event maps to, on
 *   resource `*` (the activity rows do not say which resource): allowed when the generated
 *   policies allow the action on some resource (decision `allowed`, or `inconclusive` only for
 *   want of the resource or a condition key);
 * - a resource use (a `resource_usage` row): the action on that resource (each action of the
 *   event authorised on the resource's type for a target, as generation gives them; `iam:PassRole` with `iam:PassedToService` for a passed role; `s3:GetObject`
 *   for a copy source): allowed only when the decision is `allowed`, or, for an S3 folder row
 *   (`…/logs/*`: the objects of the calls are under it), when a Resource pattern under the folder
 *   of the policies' Allow statements is allowed (some object under it is, as for a call).
 * A successful call of an event that maps to no IAM action (`unmapped`) has no check: it is
 * counted and named apart, not replayed.
 * A resource use both leave to a condition key the logs do not give (`conditional`) is counted
 * apart, neither allowed nor denied.
 * A check the generated policies do not allow is checked the same way against the current
 * policies: if they do not allow it either, the call was allowed by something outside the identity
 * policies (a resource policy, another account's grant…) and a generated policy, never broader than
 * the grant, cannot allow it: it is counted apart (`outsideGrant`), not as denied. Denied checks are
 * a regression of the generated policy (or `--resources` narrowed on purpose).
 */

/** One check that the generated policies do not allow. */
export interface ReplayMiss {
  readonly kind: 'call' | 'resource';
  /** `prefix:EventName` as the logs name it. */
  readonly event: string;
  readonly action: string;
  /** `*` for a call (resource unknown). */
  readonly resource: string;
  /** For a passed role: the service it was passed to. */
  readonly passedToService?: string;
  readonly calls: number;
}

/** Successful calls of one event no IAM action is known for: not replayed. */
export interface UnmappedCalls {
  /** `prefix:EventName` as the logs name it. */
  readonly event: string;
  /** Why the event maps to no action (`unknown-action`, `unknown-service`, `malformed-event`). */
  readonly reason: string;
  readonly calls: number;
}

/** The replay's counts and misses. */
export interface PolicyReplay {
  /** Calls (activity rows' `calls`, times their actions) whose action the current policies grant. */
  readonly calls: { readonly total: number; readonly allowed: number; readonly outsideGrant: number };
  /** Resource uses checked: one per (event, resource, kind) row, `calls` counted. */
  readonly resourceUses: { readonly total: number; readonly allowed: number; readonly outsideGrant: number };
  /** Checks the generated policies would deny though the current ones allow them. */
  readonly denied: readonly ReplayMiss[];
  /** Checks neither allows: allowed by something else, left out of the totals above. */
  readonly outsideGrant: readonly ReplayMiss[];
  /**
   * Resource uses both the generated and the current policies leave to a condition key the logs
   * do not give (`s3:prefix` of a ListBucket): not settled either way, left out of the totals.
   */
  readonly conditional: readonly ReplayMiss[];
  /**
   * Successful calls of events the mapper knows no IAM action for (API Gateway's management calls,
   * a service newer than the data): no check to make, so not replayed and left out of the totals
   * above; the permissions they need may be missing from the generated policies.
   */
  readonly unmapped: { readonly calls: number; readonly events: readonly UnmappedCalls[] };
  /**
   * Roles calls passed that the IAM data does not resolve (an instance profile or a role name it
   * does not hold): no `iam:PassRole` check to make, so not replayed.
   */
  readonly unresolvedRoles: readonly UnresolvedRoleCalls[];
}

/** Calls of one event that passed a role the IAM data does not resolve. */
export interface UnresolvedRoleCalls {
  /** `prefix:EventName` as the logs name it. */
  readonly event: string;
  /** What the calls named: an instance profile's ARN or a role's name. */
  readonly reference: string;
  readonly reason: string;
  readonly calls: number;
}

/** Compiles generated policies for the evaluator, as the principal's only identity policies. */
export function compileGenerated(
  policies: readonly GeneratedPolicy[],
  principal: IamPrincipal,
  accountId: string,
): PrincipalEvaluator {
  return compilePolicies({
    principal,
    accountId,
    identity: policies.map((policy) => ({
      ref: { kind: 'inline' as const, policy: policy.name },
      document: parsePolicyDocument(policy.document, '$'),
    })),
    boundary: undefined,
    incomplete: [],
    scps: undefined,
  });
}

interface Check {
  readonly kind: 'call' | 'resource';
  readonly event: string;
  readonly action: string;
  readonly resource: string;
  readonly context: readonly ContextEntry[];
  readonly passedToService?: string;
  readonly calls: number;
}

/** The Resource patterns of a set of policies' Allow statements whose Action admits an action. */
export type AllowPatterns = (action: string) => readonly string[];

/** How a set of policies answers a check: allowed, left to a condition the replay cannot settle, or not. */
type Answer = 'allowed' | 'conditional' | 'not';

/**
 * `evaluate`'s answer to a check. A call is allowed also when only the resource or a condition
 * key is missing; a resource use is `conditional` when only a condition key the logs do not give
 * is (`s3:prefix`), and a folder row allowed when a pattern of the policies under the folder is,
 * its policy variables resolved for the principal by `resolve`.
 */
function answer(
  evaluate: PrincipalEvaluator,
  check: Check,
  patterns: AllowPatterns | undefined,
  resolve: ((pattern: string) => string | undefined) | undefined,
): Answer {
  const result = evaluate({ action: check.action, resource: check.resource, context: check.context });
  if (result.decision === 'allowed') return 'allowed';
  if (check.kind === 'call') return result.decision === 'inconclusive' ? 'allowed' : 'not';
  const conditional =
    result.decision === 'inconclusive' &&
    !result.missingContextKeys.some((key) => key === RESOURCE_KEY || key === IDENTITY_NOT_IN_DATA);
  if (patterns === undefined || !check.resource.endsWith('/*')) return conditional ? 'conditional' : 'not';
  // A folder row: allowed when some object under it is (a pattern of the policies under the folder).
  const folder = globToRegExp(check.resource, true);
  const under = patterns(check.action).some((pattern) => {
    const resolved = pattern.includes('${') ? resolve?.(pattern) : pattern;
    return (
      resolved !== undefined &&
      folder.test(resolved) &&
      evaluate({ action: check.action, resource: resolved.replaceAll('*', 'x'), context: check.context })
        .decision === 'allowed'
    );
  });
  return under ? 'allowed' : conditional ? 'conditional' : 'not';
}

/** {@link AllowPatterns} of generated policies. */
export function generatedAllowPatterns(policies: readonly GeneratedPolicy[]): AllowPatterns {
  const statements = policies.flatMap((policy) =>
    policy.document.Statement.filter((statement) => statement.Effect === 'Allow'),
  );
  return (action) => [
    ...new Set(
      statements
        .filter((statement) => (statement.Action ?? []).some((pattern) => globToRegExp(pattern).test(action)))
        .flatMap((statement) =>
          statement.Resource === undefined
            ? []
            : typeof statement.Resource === 'string'
              ? [statement.Resource]
              : statement.Resource,
        ),
    ),
  ];
}

/** Replays the principal's successful calls and resource uses against `generated`; see the module comment. */
export function replayCalls(input: {
  readonly generated: PrincipalEvaluator;
  readonly current: PrincipalEvaluator;
  readonly activity: readonly ActivityRow[];
  readonly resourceRows: readonly ResourceUsageRow[];
  readonly mapper: EventMapper;
  /** A resource row is checked for the actions authorised on its type only (as generation gives them). */
  readonly resourceTypes: ResourceTypes;
  /** Passed roles the IAM data does not resolve (`iam/passed-roles`): named, not replayed. */
  readonly unresolvedRoles?: readonly UnresolvedPassedRole[];
  /**
   * The Allow patterns of the generated and of the current policies, to judge S3 folder rows, and
   * how their policy variables resolve for the principal (`GrantView.resolve`).
   */
  readonly patterns?: {
    readonly generated: AllowPatterns;
    readonly current: AllowPatterns;
    readonly resolve?: (pattern: string) => string | undefined;
  };
}): PolicyReplay {
  const checks: Check[] = [];
  const NO_CONTEXT: readonly ContextEntry[] = [];
  const unmapped = new Map<string, UnmappedCalls>();
  for (const row of input.activity) {
    if (row.outcome !== 'ok') continue;
    const mapping = input.mapper.map(row.eventSource, row.eventName);
    if (mapping.kind === 'unmapped') {
      const seen = unmapped.get(mapping.event);
      unmapped.set(mapping.event, {
        event: mapping.event,
        reason: mapping.reason,
        calls: (seen?.calls ?? 0) + row.calls,
      });
      continue;
    }
    if (mapping.kind !== 'action') continue;
    for (const action of mapping.actions)
      checks.push({
        kind: 'call',
        event: mapping.event,
        action,
        resource: '*',
        context: NO_CONTEXT,
        calls: row.calls,
      });
  }
  for (const row of input.resourceRows) {
    const mapping = input.mapper.map(row.eventSource, row.eventName);
    const event = mapping.event;
    const dependent = dependentAction(row.kind);
    if (dependent !== undefined) {
      if (!input.resourceTypes.accepts(dependent, row.resource)) continue;
      const service =
        row.kind === 'passed_role' ? passedToService(row.eventSource, row.eventName) : undefined;
      checks.push({
        kind: 'resource',
        event,
        action: dependent,
        resource: row.resource,
        context:
          service === undefined
            ? NO_CONTEXT
            : [{ key: 'iam:PassedToService', values: [service], type: 'string' }],
        ...(service === undefined ? {} : { passedToService: service }),
        calls: row.calls,
      });
      continue;
    }
    if (mapping.kind !== 'action') continue;
    for (const action of mapping.actions.filter((entry) => input.resourceTypes.accepts(entry, row.resource)))
      checks.push({
        kind: 'resource',
        event,
        action,
        resource: row.resource,
        context: NO_CONTEXT,
        calls: row.calls,
      });
  }
  const calls = { total: 0, allowed: 0, outsideGrant: 0 };
  const resourceUses = { total: 0, allowed: 0, outsideGrant: 0 };
  const denied: ReplayMiss[] = [];
  const outsideGrant: ReplayMiss[] = [];
  const conditional: ReplayMiss[] = [];
  for (const check of checks) {
    const tally = check.kind === 'call' ? calls : resourceUses;
    const miss: ReplayMiss = {
      kind: check.kind,
      event: check.event,
      action: check.action,
      resource: check.resource,
      ...(check.passedToService === undefined ? {} : { passedToService: check.passedToService }),
      calls: check.calls,
    };
    const resolve = input.patterns?.resolve;
    const generated = answer(input.generated, check, input.patterns?.generated, resolve);
    const current =
      generated === 'allowed' ? 'allowed' : answer(input.current, check, input.patterns?.current, resolve);
    if (generated === 'allowed') {
      tally.total += check.calls;
      tally.allowed += check.calls;
    } else if (current === 'allowed') {
      tally.total += check.calls;
      denied.push(miss);
    } else if (generated === 'conditional' && current === 'conditional') {
      // Both leave it to the same condition (generation copies the grant's): neither allowed nor not.
      conditional.push(miss);
    } else {
      tally.outsideGrant += check.calls;
      outsideGrant.push(miss);
    }
  }
  const unmappedEvents = [...unmapped.values()].sort((a, b) =>
    a.event < b.event ? -1 : a.event > b.event ? 1 : 0,
  );
  return {
    calls,
    resourceUses,
    denied: mergeMisses(denied),
    outsideGrant: mergeMisses(outsideGrant),
    conditional: mergeMisses(conditional),
    unmapped: {
      calls: unmappedEvents.reduce((sum, entry) => sum + entry.calls, 0),
      events: unmappedEvents,
    },
    unresolvedRoles: (input.unresolvedRoles ?? []).map((entry) => ({
      event: input.mapper.map(entry.eventSource, entry.eventName).event,
      reference: entry.reference,
      reason: entry.reason,
      calls: entry.calls,
    })),
  };
}

/** Misses of the same check summed, sorted by event, action, resource. */
function mergeMisses(misses: readonly ReplayMiss[]): ReplayMiss[] {
  const merged = new Map<string, ReplayMiss>();
  for (const miss of misses) {
    const key = [miss.kind, miss.event, miss.action, miss.resource, miss.passedToService ?? ''].join(
      '\u0000',
    );
    const seen = merged.get(key);
    merged.set(key, seen === undefined ? miss : { ...seen, calls: seen.calls + miss.calls });
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, miss]) => miss);
}
