/**
 * The STS calls whose returned access key id opens a role session. A module of its own, without
 * imports, for the cache's schema (its migration) and the local engine's reader as well as the
 * summary query.
 */
export const ASSUME_ROLE_EVENTS = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'] as const;
