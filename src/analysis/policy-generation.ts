import type { ActionCatalog } from '../actions/action-catalog.js';
import { globToRegExp } from '../actions/action-pattern.js';
import { dependentAction, passedToService, suppliedByDependency } from '../actions/call-dependencies.js';
import type { EventMapper } from '../actions/event-mapper.js';
import type { ResourceTypes } from '../actions/resource-types.js';
import { IAM_LIMITS, policyDocumentChars } from '../iam/boundary-state.js';
import type { ConditionClause, PolicyStatement } from '../iam/policy-document.js';
import { IDENTITY_NOT_IN_DATA, RESOURCE_KEY } from '../iam/policy-evaluation.js';
import type {
  ContextEntry,
  EvaluatedPolicy,
  PrincipalEvaluator,
  PrincipalPolicies,
} from '../iam/policy-evaluation.js';
import { compilePolicies } from '../iam/policy-evaluator.js';
import { principalContext } from '../iam/principal-policies.js';
import type { ActivityRow } from '../trail/activity-summary.js';
import type { ResourceUsageRow } from '../trail/resource-usage.js';
import {
  DEFAULT_EXACT_LIMIT,
  generaliseResources,
  globCovers,
  globsIntersect,
  longestCommonPrefix,
  toGlob,
  toPolicyResource,
} from './resource-patterns.js';

/*
 * `iamtrail policy generate`, the pure part: from what a principal used (actions, and the
 * resources its successful calls acted on), the identity policy that allows just that, never
 * broader than what its current policies grant, within IAM's size limit for a managed policy.
 *
 * Resources, per action (the rule the README documents):
 * 1. the resources seen (`resource_usage` rows: the call's targets; `passed_role` rows give
 *    `iam:PassRole` on the role, conditioned on `iam:PassedToService`; `copy_source` rows give
 *    `s3:GetObject` on the source, see `actions/call-dependencies`) of a type the action is
 *    authorised on (`actions/resource-types`: an S3 data event names the bucket besides the
 *    object), written in the policy grammar (`toPolicyResource`: a key's `*` is `${*}`) and
 *    generalised by `generaliseResources`; none seen, or `--resources star`: `*`; the grant is
 *    asked about a pattern as a glob (`toGlob`: its literal `*` a wildcard, so asked for more);
 * 2. each pattern is checked against the current identity Allow statements: kept when one of them
 *    alone covers every resource it names (`globCovers`: a grant's `?` does not cover a `*`; a
 *    NotResource must meet none), the evaluator agreeing on its probes, no unconditional Deny
 *    covers it all, and the boundary may allow some of it (attached, it stays in force: boundary
 *    statements only restrict, they never give a pattern); otherwise the resources seen under it
 *    are checked one by one, and where the grant does not allow one (or the pattern is `*`), the
 *    identity Allow patterns for the action that allow it or lie under it (a seen S3 folder wider
 *    than the grant) take its place, and the identity Allows with NotResource that leave part of it
 *    allowed are copied; a pattern with a policy variable is checked as IAM resolves it for the
 *    principal, kept as written, left out when it cannot be resolved; what the grant allows nowhere
 *    is left out and said.
 * 3. an Allow granted only under a Condition gets that Condition (one statement per Condition;
 *    what the grant allows there under none or under others is added); the identity policies' Deny
 *    statements whose Action admits a generated action are copied into every generated policy as
 *    they are (a Deny never broadens), so a pattern is checked against the Allow statements alone.
 * `iam:PassRole` is only ever allowed with `iam:PassedToService`: without a passed role in the logs
 * it is left out.
 */

/** How `--resources` scopes statements: from the logs, or `*` everywhere (both within the grant). */
export const RESOURCE_SCOPES = ['scoped', 'star'] as const;
/** One of {@link RESOURCE_SCOPES}. */
export type ResourceScope = (typeof RESOURCE_SCOPES)[number];

/** A statement's `Condition` block, as IAM takes it: operator → key → value(s). */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/**
 * One statement of a generated policy, as IAM takes it: an Allow (Action, and Resource or
 * NotResource), or a Deny copied as it is from the current identity policies.
 */
export interface GeneratedStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: readonly string[];
  readonly NotAction?: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

/** A generated identity policy document. */
export interface GeneratedPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly GeneratedStatement[];
}

/** One generated policy: its name, document and size. */
export interface GeneratedPolicy {
  readonly name: string;
  readonly document: GeneratedPolicyDocument;
  /** Characters without whitespace, as IAM counts them. */
  readonly size: number;
}

/** An identity Allow statement with NotResource, for an action. */
interface NotResourceAllow {
  readonly patterns: readonly string[];
  readonly condition: ConditionBlock | undefined;
}

/** One identity Allow statement, on its own. */
export interface AllowStatementView {
  /** Whether its Resource (NotResource) admits every resource the glob `candidate` names, its variables resolved. */
  readonly covers: (candidate: string) => boolean;
  /** The statement alone compiled (no boundary): whether the request settles its Condition. */
  readonly evaluate: PrincipalEvaluator;
  readonly condition: ConditionBlock | undefined;
}

/** What the principal's current policies grant, as generation asks it. */
export interface GrantView {
  /** The current policies compiled (identity, boundary), Deny statements included. */
  readonly evaluate: PrincipalEvaluator;
  /**
   * The current identity policies' Allow statements only: their Deny statements are copied into the
   * generated policy, and the boundary's Allows and Denies stay in force where it is attached, so a
   * pattern is within the grant when these allow it.
   */
  readonly evaluateAllows: PrincipalEvaluator;
  /** Whether an unconditional identity Deny covers every resource the glob `candidate` names. */
  readonly deniedEverywhere: (action: string, candidate: string) => boolean;
  /**
   * Whether the boundary (attached, it stays in force) may allow `action` on some resource the
   * glob `candidate` names: no boundary, or one not in the data, or one of its Allow statements
   * whose Resource meets the candidate. A pattern it allows nowhere would be of no use.
   */
  readonly boundaryMayAllow: (action: string, candidate: string) => boolean;
  /** The Resource patterns of the identity Allow statements whose Action admits `action` (the boundary only restricts). */
  readonly allowPatterns: (action: string) => readonly string[];
  /** The identity Allow statements with NotResource whose Action admits `action`. */
  readonly notResourceAllows: (action: string) => readonly NotResourceAllow[];
  /** The identity Allow statements whose Action admits `action`, each on its own. */
  readonly allowStatements: (action: string) => readonly AllowStatementView[];
  /** The identity Deny statements whose Action/NotAction admits one of `actions`, as statements. */
  readonly denies: (actions: readonly string[]) => GeneratedStatement[];
  /**
   * `pattern` with its policy variables resolved from what the principal implies (`aws:username`
   * for a user, its known `aws:PrincipalTag/…`); `undefined` when one has no known value.
   */
  readonly resolve: (pattern: string) => string | undefined;
}

function conditionBlock(clauses: readonly ConditionClause[]): ConditionBlock | undefined {
  if (clauses.length === 0) return undefined;
  const block: Record<string, Record<string, string | readonly string[]>> = {};
  for (const clause of clauses) {
    const operator = (block[clause.operator] ??= {});
    operator[clause.key] = clause.values.length === 1 ? (clause.values[0] ?? '') : [...clause.values];
  }
  return block;
}

function oneOrMany(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? (values[0] ?? '') : [...values];
}

/** A statement of a current policy as a generated one (a Deny copied as it is). */
function copyStatement(statement: PolicyStatement, sid: string): GeneratedStatement {
  const condition = conditionBlock(statement.conditions);
  const resource = statement.resource;
  return {
    Sid: sid,
    Effect: statement.effect,
    ...(statement.action.not
      ? { NotAction: [...statement.action.patterns] }
      : { Action: [...statement.action.patterns] }),
    ...(resource === undefined
      ? { Resource: '*' }
      : resource.not
        ? { NotResource: oneOrMany(resource.patterns) }
        : { Resource: oneOrMany(resource.patterns) }),
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}

function admits(statement: PolicyStatement, action: string): boolean {
  return (
    statement.action.patterns.some((pattern) => globToRegExp(pattern).test(action)) !== statement.action.not
  );
}

/** The document without its Deny statements. */
function allowsOnly(policy: EvaluatedPolicy): EvaluatedPolicy {
  return {
    ref: policy.ref,
    document: {
      ...policy.document,
      statements: policy.document.statements.filter((statement) => statement.effect === 'Allow'),
    },
  };
}

const VARIABLE = /\$\{([^}]*)\}/g;
const VARIABLE_BODY = /^\s*([^\s,]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/** A {@link GrantView} of a principal's current policies. */
export function createGrantView(
  policies: PrincipalPolicies,
  evaluate: PrincipalEvaluator = compilePolicies(policies),
): GrantView {
  const identity = policies.identity.flatMap((policy) => policy.document.statements);
  // What the Allows read allow: a policy the IAM data lacks adds none of them (the caller names it
  // in its notes), so it does not make them uncertain here.
  const evaluateAllows = compilePolicies({
    ...policies,
    identity: policies.identity.map(allowsOnly),
    boundary: undefined,
    scps: undefined,
    incomplete: [],
  });
  const implied = new Map(
    principalContext(policies.principal, policies.accountId).map((entry) => [
      entry.key.toLowerCase(),
      entry.values[0],
    ]),
  );
  const allows = identity.filter((statement) => statement.effect === 'Allow');
  const resolve = (pattern: string): string | undefined => {
    const unresolved: string[] = [];
    const resolved = pattern.replace(VARIABLE, (_, body: string) => {
      if (body === '*' || body === '?' || body === '$') return body;
      const match = VARIABLE_BODY.exec(body);
      const value = match === null ? undefined : (implied.get((match[1] ?? '').toLowerCase()) ?? match[2]);
      if (value === undefined) unresolved.push(body);
      return value ?? '';
    });
    return unresolved.length > 0 ? undefined : resolved;
  };
  /** Whether a statement's Resource (NotResource) admits every resource the glob `candidate` names. */
  const coversOf = (statement: PolicyStatement): ((candidate: string) => boolean) => {
    const element = statement.resource;
    if (element === undefined) return () => true;
    // A variable without a value matches nothing (and `${*}` is a literal: such a Resource is not relied on).
    const patterns = element.patterns
      .filter((pattern) => element.not || !/\$\{[*?]\}/.test(pattern))
      .flatMap((pattern) => resolve(pattern) ?? []);
    // An Allow's NotResource with such a variable: AWS may take the statement as invalid (the
    // evaluator's answer is inconclusive), so it is not relied on. A Deny's still covers all.
    if (element.not && statement.effect === 'Allow' && patterns.length < element.patterns.length)
      return () => false;
    return element.not
      ? (candidate) => patterns.every((pattern) => !globsIntersect(pattern, candidate))
      : (candidate) => patterns.some((pattern) => globCovers(pattern, candidate));
  };
  const denyViews = identity
    .filter((statement) => statement.effect === 'Deny' && statement.conditions.length === 0)
    .map((statement) => ({ statement, covers: coversOf(statement) }));
  const allowViews = policies.identity.flatMap((policy) =>
    policy.document.statements
      .filter((statement) => statement.effect === 'Allow')
      .map((statement) => {
        let compiled: PrincipalEvaluator | undefined;
        const view: AllowStatementView = {
          covers: coversOf(statement),
          evaluate: (request) => {
            compiled ??= compilePolicies({
              ...policies,
              identity: [{ ref: policy.ref, document: { ...policy.document, statements: [statement] } }],
              boundary: undefined,
              incomplete: [],
              scps: undefined,
            });
            return compiled(request);
          },
          condition: conditionBlock(statement.conditions),
        };
        return { statement, view };
      }),
  );
  return {
    evaluate,
    evaluateAllows,
    deniedEverywhere: (action, candidate) =>
      denyViews.some((view) => admits(view.statement, action) && view.covers(candidate)),
    boundaryMayAllow: (action, candidate) => {
      const boundary = policies.boundary;
      if (!boundary) return true;
      return boundary.document.statements.some((statement) => {
        if (statement.effect !== 'Allow' || !admits(statement, action)) return false;
        const element = statement.resource;
        if (element === undefined || element.not) return true;
        return element.patterns.some((pattern) => {
          const resolved = resolve(pattern);
          return resolved !== undefined && globsIntersect(resolved, candidate);
        });
      });
    },
    allowPatterns: (action) => [
      ...new Set(
        allows
          .filter((statement) => statement.resource?.not === false && admits(statement, action))
          .flatMap((statement) => statement.resource?.patterns ?? []),
      ),
    ],
    notResourceAllows: (action) =>
      allows
        .filter((statement) => statement.resource?.not === true && admits(statement, action))
        .map((statement) => ({
          patterns: statement.resource?.patterns ?? [],
          condition: conditionBlock(statement.conditions),
        })),
    allowStatements: (action) =>
      allowViews.filter((view) => admits(view.statement, action)).map((view) => view.view),
    denies: (actions) => {
      const copied = new Map<string, PolicyStatement>();
      for (const statement of identity)
        if (statement.effect === 'Deny' && actions.some((action) => admits(statement, action)))
          copied.set(JSON.stringify(copyStatement(statement, '')), statement);
      return [...copied.values()].map((statement, index, all) =>
        copyStatement(statement, all.length === 1 ? 'Deny' : `Deny${index + 1}`),
      );
    },
    resolve,
  };
}

/** Inputs of {@link generatePolicies}. */
export interface GenerationInput {
  /** Granted actions used in the window (canonical names). */
  readonly used: readonly string[];
  /** Granted actions of unknown use kept (`--keep-unknown`); empty when dropped. */
  readonly unknown: readonly string[];
  /** The resources of the principal's successful calls in the window. */
  readonly resourceRows: readonly ResourceUsageRow[];
  readonly mapper: EventMapper;
  readonly catalog: ActionCatalog;
  /** Which resources each action is authorised on: a resource of another type is not given to it. */
  readonly resourceTypes: ResourceTypes;
  readonly grant: GrantView;
  readonly resources: ResourceScope;
  /** The policy's name; split policies get `-1`, `-2`, … */
  readonly name: string;
  /** Resources listed exactly before a prefix (default {@link DEFAULT_EXACT_LIMIT}). */
  readonly exactLimit?: number;
  /** Events (`prefix:EventName`) that passed a role the IAM data does not resolve (`iam/passed-roles`). */
  readonly unresolvedRoleEvents?: readonly string[];
  /** The size limit (default `IAM_LIMITS.managedPolicyChars`, 6,144). */
  readonly maxChars?: number;
}

/** One set of resources an action's statement allows. */
export interface ActionScope {
  readonly resources: readonly string[];
  /** The resources are a NotResource (copied from a current Allow statement). */
  readonly notResource?: boolean;
  /** For `iam:PassRole`: the service the roles were passed to (`iam:PassedToService`). */
  readonly services?: readonly string[];
  /** The current Allow statement's Condition under which the grant allows it, copied. */
  readonly condition?: ConditionBlock;
}

/** What generation did to the resources of one action. */
export interface ScopedAction {
  readonly action: string;
  /** The scopes its statements allow (several for `iam:PassRole` passed to several services, or several conditions). */
  readonly scopes: readonly ActionScope[];
  /** Resources seen in the logs. */
  readonly seen: number;
  /** Replaced by (some of) the grant's patterns: the seen or generalised ones were broader than the grant. */
  readonly narrowedToGrant: boolean;
}

/** The generated policies and what was done. */
export interface GenerationResult {
  readonly policies: readonly GeneratedPolicy[];
  readonly actions: readonly ScopedAction[];
  /** Actions left out: the grant allows them on no resource (or only where the seen ones are not). */
  readonly dropped: readonly { readonly action: string; readonly reason: string }[];
  /** Grant patterns with policy variables left out, and why. */
  readonly droppedPatterns: readonly {
    readonly action: string;
    readonly pattern: string;
    readonly reason: string;
  }[];
  /** Resources seen that the grant does not allow (the call was allowed by something else). */
  readonly ungrantedResources: readonly { readonly action: string; readonly resource: string }[];
  /** The Deny statements of the current identity policies copied into each policy. */
  readonly denies: readonly GeneratedStatement[];
  /** Wildcards merged to fit the limit: each with the actions it stands for. */
  readonly wildcards: readonly { readonly pattern: string; readonly actions: number }[];
  /** Characters of the whole document before any merge or split. */
  readonly sizeBefore: number;
  readonly maxChars: number;
  /** Whether each policy fits the limit (false only for a single statement too large to split). */
  readonly fits: boolean;
}

function compare(a: string, b: string): number {
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  return lowerA < lowerB ? -1 : lowerA > lowerB ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compare);
}

function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(':')).toLowerCase();
}

/** The conditions under which the grant allows a request: `undefined` for none; empty: not allowed. */
type Alternatives = readonly (ConditionBlock | undefined)[];

/**
 * Whether the current identity Allows allow `action` on `resource` (a name), maybe
 * under conditions the request does not settle. Decisions resting on the resource or on identity
 * policies missing from the data are not: nothing proves them granted.
 */
function grantAllows(
  grant: GrantView,
  action: string,
  resource: string,
  context: readonly ContextEntry[],
): boolean {
  const result = grant.evaluateAllows({ action, resource, context });
  if (result.decision === 'allowed') return true;
  return (
    result.decision === 'inconclusive' &&
    !result.missingContextKeys.some((key) => key === RESOURCE_KEY || key === IDENTITY_NOT_IN_DATA)
  );
}

/**
 * A string no `?` run of a policy matches and no literal text either: a candidate's `*` is probed
 * as both the empty string and this.
 */
const WILDCARD_PROBE = '\u0000'.repeat(64);

/**
 * Whether the grant allows `action` on every resource the glob `candidate` names, and under which
 * conditions; `[]` when not, or when an unconditional Deny of the current policies covers it all. One
 * identity Allow statement must cover the candidate alone (its Resource every resource the
 * candidate names, see `globCovers`: a grant's `?` does not cover a `*`; its NotResource none of
 * them): unconditionally when the request settles its Condition, else under it (copied). The
 * identity Allows as a whole must allow the candidate's probes (its `*` as nothing and as
 * {@link WILDCARD_PROBE}), and the boundary may allow some of it.
 */
function patternAllowed(
  grant: GrantView,
  action: string,
  candidate: string,
  context: readonly ContextEntry[],
): Alternatives {
  const probes =
    candidate === '*' || !candidate.includes('*')
      ? [candidate]
      : [candidate.replaceAll('*', ''), candidate.replaceAll('*', WILDCARD_PROBE)];
  if (grant.deniedEverywhere(action, candidate) || !grant.boundaryMayAllow(action, candidate)) return [];
  if (!probes.every((probe) => grantAllows(grant, action, probe, context))) return [];
  const blocks = new Map<string, ConditionBlock>();
  for (const statement of grant.allowStatements(action)) {
    if (!statement.covers(candidate)) continue;
    const decisions = probes.map(
      (probe) => statement.evaluate({ action, resource: probe, context }).decision,
    );
    if (decisions.every((decision) => decision === 'allowed')) return [undefined];
    // Inconclusive only for its Condition (a statement without one would rest on a variable of its Resource).
    if (
      statement.condition !== undefined &&
      decisions.every((decision) => decision === 'allowed' || decision === 'inconclusive')
    )
      blocks.set(JSON.stringify(statement.condition), statement.condition);
  }
  return [...blocks.values()];
}

function passRoleContext(service: string): ContextEntry[] {
  return [{ key: 'iam:PassedToService', values: [service], type: 'string' }];
}

/**
 * The scopes of one action (or of one PassRole service) within the grant: the rule of this
 * module's comment, step 2.
 */
function scopeWithinGrant(
  grant: GrantView,
  action: string,
  candidates: readonly string[],
  seen: readonly string[],
  service: string | undefined,
): {
  scopes: ActionScope[];
  narrowed: boolean;
  ungranted: string[];
  droppedPatterns: { pattern: string; reason: string }[];
} {
  const context = service === undefined ? [] : passRoleContext(service);
  const check = (resource: string): Alternatives => patternAllowed(grant, action, resource, context);
  const kept = new Map<
    string,
    { condition: ConditionBlock | undefined; resources: Set<string>; not: boolean }
  >();
  const keep = (resources: readonly string[], alternatives: Alternatives, not = false): void => {
    for (const condition of alternatives) {
      const key = `${not ? 'not' : ''}\u0000${condition === undefined ? '' : JSON.stringify(condition)}${not ? `\u0000${resources.join('\u0001')}` : ''}`;
      const entry = kept.get(key) ?? { condition, resources: new Set<string>(), not };
      for (const resource of resources) entry.resources.add(resource);
      kept.set(key, entry);
    }
  };
  const droppedPatterns = new Map<string, string>();
  const grantPatterns = (matching: string | undefined): [string, Alternatives][] => {
    const found: [string, Alternatives][] = [];
    for (const pattern of grant.allowPatterns(action)) {
      // A pattern with a policy variable is checked as IAM resolves it for the principal, and kept as written.
      const resolved = pattern.includes('${') ? grant.resolve(pattern) : pattern;
      if (resolved === undefined) {
        droppedPatterns.set(pattern, 'a policy variable in it has no known value for the principal');
        continue;
      }
      // Patterns allowing the seen resource, or lying under it (a grant narrower than a seen folder).
      if (
        matching !== undefined &&
        !globToRegExp(resolved, true).test(matching) &&
        !globToRegExp(matching, true).test(resolved)
      )
        continue;
      const alternatives = check(resolved);
      if (alternatives.length === 0) {
        if (resolved !== pattern)
          droppedPatterns.set(pattern, `resolved to ${resolved}, which the current policies do not allow`);
        continue;
      }
      found.push([pattern, alternatives]);
    }
    return found;
  };
  /**
   * The grant's own patterns for `resource` (a seen one, or every resource): its identity Allow
   * patterns that allow it or lie under it, and its NotResource Allows that leave part of it
   * allowed (copied; the boundary, where attached, still applies). Whether there was one.
   */
  const conditionKey = (condition: ConditionBlock | undefined): string =>
    condition === undefined ? '' : JSON.stringify(condition);
  /** `already`: the conditions the resource is kept under; the grant's patterns add only others. */
  const fromGrant = (resource: string | undefined, already?: Alternatives): boolean => {
    const known = new Set((already ?? []).map(conditionKey));
    const fresh = (alternatives: Alternatives): Alternatives =>
      alternatives.filter((condition) => !known.has(conditionKey(condition)));
    const patterns = grantPatterns(resource)
      .map(([pattern, allowed]): [string, Alternatives] => [pattern, fresh(allowed)])
      .filter(([, allowed]) => allowed.length > 0);
    for (const [pattern, allowed] of patterns) keep([pattern], allowed);
    const everyBut = grant
      .notResourceAllows(action)
      .filter(
        (statement) =>
          fresh([statement.condition]).length > 0 &&
          (resource === undefined || !statement.patterns.some((pattern) => globCovers(pattern, resource))),
      );
    for (const statement of everyBut) keep(statement.patterns, [statement.condition], true);
    return patterns.length > 0 || everyBut.length > 0;
  };
  const ungranted: string[] = [];
  let narrowed = false;
  for (const candidate of candidates) {
    const alternatives = check(toGlob(candidate));
    if (alternatives.length > 0) {
      keep([candidate], alternatives);
      // Granted only under Conditions: what the grant allows there without them (or under others) too.
      if (!alternatives.includes(undefined))
        fromGrant(candidate === '*' ? undefined : toGlob(candidate), alternatives);
      continue;
    }
    narrowed = true;
    if (candidate === '*') {
      fromGrant(undefined);
      continue;
    }
    const under = globToRegExp(toGlob(candidate), true);
    for (const resource of seen.filter((entry) => under.test(toGlob(entry)) || entry === candidate)) {
      const allowed = check(toGlob(resource));
      if (allowed.length > 0) {
        keep([resource], allowed);
        if (!allowed.includes(undefined)) fromGrant(toGlob(resource), allowed);
        continue;
      }
      if (!fromGrant(toGlob(resource))) ungranted.push(resource);
    }
  }
  const scopes = [...kept.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, entry]) => ({
      resources: entry.not ? [...entry.resources] : sortedUnique(entry.resources),
      ...(entry.not ? { notResource: true } : {}),
      ...(entry.condition === undefined ? {} : { condition: entry.condition }),
    }));
  return {
    scopes,
    narrowed,
    ungranted,
    droppedPatterns: [...droppedPatterns].map(([pattern, reason]) => ({ pattern, reason })),
  };
}

/**
 * Per action, the resources seen (and for PassRole, the services each role was passed to): those
 * of a type the action is authorised on (an S3 data event names the bucket besides the object; the
 * bucket is no resource of `s3:GetObject`).
 */
function seenResources(
  rows: readonly ResourceUsageRow[],
  mapper: EventMapper,
  resourceTypes: ResourceTypes,
): Map<string, Map<string, Set<string>>> {
  const byAction = new Map<string, Map<string, Set<string>>>();
  const add = (action: string, resource: string, service: string | undefined): void => {
    if (!resourceTypes.accepts(action, resource)) return;
    const resources = byAction.get(action) ?? new Map<string, Set<string>>();
    const pattern = toPolicyResource(resource);
    const services = resources.get(pattern) ?? new Set<string>();
    if (service !== undefined) services.add(service);
    resources.set(pattern, services);
    byAction.set(action, resources);
  };
  for (const row of rows) {
    const dependent = dependentAction(row.kind);
    if (dependent !== undefined) {
      add(
        dependent,
        row.resource,
        row.kind === 'passed_role' ? passedToService(row.eventSource, row.eventName) : undefined,
      );
      continue;
    }
    const mapping = mapper.map(row.eventSource, row.eventName);
    if (mapping.kind !== 'action') continue;
    // The event's other actions act on the same target, but for those a dependent row names.
    const named = [mapping.event, ...mapping.actions];
    const also = mapping.also.filter((action) => !suppliedByDependency(named, action));
    for (const action of [...mapping.actions, ...also]) add(action, row.resource, undefined);
  }
  return byAction;
}

/**
 * Generates the policies: every used and kept action, scoped by the rule of this module, grouped
 * into statements by service, resources and condition (actions and resources sorted, Sids from the
 * service and the group's rank), the current identity Deny statements on those actions copied,
 * then fitted to the limit by {@link fitPolicies}.
 */
export function generatePolicies(input: GenerationInput): GenerationResult {
  const maxChars = input.maxChars ?? IAM_LIMITS.managedPolicyChars;
  const limit = input.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const seenByAction = seenResources(input.resourceRows, input.mapper, input.resourceTypes);
  // iam:PassRole and the copy source's s3:GetObject: needed by the calls, whatever the mapper lists.
  const dependents = input.resourceRows.flatMap((row) => dependentAction(row.kind) ?? []);
  const canonical = (action: string): string => input.catalog.get(action)?.name ?? action;
  const actions = sortedUnique([...input.used, ...input.unknown, ...dependents].map(canonical));
  const seenLower = new Map(
    [...seenByAction].map(([action, resources]) => [action.toLowerCase(), resources]),
  );
  const star = input.resources === 'star';
  const scoped: ScopedAction[] = [];
  const dropped: { action: string; reason: string }[] = [];
  const droppedPatterns: { action: string; pattern: string; reason: string }[] = [];
  const ungrantedResources: { action: string; resource: string }[] = [];
  for (const action of actions) {
    const seen = seenLower.get(action.toLowerCase());
    const passRole = action.toLowerCase() === PASS_ROLE;
    // One group per service a role was passed to (PassRole, under any --resources), one otherwise.
    const groups = new Map<string, string[]>();
    for (const [resource, services] of seen ?? new Map<string, Set<string>>())
      for (const service of services.size === 0 ? [''] : services) {
        const group = groups.get(service) ?? [];
        group.push(resource);
        groups.set(service, group);
      }
    if (passRole) groups.delete('');
    if (passRole && groups.size === 0) {
      const unresolved = input.unresolvedRoleEvents ?? [];
      dropped.push({
        action,
        reason:
          unresolved.length > 0
            ? `the roles passed by ${sortedUnique(unresolved).join(', ')} are not known (the IAM data does not resolve them, see the replay), and no other role passed is in the logs`
            : 'no role passed to a service is in the logs, so there is no iam:PassedToService to restrict it to: an iam:PassRole without it lets the roles be passed to any service',
      });
      continue;
    }
    if (groups.size === 0) groups.set('', []);
    const scopes: ActionScope[] = [];
    let narrowed = false;
    for (const [service, resources] of [...groups.entries()].sort(([a], [b]) => compare(a, b))) {
      const candidates = star ? ['*'] : generaliseResources(resources, limit);
      const within = scopeWithinGrant(
        input.grant,
        action,
        candidates,
        star ? [] : resources,
        service === '' ? undefined : service,
      );
      narrowed ||= within.narrowed;
      for (const resource of within.ungranted) ungrantedResources.push({ action, resource });
      for (const entry of within.droppedPatterns) droppedPatterns.push({ action, ...entry });
      for (const scope of within.scopes)
        scopes.push({ ...scope, ...(service === '' ? {} : { services: [service] }) });
    }
    if (scopes.length === 0) {
      dropped.push({
        action,
        reason:
          seen === undefined || star
            ? 'the current policies allow it on no resource'
            : 'the current policies allow it on none of the resources seen',
      });
      continue;
    }
    scoped.push({ action, scopes, seen: star ? 0 : (seen?.size ?? 0), narrowedToGrant: narrowed });
  }
  const statements = groupStatements(scoped);
  const denies = input.grant.denies(scoped.map((entry) => entry.action));
  const whole: GeneratedPolicyDocument = { Version: '2012-10-17', Statement: [...statements, ...denies] };
  const sizeBefore = documentSize(whole);
  const fitted = fitPolicies(statements, input.catalog, input.name, maxChars, denies);
  return {
    policies: fitted.policies,
    actions: scoped,
    dropped,
    droppedPatterns,
    ungrantedResources,
    denies,
    wildcards: fitted.wildcards,
    sizeBefore,
    maxChars,
    fits: fitted.policies.every((policy) => policy.size <= maxChars),
  };
}

const PASS_ROLE = 'iam:passrole';

/**
 * The actions the successful calls may check only on a resource a call dependency names: those
 * listed among an event's other actions where a dependency supplies them, and nowhere else
 * (CopyObject's s3:GetObject and s3:GetObjectVersion are checked on its source: the source's row
 * gives the first, or the second for a copy of a version, never both). The report counts them as
 * possibly used; a policy gets them from the dependency's rows alone (`generatePolicies`), not on
 * every resource.
 */
export function dependencyOnlyActions(activity: readonly ActivityRow[], mapper: EventMapper): Set<string> {
  const supplied = new Set<string>();
  const own = new Set<string>();
  for (const row of activity) {
    if (row.outcome !== 'ok') continue;
    const mapping = mapper.map(row.eventSource, row.eventName);
    if (mapping.kind !== 'action') continue;
    const named = [mapping.event, ...mapping.actions];
    for (const action of mapping.actions) own.add(action);
    for (const action of mapping.also) (suppliedByDependency(named, action) ? supplied : own).add(action);
  }
  return new Set([...supplied].filter((action) => !own.has(action)));
}

/**
 * Whether anything the current policies grant is evidenced: a granted action used, or a role
 * passed (to its service) or a source copied that they allow. Without it, no policy is generated.
 */
export function grantEvidenced(
  used: readonly string[],
  resourceRows: readonly ResourceUsageRow[],
  evaluate: PrincipalEvaluator,
): boolean {
  if (used.length > 0) return true;
  return resourceRows.some((row) => {
    const action = dependentAction(row.kind);
    if (action === undefined) return false;
    const context =
      row.kind === 'passed_role' ? passRoleContext(passedToService(row.eventSource, row.eventName)) : [];
    return evaluate({ action, resource: row.resource, context }).decision === 'allowed';
  });
}

/** A document's size as IAM counts it: characters without whitespace. */
export function documentSize(document: GeneratedPolicyDocument): number {
  return policyDocumentChars(JSON.stringify(document));
}

/** A Sid from a service prefix: letters and digits only, first letter upper case (`s3` → `S3`). */
function sidOf(service: string): string {
  const clean = service.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) =>
    (next ?? '').toUpperCase(),
  );
  return clean.charAt(0).toUpperCase() + clean.slice(1);
}

/** A scope's condition with `iam:PassedToService` added for the services a role was passed to. */
function scopeCondition(scope: ActionScope): ConditionBlock | undefined {
  const services = scope.services ?? [];
  if (services.length === 0) return scope.condition;
  return {
    ...scope.condition,
    StringEquals: { ...scope.condition?.StringEquals, 'iam:PassedToService': oneOrMany(services) },
  };
}

/** Statements by service, resources and condition: sorted, with stable Sids. */
export function groupStatements(actions: readonly ScopedAction[]): GeneratedStatement[] {
  const groups = new Map<
    string,
    {
      service: string;
      resources: readonly string[];
      notResource: boolean;
      condition: ConditionBlock | undefined;
      actions: string[];
    }
  >();
  for (const entry of actions) {
    for (const scope of entry.scopes) {
      const service = serviceOf(entry.action);
      const condition = scopeCondition(scope);
      const notResource = scope.notResource === true;
      const key = `${service}\u0000${scope.resources.join('\u0001')}\u0000${condition === undefined ? '' : JSON.stringify(condition)}\u0000${notResource ? 'not' : ''}`;
      const group = groups.get(key) ?? {
        service,
        resources: [...scope.resources],
        notResource,
        condition,
        actions: [],
      };
      group.actions.push(entry.action);
      groups.set(key, group);
    }
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => compare(a, b)).map(([, group]) => group);
  // Sid: the service, `All` (on `*`) or `Scoped`, and a rank when the service has several of the kind.
  const kindOf = (group: { service: string; resources: readonly string[]; notResource: boolean }): string =>
    `${sidOf(group.service)}${!group.notResource && group.resources.length === 1 && group.resources[0] === '*' ? 'All' : 'Scoped'}`;
  const perKind = new Map<string, number>();
  for (const group of sorted) perKind.set(kindOf(group), (perKind.get(kindOf(group)) ?? 0) + 1);
  const rank = new Map<string, number>();
  return sorted.map((group) => {
    const kind = kindOf(group);
    const index = (rank.get(kind) ?? 0) + 1;
    rank.set(kind, index);
    const sid = (perKind.get(kind) ?? 0) > 1 ? `${kind}${index}` : kind;
    const resource = oneOrMany(group.resources);
    return {
      Sid: sid,
      Effect: 'Allow' as const,
      Action: sortedUnique(group.actions),
      ...(group.notResource ? { NotResource: resource } : { Resource: resource }),
      ...(group.condition === undefined ? {} : { Condition: group.condition }),
    };
  });
}

/**
 * The fewest `svc:Prefix*` patterns (and exact names) that stand for `actions` of one service,
 * where a wildcard is used only when the catalog holds every action of the group and every action
 * of the catalog it matches is in `actions` (so it allows nothing outside them, today: never for a
 * service or an action the catalog does not know) and it stands for at least two.
 */
export function mergeWildcards(actions: readonly string[], catalog: ActionCatalog): string[] {
  const byService = new Map<string, string[]>();
  for (const action of actions) {
    const list = byService.get(serviceOf(action)) ?? [];
    list.push(action);
    byService.set(serviceOf(action), list);
  }
  const merged: string[] = [];
  for (const [service, list] of byService) {
    const members = sortedUnique(list);
    const memberSet = new Set(members.map((action) => action.toLowerCase()));
    const known = catalog.actionsOf(service).map((action) => action.name);
    const knownSet = new Set(known.map((name) => name.toLowerCase()));
    const prefixOf = members[0]?.slice(0, members[0].indexOf(':')) ?? service;
    const cover = (prefix: string, group: readonly string[]): void => {
      const lower = `${service}:${prefix}`.toLowerCase();
      const catalogHere = known.filter((name) => name.toLowerCase().startsWith(lower));
      if (
        group.length >= 2 &&
        group.every((action) => knownSet.has(action.toLowerCase())) &&
        catalogHere.every((name) => memberSet.has(name.toLowerCase()))
      ) {
        // As long as the group's own common prefix (`sqs:Get*`, not `sqs:G*`): narrower, and read more easily.
        const names = group.map((action) => action.slice(action.indexOf(':') + 1));
        const common = longestCommonPrefix(names.map((name) => name.toLowerCase()));
        merged.push(`${prefixOf}:${(names[0] ?? '').slice(0, common.length)}*`);
        return;
      }
      const next = new Map<string, string[]>();
      for (const action of group) {
        const name = action.slice(action.indexOf(':') + 1);
        if (name.length === prefix.length) {
          merged.push(action);
          continue;
        }
        const key = name.charAt(prefix.length).toLowerCase();
        const bucket = next.get(key) ?? [];
        bucket.push(action);
        next.set(key, bucket);
      }
      for (const bucket of next.values()) {
        const sample = bucket[0] ?? '';
        if (bucket.length === 1) merged.push(sample);
        else cover(sample.slice(sample.indexOf(':') + 1).slice(0, prefix.length + 1), bucket);
      }
    };
    cover('', members);
  }
  return sortedUnique(merged);
}

/**
 * Fits statements to the managed-policy limit, `denies` (the copied Deny statements) in every
 * policy: as they are when the document fits; else each statement's actions merged into wildcards
 * ({@link mergeWildcards}); if it still does not fit, the statements packed in order into as many
 * policies as needed, a statement too large for one policy cut into parts (by actions, then by
 * resources; `Sid` + `Part2`, …). One policy keeps `name`; several are `name-1`, `name-2`, …
 */
export function fitPolicies(
  statements: readonly GeneratedStatement[],
  catalog: ActionCatalog,
  name: string,
  maxChars: number = IAM_LIMITS.managedPolicyChars,
  denies: readonly GeneratedStatement[] = [],
): { policies: GeneratedPolicy[]; wildcards: { pattern: string; actions: number }[] } {
  const documentOf = (list: readonly GeneratedStatement[]): GeneratedPolicyDocument => ({
    Version: '2012-10-17',
    Statement: [...list, ...denies],
  });
  const whole = documentOf(statements);
  if (documentSize(whole) <= maxChars)
    return { policies: [{ name, document: whole, size: documentSize(whole) }], wildcards: [] };
  const wildcards: { pattern: string; actions: number }[] = [];
  const merged = statements.map((statement) => {
    const given = statement.Action ?? [];
    const actions = mergeWildcards(given, catalog);
    for (const pattern of actions.filter((action) => action.includes('*')))
      wildcards.push({
        pattern,
        actions: given.filter((action) => globToRegExp(pattern).test(action)).length,
      });
    return { ...statement, Action: actions };
  });
  const mergedWhole = documentOf(merged);
  if (documentSize(mergedWhole) <= maxChars)
    return { policies: [{ name, document: mergedWhole, size: documentSize(mergedWhole) }], wildcards };
  const fitsAlone = (statement: GeneratedStatement): boolean =>
    documentSize(documentOf([statement])) <= maxChars;
  /** `values` cut greedily into the fewest runs whose statement fits alone. */
  const cut = (
    values: readonly string[],
    make: (part: readonly string[]) => GeneratedStatement,
  ): GeneratedStatement[] => {
    const out: GeneratedStatement[] = [];
    let current: string[] = [];
    for (const value of values) {
      if (current.length > 0 && !fitsAlone(make([...current, value]))) {
        out.push(make(current));
        current = [value];
      } else current.push(value);
    }
    if (current.length > 0) out.push(make(current));
    return out;
  };
  // Cut statements too large for a policy of their own into parts that fit: by actions, then by
  // resources (never a NotResource: fewer of them would allow more).
  const parts: GeneratedStatement[] = [];
  for (const statement of merged) {
    if (fitsAlone(statement)) {
      parts.push(statement);
      continue;
    }
    const pieces = cut(statement.Action, (actions) => ({ ...statement, Action: actions })).flatMap(
      (piece) => {
        const resources = piece.Resource;
        if (fitsAlone(piece) || resources === undefined || typeof resources === 'string') return [piece];
        return cut(resources, (list) => ({ ...piece, Resource: oneOrMany(list) }));
      },
    );
    pieces.forEach((piece, index) =>
      parts.push({ ...piece, Sid: index === 0 ? statement.Sid : `${statement.Sid}Part${index + 1}` }),
    );
  }
  const groups: GeneratedStatement[][] = [];
  for (const statement of parts) {
    const last = groups.at(-1);
    if (last !== undefined && documentSize(documentOf([...last, statement])) <= maxChars)
      last.push(statement);
    else groups.push([statement]);
  }
  return {
    policies: groups.map((list, index) => {
      const document = documentOf(list);
      return {
        name: groups.length === 1 ? name : `${name}-${index + 1}`,
        document,
        size: documentSize(document),
      };
    }),
    wildcards,
  };
}
