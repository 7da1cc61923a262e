import { describe, expect, it } from 'vitest';

import { parseContextFlag } from '../../../../src/app/policy-tests/check-access.js';
import { parsePolicyTestFile } from '../../../../src/app/policy-tests/read-test-file.js';
import {
  fillResource,
  summarize,
  testContext,
  uncheckedWarnings,
  withDefaultContext,
} from '../../../../src/app/policy-tests/run-policy-tests.js';
import { UsageError } from '../../../../src/errors.js';

/*
 * aws-iam-tester (aws_iam_tester/lib/aws_iam_tester.py): check_account passes a test's converted
 * custom_context as sim_context, and simulate() sets its default context (MFA true, redshift:DbUser
 * admin) only `if not sim_context`: a test with a custom_context gets exactly its keys.
 */
describe('testContext', () => {
  const [custom, plain] = parsePolicyTestFile(
    `tests:
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: fail
  custom_context:
  - context_key_name: aws:SourceIp
    context_key_values: [10.0.0.1, 10.0.0.2]
    context_key_type: ipList
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: fail
  custom_context:
`,
    't.yaml',
  ).tests;
  it('is the custom_context alone when the test gives one: no default key is added', () => {
    if (custom === undefined) throw new Error('no test parsed');
    expect(testContext(custom)).toEqual([
      { key: 'aws:SourceIp', values: ['10.0.0.1', '10.0.0.2'], type: 'ipList' },
    ]);
  });
  it("is aws-iam-tester's default context when the test gives none", () => {
    if (plain === undefined) throw new Error('no test parsed');
    expect(testContext(plain)).toEqual([
      { key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' },
      { key: 'redshift:DbUser', values: ['admin'], type: 'string' },
    ]);
  });
});

describe('withDefaultContext (iamtrail access --context)', () => {
  it('overrides a default key given in any case, and keeps the others', () => {
    expect(
      withDefaultContext([
        { key: 'AWS:multifactorauthpresent', values: ['false'], type: 'boolean' },
        { key: 'aws:SourceIp', values: ['10.0.0.1'], type: 'ip' },
      ]),
    ).toEqual([
      { key: 'redshift:DbUser', values: ['admin'], type: 'string' },
      { key: 'AWS:multifactorauthpresent', values: ['false'], type: 'boolean' },
      { key: 'aws:SourceIp', values: ['10.0.0.1'], type: 'ip' },
    ]);
  });
});

describe('fillResource', () => {
  it('fills every {account_id}', () => {
    expect(fillResource('arn:aws:s3:::logs-{account_id}/{account_id}/*', '222222222222')).toBe(
      'arn:aws:s3:::logs-222222222222/222222222222/*',
    );
  });
});

describe('parseContextFlag', () => {
  it('reads KEY=VALUE[:TYPE], a value with colons, and list types', () => {
    expect(parseContextFlag('aws:MultiFactorAuthPresent=false:boolean')).toEqual({
      key: 'aws:MultiFactorAuthPresent',
      values: ['false'],
      type: 'boolean',
    });
    expect(parseContextFlag('aws:PrincipalArn=arn:aws:iam::1:role/x')).toEqual({
      key: 'aws:PrincipalArn',
      values: ['arn:aws:iam::1:role/x'],
      type: 'string',
    });
    expect(parseContextFlag('aws:TagKeys=a,b:stringList')).toEqual({
      key: 'aws:TagKeys',
      values: ['a', 'b'],
      type: 'stringList',
    });
  });
  it('refuses a value without =', () => {
    expect(() => parseContextFlag('aws:SourceIp')).toThrow(UsageError);
  });
  it('refuses a value not of its type, naming the flag and the value', () => {
    expect(() => parseContextFlag('aws:SourceIp=10.0.0.1,999.0.0.1:ipList')).toThrow(
      '--context "aws:SourceIp=10.0.0.1,999.0.0.1:ipList": "999.0.0.1" is not an IP address or CIDR block',
    );
    expect(() => parseContextFlag('aws:MultiFactorAuthPresent=yes:boolean')).toThrow(UsageError);
    expect(() => parseContextFlag('aws:CurrentTime=tomorrow:date')).toThrow('"tomorrow" is not a date');
    expect(() => parseContextFlag(' =x')).toThrow('the key is empty');
    expect(parseContextFlag('aws:MultiFactorAuthPresent=False:boolean').values).toEqual(['False']);
  });
});

describe('parseContextFlag: the type suffix', () => {
  it('reads a type in any case, as the one it names', () => {
    expect(parseContextFlag('aws:MultiFactorAuthPresent=false:Boolean')).toEqual({
      key: 'aws:MultiFactorAuthPresent',
      values: ['false'],
      type: 'boolean',
    });
    expect(parseContextFlag('aws:SourceIp=10.0.0.1:IP').type).toBe('ip');
    expect(parseContextFlag('aws:TagKeys=a,b:STRINGLIST')).toEqual({
      key: 'aws:TagKeys',
      values: ['a', 'b'],
      type: 'stringList',
    });
  });
  it('refuses a suffix of letters that is no type, naming it, the types and the close one', () => {
    expect(() => parseContextFlag('aws:MultiFactorAuthPresent=false:bool')).toThrow(
      '--context "aws:MultiFactorAuthPresent=false:bool": "bool" is not a context key type (string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList)',
    );
    try {
      parseContextFlag('aws:MultiFactorAuthPresent=false:bolean');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).suggestions[0]).toBe(
        'Did you mean --context aws:MultiFactorAuthPresent=false:boolean?',
      );
    }
  });
  it('takes a value ending in :letters far from any type as a string, or with its type given', () => {
    expect(parseContextFlag('aws:PrincipalArn=arn:aws:iam::123456789012:root')).toEqual({
      key: 'aws:PrincipalArn',
      values: ['arn:aws:iam::123456789012:root'],
      type: 'string',
    });
    expect(parseContextFlag('aws:SourceArn=arn:aws:sns:us-east-1:123456789012:alerts').values).toEqual([
      'arn:aws:sns:us-east-1:123456789012:alerts',
    ]);
    expect(parseContextFlag('aws:PrincipalArn=arn:aws:iam::123456789012:root:string')).toEqual({
      key: 'aws:PrincipalArn',
      values: ['arn:aws:iam::123456789012:root'],
      type: 'string',
    });
  });
});

describe('summarize and uncheckedWarnings', () => {
  it('counts a succeed test without any case as unchecked, and says why', () => {
    expect(summarize([], 'succeed')).toEqual({
      cases: 0,
      pass: 0,
      fail: 0,
      inconclusive: 0,
      contradicted: 0,
      unchecked: 1,
    });
    expect(summarize([], 'fail').unchecked).toBe(0);
    expect(uncheckedWarnings('t.yaml', { name: 'keep', line: 7, expected: 'succeed' }, 0, 0)).toEqual([
      'test "keep" (t.yaml:7): its selection (limit_to, exemptions, global ones) covers no principal of the accounts tested: a promise nobody was tested against is not kept: counted unchecked, a finding (exit code 1)',
    ]);
    expect(uncheckedWarnings('t.yaml', { name: 'deny', line: 3, expected: 'fail' }, 0, 0)[0]).toContain(
      'covers no principal of the accounts tested: it checks nothing',
    );
    expect(uncheckedWarnings('t.yaml', { name: 'deny', line: 3, expected: 'fail' }, 2, 4)).toEqual([]);
  });
});
