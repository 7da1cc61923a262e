import type { AuthorizationDetails, IamPrincipal } from './authorization-details.js';
import { resolvePolicies } from './granted-actions.js';
import type { GrantProblem } from './granted-actions.js';
import type { ContextEntry, EvaluatedPolicy, PrincipalPolicies, ScpLevel } from './policy-evaluation.js';

/**
 * Everything that governs a principal's requests, from the IAM data and the SCPs above its
 * account: its identity policies (inline, attached, and for a user its groups', as
 * `resolvePolicies` finds them; those the data lacks in `incomplete`, with a problem), its
 * permissions boundary (`null` with a problem when the data lacks the policy), and `scps` as given, except for service-linked roles, which SCPs do not
 * affect (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
 */
export function principalPolicies(
  details: AuthorizationDetails,
  principal: IamPrincipal,
  accountId: string,
  scps: readonly ScpLevel[] | undefined,
): { readonly policies: PrincipalPolicies; readonly problems: readonly string[] } {
  const grantProblems: GrantProblem[] = [];
  const identity: EvaluatedPolicy[] = resolvePolicies(details, principal, grantProblems).map((policy) => ({
    ref: policy.ref,
    document: policy.document,
  }));
  const problems = grantProblems.map((problem) => problem.message);
  const incomplete = grantProblems.flatMap((problem) =>
    problem.missing === undefined ? [] : [problem.missing],
  );
  let boundary: EvaluatedPolicy | null | undefined;
  const boundaryArn = principal.permissionsBoundaryArn;
  if (boundaryArn !== undefined) {
    const policy = details.policies.get(boundaryArn);
    if (policy?.document === undefined) {
      boundary = null;
      problems.push(
        policy === undefined
          ? `permissions boundary ${boundaryArn} is not in the file; what it allows is unknown`
          : `permissions boundary ${boundaryArn} has no default version in the file; what it allows is unknown`,
      );
    } else {
      boundary = {
        ref: { kind: 'boundary', policy: policy.name, policyArn: boundaryArn },
        document: policy.document,
      };
    }
  }
  const serviceLinked = principal.type === 'role' && principal.serviceLinked;
  return {
    policies: {
      principal,
      accountId,
      identity,
      boundary,
      scps: serviceLinked ? undefined : scps,
      incomplete,
    },
    problems,
  };
}

/**
 * The condition keys a principal implies, as IAM puts them in every request it makes
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
 * `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` (`User`, or `AssumedRole` for a
 * role's sessions), `aws:username` (users only), `aws:PrincipalTag/<key>` per tag, and
 * `aws:PrincipalIsAWSService` = false. The evaluator takes a key the principal does not imply as
 * absent (a role has no `aws:username`), not as unknown; except a role's tags when its sessions
 * may carry session tags ({@link sessionTagsPossible}): then no `aws:PrincipalTag/…` is implied and
 * the evaluator takes every such key as unknown.
 */
export function principalContext(principal: IamPrincipal, accountId: string): ContextEntry[] {
  const entries: ContextEntry[] = [
    { key: 'aws:PrincipalArn', values: [principal.arn], type: 'string' },
    { key: 'aws:PrincipalAccount', values: [accountId], type: 'string' },
    {
      key: 'aws:PrincipalType',
      values: [principal.type === 'user' ? 'User' : 'AssumedRole'],
      type: 'string',
    },
    { key: 'aws:PrincipalIsAWSService', values: ['false'], type: 'boolean' },
  ];
  if (principal.type === 'user')
    entries.push({ key: 'aws:username', values: [principal.name], type: 'string' });
  if (sessionTagsPossible(principal)) return entries;
  for (const [key, value] of Object.entries(principal.tags)) {
    entries.push({ key: `aws:PrincipalTag/${key}`, values: [value], type: 'string' });
  }
  return entries;
}

/** The trust policy actions through which a role session gets session tags. */
const SESSION_TAG_ACTIONS = ['sts:tagsession', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity'];

/**
 * Whether a role's sessions may carry session tags, which override the role's tags of the same key
 * in `aws:PrincipalTag/…` (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html):
 * its trust policy has an Allow statement whose Action (or NotAction) admits `sts:TagSession` or a
 * federation action (`sts:AssumeRoleWithSAML`, `sts:AssumeRoleWithWebIdentity`, which pass the
 * identity provider's tags), or the trust policy cannot be read. Users: never (their tags are
 * known).
 */
export function sessionTagsPossible(principal: IamPrincipal): boolean {
  if (principal.type === 'user') return false;
  const statements = trustPolicyStatements(principal.assumeRolePolicyDocument);
  if (statements === undefined) return true;
  return statements.some((statement) => {
    if (statement.Effect !== 'Allow') return false;
    const not = statement.Action === undefined && statement.NotAction !== undefined;
    const listed = not ? statement.NotAction : statement.Action;
    const patterns = (Array.isArray(listed) ? listed : [listed]).filter(
      (value): value is string => typeof value === 'string',
    );
    const matchers = patterns.map(
      (pattern) =>
        new RegExp(
          `^${pattern
            .toLowerCase()
            .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
            .replaceAll('*', '.*')
            .replaceAll('?', '.')}$`,
          's',
        ),
    );
    return SESSION_TAG_ACTIONS.some((action) => {
      const listedHere = matchers.some((regex) => regex.test(action));
      return not ? !listedHere : listedHere;
    });
  });
}

/** A trust policy statement, as given. */
export interface TrustStatement {
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
}

/**
 * A role's trust policy statements (the document as an object, JSON text or URL-encoded JSON);
 * `undefined` when it cannot be read.
 */
export function trustPolicyStatements(value: unknown): TrustStatement[] | undefined {
  let document = value;
  try {
    if (typeof document === 'string') {
      const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
      document = JSON.parse(text) as unknown;
    }
  } catch {
    return undefined;
  }
  if (typeof document !== 'object' || document === null) return undefined;
  const statement = (document as { Statement?: unknown }).Statement;
  const list = Array.isArray(statement) ? statement : [statement];
  return list.filter((entry): entry is TrustStatement => typeof entry === 'object' && entry !== null);
}
