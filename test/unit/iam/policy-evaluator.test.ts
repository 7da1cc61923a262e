import { describe, expect, it } from 'vitest';

import type { AuthorizationDetails } from '../../../src/iam/authorization-details.js';
import type {
  ContextEntry,
  Decision,
  PrincipalPolicies,
  ScpLevel,
} from '../../../src/iam/policy-evaluation.js';
import { compilePolicies, evaluate, parseDate } from '../../../src/iam/policy-evaluator.js';
import { principalContext, principalPolicies } from '../../../src/iam/principal-policies.js';
import { inlinePolicy, TEST_ACCOUNT, testPolicies, testRole, testUser } from '../../helpers/evaluation.js';

const alice = testUser('alice', { team: 'red' });
const allowAll = inlinePolicy('allow-all', {
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Action: '*', Resource: '*' },
});
const request = (action: string, resource = '*', context: ContextEntry[] = []) => ({
  action,
  resource,
  context,
});

describe('deciding statements', () => {
  const text = [
    '{',
    '  "Version": "2012-10-17",',
    '  "Statement": [',
    '    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": "*"},',
    '    {',
    '      "Sid": "NoDelete",',
    '      "Effect": "Deny",',
    '      "Action": "s3:Delete*",',
    '      "Resource": "arn:aws:s3:::prod/*"',
    '    }',
    '  ]',
    '}',
  ].join('\n');
  const policy = inlinePolicy('s3-access', text);
  const evaluator = compilePolicies(testPolicies(alice, [policy]));

  it('an explicit deny names the Deny with its policy, Sid, layer and line:column span', () => {
    expect(evaluator(request('s3:DeleteObject', 'arn:aws:s3:::prod/a'))).toEqual({
      decision: 'explicitDeny',
      deciding: [
        {
          policy: { kind: 'inline', policy: 's3-access' },
          statement: 1,
          sid: 'NoDelete',
          effect: 'Deny',
          layer: 'identity',
          applies: true,
          span: { start: { line: 5, column: 5 }, end: { line: 10, column: 5 }, text: 'stored' },
        },
      ],
      missingContextKeys: [],
      problems: [],
    });
  });

  it('an allowed request names the Allow and where it starts', () => {
    const result = evaluator(request('s3:DeleteObject', 'arn:aws:s3:::dev/a'));
    expect(result.decision).toBe('allowed');
    expect(result.deciding.map((d) => [d.sid, d.effect, d.span?.start])).toEqual([
      ['Read', 'Allow', { line: 4, column: 5 }],
    ]);
  });

  it('an implicit deny by the boundary names the identity Allow and the layer without an Allow', () => {
    const boundary = inlinePolicy('boundary', {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
    });
    const result = evaluate(
      testPolicies(alice, [policy], { boundary }),
      request('s3:GetObject', 'arn:aws:s3:::dev/a'),
    );
    expect(result.decision).toBe('implicitDeny');
    expect(result.noAllowIn).toBe('boundary');
    expect(result.deciding.map((d) => [d.policy.policy, d.statement, d.layer])).toEqual([
      ['s3-access', 0, 'identity'],
    ]);
  });

  it('an allowed request through boundary and SCP levels names one Allow per layer', () => {
    const boundary = inlinePolicy('boundary', {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' },
    });
    const scp = {
      ref: { kind: 'scp' as const, policy: 'FullAWSAccess', target: 'r-abcd' },
      document: allowAll.document,
    };
    const result = evaluate(
      testPolicies(alice, [policy], { boundary, scps: [{ target: 'r-abcd', policies: [scp] }] }),
      request('s3:GetObject', 'arn:aws:s3:::dev/a'),
    );
    expect(result.decision).toBe('allowed');
    expect(result.deciding.map((d) => d.layer)).toEqual(['identity', 'boundary', 'scp:r-abcd']);
  });
});

describe('three-valued conditions', () => {
  const mfaDeny = inlinePolicy('mfa', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  });
  const vpcAllow = inlinePolicy('vpc', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } },
      },
    ],
  });

  it('a Deny that may apply makes an otherwise allowed request inconclusive, naming its key', () => {
    const result = evaluate(testPolicies(alice, [allowAll, mfaDeny]), request('s3:GetObject'));
    expect(result.decision).toBe('inconclusive');
    expect(result.missingContextKeys).toEqual(['aws:MultiFactorAuthPresent']);
    expect(result.deciding.map((d) => [d.policy.policy, d.applies])).toEqual([
      ['mfa', 'unknown'],
      ['allow-all', true],
    ]);
  });

  it('a Deny that may apply does not matter when nothing allows: implicitDeny is certain', () => {
    const result = evaluate(testPolicies(alice, [mfaDeny]), request('s3:GetObject'));
    expect(result).toMatchObject({ decision: 'implicitDeny', missingContextKeys: [] });
  });

  it('a Deny that applies for certain wins over unknowns', () => {
    const result = evaluate(
      testPolicies(alice, [vpcAllow, mfaDeny]),
      request('s3:GetObject', '*', [
        { key: 'aws:multifactorauthpresent', values: ['false'], type: 'boolean' },
      ]),
    );
    expect(result).toMatchObject({ decision: 'explicitDeny', missingContextKeys: [] });
  });

  it('an Allow that may apply is inconclusive; the key given decides it', () => {
    expect(evaluate(testPolicies(alice, [vpcAllow]), request('s3:GetObject'))).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['aws:SourceVpc'],
    });
    const vpc = (value: string): ContextEntry[] => [
      { key: 'aws:SourceVpc', values: [value], type: 'string' },
    ];
    expect(
      evaluate(testPolicies(alice, [vpcAllow]), request('s3:GetObject', '*', vpc('vpc-1'))).decision,
    ).toBe('allowed');
    expect(
      evaluate(testPolicies(alice, [vpcAllow]), request('s3:GetObject', '*', vpc('vpc-2'))).decision,
    ).toBe('implicitDeny');
  });

  it('an unknown key stays unknown for IfExists, Null, ForAllValues and ForAnyValue', () => {
    for (const condition of [
      { StringEqualsIfExists: { 'ec2:InstanceType': 't2.micro' } },
      { Null: { 'ec2:InstanceType': 'true' } },
      { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'a' } },
      { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } },
    ]) {
      const policy = inlinePolicy('p', {
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: condition },
      });
      expect(
        evaluate(testPolicies(alice, [policy]), request('ec2:RunInstances')).decision,
        JSON.stringify(condition),
      ).toBe('inconclusive');
    }
  });

  it('a Resource variable on an unknown key is unknown; on a key the principal lacks it does not match', () => {
    const policy = inlinePolicy('p', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:SourceIdentity}/*' },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/project}/*' },
      ],
    });
    expect(
      evaluate(testPolicies(alice, [policy]), request('s3:GetObject', 'arn:aws:s3:::b/x/k')),
    ).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['aws:SourceIdentity'],
    });
    expect(
      evaluate(testPolicies(alice, [policy]), request('s3:PutObject', 'arn:aws:s3:::b/x/k')),
    ).toMatchObject({
      decision: 'implicitDeny',
      missingContextKeys: [],
    });
  });

  it('the request context overrides a key the principal implies', () => {
    const policy = inlinePolicy('home', {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:username}/*' },
    });
    const asBob: ContextEntry[] = [{ key: 'aws:username', values: ['bob'], type: 'string' }];
    expect(
      evaluate(testPolicies(alice, [policy]), request('s3:GetObject', 'arn:aws:s3:::b/bob/k', asBob))
        .decision,
    ).toBe('allowed');
    expect(
      evaluate(testPolicies(alice, [policy]), request('s3:GetObject', 'arn:aws:s3:::b/bob/k')).decision,
    ).toBe('implicitDeny');
  });

  it('aws:CurrentTime and aws:EpochTime come from options.now unless the context gives them', () => {
    const policy = inlinePolicy('window', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
        },
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:EpochTime': '1893456000' } },
        },
      ],
    });
    const before = { now: new Date('2029-12-31T00:00:00Z') };
    const after = { now: new Date('2030-06-01T00:00:00Z') };
    expect(evaluate(testPolicies(alice, [policy]), request('s3:GetObject'), before).decision).toBe('allowed');
    expect(evaluate(testPolicies(alice, [policy]), request('s3:GetObject'), after).decision).toBe(
      'implicitDeny',
    );
    expect(evaluate(testPolicies(alice, [policy]), request('s3:PutObject'), before).decision).toBe('allowed');
    expect(evaluate(testPolicies(alice, [policy]), request('s3:PutObject'), after).decision).toBe(
      'implicitDeny',
    );
    const given: ContextEntry[] = [
      { key: 'aws:CurrentTime', values: ['2029-01-01T00:00:00Z'], type: 'date' },
    ];
    expect(evaluate(testPolicies(alice, [policy]), request('s3:GetObject', '*', given), after).decision).toBe(
      'allowed',
    );
  });

  it('an operator the evaluator does not know is unknown and named in problems', () => {
    const policy = inlinePolicy('odd', {
      Version: '2012-10-17',
      Statement: {
        Sid: 'Odd',
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringSounds: { 'aws:username': 'alice' } },
      },
    });
    const result = evaluate(testPolicies(alice, [policy]), request('s3:GetObject'));
    expect(result.decision).toBe('inconclusive');
    expect(result.problems).toEqual([
      'statement 0 (Odd) of odd: condition operator "StringSounds" is not known to iamtrail\'s evaluator; the clause is taken as unknown',
    ]);
  });
});

/** A table case: identity policies' statements (and extras) and the expected decision. */
interface TableCase {
  readonly name: string;
  readonly statements: readonly object[];
  readonly action: string;
  readonly context?: ContextEntry[];
  readonly expected: { decision: Decision; missingContextKeys?: readonly string[]; noAllowIn?: string };
}

function runTable(
  cases: readonly TableCase[],
  setUp: (statements: readonly object[]) => PrincipalPolicies,
): void {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const policies = setUp(testCase.statements);
      const result = evaluate(policies, request(testCase.action, '*', testCase.context ?? []));
      expect({
        decision: result.decision,
        missingContextKeys: result.missingContextKeys,
        noAllowIn: result.noAllowIn,
      }).toEqual({ missingContextKeys: [], noAllowIn: undefined, ...testCase.expected });
    });
  }
}

const statementsPolicy = (statements: readonly object[]) =>
  inlinePolicy('p', { Version: '2012-10-17', Statement: statements });

// iamtrail's rule for a request on "*" (any resource), documented in the README: a statement
// whose Resource/NotResource does not settle every resource applies only for some resources.
describe('resource "*" in the request: a statement that does not settle every resource is unknown', () => {
  const allowEverything = { Effect: 'Allow', Action: '*', Resource: '*' };
  runTable(
    [
      {
        name: 'Allow s3:* on arn:aws:s3:::* may allow s3:DeleteBucket on "*": inconclusive, (resource)',
        statements: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::*' }],
        action: 's3:DeleteBucket',
        expected: { decision: 'inconclusive', missingContextKeys: ['(resource)'] },
      },
      {
        name: 'Allow s3:* with NotResource one bucket: inconclusive, (resource)',
        statements: [{ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret' }],
        action: 's3:DeleteBucket',
        expected: { decision: 'inconclusive', missingContextKeys: ['(resource)'] },
      },
      {
        name: 'Allow on arn:* (every ARN): allowed',
        statements: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:*' }],
        action: 's3:DeleteBucket',
        expected: { decision: 'allowed' },
      },
      {
        name: 'Allow on arn:aws:*:*:*:* (not every partition): inconclusive',
        statements: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:*:*:*:*' }],
        action: 's3:DeleteBucket',
        expected: { decision: 'inconclusive', missingContextKeys: ['(resource)'] },
      },
      {
        name: 'NotResource listing "*" applies to no resource: implicitDeny',
        statements: [{ Effect: 'Allow', Action: 's3:*', NotResource: ['arn:aws:s3:::secret', '*'] }],
        action: 's3:DeleteBucket',
        expected: { decision: 'implicitDeny', noAllowIn: 'identity' },
      },
      {
        name: 'Allow * on * with a Deny scoped to one bucket: inconclusive',
        statements: [allowEverything, { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::secret' }],
        action: 's3:DeleteBucket',
        expected: { decision: 'inconclusive', missingContextKeys: ['(resource)'] },
      },
      {
        name: 'Allow * on * with a Deny on NotResource one prefix: inconclusive',
        statements: [allowEverything, { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::ok/*' }],
        action: 's3:GetObject',
        expected: { decision: 'inconclusive', missingContextKeys: ['(resource)'] },
      },
      {
        name: 'an unconditional Deny on "*" still gives explicitDeny',
        statements: [
          { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::*' },
          { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
        ],
        action: 's3:DeleteBucket',
        expected: { decision: 'explicitDeny' },
      },
      {
        name: 'no Allow naming the action still gives implicitDeny (a scoped Deny cannot change it)',
        statements: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*' },
          { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::secret' },
        ],
        action: 's3:DeleteBucket',
        expected: { decision: 'implicitDeny', noAllowIn: 'identity' },
      },
      {
        name: 'a scoped Allow with an unknown condition names both the resource and the key',
        statements: [
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: 'arn:aws:s3:::*',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          },
        ],
        action: 's3:DeleteBucket',
        expected: {
          decision: 'inconclusive',
          missingContextKeys: ['(resource)', 'aws:MultiFactorAuthPresent'],
        },
      },
    ],
    (statements) => testPolicies(alice, [statementsPolicy(statements)]),
  );

  it('a concrete ARN is matched as before', () => {
    const policies = testPolicies(alice, [
      statementsPolicy([{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::*' }]),
    ]);
    expect(evaluate(policies, request('s3:DeleteBucket', 'arn:aws:s3:::b')).decision).toBe('allowed');
    expect(evaluate(policies, request('s3:DeleteBucket', 'arn:aws:iam::111122223333:user/x')).decision).toBe(
      'implicitDeny',
    );
  });
});

// Missing data never decides silently (iamtrail's rule): a boundary set but not in the data is a
// layer whose verdict is unknown; identity policies missing from the data may allow.
describe('policies missing from the data', () => {
  const gone = `arn:aws:iam::${TEST_ACCOUNT}:policy/gone`;
  const bounded = { ...testUser('dave'), permissionsBoundaryArn: gone };
  const scp = (statements: readonly object[]): ScpLevel => ({
    target: 'r-abcd',
    policies: [{ ...statementsPolicy(statements), ref: { kind: 'scp', policy: 'scp', target: 'r-abcd' } }],
  });
  describe('a boundary set but not in the data (boundary: null)', () => {
    runTable(
      [
        {
          name: 'what the identity policies allow is inconclusive',
          statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          action: 'iam:CreateUser',
          expected: {
            decision: 'inconclusive',
            missingContextKeys: ['(permissions boundary not in the data)'],
          },
        },
        {
          name: 'what they do not allow stays implicitDeny',
          statements: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          action: 'iam:CreateUser',
          expected: { decision: 'implicitDeny', noAllowIn: 'identity' },
        },
        {
          name: 'what they deny stays explicitDeny',
          statements: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
          ],
          action: 'iam:CreateUser',
          expected: { decision: 'explicitDeny' },
        },
      ],
      (statements) => testPolicies(bounded, [statementsPolicy(statements)], { boundary: null }),
    );
  });
  describe('identity policies missing from the data (incomplete)', () => {
    runTable(
      [
        {
          name: 'an implicit denial by the identity layer becomes inconclusive',
          statements: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          action: 'iam:CreateUser',
          expected: { decision: 'inconclusive', missingContextKeys: ['(identity policies not in the data)'] },
        },
        {
          name: 'an Allow becomes inconclusive: a missing policy may deny it',
          statements: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
          action: 'iam:CreateUser',
          expected: { decision: 'inconclusive', missingContextKeys: ['(identity policies not in the data)'] },
        },
        {
          name: 'explicitDeny stays',
          statements: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
          ],
          action: 'iam:CreateUser',
          expected: { decision: 'explicitDeny' },
        },
      ],
      (statements) => testPolicies(alice, [statementsPolicy(statements)], { incomplete: [gone] }),
    );
    it('an SCP level without an Allow still denies implicitly: the missing identity policies cannot change it', () => {
      const policies = testPolicies(alice, [], {
        incomplete: [gone],
        scps: [scp([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }])],
      });
      expect(evaluate(policies, request('iam:CreateUser'))).toMatchObject({
        decision: 'implicitDeny',
        noAllowIn: 'scp:r-abcd',
      });
    });
    it('the result names the missing data in problems, whatever the decision', () => {
      const allowed = evaluate(
        testPolicies(alice, [allowAll], { incomplete: [gone, 'group ops'] }),
        request('s3:GetObject'),
      );
      expect(allowed.decision).toBe('inconclusive');
      expect(allowed.problems).toEqual([
        `identity policies missing from the data: ${gone}, group ops; the decision does not account for them`,
      ]);
      const unknown = evaluate(
        testPolicies(alice, [], { incomplete: ['group ops'] }),
        request('s3:GetObject'),
      );
      expect(unknown.problems).toEqual([
        'identity policies missing from the data: group ops; the decision does not account for them',
      ]);
    });
  });
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html: session tags (passed
// with sts:TagSession, or by a SAML / web identity provider) override the role's tags of the same
// key in aws:PrincipalTag/<key>.
describe('principal tags of roles whose sessions may carry session tags', () => {
  const abac = statementsPolicy([
    {
      Effect: 'Allow',
      Action: 'iam:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'admins' } },
    },
  ]);
  const trusting = (...actions: unknown[]) => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: actions },
    ],
  });
  const cases: { name: string; trust: unknown; tags: Record<string, string>; decision: Decision }[] = [
    {
      name: 'sts:AssumeRole only, tagged team=admins: known, allowed',
      trust: trusting('sts:AssumeRole'),
      tags: { team: 'admins' },
      decision: 'allowed',
    },
    {
      name: 'sts:AssumeRole only, untagged: known absent, implicitDeny',
      trust: trusting('sts:AssumeRole'),
      tags: {},
      decision: 'implicitDeny',
    },
    {
      name: 'sts:TagSession allowed, tagged team=dev: unknown',
      trust: trusting('sts:AssumeRole', 'sts:TagSession'),
      tags: { team: 'dev' },
      decision: 'inconclusive',
    },
    {
      name: 'sts:* allowed, untagged: unknown',
      trust: trusting('sts:*'),
      tags: {},
      decision: 'inconclusive',
    },
    { name: 'Action "*" allowed: unknown', trust: trusting('*'), tags: {}, decision: 'inconclusive' },
    {
      name: 'sts:AssumeRoleWithSAML (federation) allowed: unknown',
      trust: trusting('sts:AssumeRoleWithSAML'),
      tags: {},
      decision: 'inconclusive',
    },
    {
      name: 'sts:AssumeRoleWithWebIdentity as URL-encoded JSON: unknown',
      trust: encodeURIComponent(JSON.stringify(trusting('STS:AssumeRoleWithWebIdentity'))),
      tags: {},
      decision: 'inconclusive',
    },
    {
      name: 'sts:TagSession only in a Deny: known',
      trust: {
        Statement: [
          { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' },
          { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:TagSession' },
        ],
      },
      tags: { team: 'admins' },
      decision: 'allowed',
    },
    {
      name: 'a trust policy not in the data: unknown',
      trust: undefined,
      tags: { team: 'admins' },
      decision: 'inconclusive',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const role = { ...testRole('dev', testCase.tags), assumeRolePolicyDocument: testCase.trust };
      const result = evaluate(testPolicies(role, [abac]), request('iam:CreateUser'));
      expect(result.decision).toBe(testCase.decision);
      expect(result.missingContextKeys).toEqual(
        testCase.decision === 'inconclusive' ? ['aws:PrincipalTag/team'] : [],
      );
    });
  }
  it('the request context decides the key', () => {
    const role = { ...testRole('dev'), assumeRolePolicyDocument: trusting('sts:TagSession') };
    const tag = (value: string): ContextEntry[] => [
      { key: 'aws:PrincipalTag/team', values: [value], type: 'string' },
    ];
    expect(evaluate(testPolicies(role, [abac]), request('iam:CreateUser', '*', tag('admins'))).decision).toBe(
      'allowed',
    );
    expect(evaluate(testPolicies(role, [abac]), request('iam:CreateUser', '*', tag('dev'))).decision).toBe(
      'implicitDeny',
    );
  });
  it("a user's tags stay known", () => {
    const user = testUser('erin', { team: 'admins' });
    expect(evaluate(testPolicies(user, [abac]), request('iam:CreateUser')).decision).toBe('allowed');
  });
});

describe('principalPolicies and principalContext', () => {
  const boundaryArn = `arn:aws:iam::${TEST_ACCOUNT}:policy/gone`;
  const bounded = {
    ...testUser('carol'),
    groups: ['missing-group'],
    permissionsBoundaryArn: boundaryArn,
    attachedPolicies: [{ arn: `arn:aws:iam::${TEST_ACCOUNT}:policy/absent`, name: 'absent' }],
    inlinePolicies: [{ name: 'all', document: allowAll.document }],
  };
  const details: AuthorizationDetails = {
    users: [bounded],
    roles: [],
    groups: new Map(),
    policies: new Map(),
  };

  it('policies missing from the data: incomplete lists them, the boundary is null, and both say why', () => {
    const { policies, problems } = principalPolicies(details, bounded, TEST_ACCOUNT, undefined);
    expect(policies.boundary).toBeNull();
    expect(policies.incomplete).toEqual([
      'group missing-group',
      `arn:aws:iam::${TEST_ACCOUNT}:policy/absent`,
    ]);
    expect(problems).toEqual([
      'group missing-group is not in the file; its grants are missing',
      `managed policy arn:aws:iam::${TEST_ACCOUNT}:policy/absent is attached but not in the file; its grants are missing`,
      `permissions boundary ${boundaryArn} is not in the file; what it allows is unknown`,
    ]);
    const result = evaluate(policies, request('s3:GetObject'));
    expect(result).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['(identity policies not in the data)', '(permissions boundary not in the data)'],
    });
    expect(result.problems).toEqual([
      `identity policies missing from the data: group missing-group, arn:aws:iam::${TEST_ACCOUNT}:policy/absent; the decision does not account for them`,
      `the permissions boundary ${boundaryArn} is not in the data; what it allows is unknown`,
    ]);
  });

  it('a user implies its ARN, account, type User, user name, tags; a role type AssumedRole and no user name', () => {
    expect(principalContext(alice, TEST_ACCOUNT)).toEqual([
      { key: 'aws:PrincipalArn', values: [alice.arn], type: 'string' },
      { key: 'aws:PrincipalAccount', values: [TEST_ACCOUNT], type: 'string' },
      { key: 'aws:PrincipalType', values: ['User'], type: 'string' },
      { key: 'aws:PrincipalIsAWSService', values: ['false'], type: 'boolean' },
      { key: 'aws:username', values: ['alice'], type: 'string' },
      { key: 'aws:PrincipalTag/team', values: ['red'], type: 'string' },
    ]);
    const role = testRole('deployer');
    expect(principalContext(role, TEST_ACCOUNT).map((entry) => [entry.key, entry.values[0]])).toEqual([
      ['aws:PrincipalArn', role.arn],
      ['aws:PrincipalAccount', TEST_ACCOUNT],
      ['aws:PrincipalType', 'AssumedRole'],
      ['aws:PrincipalIsAWSService', 'false'],
    ]);
  });
});

describe('a policy variable without a value under a negation: unknown, never a certain decision', () => {
  // AWS: a variable it cannot resolve "might cause the entire statement to be invalid"
  // (reference_policies_variables.html). "Matches nothing" is safe for a positive match (the
  // statement does not apply either way); under a negation it would turn into "applies".
  const untagged = testUser('notag');
  const decide = (statements: unknown[], action: string, resource: string, context: ContextEntry[] = []) =>
    compilePolicies(
      testPolicies(untagged, [inlinePolicy('p', { Version: '2012-10-17', Statement: statements })]),
    )(request(action, resource, context));

  it('a Deny on StringNotEquals with ${aws:PrincipalTag/team} the user does not have', () => {
    const result = decide(
      [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { StringNotEquals: { 's3:ExistingObjectTag/owner': '${aws:PrincipalTag/team}' } },
        },
      ],
      's3:GetObject',
      'arn:aws:s3:::bucket/key',
      [{ key: 's3:ExistingObjectTag/owner', values: ['red'], type: 'string' }],
    );
    expect(result.decision).toBe('inconclusive');
    expect(result.problems.join('\n')).toContain(
      'StringNotEquals on s3:ExistingObjectTag/owner holds only because the policy variable ${aws:PrincipalTag/team} has no value here and no default',
    );
  });

  it('an Allow with NotResource naming ${aws:PrincipalTag/team}', () => {
    const result = decide(
      [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          NotResource: 'arn:aws:s3:::restricted/${aws:PrincipalTag/team}/*',
        },
      ],
      's3:GetObject',
      'arn:aws:s3:::restricted/red/payroll.csv',
    );
    expect(result.decision).toBe('inconclusive');
    expect(result.problems.join('\n')).toContain('NotResource holds only because the policy variable');
  });

  it('a positive match still fails (the statement does not apply), and a default or a value settles it', () => {
    const allow = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:PrincipalTag/team}/*' },
    ];
    expect(decide(allow, 's3:GetObject', 'arn:aws:s3:::home/red/x').decision).toBe('implicitDeny');
    const withDefault = [
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        NotResource: "arn:aws:s3:::restricted/${aws:PrincipalTag/team, 'none'}/*",
      },
    ];
    expect(decide(withDefault, 's3:GetObject', 'arn:aws:s3:::restricted/red/x').decision).toBe('allowed');
    const tagged = compilePolicies(
      testPolicies(testUser('red', { team: 'red' }), [
        inlinePolicy('p', {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              NotResource: 'arn:aws:s3:::restricted/${aws:PrincipalTag/team}/*',
            },
          ],
        }),
      ]),
    );
    expect(tagged(request('s3:GetObject', 'arn:aws:s3:::restricted/red/x')).decision).toBe('implicitDeny');
    expect(tagged(request('s3:GetObject', 'arn:aws:s3:::restricted/blue/x')).decision).toBe('allowed');
  });
});

describe('dates without a UTC offset are UTC, wherever iamtrail runs', () => {
  const before = (limit: string) =>
    compilePolicies(
      testPolicies(alice, [
        inlinePolicy('p', {
          Version: '2012-10-17',
          Statement: {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: '*',
            Condition: { DateLessThan: { 'aws:CurrentTime': limit } },
          },
        }),
      ]),
    );
  const at = (time: string) => [{ key: 'aws:CurrentTime', values: [time], type: 'date' as const }];

  // Node reads TZ anew when it changes: each case runs as on machines in three time zones.
  const inZones = (check: () => void) => {
    const saved = process.env.TZ;
    try {
      for (const zone of ['America/Los_Angeles', 'Asia/Tokyo', 'UTC']) {
        process.env.TZ = zone;
        check();
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  };

  it('in the policy and in the request alike', () => {
    inZones(() => {
      // 12:00 UTC is the limit: 11:59Z is before it, 12:01Z after, in any time zone of the machine.
      expect(
        before('2026-10-31T12:00:00')(request('s3:GetObject', '*', at('2026-10-31T11:59:00Z'))).decision,
      ).toBe('allowed');
      expect(
        before('2026-10-31T12:00:00')(request('s3:GetObject', '*', at('2026-10-31T12:01:00Z'))).decision,
      ).toBe('implicitDeny');
      expect(
        before('2026-10-31T12:00:00Z')(request('s3:GetObject', '*', at('2026-10-31T11:59'))).decision,
      ).toBe('allowed');
      expect(
        before('2026-10-31T12:00:00Z')(request('s3:GetObject', '*', at('2026-10-31T12:00:01.5'))).decision,
      ).toBe('implicitDeny');
    });
  });

  it('parseDate reads them as UTC; an explicit offset is kept', () => {
    inZones(() => {
      expect(parseDate('2026-10-31T12:00:00')).toBe(Date.UTC(2026, 9, 31, 12));
    });
    expect(parseDate('2026-10-31T12:00:00+02:00')).toBe(Date.UTC(2026, 9, 31, 10));
    expect(parseDate('2026-10-31')).toBe(Date.UTC(2026, 9, 31));
    expect(parseDate('1793448000')).toBe(1793448000 * 1000);
  });
});

describe('an address block as the request value of an IP condition', () => {
  const office = compilePolicies(
    testPolicies(alice, [
      inlinePolicy('p', {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
          {
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
          },
        ],
      }),
    ]),
  );
  const from = (value: string) =>
    office(request('s3:GetObject', '*', [{ key: 'aws:SourceIp', values: [value], type: 'ip' }]));

  it('inside the policy block: every address matches', () => {
    expect(from('10.1.2.0/24').decision).toBe('allowed');
    expect(from('10.1.2.7').decision).toBe('allowed');
  });

  it('apart from it: none does', () => {
    expect(from('192.168.0.0/16').decision).toBe('explicitDeny');
    expect(from('11.0.0.0/8').decision).toBe('explicitDeny');
  });

  it('a prefix that is not one: no address, so the NotIpAddress Deny applies (never a crash)', () => {
    // As a string value (the default type, which --context does not check as an address).
    const text = (value: string) =>
      office(request('s3:GetObject', '*', [{ key: 'aws:SourceIp', values: [value], type: 'string' }]));
    for (const value of [
      '10.0.0.0/abc',
      '10.0.0.0/-1',
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/1e1',
      '10.0.0.0/8/99',
    ])
      expect(text(value).decision, value).toBe('explicitDeny');
    expect(text('10.0.0.0/9').decision).toBe('allowed');
  });

  it('a policy value that is no address block matches no address (never every address)', () => {
    for (const policyValue of ['10.0.0.0/', '10.0.0.0/abc', '10.0.0.0/33', '10.0.0.0/8/9', 'office']) {
      const only = compilePolicies(
        testPolicies(alice, [
          inlinePolicy('p', {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: '*',
                Condition: { IpAddress: { 'aws:SourceIp': policyValue } },
              },
            ],
          }),
        ]),
      );
      for (const address of ['192.168.1.1', '10.1.2.3'])
        expect(
          only(request('s3:GetObject', '*', [{ key: 'aws:SourceIp', values: [address], type: 'ip' }]))
            .decision,
          `${policyValue} / ${address}`,
        ).toBe('implicitDeny');
    }
  });

  it('holding it: some do, so it depends on the address', () => {
    const result = from('0.0.0.0/0');
    expect(result.decision).toBe('inconclusive');
    expect(result.problems).toContain(
      "the request's address block 0.0.0.0/0 holds addresses in and out of the policy's 10.0.0.0/8: the answer depends on the address",
    );
  });
});

describe('a variable of an unknown key where no value of it could match: no missing key', () => {
  const scratchDeny = compilePolicies(
    testPolicies(alice, [
      inlinePolicy('p', {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::scratch/${aws:SourceVpc}/*' },
          {
            Effect: 'Deny',
            Action: 's3:ListBucket',
            Resource: '*',
            Condition: { StringLike: { 's3:prefix': 'vpc/${aws:SourceVpc}/*' } },
          },
          {
            Effect: 'Deny',
            Action: 's3:PutObject',
            Resource: '*',
            Condition: { StringEquals: { 's3:x-amz-server-side-encryption': 'kms-${aws:SourceVpc}' } },
          },
        ],
      }),
    ]),
  );

  it('a Resource whose fixed part cannot match the request: the Deny does not apply', () => {
    expect(scratchDeny(request('s3:DeleteObject', 'arn:aws:s3:::home/alice/notes.txt'))).toMatchObject({
      decision: 'allowed',
      missingContextKeys: [],
    });
    // Its fixed part matches: the VPC decides.
    expect(scratchDeny(request('s3:DeleteObject', 'arn:aws:s3:::scratch/vpc-1/x'))).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['aws:SourceVpc'],
    });
  });

  it('a condition value likewise, for like and exact operators', () => {
    const prefix = (value: string) => [{ key: 's3:prefix', values: [value], type: 'string' as const }];
    expect(scratchDeny(request('s3:ListBucket', '*', prefix('home/alice/')))).toMatchObject({
      decision: 'allowed',
      missingContextKeys: [],
    });
    expect(scratchDeny(request('s3:ListBucket', '*', prefix('vpc/vpc-1/x')))).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['aws:SourceVpc'],
    });
    const encryption = (value: string) => [
      { key: 's3:x-amz-server-side-encryption', values: [value], type: 'string' as const },
    ];
    expect(scratchDeny(request('s3:PutObject', '*', encryption('AES256')))).toMatchObject({
      decision: 'allowed',
      missingContextKeys: [],
    });
    expect(scratchDeny(request('s3:PutObject', '*', encryption('kms-vpc-1')))).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['aws:SourceVpc'],
    });
  });
});

describe('a variable of an unknown key under a negation, where no value of it could match', () => {
  // The key may be absent, and with no default an absent variable may make AWS take the statement
  // as invalid (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
  // no more certain than a variable of a key known to be absent.
  const untagged = testUser('notag');
  const decide = (statements: unknown[], resource: string, context: ContextEntry[] = []) =>
    compilePolicies(
      testPolicies(untagged, [inlinePolicy('p', { Version: '2012-10-17', Statement: statements })]),
    )(request('s3:GetObject', resource, context));
  const notResource = (variable: string) => [
    { Effect: 'Allow', Action: 's3:GetObject', NotResource: `arn:aws:s3:::restricted/${variable}/*` },
  ];

  it('an Allow with NotResource: inconclusive, as for a key known to be absent', () => {
    const absent = decide(notResource('${aws:PrincipalTag/team}'), 'arn:aws:s3:::public/x');
    const unknown = decide(notResource('${s3:ExistingObjectTag/team}'), 'arn:aws:s3:::public/x');
    expect(absent.decision).toBe('inconclusive');
    expect(unknown).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['s3:ExistingObjectTag/team'],
    });
    expect(unknown.problems.join('\n')).toContain('${s3:ExistingObjectTag/team}');
    // With a default the absent key has a value, which cannot match either: a certain Allow.
    expect(
      decide(notResource("${s3:ExistingObjectTag/team, 'none'}"), 'arn:aws:s3:::public/x').decision,
    ).toBe('allowed');
  });

  it('a Deny on a negated operator: inconclusive, never a certain Deny', () => {
    const statements = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringNotEquals: { 's3:ExistingObjectTag/owner': 'team-${s3:ExistingObjectTag/team}' } },
      },
    ];
    const owner: ContextEntry[] = [{ key: 's3:ExistingObjectTag/owner', values: ['red'], type: 'string' }];
    expect(decide(statements, 'arn:aws:s3:::b/k', owner)).toMatchObject({
      decision: 'inconclusive',
      missingContextKeys: ['s3:ExistingObjectTag/team'],
    });
  });
});
