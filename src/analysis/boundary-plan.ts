import { IAM_LIMITS, policyDocumentChars } from '../iam/boundary-state.js';
import { actionMatchesPattern, actionPatternCovers } from '../actions/action-pattern.js';
import { arnMatchesPattern } from '../iam/assumable-roles.js';
import type { IamPrincipal } from '../iam/authorization-details.js';
import { parsePolicyDocument } from '../iam/policy-document.js';
import { RESOURCE_KEY } from '../iam/policy-evaluation.js';
import { compilePolicies } from '../iam/policy-evaluator.js';

/*
 * The permission boundary a usage-driven run would set on a principal (`iamtrail boundary plan`):
 * a customer managed policy allowing what the principal used in the period (per service or per
 * action) plus the config's base actions, and denying changes to its own boundary; its size
 * against the managed-policy limit; which principals get none and why; and the replay of the used
 * actions against it. Pure: the use case brings the verdicts and the coverage.
 */

/** How finely a boundary allows: whole services (`s3:*`) or the actions used. */
export const BOUNDARY_LEVELS = ['service', 'action'] as const;
/** One of {@link BOUNDARY_LEVELS}. */
export type BoundaryLevel = (typeof BOUNDARY_LEVELS)[number];

/** IAM's limit on a customer managed policy, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = IAM_LIMITS.managedPolicyChars;

/** The name every boundary policy iamtrail plans starts with. */
export const BOUNDARY_POLICY_PREFIX = 'iamtrail-boundary-';

/** The statement ids of a boundary document, so that replay and later runs can tell them apart. */
export const BOUNDARY_SIDS = {
  used: 'IamtrailUsedInPeriod',
  base: 'IamtrailBaseActions',
  denyPrincipal: 'IamtrailDenyBoundaryChange',
  denyPolicy: 'IamtrailDenyBoundaryPolicyChange',
} as const;

/** One statement of a boundary document, as IAM takes it. */
export interface BoundaryStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: string;
}

/** A boundary policy document, as IAM takes it. */
export interface BoundaryDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly BoundaryStatement[];
}

/** IAM's limit on a managed policy's name. */
export const POLICY_NAME_MAX_CHARS = 128;

/**
 * The name of a principal's boundary policy, by type (`iamtrail-boundary-role-<name>`,
 * `iamtrail-boundary-user-<name>`): a role and a user may have the same name, never the same
 * policy. IAM names are at most 64 characters, so the name stays within IAM's 128.
 */
export function boundaryPolicyName(type: 'user' | 'role', principalName: string): string {
  const name = `${BOUNDARY_POLICY_PREFIX}${type}-${principalName}`;
  if (name.length > POLICY_NAME_MAX_CHARS)
    throw new RangeError(
      `the boundary policy name ${name} has ${name.length} characters; IAM allows ${POLICY_NAME_MAX_CHARS}`,
    );
  return name;
}

/** The ARN the boundary policy will have in the principal's account (path `/`). */
export function boundaryPolicyArn(principal: Pick<IamPrincipal, 'type' | 'name' | 'arn'>): string {
  const [arn = 'arn', partition = 'aws', , , account = ''] = principal.arn.split(':');
  return `${arn}:${partition}:iam::${account}:policy/${boundaryPolicyName(principal.type, principal.name)}`;
}

/** The ARN pattern of every iamtrail boundary policy in the principal's account. */
export function allBoundaryPoliciesArn(principalArn: string): string {
  const [arn = 'arn', partition = 'aws', , , account = ''] = principalArn.split(':');
  return `${arn}:${partition}:iam::${account}:policy/${BOUNDARY_POLICY_PREFIX}*`;
}

/**
 * Whether a boundary ARN is the principal's own iamtrail boundary policy ({@link boundaryPolicyArn}:
 * `iamtrail-boundary-<role|user>-<name>` at path `/` of its account), the one policy apply may
 * write for it. A name that merely starts with `iamtrail-boundary-` (another principal's, one
 * someone made to look like it, one on a path) is not.
 */
export function isOwnBoundaryArn(
  policyArn: string,
  principal: Pick<IamPrincipal, 'type' | 'name' | 'arn'>,
): boolean {
  return policyArn === boundaryPolicyArn(principal);
}

/** A document's size as IAM counts it against its limits: characters, whitespace excluded. */
export function policySize(document: BoundaryDocument): number {
  return policyDocumentChars(JSON.stringify(document));
}

/** The service prefix of an action, lower case (`S3:GetObject` → `s3`). */
function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(':')).toLowerCase();
}

/**
 * The order of every action list of a boundary, as iamtrail has always written it: by the names
 * in lower case, a name before another when its lower case sorts first, else when it sorts first
 * by code unit. Not a total order (`ec2:DescribeInstances` and `ec2:DescribeInstanceStatus` each
 * come "first" by one of the two tests), so the list follows from the order the values come in,
 * which is fixed (the report's order of the grants): kept as it is, because `boundary apply`
 * compares a plan with the document in AWS as written, and a boundary applied by an earlier
 * version must still compare equal. Each value is lowered once, not at each comparison, which
 * gives the same comparisons in the same sequence.
 */
function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)]
    .map((value) => [value.toLowerCase(), value] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[1] < b[1] ? -1 : 1))
    .map(([, value]) => value);
}

/** Inputs of {@link buildBoundary}. */
export interface BoundaryInput {
  readonly principal: Pick<IamPrincipal, 'type' | 'name' | 'arn'>;
  /** Granted actions the principal used in the period (canonical names). */
  readonly used: readonly string[];
  /**
   * Granted actions whose use is unknown (`?`): kept, since nothing proves them unused (service
   * level: their services whole; action level: the actions themselves).
   */
  readonly unknown?: readonly string[];
  /** Services Access Advisor says were used in the period with no action of them in `used`: allowed whole. */
  readonly advisorServices?: readonly string[];
  /**
   * Granted patterns the catalog does not know (`newsvc:*`, `s3:FutureAction`): of unknown use,
   * kept as written at both levels (unless a service allowed whole covers one).
   */
  readonly unknownPatterns?: readonly string[];
  /** The config's `boundary.base_actions`, as written. */
  readonly baseActions: readonly string[];
  readonly level: BoundaryLevel;
  /** The size limit (default {@link MANAGED_POLICY_MAX_CHARS}). */
  readonly maxChars?: number;
}

/** A planned boundary document and what was done to fit it. */
export interface PlannedBoundary {
  readonly policyName: string;
  readonly policyArn: string;
  readonly document: BoundaryDocument;
  /** Characters without whitespace. */
  readonly size: number;
  readonly maxChars: number;
  readonly fits: boolean;
  /** At action level: services allowed whole (`svc:*`) because their actions did not fit. */
  readonly fallbackServices: readonly string[];
}

/**
 * The boundary document of a principal: an Allow on `*` of what it used and of its granted `?`
 * actions (`svc:*` per service, or each action; services Access Advisor saw used with no action
 * known are allowed whole at both levels) and of its granted patterns the catalog does not know
 * (as written: which actions they stand for is unknown), an Allow of the base actions not already covered, and
 * the Deny statements on changing or removing its own boundary (the principal's
 * Put/Delete…PermissionsBoundary on itself, and a new, deleted or default version of any iamtrail
 * boundary policy of the account). At action level, a document over the limit allows whole
 * services instead, largest first, until it fits.
 */
export function buildBoundary(input: BoundaryInput): PlannedBoundary {
  const maxChars = input.maxChars ?? MANAGED_POLICY_MAX_CHARS;
  const policyName = boundaryPolicyName(input.principal.type, input.principal.name);
  const policyArn = boundaryPolicyArn(input.principal);
  // What the boundary must allow: the used actions and the kept unknown ones.
  const usedActions = sortedUnique([...input.used, ...(input.unknown ?? [])]);
  // Each action's service, found once: the document is built again for each service allowed whole.
  const usedServices = usedActions.map(serviceOf);
  const advisorServices = (input.advisorServices ?? []).map((name) => name.toLowerCase());
  const fallback = new Set<string>(
    input.level === 'service' ? [...usedServices, ...advisorServices] : advisorServices,
  );
  const unknownPatterns = sortedUnique(input.unknownPatterns ?? []);
  const documentFor = (whole: ReadonlySet<string>): BoundaryDocument => {
    const listed = sortedUnique([
      ...[...whole].map((service) => `${service}:*`),
      ...usedActions.filter((_, index) => !whole.has(usedServices[index] as string)),
    ]);
    const allowed = sortedUnique([
      ...listed,
      ...unknownPatterns.filter((pattern) => !listed.some((action) => actionPatternCovers(action, pattern))),
    ]);
    const base = sortedUnique(
      input.baseActions.filter(
        (pattern) =>
          !whole.has(serviceOf(pattern)) &&
          !allowed.some((action) => action.toLowerCase() === pattern.toLowerCase()),
      ),
    );
    const isUser = input.principal.type === 'user';
    return {
      Version: '2012-10-17',
      Statement: [
        ...(allowed.length > 0
          ? [{ Sid: BOUNDARY_SIDS.used, Effect: 'Allow' as const, Action: allowed, Resource: '*' }]
          : []),
        ...(base.length > 0
          ? [{ Sid: BOUNDARY_SIDS.base, Effect: 'Allow' as const, Action: base, Resource: '*' }]
          : []),
        {
          Sid: BOUNDARY_SIDS.denyPrincipal,
          Effect: 'Deny',
          Action: isUser
            ? ['iam:DeleteUserPermissionsBoundary', 'iam:PutUserPermissionsBoundary']
            : ['iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary'],
          Resource: input.principal.arn,
        },
        {
          Sid: BOUNDARY_SIDS.denyPolicy,
          Effect: 'Deny',
          Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
          Resource: allBoundaryPoliciesArn(input.principal.arn),
        },
      ],
    };
  };
  let document = documentFor(fallback);
  const fallbackServices: string[] = [];
  if (input.level === 'action') {
    // The services with the most actions save the most characters when allowed whole.
    const counts = new Map<string, number>();
    for (const service of usedServices) counts.set(service, (counts.get(service) ?? 0) + 1);
    const byCount = sortedUnique(usedServices.filter((service) => !fallback.has(service))).sort(
      (a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : 1),
    );
    for (const service of byCount) {
      if (policySize(document) <= maxChars) break;
      fallback.add(service);
      fallbackServices.push(service);
      document = documentFor(fallback);
    }
  }
  const size = policySize(document);
  return {
    policyName,
    policyArn,
    document,
    size,
    maxChars,
    fits: size <= maxChars,
    fallbackServices: fallbackServices.sort(),
  };
}

/** Whether a boundary document allows an action (on some resource): one of its Allow patterns matches it. */
export function boundaryAllows(document: BoundaryDocument, action: string): boolean {
  return boundaryMatcher(document)(action);
}

/** Printable ASCII: where lowering a name and matching it in any case agree. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A whole service's pattern (`svc:*`): its service. */
const WHOLE_SERVICE = /^([\x20-\x29\x2b-\x39\x3b-\x3e\x40-\x7e]+):\*$/;

/**
 * {@link boundaryAllows} of one document, for many actions: of its Allow patterns, those without
 * a wildcard are looked up (any case) and `svc:*` by the action's service, any other glob matched
 * as it is. An action or a pattern outside printable ASCII is matched as a glob (case folding
 * beyond ASCII is the regular expression's).
 */
export function boundaryMatcher(document: BoundaryDocument): (action: string) => boolean {
  const patterns = document.Statement.filter((statement) => statement.Effect === 'Allow').flatMap(
    (statement) => statement.Action,
  );
  const exact = new Set<string>();
  const wholeServices = new Set<string>();
  const globs: string[] = [];
  for (const pattern of patterns) {
    if (!PRINTABLE_ASCII.test(pattern)) {
      globs.push(pattern);
      continue;
    }
    const service = WHOLE_SERVICE.exec(pattern)?.[1];
    if (service !== undefined) wholeServices.add(service.toLowerCase());
    else if (/[*?]/.test(pattern)) globs.push(pattern);
    else exact.add(pattern.toLowerCase());
  }
  return (action) => {
    if (!PRINTABLE_ASCII.test(action))
      return patterns.some((pattern) => actionMatchesPattern(action, pattern));
    const lower = action.toLowerCase();
    if (exact.has(lower)) return true;
    const colon = lower.indexOf(':');
    if (colon >= 0 && wholeServices.has(lower.slice(0, colon))) return true;
    return globs.some((pattern) => actionMatchesPattern(action, pattern));
  };
}

/** Granted actions before and after the boundary, and how much of the grant was used. */
export interface BoundaryCounts {
  readonly granted: number;
  /** Granted actions the boundary still allows: the principal's permissions once it is set. */
  readonly proposed: number;
  /** Granted actions used in the period. */
  readonly usedGranted: number;
  /** `usedGranted / granted` in percent, rounded to one decimal; `null` when nothing is granted. */
  readonly coveragePercent: number | null;
  /** Granted actions of unknown use (`?`) the boundary keeps. */
  readonly unknownKept: number;
  /**
   * Granted patterns the catalog does not know the boundary keeps (each counted once in `granted`
   * and `proposed`: how many actions one stands for is unknown).
   */
  readonly unknownPatternsKept: number;
}

/**
 * Counts {@link BoundaryCounts} from the granted and the used actions, and the granted patterns
 * the catalog does not know (`unknownPatterns`: each one granted entry of unknown use, never
 * used, so coverage is not 100% while one is granted).
 */
export function countBoundary(
  document: BoundaryDocument,
  granted: readonly string[],
  used: readonly string[],
  unknown: readonly string[] = [],
  unknownPatterns: readonly string[] = [],
): BoundaryCounts {
  const usedSet = new Set(used.map((action) => action.toLowerCase()));
  const usedGranted = granted.filter((action) => usedSet.has(action.toLowerCase())).length;
  const patterns = sortedUnique(unknownPatterns.map((pattern) => pattern.toLowerCase()));
  const allows = boundaryMatcher(document);
  const patternsKept = patterns.filter(allows).length;
  const total = granted.length + patterns.length;
  return {
    granted: total,
    proposed: granted.filter(allows).length + patternsKept,
    usedGranted,
    coveragePercent: total === 0 ? null : Math.round((usedGranted / total) * 1000) / 10,
    unknownKept: sortedUnique(unknown).filter(allows).length,
    unknownPatternsKept: patternsKept,
  };
}

/** Why a principal gets no boundary. */
export const SKIP_REASONS = [
  'excluded',
  'service-linked',
  'has-boundary',
  'younger-than-period',
  'no-evidence',
] as const;
/** One of {@link SKIP_REASONS}. */
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A skipped principal's reason and the sentence that explains it. */
export interface BoundarySkip {
  readonly reason: SkipReason;
  readonly detail: string;
}

/** Inputs of {@link whySkip}. */
export interface SkipInput {
  readonly principal: IamPrincipal;
  /** `boundary.exclude`: names, or `arn:` regular expressions over the whole ARN. */
  readonly exclude: readonly string[];
  /** The period's first day (`YYYY-MM-DD`). */
  readonly periodStartDay: string;
  /** Whether the account's logs hold every day of the period. */
  readonly coversPeriod: boolean;
  /** What the logs hold of the period, in words. */
  readonly covers: string;
  /** Log files of the account's period that could not be read: any makes the evidence incomplete. */
  readonly unreadableFiles: number;
  /** A boundary iamtrail did not create is to be replaced (`boundary apply --replace-boundary`), not a reason to skip. */
  readonly replaceBoundary?: boolean;
}

/** The `boundary.exclude` entry that names a principal (names in any case, as IAM's are unique so), or `undefined`. */
export function excludedBy(
  principal: Pick<IamPrincipal, 'name' | 'arn'>,
  exclude: readonly string[],
): string | undefined {
  return exclude.find((entry) =>
    entry.startsWith('arn:')
      ? new RegExp(`^(?:${entry})$`, 'u').test(principal.arn)
      : entry.toLowerCase() === principal.name.toLowerCase(),
  );
}

/**
 * Why a principal gets no boundary, or `null`: excluded by the config, a service-linked role
 * (AWS manages it), a boundary iamtrail did not create (a plan would replace it), created after
 * the period began or at an unknown time (its period is shorter than asked), or the logs do not
 * hold every day of the period or some of its files could not be read (a boundary is never built
 * from missing data).
 */
export function whySkip(input: SkipInput): BoundarySkip | null {
  const { principal } = input;
  const entry = excludedBy(principal, input.exclude);
  if (entry !== undefined)
    return { reason: 'excluded', detail: `boundary.exclude lists ${JSON.stringify(entry)}` };
  if (principal.type === 'role' && principal.serviceLinked)
    return { reason: 'service-linked', detail: 'a service-linked role: AWS manages its permissions' };
  const current = principal.permissionsBoundaryArn;
  if (current !== undefined && !isOwnBoundaryArn(current, principal) && input.replaceBoundary !== true)
    return {
      reason: 'has-boundary',
      detail: `has boundary ${current} iamtrail did not create: a plan would replace it`,
    };
  const periodStart = Date.parse(`${input.periodStartDay}T00:00:00Z`);
  if (principal.createDate === undefined)
    return {
      reason: 'younger-than-period',
      detail: 'the IAM data does not say when it was created: it may be younger than the period',
    };
  if (Date.parse(principal.createDate) > periodStart)
    return {
      reason: 'younger-than-period',
      detail: `created ${principal.createDate}, after the period began (${input.periodStartDay})`,
    };
  if (!input.coversPeriod)
    return { reason: 'no-evidence', detail: `the logs do not cover the whole period: ${input.covers}` };
  if (input.unreadableFiles > 0)
    return {
      reason: 'no-evidence',
      detail: `${input.unreadableFiles} log file(s) of the period could not be read: the calls they hold are unknown`,
    };
  return null;
}

/** The skip of a principal with no use seen at all (no action in the logs, no service in Access Advisor), or `null`. */
export function whyNoUseSkip(
  used: readonly string[],
  advisorServices: readonly string[],
): BoundarySkip | null {
  return used.length === 0 && advisorServices.length === 0
    ? { reason: 'no-evidence', detail: 'no use seen in the period: never a boundary from no data' }
    : null;
}

/** The replay of the used and the kept `?` actions against a planned boundary. */
export interface BoundaryReplay {
  readonly total: number;
  readonly allowed: number;
  /** Replayed actions the boundary would not allow: a bug of the plan, listed. */
  readonly notAllowed: readonly string[];
}

/**
 * Checks every action given (the used and the kept `?` ones) against the planned document alone with iamtrail's evaluator, on
 * resource `*`: its Allow statements are all on `*`, so the decision is certain; an action it
 * allows everywhere but on the principal itself or its boundary policy (its own Deny statements,
 * which name those ARNs) counts as allowed.
 */
export function replayBoundary(
  document: BoundaryDocument,
  principal: IamPrincipal,
  accountId: string,
  used: readonly string[],
): BoundaryReplay {
  const evaluate = compilePolicies({
    principal,
    accountId,
    identity: [
      {
        ref: { kind: 'boundary', policy: boundaryPolicyName(principal.type, principal.name) },
        document: parsePolicyDocument(document, '$'),
      },
    ],
    boundary: undefined,
    incomplete: [],
    scps: undefined,
  });
  const actions = sortedUnique(used);
  const selfDeny = new Set<string>([BOUNDARY_SIDS.denyPrincipal, BOUNDARY_SIDS.denyPolicy]);
  const notAllowed = actions.filter((action) => {
    const result = evaluate({ action, resource: '*', context: [] });
    if (result.decision === 'allowed') return false;
    const onlySelf =
      result.decision === 'inconclusive' &&
      result.missingContextKeys.length === 1 &&
      result.missingContextKeys[0] === RESOURCE_KEY &&
      result.deciding.some((statement) => statement.effect === 'Allow' && statement.applies === true) &&
      result.deciding
        .filter((statement) => statement.effect === 'Deny')
        .every((statement) => statement.sid !== undefined && selfDeny.has(statement.sid));
    return !onlySelf;
  });
  return {
    total: actions.length,
    allowed: actions.length - notAllowed.length,
    notAllowed,
  };
}

/** Successful calls of one event the mapper cannot map to an action. */
export interface UnmappedCalls {
  /** `prefix:EventName`, as the mapper names it. */
  readonly event: string;
  readonly calls: number;
}

/** Whether the document allows a whole service (an Allow of `*` or `svc:*`). */
export function allowsServiceWhole(document: BoundaryDocument, service: string): boolean {
  const whole = `${service.toLowerCase()}:*`;
  return document.Statement.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      statement.Action.some((pattern) => pattern === '*' || pattern.toLowerCase() === whole),
  );
}

/**
 * The unmapped successful calls the boundary might deny: those whose service it does not allow
 * whole (which action an unmapped call needs is unknown, so only a whole service is sure to allow
 * it).
 */
export function unmappedOutsideBoundary(
  document: BoundaryDocument,
  unmapped: readonly UnmappedCalls[],
): UnmappedCalls[] {
  return unmapped.filter((entry) => !allowsServiceWhole(document, serviceOf(entry.event)));
}

/** A resource a successful call of an action acted on (the cache's resource usage, mapped to actions). */
export interface ObservedResource {
  readonly action: string;
  readonly resource: string;
}

/** An observed action the boundary's own Deny statements would refuse, and why it is taken to. */
export interface SelfLockout {
  readonly action: string;
  readonly why: string;
}

/**
 * The observed actions the boundary denies on the principal itself or on iamtrail's boundary
 * policies (its `IamtrailDenyBoundaryChange` and `IamtrailDenyBoundaryPolicyChange` statements):
 * the principal would lock itself out of what it did. One is cleared only when the resources its
 * calls acted on are known (`resources` holds rows of it) and none is a denied ARN.
 */
export function selfLockouts(
  document: BoundaryDocument,
  observed: readonly string[],
  resources: readonly ObservedResource[],
): SelfLockout[] {
  const selfDeny = new Set<string>([BOUNDARY_SIDS.denyPrincipal, BOUNDARY_SIDS.denyPolicy]);
  const lockouts: SelfLockout[] = [];
  for (const action of sortedUnique(observed)) {
    const statement = document.Statement.find(
      (candidate) =>
        candidate.Effect === 'Deny' &&
        selfDeny.has(candidate.Sid) &&
        candidate.Action.some((pattern) => actionMatchesPattern(action, pattern)),
    );
    if (statement === undefined) continue;
    const rows = resources.filter((row) => row.action.toLowerCase() === action.toLowerCase());
    if (rows.length === 0) {
      lockouts.push({
        action,
        why: `the new boundary denies ${action} on ${statement.Resource}, and no resource record shows which resources its calls were on`,
      });
      continue;
    }
    const hits = sortedUnique(
      rows.filter((row) => arnMatchesPattern(row.resource, statement.Resource)).map((row) => row.resource),
    );
    if (hits.length > 0)
      lockouts.push({
        action,
        why: `the new boundary denies ${action} on ${statement.Resource}, and it called it on ${hits.join(', ')}`,
      });
  }
  return lockouts;
}
