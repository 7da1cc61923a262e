import { loadActionData } from '../../src/cli/action-data.js';
import { parseAuthorizationDetails } from '../../src/iam/authorization-details.js';
import type { AuthorizationDetails } from '../../src/iam/authorization-details.js';
import { computeGrantedActions } from '../../src/iam/granted-actions.js';
import type { GrantedActions } from '../../src/iam/granted-actions.js';
import { findPrincipal } from '../../src/iam/principals.js';

/** A policy statement as written in JSON. */
export type Statement = Record<string, unknown>;

/** Authorization details holding one role `test_role` whose inline policies are the given statements. */
export function roleWithStatements(...policies: Statement[][]): AuthorizationDetails {
  return parseAuthorizationDetails([
    {
      RoleDetailList: [
        {
          RoleName: 'test_role',
          Arn: 'arn:aws:iam::111111111111:role/test_role',
          Path: '/',
          RolePolicyList: policies.map((statements, index) => ({
            PolicyName: `policy${index}`,
            PolicyDocument: { Version: '2012-10-17', Statement: statements },
          })),
          AttachedManagedPolicies: [],
        },
      ],
    },
  ]);
}

/** The granted actions of a principal of parsed details. */
export function grantsOf(details: AuthorizationDetails, type: 'user' | 'role', name: string): GrantedActions {
  const principal = findPrincipal(details, type, name);
  if (principal === undefined) throw new Error(`no ${type} ${name}`);
  return computeGrantedActions(details, principal, loadActionData().catalog);
}

/** The granted action names of `test_role` with the given inline policies. */
export function grantedNames(...policies: Statement[][]): string[] {
  return grantsOf(roleWithStatements(...policies), 'role', 'test_role').actions.map((a) => a.action);
}

/**
 * A user of GetAccountAuthorizationDetails' `UserDetailList`, in `account`, with one inline policy
 * allowing `actions` on every resource.
 */
export function userAllowing(account: string, name: string, actions: readonly string[]): object {
  return {
    Path: '/',
    UserName: name,
    UserId: `AIDA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${account}:user/${name}`,
    CreateDate: '2025-01-01T00:00:00Z',
    UserPolicyList: [
      {
        PolicyName: `${name}-inline`,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
        },
      },
    ],
    GroupList: [],
    AttachedManagedPolicies: [],
    Tags: [],
  };
}
