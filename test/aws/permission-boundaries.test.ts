import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DetachRolePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  SetDefaultPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildIamtrailPolicy } from '../../src/app/permissions/iamtrail-policy.js';
import { AwsCallCounts, instrumentClient } from '../../src/aws/client-instrumentation.js';
import {
  addBoundaryPolicyVersion,
  createBoundaryPolicy,
  deleteBoundaryPolicyIfUnused,
  deletePermissionsBoundary,
  isNoSuchEntity,
  putPermissionsBoundary,
  readBoundaryState,
  setDefaultPolicyVersion,
  tagPrincipal,
  untagPrincipal,
} from '../../src/aws/permission-boundaries.js';
import type { BoundaryTarget } from '../../src/aws/permission-boundaries.js';
import { EngineError, InputDataError } from '../../src/errors.js';
import type { BoundaryPrincipal, PrincipalTag } from '../../src/iam/boundary-state.js';
import { startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { motoSdkConfig } from '../helpers/moto-org.js';

/*
 * The permission-boundary adapter against the emulator (moto_server plus the user-boundary
 * operations moto lacks, test/moto/moto_advisor.py). Each test makes its own principals and
 * policies with a plain SDK client, calls the adapter through an instrumented client (its calls
 * counted), and reads the result back with the plain client (GetRole/GetUser, List*Tags,
 * GetPolicyVersion): expectations come from the inputs, never from the adapter's own answers.
 */

const ACCOUNT = '123456789012';
let moto: MotoServer;
let iam: IAMClient;
let adapterClient: IAMClient;
let counts: AwsCallCounts;
let target: BoundaryTarget;

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
/** A boundary document allowing `actions`: each test's versions differ by their actions. */
const boundaryDocument = (...actions: string[]): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  });

async function createPrincipal(
  principal: BoundaryPrincipal,
  tags: readonly PrincipalTag[] = [],
): Promise<string> {
  const Tags = tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
  const answer =
    principal.kind === 'role'
      ? (
          await iam.send(
            new CreateRoleCommand({ RoleName: principal.name, AssumeRolePolicyDocument: TRUST, Tags }),
          )
        ).Role
      : (await iam.send(new CreateUserCommand({ UserName: principal.name, Tags }))).User;
  return answer?.Arn ?? '';
}

async function boundaryOf(principal: BoundaryPrincipal): Promise<string | undefined> {
  return principal.kind === 'role'
    ? (await iam.send(new GetRoleCommand({ RoleName: principal.name }))).Role?.PermissionsBoundary
        ?.PermissionsBoundaryArn
    : (await iam.send(new GetUserCommand({ UserName: principal.name }))).User?.PermissionsBoundary
        ?.PermissionsBoundaryArn;
}

/** Tags by key: moto lists a role's tags sorted by key, a user's in the order given. */
const byKey = (tags: readonly PrincipalTag[]): PrincipalTag[] =>
  [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

async function tagsOf(principal: BoundaryPrincipal): Promise<PrincipalTag[]> {
  const tags =
    principal.kind === 'role'
      ? (await iam.send(new ListRoleTagsCommand({ RoleName: principal.name }))).Tags
      : (await iam.send(new ListUserTagsCommand({ UserName: principal.name }))).Tags;
  return byKey((tags ?? []).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' })));
}

async function documentOf(policyArn: string, versionId: string): Promise<unknown> {
  const text =
    (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })))
      .PolicyVersion?.Document ?? '';
  return JSON.parse(text.startsWith('{') ? text : decodeURIComponent(text));
}

async function versionsOf(policyArn: string): Promise<{ id: string; isDefault: boolean }[]> {
  const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? [];
  return versions
    .map((version) => ({ id: version.VersionId ?? '', isDefault: version.IsDefaultVersion === true }))
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/** Each version's CreateDate as IAM lists it, to the second (ISO-8601 UTC). */
async function createDatesOf(policyArn: string): Promise<Record<string, string>> {
  const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? [];
  return Object.fromEntries(
    versions.map((version) => [
      version.VersionId ?? '',
      version.CreateDate?.toISOString().replace(/\.\d{3}Z$/, 'Z') ?? '',
    ]),
  );
}

/** A policy with `documents.length` versions made by the plain client, v1 first; `defaultIndex` is made the default. */
async function policyWithVersions(
  name: string,
  documents: readonly string[],
  defaultIndex: number,
): Promise<string> {
  const [first, ...rest] = documents;
  const arn =
    (await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: first ?? '' }))).Policy
      ?.Arn ?? '';
  for (const document of rest)
    await iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: document, SetAsDefault: false }),
    );
  await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: `v${defaultIndex + 1}` }));
  return arn;
}

beforeAll(async () => {
  moto = await startMotoAdvisor();
  iam = new IAMClient({ ...motoSdkConfig(moto), maxAttempts: 1 });
  // As createIamClient makes it with instrumentation: the SDK does not retry, iamtrail counts.
  adapterClient = new IAMClient({ ...motoSdkConfig(moto), maxAttempts: 1 });
  counts = new AwsCallCounts();
  instrumentClient(adapterClient, counts);
  target = { client: adapterClient, accountLabel: `moto (${ACCOUNT})` };
}, 60_000);
afterAll(async () => {
  iam.destroy();
  adapterClient.destroy();
  await moto.stop();
});

/** The calls the adapter made while `run` ran, by API. */
async function callsDuring(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = counts.toRecord();
  await run().catch(() => undefined);
  const after = counts.toRecord();
  return Object.fromEntries(
    Object.entries(after)
      .map(([api, count]) => [api, count - (before[api] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
}

describe.each(['role', 'user'] as const)('a %s: state, policy, boundary and tags', (kind) => {
  const principal: BoundaryPrincipal = { kind, name: `app-${kind}` };
  const policyName = `iamtrail-boundary-app-${kind}`;
  const policyArn = `arn:aws:iam::${ACCOUNT}:policy/${policyName}`;
  const ownTags: PrincipalTag[] = [{ key: 'team', value: 'data' }];
  const applied: PrincipalTag[] = [
    { key: 'iamtrail:coverage-percent', value: '25' },
    { key: 'iamtrail:window', value: '2026-09-01/2026-11-30' },
  ];
  const document = boundaryDocument('s3:GetObject', 'sqs:SendMessage');
  let arn: string;

  beforeAll(async () => {
    arn = await createPrincipal(principal, ownTags);
  });

  it('reads no boundary, its own tags and no policy before anything is applied', async () => {
    expect(await readBoundaryState(target, principal, policyArn)).toEqual({
      principal: { ...principal, arn: `arn:aws:iam::${ACCOUNT}:${kind}/${principal.name}` },
      boundaryArn: null,
      tags: ownTags,
      policy: null,
    });
    expect(arn).toBe(`arn:aws:iam::${ACCOUNT}:${kind}/${principal.name}`);
    // Without a policy ARN, the policy is not read at all.
    expect(await readBoundaryState(target, principal)).not.toHaveProperty('policy');
  });

  it('creates the policy, sets it as the boundary and tags: IAM then holds exactly that', async () => {
    const written = await createBoundaryPolicy(target, { name: policyName, document });
    expect(written).toEqual({ policyArn, versionId: 'v1', deleted: null });
    await putPermissionsBoundary(target, principal, policyArn);
    await tagPrincipal(target, principal, applied);

    expect(await boundaryOf(principal)).toBe(policyArn);
    expect(await tagsOf(principal)).toEqual(byKey([...ownTags, ...applied]));
    expect(await documentOf(policyArn, 'v1')).toEqual(JSON.parse(document));

    const dates = await createDatesOf(policyArn);
    const state = await readBoundaryState(target, principal, policyArn);
    expect({ ...state, tags: byKey(state.tags) }).toEqual({
      principal: { ...principal, arn },
      boundaryArn: policyArn,
      tags: byKey([...ownTags, ...applied]),
      policy: {
        arn: policyArn,
        defaultVersionId: 'v1',
        versions: [{ id: 'v1', isDefault: true, createDate: dates.v1, document }],
      },
    });
    // The account's authorization details show it too (moto's own for roles, the emulator's for users).
    const details = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: [kind === 'role' ? 'Role' : 'User'] }),
    );
    const entries = [...(details.RoleDetailList ?? []), ...(details.UserDetailList ?? [])];
    expect(entries.find((entry) => entry.Arn === arn)?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: policyArn,
    });
  });

  it('replaces a tag of the same key, removes tags by key, and removes the boundary', async () => {
    await tagPrincipal(target, principal, [{ key: 'iamtrail:coverage-percent', value: '40' }]);
    expect(await tagsOf(principal)).toContainEqual({ key: 'iamtrail:coverage-percent', value: '40' });
    await untagPrincipal(
      target,
      principal,
      applied.map((tag) => tag.key),
    );
    expect(await tagsOf(principal)).toEqual(ownTags);

    await deletePermissionsBoundary(target, principal);
    expect(await boundaryOf(principal)).toBeUndefined();
    expect((await readBoundaryState(target, principal)).boundaryArn).toBeNull();
  });

  it('names the missing principal when it does not exist (NoSuchEntity)', async () => {
    const ghost: BoundaryPrincipal = { kind, name: `ghost-${kind}` };
    for (const call of [
      () => readBoundaryState(target, ghost),
      () => putPermissionsBoundary(target, ghost, policyArn),
      () => deletePermissionsBoundary(target, ghost),
      () => tagPrincipal(target, ghost, applied),
    ]) {
      const failure = await call().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(EngineError);
      expect((failure as Error).message).toContain(`${kind} "ghost-${kind}" in moto (${ACCOUNT})`);
      expect((failure as Error).message).toContain('NoSuchEntity');
      expect(isNoSuchEntity(failure)).toBe(true);
    }
  });
});

describe('a boundary that is not a policy ARN', () => {
  it.each(['role', 'user'] as const)('is refused by IAM for a %s (InvalidParameterValue)', async (kind) => {
    const principal: BoundaryPrincipal = { kind, name: `bad-arn-${kind}` };
    await createPrincipal(principal);
    await expect(putPermissionsBoundary(target, principal, 'arn:aws:s3:::not-a-policy')).rejects.toThrow(
      /InvalidParameterValue/,
    );
    expect(await boundaryOf(principal)).toBeUndefined();
  });
});

describe('policy versions within IAM limit of five', () => {
  const documents = [1, 2, 3, 4, 5].map((n) => boundaryDocument(`s3:GetObjectVersion${n}`));
  const sixth = boundaryDocument('s3:GetObject', 's3:PutObject');

  it('adds a version below the limit without deleting any', async () => {
    const arn = await policyWithVersions('iamtrail-boundary-three', documents.slice(0, 3), 0);
    expect(await addBoundaryPolicyVersion(target, arn, sixth)).toEqual({
      policyArn: arn,
      versionId: 'v4',
      deleted: null,
    });
    expect(await versionsOf(arn)).toEqual([
      { id: 'v1', isDefault: false },
      { id: 'v2', isDefault: false },
      { id: 'v3', isDefault: false },
      { id: 'v4', isDefault: true },
    ]);
  });

  it('deletes the oldest version when it is not the default, and makes the new one the default', async () => {
    const arn = await policyWithVersions('iamtrail-boundary-rotate', documents, 4);
    const dates = await createDatesOf(arn);
    const written = await addBoundaryPolicyVersion(target, arn, sixth);
    expect(written).toEqual({
      policyArn: arn,
      versionId: 'v6',
      deleted: {
        id: 'v1',
        isDefault: false,
        createDate: dates.v1,
        document: documents[0],
      },
    });
    expect(await versionsOf(arn)).toEqual([
      { id: 'v2', isDefault: false },
      { id: 'v3', isDefault: false },
      { id: 'v4', isDefault: false },
      { id: 'v5', isDefault: false },
      { id: 'v6', isDefault: true },
    ]);
    expect(await documentOf(arn, 'v6')).toEqual(JSON.parse(sixth));
  });

  it('never deletes the default: with the oldest version the default, the next oldest goes', async () => {
    const arn = await policyWithVersions('iamtrail-boundary-keep-default', documents, 0);
    const written = await addBoundaryPolicyVersion(target, arn, sixth, false);
    expect(written.deleted?.id).toBe('v2');
    expect(written.deleted?.document).toBe(documents[1]);
    expect(await versionsOf(arn)).toEqual([
      { id: 'v1', isDefault: true },
      { id: 'v3', isDefault: false },
      { id: 'v4', isDefault: false },
      { id: 'v5', isDefault: false },
      { id: 'v6', isDefault: false },
    ]);
  });

  it('sets a version as the default (as a rollback restores the previous one) and reads every version', async () => {
    const arn = await policyWithVersions('iamtrail-boundary-restore', documents.slice(0, 2), 1);
    await setDefaultPolicyVersion(target, arn, 'v1');
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId).toBe('v1');

    const principal: BoundaryPrincipal = { kind: 'role', name: 'restored' };
    await createPrincipal(principal);
    const dates = await createDatesOf(arn);
    const state = await readBoundaryState(target, principal, arn);
    expect(state.policy).toEqual({
      arn,
      defaultVersionId: 'v1',
      versions: [
        { id: 'v1', isDefault: true, createDate: dates.v1, document: documents[0] },
        { id: 'v2', isDefault: false, createDate: dates.v2, document: documents[1] },
      ],
    });
  });
});

describe("tags within IAM's limits, refused before any change", () => {
  const many = (count: number, prefix: string): PrincipalTag[] =>
    Array.from({ length: count }, (_, index) => ({ key: `${prefix}${index}`, value: `v${index}` }));

  it('refuses a 51st tag after reading the 48 there, without tagging; replacing keys counts once', async () => {
    const principal: BoundaryPrincipal = { kind: 'role', name: 'crowded' };
    const existing = many(48, 'owner-');
    await createPrincipal(principal, existing);
    const three = many(3, 'iamtrail:t');

    let failure: unknown;
    const calls = await callsDuring(async () => {
      failure = await tagPrincipal(target, principal, three).catch((error: unknown) => error);
    });
    expect(failure).toBeInstanceOf(InputDataError);
    expect((failure as Error).message).toBe(
      `cannot tag role "crowded" in moto (${ACCOUNT}): 51 tags once added (48 kept of 48 existing, 3 added); IAM allows 50`,
    );
    expect(calls).toEqual({ 'iam:ListRoleTags': 1 });
    expect(await tagsOf(principal)).toEqual(byKey(existing));

    // Two new keys and one existing key make 50 (IAM also matches a key in another case, which
    // moto does not: tagLimitViolations' unit test covers that).
    const fits = [...many(2, 'iamtrail:t'), { key: 'owner-0', value: 'replaced' }];
    await tagPrincipal(target, principal, fits);
    expect(await tagsOf(principal)).toEqual(byKey([...existing.slice(1), ...fits]));
  });

  it.each([
    [
      'a value of 257 characters',
      [{ key: 'iamtrail:unused', value: 'x'.repeat(257) }],
      /has 257 characters \(IAM allows 256\)/,
    ],
    [
      'a key of 129 characters',
      [{ key: 'k'.repeat(129), value: 'v' }],
      /has 129 characters \(IAM allows 128\)/,
    ],
    [
      'a value with a comma',
      [{ key: 'iamtrail:granted', value: 's3, ec2' }],
      /has a character IAM does not allow/,
    ],
    ['a reserved aws: key', [{ key: 'aws:owner', value: 'me' }], /reserves/],
  ])('refuses %s before any call', async (_, tags, message) => {
    const principal: BoundaryPrincipal = { kind: 'user', name: 'plain' };
    let failure: unknown;
    const calls = await callsDuring(async () => {
      failure = await tagPrincipal(target, principal, tags).catch((error: unknown) => error);
    });
    expect(failure).toBeInstanceOf(InputDataError);
    expect((failure as Error).message).toMatch(/^cannot tag user "plain" in moto \(123456789012\): /);
    expect((failure as Error).message).toMatch(message);
    expect(calls).toEqual({});
  });

  it('refuses more than 50 keys to remove before any call', async () => {
    let failure: unknown;
    const calls = await callsDuring(async () => {
      failure = await untagPrincipal(
        target,
        { kind: 'role', name: 'crowded' },
        many(51, 'k').map((tag) => tag.key),
      ).catch((error: unknown) => error);
    });
    expect(failure).toBeInstanceOf(InputDataError);
    expect((failure as Error).message).toContain('51 keys to remove; IAM takes 50 at a time');
    expect(calls).toEqual({});
  });
});

describe('removing a boundary policy apply created (rollback)', () => {
  it('leaves whole a policy still attached to a role (checked before any version is deleted), deletes it once unused', async () => {
    const arn = await policyWithVersions(
      'iamtrail-boundary-removed',
      [boundaryDocument('s3:GetObject'), boundaryDocument('s3:PutObject'), boundaryDocument('s3:ListBucket')],
      2,
    );
    const role: BoundaryPrincipal = { kind: 'role', name: 'removed-role' };
    await createPrincipal(role);
    await putPermissionsBoundary(target, role, arn);
    await deletePermissionsBoundary(target, role);
    // Someone attached it to a role as a permissions policy: in use, nothing deleted.
    await iam.send(new AttachRolePolicyCommand({ RoleName: role.name, PolicyArn: arn }));
    let left: string[] = [];
    const refused = await callsDuring(async () => {
      left = await deleteBoundaryPolicyIfUnused(target, arn);
    });
    expect(left).toEqual([`role/${role.name}`]);
    expect(refused).toEqual({ 'iam:ListEntitiesForPolicy': 1 });
    expect((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions).toHaveLength(3);
    await iam.send(new DetachRolePolicyCommand({ RoleName: role.name, PolicyArn: arn }));
    const calls = await callsDuring(async () => {
      left = await deleteBoundaryPolicyIfUnused(target, arn);
    });
    expect(left).toEqual([]);
    // Checked unused, then the two versions that are not the default, one by one, then the policy with its default.
    expect(calls).toEqual({
      'iam:ListEntitiesForPolicy': 1,
      'iam:GetPolicy': 1,
      'iam:ListPolicyVersions': 1,
      'iam:DeletePolicyVersion': 2,
      'iam:DeletePolicy': 1,
    });
    await expect(iam.send(new GetPolicyCommand({ PolicyArn: arn }))).rejects.toThrow();
  });
});

describe('iamtrail permissions', () => {
  // Last in the file: by now the adapter has made every kind of call it makes.
  it('allows exactly the IAM calls the adapter made above, in the three boundary statements', () => {
    const policy = buildIamtrailPolicy(undefined);
    const allowed = policy.Statement.filter((statement) =>
      ['ManageBoundaryPolicies', 'SetPrincipalBoundariesAndTags', 'TagPrincipalsWithIamtrailKeys'].includes(
        statement.Sid,
      ),
    ).flatMap((statement) => statement.Action);
    // Exactly: every call made is allowed, and nothing is allowed that no call needs.
    expect(Object.keys(counts.toRecord())).toEqual([...allowed].sort());
  });
});
