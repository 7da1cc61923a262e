import { describe, expect, it } from 'vitest';

import {
  boundaryAllows,
  buildBoundary,
  countBoundary,
  MANAGED_POLICY_MAX_CHARS,
  policySize,
  replayBoundary,
  selfLockouts,
  unmappedOutsideBoundary,
  whyNoUseSkip,
  whySkip,
} from '../../../src/analysis/boundary-plan.js';
import type { BoundaryDocument, SkipInput } from '../../../src/analysis/boundary-plan.js';
import type { IamRole, IamUser } from '../../../src/iam/authorization-details.js';

/*
 * The boundary documents below are written out from the rules (Allow of what was used and
 * of the granted `?` actions, per service or per action, plus base actions; Deny of the
 * principal's own boundary changes and of new, deleted or default versions of any iamtrail
 * boundary policy), not taken from the code's output.
 */

const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;

function role(overrides: Partial<IamRole> = {}): IamRole {
  return {
    type: 'role',
    name: 'deploy',
    arn: ROLE_ARN,
    path: '/',
    createDate: '2025-01-01T00:00:00Z',
    inlinePolicies: [],
    attachedPolicies: [],
    permissionsBoundaryArn: undefined,
    tags: {},
    serviceLinked: false,
    assumeRolePolicyDocument: {},
    lastUsedDate: undefined,
    lastUsedKnown: true,
    instanceProfiles: [],
    ...overrides,
  };
}

function user(): IamUser {
  return {
    type: 'user',
    name: 'alice',
    arn: USER_ARN,
    path: '/',
    createDate: '2025-01-01T00:00:00Z',
    inlinePolicies: [],
    attachedPolicies: [],
    permissionsBoundaryArn: undefined,
    tags: {},
    groups: [],
  };
}

/** The two Deny statements the issue asks for, written out for a role or a user. */
function denies(kind: 'Role' | 'User', arn: string): BoundaryDocument['Statement'] {
  return [
    {
      Sid: 'IamtrailDenyBoundaryChange',
      Effect: 'Deny',
      Action: [`iam:Delete${kind}PermissionsBoundary`, `iam:Put${kind}PermissionsBoundary`],
      Resource: arn,
    },
    {
      Sid: 'IamtrailDenyBoundaryPolicyChange',
      Effect: 'Deny',
      Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      // Every iamtrail boundary of the account, not only its own: no principal rewrites another's.
      Resource: `arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-*`,
    },
  ];
}
const ROLE_DENIES = denies('Role', ROLE_ARN);

describe('buildBoundary', () => {
  it('service level: svc:* per used service, base actions not already allowed, the role denies', () => {
    const planned = buildBoundary({
      principal: role(),
      used: ['s3:GetObject', 'ec2:DescribeInstances', 's3:PutObject'],
      baseActions: ['ec2:DescribeRegions', 'sts:GetCallerIdentity'],
      level: 'service',
    });
    const expected: BoundaryDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: ['ec2:*', 's3:*'], Resource: '*' },
        { Sid: 'IamtrailBaseActions', Effect: 'Allow', Action: ['sts:GetCallerIdentity'], Resource: '*' },
        ...ROLE_DENIES,
      ],
    };
    expect(planned.document).toEqual(expected);
    expect(planned.policyName).toBe('iamtrail-boundary-role-deploy');
    expect(planned.policyArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-role-deploy`);
    expect(planned.fits).toBe(true);
    expect(planned.fallbackServices).toEqual([]);
  });

  it('action level for a user: each used action, the User variants of the boundary denies', () => {
    const planned = buildBoundary({
      principal: user(),
      used: ['s3:PutObject', 's3:GetObject', 's3:GetObject'],
      baseActions: ['s3:GetObject', 's3:List*'],
      level: 'action',
    });
    expect(planned.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'IamtrailUsedInPeriod',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: '*',
        },
        { Sid: 'IamtrailBaseActions', Effect: 'Allow', Action: ['s3:List*'], Resource: '*' },
        ...denies('User', USER_ARN),
      ],
    });
  });

  it('names the policy by type: a role and a user of the same name never share one', () => {
    const same = { used: ['s3:GetObject'], baseActions: [], level: 'service' as const };
    const asRole = buildBoundary({ ...same, principal: role({ name: 'ci' }) });
    const asUser = buildBoundary({
      ...same,
      principal: { ...user(), name: 'ci', arn: `arn:aws:iam::${ACCOUNT}:user/ci` },
    });
    expect(asRole.policyName).toBe('iamtrail-boundary-role-ci');
    expect(asUser.policyName).toBe('iamtrail-boundary-user-ci');
    expect(asUser.policyArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-user-ci`);
    // IAM's longest name (64 characters) stays within its 128-character policy-name limit.
    expect(buildBoundary({ ...same, principal: role({ name: 'r'.repeat(64) }) }).policyName).toHaveLength(
      'iamtrail-boundary-role-'.length + 64,
    );
  });

  it('keeps the granted ? actions: their services at service level, the actions at action level', () => {
    const service = buildBoundary({
      principal: role(),
      used: ['s3:GetObject'],
      unknown: ['kms:Decrypt', 'kms:Encrypt'],
      baseActions: [],
      level: 'service',
    });
    expect(service.document.Statement[0]?.Action).toEqual(['kms:*', 's3:*']);
    const action = buildBoundary({
      principal: role(),
      used: ['s3:GetObject'],
      unknown: ['kms:Decrypt', 'kms:Encrypt'],
      baseActions: [],
      level: 'action',
    });
    expect(action.document.Statement[0]?.Action).toEqual(['kms:Decrypt', 'kms:Encrypt', 's3:GetObject']);
  });

  it('keeps granted patterns the catalog does not know as written, at both levels, unless a service allowed whole covers one', () => {
    const input = {
      principal: role(),
      used: ['s3:GetObject'],
      unknownPatterns: ['newsvc:*', 's3:FutureAction'],
      baseActions: [],
    };
    expect(buildBoundary({ ...input, level: 'action' }).document.Statement[0]?.Action).toEqual([
      'newsvc:*',
      's3:FutureAction',
      's3:GetObject',
    ]);
    // s3:* allows s3:FutureAction whatever it turns out to be.
    expect(buildBoundary({ ...input, level: 'service' }).document.Statement[0]?.Action).toEqual([
      'newsvc:*',
      's3:*',
    ]);
  });

  it('action level allows whole the services Access Advisor saw used with no action known', () => {
    const planned = buildBoundary({
      principal: role(),
      used: ['s3:GetObject'],
      advisorServices: ['kms'],
      baseActions: [],
      level: 'action',
    });
    expect(planned.document.Statement[0]?.Action).toEqual(['kms:*', 's3:GetObject']);
  });

  it('service level adds the services Access Advisor saw used', () => {
    const planned = buildBoundary({
      principal: role(),
      used: ['s3:GetObject'],
      advisorServices: ['kms'],
      baseActions: [],
      level: 'service',
    });
    expect(planned.document.Statement[0]?.Action).toEqual(['kms:*', 's3:*']);
  });

  /** The action-level boundary of `used` under a limit of exactly the size of a document allowing `allowed`. */
  const fitTo = (used: string[], allowed: string[]) => {
    const expected: BoundaryDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: allowed, Resource: '*' },
        ...ROLE_DENIES,
      ],
    };
    const planned = buildBoundary({
      principal: role(),
      used,
      baseActions: [],
      level: 'action',
      maxChars: policySize(expected),
    });
    return { planned, expected };
  };

  it('action level over the limit: the service with most actions is allowed whole, and said', () => {
    const { planned, expected } = fitTo(
      ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 'ec2:RunInstances'],
      ['ec2:RunInstances', 's3:*'],
    );
    expect(planned.document).toEqual(expected);
    expect(planned.fallbackServices).toEqual(['s3']);
    expect(planned.fits).toBe(true);
  });

  it('lists the actions in the order earlier versions wrote them: an applied boundary still compares equal', () => {
    // The used actions in the report's order (case-insensitive, then by code unit). The expected
    // list is what 970e160's buildBoundary wrote for them (its sort, run on this input): pairs
    // where one name extends the other in lower case but not by code unit ("Instances" and
    // "InstanceStatus") come out by code unit. `boundary apply` compares a plan with the document
    // in AWS as written, so another order would make it write a new version of an unchanged one.
    const used = [
      'ec2:DescribeInstances',
      'ec2:DescribeInstanceStatus',
      'iam:GetServerCertificate',
      'iam:GetSSHPublicKey',
      's3:GetObject',
      'ssm:ListAutomationEvents',
      'ssm:ListAutomationEventSteps',
    ];
    const planned = buildBoundary({ principal: role(), used, baseActions: [], level: 'action' });
    expect(planned.document.Statement[0]?.Action).toEqual([
      'ec2:DescribeInstanceStatus',
      'ec2:DescribeInstances',
      'iam:GetSSHPublicKey',
      'iam:GetServerCertificate',
      's3:GetObject',
      'ssm:ListAutomationEventSteps',
      'ssm:ListAutomationEvents',
    ]);
  });

  it('allows whole, over the limit, the services with most actions first, until the document fits', () => {
    // s3 has 3 actions, ec2 2, sqs 1: a limit that fits once s3 and ec2 are whole, not before.
    const { planned, expected } = fitTo(
      [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        'ec2:RunInstances',
        'ec2:StopInstances',
        'sqs:SendMessage',
      ],
      ['ec2:*', 's3:*', 'sqs:SendMessage'],
    );
    expect(planned.document).toEqual(expected);
    expect(planned.fallbackServices).toEqual(['ec2', 's3']);
  });

  it('says when even whole services do not fit the 6,144 characters', () => {
    // 700 services of 8 characters each make well over 6,144 characters on their own.
    const used = Array.from({ length: 700 }, (_, index) => `svc${String(index).padStart(4, '0')}:Get`);
    const planned = buildBoundary({ principal: role(), used, baseActions: [], level: 'service' });
    expect(planned.maxChars).toBe(MANAGED_POLICY_MAX_CHARS);
    expect(planned.size).toBeGreaterThan(700 * '"svc0000:*",'.length);
    expect(planned.fits).toBe(false);
  });
});

describe('policySize', () => {
  it('counts characters without whitespace', () => {
    const document: BoundaryDocument = { Version: '2012-10-17', Statement: [] };
    expect(policySize(document)).toBe('{"Version":"2012-10-17","Statement":[]}'.length);
  });
});

describe('boundaryAllows', () => {
  const allowing = (...patterns: string[]): BoundaryDocument => ({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: patterns, Resource: '*' },
      // A Deny's actions allow nothing.
      { Sid: 'IamtrailDenyBoundaryChange', Effect: 'Deny', Action: ['sqs:SendMessage'], Resource: '*' },
    ],
  });

  it('matches an action named in any case, a whole service by its prefix, and globs', () => {
    const document = allowing('s3:GetObject', 'EC2:*', 'iam:Get*', 'kms:?ecrypt', 'newsvc:*');
    const cases: [string, boolean][] = [
      ['s3:GetObject', true],
      ['S3:GETOBJECT', true],
      ['s3:GetObjectAcl', false],
      ['ec2:RunInstances', true],
      ['Ec2:anything:at:all', true],
      ['ec2', false],
      ['ec2x:RunInstances', false],
      ['iam:GetRole', true],
      ['iam:ListRoles', false],
      ['kms:Decrypt', true],
      ['kms:Encrypt', false],
      ['newsvc:Anything', true],
      ['sqs:SendMessage', false],
    ];
    for (const [action, allowed] of cases)
      expect([action, boundaryAllows(document, action)]).toEqual([action, allowed]);
  });

  it('matches a name outside printable ASCII as a glob would, never by lowering it', () => {
    // U+212A KELVIN SIGN lowers to "k", but is not "K" to a case-insensitive expression; a line
    // break is not matched by a glob's "*".
    const document = allowing('s3:getobjeck', 'kms:*', 'ec2:Describe*');
    expect(boundaryAllows(document, 's3:GetObjec\u212A')).toBe(false);
    expect(boundaryAllows(document, 'kms:Decrypt\nx')).toBe(false);
    expect(boundaryAllows(document, 'ec2:Describe\u00e9')).toBe(true);
    expect(boundaryAllows(allowing('s3:GetObjec\u212A'), 's3:getobjeck')).toBe(false);
  });
});

describe('countBoundary', () => {
  it('granted → proposed, and coverage as used / granted', () => {
    const document: BoundaryDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'x', Effect: 'Allow', Action: ['s3:*'], Resource: '*' }],
    };
    expect(
      countBoundary(
        document,
        ['s3:GetObject', 's3:PutObject', 'ec2:RunInstances', 'iam:GetUser'],
        ['s3:GetObject'],
      ),
    ).toEqual({
      granted: 4,
      proposed: 2,
      usedGranted: 1,
      coveragePercent: 25,
      unknownKept: 0,
      unknownPatternsKept: 0,
    });
    expect(countBoundary(document, [], [])).toEqual({
      granted: 0,
      proposed: 0,
      usedGranted: 0,
      coveragePercent: null,
      unknownKept: 0,
      unknownPatternsKept: 0,
    });
  });

  it('counts each granted pattern the catalog does not know once, of unknown use: coverage is not 100%', () => {
    const document: BoundaryDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'x',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'newsvc:*', 's3:FutureAction', 's3:GetObject'],
          Resource: '*',
        },
      ],
    };
    // Granted: two actions (both used) and two patterns; used 2 of 4 entries.
    expect(
      countBoundary(
        document,
        ['dynamodb:GetItem', 's3:GetObject'],
        ['dynamodb:GetItem', 's3:GetObject'],
        [],
        ['newsvc:*', 's3:FutureAction'],
      ),
    ).toEqual({
      granted: 4,
      proposed: 4,
      usedGranted: 2,
      coveragePercent: 50,
      unknownKept: 0,
      unknownPatternsKept: 2,
    });
  });

  it('counts the ? actions the boundary keeps', () => {
    const document: BoundaryDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'x', Effect: 'Allow', Action: ['s3:*', 'kms:Decrypt'], Resource: '*' }],
    };
    const granted = ['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'kms:Encrypt'];
    expect(
      countBoundary(document, granted, ['s3:GetObject'], ['s3:PutObject', 'kms:Decrypt', 'kms:Encrypt'])
        .unknownKept,
    ).toBe(2);
  });
});

describe('whySkip', () => {
  const base: SkipInput = {
    principal: role(),
    exclude: [],
    periodStartDay: '2026-10-01',
    coversPeriod: true,
    covers: '2026-10-01..2026-10-31 (31 of the 31 days of the period)',
    unreadableFiles: 0,
  };
  const cases: { name: string; input: Partial<SkipInput>; expected: string | null }[] = [
    { name: 'an ordinary role with full coverage', input: {}, expected: null },
    { name: 'excluded by name', input: { exclude: ['other', 'deploy'] }, expected: 'excluded' },
    {
      name: 'excluded by an ARN regular expression',
      input: { exclude: ['arn:aws:iam::\\d{12}:role/dep.*'] },
      expected: 'excluded',
    },
    {
      name: 'an ARN expression must match the whole ARN',
      input: { exclude: ['arn:aws:iam::\\d{12}:role/dep'] },
      expected: null,
    },
    { name: 'a name is not a pattern', input: { exclude: ['dep'] }, expected: null },
    {
      name: 'a name matches in any case (IAM names are unique so)',
      input: { exclude: ['DePloy'] },
      expected: 'excluded',
    },
    {
      name: 'a boundary iamtrail did not create',
      input: {
        principal: role({ permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/DeveloperBoundary` }),
      },
      expected: 'has-boundary',
    },
    {
      name: "a boundary named like iamtrail's but on a path is not iamtrail's",
      input: {
        principal: role({
          permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/team/iamtrail-boundary-deploy`,
        }),
      },
      expected: 'has-boundary',
    },
    {
      name: 'its own iamtrail boundary already set',
      input: {
        principal: role({
          permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-role-deploy`,
        }),
      },
      expected: null,
    },
    ...['iamtrail-boundary-corp', 'iamtrail-boundary-role-other', 'iamtrail-boundary-user-deploy'].map(
      (name) => ({
        name: `a boundary whose name only starts with iamtrail-boundary- (${name}) is not its own`,
        input: { principal: role({ permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/${name}` }) },
        expected: 'has-boundary',
      }),
    ),
    { name: 'unreadable log files in the period', input: { unreadableFiles: 2 }, expected: 'no-evidence' },
    {
      name: 'service-linked role',
      input: { principal: role({ serviceLinked: true, name: 'AWSServiceRoleForSupport' }) },
      expected: 'service-linked',
    },
    {
      name: 'created after the period began',
      input: { principal: role({ createDate: '2026-10-01T00:00:01Z' }) },
      expected: 'younger-than-period',
    },
    {
      name: 'created when the period began',
      input: { principal: role({ createDate: '2026-10-01T00:00:00Z' }) },
      expected: null,
    },
    {
      name: 'creation date unknown',
      input: { principal: role({ createDate: undefined }) },
      expected: 'younger-than-period',
    },
    { name: 'logs missing days of the period', input: { coversPeriod: false }, expected: 'no-evidence' },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      expect(whySkip({ ...base, ...entry.input })?.reason ?? null).toBe(entry.expected);
    });

  it('names the boundary it would replace, and the count of unreadable files', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:policy/DeveloperBoundary`;
    expect(whySkip({ ...base, principal: role({ permissionsBoundaryArn: arn }) })?.detail).toBe(
      `has boundary ${arn} iamtrail did not create: a plan would replace it`,
    );
    expect(whySkip({ ...base, unreadableFiles: 3 })?.detail).toContain('3 log file(s)');
  });
});

describe('whyNoUseSkip', () => {
  it('skips a principal with no action used and no service seen by Access Advisor', () => {
    expect(whyNoUseSkip([], [])?.reason).toBe('no-evidence');
    expect(whyNoUseSkip(['s3:GetObject'], [])).toBeNull();
    expect(whyNoUseSkip([], ['kms'])).toBeNull();
  });
});

describe('replayBoundary', () => {
  it('allows every used action of a planned boundary, the role-boundary action on other roles included', () => {
    const used = ['iam:PutRolePermissionsBoundary', 's3:GetObject', 'ec2:RunInstances'];
    for (const level of ['service', 'action'] as const) {
      const planned = buildBoundary({ principal: role(), used, baseActions: [], level });
      expect(replayBoundary(planned.document, role(), ACCOUNT, used)).toEqual({
        total: 3,
        allowed: 3,
        notAllowed: [],
      });
    }
  });

  it('fails when a kept ? action is left out of the document', () => {
    const planned = buildBoundary({
      principal: role(),
      used: ['s3:GetObject'],
      baseActions: [],
      level: 'action',
    });
    expect(replayBoundary(planned.document, role(), ACCOUNT, ['s3:GetObject', 'kms:Decrypt'])).toEqual({
      total: 2,
      allowed: 1,
      notAllowed: ['kms:Decrypt'],
    });
    const kept = buildBoundary({
      principal: role(),
      used: ['s3:GetObject'],
      unknown: ['kms:Decrypt'],
      baseActions: [],
      level: 'action',
    });
    expect(
      replayBoundary(kept.document, role(), ACCOUNT, ['s3:GetObject', 'kms:Decrypt']).notAllowed,
    ).toEqual([]);
  });

  it('lists a used action the document would not allow', () => {
    const document: BoundaryDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'a', Effect: 'Allow', Action: ['s3:GetObject', 'kms:Decrypt'], Resource: '*' },
        { Sid: 'b', Effect: 'Deny', Action: ['kms:Decrypt'], Resource: '*' },
      ],
    };
    expect(
      replayBoundary(document, role(), ACCOUNT, ['s3:GetObject', 'ec2:RunInstances', 'kms:Decrypt']),
    ).toEqual({
      total: 3,
      allowed: 1,
      notAllowed: ['ec2:RunInstances', 'kms:Decrypt'],
    });
  });
});

describe('unmappedOutsideBoundary (apply refuses a principal with unmapped successful calls)', () => {
  // Allows s3 whole and one sqs action: a call of s3 is allowed whatever action it needs; of sqs, unknown.
  const document: BoundaryDocument = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: ['s3:*', 'sqs:SendMessage'], Resource: '*' },
      ...ROLE_DENIES,
    ],
  };
  it('lists the unmapped calls of a service the boundary does not allow whole', () => {
    expect(
      unmappedOutsideBoundary(document, [
        { event: 's3:BrandNewCall', calls: 3 },
        { event: 'sqs:BrandNewCall', calls: 2 },
        { event: 'newsvc:Thing', calls: 1 },
      ]),
    ).toEqual([
      { event: 'sqs:BrandNewCall', calls: 2 },
      { event: 'newsvc:Thing', calls: 1 },
    ]);
  });
});

describe('selfLockouts (apply refuses a principal the boundary would lock out of what it did)', () => {
  const document: BoundaryDocument = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: ['iam:*'], Resource: '*' },
      ...ROLE_DENIES,
    ],
  };
  const ownPolicy = `arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-role-deploy`;
  const other = `arn:aws:iam::${ACCOUNT}:policy/app-policy`;
  it('refuses a self-denied action seen used when no resource record says where', () => {
    const lockouts = selfLockouts(document, ['iam:CreatePolicyVersion', 'iam:GetRole'], []);
    expect(lockouts.map((lockout) => lockout.action)).toEqual(['iam:CreatePolicyVersion']);
    expect(lockouts[0]?.why).toContain('no resource record');
  });
  it('clears it when its recorded resources are none of the denied ARNs; refuses when one is', () => {
    expect(
      selfLockouts(
        document,
        ['iam:CreatePolicyVersion'],
        [{ action: 'iam:CreatePolicyVersion', resource: other }],
      ),
    ).toEqual([]);
    const hit = selfLockouts(
      document,
      ['iam:CreatePolicyVersion', 'iam:PutRolePermissionsBoundary'],
      [
        { action: 'iam:CreatePolicyVersion', resource: other },
        { action: 'iam:CreatePolicyVersion', resource: ownPolicy },
        { action: 'iam:PutRolePermissionsBoundary', resource: `arn:aws:iam::${ACCOUNT}:role/other` },
      ],
    );
    expect(hit).toEqual([
      {
        action: 'iam:CreatePolicyVersion',
        why: expect.stringContaining(`it called it on ${ownPolicy}`) as string,
      },
    ]);
  });
});
