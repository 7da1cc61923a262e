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
