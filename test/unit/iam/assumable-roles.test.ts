import { describe, expect, it } from 'vitest';

import { arnMatchesPattern, assumableRoles } from '../../../src/iam/assumable-roles.js';
import type { KnownRole } from '../../../src/iam/assumable-roles.js';
import { parseAuthorizationDetails } from '../../../src/iam/authorization-details.js';
import { findPrincipal } from '../../../src/iam/principals.js';
import { roleWithStatements } from '../../helpers/iam.js';
import type { Statement } from '../../helpers/iam.js';

const role = (account: string, name: string): KnownRole => ({
  arn: `arn:aws:iam::${account}:role/${name}`,
  name,
  accountId: account,
  accountName: account === '111111111111' ? 'prod' : 'dev',
});
const KNOWN = [
  role('111111111111', 'admin'),
  role('111111111111', 'readonly'),
  role('111111111111', 'reader-audit'),
  role('222222222222', 'admin'),
  role('222222222222', 'deploy'),
];

function assumable(...statements: Statement[]): string[][] {
  const details = roleWithStatements(statements);
  const principal = findPrincipal(details, 'role', 'test_role');
  if (principal === undefined) throw new Error('no test_role');
  return assumableRoles(details, principal, KNOWN).roles.map((entry) => [
    `${entry.accountId}:${entry.name}`,
    entry.conditional ? 'conditional' : 'always',
  ]);
}

describe('assumableRoles', () => {
  it('expands Resource wildcards against the known roles of every account', () => {
    expect(
      assumable({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: ['arn:aws:iam::111111111111:role/read*', 'arn:aws:iam::*:role/admin'],
      }),
    ).toEqual([
      ['111111111111:admin', 'always'],
      ['111111111111:reader-audit', 'always'],
      ['111111111111:readonly', 'always'],
      ['222222222222:admin', 'always'],
    ]);
  });

  it('reads sts:* and * as AssumeRole, NotAction and NotResource as their complements', () => {
    expect(
      assumable({ Effect: 'Allow', Action: 'sts:*', Resource: 'arn:aws:iam::222222222222:role/*' }),
    ).toEqual([
      ['222222222222:admin', 'always'],
      ['222222222222:deploy', 'always'],
    ]);
    expect(assumable({ Effect: 'Allow', Action: '*', Resource: '*' })).toHaveLength(5);
    expect(assumable({ Effect: 'Allow', NotAction: 'sts:AssumeRole', Resource: '*' })).toEqual([]);
    expect(
      assumable({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        NotResource: 'arn:aws:iam::111111111111:role/*',
      }),
    ).toEqual([
      ['222222222222:admin', 'always'],
      ['222222222222:deploy', 'always'],
    ]);
    expect(assumable({ Effect: 'Allow', Action: 'sts:AssumeRoleWithSAML', Resource: '*' })).toEqual([]);
  });

  it('removes unconditional Denies and marks conditional grants', () => {
    expect(
      assumable(
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::111111111111:role/*' },
        { Effect: 'Deny', Action: 'sts:*', Resource: 'arn:aws:iam::111111111111:role/admin' },
        {
          Effect: 'Deny',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::111111111111:role/readonly',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::222222222222:role/deploy',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
        },
      ),
    ).toEqual([
      ['111111111111:reader-audit', 'always'],
      ['111111111111:readonly', 'conditional'],
      ['222222222222:deploy', 'conditional'],
    ]);
  });

  it("resolves policy variables as IAM does: ${aws:username} is a user's name, and a role has none", () => {
    // A user `reader` (tagged team=audit) whose policy names roles through variables
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
    const userDetails = (statements: Statement[]) =>
      parseAuthorizationDetails([
        {
          UserDetailList: [
            {
              UserName: 'reader',
              UserId: 'AIDAREADER',
              Arn: 'arn:aws:iam::111111111111:user/reader',
              Path: '/',
              Tags: [{ Key: 'team', Value: 'audit' }],
              UserPolicyList: [
                { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } },
              ],
              AttachedManagedPolicies: [],
              GroupList: [],
            },
          ],
        },
      ]);
    const ofUser = (...statements: Statement[]) => {
      const details = userDetails(statements);
      const principal = findPrincipal(details, 'user', 'reader');
      if (principal === undefined) throw new Error('no reader');
      return assumableRoles(details, principal, KNOWN).roles.map((entry) => [
        `${entry.accountId}:${entry.name}`,
        entry.conditional ? 'conditional' : 'always',
      ]);
    };
    expect(
      ofUser({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::*:role/${aws:username}-*',
      }),
    ).toEqual([['111111111111:reader-audit', 'always']]);
    // A condition on a key the user implies is settled: the tag is team=audit, not team=ops.
    expect(
      ofUser({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::222222222222:role/*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ops' } },
      }),
    ).toEqual([]);
    expect(
      ofUser({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::222222222222:role/*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'audit' } },
      }),
    ).toEqual([
      ['222222222222:admin', 'always'],
      ['222222222222:deploy', 'always'],
    ]);
    // A role has no aws:username: the pattern names no role, and under NotResource a statement
    // that may be invalid grants nothing certain.
    expect(
      assumable({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::*:role/${aws:username}-*',
      }),
    ).toEqual([]);
    expect(
      assumable({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        NotResource: 'arn:aws:iam::*:role/${aws:username}',
      }).every(([, how]) => how === 'conditional'),
    ).toBe(true);
  });

  it('names the statements that grant each role', () => {
    const details = roleWithStatements(
      [
        {
          Sid: 'Prod',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::111111111111:role/admin',
        },
      ],
      [{ Effect: 'Allow', Action: 'sts:*', Resource: 'arn:aws:iam::*:role/admin' }],
    );
    const principal = findPrincipal(details, 'role', 'test_role');
    if (principal === undefined) throw new Error('no test_role');
    const roles = assumableRoles(details, principal, KNOWN).roles;
    expect(roles.map((entry) => [entry.arn, entry.sources])).toEqual([
      [
        'arn:aws:iam::111111111111:role/admin',
        [
          { kind: 'inline', policy: 'policy0', statement: 0, sid: 'Prod' },
          { kind: 'inline', policy: 'policy1', statement: 0 },
        ],
      ],
      ['arn:aws:iam::222222222222:role/admin', [{ kind: 'inline', policy: 'policy1', statement: 0 }]],
    ]);
  });

  it('matches ARNs case-sensitively, * across any characters and ? as one', () => {
    expect(
      arnMatchesPattern('arn:aws:iam::111111111111:role/Admin', 'arn:aws:iam::111111111111:role/admin'),
    ).toBe(false);
    expect(arnMatchesPattern('arn:aws:iam::111111111111:role/a/b/admin', 'arn:aws:iam::*:role/*admin')).toBe(
      true,
    );
    expect(
      arnMatchesPattern('arn:aws:iam::111111111111:role/admin1', 'arn:aws:iam::111111111111:role/admin?'),
    ).toBe(true);
    expect(
      arnMatchesPattern('arn:aws:iam::111111111111:role/admin', 'arn:aws:iam::111111111111:role/adm.n'),
    ).toBe(false);
  });
});
