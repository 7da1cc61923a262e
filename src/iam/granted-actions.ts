import type { ActionCatalog, CatalogAction } from '../actions/action-catalog.js';
import {
  actionPatternCovers,
  actionPatternsOverlap,
  expandActionPattern,
} from '../actions/action-pattern.js';
import type { UnknownPatternReason } from '../actions/action-pattern.js';
import type { AuthorizationDetails, IamPrincipal, ManagedPolicy } from './authorization-details.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';

/** Where a policy reached the principal from. */
export const POLICY_KINDS = ['inline', 'managed', 'group-inline', 'group-managed', 'boundary'] as const;
/** One of {@link POLICY_KINDS}. */
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** One statement that grants (or limits) an action, for the JSON output's provenance. */
export interface StatementRef {
  readonly kind: PolicyKind;
  /** Policy name. */
  readonly policy: string;
  /** Managed policy ARN; absent for inline policies. */
  readonly policyArn?: string;
  /** Group the policy came through, for group policies. */
  readonly group?: string;
  /** Index in the policy's `Statement` list. */
  readonly statement: number;
  readonly sid?: string;
}

/** A statement that allows an action, and whether it limits the grant. */
export interface GrantSource extends StatementRef {
  /** True when the Allow is scoped to resources (not `*`, or `NotResource`) or has a Condition. */
  readonly limited: boolean;
}

/** An action the principal is granted. */
export interface GrantedAction {
  /** Canonical action name. */
  readonly action: string;
  /**
   * True when no source grants it unconditionally on every resource, when a Deny with resources
   * or a condition may take it away, or when the permissions boundary only allows it so.
   */
  readonly limited: boolean;
  /** Every Allow statement that grants it. */
  readonly sources: readonly GrantSource[];
  /** Deny statements with resources or conditions that may take it away. */
  readonly limitedBy: readonly StatementRef[];
}

/** A pattern a policy names that matches no known action; reported, never silently dropped. */
export interface UnknownActionPattern extends StatementRef {
  readonly pattern: string;
  readonly field: 'Action' | 'NotAction';
  readonly effect: PolicyStatement['effect'];
  readonly reason: UnknownPatternReason;
}

/**
 * A grant of actions the catalog does not know (a service newer than it, `newsvc:*`; an action
 * newer than it, `s3:FutureAction`): a pattern of an Allow's `Action`, or a pattern of a Deny's
 * `NotAction` that an Allow of a wider pattern (`*`) grants, once the unconditional Deny
 * statements and the permissions boundary are applied to it as patterns. Which actions it stands
 * for is unknown, so it is kept as written, never dropped.
 */
export interface UnknownGrant {
  /** The pattern as written. */
  readonly pattern: string;
  /** Where it is written: an Allow's `Action`, or a Deny's `NotAction` (excepted from that Deny). */
  readonly field: 'Action' | 'NotAction';
  readonly reason: Exclude<UnknownPatternReason, 'malformed'>;
  /** The Allow statements that grant it (and, for `NotAction`, the Deny that excepts it). */
  readonly sources: readonly StatementRef[];
  /**
   * Statements that may take part of it away: a Deny with resources or conditions, or one whose
   * patterns cover only part of it; and boundary statements that allow it only in part, or only
   * on some resources or under conditions.
   */
  readonly limitedBy: readonly StatementRef[];
}

/** Something in the IAM data that prevented a complete answer, e.g. a missing managed policy. */
export interface GrantProblem {
  readonly code: 'missing-managed-policy' | 'missing-default-version' | 'missing-group';
  readonly message: string;
  /** What is missing: the managed policy's ARN, or `group <name>`. */
  readonly missing?: string;
}

/** What a principal is granted, with provenance. */
export interface GrantedActions {
  readonly principal: IamPrincipal;
  /** Granted actions sorted by name. */
  readonly actions: readonly GrantedAction[];
  readonly unknownPatterns: readonly UnknownActionPattern[];
  /** Grants of actions the catalog does not know, sorted by pattern (see {@link UnknownGrant}). */
  readonly unknownGrants: readonly UnknownGrant[];
  /** Actions an Allow grants that an unconditional Deny on all resources removes, sorted. */
  readonly denied: readonly string[];
  /** Actions an Allow grants that the permissions boundary does not allow, sorted. */
  readonly outsideBoundary: readonly string[];
  readonly problems: readonly GrantProblem[];
}

/** A policy that applies to a principal, with where it came from. */
export interface ResolvedPolicy {
  readonly ref: Omit<StatementRef, 'statement' | 'sid'>;
  readonly document: PolicyDocument;
}

/**
 * Computes the actions a user or role is granted, as DESIGN.md defines it: the union of the Allow
 * statements of its inline and attached managed policies (default version) and, for users, of its
 * groups' policies; minus every action of an unconditional Deny on all resources (`Action` or
 * `NotAction`); intersected with the permissions boundary when one is set. Patterns are matched
 * case-insensitively against the catalog; `NotAction` is the catalog minus its matches.
 *
 * Principals of the same IAM data granted by the same policies get the same lists (see
 * {@link sharedGrantsOf}): what it returns is read, never changed.
 */
export function computeGrantedActions(
  details: AuthorizationDetails,
  principal: IamPrincipal,
  catalog: ActionCatalog,
): GrantedActions {
  const problems: GrantProblem[] = [];
  const policies = resolvePolicies(details, principal, problems);
  const arn = principal.permissionsBoundaryArn;
  const boundary: BoundaryEntry | undefined =
    arn === undefined ? undefined : { arn, policy: details.policies.get(arn) };
  // What the grants follow from: principals whose policies say the same share them (sharedGrants).
  const shared = sharedGrantsOf(details, catalog);
  const key = JSON.stringify([
    policies.map((policy) => [policy.ref, shared.statementsId(policy.document)]),
    // Within one IAM data an ARN is one policy (or none): the boundary is its ARN.
    arn ?? null,
    problems,
  ]);
  const grants = shared.get(key, () => computeGrants(policies, boundary, problems, catalog));
  return { principal, ...grants };
}

/** A principal's permissions boundary: its ARN, and the IAM data's policy of that ARN (if any). */
interface BoundaryEntry {
  readonly arn: string;
  readonly policy: ManagedPolicy | undefined;
}

/** What a principal is granted, but for the principal: what its policies and boundary grant. */
type Grants = Omit<GrantedActions, 'principal'>;

/**
 * The grants of {@link computeGrantedActions}, from the policies that apply (in order), the
 * boundary, and what the IAM data lacks of them (`problems`, added to).
 */
function computeGrants(
  policies: readonly ResolvedPolicy[],
  boundaryEntry: BoundaryEntry | undefined,
  problems: GrantProblem[],
  catalog: ActionCatalog,
): Grants {
  const unknownPatterns: UnknownActionPattern[] = [];
  const allowed = new Map<CatalogAction, readonly GrantSource[]>();
  const partialDenies = new Map<CatalogAction, StatementRef[]>();
  const fullyDenied = new Set<CatalogAction>();
  for (const policy of policies) {
    for (const statement of policy.document.statements) {
      const ref = statementRef(policy, statement);
      const actions = statementActions(catalog, statement, ref, unknownPatterns);
      if (statement.effect === 'Allow') {
        const source: GrantSource = { ...ref, limited: isLimited(statement) };
        // Most actions have one source: the actions a statement alone grants share its list (a
        // statement of `*` grants some 22,000); another statement's source makes a new list.
        const alone: readonly GrantSource[] = Object.freeze([source]);
        for (const action of actions) {
          const list = allowed.get(action);
          allowed.set(action, list === undefined ? alone : [...list, source]);
        }
      } else if (isLimited(statement)) {
        for (const action of actions) push(partialDenies, action, ref);
      } else {
        for (const action of actions) fullyDenied.add(action);
      }
    }
  }

  const boundary = resolveBoundary(boundaryEntry, catalog, problems, unknownPatterns);
  const granted: GrantedAction[] = [];
  const denied: string[] = [];
  const outsideBoundary: string[] = [];
  for (const [action, sources] of allowed) {
    if (fullyDenied.has(action)) {
      denied.push(action.name);
      continue;
    }
    const boundaryLimit = boundary?.get(action);
    if (boundary !== undefined && boundaryLimit === undefined) {
      outsideBoundary.push(action.name);
      continue;
    }
    const denies = partialDenies.get(action);
    const limitedBy =
      denies === undefined && (boundaryLimit === undefined || boundaryLimit.length === 0)
        ? NOT_LIMITED
        : [...(denies ?? []), ...(boundaryLimit ?? [])];
    granted.push({
      action: action.name,
      limited: limitedBy.length > 0 || sources.every((source) => source.limited),
      sources,
      limitedBy,
    });
  }
  granted.sort((a, b) => compareNames(a.action, b.action));
  return {
    actions: granted,
    unknownPatterns,
    unknownGrants: findUnknownGrants(boundaryPolicy(boundaryEntry), catalog, policies),
    denied: denied.sort(compareNames),
    outsideBoundary: outsideBoundary.sort(compareNames),
    problems,
  };
}

/** The `limitedBy` of the actions nothing narrows: one list for all, never changed. */
const NOT_LIMITED: readonly StatementRef[] = Object.freeze([]);

/**
 * The boundary as a map from each action it allows to the statements that limit it there (an
 * empty list when it allows the action on everything). `undefined` when no boundary is set, or
 * when the IAM data lacks its document (a problem says so).
 */
function resolveBoundary(
  entry: BoundaryEntry | undefined,
  catalog: ActionCatalog,
  problems: GrantProblem[],
  unknownPatterns: UnknownActionPattern[],
): Map<CatalogAction, StatementRef[]> | undefined {
  if (entry === undefined) return undefined;
  const { arn, policy } = entry;
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  if (policy?.document === undefined) {
    // What it allows is unknown: the grants are the identity policies' (an upper bound). Taken as
    // allowing nothing, every call the principal made would show as not granted ("+").
    problems.push({
      code: policy === undefined ? 'missing-managed-policy' : 'missing-default-version',
      message: `permissions boundary ${arn} is not in the file; the grants are those of the identity policies, which it may narrow`,
    });
    return undefined;
  }
  const resolved: ResolvedPolicy = {
    ref: { kind: 'boundary', policy: name, policyArn: arn },
    document: policy.document,
  };
  const allowedEverywhere = new Set<CatalogAction>();
  const allowedLimited = new Map<CatalogAction, StatementRef[]>();
  const denied = new Set<CatalogAction>();
  const limits = new Map<CatalogAction, StatementRef[]>();
  for (const statement of policy.document.statements) {
    const ref = statementRef(resolved, statement);
    const limited = isLimited(statement);
    for (const action of statementActions(catalog, statement, ref, unknownPatterns)) {
      if (statement.effect === 'Allow') {
        if (limited) push(allowedLimited, action, ref);
        else allowedEverywhere.add(action);
      } else if (limited) {
        push(limits, action, ref);
      } else {
        denied.add(action);
      }
    }
  }
  const result = new Map<CatalogAction, StatementRef[]>();
  for (const action of new Set([...allowedEverywhere, ...allowedLimited.keys()])) {
    if (denied.has(action)) continue;
    const allowLimits = allowedEverywhere.has(action) ? [] : (allowedLimited.get(action) ?? []);
    result.set(action, [...allowLimits, ...(limits.get(action) ?? [])]);
  }
  return result;
}

/** How much of a pattern's actions a statement's `Action` or `NotAction` names: all, some, none. */
function statementShare(statement: PolicyStatement, pattern: string): 'all' | 'some' | 'none' {
  const covers = statement.action.patterns.some((written) => actionPatternCovers(written, pattern));
  const overlaps = statement.action.patterns.some((written) => actionPatternsOverlap(written, pattern));
  if (!statement.action.not) return covers ? 'all' : overlaps ? 'some' : 'none';
  return covers ? 'none' : overlaps ? 'some' : 'all';
}

/**
 * The grants of actions the catalog does not know ({@link UnknownGrant}): the unknown patterns of
 * the Allow statements' `Action`, and the unknown patterns a Deny's `NotAction` excepts that an
 * Allow covers whole; less those an unconditional Deny covers whole, and, with a permissions
 * boundary, those it allows none of (or denies whole unconditionally). What may take part of one
 * away is its `limitedBy`. Patterns are compared as patterns: the actions behind them are unknown.
 */
function findUnknownGrants(
  boundary: ResolvedPolicy | undefined,
  catalog: ActionCatalog,
  policies: readonly ResolvedPolicy[],
): UnknownGrant[] {
  const statements = policies.flatMap((policy) =>
    policy.document.statements.map((statement) => ({ ref: statementRef(policy, statement), statement })),
  );
  const unknownReason = (pattern: string): UnknownGrant['reason'] | undefined => {
    const expansion = expandActionPattern(catalog, pattern);
    return expansion.kind === 'unknown' && expansion.reason !== 'malformed' ? expansion.reason : undefined;
  };
  const candidates = new Map<
    string,
    { pattern: string; field: UnknownGrant['field']; reason: UnknownGrant['reason']; sources: StatementRef[] }
  >();
  const add = (
    pattern: string,
    field: UnknownGrant['field'],
    reason: UnknownGrant['reason'],
    sources: StatementRef[],
  ): void => {
    const key = pattern.toLowerCase();
    const known = candidates.get(key);
    if (known === undefined) candidates.set(key, { pattern, field, reason, sources: [...sources] });
    else known.sources.push(...sources);
  };
  for (const { ref, statement } of statements) {
    if (statement.effect === 'Allow' && !statement.action.not) {
      for (const pattern of statement.action.patterns) {
        const reason = unknownReason(pattern);
        if (reason !== undefined) add(pattern, 'Action', reason, [ref]);
      }
    } else if (statement.effect === 'Deny' && statement.action.not) {
      for (const pattern of statement.action.patterns) {
        const reason = unknownReason(pattern);
        if (reason === undefined) continue;
        // Excepted from this Deny: granted when an Allow covers it whole (`*`, `newsvc:*`…).
        const allows = statements.filter(
          (other) => other.statement.effect === 'Allow' && statementShare(other.statement, pattern) === 'all',
        );
        if (allows.length > 0) add(pattern, 'NotAction', reason, [...allows.map((other) => other.ref), ref]);
      }
    }
  }

  const grants: UnknownGrant[] = [];
  for (const candidate of candidates.values()) {
    const { pattern } = candidate;
    const limitedBy: StatementRef[] = [];
    let denied = false;
    for (const { ref, statement } of statements) {
      if (statement.effect !== 'Deny') continue;
      const share = statementShare(statement, pattern);
      if (share === 'none') continue;
      if (share === 'all' && !isLimited(statement)) denied = true;
      else limitedBy.push(ref);
    }
    if (denied) continue;
    if (boundary !== undefined) {
      let allowedWhole = false;
      let allowedAtAll = false;
      const partialAllows: StatementRef[] = [];
      const partialDenies: StatementRef[] = [];
      for (const statement of boundary.document.statements) {
        const ref = statementRef(boundary, statement);
        const share = statementShare(statement, pattern);
        if (share === 'none') continue;
        const whole = share === 'all' && !isLimited(statement);
        if (statement.effect === 'Allow') {
          allowedAtAll = true;
          if (whole) allowedWhole = true;
          else partialAllows.push(ref);
        } else if (whole) denied = true;
        else partialDenies.push(ref);
      }
      if (denied || !allowedAtAll) continue;
      // Allowed whole by one statement: the boundary's partial Allow statements limit nothing.
      limitedBy.push(...(allowedWhole ? [] : partialAllows), ...partialDenies);
    }
    grants.push({ ...candidate, limitedBy });
  }
  return grants.sort((a, b) => compareNames(a.pattern.toLowerCase(), b.pattern.toLowerCase()));
}

/**
 * The principal's permissions boundary as a resolved policy; `undefined` when it has none, or when
 * the IAM data lacks its document (see `resolveBoundary`).
 */
function boundaryPolicy(entry: BoundaryEntry | undefined): ResolvedPolicy | undefined {
  const document = entry?.policy?.document;
  if (entry === undefined || document === undefined) return undefined;
  const { arn } = entry;
  return {
    ref: { kind: 'boundary', policy: arn.slice(arn.lastIndexOf('/') + 1), policyArn: arn },
    document,
  };
}

/**
 * The identity policies of a principal: its inline and attached policies and, for a user, its
 * groups'. Policies the file lacks are reported in `problems`.
 */
export function resolvePolicies(
  details: AuthorizationDetails,
  principal: IamPrincipal,
  problems: GrantProblem[],
): ResolvedPolicy[] {
  const resolved: ResolvedPolicy[] = [];
  const addManaged = (arn: string, name: string, kind: 'managed' | 'group-managed', group?: string): void => {
    const policy = details.policies.get(arn);
    if (policy?.document === undefined) {
      problems.push({
        code: policy === undefined ? 'missing-managed-policy' : 'missing-default-version',
        missing: arn,
        message:
          policy === undefined
            ? `managed policy ${arn} is attached${group === undefined ? '' : ` to group ${group}`} but not in the file; its grants are missing`
            : `managed policy ${arn} has no default version in the file; its grants are missing`,
      });
      return;
    }
    resolved.push({
      ref: { kind, policy: name, policyArn: arn, ...(group === undefined ? {} : { group }) },
      document: policy.document,
    });
  };
  if (principal.type === 'user') {
    for (const groupName of principal.groups) {
      const group = details.groups.get(groupName);
      if (group === undefined) {
        problems.push({
          code: 'missing-group',
          missing: `group ${groupName}`,
          message: `group ${groupName} is not in the file; its grants are missing`,
        });
        continue;
      }
      for (const policy of group.inlinePolicies) {
        resolved.push({
          ref: { kind: 'group-inline', policy: policy.name, group: group.name },
          document: policy.document,
        });
      }
      for (const policy of group.attachedPolicies)
        addManaged(policy.arn, policy.name, 'group-managed', group.name);
    }
  }
  for (const policy of principal.inlinePolicies) {
    resolved.push({ ref: { kind: 'inline', policy: policy.name }, document: policy.document });
  }
  for (const policy of principal.attachedPolicies) addManaged(policy.arn, policy.name, 'managed');
  return resolved;
}

function statementActions(
  catalog: ActionCatalog,
  statement: PolicyStatement,
  ref: StatementRef,
  unknownPatterns: UnknownActionPattern[],
): Iterable<CatalogAction> {
  const matched = new Set<CatalogAction>();
  for (const pattern of statement.action.patterns) {
    const expansion = expandActionPattern(catalog, pattern);
    if (expansion.kind === 'unknown') {
      unknownPatterns.push({
        ...ref,
        pattern,
        field: statement.action.not ? 'NotAction' : 'Action',
        effect: statement.effect,
        reason: expansion.reason,
      });
      continue;
    }
    for (const action of expansion.actions) matched.add(action);
  }
  if (!statement.action.not) return matched;
  return catalog.actions.filter((action) => !matched.has(action));
}

/**
 * A statement limits its effect when it is scoped to resources or carries a Condition. A Resource
 * that matches every ARN (`*`, `arn:*`, `arn:*:*:*:*:*`) is no scope: a Deny on it is as
 * unconditional as one on `*`.
 */
export function isLimited(statement: PolicyStatement): boolean {
  if (statement.hasCondition) return true;
  const resource = statement.resource;
  if (resource === undefined) return false;
  return resource.not || !resource.patterns.some(matchesEveryArn);
}

/**
 * Whether a resource pattern matches every ARN. An ARN has at least five colons after `arn`
 * (`arn:partition:service:region:account:resource`) and `*` matches colons too, so `arn` followed by
 * one to five segments made only of `*` matches them all; a sixth segment would demand a colon
 * inside the resource.
 */
export function matchesEveryArn(pattern: string): boolean {
  return /^\*+$/.test(pattern) || /^arn(?::\*+){1,5}$/.test(pattern);
}

/** Where a statement is: its policy and index. */
export function statementRef(policy: ResolvedPolicy, statement: PolicyStatement): StatementRef {
  return {
    ...policy.ref,
    statement: statement.index,
    ...(statement.sid === undefined ? {} : { sid: statement.sid }),
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The statements of a document as text (they are plain data), once per document. */
const statementTexts = new WeakMap<PolicyDocument, string>();

function statementsText(document: PolicyDocument): string {
  let text = statementTexts.get(document);
  if (text === undefined) {
    text = JSON.stringify(document.statements);
    statementTexts.set(document, text);
  }
  return text;
}

/** Grants kept at most for one IAM data and catalog (a role granted `*` holds 22,000 actions). */
const SHARED_GRANTS = 8;

/** The grants of one IAM data's principals, shared by those their policies give the same. */
interface SharedGrants {
  /** A short number for a document's statements, the same for every document that says the same. */
  statementsId(document: PolicyDocument): number;
  /** The grants of `key`, from the last few kept, else from `compute` (then kept). */
  get(key: string, compute: () => Grants): Grants;
}

/**
 * Per IAM data (and catalog), the grants worked out lately by what they follow from: an audit or
 * a boundary plan judges every principal of an account, and many are granted by the same policies
 * (an AWS managed policy, the same inline policy on several roles), some of them every action. The
 * most recently used few are kept, and go with the IAM data they were read from.
 */
const sharedGrants = new WeakMap<AuthorizationDetails, WeakMap<ActionCatalog, SharedGrants>>();

function sharedGrantsOf(details: AuthorizationDetails, catalog: ActionCatalog): SharedGrants {
  let byCatalog = sharedGrants.get(details);
  if (byCatalog === undefined) {
    byCatalog = new WeakMap();
    sharedGrants.set(details, byCatalog);
  }
  let shared = byCatalog.get(catalog);
  if (shared === undefined) {
    const ids = new Map<string, number>();
    const kept = new Map<string, Grants>();
    shared = {
      statementsId: (document) => {
        const text = statementsText(document);
        let id = ids.get(text);
        if (id === undefined) {
          id = ids.size;
          ids.set(text, id);
        }
        return id;
      },
      get: (key, compute) => {
        let grants = kept.get(key);
        // The most recently used last.
        if (grants !== undefined) kept.delete(key);
        else grants = compute();
        kept.set(key, grants);
        for (const oldest of kept.keys()) {
          if (kept.size <= SHARED_GRANTS) break;
          kept.delete(oldest);
        }
        return grants;
      },
    };
    byCatalog.set(catalog, shared);
  }
  return shared;
}
