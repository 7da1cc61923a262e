import { describe, expect, it } from 'vitest';

import { readAuthorizationDetailsFile } from '../../../src/cli/iam-file.js';
import type { AuthorizationDetails, IamPrincipal, IamUser } from '../../../src/iam/authorization-details.js';
import type { ContextEntry, EvaluationResult } from '../../../src/iam/policy-evaluation.js';
import { compilePolicies } from '../../../src/iam/policy-evaluator.js';
import { principalPolicies } from '../../../src/iam/principal-policies.js';
import { DATASETS_DIR, hasDatasets } from '../../helpers/paths.js';

/*
 * The real dump of ../shared/datasets/cloudsplaining-iam-vulnerable-authz (account 200611803367,
 * BishopFox iam-vulnerable). Each expected decision below was derived by reading the principal's
 * policy text in the dump by hand; the policy text is quoted next to the cases.
 */
const ACCOUNT = '200611803367';
const MFA: ContextEntry[] = [{ key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' }];

describe.skipIf(!hasDatasets())('the evaluator on the cloudsplaining dump', () => {
  const details = hasDatasets()
    ? readAuthorizationDetailsFile(`${DATASETS_DIR}/cloudsplaining-iam-vulnerable-authz/example.json.gz`)
    : undefined;
  const principal = (type: 'user' | 'role', name: string): IamPrincipal => {
    const list: readonly IamPrincipal[] = type === 'user' ? (details?.users ?? []) : (details?.roles ?? []);
    const found = list.find((candidate) => candidate.name === name);
    if (found === undefined) throw new Error(`no ${type} ${name} in the dump`);
    return found;
  };
  const decide = (
    who: IamPrincipal,
    action: string,
    resource = '*',
    context: readonly ContextEntry[] = MFA,
    data: AuthorizationDetails | undefined = details,
  ): EvaluationResult => {
    if (data === undefined) throw new Error('no data');
    const { policies } = principalPolicies(data, who, ACCOUNT, undefined);
    return compilePolicies(policies)({ action, resource, context });
  };

  // fn4-exploitableNotAction: Allow NotAction ["iam:Update*", "iam:Create*", "iam:Attach*"] on "*"
  it('fn4-exploitableNotAction-user: NotAction allows everything but iam:Update*/Create*/Attach*', () => {
    const user = principal('user', 'fn4-exploitableNotAction-user');
    expect(decide(user, 'iam:PutUserPolicy').decision).toBe('allowed');
    expect(decide(user, 's3:GetObject', 'arn:aws:s3:::any-bucket/key').decision).toBe('allowed');
    expect(decide(user, 'iam:CreatePolicyVersion').decision).toBe('implicitDeny');
    expect(decide(user, 'iam:AttachUserPolicy').decision).toBe('implicitDeny');
    expect(decide(user, 'IAM:updateloginprofile').decision).toBe('implicitDeny');
  });

  // fp1-allow-and-deny: Allow iam:* on "*", Deny iam:* on "*" (one policy)
  it('fp1-allow-and-deny-user: the Deny of the same policy wins; other services are not allowed', () => {
    const user = principal('user', 'fp1-allow-and-deny-user');
    const result = decide(user, 'iam:CreateUser');
    expect(result.decision).toBe('explicitDeny');
    expect(result.deciding.map((d) => [d.policy.policy, d.statement, d.effect])).toEqual([
      ['fp1-allow-and-deny', 1, 'Deny'],
    ]);
    expect(decide(user, 'ec2:RunInstances').decision).toBe('implicitDeny');
  });

  // fp2: deny-all (Deny * on *) and fp2-allow-all (Allow * on *) attached together
  it('fp2-allow-and-deny-multiple-policies-role: a Deny * in one policy beats an Allow * in another', () => {
    const role = principal('role', 'fp2-allow-and-deny-multiple-policies-role');
    const result = decide(role, 'sts:GetCallerIdentity');
    expect(result.decision).toBe('explicitDeny');
    expect(result.deciding.map((d) => d.policy.policy)).toEqual(['deny-all']);
  });

  // fp3-deny-iam: only Deny iam:* on "*"
  it('fp3-deny-iam-user: IAM is denied explicitly, everything else implicitly', () => {
    const user = principal('user', 'fp3-deny-iam-user');
    expect(decide(user, 'iam:PassRole').decision).toBe('explicitDeny');
    expect(decide(user, 's3:ListAllMyBuckets')).toMatchObject({
      decision: 'implicitDeny',
      noAllowIn: 'identity',
    });
  });

  // fn3: Allow iam:CreatePolicyVersion on * if DateGreaterThan aws:TokenIssueTime 2020-01-01T00:00:01Z
  // fp5: the same with DateLessThan
  it('fn3 / fp5 condition constraints on aws:TokenIssueTime: inconclusive without it, decided with it', () => {
    const fn3 = principal('user', 'fn3-exploitableConditionConstraint-user');
    expect(decide(fn3, 'iam:CreatePolicyVersion')).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['aws:TokenIssueTime'],
    });
    const issued: ContextEntry[] = [
      ...MFA,
      { key: 'aws:TokenIssueTime', values: ['2023-06-01T10:00:00Z'], type: 'date' },
    ];
    expect(decide(fn3, 'iam:CreatePolicyVersion', '*', issued).decision).toBe('allowed');
    const fp5 = principal('user', 'fp5-nonExploitableConditionConstraint-user');
    expect(decide(fp5, 'iam:CreatePolicyVersion', '*', issued).decision).toBe('implicitDeny');
  });

  // privesc-sre-user has no policy of its own; its group privesc-sre-group has the managed
  // privesc-sre-admin-policy: Allow ["iam:*", "ec2:*", "s3:*"] on "*"
  it('privesc-sre-user: allowed through its group, and the decision names the group policy', () => {
    const user = principal('user', 'privesc-sre-user');
    const result = decide(user, 'iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/someone`);
    expect(result.decision).toBe('allowed');
    expect(result.deciding.map((d) => d.policy)).toEqual([
      {
        kind: 'group-managed',
        policy: 'privesc-sre-admin-policy',
        policyArn: `arn:aws:iam::${ACCOUNT}:policy/privesc-sre-admin-policy`,
        group: 'privesc-sre-group',
      },
    ]);
    expect(decide(user, 'lambda:InvokeFunction').decision).toBe('implicitDeny');
  });

  // The dump has no permissions boundary; this sets privesc-sre-admin-policy (iam, ec2, s3) as the
  // boundary of fn4-exploitableNotAction-user, whose NotAction policy allows lambda:InvokeFunction.
  it('a boundary from the dump blocks what the identity policy allows outside it', () => {
    if (details === undefined) throw new Error('no data');
    const user = principal('user', 'fn4-exploitableNotAction-user');
    if (user.type !== 'user') throw new Error('not a user');
    const bounded: IamUser = {
      ...user,
      permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/privesc-sre-admin-policy`,
    };
    const data = { ...details, users: details.users.map((u) => (u === user ? bounded : u)) };
    expect(decide(bounded, 'lambda:InvokeFunction', '*', MFA, data)).toMatchObject({
      decision: 'implicitDeny',
      noAllowIn: 'boundary',
    });
    expect(decide(bounded, 's3:GetObject', 'arn:aws:s3:::b/k', MFA, data).decision).toBe('allowed');
    // iam:CreateUser: the boundary allows iam:*, the identity NotAction excludes iam:Create*
    expect(decide(bounded, 'iam:CreateUser', '*', MFA, data)).toMatchObject({
      decision: 'implicitDeny',
      noAllowIn: 'identity',
    });
  });
});
