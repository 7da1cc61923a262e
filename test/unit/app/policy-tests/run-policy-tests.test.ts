import { describe, expect, it } from 'vitest';

import { parseContextFlag } from '../../../../src/app/policy-tests/check-access.js';
import { parsePolicyTestFile } from '../../../../src/app/policy-tests/read-test-file.js';
import { fillResource, testContext } from '../../../../src/app/policy-tests/run-policy-tests.js';
import { UsageError } from '../../../../src/errors.js';

describe('testContext', () => {
  it("starts from aws-iam-tester's defaults and lets custom_context override a key in any case", () => {
    const [test] = parsePolicyTestFile(
      `tests:
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: fail
  custom_context:
  - context_key_name: AWS:multifactorauthpresent
    context_key_values: false
    context_key_type: boolean
  - context_key_name: aws:SourceIp
    context_key_values: [10.0.0.1, 10.0.0.2]
    context_key_type: ipList
`,
      't.yaml',
    ).tests;
    if (test === undefined) throw new Error('no test parsed');
    expect(testContext(test)).toEqual([
      { key: 'redshift:DbUser', values: ['admin'], type: 'string' },
      { key: 'AWS:multifactorauthpresent', values: ['false'], type: 'boolean' },
      { key: 'aws:SourceIp', values: ['10.0.0.1', '10.0.0.2'], type: 'ipList' },
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
});
