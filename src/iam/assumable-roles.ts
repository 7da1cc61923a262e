import { globToRegExp } from '../actions/action-pattern.js';
import type { AuthorizationDetails, IamPrincipal } from './authorization-details.js';
import type { StatementRef } from './granted-actions.js';
import { compilePolicies } from './policy-evaluator.js';
import { principalPolicies } from './principal-policies.js';

/** A role of one of the configured accounts, which a principal's policies might let it assume. */
export interface KnownRole {
  readonly arn: string;
  readonly name: string;
  readonly accountId: string;
  /** The account's name in the config. */
  readonly accountName: string;
}

/** A role a principal's identity policies allow it to assume. */
export interface AssumableRole extends KnownRole {
  /** The Allow statements that grant `sts:AssumeRole` on it (or may, when `conditional`). */
  readonly sources: readonly StatementRef[];
  /**
   * True when the policies allow it only for some requests: an Allow or a Deny on a condition key
   * the request does not supply (MFA, the source address), a policy variable without a value, or
   * identity policies missing from the data.
   */
  readonly conditional: boolean;
}

const ASSUME_ROLE = 'sts:AssumeRole';

/**
 * The known roles a principal's identity policies allow it to assume: each role's ARN asked of
 * the policy evaluator (src/iam/policy-evaluator.ts) for `sts:AssumeRole` with the principal's
 * identity policies alone, so that wildcards, `NotAction`/`NotResource`, policy variables
 * (`arn:aws:iam::*:role/${aws:username}-*`) and conditions on the keys the principal implies read
 * as IAM reads them. A role the evaluator allows is listed; one that depends on a key the request
 * does not supply (a condition on MFA, a variable without a value under a negation, identity
 * policies missing from the data) is listed as `conditional`; a denied one is not listed. Trust
 * policies, SCPs, permissions boundaries and session policies are not evaluated: this is what the
 * principal's own policies hand out, which is what can be removed. `problems`: what the data
 * lacks, and what the evaluator could not settle.
 */
export function assumableRoles(
  details: AuthorizationDetails,
  principal: IamPrincipal,
  knownRoles: readonly KnownRole[],
): { roles: AssumableRole[]; problems: string[] } {
  const accountId = principal.arn.split(':')[4] ?? '';
  const { policies, problems: dataProblems } = principalPolicies(details, principal, accountId, undefined);
  const decide = compilePolicies({ ...policies, boundary: undefined, scps: undefined });
  const problems = new Set(dataProblems);
  const roles: AssumableRole[] = [];
  for (const role of knownRoles) {
    const result = decide({ action: ASSUME_ROLE, resource: role.arn, context: [] });
    for (const problem of result.problems) problems.add(problem);
    if (result.decision !== 'allowed' && result.decision !== 'inconclusive') continue;
    // The identity policies' Allows that apply (or may): what grants the role, and what to remove.
    const sources = result.deciding.flatMap((statement): StatementRef[] => {
      const { policy } = statement;
      if (statement.effect !== 'Allow' || policy.kind === 'scp' || policy.kind === 'boundary') return [];
      return [
        {
          ...policy,
          statement: statement.statement,
          ...(statement.sid === undefined ? {} : { sid: statement.sid }),
        },
      ];
    });
    if (sources.length === 0) continue;
    roles.push({
      ...role,
      sources,
      conditional: result.decision === 'inconclusive',
    });
  }
  roles.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  return { roles, problems: [...problems] };
}

/** IAM resource matching: `*` any run of characters, `?` one, everything else literally (case matters). */
export function arnMatchesPattern(arn: string, pattern: string): boolean {
  return globToRegExp(pattern, true).test(arn);
}
