import type { AuthorizationDetails, IamPrincipal } from './authorization-details.js';
import { resolvePolicies } from './granted-actions.js';
import type { GrantProblem } from './granted-actions.js';
import type { ContextEntry, EvaluatedPolicy, PrincipalPolicies, ScpLevel } from './policy-evaluation.js';

/**
 * Everything that governs a principal's requests, from the IAM data and the SCPs above its
 * account: its identity policies (inline, attached, and for a user its groups', as
 * `resolvePolicies` finds them), its permissions boundary (`null` with a problem when the data
 * lacks the policy), and `scps` as given, except for service-linked roles, which SCPs do not
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
  let boundary: EvaluatedPolicy | null | undefined;
  const boundaryArn = principal.permissionsBoundaryArn;
  if (boundaryArn !== undefined) {
    const policy = details.policies.get(boundaryArn);
    if (policy?.document === undefined) {
      boundary = null;
      problems.push(
        policy === undefined
          ? `permissions boundary ${boundaryArn} is not in the file; nothing is allowed through it`
          : `permissions boundary ${boundaryArn} has no default version in the file; nothing is allowed through it`,
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
    policies: { principal, accountId, identity, boundary, scps: serviceLinked ? undefined : scps },
    problems,
  };
}

/**
 * The condition keys a principal implies, as IAM puts them in every request it makes
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
 * `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` (`User`, or `AssumedRole` for a
 * role's sessions), `aws:username` (users only), `aws:PrincipalTag/<key>` per tag, and
 * `aws:PrincipalIsAWSService` = false. The evaluator takes a key the principal does not imply as
 * absent (a role has no `aws:username`), not as unknown.
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
  for (const [key, value] of Object.entries(principal.tags)) {
    entries.push({ key: `aws:PrincipalTag/${key}`, values: [value], type: 'string' });
  }
  return entries;
}
