import { describe, expect, it } from 'vitest';

import { parsePolicyDocument, PolicyDocumentError } from '../../../src/iam/policy-document.js';

describe('parsePolicyDocument', () => {
  it('takes Statement as a single object and Action as a string (CloudTracker case 1, make_list)', () => {
    const document = parsePolicyDocument(
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'hello', Resource: '*' } },
      'doc',
    );
    expect(document.statements).toEqual([
      {
        index: 0,
        sid: undefined,
        effect: 'Allow',
        action: { not: false, patterns: ['hello'] },
        resource: { not: false, patterns: ['*'] },
        hasCondition: false,
        conditions: [],
      },
    ]);
  });

  it('reads a Condition block into one clause per operator and key, booleans and numbers as their JSON text', () => {
    const document = parsePolicyDocument(
      {
        Statement: {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: {
            Bool: { 'aws:MultiFactorAuthPresent': true },
            'ForAnyValue:StringLike': { 'aws:TagKeys': ['a*', 'b'] },
            NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
          },
        },
      },
      'doc',
    );
    expect(document.statements[0]?.conditions).toEqual([
      { operator: 'Bool', key: 'aws:MultiFactorAuthPresent', values: ['true'] },
      { operator: 'ForAnyValue:StringLike', key: 'aws:TagKeys', values: ['a*', 'b'] },
      { operator: 'NumericLessThan', key: 'aws:MultiFactorAuthAge', values: ['3600'] },
    ]);
    expect(() =>
      parsePolicyDocument(
        { Statement: { Effect: 'Allow', Action: '*', Condition: { Bool: { 'aws:SecureTransport': [{}] } } } },
        'doc',
      ),
    ).toThrow(
      'doc.Statement.Condition.Bool.aws:SecureTransport[0]: expected a string, number or boolean, got an object',
    );
  });

  it('takes Statement and Action as arrays, NotAction and NotResource, and notices conditions', () => {
    const document = parsePolicyDocument(
      {
        Statement: [
          { Sid: 'a', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: ['arn:aws:s3:::b', '*'] },
          {
            Effect: 'Deny',
            NotAction: 'iam:*',
            NotResource: 'arn:aws:iam::1:role/x',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
          },
          { Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: {} },
        ],
      },
      'doc',
    );
    expect(
      document.statements.map((s) => [s.index, s.sid, s.effect, s.action, s.resource, s.hasCondition]),
    ).toEqual([
      [
        0,
        'a',
        'Allow',
        { not: false, patterns: ['s3:Get*', 's3:List*'] },
        { not: false, patterns: ['arn:aws:s3:::b', '*'] },
        false,
      ],
      [
        1,
        undefined,
        'Deny',
        { not: true, patterns: ['iam:*'] },
        { not: true, patterns: ['arn:aws:iam::1:role/x'] },
        true,
      ],
      [2, undefined, 'Allow', { not: false, patterns: ['ec2:*'] }, { not: false, patterns: ['*'] }, false],
    ]);
  });

  it('decodes URL-encoded JSON strings, as the raw IAM API returns them', () => {
    const json = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::a+b/*' }],
    });
    const document = parsePolicyDocument(encodeURIComponent(json), 'doc');
    expect(document.statements[0]?.resource?.patterns).toEqual(['arn:aws:s3:::a+b/*']);
  });

  it('reads a plain JSON string', () => {
    const document = parsePolicyDocument(
      '{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}',
      'doc',
    );
    expect(document.statements[0]?.effect).toBe('Deny');
  });

  it.each([
    {
      input: { Statement: { Effect: 'allow', Action: 's3:*', Resource: '*' } },
      path: 'doc.Statement.Effect',
      problem: 'expected "Allow" or "Deny", got "allow"',
    },
    {
      input: { Statement: [{ Effect: 'Allow', Resource: '*' }] },
      path: 'doc.Statement[0]',
      problem: 'has neither Action nor NotAction',
    },
    {
      input: { Statement: [{ Effect: 'Allow', Action: 's3:*', NotAction: 'iam:*' }] },
      path: 'doc.Statement[0]',
      problem: 'has both Action and NotAction; a statement takes one of them',
    },
    {
      input: { Statement: [{ Effect: 'Allow', Action: ['s3:*', 42] }] },
      path: 'doc.Statement[0].Action[1]',
      problem: 'expected a string, got a number',
    },
    {
      input: { Statement: [{ Effect: 'Allow', Action: 's3:*', Condition: 'x' }] },
      path: 'doc.Statement[0].Condition',
      problem: 'expected an object, got "x"',
    },
    { input: { Version: '2012-10-17' }, path: 'doc.Statement', problem: 'missing' },
    { input: 42, path: 'doc', problem: 'expected a policy document object, got a number' },
    { input: '%7B%22Statement', path: 'doc', problem: 'is a string that does not hold valid JSON' },
    { input: '%E0%A4%A', path: 'doc', problem: 'is a string that is neither JSON nor URL-encoded JSON' },
  ])('names the path of a bad part: $path $problem', ({ input, path, problem }) => {
    try {
      parsePolicyDocument(input, 'doc');
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyDocumentError);
      expect((error as PolicyDocumentError).path).toBe(path);
      expect((error as PolicyDocumentError).problem).toContain(problem);
    }
  });
});
