import type { IamPrincipal, IamRole } from '../../iam/authorization-details.js';
import { trustPolicyStatements } from '../../iam/principal-policies.js';
import type { PolicyTestCase, PolicyTestFile, PrincipalPattern } from './policy-test-types.js';

/*
 * Which principals of an account `iamtrail test` covers: every user and role, less the
 * service-linked roles (unless `--include-service-roles`) and, with `--no-include-system-roles`,
 * the roles only AWS services can assume (aws-iam-tester's "roles that can be assumed by human
 * beings"); then per test aws-iam-tester's filters on the principal ARN.
 */

/** Which roles an account contributes. */
export interface PrincipalSelection {
  /** `--include-service-roles`: service-linked roles (path `/aws-service-role/`) too. */
  readonly includeServiceRoles: boolean;
  /** `--[no-]include-system-roles`: roles whose trust policy trusts only AWS services. */
  readonly includeSystemRoles: boolean;
}

/** The users and roles of an account the tests run over, users first, in the data's order. */
export function candidatePrincipals(
  principals: { readonly users: readonly IamPrincipal[]; readonly roles: readonly IamRole[] },
  selection: PrincipalSelection,
): IamPrincipal[] {
  const roles = principals.roles.filter(
    (role) =>
      (selection.includeServiceRoles || !isServiceRole(role)) &&
      (selection.includeSystemRoles || !isSystemRole(role)),
  );
  return [...principals.users, ...roles];
}

/** A service-linked role (or any role under `/aws-service-role/`). */
export function isServiceRole(role: IamRole): boolean {
  return role.serviceLinked || role.path.startsWith('/aws-service-role/');
}

/**
 * A role whose trust policy lets only AWS services (`Principal.Service`) assume it. A trust policy
 * that cannot be read counts as human-assumable: the role stays in the tests.
 */
export function isSystemRole(role: IamRole): boolean {
  const trust = trustPolicyStatements(role.assumeRolePolicyDocument);
  if (trust === undefined) return false;
  const allows = trust.filter((statement) => statement.Effect === 'Allow');
  if (allows.length === 0) return false;
  return allows.every((statement) => {
    const principal = statement.Principal;
    if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) return false;
    const keys = Object.keys(principal);
    return keys.length > 0 && keys.every((key) => key === 'Service');
  });
}

/**
 * Whether a test covers a principal ARN, as aws-iam-tester decides: with a `limit_to` (the test's,
 * else the file's `global_limit_to`) the ARN must match one of it and exemptions are ignored;
 * without, it must match no exemption (the test's nor the global ones). Patterns match at the
 * start of the ARN (Python's `re.match`).
 */
export function testCovers(file: PolicyTestFile, test: PolicyTestCase, arn: string): boolean {
  const matches = (patterns: readonly PrincipalPattern[]): boolean =>
    patterns.some((pattern) => pattern.regex.test(arn));
  const limitTo = test.limitTo.length > 0 ? test.limitTo : file.globalLimitTo;
  if (limitTo.length > 0) return matches(limitTo);
  return !matches(test.exemptions) && !matches(file.globalExemptions);
}
