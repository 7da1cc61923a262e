import type { ActionCatalog } from '../actions/action-catalog.js';
import { globToRegExp } from '../actions/action-pattern.js';
import { dependentAction, passedToService } from '../actions/call-dependencies.js';
import type { EventMapper } from '../actions/event-mapper.js';
import { IAM_LIMITS, policyDocumentChars } from '../iam/boundary-state.js';
import { RESOURCE_KEY } from '../iam/policy-evaluation.js';
import type { ContextEntry, PrincipalEvaluator, PrincipalPolicies } from '../iam/policy-evaluation.js';
import type { ResourceUsageRow } from '../trail/resource-usage.js';
import { DEFAULT_EXACT_LIMIT, generaliseResources, longestCommonPrefix } from './resource-patterns.js';

/*
 * `iamtrail policy generate`, the pure part: from what a principal used (actions, and the
 * resources its successful calls acted on), the identity policy that allows just that, never
 * broader than what its current policies grant, within IAM's size limit for a managed policy.
 *
 * Resources, per action (the rule the README documents):
 * 1. the resources seen (`resource_usage` rows: the call's targets; `passed_role` rows give
 *    `iam:PassRole` on the role, conditioned on `iam:PassedToService`; `copy_source` rows give
 *    `s3:GetObject` on the source, see `actions/call-dependencies`), generalised by
 *    `generaliseResources`; none seen, or `--resources star`: `*`;
 * 2. each pattern is checked against the current policies with the evaluator (the pattern taken
 *    as a resource name, its `*` matched literally): kept when they allow it; otherwise the
 *    resources seen under it are checked one by one, and where the grant does not allow one (or
 *    the pattern is `*`), the Resource patterns of the grant's Allow statements for the action
 *    (identity policies and boundary) that the current policies allow take its place; what the
 *    grant allows nowhere is left out and said.
 * A grant conditioned on keys other than the resource keeps the pattern; so does one that allows
 * the action everywhere except where a Deny names some resources. Neither the condition nor the
 * Deny is copied: the notes say so.
 */

/** How `--resources` scopes statements: from the logs, or `*` everywhere (both within the grant). */
export const RESOURCE_SCOPES = ['scoped', 'star'] as const;
/** One of {@link RESOURCE_SCOPES}. */
export type ResourceScope = (typeof RESOURCE_SCOPES)[number];

/** The condition `policy generate` writes: the service a role may be passed to. */
export interface PassRoleCondition {
  readonly StringEquals: { readonly 'iam:PassedToService': string | readonly string[] };
}

/** One statement of a generated policy, as IAM takes it. */
export interface GeneratedStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: PassRoleCondition;
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

/** What the principal's current policies grant, as generation asks it. */
export interface GrantView {
  /** The current policies compiled (identity, boundary). */
  readonly evaluate: PrincipalEvaluator;
  /** The Resource patterns of the Allow statements whose Action admits `action` (identity and boundary). */
  readonly allowPatterns: (action: string) => readonly string[];
}

/** A {@link GrantView} of a principal's current policies. */
export function createGrantView(policies: PrincipalPolicies, evaluate: PrincipalEvaluator): GrantView {
  const documents = [...policies.identity, ...(policies.boundary ? [policies.boundary] : [])];
  const statements = documents.flatMap((policy) =>
    policy.document.statements
      .filter((statement) => statement.effect === 'Allow' && statement.resource?.not === false)
      .map((statement) => ({
        actions: statement.action.patterns.map((pattern) => globToRegExp(pattern)),
        not: statement.action.not,
        resources: statement.resource?.patterns ?? [],
      })),
  );
  return {
    evaluate,
    allowPatterns: (action) => [
      ...new Set(
        statements
          .filter((statement) => statement.actions.some((regex) => regex.test(action)) !== statement.not)
          .flatMap((statement) => statement.resources),
      ),
    ],
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
  readonly grant: GrantView;
  readonly resources: ResourceScope;
  /** The policy's name; split policies get `-1`, `-2`, … */
  readonly name: string;
  /** Resources listed exactly before a prefix (default {@link DEFAULT_EXACT_LIMIT}). */
  readonly exactLimit?: number;
  /** The size limit (default `IAM_LIMITS.managedPolicyChars`, 6,144). */
  readonly maxChars?: number;
}

/** What generation did to the resources of one action. */
export interface ScopedAction {
  readonly action: string;
  /** The patterns its statement allows (several entries for `iam:PassRole` passed to several services). */
  readonly scopes: readonly {
    readonly resources: readonly string[];
    readonly services?: readonly string[];
  }[];
  /** Resources seen in the logs. */
  readonly seen: number;
  /** Replaced by (some of) the grant's patterns: the seen or generalised ones were broader than the grant. */
  readonly narrowedToGrant: boolean;
  /**
   * Condition keys the grant's statements depend on (not copied into the policy), and
   * {@link DENIED_SOMEWHERE} when the current policies deny it on some resources (the Deny is not
   * copied either).
   */
  readonly conditionalGrant: readonly string[];
}

/** The generated policies and what was done. */
export interface GenerationResult {
  readonly policies: readonly GeneratedPolicy[];
  readonly actions: readonly ScopedAction[];
  /** Actions left out: the grant allows them on no resource (or only where the seen ones are not). */
  readonly dropped: readonly { readonly action: string; readonly reason: string }[];
  /** Resources seen that the grant does not allow (the call was allowed by something else). */
  readonly ungrantedResources: readonly { readonly action: string; readonly resource: string }[];
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

/** Whether a grant allows `action` on `resource` (a name or a pattern taken literally): `yes`, `conditional` (on `keys`), or `no`. */
function grantAllows(
  grant: GrantView,
  action: string,
  resource: string,
  context: readonly ContextEntry[],
): { readonly allows: 'yes' | 'conditional' | 'no'; readonly keys: readonly string[] } {
  const result = grant.evaluate({ action, resource, context });
  if (result.decision === 'allowed') return { allows: 'yes', keys: [] };
  if (result.decision !== 'inconclusive') return { allows: 'no', keys: [] };
  if (!result.missingContextKeys.includes(RESOURCE_KEY))
    return { allows: 'conditional', keys: result.missingContextKeys };
  // Allowed everywhere but where a Deny names some resources: the pattern is kept (narrowing it
  // to the grant's Allow patterns would give nothing), the Deny is not copied, and a note says so.
  const allowedEverywhere = result.deciding.some(
    (statement) => statement.effect === 'Allow' && statement.applies === true,
  );
  const denied = result.deciding.some((statement) => statement.effect === 'Deny');
  if (allowedEverywhere && denied)
    return {
      allows: 'conditional',
      keys: [DENIED_SOMEWHERE, ...result.missingContextKeys.filter((key) => key !== RESOURCE_KEY)],
    };
  return { allows: 'no', keys: [] };
}

/** The pseudo condition of a grant whose Deny statements name some resources (see {@link ScopedAction.conditionalGrant}). */
export const DENIED_SOMEWHERE = '(a Deny on some resources)';

function passRoleContext(service: string): ContextEntry[] {
  return [{ key: 'iam:PassedToService', values: [service], type: 'string' }];
}

/**
 * The patterns of one action (or of one PassRole service group) within the grant: the rule of
 * this module's comment, step 2.
 */
function scopeWithinGrant(
  grant: GrantView,
  action: string,
  candidates: readonly string[],
  seen: readonly string[],
  services: readonly string[],
): { resources: string[]; narrowed: boolean; conditional: string[]; ungranted: string[] } {
  const contexts = services.length === 0 ? [[]] : services.map(passRoleContext);
  const conditional = new Set<string>();
  const check = (resource: string): boolean =>
    contexts.every((context) => {
      const verdict = grantAllows(grant, action, resource, context);
      for (const key of verdict.keys) conditional.add(key);
      return verdict.allows !== 'no';
    });
  const grantPatterns = (matching: string | undefined): string[] =>
    grant
      .allowPatterns(action)
      .filter((pattern) => matching === undefined || globToRegExp(pattern, true).test(matching))
      // A pattern with a policy variable (`…/home/${aws:username}/*`) cannot be asked as a resource
      // name: it is the grant's own, kept as written, and IAM resolves it as it does in the grant.
      .filter((pattern) => pattern.includes('${') || check(pattern));
  const kept = new Set<string>();
  const ungranted: string[] = [];
  let narrowed = false;
  for (const candidate of candidates) {
    if (check(candidate)) {
      kept.add(candidate);
      continue;
    }
    narrowed = true;
    if (candidate === '*') {
      for (const pattern of grantPatterns(undefined)) kept.add(pattern);
      continue;
    }
    const under = globToRegExp(candidate, true);
    for (const resource of seen.filter((entry) => under.test(entry) || entry === candidate)) {
      if (check(resource)) {
        kept.add(resource);
        continue;
      }
      const patterns = grantPatterns(resource);
      if (patterns.length === 0) ungranted.push(resource);
      for (const pattern of patterns) kept.add(pattern);
    }
  }
  return { resources: sortedUnique(kept), narrowed, conditional: sortedUnique(conditional), ungranted };
}

/** Per action, the resources seen (and for PassRole, the services each role was passed to). */
function seenResources(
  rows: readonly ResourceUsageRow[],
  mapper: EventMapper,
): Map<string, Map<string, Set<string>>> {
  const byAction = new Map<string, Map<string, Set<string>>>();
  const add = (action: string, resource: string, service: string | undefined): void => {
    const resources = byAction.get(action) ?? new Map<string, Set<string>>();
    const services = resources.get(resource) ?? new Set<string>();
    if (service !== undefined) services.add(service);
    resources.set(resource, services);
    byAction.set(action, resources);
  };
  for (const row of rows) {
    const dependent = dependentAction(row.kind);
    if (dependent !== undefined) {
      add(dependent, row.resource, row.kind === 'passed_role' ? passedToService(row.eventSource) : undefined);
      continue;
    }
    const mapping = mapper.map(row.eventSource, row.eventName);
    if (mapping.kind !== 'action') continue;
    for (const action of mapping.actions) add(action, row.resource, undefined);
  }
  return byAction;
}

/**
 * Generates the policies: every used and kept action, scoped by the rule of this module, grouped
 * into statements by service, resources and condition (actions and resources sorted, Sids from the
 * service and the group's rank), then fitted to the limit by {@link fitPolicies}.
 */
export function generatePolicies(input: GenerationInput): GenerationResult {
  const maxChars = input.maxChars ?? IAM_LIMITS.managedPolicyChars;
  const limit = input.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const seenByAction = seenResources(input.resourceRows, input.mapper);
  // iam:PassRole and the copy source's s3:GetObject: needed by the calls, whatever the mapper lists.
  const dependents = input.resourceRows.flatMap((row) => dependentAction(row.kind) ?? []);
  const canonical = (action: string): string => input.catalog.get(action)?.name ?? action;
  const actions = sortedUnique([...input.used, ...input.unknown, ...dependents].map(canonical));
  const seenLower = new Map(
    [...seenByAction].map(([action, resources]) => [action.toLowerCase(), resources]),
  );
  const scoped: ScopedAction[] = [];
  const dropped: { action: string; reason: string }[] = [];
  const ungrantedResources: { action: string; resource: string }[] = [];
  for (const action of actions) {
    const seen = input.resources === 'star' ? undefined : seenLower.get(action.toLowerCase());
    // Group the seen resources by the services they were passed to (PassRole), one group otherwise.
    const groups = new Map<string, { services: string[]; resources: string[] }>();
    for (const [resource, services] of seen ?? new Map<string, Set<string>>()) {
      const list = sortedUnique(services);
      const key = list.join(',');
      const group = groups.get(key) ?? { services: list, resources: [] };
      group.resources.push(resource);
      groups.set(key, group);
    }
    if (groups.size === 0) groups.set('', { services: [], resources: [] });
    const scopes: { resources: string[]; services?: string[] }[] = [];
    let narrowed = false;
    const conditional = new Set<string>();
    for (const group of [...groups.values()].sort((a, b) =>
      compare(a.services.join(','), b.services.join(',')),
    )) {
      const candidates = generaliseResources(group.resources, limit);
      const within = scopeWithinGrant(input.grant, action, candidates, group.resources, group.services);
      narrowed ||= within.narrowed;
      for (const key of within.conditional) conditional.add(key);
      for (const resource of within.ungranted) ungrantedResources.push({ action, resource });
      if (within.resources.length > 0)
        scopes.push({
          resources: within.resources,
          ...(group.services.length > 0 ? { services: group.services } : {}),
        });
    }
    if (scopes.length === 0) {
      dropped.push({
        action,
        reason:
          seen === undefined
            ? 'the current policies allow it on no resource'
            : 'the current policies allow it on none of the resources seen',
      });
      continue;
    }
    scoped.push({
      action,
      scopes,
      seen: seen?.size ?? 0,
      narrowedToGrant: narrowed,
      conditionalGrant: sortedUnique(conditional),
    });
  }
  const statements = groupStatements(scoped);
  const whole: GeneratedPolicyDocument = { Version: '2012-10-17', Statement: statements };
  const sizeBefore = documentSize(whole);
  const fitted = fitPolicies(statements, input.catalog, input.name, maxChars);
  return {
    policies: fitted.policies,
    actions: scoped,
    dropped,
    ungrantedResources,
    wildcards: fitted.wildcards,
    sizeBefore,
    maxChars,
    fits: fitted.policies.every((policy) => policy.size <= maxChars),
  };
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

/** Statements by service, resources and condition: sorted, with stable Sids. */
export function groupStatements(actions: readonly ScopedAction[]): GeneratedStatement[] {
  const groups = new Map<
    string,
    { service: string; resources: string[]; services: string[]; actions: string[] }
  >();
  for (const entry of actions) {
    for (const scope of entry.scopes) {
      const service = serviceOf(entry.action);
      const services = [...(scope.services ?? [])];
      const key = `${service}\u0000${scope.resources.join('\u0001')}\u0000${services.join('\u0001')}`;
      const group = groups.get(key) ?? { service, resources: [...scope.resources], services, actions: [] };
      group.actions.push(entry.action);
      groups.set(key, group);
    }
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => compare(a, b)).map(([, group]) => group);
  // Sid: the service, `All` (on `*`) or `Scoped`, and a rank when the service has several of the kind.
  const kindOf = (group: { service: string; resources: readonly string[] }): string =>
    `${sidOf(group.service)}${group.resources.length === 1 && group.resources[0] === '*' ? 'All' : 'Scoped'}`;
  const perKind = new Map<string, number>();
  for (const group of sorted) perKind.set(kindOf(group), (perKind.get(kindOf(group)) ?? 0) + 1);
  const rank = new Map<string, number>();
  return sorted.map((group) => {
    const kind = kindOf(group);
    const index = (rank.get(kind) ?? 0) + 1;
    rank.set(kind, index);
    const sid = (perKind.get(kind) ?? 0) > 1 ? `${kind}${index}` : kind;
    const resource = group.resources.length === 1 ? (group.resources[0] ?? '*') : group.resources;
    return {
      Sid: sid,
      Effect: 'Allow' as const,
      Action: sortedUnique(group.actions),
      Resource: resource,
      ...(group.services.length > 0
        ? {
            Condition: {
              StringEquals: {
                'iam:PassedToService':
                  group.services.length === 1 ? (group.services[0] ?? '') : group.services,
              },
            },
          }
        : {}),
    };
  });
}

/**
 * The fewest `svc:Prefix*` patterns (and exact names) that stand for `actions` of one service,
 * where a wildcard is used only when every action of the catalog it matches is in `actions` (so it
 * allows nothing outside them, today) and it stands for at least two.
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
    const prefixOf = members[0]?.slice(0, members[0].indexOf(':')) ?? service;
    const cover = (prefix: string, group: readonly string[]): void => {
      const lower = `${service}:${prefix}`.toLowerCase();
      const catalogHere = known.filter((name) => name.toLowerCase().startsWith(lower));
      if (group.length >= 2 && catalogHere.every((name) => memberSet.has(name.toLowerCase()))) {
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

function withActions(
  statement: GeneratedStatement,
  actions: readonly string[],
  sid: string,
): GeneratedStatement {
  return { ...statement, Sid: sid, Action: actions };
}

/**
 * Fits statements to the managed-policy limit: as they are when the document fits; else each
 * statement's actions merged into wildcards ({@link mergeWildcards}); if it still does not fit,
 * the statements packed in order into as many policies as needed, a statement too large for one
 * policy cut into parts (`Sid` + `Part2`, …). One policy keeps `name`; several are `name-1`, `name-2`, …
 */
export function fitPolicies(
  statements: readonly GeneratedStatement[],
  catalog: ActionCatalog,
  name: string,
  maxChars: number = IAM_LIMITS.managedPolicyChars,
): { policies: GeneratedPolicy[]; wildcards: { pattern: string; actions: number }[] } {
  const documentOf = (list: readonly GeneratedStatement[]): GeneratedPolicyDocument => ({
    Version: '2012-10-17',
    Statement: list,
  });
  const whole = documentOf(statements);
  if (documentSize(whole) <= maxChars)
    return { policies: [{ name, document: whole, size: documentSize(whole) }], wildcards: [] };
  const wildcards: { pattern: string; actions: number }[] = [];
  const merged = statements.map((statement) => {
    const actions = mergeWildcards(statement.Action, catalog);
    for (const pattern of actions.filter((action) => action.includes('*')))
      wildcards.push({
        pattern,
        actions: statement.Action.filter((action) => globToRegExp(pattern).test(action)).length,
      });
    return withActions(statement, actions, statement.Sid);
  });
  const mergedWhole = documentOf(merged);
  if (documentSize(mergedWhole) <= maxChars)
    return { policies: [{ name, document: mergedWhole, size: documentSize(mergedWhole) }], wildcards };
  // Cut statements too large for a policy of their own into parts that fit.
  const parts: GeneratedStatement[] = [];
  for (const statement of merged) {
    if (documentSize(documentOf([statement])) <= maxChars) {
      parts.push(statement);
      continue;
    }
    let current: string[] = [];
    let part = 1;
    const sidFor = (n: number): string => (n === 1 ? statement.Sid : `${statement.Sid}Part${n}`);
    for (const action of statement.Action) {
      const tried = withActions(statement, [...current, action], sidFor(part));
      if (current.length > 0 && documentSize(documentOf([tried])) > maxChars) {
        parts.push(withActions(statement, current, sidFor(part)));
        part += 1;
        current = [action];
      } else current.push(action);
    }
    if (current.length > 0) parts.push(withActions(statement, current, sidFor(part)));
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
