import { describe, expect, it } from 'vitest';

import type { PolicyTestCase, PolicyTestFile } from '../../../../src/app/policy-tests/policy-test-types.js';
import { parsePolicyTestFile } from '../../../../src/app/policy-tests/read-test-file.js';
import {
  candidatePrincipals,
  isSystemRole,
  testCovers,
  withheldByGlobals,
} from '../../../../src/app/policy-tests/select-principals.js';
import type { IamRole, IamUser } from '../../../../src/iam/authorization-details.js';

const base = {
  createDate: undefined,
  inlinePolicies: [],
  attachedPolicies: [],
  permissionsBoundaryArn: undefined,
  tags: {},
};
const user = (name: string): IamUser => ({
  ...base,
  type: 'user',
  name,
  arn: `arn:aws:iam::111111111111:user/${name}`,
  path: '/',
  groups: [],
});
const role = (name: string, trust: unknown, path = '/', serviceLinked = false): IamRole => ({
  ...base,
  type: 'role',
  name,
  arn: `arn:aws:iam::111111111111:role${path}${name}`,
  path,
  serviceLinked,
  assumeRolePolicyDocument: trust,
  lastUsedDate: undefined,
  lastUsedKnown: false,
  instanceProfiles: [],
});
const trust = (principal: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
});

const alice = user('alice');
const admin = role('admin', trust({ AWS: 'arn:aws:iam::111111111111:root' }));
const lambda = role('worker', encodeURIComponent(JSON.stringify(trust({ Service: 'lambda.amazonaws.com' }))));
const linked = role(
  'AWSServiceRoleForSupport',
  trust({ Service: 'support.amazonaws.com' }),
  '/aws-service-role/support.amazonaws.com/',
  true,
);
const mixed = role('mixed', {
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111111111111:saml-provider/okta' },
      Action: 'sts:AssumeRoleWithSAML',
    },
  ],
});
const details = { users: [alice], roles: [admin, lambda, linked, mixed] };

describe('candidatePrincipals', () => {
  it('takes every user and role except service-linked ones by default', () => {
    expect(
      candidatePrincipals(details, { includeServiceRoles: false, includeSystemRoles: true }).map(
        (p) => p.name,
      ),
    ).toEqual(['alice', 'admin', 'worker', 'mixed']);
  });

  it('takes service-linked roles with --include-service-roles', () => {
    expect(
      candidatePrincipals(details, { includeServiceRoles: true, includeSystemRoles: true }).map(
        (p) => p.name,
      ),
    ).toEqual(['alice', 'admin', 'worker', 'AWSServiceRoleForSupport', 'mixed']);
  });

  it('leaves out roles only AWS services can assume with --no-include-system-roles', () => {
    expect(
      candidatePrincipals(details, { includeServiceRoles: false, includeSystemRoles: false }).map(
        (p) => p.name,
      ),
    ).toEqual(['alice', 'admin', 'mixed']);
  });

  it('keeps a role whose trust policy cannot be read', () => {
    expect(isSystemRole(role('odd', '%7Bnot json'))).toBe(false);
    expect(isSystemRole(role('none', undefined))).toBe(false);
  });
});

function testAt(file: PolicyTestFile, index: number): PolicyTestCase {
  const test = file.tests[index];
  if (test === undefined) throw new Error(`no test ${index}`);
  return test;
}

/*
 * aws-iam-tester (aws_iam_tester/lib/aws_iam_tester.py): `determine_source` keeps the users and
 * roles matching `global_limit_to` (when given), then removes those matching `global_exemptions`,
 * once, before any test; `evaluate_sources` then runs each test over that list: with the test's
 * `limit_to` a source must match it, else it must match none of the test's `exemptions`.
 */
describe('testCovers', () => {
  const file = parsePolicyTestFile(
    `global_exemptions:
- "arn:aws:iam::\\\\d{12}:role/admin"
tests:
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: fail
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: fail
  exemptions: ["arn:aws:iam::\\\\d{12}:user/"]
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: succeed
  limit_to: ["arn:aws:iam::\\\\d{12}:role/admin"]
- actions: [iam:CreateUser]
  resources: ["*"]
  expected_result: fail
  limit_to: ["arn:aws:iam::\\\\d{12}:user/alice"]
  exemptions: ["arn:aws:iam::\\\\d{12}:user/alice"]
`,
    't.yaml',
  );
  const covered = (tests: PolicyTestFile, index: number) =>
    [alice, admin, lambda].filter((p) => testCovers(tests, testAt(tests, index), p.arn)).map((p) => p.name);

  it('leaves out the global exemptions', () => {
    expect(covered(file, 0)).toEqual(['alice', 'worker']);
  });
  it("adds the test's exemptions to the global ones", () => {
    expect(covered(file, 1)).toEqual(['worker']);
  });
  it("never tests a globally exempt principal, even one the test's limit_to names", () => {
    expect(covered(file, 2)).toEqual([]);
    expect(withheldByGlobals(file, testAt(file, 2), admin.arn)).toBe(true);
    expect(withheldByGlobals(file, testAt(file, 2), alice.arn)).toBe(false);
  });
  it("ignores the test's exemptions when it has a limit_to", () => {
    expect(covered(file, 3)).toEqual(['alice']);
  });

  const limited = parsePolicyTestFile(
    `global_limit_to: ["arn:aws:iam::\\\\d{12}:role/"]
tests:
- actions: [s3:GetObject]
  resources: ["*"]
  expected_result: fail
- actions: [s3:GetObject]
  resources: ["*"]
  expected_result: fail
  exemptions: ["arn:aws:iam::\\\\d{12}:role/admin"]
- actions: [s3:GetObject]
  resources: ["*"]
  expected_result: fail
  limit_to: ["arn:aws:iam::\\\\d{12}:user/alice", "arn:aws:iam::\\\\d{12}:role/worker"]
`,
    't.yaml',
  );
  it('tests only what global_limit_to matches', () => {
    expect(covered(limited, 0)).toEqual(['admin', 'worker']);
  });
  it("applies the test's exemptions within global_limit_to", () => {
    expect(covered(limited, 1)).toEqual(['worker']);
  });
  it("narrows global_limit_to by the test's limit_to, never widens it", () => {
    expect(covered(limited, 2)).toEqual(['worker']);
    expect(withheldByGlobals(limited, testAt(limited, 2), alice.arn)).toBe(true);
  });
});
