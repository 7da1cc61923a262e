import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPolicyVersionsCommand,
  ListRoleTagsCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';

import {
  addBoundaryPolicyVersion,
  createBoundaryPolicy,
  deleteBoundaryPolicyIfUnused,
  isNoSuchEntity,
  PolicyVersionLostError,
  tagPrincipal,
} from '../../../src/aws/permission-boundaries.js';
import { EngineError, InputDataError } from '../../../src/errors.js';

/*
 * The adapter's failure paths the emulator cannot produce (AccessDenied, a version that became the
 * default between listing and deleting, an answer without the field it needs), with IAM's answers
 * scripted by aws-sdk-client-mock (the SDK's send, nothing of ours).
 */

const ACCOUNT_LABEL = 'prod (111122223333)';
const POLICY = 'arn:aws:iam::111122223333:policy/iamtrail-boundary-worker';

function scripted() {
  const client = new IAMClient({ region: 'us-east-1', maxAttempts: 1 });
  return { target: { client, accountLabel: ACCOUNT_LABEL }, mock: mockClient(client) };
}

/** An SDK-shaped service error: name, message, HTTP status and fault as the SDK sets them. */
function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('the permission-boundary adapter (failure paths with aws-sdk-client-mock)', () => {
  it('wraps AccessDenied on TagRole once, naming the role and the account, with the permissions hint', async () => {
    const { target, mock } = scripted();
    mock.on(ListRoleTagsCommand).resolves({ Tags: [], IsTruncated: false });
    const denied = awsError(
      'AccessDenied',
      'User: arn:aws:iam::111122223333:user/ci is not authorized to perform: iam:TagRole',
      403,
    );
    mock.on(TagRoleCommand).rejects(denied);
    const failure = await failureOf(
      tagPrincipal(target, { kind: 'role', name: 'worker' }, [{ key: 'iamtrail:window', value: '90d' }]),
    );
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).message).toBe(
      `IAM TagRole for role "worker" in ${ACCOUNT_LABEL} failed: AccessDenied: ${denied.message}`,
    );
    expect((failure as EngineError).suggestions).toEqual([
      'Run `iamtrail permissions` for the IAM policy iamtrail needs',
    ]);
    expect((failure as EngineError).cause).toBe(denied);
    expect(isNoSuchEntity(failure)).toBe(false);
  });

  it('creates no version when deleting the oldest fails (it became the default meanwhile)', async () => {
    const { target, mock } = scripted();
    mock.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY, DefaultVersionId: 'v5' } });
    mock.on(ListPolicyVersionsCommand).resolves({
      Versions: ['v1', 'v2', 'v3', 'v4', 'v5'].map((id) => ({
        VersionId: id,
        IsDefaultVersion: id === 'v5',
      })),
      IsTruncated: false,
    });
    mock.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: '{}', VersionId: 'v1' } });
    mock
      .on(DeletePolicyVersionCommand)
      .rejects(awsError('DeleteConflict', 'Cannot delete the default version of a policy.', 409));
    const failure = await failureOf(addBoundaryPolicyVersion(target, POLICY, '{"Version":"2012-10-17"}'));
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as Error).message).toBe(
      `IAM DeletePolicyVersion v1 of policy ${POLICY} in ${ACCOUNT_LABEL} failed: DeleteConflict: Cannot delete the default version of a policy.`,
    );
    expect(mock.commandCalls(DeletePolicyVersionCommand).map((call) => call.args[0].input)).toEqual([
      { PolicyArn: POLICY, VersionId: 'v1' },
    ]);
    expect(mock.commandCalls(CreatePolicyVersionCommand)).toHaveLength(0);
  });

  it('trusts GetPolicy over the IsDefaultVersion flags: the version it names is never deleted', async () => {
    const { target, mock } = scripted();
    // No version flagged as the default; GetPolicy says v1 is.
    mock.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY, DefaultVersionId: 'v1' } });
    mock.on(ListPolicyVersionsCommand).resolves({
      Versions: ['v1', 'v2', 'v3', 'v4', 'v5'].map((id) => ({ VersionId: id, IsDefaultVersion: false })),
      IsTruncated: false,
    });
    mock.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: '%7B%7D', VersionId: 'v2' } });
    mock.on(DeletePolicyVersionCommand).resolves({});
    mock
      .on(CreatePolicyVersionCommand)
      .resolves({ PolicyVersion: { VersionId: 'v6', IsDefaultVersion: true } });
    const written = await addBoundaryPolicyVersion(target, POLICY, '{}');
    expect(written).toEqual({
      policyArn: POLICY,
      versionId: 'v6',
      deleted: { id: 'v2', isDefault: false, createDate: '', document: '{}' },
    });
  });

  it('keeps the deleted version in the error when CreatePolicyVersion fails after making room', async () => {
    const { target, mock } = scripted();
    mock.on(GetPolicyCommand).resolves({ Policy: { Arn: POLICY, DefaultVersionId: 'v5' } });
    mock.on(ListPolicyVersionsCommand).resolves({
      Versions: ['v1', 'v2', 'v3', 'v4', 'v5'].map((id) => ({
        VersionId: id,
        IsDefaultVersion: id === 'v5',
      })),
      IsTruncated: false,
    });
    const oldDocument = '{"Version":"2012-10-17","Statement":[]}';
    mock
      .on(GetPolicyVersionCommand)
      .resolves({ PolicyVersion: { Document: encodeURIComponent(oldDocument), VersionId: 'v1' } });
    mock.on(DeletePolicyVersionCommand).resolves({});
    mock.on(CreatePolicyVersionCommand).rejects(awsError('ServiceFailure', 'internal error', 500));
    const failure = await failureOf(addBoundaryPolicyVersion(target, POLICY, '{}'));
    expect(failure).toBeInstanceOf(PolicyVersionLostError);
    expect((failure as PolicyVersionLostError).deleted).toMatchObject({ id: 'v1', document: oldDocument });
    expect((failure as Error).message).toContain('version v1, deleted to make room, is gone');
  });

  it('refuses a document over the managed-policy limit before deleting anything', async () => {
    const { target, mock } = scripted();
    // 6,145 characters once whitespace is removed: one over IAM's limit.
    const document = JSON.stringify({ Sid: 'x'.repeat(6145 - '{"Sid":""}'.length) }, null, 2);
    const failure = await failureOf(addBoundaryPolicyVersion(target, POLICY, document));
    expect(failure).toBeInstanceOf(InputDataError);
    expect((failure as Error).message).toContain('6145 characters (whitespace excluded); IAM allows 6144');
    expect(mock.calls()).toHaveLength(0);
  });

  it('names the policy when it does not exist, and creates nothing', async () => {
    const { target, mock } = scripted();
    mock.on(GetPolicyCommand).rejects(awsError('NoSuchEntity', `Policy ${POLICY} was not found.`, 404));
    const failure = await failureOf(addBoundaryPolicyVersion(target, POLICY, '{}'));
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as Error).message).toContain(`policy ${POLICY} in ${ACCOUNT_LABEL}`);
    expect((failure as Error).message).toContain('NoSuchEntity');
    expect(isNoSuchEntity(failure)).toBe(true);
    expect(mock.commandCalls(CreatePolicyVersionCommand)).toHaveLength(0);
  });

  it('fails plainly when CreatePolicy answers without the policy', async () => {
    const { target, mock } = scripted();
    mock.on(CreatePolicyCommand).resolves({});
    await expect(
      createBoundaryPolicy(target, { name: 'iamtrail-boundary-worker', document: '{}' }),
    ).rejects.toThrow(
      `IAM CreatePolicy iamtrail-boundary-worker in ${ACCOUNT_LABEL} failed: Error: no policy ARN in the answer`,
    );
  });

  it('deletes no version of a policy a role uses as boundary: ListEntitiesForPolicy asked without filter, first', async () => {
    const { target, mock } = scripted();
    // moto cannot list boundary users; IAM lists them when no PolicyUsageFilter narrows the answer.
    mock
      .on(ListEntitiesForPolicyCommand)
      .resolves({ PolicyRoles: [{ RoleName: 'other' }], IsTruncated: false });
    expect(await deleteBoundaryPolicyIfUnused(target, POLICY)).toEqual(['role/other']);
    expect(mock.commandCalls(ListEntitiesForPolicyCommand)[0]?.args[0].input).toEqual({ PolicyArn: POLICY });
    expect(mock.commandCalls(DeletePolicyVersionCommand)).toHaveLength(0);
    expect(mock.commandCalls(ListPolicyVersionsCommand)).toHaveLength(0);
  });
});
