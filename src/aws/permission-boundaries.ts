import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteUserPermissionsBoundaryCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  paginateListEntitiesForPolicy,
  paginateListPolicyVersions,
  paginateListRoleTags,
  paginateListUserTags,
  PutRolePermissionsBoundaryCommand,
  PutUserPermissionsBoundaryCommand,
  SetDefaultPolicyVersionCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import type { IAMClient, Tag } from '@aws-sdk/client-iam';

import { awsCall } from './aws-call.js';
import { EngineError, InputDataError, messageOf } from '../errors.js';
import {
  IAM_LIMITS,
  policyDocumentChars,
  sortPolicyVersions,
  tagLimitViolations,
  versionToDelete,
} from '../iam/boundary-state.js';
import type {
  BoundaryPolicyState,
  BoundaryPolicyVersion,
  BoundaryPrincipal,
  BoundaryState,
  PrincipalTag,
} from '../iam/boundary-state.js';

/*
 * The IAM calls behind `boundary apply` and `rollback`, for one role or user: read what a snapshot
 * needs, write a boundary policy (keeping within IAM's five versions), set or remove the boundary,
 * tag and untag. Only calls: what to write is decided by the caller. The client is the account's
 * (`createIamClient`, instrumented for counts and throttling retries); every failure is wrapped
 * once by `awsCall`, naming the call, the principal or policy and the account.
 */

/** The IAM client of one account and the label its errors name (`prod (111122223333)`). */
export interface BoundaryTarget {
  readonly client: Pick<IAMClient, 'send'>;
  readonly accountLabel: string;
}

const describePrincipal = (principal: BoundaryPrincipal): string => `${principal.kind} "${principal.name}"`;

const toIso = (date: Date | undefined): string =>
  date === undefined ? '' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const fromSdkTags = (tags: readonly Tag[] | undefined): PrincipalTag[] =>
  (tags ?? []).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' }));

/** A policy document as IAM returns it (URL-encoded JSON) as JSON text. */
function decodeDocument(document: string | undefined): string {
  if (document === undefined) return '';
  return document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
}

/** Whether `error` (an SDK error, or an iamtrail error wrapping one) is IAM's NoSuchEntity. */
export function isNoSuchEntity(error: unknown): boolean {
  for (let current = error; typeof current === 'object' && current !== null;) {
    const name = (current as { name?: string }).name;
    if (name === 'NoSuchEntity' || name === 'NoSuchEntityException') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The principal's ARN, boundary and every tag (GetRole/GetUser, ListRoleTags/ListUserTags) and,
 * when `policyArn` is given, that policy's versions with their documents (`null` when the policy
 * does not exist): what a snapshot before a change needs. An unknown principal fails with
 * NoSuchEntity named.
 */
export async function readBoundaryState(
  target: BoundaryTarget,
  principal: BoundaryPrincipal,
  policyArn?: string,
): Promise<BoundaryState> {
  const { client, accountLabel } = target;
  const who = `${describePrincipal(principal)} in ${accountLabel}`;
  const entity =
    principal.kind === 'role'
      ? await awsCall(`IAM GetRole for ${who}`, async () => {
          const answer = await client.send(new GetRoleCommand({ RoleName: principal.name }));
          return {
            arn: answer.Role?.Arn,
            boundary: answer.Role?.PermissionsBoundary?.PermissionsBoundaryArn,
          };
        })
      : await awsCall(`IAM GetUser for ${who}`, async () => {
          const answer = await client.send(new GetUserCommand({ UserName: principal.name }));
          return {
            arn: answer.User?.Arn,
            boundary: answer.User?.PermissionsBoundary?.PermissionsBoundaryArn,
          };
        });
  const tags = await listPrincipalTags(target, principal);
  const state: BoundaryState = {
    principal: { ...principal, arn: entity.arn ?? '' },
    boundaryArn: entity.boundary ?? null,
    tags,
  };
  return policyArn === undefined ? state : { ...state, policy: await readBoundaryPolicy(target, policyArn) };
}

/** Every tag of the principal (ListRoleTags/ListUserTags, every page), in IAM's order. */
export async function listPrincipalTags(
  target: BoundaryTarget,
  principal: BoundaryPrincipal,
): Promise<PrincipalTag[]> {
  const client = target.client as IAMClient;
  const who = `${describePrincipal(principal)} in ${target.accountLabel}`;
  if (principal.kind === 'role')
    return awsCall(`IAM ListRoleTags for ${who}`, async () => {
      const tags: PrincipalTag[] = [];
      for await (const page of paginateListRoleTags({ client }, { RoleName: principal.name }))
        tags.push(...fromSdkTags(page.Tags));
      return tags;
    });
  return awsCall(`IAM ListUserTags for ${who}`, async () => {
    const tags: PrincipalTag[] = [];
    for await (const page of paginateListUserTags({ client }, { UserName: principal.name }))
      tags.push(...fromSdkTags(page.Tags));
    return tags;
  });
}

/**
 * A managed policy's default version id and every version, oldest first, each with its document
 * (GetPolicy, ListPolicyVersions, one GetPolicyVersion per version); `null` when the policy does
 * not exist.
 */
export async function readBoundaryPolicy(
  target: BoundaryTarget,
  policyArn: string,
): Promise<BoundaryPolicyState | null> {
  const listed = await listPolicyVersions(target, policyArn);
  if (listed === null) return null;
  const versions: BoundaryPolicyVersion[] = [];
  for (const version of listed.versions)
    versions.push({ ...version, document: await readPolicyVersionDocument(target, policyArn, version.id) });
  return { arn: policyArn, defaultVersionId: listed.defaultVersionId, versions };
}

/**
 * A policy's default version id (GetPolicy) and versions without their documents
 * (ListPolicyVersions, every page), oldest first; `null` when the policy does not exist (unless
 * `nullWhenMissing` is false: then GetPolicy's NoSuchEntity is the error). A version
 * is the default when GetPolicy names it, whatever its IsDefaultVersion flag says: what decides
 * which version may be deleted is IAM's own record of the default.
 */
async function listPolicyVersions(
  target: BoundaryTarget,
  policyArn: string,
  nullWhenMissing = true,
): Promise<{ defaultVersionId: string; versions: Omit<BoundaryPolicyVersion, 'document'>[] } | null> {
  const client = target.client as IAMClient;
  const where = `policy ${policyArn} in ${target.accountLabel}`;
  const policy = await awsCall(`IAM GetPolicy for ${where}`, async () => {
    try {
      return (await client.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy ?? null;
    } catch (error) {
      if (nullWhenMissing && isNoSuchEntity(error)) return null;
      throw error;
    }
  });
  if (policy === null) return null;
  const versions = await awsCall(`IAM ListPolicyVersions for ${where}`, async () => {
    const listed: { id: string; flagged: boolean; createDate: string }[] = [];
    for await (const page of paginateListPolicyVersions({ client }, { PolicyArn: policyArn }))
      for (const version of page.Versions ?? [])
        if (version.VersionId !== undefined)
          listed.push({
            id: version.VersionId,
            flagged: version.IsDefaultVersion === true,
            createDate: toIso(version.CreateDate),
          });
    return sortPolicyVersions(listed);
  });
  const defaultVersionId = policy.DefaultVersionId ?? versions.find((version) => version.flagged)?.id ?? '';
  return {
    defaultVersionId,
    versions: versions.map(({ id, createDate }) => ({ id, isDefault: id === defaultVersionId, createDate })),
  };
}

async function readPolicyVersionDocument(
  target: BoundaryTarget,
  policyArn: string,
  versionId: string,
): Promise<string> {
  return awsCall(`IAM GetPolicyVersion ${versionId} of ${policyArn} in ${target.accountLabel}`, async () => {
    const answer = await target.client.send(
      new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }),
    );
    return decodeDocument(answer.PolicyVersion?.Document);
  });
}

/** What to create a boundary policy with. */
export interface BoundaryPolicyInput {
  /** The policy's name (`iamtrail-boundary-<principal>`). */
  readonly name: string;
  /** The policy document, JSON text. */
  readonly document: string;
  readonly description?: string;
  /** IAM path, `/` when not given. */
  readonly path?: string;
}

/** A policy version just written. */
export interface WrittenPolicyVersion {
  readonly policyArn: string;
  readonly versionId: string;
  /** The version deleted to stay within IAM's five (with its document), if one was. */
  readonly deleted: BoundaryPolicyVersion | null;
}

/** Creates a customer managed policy (CreatePolicy); its one version `v1` is the default. */
export async function createBoundaryPolicy(
  target: BoundaryTarget,
  input: BoundaryPolicyInput,
): Promise<WrittenPolicyVersion> {
  return awsCall(`IAM CreatePolicy ${input.name} in ${target.accountLabel}`, async () => {
    const answer = await target.client.send(
      new CreatePolicyCommand({
        PolicyName: input.name,
        PolicyDocument: input.document,
        ...(input.description === undefined ? {} : { Description: input.description }),
        ...(input.path === undefined ? {} : { Path: input.path }),
      }),
    );
    const arn = answer.Policy?.Arn;
    if (arn === undefined) throw new Error('no policy ARN in the answer');
    return { policyArn: arn, versionId: answer.Policy?.DefaultVersionId ?? 'v1', deleted: null };
  });
}

/**
 * Adds `document` as a new version of the policy, made the default unless `setAsDefault` is
 * false. A policy at IAM's limit of five versions first loses its oldest version that is not the
 * default (read before it is deleted, and returned); the default version is never deleted.
 */
export async function addBoundaryPolicyVersion(
  target: BoundaryTarget,
  policyArn: string,
  document: string,
  setAsDefault = true,
): Promise<WrittenPolicyVersion> {
  const where = `policy ${policyArn} in ${target.accountLabel}`;
  // Checked before a version is deleted: a document IAM would refuse must not cost one.
  const chars = policyDocumentChars(document);
  if (chars > IAM_LIMITS.managedPolicyChars)
    throw new InputDataError(
      `the new version of ${where} has ${chars} characters (whitespace excluded); IAM allows ${IAM_LIMITS.managedPolicyChars}: nothing was changed`,
    );
  const listed = await listPolicyVersions(target, policyArn, false);
  const versions = listed?.versions ?? [];
  const oldest = versionToDelete(versions);
  let deleted: BoundaryPolicyVersion | null = null;
  if (oldest !== undefined) {
    deleted = { ...oldest, document: await readPolicyVersionDocument(target, policyArn, oldest.id) };
    await awsCall(`IAM DeletePolicyVersion ${oldest.id} of ${where}`, () =>
      target.client.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: oldest.id })),
    );
  } else if (versions.length >= IAM_LIMITS.policyVersions) {
    // Unreachable with IAM (one default among five), said plainly rather than failing in CreatePolicyVersion.
    throw new EngineError(`${where} has ${versions.length} versions and none that is not the default`);
  }
  const create = awsCall(`IAM CreatePolicyVersion for ${where}`, async () => {
    const answer = await target.client.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArn,
        PolicyDocument: document,
        SetAsDefault: setAsDefault,
      }),
    );
    const id = answer.PolicyVersion?.VersionId;
    if (id === undefined) throw new Error('no VersionId in the answer');
    return id;
  });
  let versionId: string;
  try {
    versionId = await create;
  } catch (error) {
    if (deleted === null) throw error;
    // The version deleted to make room is gone: its document goes with the error, for the caller's snapshot.
    throw new PolicyVersionLostError(
      `${messageOf(error)} (version ${deleted.id}, deleted to make room, is gone: its document is in this error)`,
      deleted,
      error,
    );
  }
  return { policyArn, versionId, deleted };
}

/** CreatePolicyVersion failed after the oldest version was deleted to make room: that version, to restore it. */
export class PolicyVersionLostError extends EngineError {
  constructor(
    message: string,
    readonly deleted: BoundaryPolicyVersion,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'PolicyVersionLostError';
  }
}

/** Makes `versionId` the policy's default version (SetDefaultPolicyVersion). */
export async function setDefaultPolicyVersion(
  target: BoundaryTarget,
  policyArn: string,
  versionId: string,
): Promise<void> {
  await awsCall(`IAM SetDefaultPolicyVersion ${versionId} of ${policyArn} in ${target.accountLabel}`, () =>
    target.client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })),
  );
}

/** Sets `policyArn` as the principal's permission boundary (Put{Role,User}PermissionsBoundary). */
export async function putPermissionsBoundary(
  target: BoundaryTarget,
  principal: BoundaryPrincipal,
  policyArn: string,
): Promise<void> {
  const who = `${describePrincipal(principal)} in ${target.accountLabel}`;
  if (principal.kind === 'role')
    await awsCall(`IAM PutRolePermissionsBoundary ${policyArn} for ${who}`, () =>
      target.client.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: principal.name, PermissionsBoundary: policyArn }),
      ),
    );
  else
    await awsCall(`IAM PutUserPermissionsBoundary ${policyArn} for ${who}`, () =>
      target.client.send(
        new PutUserPermissionsBoundaryCommand({ UserName: principal.name, PermissionsBoundary: policyArn }),
      ),
    );
}

/** Removes the principal's permission boundary (Delete{Role,User}PermissionsBoundary). */
export async function deletePermissionsBoundary(
  target: BoundaryTarget,
  principal: BoundaryPrincipal,
): Promise<void> {
  const who = `${describePrincipal(principal)} in ${target.accountLabel}`;
  if (principal.kind === 'role')
    await awsCall(`IAM DeleteRolePermissionsBoundary for ${who}`, () =>
      target.client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: principal.name })),
    );
  else
    await awsCall(`IAM DeleteUserPermissionsBoundary for ${who}`, () =>
      target.client.send(new DeleteUserPermissionsBoundaryCommand({ UserName: principal.name })),
    );
}

/**
 * Adds or replaces `tags` on the principal (TagRole/TagUser). Refused with an InputDataError
 * naming the principal, before any change, when IAM would refuse them: a key or value too long
 * or with a character IAM does not allow is refused before any call; more than 50 tags once added
 * is refused after reading the principal's tags (`existing`, when the caller has just read them,
 * saves that call).
 */
export async function tagPrincipal(
  target: BoundaryTarget,
  principal: BoundaryPrincipal,
  tags: readonly PrincipalTag[],
  existing?: readonly PrincipalTag[],
): Promise<void> {
  const who = `${describePrincipal(principal)} in ${target.accountLabel}`;
  const refuse = (problems: readonly string[]): never => {
    throw new InputDataError(`cannot tag ${who}: ${problems.join('; ')}`, {
      suggestions: [
        `IAM allows ${IAM_LIMITS.tagsPerPrincipal} tags per principal, keys of ${IAM_LIMITS.tagKeyLength} and values of ${IAM_LIMITS.tagValueLength} characters`,
      ],
    });
  };
  const ownProblems = tagLimitViolations([], tags);
  if (ownProblems.length > 0) refuse(ownProblems);
  if (tags.length === 0) return;
  const problems = tagLimitViolations(existing ?? (await listPrincipalTags(target, principal)), tags);
  if (problems.length > 0) refuse(problems);
  const sdkTags = tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
  if (principal.kind === 'role')
    await awsCall(`IAM TagRole for ${who}`, () =>
      target.client.send(new TagRoleCommand({ RoleName: principal.name, Tags: sdkTags })),
    );
  else
    await awsCall(`IAM TagUser for ${who}`, () =>
      target.client.send(new TagUserCommand({ UserName: principal.name, Tags: sdkTags })),
    );
}

/**
 * Removes the tags with these keys from the principal (UntagRole/UntagUser; a key it does not
 * have is ignored, as IAM does). More than 50 keys, or a key longer than 128 characters, is refused
 * before any call.
 */
export async function untagPrincipal(
  target: BoundaryTarget,
  principal: BoundaryPrincipal,
  keys: readonly string[],
): Promise<void> {
  const who = `${describePrincipal(principal)} in ${target.accountLabel}`;
  const problems = [
    ...(keys.length > IAM_LIMITS.tagsPerPrincipal
      ? [`${keys.length} keys to remove; IAM takes ${IAM_LIMITS.tagsPerPrincipal} at a time`]
      : []),
    ...keys
      .filter((key) => key.length === 0 || key.length > IAM_LIMITS.tagKeyLength)
      .map(
        (key) => `tag key "${key}" has ${key.length} characters (IAM allows 1 to ${IAM_LIMITS.tagKeyLength})`,
      ),
  ];
  if (problems.length > 0) throw new InputDataError(`cannot untag ${who}: ${problems.join('; ')}`);
  if (keys.length === 0) return;
  if (principal.kind === 'role')
    await awsCall(`IAM UntagRole for ${who}`, () =>
      target.client.send(new UntagRoleCommand({ RoleName: principal.name, TagKeys: [...keys] })),
    );
  else
    await awsCall(`IAM UntagUser for ${who}`, () =>
      target.client.send(new UntagUserCommand({ UserName: principal.name, TagKeys: [...keys] })),
    );
}

/** How a policy is used, as ListEntitiesForPolicy's `PolicyUsageFilter` names it. */
export type PolicyUsage = 'PermissionsPolicy' | 'PermissionsBoundary';

/**
 * Every role, user and group that uses the policy (ListEntitiesForPolicy, every page), as
 * `role/NAME`, `user/NAME` and `group/NAME`: as boundary or attached, or only as `usage` says
 * (`PolicyUsageFilter`: `PermissionsPolicy` lists the entities it is attached to, granting what it
 * allows; `PermissionsBoundary` those it bounds).
 */
export async function policyEntities(
  target: BoundaryTarget,
  policyArn: string,
  usage?: PolicyUsage,
): Promise<string[]> {
  const client = target.client as IAMClient;
  const as = usage === undefined ? '' : ` (${usage})`;
  return awsCall(`IAM ListEntitiesForPolicy ${policyArn}${as} in ${target.accountLabel}`, async () => {
    const entities: string[] = [];
    for await (const page of paginateListEntitiesForPolicy(
      { client },
      { PolicyArn: policyArn, ...(usage === undefined ? {} : { PolicyUsageFilter: usage }) },
    )) {
      for (const role of page.PolicyRoles ?? []) entities.push(`role/${role.RoleName ?? ''}`);
      for (const user of page.PolicyUsers ?? []) entities.push(`user/${user.UserName ?? ''}`);
      for (const group of page.PolicyGroups ?? []) entities.push(`group/${group.GroupName ?? ''}`);
    }
    return [...new Set(entities)];
  });
}

/**
 * Deletes a managed policy unless anything uses it: {@link policyEntities} first, before any
 * version is deleted (a policy in use is left whole, and its users returned); then its versions
 * that are not the default (DeletePolicyVersion each, as IAM requires), then the policy with its
 * default version (DeletePolicy). Returns `[]` once deleted.
 */
export async function deleteBoundaryPolicyIfUnused(
  target: BoundaryTarget,
  policyArn: string,
): Promise<string[]> {
  const users = await policyEntities(target, policyArn);
  if (users.length > 0) return users;
  const where = `policy ${policyArn} in ${target.accountLabel}`;
  const listed = await listPolicyVersions(target, policyArn, false);
  for (const version of listed?.versions ?? [])
    if (!version.isDefault)
      await awsCall(`IAM DeletePolicyVersion ${version.id} of ${where}`, () =>
        target.client.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: version.id })),
      );
  await awsCall(`IAM DeletePolicy ${where}`, () =>
    target.client.send(new DeletePolicyCommand({ PolicyArn: policyArn })),
  );
  return [];
}
