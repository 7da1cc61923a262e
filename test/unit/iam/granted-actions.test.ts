import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadActionData } from '../../../src/cli/action-data.js';
import { parseAuthorizationDetails } from '../../../src/iam/authorization-details.js';
import type { GrantedActions } from '../../../src/iam/granted-actions.js';
import { grantedNames, grantsOf } from '../../helpers/iam.js';
import type { Statement } from '../../helpers/iam.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/authz-cli-shape.json', import.meta.url), 'utf8'),
) as unknown;
const details = parseAuthorizationDetails([fixture]);
const { catalog } = loadActionData();

describe('computeGrantedActions on a user with groups, managed and inline policies', () => {
  const alice = grantsOf(details, 'user', 'alice');
  const byName = new Map(alice.actions.map((a) => [a.action, a]));

  it('unions inline (Statement array), attached managed (default version only) and group policies, minus the group NotAction deny', () => {
    expect(alice.actions.map((a) => a.action)).toEqual([
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetDashboard',
      'ec2:DescribeInstances',
      'ec2:StartInstances',
      's3:GetBucketAcl',
      's3:ListBucket',
      'sts:AssumeRole',
    ]);
  });

  it('takes the version flagged IsDefaultVersion, not the first one', () => {
    expect(byName.has('ec2:RunInstances')).toBe(false);
  });

  it('marks grants limited by resource or condition, and keeps provenance', () => {
    expect(byName.get('sts:AssumeRole')).toEqual({
      action: 'sts:AssumeRole',
      limited: true,
      sources: [{ kind: 'inline', policy: 'alice-inline', statement: 0, limited: true }],
      limitedBy: [],
    });
    expect(byName.get('ec2:StartInstances')?.sources).toEqual([
      {
        kind: 'managed',
        policy: 'ec2-read',
        policyArn: 'arn:aws:iam::111111111111:policy/ec2-read',
        statement: 1,
        limited: true,
      },
    ]);
    expect(byName.get('ec2:DescribeInstances')?.limited).toBe(false);
    expect(byName.get('cloudwatch:GetDashboard')?.sources).toEqual([
      { kind: 'group-inline', policy: 'cw', group: 'auditors', statement: 0, limited: false },
    ]);
  });

  it('subtracts a Deny with NotAction from the group grants, including the NotResource-limited lambda grant', () => {
    expect(byName.has('cloudwatch:DescribeAlarmHistory')).toBe(false);
    expect(byName.has('lambda:InvokeFunction')).toBe(false);
    expect(alice.denied).toContain('cloudwatch:DescribeAlarmHistory');
    expect(alice.denied).toContain('lambda:InvokeFunction');
  });

  it('reports the unknown pattern instead of dropping it', () => {
    expect(alice.unknownPatterns).toEqual([
      {
        kind: 'group-inline',
        policy: 'cw',
        group: 'auditors',
        statement: 0,
        pattern: 'nosuchservice:Do*',
        field: 'Action',
        effect: 'Allow',
        reason: 'unknown-service',
      },
    ]);
    expect(alice.problems).toEqual([]);
  });
});

describe('computeGrantedActions with NotAction and a permissions boundary', () => {
  const bob = grantsOf(details, 'user', 'bob');

  it('intersects the NotAction grant with the boundary, minus the boundary deny', () => {
    // Allow NotAction [iam:*, organizations:*] ∩ boundary {s3:*, iam:GetUser, sqs:SendMessage on one queue} − s3:DeleteBucket.
    const s3 = catalog
      .actionsOf('s3')
      .map((a) => a.name)
      .filter((n) => n !== 's3:DeleteBucket');
    expect(bob.actions.map((a) => a.action)).toEqual(
      [...s3, 'sqs:SendMessage'].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it('marks an action the boundary allows only on some resources as limited', () => {
    const sendMessage = bob.actions.find((a) => a.action === 'sqs:SendMessage');
    expect(sendMessage?.limited).toBe(true);
    expect(sendMessage?.limitedBy).toEqual([
      {
        kind: 'boundary',
        policy: 'boundary',
        policyArn: 'arn:aws:iam::111111111111:policy/boundary',
        statement: 1,
      },
    ]);
  });

  it('lists what the boundary cuts off', () => {
    expect(bob.outsideBoundary).toContain('ec2:RunInstances');
    expect(bob.outsideBoundary).toContain('s3:DeleteBucket');
    expect(bob.outsideBoundary).not.toContain('iam:GetUser');
  });

  it('reports a missing group and a missing managed policy as problems', () => {
    expect(bob.problems).toEqual([
      {
        code: 'missing-group',
        missing: 'group no-such-group',
        message: 'group no-such-group is not in the file; its grants are missing',
      },
      {
        code: 'missing-managed-policy',
        missing: 'arn:aws:iam::111111111111:policy/gone',
        message:
          'managed policy arn:aws:iam::111111111111:policy/gone is attached but not in the file; its grants are missing',
      },
    ]);
  });
});

describe('computeGrantedActions on roles', () => {
  it('expands Action "*" to the whole catalog', () => {
    const admin = grantsOf(details, 'role', 'admin');
    expect(admin.actions).toHaveLength(catalog.actions.length);
    expect(admin.actions.every((a) => !a.limited)).toBe(true);
  });

  it('grants nothing to a role without policies', () => {
    expect(grantsOf(details, 'role', 'AWSServiceRoleForSupport').actions).toEqual([]);
  });
});

describe('statement semantics', () => {
  interface Case {
    name: string;
    input: Record<string, unknown>[][];
    expected: string[];
  }
  const cases: Case[] = [
    {
      name: 'wildcards ignore case',
      input: [[{ Effect: 'Allow', Action: 'IAM:?ETROLE', Resource: '*' }]],
      expected: ['iam:GetRole'],
    },
    {
      name: 'Deny NotAction on * keeps only the NotAction actions',
      input: [
        [
          { Effect: 'Allow', Action: 's3:Get*', Resource: '*' },
          { Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' },
        ],
      ],
      expected: ['s3:GetObject'],
    },
    {
      name: 'a Deny with NotResource removes nothing',
      input: [
        [
          { Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' },
          { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:s3:::x' },
        ],
      ],
      expected: ['sts:GetFederationToken'],
    },
    {
      name: 'a Deny in one policy removes a grant of another policy',
      input: [
        [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' }],
        [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }],
      ],
      expected: ['kms:Encrypt'],
    },
    {
      name: 'an Allow without Resource is kept',
      input: [[{ Effect: 'Allow', Action: 'sqs:ListQueues' }]],
      expected: ['sqs:ListQueues'],
    },
    {
      name: 'Deny * on * leaves nothing',
      input: [
        [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*' },
        ],
      ],
      expected: [],
    },
    ...['arn:*', 'arn:*:*:*:*:*', 'arn:*:*'].map((resource) => ({
      name: `a Deny on Resource ${resource} (every ARN) is unconditional, like *`,
      input: [
        [
          { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' },
          { Effect: 'Deny', Action: 'kms:Decrypt', Resource: resource },
        ],
      ],
      expected: ['kms:Encrypt'],
    })),
    {
      name: 'a Deny on arn:*:*:*:*:*:* (a sixth segment needs a colon in the resource) removes nothing',
      input: [
        [
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
          { Effect: 'Deny', Action: 'kms:Decrypt', Resource: 'arn:*:*:*:*:*:*' },
        ],
      ],
      expected: ['kms:Decrypt'],
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(grantedNames(...input)).toEqual(expected);
  });
});

describe('grants the catalog does not know (unknownGrants)', () => {
  const BOUNDARY_ARN = 'arn:aws:iam::111111111111:policy/corp-boundary';
  /** A role with one inline policy of `statements` and, when given, a boundary of `boundary`'s statements. */
  function grantsWith(statements: Statement[], boundary?: Statement[] | 'missing') {
    const details = parseAuthorizationDetails([
      {
        RoleDetailList: [
          {
            RoleName: 'test_role',
            Arn: 'arn:aws:iam::111111111111:role/test_role',
            Path: '/',
            RolePolicyList: [
              { PolicyName: 'grants', PolicyDocument: { Version: '2012-10-17', Statement: statements } },
            ],
            AttachedManagedPolicies: [],
            ...(boundary === undefined
              ? {}
              : {
                  PermissionsBoundary: {
                    PermissionsBoundaryType: 'Policy',
                    PermissionsBoundaryArn: BOUNDARY_ARN,
                  },
                }),
          },
        ],
        Policies:
          boundary === undefined || boundary === 'missing'
            ? []
            : [
                {
                  PolicyName: 'corp-boundary',
                  Arn: BOUNDARY_ARN,
                  DefaultVersionId: 'v1',
                  PolicyVersionList: [
                    {
                      VersionId: 'v1',
                      IsDefaultVersion: true,
                      Document: { Version: '2012-10-17', Statement: boundary },
                    },
                  ],
                },
              ],
      },
    ]);
    return grantsOf(details, 'role', 'test_role').unknownGrants;
  }
  /** [pattern, field, statements of the role's own policy limiting it, of its boundary]. */
  const summary = (grants: ReturnType<typeof grantsWith>) =>
    grants.map((grant) => [
      grant.pattern,
      grant.field,
      grant.limitedBy.filter((ref) => ref.kind !== 'boundary').map((ref) => ref.statement),
      grant.limitedBy.filter((ref) => ref.kind === 'boundary').map((ref) => ref.statement),
    ]);
  const ALLOW = { Effect: 'Allow', Action: ['s3:GetObject', 'newsvc:*', 's3:FutureAction'], Resource: '*' };
  const AUDIT_DENY = {
    Effect: 'Deny',
    Action: 's3:*',
    Resource: ['arn:aws:s3:::audit-bucket', 'arn:aws:s3:::audit-bucket/*'],
  };
  const cases: {
    name: string;
    statements: Statement[];
    boundary?: Statement[] | 'missing';
    expected: unknown[];
  }[] = [
    {
      name: "an Allow's patterns of a service and of an action the catalog does not know",
      statements: [ALLOW],
      expected: [
        ['newsvc:*', 'Action', [], []],
        ['s3:FutureAction', 'Action', [], []],
      ],
    },
    {
      name: 'an unconditional Deny of the same pattern, or of *, takes it away',
      statements: [ALLOW, { Effect: 'Deny', Action: 'NEWSVC:*', Resource: '*' }],
      expected: [['s3:FutureAction', 'Action', [], []]],
    },
    {
      name: 'an unconditional Deny of *, all of them',
      statements: [ALLOW, { Effect: 'Deny', Action: '*', Resource: '*' }],
      expected: [],
    },
    {
      name: 'a Deny of part of it (newsvc:Delete*) or on some resources limits it',
      statements: [ALLOW, { Effect: 'Deny', Action: 'newsvc:Delete*', Resource: '*' }, AUDIT_DENY],
      expected: [
        ['newsvc:*', 'Action', [1], []],
        ['s3:FutureAction', 'Action', [2], []],
      ],
    },
    {
      name: 'an unconditional Deny NotAction denies every pattern it does not except',
      statements: [ALLOW, { Effect: 'Deny', NotAction: 's3:*', Resource: '*' }],
      expected: [['s3:FutureAction', 'Action', [], []]],
    },
    {
      name: 'a pattern a Deny NotAction excepts, which Allow * grants, is granted',
      statements: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', NotAction: ['s3:*', 'newsvc:*'], Resource: '*' },
      ],
      expected: [['newsvc:*', 'NotAction', [], []]],
    },
    {
      name: 'an Allow NotAction grants none of the patterns it names',
      statements: [{ Effect: 'Allow', NotAction: ['newsvc:*', 's3:FutureAction'], Resource: '*' }],
      expected: [],
    },
    {
      name: 'a malformed pattern grants nothing (IAM would not take it)',
      statements: [{ Effect: 'Allow', Action: ['s3 GetObject'], Resource: '*' }],
      expected: [],
    },
    {
      name: 'a boundary that allows none of a pattern takes it away; one that allows it whole does not limit it',
      statements: [ALLOW],
      boundary: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      expected: [['s3:FutureAction', 'Action', [], []]],
    },
    {
      name: 'a boundary of Allow * and a Deny of s3:* on the audit bucket limits the S3 one only',
      statements: [ALLOW],
      boundary: [{ Effect: 'Allow', Action: '*', Resource: '*' }, AUDIT_DENY],
      expected: [
        ['newsvc:*', 'Action', [], []],
        ['s3:FutureAction', 'Action', [], [1]],
      ],
    },
    {
      name: 'a boundary that allows part of a pattern (newsvc:Get*) limits it',
      statements: [ALLOW],
      boundary: [{ Effect: 'Allow', Action: ['newsvc:Get*', 's3:*'], Resource: '*' }],
      expected: [
        ['newsvc:*', 'Action', [], [0]],
        ['s3:FutureAction', 'Action', [], []],
      ],
    },
    {
      name: 'a boundary missing from the IAM data: the identity policies alone (a problem names it)',
      statements: [ALLOW],
      boundary: 'missing',
      expected: [
        ['newsvc:*', 'Action', [], []],
        ['s3:FutureAction', 'Action', [], []],
      ],
    },
  ];
  it.each(cases)('$name', ({ statements, boundary, expected }) => {
    expect(summary(grantsWith(statements, boundary))).toEqual(expected);
  });

  it('names the reason, and the statements that grant it', () => {
    expect(grantsWith([ALLOW]).map(({ pattern, reason, sources }) => ({ pattern, reason, sources }))).toEqual(
      [
        {
          pattern: 'newsvc:*',
          reason: 'unknown-service',
          sources: [{ kind: 'inline', policy: 'grants', statement: 0 }],
        },
        {
          pattern: 's3:FutureAction',
          reason: 'unknown-action',
          sources: [{ kind: 'inline', policy: 'grants', statement: 0 }],
        },
      ],
    );
  });
});

describe('principals granted by the same policies share their grants, and only they', () => {
  const ACCOUNT = '111111111111';
  const STATEMENTS: Statement[] = [{ Effect: 'Allow', Action: ['s3:Get*', 'ec2:Describe*'], Resource: '*' }];
  const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
  /** A role with one inline policy, and optionally a permissions boundary. */
  const role = (name: string, policyName: string, statements: Statement[], boundary?: string): object => ({
    RoleName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    Path: '/',
    RolePolicyList: [
      { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
    ],
    AttachedManagedPolicies: [],
    ...(boundary === undefined
      ? {}
      : { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: boundary } }),
  });
  /** A user with the same inline policy, in `groups` (which the file may lack). */
  const user = (name: string, groups: string[]): object => ({
    UserName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    Path: '/',
    UserPolicyList: [{ PolicyName: 'ops', PolicyDocument: { Version: '2012-10-17', Statement: STATEMENTS } }],
    AttachedManagedPolicies: [],
    GroupList: groups,
  });
  const shared = parseAuthorizationDetails([
    {
      RoleDetailList: [
        role('first', 'ops', STATEMENTS),
        role('second', 'ops', STATEMENTS),
        role('renamed', 'other', STATEMENTS),
        role('conditional', 'ops', [
          { ...STATEMENTS[0], Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
        ]),
        role('scoped', 'ops', [{ ...STATEMENTS[0], Resource: 'arn:aws:s3:::bucket/*' }]),
        role('with-sid', 'ops', [{ ...STATEMENTS[0], Sid: 'Reads' }]),
        role('bounded', 'ops', STATEMENTS, BOUNDARY_ARN),
        role('unknown-boundary', 'ops', STATEMENTS, `arn:aws:iam::${ACCOUNT}:policy/not-in-the-file`),
      ],
      UserDetailList: [user('plain', []), user('in-a-lost-group', ['lost'])],
      Policies: [
        {
          PolicyName: 'boundary',
          Arn: BOUNDARY_ARN,
          DefaultVersionId: 'v1',
          PolicyVersionList: [
            {
              VersionId: 'v1',
              IsDefaultVersion: true,
              Document: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
              },
            },
          ],
        },
      ],
    },
  ]);
  // Each role's grants are asked right after those of `first`: grants handed on too freely would be its.
  const grants = (type: 'user' | 'role', name: string) => {
    grantsOf(shared, 'role', 'first');
    return grantsOf(shared, type, name);
  };
  const first = grantsOf(shared, 'role', 'first');
  const names = (of: GrantedActions) => of.actions.map((grant) => grant.action);

  it('gives the same grants to a principal whose policies say the same, with itself as the principal', () => {
    const second = grants('role', 'second');
    expect(second.principal.name).toBe('second');
    expect(first.principal.name).toBe('first');
    // The same lists, not copies: worked out once.
    expect(second.actions).toBe(first.actions);
    expect(names(first)).toContain('ec2:DescribeInstances');
    expect(names(first)).toContain('s3:GetObject');
  });

  it('tells apart a policy of another name, a Condition, a Resource and a Sid', () => {
    expect(grants('role', 'renamed').actions[0]?.sources).toEqual([
      { kind: 'inline', policy: 'other', statement: 0, limited: false },
    ]);
    expect(first.actions.every((grant) => !grant.limited)).toBe(true);
    expect(grants('role', 'conditional').actions.every((grant) => grant.limited)).toBe(true);
    expect(grants('role', 'scoped').actions.every((grant) => grant.limited)).toBe(true);
    expect(grants('role', 'with-sid').actions[0]?.sources[0]?.sid).toBe('Reads');
  });

  it('tells apart a permissions boundary, and one the file lacks', () => {
    const bounded = grants('role', 'bounded');
    expect(names(bounded).every((name) => name.startsWith('s3:'))).toBe(true);
    expect(bounded.outsideBoundary).toContain('ec2:DescribeInstances');
    const unknownBoundary = grants('role', 'unknown-boundary');
    expect(names(unknownBoundary)).toEqual(names(first));
    expect(unknownBoundary.problems.map((problem) => problem.code)).toEqual(['missing-managed-policy']);
    expect(first.problems).toEqual([]);
  });

  it('tells apart a boundary one file lacks from one it holds without a default version', () => {
    // An AWS managed policy as the boundary, in two accounts' files: one lacks it, one has it
    // without a version marked default. Same ARN, same inline policy: the problems differ.
    const managed = 'arn:aws:iam::aws:policy/PowerUserAccess';
    const fileWith = (policies: object[]) =>
      parseAuthorizationDetails([
        { RoleDetailList: [role('boundary-of-aws', 'ops', STATEMENTS, managed)], Policies: policies },
      ]);
    const lacking = grantsOf(fileWith([]), 'role', 'boundary-of-aws');
    const noDefault = grantsOf(
      fileWith([
        {
          PolicyName: 'PowerUserAccess',
          Arn: managed,
          PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: false, Document: { Statement: [] } }],
        },
      ]),
      'role',
      'boundary-of-aws',
    );
    expect(lacking.problems.map((problem) => problem.code)).toEqual(['missing-managed-policy']);
    expect(noDefault.problems.map((problem) => problem.code)).toEqual(['missing-default-version']);
  });

  it('tells apart what the IAM data lacks: a user in a group the file does not hold', () => {
    const plain = grants('user', 'plain');
    const lost = grants('user', 'in-a-lost-group');
    expect(names(lost)).toEqual(names(plain));
    expect(plain.problems).toEqual([]);
    expect(lost.problems.map((problem) => problem.missing)).toEqual(['group lost']);
    expect(grants('user', 'plain').problems).toEqual([]);
  });
});
