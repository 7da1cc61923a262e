import type { IamPrincipal, IamRole } from '../../iam/authorization-details.js';
import { trustPolicyStatements } from '../../iam/principal-policies.js';
import type { PolicyTestCase, PolicyTestFile, PrincipalPattern } from './policy-test-types.js';

/*
 * Which principals of an account `iamtrail test` covers: every user and role, less the
 * service-linked roles (unless `--include-service-roles`) and, with `--no-include-system-roles`,
 * the roles only AWS services can assume (aws-iam-tester's "roles that can be assumed by human
 * beings"); then aws-iam-tester's filters on the principal ARN: the file's global ones first, then
 * each test's.
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
 * Whether a principal ARN is among the file's sources, as aws-iam-tester's `determine_source`
 * decides before any test runs: it must match `global_limit_to` (when given) and no
 * `global_exemptions`. A test's own `limit_to` can only narrow this list, never widen it.
 */
export function globallySelected(file: PolicyTestFile, arn: string): boolean {
  if (file.globalLimitTo.length > 0 && !matchesAny(file.globalLimitTo, arn)) return false;
  return !matchesAny(file.globalExemptions, arn);
}

/**
 * Whether a test covers a principal ARN, as aws-iam-tester's `evaluate_sources` decides over the
 * sources {@link globallySelected} keeps: with the test's `limit_to` the ARN must match one of it
 * (the test's `exemptions` are then ignored); without, it must match none of the test's
 * `exemptions`. Patterns match at the start of the ARN (Python's `re.match`).
 */
export function testCovers(file: PolicyTestFile, test: PolicyTestCase, arn: string): boolean {
  if (!globallySelected(file, arn)) return false;
  if (test.limitTo.length > 0) return matchesAny(test.limitTo, arn);
  return !matchesAny(test.exemptions, arn);
}

/**
 * Whether the global filters withhold from a test a principal its own `limit_to` names: the reason,
 * worth saying, why a test with a `limit_to` covers fewer principals than it names.
 */
export function withheldByGlobals(file: PolicyTestFile, test: PolicyTestCase, arn: string): boolean {
  return test.limitTo.length > 0 && matchesAny(test.limitTo, arn) && !globallySelected(file, arn);
}

function matchesAny(patterns: readonly PrincipalPattern[], arn: string): boolean {
  return patterns.some((pattern) => pattern.regex.test(arn));
}
