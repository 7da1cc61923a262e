import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseAuthorizationDetails } from '../../../src/iam/authorization-details.js';
import {
  describeGrantingPolicy,
  grantingPoliciesOf,
  toGrantingPolicies,
} from '../../../src/iam/granted-by.js';
import type { GrantingPolicy } from '../../../src/iam/granted-by.js';
import { grantsOf } from '../../helpers/iam.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// The demo organisation's IAM data (examples/demo/iam/demo.json): alice is in group developers
// (inline sts-identity, managed DeveloperAccess, which denies s3:DeleteBucket) and has the inline
// assume-admin; charlie's inline ops grants iam:PassRole, but his boundary DeveloperBoundary does
// not allow it; role admin has the AWS-managed AdministratorAccess.
const demo = parseAuthorizationDetails([
  JSON.parse(readFileSync(join(REPO_ROOT, 'examples/demo/iam/demo.json'), 'utf8')) as unknown,
]);
const DEVELOPER_ACCESS = 'arn:aws:iam::111111111111:policy/DeveloperAccess';

function grantedBy(
  type: 'user' | 'role',
  name: string,
  action: string,
  role?: string,
): GrantingPolicy[] | undefined {
  const grant = grantsOf(demo, type, name).actions.find((entry) => entry.action === action);
  return grant === undefined ? undefined : toGrantingPolicies(grant, role === undefined ? {} : { role });
}

describe('which policies grant an action', () => {
  it.each([
    {
      name: "a group's managed policy, once though two of its statements grant it",
      principal: ['user', 'alice', 's3:ListAllMyBuckets'],
      expected: [{ policy: DEVELOPER_ACCESS, type: 'group-managed', via: 'developers' }],
    },
    {
      name: "a group's inline policy",
      principal: ['user', 'alice', 'sts:GetCallerIdentity'],
      expected: [{ policy: 'sts-identity', type: 'group-inline', via: 'developers' }],
    },
    {
      name: "the user's own inline policy",
      principal: ['user', 'alice', 'sts:AssumeRole'],
      expected: [{ policy: 'assume-admin', type: 'inline', via: null }],
    },
    {
      name: 'an AWS-managed policy of a role',
      principal: ['role', 'admin', 'iam:CreateUser'],
      expected: [{ policy: 'arn:aws:iam::aws:policy/AdministratorAccess', type: 'aws-managed', via: null }],
    },
    {
      name: 'inside the boundary',
      principal: ['user', 'charlie', 'ec2:DescribeInstances'],
      expected: [{ policy: 'ops', type: 'inline', via: null }],
    },
    // Granted by an Allow but taken away: no grant, so nothing to name.
    {
      name: 'denied by an unconditional Deny',
      principal: ['user', 'alice', 's3:DeleteBucket'],
      expected: undefined,
    },
    { name: 'outside the boundary', principal: ['user', 'charlie', 'iam:PassRole'], expected: undefined },
  ] as const)('$name', ({ principal: [type, name, action], expected }) => {
    expect(grantedBy(type, name, action)).toEqual(expected);
  });

  it('names the destination role as via with --destrole', () => {
    expect(grantedBy('role', 'readonly', 's3:ListAllMyBuckets', 'readonly')).toEqual([
      { policy: 'arn:aws:iam::111111111111:policy/DemoReadOnly', type: 'managed', via: 'readonly' },
    ]);
  });

  it('lists every granting policy, a group-attached AWS-managed one included', () => {
    const details = parseAuthorizationDetails([
      {
        UserDetailList: [
          {
            UserName: 'u',
            Arn: 'arn:aws:iam::111111111111:user/u',
            GroupList: ['ops'],
            UserPolicyList: [
              {
                PolicyName: 'mine',
                PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
              },
            ],
          },
        ],
        GroupDetailList: [
          {
            GroupName: 'ops',
            Arn: 'arn:aws:iam::111111111111:group/ops',
            AttachedManagedPolicies: [
              {
                PolicyName: 'AmazonS3ReadOnlyAccess',
                PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
              },
            ],
          },
        ],
        Policies: [
          {
            PolicyName: 'AmazonS3ReadOnlyAccess',
            Arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
            DefaultVersionId: 'v1',
            PolicyVersionList: [
              {
                VersionId: 'v1',
                IsDefaultVersion: true,
                Document: {
                  Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }],
                },
              },
            ],
          },
        ],
      },
    ]);
    const grant = grantsOf(details, 'user', 'u').actions.find((entry) => entry.action === 's3:GetObject');
    const policies = toGrantingPolicies(grant ?? { sources: [] });
    expect(policies).toEqual([
      { policy: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', type: 'group-aws-managed', via: 'ops' },
      { policy: 'mine', type: 'inline', via: null },
    ]);
    expect(policies.map((policy) => describeGrantingPolicy(policy))).toEqual([
      'AmazonS3ReadOnlyAccess (group-aws-managed via ops)',
      'mine (inline)',
    ]);
    const [awsManaged] = policies;
    if (awsManaged === undefined) throw new Error('no granting policy');
    expect(describeGrantingPolicy(awsManaged, { full: true })).toBe(
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess (group-aws-managed via ops)',
    );
  });
});

describe('the granting policies of one principal, one statement at a time', () => {
  // alice (see above): her grants share their statements' sources, one of them for many actions.
  const alice = grantsOf(demo, 'user', 'alice');

  it('gives every grant the policies toGrantingPolicies gives it alone, for the principal or via a role', () => {
    // A user two of whose inline policies grant s3:GetObject, beside the demo's principals.
    const twice = parseAuthorizationDetails([
      {
        UserDetailList: [
          {
            UserName: 'twice',
            Arn: 'arn:aws:iam::111111111111:user/twice',
            Path: '/',
            UserPolicyList: ['mine', 'also'].map((name) => ({
              PolicyName: name,
              PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] },
            })),
          },
        ],
      },
    ]);
    const counts = new Set<number>();
    const principals = [
      ...[...demo.users, ...demo.roles].map((principal) => ({ details: demo, principal })),
      ...twice.users.map((principal) => ({ details: twice, principal })),
    ];
    for (const { details, principal } of principals) {
      const grants = grantsOf(details, principal.type, principal.name).actions;
      for (const options of [{}, { role: 'admin' }]) {
        const policiesOf = grantingPoliciesOf(options);
        // One comparison of every grant's policies, each named by its action (an expect per grant
        // took seconds).
        const alone = grants.map((grant) => [grant.action, toGrantingPolicies(grant, options)] as const);
        expect(grants.map((grant) => [grant.action, policiesOf(grant)])).toEqual(alone);
        for (const [, policies] of alone) counts.add(policies.length);
      }
    }
    // Grants of one policy and of two were among them.
    expect([...counts].sort()).toEqual([1, 2]);
  });

  it('names each policy once though several of its statements grant the action, and none without a source', () => {
    const policiesOf = grantingPoliciesOf();
    const listed = alice.actions.find((grant) => grant.action === 's3:ListAllMyBuckets');
    expect(listed?.sources.length).toBeGreaterThan(1);
    expect(policiesOf(listed ?? { sources: [] })).toEqual([
      { policy: DEVELOPER_ACCESS, type: 'group-managed', via: 'developers' },
    ]);
    expect(policiesOf({ sources: [] })).toEqual([]);
  });
});
