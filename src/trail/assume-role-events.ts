/**
 * The STS calls whose returned access key id opens a role session. A module of its own, without
 * imports, for the cache's schema (its migration) and the local engine's reader as well as the
 * summary query.
 */
export const ASSUME_ROLE_EVENTS = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'] as const;

/**
 * `userIdentity.type` of the role's account's copy of an AssumeRole call from another account
 * (its caller's account id only, no ARN): such a call's activity row is kept under
 * `AWSAccount:<account id>` as its actor (the summary), and counted once with the caller's
 * account's copy (the cache's writes).
 */
export const CROSS_ACCOUNT_TYPE = 'AWSAccount';
