/*
 * A principal's permission boundary as IAM holds it (the boundary ARN, the principal's tags, and
 * the boundary policy's versions): what `boundary apply` snapshots before changing anything and
 * `boundary rollback` restores. Also IAM's limits on what apply writes, checked before any call.
 */

/** The principals a permission boundary can be set on (groups cannot have one). */
export const BOUNDARY_PRINCIPAL_KINDS = ['role', 'user'] as const;
/** One of {@link BOUNDARY_PRINCIPAL_KINDS}. */
export type BoundaryPrincipalKind = (typeof BOUNDARY_PRINCIPAL_KINDS)[number];

/** A role or user of one account, by name (IAM's boundary and tag APIs take the name, not the ARN). */
export interface BoundaryPrincipal {
  readonly kind: BoundaryPrincipalKind;
  readonly name: string;
}

/** A tag as IAM stores it. */
export interface PrincipalTag {
  readonly key: string;
  readonly value: string;
}

/** One version of a managed policy. */
export interface BoundaryPolicyVersion {
  /** `v1`, `v2`, ...: IAM numbers the versions of a policy in creation order and never reuses a number. */
  readonly id: string;
  readonly isDefault: boolean;
  /** ISO-8601 UTC. */
  readonly createDate: string;
  /** The policy document as JSON text (URL-decoded). */
  readonly document: string;
}

/** A managed policy's versions, oldest first. */
export interface BoundaryPolicyState {
  readonly arn: string;
  readonly defaultVersionId: string;
  readonly versions: readonly BoundaryPolicyVersion[];
}

/** What IAM holds for one principal's boundary, as read from it. */
export interface BoundaryState {
  readonly principal: BoundaryPrincipal & { readonly arn: string };
  /** The permission boundary's policy ARN, `null` when the principal has none. */
  readonly boundaryArn: string | null;
  /** Every tag of the principal, in IAM's order. */
  readonly tags: readonly PrincipalTag[];
  /**
   * The policy that was asked about: absent when none was asked about, `null` when it does not
   * exist (yet).
   */
  readonly policy?: BoundaryPolicyState | null;
}

/** IAM's limits on what a boundary apply writes (IAM User Guide, "IAM and AWS STS quotas"). */
export const IAM_LIMITS = {
  /** Versions a managed policy keeps. */
  policyVersions: 5,
  /** Tags of one role or user. */
  tagsPerPrincipal: 50,
  tagKeyLength: 128,
  tagValueLength: 256,
  /** Characters of a customer managed policy document, whitespace excluded. */
  managedPolicyChars: 6144,
} as const;

/** A policy document's size as IAM counts it against its limits: characters, whitespace excluded. */
export function policyDocumentChars(document: string): number {
  return document.replace(/\s/g, '').length;
}

/** The numeric part of a version id (`v12` → 12); versions without one sort first. */
function versionNumber(id: string): number {
  const match = /^v(\d+)$/i.exec(id);
  return match === null ? -1 : Number(match[1]);
}

/** `versions` oldest first (by version number: IAM's creation order, unlike two equal dates). */
export function sortPolicyVersions<T extends { readonly id: string }>(versions: readonly T[]): T[] {
  return [...versions].sort((a, b) => versionNumber(a.id) - versionNumber(b.id));
}

/**
 * The version to delete before a policy with `versions` can take one more: none below IAM's
 * limit, else the oldest one that is not the default (the default version is never deleted).
 */
export function versionToDelete<T extends { readonly id: string; readonly isDefault: boolean }>(
  versions: readonly T[],
): T | undefined {
  if (versions.length < IAM_LIMITS.policyVersions) return undefined;
  return sortPolicyVersions(versions).find((version) => !version.isDefault);
}

// IAM's tag character set (the API's `Tag` shape, https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html):
// letters, digits, spaces and _.:/=+-@.
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Why IAM would refuse to add `added` to a principal that has `existing` tags, one message per
 * reason (empty when it would not): more than 50 tags once added (a key already there, compared
 * without case as IAM does for users and roles, is replaced, not added: IAM User Guide, "Tags for
 * IAM resources", Case sensitivity; moto 5.2.1 compares with case), a key empty, longer than 128 characters,
 * starting with `aws:` or with a character IAM refuses, a value longer than 256 characters or with
 * such a character, or one key twice.
 */
export function tagLimitViolations(
  existing: readonly PrincipalTag[],
  added: readonly PrincipalTag[],
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const tag of added) {
    const folded = tag.key.toLowerCase();
    if (seen.has(folded)) problems.push(`tag key "${tag.key}" is given twice`);
    seen.add(folded);
    if (tag.key.length === 0) problems.push('a tag key is empty');
    if (tag.key.length > IAM_LIMITS.tagKeyLength)
      problems.push(
        `tag key "${tag.key}" has ${tag.key.length} characters (IAM allows ${IAM_LIMITS.tagKeyLength})`,
      );
    if (folded.startsWith('aws:'))
      problems.push(`tag key "${tag.key}" starts with "aws:", which AWS reserves`);
    if (!TAG_CHARACTERS.test(tag.key))
      problems.push(
        `tag key "${tag.key}" has a character IAM does not allow (letters, digits, spaces, _.:/=+-@)`,
      );
    if (tag.value.length > IAM_LIMITS.tagValueLength)
      problems.push(
        `the value of tag "${tag.key}" has ${tag.value.length} characters (IAM allows ${IAM_LIMITS.tagValueLength})`,
      );
    if (!TAG_CHARACTERS.test(tag.value))
      problems.push(
        `the value of tag "${tag.key}" ("${tag.value}") has a character IAM does not allow (letters, digits, spaces, _.:/=+-@)`,
      );
  }
  const kept = existing.filter((tag) => !seen.has(tag.key.toLowerCase())).length;
  const total = kept + seen.size;
  if (total > IAM_LIMITS.tagsPerPrincipal)
    problems.push(
      `${total} tags once added (${kept} kept of ${existing.length} existing, ${seen.size} added); IAM allows ${IAM_LIMITS.tagsPerPrincipal}`,
    );
  return problems;
}
