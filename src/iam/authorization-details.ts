import * as z from 'zod/mini';

import '../zod.js';

import { describe, isRecord, parsePolicyDocument, PolicyDocumentError } from './policy-document.js';
import type { PolicyDocument } from './policy-document.js';

/** A policy attached to a principal or group, by name and ARN. */
export interface AttachedPolicyRef {
  readonly name: string;
  readonly arn: string;
}

/** An inline policy with its parsed document. */
export interface InlinePolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** Fields that users and roles share. */
interface PrincipalBase {
  readonly name: string;
  readonly arn: string;
  readonly path: string;
  readonly createDate: string | undefined;
  readonly inlinePolicies: readonly InlinePolicy[];
  readonly attachedPolicies: readonly AttachedPolicyRef[];
  /** ARN of the permissions boundary, if one is set. */
  readonly permissionsBoundaryArn: string | undefined;
  /** The principal's tags (`Tags`), by key; `{}` when it has none or the file leaves them out. */
  readonly tags: Readonly<Record<string, string>>;
}

/** An IAM user from `UserDetailList`. */
export interface IamUser extends PrincipalBase {
  readonly type: 'user';
  readonly groups: readonly string[];
}

/** An IAM role from `RoleDetailList`. */
export interface IamRole extends PrincipalBase {
  readonly type: 'role';
  /** Service-linked roles live under `/aws-service-role/` and are managed by AWS. */
  readonly serviceLinked: boolean;
  /** The trust policy, kept as given: destination-role analysis reads it. */
  readonly assumeRolePolicyDocument: unknown;
  readonly lastUsedDate: string | undefined;
  /**
   * Whether the data says when the role was last used: GetAccountAuthorizationDetails always
   * gives `RoleLastUsed` (`{}` when never used in IAM's tracking period); a file without it (an
   * older dump) says nothing, and `lastUsedDate` is then no evidence of non-use.
   */
  readonly lastUsedKnown: boolean;
  /**
   * The instance profiles that hold the role (`InstanceProfileList`): an EC2 call that passes a
   * profile passes its role.
   */
  readonly instanceProfiles: readonly InstanceProfileRef[];
}

/** An instance profile, by name and ARN. */
export interface InstanceProfileRef {
  readonly name: string;
  readonly arn: string;
}

/** A user or a role. */
export type IamPrincipal = IamUser | IamRole;

/** An IAM group from `GroupDetailList`. */
export interface IamGroup {
  readonly name: string;
  readonly arn: string;
  readonly inlinePolicies: readonly InlinePolicy[];
  readonly attachedPolicies: readonly AttachedPolicyRef[];
}

/** A managed policy from `Policies`, reduced to its default version. */
export interface ManagedPolicy {
  readonly name: string;
  readonly arn: string;
  readonly defaultVersionId: string | undefined;
  /** The default version's document, or `undefined` when the file lacks it. */
  readonly document: PolicyDocument | undefined;
}

/** The parsed content of one or more `get-account-authorization-details` pages. */
export interface AuthorizationDetails {
  readonly users: readonly IamUser[];
  readonly roles: readonly IamRole[];
  readonly groups: ReadonlyMap<string, IamGroup>;
  readonly policies: ReadonlyMap<string, ManagedPolicy>;
}

/** A problem in an authorization-details file: which page and JSON path, and what is wrong. */
export class AuthorizationDetailsError extends Error {
  constructor(
    /** JSON path of the bad part, e.g. `RoleDetailList[3].RolePolicyList[0].PolicyDocument.Statement`. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'AuthorizationDetailsError';
  }
}

/** Zod's message for a value of the wrong kind, in this module's words: `expected a list, got null`. */
const expected = (what: string) => ({
  error: (issue: { readonly input?: unknown }) => `expected ${what}, got ${describe(issue.input)}`,
});

const nonEmptyString = z
  .string(expected('a non-empty string'))
  .check(z.minLength(1, expected('a non-empty string')));
const optionalString = z.nullish(z.string(expected('a string')));
/** A timestamp: a string in files, a Date when the IAM API answer comes through the SDK. */
const optionalDate = z.nullish(
  z.union(
    [
      z.pipe(
        z.date(),
        z.transform((date: Date) => date.toISOString().replace(/\.000Z$/, 'Z')),
      ),
      z.string(),
    ],
    expected('a string'),
  ),
);
/** A list that may be absent or null (then empty). */
const listOf = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(
    z.nullish(z.array(item, expected('a list'))),
    z.transform((list: z.output<T>[] | null | undefined) => list ?? []),
  );
const object = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape, expected('an object'));

/** A policy document is checked by `parsePolicyDocument` (it has its own JSON paths) once the rest is valid. */
const inlinePolicy = object({ PolicyName: nonEmptyString, PolicyDocument: z.optional(z.unknown()) });
const attachedPolicy = object({ PolicyName: nonEmptyString, PolicyArn: nonEmptyString });
const principalFields = {
  Arn: nonEmptyString,
  Path: optionalString,
  CreateDate: optionalDate,
  AttachedManagedPolicies: listOf(attachedPolicy),
  PermissionsBoundary: z.nullish(object({ PermissionsBoundaryArn: nonEmptyString })),
  Tags: listOf(object({ Key: nonEmptyString, Value: z.string(expected('a string')) })),
};
const userSchema = object({
  ...principalFields,
  UserName: nonEmptyString,
  UserPolicyList: listOf(inlinePolicy),
  GroupList: listOf(z.string(expected('a string'))),
});
const roleSchema = object({
  ...principalFields,
  RoleName: nonEmptyString,
  RolePolicyList: listOf(inlinePolicy),
  AssumeRolePolicyDocument: z.optional(z.unknown()),
  InstanceProfileList: listOf(object({ InstanceProfileName: nonEmptyString, Arn: nonEmptyString })),
  // Anything but an object is read as "never used", as the API leaves it out.
  RoleLastUsed: z.pipe(
    z.transform((value: unknown) => (isRecord(value) ? value : undefined)),
    z.optional(object({ LastUsedDate: optionalDate })),
  ),
});
const groupSchema = object({
  GroupName: nonEmptyString,
  Arn: nonEmptyString,
  GroupPolicyList: listOf(inlinePolicy),
  AttachedManagedPolicies: listOf(attachedPolicy),
});
const managedPolicySchema = object({
  PolicyName: nonEmptyString,
  Arn: nonEmptyString,
  DefaultVersionId: optionalString,
  PolicyVersionList: listOf(z.unknown()),
});
const policyVersionSchema = object({ Document: z.optional(z.unknown()) });
const DETAIL_LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;
/** What makes a page authorization details at all: an object with one of the lists. */
const pageShapeSchema = object({}).check(
  z.refine((page: object) => DETAIL_LISTS.some((key) => key in page), {
    error: `has none of ${DETAIL_LISTS.join(', ')}: this is not get-account-authorization-details output`,
  }),
);
const pageSchema = object({
  UserDetailList: listOf(userSchema),
  GroupDetailList: listOf(groupSchema),
  RoleDetailList: listOf(roleSchema),
  Policies: listOf(managedPolicySchema),
});

/** The JSON path of a zod issue under `base`: `UserDetailList[3].UserName`, or `$` for the root. */
function pathOf(base: string, path: readonly PropertyKey[]): string {
  const text = path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 && base === '' ? '' : '.'}${String(key)}`,
    )
    .join('');
  return base === '' && text === '' ? '$' : `${base}${text}`;
}

/** Validates `value` against `schema`, throwing the first issue as an {@link AuthorizationDetailsError}. */
function parseAt<T extends z.ZodMiniType>(schema: T, value: unknown, base: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AuthorizationDetailsError(pathOf(base, issue?.path ?? []), issue?.message ?? 'invalid');
}

/**
 * Parses authorization-details pages, as printed by `aws iam get-account-authorization-details`
 * (policy documents as objects) or returned by the raw API (documents as URL-encoded JSON strings).
 * Several pages are merged; an entity present on two pages is kept once. Throws
 * {@link AuthorizationDetailsError} naming the JSON path of the first bad part.
 */
export function parseAuthorizationDetails(pages: readonly unknown[]): AuthorizationDetails {
  const users = new Map<string, IamUser>();
  const roles = new Map<string, IamRole>();
  const groups = new Map<string, IamGroup>();
  const policies = new Map<string, ManagedPolicy>();
  for (const [pageIndex, value] of pages.entries()) {
    const at = pages.length > 1 ? `[page ${pageIndex + 1}] ` : '';
    wrapPath(at, () => {
      const page = parseAt(pageSchema, parseAt(pageShapeSchema, value, ''), '');
      for (const [index, user] of page.UserDetailList.entries()) {
        const path = `UserDetailList[${index}]`;
        users.set(user.Arn, {
          type: 'user',
          ...toPrincipalBase(
            user,
            user.UserName,
            inlinePolicies(user.UserPolicyList, `${path}.UserPolicyList`),
          ),
          groups: user.GroupList,
        });
      }
      for (const [index, role] of page.RoleDetailList.entries()) {
        const path = `RoleDetailList[${index}]`;
        const base = toPrincipalBase(
          role,
          role.RoleName,
          inlinePolicies(role.RolePolicyList, `${path}.RolePolicyList`),
        );
        roles.set(role.Arn, {
          type: 'role',
          ...base,
          serviceLinked: isServiceLinkedPath(base.path),
          assumeRolePolicyDocument: role.AssumeRolePolicyDocument,
          lastUsedDate: role.RoleLastUsed?.LastUsedDate ?? undefined,
          lastUsedKnown: role.RoleLastUsed !== undefined,
          instanceProfiles: role.InstanceProfileList.map((profile) => ({
            name: profile.InstanceProfileName,
            arn: profile.Arn,
          })),
        });
      }
      for (const [index, group] of page.GroupDetailList.entries()) {
        groups.set(group.GroupName, {
          name: group.GroupName,
          arn: group.Arn,
          inlinePolicies: inlinePolicies(group.GroupPolicyList, `GroupDetailList[${index}].GroupPolicyList`),
          attachedPolicies: attachedPolicies(group.AttachedManagedPolicies),
        });
      }
      for (const [index, policy] of page.Policies.entries()) {
        policies.set(policy.Arn, toManagedPolicy(policy, `Policies[${index}]`));
      }
    });
  }
  return { users: [...users.values()], roles: [...roles.values()], groups, policies };
}

/** Whether a role's path (absent or null: `/`) is where AWS keeps service-linked roles. */
function isServiceLinkedPath(path: string | null | undefined): boolean {
  return (path ?? '/').startsWith('/aws-service-role/');
}

/** A role of another account as the assumable-role analysis needs it: its name, ARN and kind. */
export interface RoleSummary {
  readonly name: string;
  readonly arn: string;
  /** Under `/aws-service-role/`: it trusts only its AWS service. */
  readonly serviceLinked: boolean;
}

const roleSummarySchema = object({ RoleName: nonEmptyString, Arn: nonEmptyString, Path: optionalString });
const rolesPageSchema = object({ RoleDetailList: listOf(roleSummarySchema) });

/**
 * The roles of authorization-details pages, as {@link parseAuthorizationDetails} gives them (in the
 * same order, an ARN on two pages kept once), reading nothing else: no policy document is parsed,
 * and the users, groups and policies are not checked. For another account's file, of which a
 * question needs only which roles exist (reading it all took most of the time its IAM files cost a
 * cached question). Throws {@link AuthorizationDetailsError} for a bad page or role.
 */
export function parseRoleSummaries(pages: readonly unknown[]): RoleSummary[] {
  const roles = new Map<string, RoleSummary>();
  for (const [pageIndex, value] of pages.entries()) {
    wrapPath(pages.length > 1 ? `[page ${pageIndex + 1}] ` : '', () => {
      const page = parseAt(rolesPageSchema, parseAt(pageShapeSchema, value, ''), '');
      for (const role of page.RoleDetailList) {
        roles.set(role.Arn, {
          name: role.RoleName,
          arn: role.Arn,
          serviceLinked: isServiceLinkedPath(role.Path),
        });
      }
    });
  }
  return [...roles.values()];
}

function wrapPath(prefix: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    if (error instanceof AuthorizationDetailsError && prefix !== '') {
      throw new AuthorizationDetailsError(`${prefix}${error.path}`, error.problem);
    }
    throw error;
  }
}

function toPrincipalBase(
  record: z.output<typeof userSchema> | z.output<typeof roleSchema>,
  name: string,
  inline: InlinePolicy[],
): PrincipalBase {
  return {
    name,
    arn: record.Arn,
    path: record.Path ?? '/',
    createDate: record.CreateDate ?? undefined,
    inlinePolicies: inline,
    attachedPolicies: attachedPolicies(record.AttachedManagedPolicies),
    permissionsBoundaryArn: record.PermissionsBoundary?.PermissionsBoundaryArn,
    tags: Object.fromEntries(record.Tags.map((tag) => [tag.Key, tag.Value])),
  };
}

function toManagedPolicy(policy: z.output<typeof managedPolicySchema>, path: string): ManagedPolicy {
  const defaultVersionId = policy.DefaultVersionId ?? undefined;
  const versions = policy.PolicyVersionList;
  // The default version is the one flagged IsDefaultVersion (CloudTracker took the first entry,
  // whatever its flag); DefaultVersionId is the fallback for files that omit the flag.
  let chosen = versions.findIndex((version) => isRecord(version) && version.IsDefaultVersion === true);
  if (chosen < 0 && defaultVersionId !== undefined) {
    chosen = versions.findIndex((version) => isRecord(version) && version.VersionId === defaultVersionId);
  }
  const versionPath = `${path}.PolicyVersionList[${chosen}]`;
  const document =
    chosen < 0
      ? undefined
      : documentAt(
          parseAt(policyVersionSchema, versions[chosen], versionPath).Document,
          `${versionPath}.Document`,
        );
  return { name: policy.PolicyName, arn: policy.Arn, defaultVersionId, document };
}

function inlinePolicies(list: readonly z.output<typeof inlinePolicy>[], path: string): InlinePolicy[] {
  return list.map((item, index) => ({
    name: item.PolicyName,
    document: documentAt(item.PolicyDocument, `${path}[${index}].PolicyDocument`),
  }));
}

function attachedPolicies(list: readonly z.output<typeof attachedPolicy>[]): AttachedPolicyRef[] {
  return list.map((item) => ({ name: item.PolicyName, arn: item.PolicyArn }));
}

function documentAt(value: unknown, path: string): PolicyDocument {
  if (value === undefined) throw new AuthorizationDetailsError(path, 'missing');
  try {
    return parsePolicyDocument(value, path);
  } catch (error) {
    if (error instanceof PolicyDocumentError) throw new AuthorizationDetailsError(error.path, error.problem);
    throw error;
  }
}
