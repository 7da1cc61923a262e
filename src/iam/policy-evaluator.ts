import { BlockList, isIP } from 'node:net';

import { matchesEveryArn } from './granted-actions.js';
import type { ConditionClause, PolicyStatement } from './policy-document.js';
import { BOUNDARY_NOT_IN_DATA, IDENTITY_NOT_IN_DATA, RESOURCE_KEY } from './policy-evaluation.js';
import type {
  ContextEntry,
  DecidingStatement,
  EvaluatedPolicy,
  EvaluationLayer,
  EvaluationRequest,
  EvaluationResult,
  PrincipalEvaluator,
  PrincipalPolicies,
} from './policy-evaluation.js';
import { statementSpan } from './policy-positions.js';
import type { StatementSpan } from './policy-positions.js';
import { principalContext, sessionTagsPossible } from './principal-policies.js';

/*
 * IAM's evaluation logic for identity policies, permissions boundaries and SCPs, for one request.
 * Sources (AWS IAM User Guide):
 * - Policy evaluation logic, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 *   and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies_evaluation.html:
 *   an explicit Deny in any policy wins; otherwise every policy type that applies (identity
 *   policies, the boundary, each SCP level) must allow the request, else it is implicitly denied.
 * - Permissions boundaries, https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html:
 *   the effective permissions are the intersection of the identity policies and the boundary.
 * - SCP evaluation, https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html:
 *   at every level from the root down to the account an SCP must allow the action; SCPs do not
 *   affect service-linked roles (the caller passes `scps: undefined` for them).
 * - Action and NotAction, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html and
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html:
 *   case-insensitive, `*` and `?` over the whole `service:Action`; NotAction applies to every
 *   action it does not list.
 * - Resource, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html:
 *   wildcards within each of the ARN's colon-separated segments; a `*` that ends a segment may
 *   expand beyond the colon; the resource segment (after the fifth colon) may hold colons. A
 *   request for resource `*` (iamtrail's rule, documented in the README): a Resource with a
 *   pattern matching every ARN applies, a NotResource with one does not, any other applies only
 *   for some resources: `unknown`, pseudo key `(resource)`.
 * - Condition operators, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html:
 *   a key absent from the request makes a clause false, except negated operators (true),
 *   `…IfExists` (true) and `Null`.
 * - Several keys and values, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html:
 *   operators and keys are ANDed, values ORed (NOR for a negated operator); `ForAllValues:` holds
 *   when every request value matches (also for an absent or empty key), `ForAnyValue:` when one does
 *   (false for an absent key).
 * - Policy variables, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html:
 *   `${key}` and `${key, 'default'}` in Resource and in String/ARN condition values, in policies of
 *   Version 2012-10-17 only; `${*}`, `${?}`, `${$}` stand for the characters; a variable without a
 *   value (and no default) makes its pattern or value match nothing. AWS says such a variable "might
 *   cause the entire statement to be invalid": where a negation (`NotResource`, a negated operator)
 *   would turn that "matches nothing" into "applies", the clause is `unknown` with a problem naming
 *   the variable, never a certain Allow or Deny.
 *
 * Keys the request does not supply: the keys a principal implies (aws:username, aws:PrincipalTag/…,
 * aws:PrincipalArn, …) are KNOWN, absent when the principal does not imply them (but a role's
 * aws:PrincipalTag/… keys are UNKNOWN when its sessions may carry session tags, see
 * `sessionTagsPossible`); every other key is UNKNOWN: it might be present with any value. A clause on an unknown key is `unknown`, and
 * statements combine with Kleene's three-valued logic. A decision is only `allowed` or a deny when
 * no value of the unknown keys could change it; otherwise it is `inconclusive` and names the keys.
 *
 * Missing data never decides silently: a boundary set but not in the data is a layer whose verdict
 * is unknown, and identity policies missing from the data turn what would be the identity layer's
 * implicit denial into `inconclusive` (see `PrincipalPolicies`).
 */

/** Kleene's three values: true, false, or depends on keys the request does not supply. */
type Tri = boolean | 'unknown';

const ABSENT = Symbol('absent');
const UNKNOWN = Symbol('unknown');
type Lookup = ContextEntry | typeof ABSENT | typeof UNKNOWN;

/** What one evaluation accumulates: missing keys per statement, problems. */
interface Scratch {
  missing: string[];
  problems: Set<string>;
  /** Policy variables that had no value and no default (their pattern matched nothing). */
  unresolved: string[];
  lookup: (key: string) => Lookup;
}

interface CompiledStatement {
  readonly policy: EvaluatedPolicy;
  readonly statement: PolicyStatement;
  readonly layer: EvaluationLayer;
  readonly matchesAction: (action: string) => boolean;
  /** The services (lowercased prefixes) its Action names; `null`: any (NotAction, `*`, `s*:…`). */
  readonly services: ReadonlySet<string> | null;
  /** `undefined`: no Resource/NotResource, every resource. */
  readonly resource: ((resource: string, scratch: Scratch) => Tri) | undefined;
  readonly conditions: readonly ((scratch: Scratch) => Tri)[];
  span?: StatementSpan | undefined | null;
}

interface CompiledLayer {
  readonly layer: EvaluationLayer;
  readonly statements: readonly CompiledStatement[];
  /**
   * A pseudo key when part of the layer is not in the data: without an Allow that applies, its
   * verdict is unknown rather than "nothing allowed".
   */
  readonly unread?: string;
}

interface Applicable {
  readonly statement: CompiledStatement;
  readonly applies: true | 'unknown';
  readonly missing: readonly string[];
}

/** The keys a principal implies; absent from a principal that does not imply them. */
const PRINCIPAL_FAMILY = new Set([
  'aws:username',
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principaltype',
  'aws:principalisawsservice',
]);

function isPrincipalFamily(lowerKey: string): boolean {
  return PRINCIPAL_FAMILY.has(lowerKey) || lowerKey.startsWith('aws:principaltag/');
}

/**
 * Compiles a principal's policies once (action and resource patterns to matchers, conditions to
 * functions); the returned function decides one request. `options.now` gives `aws:CurrentTime` and
 * `aws:EpochTime` unless the request's context does (default: the time of compilation). The
 * evaluator reads a request's `context` array once and reuses it while the next request passes
 * the same array (a runner passes one array for all requests of a test): do not mutate it between
 * requests.
 */
export function compilePolicies(
  policies: PrincipalPolicies,
  options?: { readonly now?: Date },
): PrincipalEvaluator {
  const now = options?.now ?? new Date();
  const implied = new Map<string, ContextEntry>();
  for (const entry of principalContext(policies.principal, policies.accountId)) {
    implied.set(entry.key.toLowerCase(), entry);
  }
  implied.set('aws:currenttime', { key: 'aws:CurrentTime', values: [now.toISOString()], type: 'date' });
  implied.set('aws:epochtime', {
    key: 'aws:EpochTime',
    values: [String(Math.floor(now.getTime() / 1000))],
    type: 'date',
  });

  const sessionTags = sessionTagsPossible(policies.principal);
  const fixedProblems: string[] = [];
  const identity = compileLayer('identity', policies.identity);
  const incomplete = policies.incomplete.length > 0;
  const layers: CompiledLayer[] = [incomplete ? { ...identity, unread: IDENTITY_NOT_IN_DATA } : identity];
  if (incomplete) {
    fixedProblems.push(
      `identity policies missing from the data: ${policies.incomplete.join(', ')}; the decision does not account for them`,
    );
  }
  if (policies.boundary === null) {
    fixedProblems.push(
      `the permissions boundary ${policies.principal.permissionsBoundaryArn ?? ''} is not in the data; what it allows is unknown`,
    );
    layers.push({ layer: 'boundary', statements: [], unread: BOUNDARY_NOT_IN_DATA });
  } else if (policies.boundary !== undefined) {
    layers.push(compileLayer('boundary', [policies.boundary]));
  }
  for (const level of policies.scps ?? []) {
    layers.push(compileLayer(`scp:${level.target}`, level.policies));
  }

  /**
   * Per service prefix, then per lowercased action: the statements of each layer whose
   * Action/NotAction matches it. Most actions of a `*:*` expansion fall in services no statement
   * names, so the service lists (usually empty) spare the pattern tests.
   */
  const byService = new Map<string, (readonly CompiledStatement[])[] | null>();
  const byAction = new Map<string, (readonly CompiledStatement[])[] | null>();
  const statementsFor = (action: string): (readonly CompiledStatement[])[] | null => {
    const colon = action.indexOf(':');
    const service = (colon === -1 ? action : action.slice(0, colon)).toLowerCase();
    let perService = byService.get(service);
    if (perService === undefined) {
      const lists = layers.map((layer) =>
        layer.statements.filter(
          (statement) => statement.services === null || statement.services.has(service),
        ),
      );
      perService = lists.every((statements) => statements.length === 0) ? null : lists;
      byService.set(service, perService);
    }
    if (perService === null) return null;
    const lower = action.toLowerCase();
    let found = byAction.get(lower);
    if (found === undefined) {
      const matched = perService.map((statements) =>
        statements.filter((statement) => statement.matchesAction(lower)),
      );
      found = matched.every((statements) => statements.length === 0) ? null : matched;
      byAction.set(lower, found);
    }
    return found;
  };
  /** The answer when no statement of any layer names the action: denied by default (or unknown). */
  const nothingApplies = decide(
    layers,
    layers.map(() => ({ denyTrue: [], denyUnknown: [], allowTrue: [], allowUnknown: [] })),
    fixedProblems,
  );

  let lastContext: readonly ContextEntry[] | undefined;
  let lastLookup: ((key: string) => Lookup) | undefined;
  const lookupFor = (context: readonly ContextEntry[]): ((key: string) => Lookup) => {
    if (context === lastContext && lastLookup !== undefined) return lastLookup;
    const given = new Map<string, ContextEntry>();
    for (const entry of context) given.set(entry.key.toLowerCase(), entry);
    const lookup = (key: string): Lookup => {
      const lower = key.toLowerCase();
      const entry = given.get(lower) ?? implied.get(lower);
      if (entry !== undefined) return entry;
      if (sessionTags && lower.startsWith('aws:principaltag/')) return UNKNOWN;
      return isPrincipalFamily(lower) ? ABSENT : UNKNOWN;
    };
    lastContext = context;
    lastLookup = lookup;
    return lookup;
  };

  return (request: EvaluationRequest): EvaluationResult => {
    const candidates = statementsFor(request.action);
    if (candidates === null) return nothingApplies;
    const scratch: Scratch = {
      missing: [],
      problems: new Set(),
      unresolved: [],
      lookup: lookupFor(request.context),
    };
    const perLayer = candidates.map((statements) =>
      applicableStatements(statements, request.resource, scratch),
    );
    return decide(layers, perLayer, [...fixedProblems, ...scratch.problems]);
  };
}

/** Decides one request: `compilePolicies(policies, options)(request)`. */
export function evaluate(
  policies: PrincipalPolicies,
  request: EvaluationRequest,
  options?: { readonly now?: Date },
): EvaluationResult {
  return compilePolicies(policies, options)(request);
}

interface LayerOutcome {
  readonly denyTrue: Applicable[];
  readonly denyUnknown: Applicable[];
  readonly allowTrue: Applicable[];
  readonly allowUnknown: Applicable[];
}

function applicableStatements(
  statements: readonly CompiledStatement[],
  resource: string,
  scratch: Scratch,
): LayerOutcome {
  const outcome: LayerOutcome = { denyTrue: [], denyUnknown: [], allowTrue: [], allowUnknown: [] };
  for (const statement of statements) {
    scratch.missing = [];
    const applies = statementApplies(statement, resource, scratch);
    if (applies === false) continue;
    const entry: Applicable = { statement, applies, missing: applies === true ? [] : scratch.missing };
    const deny = statement.statement.effect === 'Deny';
    if (applies === true) (deny ? outcome.denyTrue : outcome.allowTrue).push(entry);
    else (deny ? outcome.denyUnknown : outcome.allowUnknown).push(entry);
  }
  return outcome;
}

function statementApplies(statement: CompiledStatement, resource: string, scratch: Scratch): Tri {
  let result: Tri = statement.resource === undefined ? true : statement.resource(resource, scratch);
  if (result === false) return false;
  for (const condition of statement.conditions) {
    const value = condition(scratch);
    if (value === false) return false;
    if (value === 'unknown') result = 'unknown';
  }
  return result;
}

function decide(
  layers: readonly CompiledLayer[],
  outcomes: readonly LayerOutcome[],
  problems: string[],
): EvaluationResult {
  const uniqueProblems = [...new Set(problems)];
  const denies = outcomes.flatMap((outcome) => outcome.denyTrue);
  if (denies.length > 0) {
    return {
      decision: 'explicitDeny',
      deciding: denies.map(toDeciding),
      missingContextKeys: [],
      problems: uniqueProblems,
    };
  }
  // a layer without an Allow denies implicitly, whatever a Deny on unknown keys would do (the
  // denial is certain, its kind is not); a layer with unread data does not settle it
  const closed = outcomes.findIndex(
    (outcome, index) =>
      outcome.allowTrue.length + outcome.allowUnknown.length === 0 && layers[index]?.unread === undefined,
  );
  if (closed !== -1) {
    const deciding = outcomes.flatMap((outcome, index) =>
      index === closed ? [] : [...outcome.allowTrue, ...outcome.allowUnknown],
    );
    return {
      decision: 'implicitDeny',
      deciding: deciding.map(toDeciding),
      noAllowIn: layers[closed]?.layer ?? 'identity',
      missingContextKeys: [],
      problems: uniqueProblems,
    };
  }
  const denyUnknown = outcomes.flatMap((outcome) => outcome.denyUnknown);
  const uncertainAllows = outcomes.flatMap((outcome) =>
    outcome.allowTrue.length > 0 ? [] : outcome.allowUnknown,
  );
  const allowTrue = outcomes.flatMap((outcome) => outcome.allowTrue);
  // A layer with unread data leaves an Allow unsettled too: what was not read may deny.
  const unread = layers.flatMap((layer) => (layer.unread !== undefined ? [layer.unread] : []));
  if (denyUnknown.length === 0 && uncertainAllows.length === 0 && unread.length === 0) {
    return {
      decision: 'allowed',
      deciding: allowTrue.map(toDeciding),
      missingContextKeys: [],
      problems: uniqueProblems,
    };
  }
  const uncertain = [...denyUnknown, ...uncertainAllows];
  const missing = [...new Set([...uncertain.flatMap((entry) => entry.missing), ...unread])].sort();
  return {
    decision: 'inconclusive',
    deciding: [...uncertain, ...allowTrue].map(toDeciding),
    missingContextKeys: missing,
    problems: uniqueProblems,
  };
}

function toDeciding({ statement, applies }: Applicable): DecidingStatement {
  if (statement.span === undefined) {
    statement.span = statementSpan(statement.policy.document, statement.statement.index) ?? null;
  }
  const { sid, effect, index } = statement.statement;
  return {
    policy: statement.policy.ref,
    statement: index,
    ...(sid === undefined ? {} : { sid }),
    effect,
    layer: statement.layer,
    applies,
    span: statement.span ?? undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Compilation of statements

function compileLayer(layer: EvaluationLayer, policies: readonly EvaluatedPolicy[]): CompiledLayer {
  const statements: CompiledStatement[] = [];
  for (const policy of policies) {
    const variables = policy.document.version === '2012-10-17';
    for (const statement of policy.document.statements) {
      const where = `statement ${statement.index}${statement.sid === undefined ? '' : ` (${statement.sid})`} of ${policy.ref.policy}`;
      statements.push({
        policy,
        statement,
        layer,
        matchesAction: compileActionMatcher(statement),
        services: statementServices(statement),
        resource: compileResourceMatcher(statement, variables, where),
        conditions: statement.conditions.map((clause) => compileCondition(clause, variables, where)),
      });
    }
  }
  return { layer, statements };
}

function statementServices(statement: PolicyStatement): ReadonlySet<string> | null {
  if (statement.action.not) return null;
  const services = new Set<string>();
  for (const pattern of statement.action.patterns) {
    const colon = pattern.indexOf(':');
    const service = colon === -1 ? pattern : pattern.slice(0, colon);
    if (colon === -1 || /[*?]/.test(service)) return null;
    services.add(service.toLowerCase());
  }
  return services;
}

function compileActionMatcher(statement: PolicyStatement): (action: string) => boolean {
  const matchers = statement.action.patterns.map((pattern) => {
    const lower = pattern.toLowerCase();
    if (lower === '*') return () => true;
    if (!/[*?]/.test(lower)) return (action: string) => action === lower;
    const regex = new RegExp(`^${globSource(lower, false)}$`, 's');
    return (action: string) => regex.test(action);
  });
  const any = (action: string) => matchers.some((matcher) => matcher(action));
  return statement.action.not ? (action) => !any(action) : any;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A glob's regular expression: `*` any run, `?` one character (within a segment: no colon). */
function globSource(glob: string, segment: boolean): string {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += segment ? '[^:]*' : '.*';
    else if (char === '?') source += segment ? '[^:]' : '.';
    else source += escapeRegex(char);
  }
  return source;
}

/** A piece of a pattern or value: wildcard-active text, literal text, or a policy variable. */
type Token =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'variable'; readonly key: string; readonly fallback: string | undefined };

/** Splits `${…}` policy variables out of a pattern (Version 2012-10-17 only). */
function tokenize(pattern: string, variables: boolean): Token[] {
  if (!variables || !pattern.includes('${')) return [{ kind: 'text', value: pattern }];
  const tokens: Token[] = [];
  let last = 0;
  for (const match of pattern.matchAll(/\$\{([^}]*)\}/g)) {
    if (match.index > last) tokens.push({ kind: 'text', value: pattern.slice(last, match.index) });
    last = match.index + match[0].length;
    const inner = match[1] ?? '';
    if (inner === '*' || inner === '?' || inner === '$') {
      tokens.push({ kind: 'literal', value: inner });
      continue;
    }
    const variable = /^\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$/.exec(inner);
    if (variable === null) tokens.push({ kind: 'text', value: match[0] });
    else {
      tokens.push({
        kind: 'variable',
        key: variable[1] ?? '',
        fallback: variable[2]?.replaceAll("''", "'"),
      });
    }
  }
  if (last < pattern.length) tokens.push({ kind: 'text', value: pattern.slice(last) });
  return tokens;
}

/**
 * Resolves a token list's variables: the tokens with values as literals, `false` when a variable
 * has no value and no default (the pattern matches nothing), and for an unknown key `unknown`: the
 * tokens with the variables of unknown keys kept (each stands for any string, see
 * {@link unlessImpossible}).
 */
function resolveTokens(
  tokens: readonly Token[],
  scratch: Scratch,
): Token[] | false | { readonly unknown: readonly Token[] } {
  let unknown = false;
  const resolved: Token[] = [];
  for (const token of tokens) {
    if (token.kind !== 'variable') {
      resolved.push(token);
      continue;
    }
    const found = scratch.lookup(token.key);
    if (found === UNKNOWN) {
      // a default does not make the value known: the key may be present with any value
      unknown = true;
      scratch.missing.push(token.key);
      resolved.push(token);
      continue;
    }
    const value = found === ABSENT ? undefined : found.values[0];
    if (value === undefined || (found !== ABSENT && found.values.length !== 1)) {
      if (token.fallback === undefined) {
        scratch.unresolved.push(token.key);
        return false;
      }
      resolved.push({ kind: 'literal', value: token.fallback });
    } else resolved.push({ kind: 'literal', value });
  }
  return unknown ? { unknown: resolved } : resolved;
}

/**
 * A match that depends on variables of unknown keys (`unknown`, the variables left in it): `unknown`,
 * unless no value of them could make it hold (`possible` false, each such variable taken as any
 * string), which is a plain `false`. Then the keys it recorded as missing (since `before`) are
 * dropped, since no value of theirs can change it; but a key that may also be absent, with no
 * default, is kept and counted as unresolved: absent, AWS may take the statement as invalid, so a
 * negation of this `false` is no more certain than one of a variable known to be absent
 * (see {@link negateUnresolved}).
 */
function unlessImpossible(
  possible: boolean,
  scratch: Scratch,
  before: number,
  unknown: readonly Token[],
): Tri {
  if (possible) return 'unknown';
  const withoutDefault = unknown.flatMap((token) =>
    token.kind === 'variable' && token.fallback === undefined ? [token.key] : [],
  );
  scratch.missing.length = before;
  scratch.missing.push(...withoutDefault);
  scratch.unresolved.push(...withoutDefault);
  return false;
}

/**
 * An ARN pattern's regular expression: wildcards stay within a segment (the first five colons
 * separate them) except in the resource segment, and a `*` ending a segment may expand beyond the
 * colon.
 */
function arnRegex(tokens: readonly Token[]): RegExp {
  let source = '';
  let colons = 0;
  const flat: { char: string; wild: boolean; any?: true }[] = [];
  for (const token of tokens) {
    // A variable of an unknown key (see resolveTokens): any string, colons included.
    if (token.kind === 'variable') flat.push({ char: '', wild: false, any: true });
    else
      for (const char of token.value) {
        flat.push({ char, wild: token.kind === 'text' && (char === '*' || char === '?') });
      }
  }
  flat.forEach(({ char, wild, any }, index) => {
    const inResource = colons >= 5;
    if (any === true) {
      source += '.*';
      return;
    }
    if (!wild) {
      if (char === ':') colons += 1;
      source += escapeRegex(char);
      return;
    }
    const next = flat[index + 1];
    const endsSegment = next === undefined || next.char === ':';
    if (char === '*') source += inResource || endsSegment ? '.*' : '[^:]*';
    else source += inResource ? '.' : '[^:]';
  });
  return new RegExp(`^${source}$`, 's');
}

function compileResourceMatcher(
  statement: PolicyStatement,
  variables: boolean,
  where: string,
): ((resource: string, scratch: Scratch) => Tri) | undefined {
  const element = statement.resource;
  if (element === undefined) return undefined;
  const matchers = element.patterns.map((pattern) => compileArnPattern(pattern, variables));
  const every = element.patterns.some((pattern) => matchesEveryArn(pattern));
  return (resource, scratch) => {
    if (resource === '*') {
      // any resource: settled only by a pattern matching every ARN
      if (every) return !element.not;
      scratch.missing.push(RESOURCE_KEY);
      return 'unknown';
    }
    const unresolved = scratch.unresolved.length;
    let result: Tri = false;
    for (const matcher of matchers) {
      const value = matcher(resource, scratch);
      if (value === true) {
        result = true;
        break;
      }
      if (value === 'unknown') result = 'unknown';
    }
    if (!element.not) return result;
    return negateUnresolved(not(result), scratch, unresolved, `${where}: NotResource`);
  };
}

/**
 * A negated match (`NotResource`, a negated operator) that holds only because a policy variable
 * had no value (its pattern matched nothing, see `resolveTokens`): `unknown`, with a problem
 * naming the variable, since AWS may instead take the statement as invalid. Otherwise `value`.
 */
function negateUnresolved(value: Tri, scratch: Scratch, before: number, where: string): Tri {
  if (value !== true || scratch.unresolved.length === before) return value;
  const keys = [...new Set(scratch.unresolved.slice(before))].map((key) => `\${${key}}`).join(', ');
  scratch.problems.add(
    `${where} holds only because the policy variable ${keys} has no value here and no default: AWS may take the statement as invalid, so the clause is taken as unknown`,
  );
  return 'unknown';
}

/** One ARN pattern (Resource, or an Arn condition value) as a three-valued matcher. */
function compileArnPattern(pattern: string, variables: boolean): (value: string, scratch: Scratch) => Tri {
  if (pattern === '*') return () => true;
  const tokens = tokenize(pattern, variables);
  if (tokens.every((token) => token.kind !== 'variable')) {
    const regex = arnRegex(tokens);
    return (value) => regex.test(value);
  }
  const cache = new Map<string, RegExp>();
  return (value, scratch) => {
    const before = scratch.missing.length;
    const resolved = resolveTokens(tokens, scratch);
    if (resolved === false) return false;
    if (!Array.isArray(resolved))
      return unlessImpossible(arnRegex(resolved.unknown).test(value), scratch, before, resolved.unknown);
    const cacheKey = JSON.stringify(resolved);
    let regex = cache.get(cacheKey);
    if (regex === undefined) {
      regex = arnRegex(resolved);
      cache.set(cacheKey, regex);
    }
    return regex.test(value);
  };
}

function not(value: Tri): Tri {
  return value === 'unknown' ? value : !value;
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** Compares one request value with one policy value: true, false, or unknown (variable). */
type ValueMatcher = (contextValue: string, scratch: Scratch) => Tri;

interface OperatorSpec {
  readonly negated: boolean;
  /** Builds the matcher of one policy value. */
  readonly compile: (policyValue: string, variables: boolean) => ValueMatcher;
}

function joinTokens(tokens: readonly Token[]): string {
  return tokens.map((token) => (token.kind === 'variable' ? '' : token.value)).join('');
}

const stringValue =
  (compare: (contextValue: string, policyValue: string) => boolean) =>
  (policyValue: string, variables: boolean): ValueMatcher => {
    const tokens = tokenize(policyValue, variables);
    if (tokens.every((token) => token.kind !== 'variable')) {
      const plain = joinTokens(tokens);
      return (contextValue) => compare(contextValue, plain);
    }
    return (contextValue, scratch) => {
      const before = scratch.missing.length;
      const resolved = resolveTokens(tokens, scratch);
      if (resolved === false) return false;
      if (!Array.isArray(resolved)) {
        // Each unknown variable any string; case ignored, as some of these comparisons do.
        const source = resolved.unknown
          .map((token) => (token.kind === 'variable' ? '.*' : escapeRegex(token.value)))
          .join('');
        return unlessImpossible(
          new RegExp(`^${source}$`, 'is').test(contextValue),
          scratch,
          before,
          resolved.unknown,
        );
      }
      return compare(contextValue, joinTokens(resolved));
    };
  };

const likeValue = (policyValue: string, variables: boolean): ValueMatcher => {
  // A variable left in the tokens is one of an unknown key (see resolveTokens): any string.
  const toRegex = (tokens: readonly Token[]) =>
    new RegExp(
      `^${tokens.map((token) => (token.kind === 'text' ? globSource(token.value, false) : token.kind === 'literal' ? escapeRegex(token.value) : '.*')).join('')}$`,
      's',
    );
  const tokens = tokenize(policyValue, variables);
  if (tokens.every((token) => token.kind !== 'variable')) {
    const regex = toRegex(tokens);
    return (contextValue) => regex.test(contextValue);
  }
  return (contextValue, scratch) => {
    const before = scratch.missing.length;
    const resolved = resolveTokens(tokens, scratch);
    if (resolved === false) return false;
    if (!Array.isArray(resolved))
      return unlessImpossible(
        toRegex(resolved.unknown).test(contextValue),
        scratch,
        before,
        resolved.unknown,
      );
    return toRegex(resolved).test(contextValue);
  };
};

const arnValue = (policyValue: string, variables: boolean): ValueMatcher => {
  const matcher = compileArnPattern(policyValue, variables);
  return (contextValue, scratch) => matcher(contextValue, scratch);
};

function parseNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

const numericValue =
  (compare: (a: number, b: number) => boolean) =>
  (policyValue: string): ValueMatcher => {
    const expected = parseNumber(policyValue);
    return (contextValue) => {
      const actual = parseNumber(contextValue);
      return !Number.isNaN(actual) && !Number.isNaN(expected) && compare(actual, expected);
    };
  };

/** An ISO 8601 date-time without a UTC offset (`2026-10-31T12:00:00`). */
const DATE_TIME_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * A date in ISO 8601 or as epoch seconds, in milliseconds. A date-time without an offset is UTC
 * (JavaScript would read it in the machine's time zone: the answer must not depend on where
 * iamtrail runs), as a date alone is.
 */
export function parseDate(text: string): number {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  return Date.parse(DATE_TIME_WITHOUT_OFFSET.test(trimmed) ? `${trimmed}Z` : trimmed);
}

const dateValue =
  (compare: (a: number, b: number) => boolean) =>
  (policyValue: string): ValueMatcher => {
    const expected = parseDate(policyValue);
    return (contextValue) => {
      const actual = parseDate(contextValue);
      return !Number.isNaN(actual) && !Number.isNaN(expected) && compare(actual, expected);
    };
  };

/**
 * An address with an optional prefix (`10.1.0.0/16`, `2001:db8::/32`, `192.0.2.7`); `undefined`
 * when the text, as it is (no blank trimmed), is not one (`10.0.0.0/`, `10.0.0.0/abc`, `10.0.0.0/33`,
 * `10.0.0.0/8/9`). Also what `--context KEY=VALUE:ip` and a test's `ip` values must be.
 */
export function parseAddressBlock(text: string):
  | {
      readonly address: string;
      readonly type: 'ipv4' | 'ipv6';
      readonly prefix: number;
      readonly block: boolean;
    }
  | undefined {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text);
  const address = match?.[1] ?? '';
  const family = isIP(address);
  if (match === null || family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = match[2] === undefined ? max : Number(match[2]);
  if (prefix > max) return undefined;
  return { address, type: family === 4 ? 'ipv4' : 'ipv6', prefix, block: match[2] !== undefined };
}

const ipValue = (policyValue: string): ValueMatcher => {
  // A policy value that is no address block matches no address.
  const policy = parseAddressBlock(policyValue.trim());
  if (policy === undefined) return () => false;
  const { address, type, prefix } = policy;
  const list = new BlockList();
  list.addSubnet(address, prefix, type);
  return (contextValue, scratch) => {
    // A request value that is no address (a prefix that is not one included) matches none.
    const actual = parseAddressBlock(contextValue.trim());
    if (actual === undefined) return false;
    if (!actual.block) return list.check(actual.address, actual.type);
    // A CIDR as the request's value (`--context aws:SourceIp=10.1.2.0/24:ip`): any address of the
    // block. CIDR blocks nest or are apart: the block inside the policy's is true, apart false,
    // and one holding the policy's (only some of its addresses match) unknown.
    if (actual.type !== type) return false;
    if (actual.prefix >= prefix) return list.check(actual.address, actual.type);
    const block = new BlockList();
    block.addSubnet(actual.address, actual.prefix, actual.type);
    if (!block.check(address, type)) return false;
    scratch.problems.add(
      `the request's address block ${contextValue.trim()} holds addresses in and out of the policy's ${policyValue.trim()}: the answer depends on the address`,
    );
    return 'unknown';
  };
};

const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;
const positive = (compile: OperatorSpec['compile']): OperatorSpec => ({ negated: false, compile });
const negated = (compile: OperatorSpec['compile']): OperatorSpec => ({ negated: true, compile });
const exact = stringValue((a, b) => a === b);
const ignoreCase = stringValue((a, b) => a.toLowerCase() === b.toLowerCase());
const numericEquals = numericValue(eq);
const dateEquals = dateValue(eq);

/** The operators IAM documents, without `ForAllValues:`/`ForAnyValue:` and `IfExists`. */
const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map([
  ['StringEquals', positive(exact)],
  ['StringNotEquals', negated(exact)],
  ['StringEqualsIgnoreCase', positive(ignoreCase)],
  ['StringNotEqualsIgnoreCase', negated(ignoreCase)],
  ['StringLike', positive(likeValue)],
  ['StringNotLike', negated(likeValue)],
  ['NumericEquals', positive(numericEquals)],
  ['NumericNotEquals', negated(numericEquals)],
  ['NumericLessThan', positive(numericValue(lt))],
  ['NumericLessThanEquals', positive(numericValue(le))],
  ['NumericGreaterThan', positive(numericValue(gt))],
  ['NumericGreaterThanEquals', positive(numericValue(ge))],
  ['DateEquals', positive(dateEquals)],
  ['DateNotEquals', negated(dateEquals)],
  ['DateLessThan', positive(dateValue(lt))],
  ['DateLessThanEquals', positive(dateValue(le))],
  ['DateGreaterThan', positive(dateValue(gt))],
  ['DateGreaterThanEquals', positive(dateValue(ge))],
  ['Bool', positive(stringValue((a, b) => a.toLowerCase() === b.toLowerCase()))],
  ['BinaryEquals', positive(exact)],
  ['IpAddress', positive(ipValue)],
  ['NotIpAddress', negated(ipValue)],
  ['ArnEquals', positive(arnValue)],
  ['ArnLike', positive(arnValue)],
  ['ArnNotEquals', negated(arnValue)],
  ['ArnNotLike', negated(arnValue)],
]);

function orAll(values: Iterable<Tri>): Tri {
  let result: Tri = false;
  for (const value of values) {
    if (value === true) return true;
    if (value === 'unknown') result = 'unknown';
  }
  return result;
}

function andAll(values: Iterable<Tri>): Tri {
  let result: Tri = true;
  for (const value of values) {
    if (value === false) return false;
    if (value === 'unknown') result = 'unknown';
  }
  return result;
}

/** Compiles one clause (operator, key, values) into a three-valued test of the request. */
function compileCondition(
  clause: ConditionClause,
  variables: boolean,
  where: string,
): (scratch: Scratch) => Tri {
  let operator = clause.operator;
  let set: 'all' | 'any' | undefined;
  if (operator.startsWith('ForAllValues:')) {
    set = 'all';
    operator = operator.slice('ForAllValues:'.length);
  } else if (operator.startsWith('ForAnyValue:')) {
    set = 'any';
    operator = operator.slice('ForAnyValue:'.length);
  }
  const ifExists = operator.endsWith('IfExists') && operator !== 'IfExists';
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);
  const key = clause.key;

  const unknownKey = (scratch: Scratch): 'unknown' => {
    scratch.missing.push(key);
    return 'unknown';
  };

  if (operator === 'Null' && set === undefined && !ifExists) {
    const wanted = clause.values.map((value) => value.toLowerCase());
    return (scratch) => {
      const found = scratch.lookup(key);
      if (found === UNKNOWN) return unknownKey(scratch);
      const absent = found === ABSENT || found.values.length === 0;
      return wanted.some((value) => (value === 'true' ? absent : value === 'false' ? !absent : false));
    };
  }
  const spec = OPERATORS.get(operator);
  if (spec === undefined) {
    const problem = `${where}: condition operator "${clause.operator}" is not known to iamtrail's evaluator; the clause is taken as unknown`;
    return (scratch) => {
      scratch.problems.add(problem);
      return 'unknown';
    };
  }
  const matchers = clause.values.map((value) => spec.compile(value, variables));
  /** Whether one request value satisfies the clause: matches a policy value (none, negated). */
  const one = (contextValue: string, scratch: Scratch): Tri => {
    const unresolved = scratch.unresolved.length;
    const any = orAll(matchers.map((matcher) => matcher(contextValue, scratch)));
    return spec.negated
      ? negateUnresolved(not(any), scratch, unresolved, `${where}: ${clause.operator} on ${key}`)
      : any;
  };
  return (scratch) => {
    const found = scratch.lookup(key);
    if (found === UNKNOWN) return unknownKey(scratch);
    const values = found === ABSENT ? [] : found.values;
    // …IfExists: a key absent (or without values) makes the clause true, set operators included.
    if (ifExists && values.length === 0) return true;
    if (set !== undefined) {
      // An empty string is no value: "a null data set, such as an empty string" (ForAllValues true).
      const members = values.filter((value) => value !== '');
      return set === 'all'
        ? andAll(members.map((value) => one(value, scratch)))
        : orAll(members.map((value) => one(value, scratch)));
    }
    if (found === ABSENT || values.length === 0) return spec.negated;
    if (spec.negated) return andAll(values.map((value) => one(value, scratch)));
    return orAll(values.map((value) => one(value, scratch)));
  };
}
