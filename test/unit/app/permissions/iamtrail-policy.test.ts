import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildIamtrailPolicy } from '../../../../src/app/permissions/iamtrail-policy.js';
import { compilePolicies } from '../../../../src/iam/policy-evaluator.js';
import { inlinePolicy, testPolicies, testRole } from '../../../helpers/evaluation.js';
import { REPO_ROOT } from '../../../helpers/paths.js';

describe("the README's IAM permissions", () => {
  it('show the policy `iamtrail permissions` prints without a config', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## IAM permissions'));
    const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block ?? '')).toEqual(buildIamtrailPolicy(undefined));
  });
});

describe('the policy for advisor collect', () => {
  it('allows the Access Advisor jobs, the listings, ListAccounts, and assuming advisor.role in any account', () => {
    const policy = buildIamtrailPolicy({
      athena: undefined,
      accounts: [{ role: 'arn:aws:iam::333333333333:role/reader' }],
      advisor: { role: 'iamtrail-advisor' },
    });
    const statement = (sid: string) => policy.Statement.find((entry) => entry.Sid === sid);
    expect(statement('CollectAccessAdvisor')?.Action).toEqual([
      'iam:GenerateServiceLastAccessedDetails',
      'iam:GetServiceLastAccessedDetails',
      'iam:ListRoles',
      'iam:ListUsers',
      'iam:ListGroups',
      'iam:ListPolicies',
    ]);
    expect(statement('ListTheOrganizationsAccounts')?.Action).toEqual(['organizations:ListAccounts']);
    expect(statement('AssumeTheAccountsReadRoles')?.Resource).toEqual([
      'arn:aws:iam::333333333333:role/reader',
      'arn:aws:iam::*:role/iamtrail-advisor',
    ]);
  });
});

describe('the policy for audit', () => {
  it('allows the credential report, key and MFA listings, and assuming audit.role in any account', () => {
    const policy = buildIamtrailPolicy({
      athena: undefined,
      accounts: [],
      audit: { role: 'iamtrail-audit' },
    });
    const statement = (sid: string) => policy.Statement.find((entry) => entry.Sid === sid);
    expect(statement('AuditCredentials')?.Action).toEqual([
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport',
      'iam:ListAccessKeys',
      'iam:ListMFADevices',
      'iam:ListVirtualMFADevices',
    ]);
    expect(statement('AssumeTheAccountsReadRoles')?.Resource).toEqual(['arn:aws:iam::*:role/iamtrail-audit']);
  });
});

describe('the policy for boundary apply and rollback', () => {
  it("changes only iamtrail's own boundary policies, and the boundaries and tags of roles and users", () => {
    const policy = buildIamtrailPolicy(undefined);
    const statement = (sid: string) => policy.Statement.find((entry) => entry.Sid === sid);
    expect(statement('ManageBoundaryPolicies')?.Resource).toBe('arn:aws:iam::*:policy/iamtrail-boundary-*');
    expect(statement('ManageBoundaryPolicies')?.Action).toEqual([
      'iam:CreatePolicy',
      'iam:GetPolicy',
      'iam:ListPolicyVersions',
      'iam:GetPolicyVersion',
      'iam:CreatePolicyVersion',
      'iam:DeletePolicyVersion',
      'iam:SetDefaultPolicyVersion',
      // rollback of an apply that created the policy: removed when no principal uses it as boundary.
      'iam:ListEntitiesForPolicy',
      'iam:DeletePolicy',
    ]);
    expect(statement('SetPrincipalBoundariesAndTags')?.Resource).toEqual([
      'arn:aws:iam::*:role/*',
      'arn:aws:iam::*:user/*',
    ]);
    // Tags: only iamtrail's own keys, on roles and users.
    expect(statement('TagPrincipalsWithIamtrailKeys')).toEqual({
      Sid: 'TagPrincipalsWithIamtrailKeys',
      Effect: 'Allow',
      Action: ['iam:TagRole', 'iam:UntagRole', 'iam:TagUser', 'iam:UntagUser'],
      Resource: ['arn:aws:iam::*:role/*', 'arn:aws:iam::*:user/*'],
      Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['iamtrail:*'] } },
    });
    const tagActions = ['iam:TagRole', 'iam:UntagRole', 'iam:TagUser', 'iam:UntagUser'];
    for (const entry of policy.Statement)
      if (entry.Action.some((action) => tagActions.includes(action)))
        expect(entry.Sid).toBe('TagPrincipalsWithIamtrailKeys');
    // No statement grants a policy action on every resource: the boundary policies are the only ones touched.
    const policyActions = [
      'iam:CreatePolicy',
      'iam:CreatePolicyVersion',
      'iam:DeletePolicyVersion',
      'iam:DeletePolicy',
    ];
    for (const entry of policy.Statement)
      if (entry.Action.some((action) => policyActions.includes(action)))
        expect(entry.Sid).toBe('ManageBoundaryPolicies');
  });
});

describe('the policy for test --out s3://…', () => {
  // Judged by the project's own evaluator: the statement must allow exactly the keys test --out
  // writes (<nn>-<name>.json and summary.json under the prefix), and nothing beside the prefix.
  const decide = (testOut: { bucket: string; prefix: string }, key: string) => {
    const policy = buildIamtrailPolicy(undefined, { testOut });
    const statement = policy.Statement.find((entry) => entry.Sid === 'WriteTestResults');
    expect(statement?.Action).toEqual(['s3:PutObject']);
    const evaluator = compilePolicies(
      testPolicies(testRole('ci'), [
        inlinePolicy('iamtrail', { Version: '2012-10-17', Statement: [statement] }),
      ]),
    );
    return evaluator({
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${testOut.bucket}/${key}`,
      context: [],
    }).decision;
  };

  it('allows PutObject under the prefix only', () => {
    const out = { bucket: 'ci-results', prefix: 'iam/tests' };
    expect(decide(out, 'iam/tests/01-no-iam-writes.json')).toBe('allowed');
    expect(decide(out, 'iam/tests/summary.json')).toBe('allowed');
    expect(decide(out, 'iam/tests-other/summary.json')).toBe('implicitDeny');
    expect(decide(out, 'iam/summary.json')).toBe('implicitDeny');
  });

  it('allows the whole bucket when the location names no prefix', () => {
    expect(decide({ bucket: 'ci-results', prefix: '' }, 'summary.json')).toBe('allowed');
  });

  it('matches *, ? and $ in the prefix literally, not as wildcards', () => {
    const out = { bucket: 'ci-results', prefix: 'run*?$' };
    expect(decide(out, 'run*?$/summary.json')).toBe('allowed');
    expect(decide(out, 'run-anything-x$/summary.json')).toBe('implicitDeny');
    expect(decide(out, 'runAB$/summary.json')).toBe('implicitDeny');
  });

  it('is not in the policy without --test-out', () => {
    expect(buildIamtrailPolicy(undefined).Statement.some((entry) => entry.Sid === 'WriteTestResults')).toBe(
      false,
    );
  });
});
