import { actionMatchesPattern, globToRegExp } from '../actions/action-pattern.js';
import type { IamPrincipal } from './authorization-details.js';
import type { AuthorizationDetails } from './authorization-details.js';
import { isLimited, resolvePolicies, statementRef } from './granted-actions.js';
import type { GrantProblem, StatementRef } from './granted-actions.js';
import type { PolicyStatement } from './policy-document.js';

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
  /** The Allow statements that grant `sts:AssumeRole` on it. */
  readonly sources: readonly StatementRef[];
  /** True when every such statement has a Condition, or a conditional Deny may take it away. */
  readonly conditional: boolean;
}

const ASSUME_ROLE = 'sts:AssumeRole';

/**
 * The known roles a principal's identity policies allow it to assume: the Allow statements whose
 * actions match `sts:AssumeRole` and whose `Resource` (or `NotResource`) matches the role's ARN,
 * wildcards expanded against the known roles, minus unconditional Denies. Trust policies, SCPs,
 * permissions boundaries and session policies are not evaluated: this is what the principal's own
 * policies hand out, which is what can be removed.
 */
export function assumableRoles(
  details: AuthorizationDetails,
  principal: IamPrincipal,
  knownRoles: readonly KnownRole[],
): { roles: AssumableRole[]; problems: GrantProblem[] } {
  const problems: GrantProblem[] = [];
  const allowed = new Map<string, { role: KnownRole; sources: StatementRef[]; unconditional: boolean }>();
  const denied = new Set<string>();
  const limitedBy = new Set<string>();
  for (const policy of resolvePolicies(details, principal, problems)) {
    for (const statement of policy.document.statements) {
      if (!grantsAssumeRole(statement)) continue;
      for (const role of knownRoles) {
        if (!resourceMatches(statement, role.arn)) continue;
        if (statement.effect === 'Deny') {
          if (statement.hasCondition) limitedBy.add(role.arn);
          else denied.add(role.arn);
          continue;
        }
        const entry = allowed.get(role.arn) ?? { role, sources: [], unconditional: false };
        entry.sources.push(statementRef(policy, statement));
        if (!statement.hasCondition) entry.unconditional = true;
        allowed.set(role.arn, entry);
      }
    }
  }
  const roles = [...allowed.values()]
    .filter((entry) => !denied.has(entry.role.arn))
    .map((entry) => ({
      ...entry.role,
      sources: entry.sources,
      conditional: !entry.unconditional || limitedBy.has(entry.role.arn),
    }))
    .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  return { roles, problems };
}

function grantsAssumeRole(statement: PolicyStatement): boolean {
  const matches = statement.action.patterns.some((pattern) => actionMatchesPattern(ASSUME_ROLE, pattern));
  return statement.action.not ? !matches : matches;
}

function resourceMatches(statement: PolicyStatement, arn: string): boolean {
  // A statement without Resource is invalid in an identity policy; read it as applying everywhere.
  if (statement.resource === undefined || !isLimited({ ...statement, hasCondition: false })) return true;
  const matches = statement.resource.patterns.some((pattern) => arnMatchesPattern(arn, pattern));
  return statement.resource.not ? !matches : matches;
}

/** IAM resource matching: `*` any run of characters, `?` one, everything else literally (case matters). */
export function arnMatchesPattern(arn: string, pattern: string): boolean {
  return globToRegExp(pattern, true).test(arn);
}
