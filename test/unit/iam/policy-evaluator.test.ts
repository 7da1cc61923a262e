import { describe, expect, it } from 'vitest';

import type { AuthorizationDetails } from '../../../src/iam/authorization-details.js';
import type { ContextEntry } from '../../../src/iam/policy-evaluation.js';
import { compilePolicies, evaluate } from '../../../src/iam/policy-evaluator.js';
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

describe('resource "*" in the request', () => {
  it('matches only patterns that match every ARN', () => {
    const policy = inlinePolicy('p', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*' },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:*' },
      ],
    });
    expect(evaluate(testPolicies(alice, [policy]), request('s3:GetObject')).decision).toBe('implicitDeny');
    expect(evaluate(testPolicies(alice, [policy]), request('s3:PutObject')).decision).toBe('allowed');
  });
});

describe('principalPolicies and principalContext', () => {
  const boundaryArn = `arn:aws:iam::${TEST_ACCOUNT}:policy/gone`;
  const bounded = {
    ...testUser('carol'),
    groups: ['missing-group'],
    permissionsBoundaryArn: boundaryArn,
    inlinePolicies: [{ name: 'all', document: allowAll.document }],
  };
  const details: AuthorizationDetails = {
    users: [bounded],
    roles: [],
    groups: new Map(),
    policies: new Map(),
  };

  it('a boundary missing from the data is null: nothing is allowed through it, and both say why', () => {
    const { policies, problems } = principalPolicies(details, bounded, TEST_ACCOUNT, undefined);
    expect(policies.boundary).toBeNull();
    expect(problems).toEqual([
      'group missing-group is not in the file; its grants are missing',
      `permissions boundary ${boundaryArn} is not in the file; nothing is allowed through it`,
    ]);
    const result = evaluate(policies, request('s3:GetObject'));
    expect(result).toMatchObject({ decision: 'implicitDeny', noAllowIn: 'boundary' });
    expect(result.problems).toEqual([
      `the permissions boundary ${boundaryArn} is not in the data; nothing is allowed through it`,
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
