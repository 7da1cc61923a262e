import type { AuthorizationDetails, IamPrincipal } from './authorization-details.js';

/** The two kinds of IAM principal iamtrail analyses. */
export const PRINCIPAL_TYPES = ['user', 'role'] as const;
/** One of {@link PRINCIPAL_TYPES}. */
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** The principals of one type, in file order. */
export function principalsOf(details: AuthorizationDetails, type: PrincipalType): readonly IamPrincipal[] {
  return type === 'user' ? details.users : details.roles;
}

/**
 * Finds a user or role by name. IAM names are unique regardless of case, so an exact match is
 * tried first and a case-insensitive one second.
 */
export function findPrincipal(
  details: AuthorizationDetails,
  type: PrincipalType,
  name: string,
): IamPrincipal | undefined {
  const candidates = principalsOf(details, type);
  return (
    candidates.find((principal) => principal.name === name) ??
    candidates.find((principal) => principal.name.toLowerCase() === name.toLowerCase())
  );
}

/**
 * A user or role seen in the logs but absent from the IAM data (deleted, or another account's): no
 * policy, no group, no boundary, so it is granted nothing and every action it used is `+`.
 */
export function createLogsOnlyPrincipal(type: PrincipalType, name: string, arn: string): IamPrincipal {
  const base = {
    name,
    arn,
    path: arn.slice(arn.indexOf('/'), arn.lastIndexOf('/') + 1),
    createDate: undefined,
    inlinePolicies: [],
    attachedPolicies: [],
    permissionsBoundaryArn: undefined,
    tags: {},
  };
  return type === 'user'
    ? { ...base, type: 'user', groups: [] }
    : {
        ...base,
        type: 'role',
        serviceLinked: false,
        assumeRolePolicyDocument: undefined,
        lastUsedDate: undefined,
        lastUsedKnown: false,
        instanceProfiles: [],
      };
}
