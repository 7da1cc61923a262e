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
  for (const [pageIndex, page] of pages.entries()) {
    const at = pages.length > 1 ? `[page ${pageIndex + 1}] ` : '';
    wrapPath(at, () => {
      if (!isRecord(page))
        throw new AuthorizationDetailsError('$', `expected an object, got ${describe(page)}`);
      const known = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'];
      if (!known.some((key) => key in page)) {
        throw new AuthorizationDetailsError(
          '$',
          `has none of ${known.join(', ')}: this is not get-account-authorization-details output`,
        );
      }
      for (const [index, value] of listAt(page, 'UserDetailList').entries()) {
        const user = parseUser(value, `UserDetailList[${index}]`);
        users.set(user.arn, user);
      }
      for (const [index, value] of listAt(page, 'RoleDetailList').entries()) {
        const role = parseRole(value, `RoleDetailList[${index}]`);
        roles.set(role.arn, role);
      }
      for (const [index, value] of listAt(page, 'GroupDetailList').entries()) {
        const group = parseGroup(value, `GroupDetailList[${index}]`);
        groups.set(group.name, group);
      }
      for (const [index, value] of listAt(page, 'Policies').entries()) {
        const policy = parseManagedPolicy(value, `Policies[${index}]`);
        policies.set(policy.arn, policy);
      }
    });
  }
  return { users: [...users.values()], roles: [...roles.values()], groups, policies };
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

function parseUser(value: unknown, path: string): IamUser {
  const record = recordAt(value, path);
  return {
    type: 'user',
    ...parsePrincipalBase(record, path, 'UserName', 'UserPolicyList'),
    groups: stringListAt(record, 'GroupList', path),
  };
}

function parseRole(value: unknown, path: string): IamRole {
  const record = recordAt(value, path);
  const base = parsePrincipalBase(record, path, 'RoleName', 'RolePolicyList');
  const lastUsed = record.RoleLastUsed;
  return {
    type: 'role',
    ...base,
    serviceLinked: base.path.startsWith('/aws-service-role/'),
    assumeRolePolicyDocument: record.AssumeRolePolicyDocument,
    lastUsedDate: isRecord(lastUsed)
      ? optionalDate(lastUsed, 'LastUsedDate', `${path}.RoleLastUsed`)
      : undefined,
  };
}

function parseGroup(value: unknown, path: string): IamGroup {
  const record = recordAt(value, path);
  return {
    name: stringAt(record, 'GroupName', path),
    arn: stringAt(record, 'Arn', path),
    inlinePolicies: inlinePoliciesAt(record, 'GroupPolicyList', path),
    attachedPolicies: attachedPoliciesAt(record, path),
  };
}

function parsePrincipalBase(
  record: Record<string, unknown>,
  path: string,
  nameKey: string,
  inlineKey: string,
): Omit<PrincipalBase, never> {
  const boundary = record.PermissionsBoundary;
  let permissionsBoundaryArn: string | undefined;
  if (boundary !== undefined && boundary !== null) {
    permissionsBoundaryArn = stringAt(
      recordAt(boundary, `${path}.PermissionsBoundary`),
      'PermissionsBoundaryArn',
      `${path}.PermissionsBoundary`,
    );
  }
  return {
    name: stringAt(record, nameKey, path),
    arn: stringAt(record, 'Arn', path),
    path: optionalString(record, 'Path', path) ?? '/',
    createDate: optionalDate(record, 'CreateDate', path),
    inlinePolicies: inlinePoliciesAt(record, inlineKey, path),
    attachedPolicies: attachedPoliciesAt(record, path),
    permissionsBoundaryArn,
  };
}

function parseManagedPolicy(value: unknown, path: string): ManagedPolicy {
  const record = recordAt(value, path);
  const defaultVersionId = optionalString(record, 'DefaultVersionId', path);
  const versions = listAt(record, 'PolicyVersionList', path);
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
      : documentAt(recordAt(versions[chosen], versionPath).Document, `${versionPath}.Document`);
  return {
    name: stringAt(record, 'PolicyName', path),
    arn: stringAt(record, 'Arn', path),
    defaultVersionId,
    document,
  };
}

function inlinePoliciesAt(record: Record<string, unknown>, key: string, path: string): InlinePolicy[] {
  return listAt(record, key, path).map((value, index) => {
    const itemPath = `${path}.${key}[${index}]`;
    const item = recordAt(value, itemPath);
    return {
      name: stringAt(item, 'PolicyName', itemPath),
      document: documentAt(item.PolicyDocument, `${itemPath}.PolicyDocument`),
    };
  });
}

function attachedPoliciesAt(record: Record<string, unknown>, path: string): AttachedPolicyRef[] {
  return listAt(record, 'AttachedManagedPolicies', path).map((value, index) => {
    const itemPath = `${path}.AttachedManagedPolicies[${index}]`;
    const item = recordAt(value, itemPath);
    return { name: stringAt(item, 'PolicyName', itemPath), arn: stringAt(item, 'PolicyArn', itemPath) };
  });
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

function recordAt(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value))
    throw new AuthorizationDetailsError(path, `expected an object, got ${describe(value)}`);
  return value;
}

function listAt(record: Record<string, unknown>, key: string, path = ''): unknown[] {
  const value = record[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new AuthorizationDetailsError(
      path === '' ? key : `${path}.${key}`,
      `expected a list, got ${describe(value)}`,
    );
  }
  return value;
}

function stringListAt(record: Record<string, unknown>, key: string, path: string): string[] {
  return listAt(record, key, path).map((value, index) => {
    if (typeof value !== 'string') {
      throw new AuthorizationDetailsError(
        `${path}.${key}[${index}]`,
        `expected a string, got ${describe(value)}`,
      );
    }
    return value;
  });
}

function stringAt(record: Record<string, unknown>, key: string, path: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AuthorizationDetailsError(
      `${path}.${key}`,
      `expected a non-empty string, got ${describe(value)}`,
    );
  }
  return value;
}

/** A timestamp: a string in files, a Date when the IAM API answer comes through the SDK. */
function optionalDate(record: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = record[key];
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  return optionalString(record, key, path);
}

function optionalString(record: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new AuthorizationDetailsError(`${path}.${key}`, `expected a string, got ${describe(value)}`);
  }
  return value;
}
