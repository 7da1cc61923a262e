import { describe, expect, it } from 'vitest';

import { arnMatchesPattern, assumableRoles } from '../../../src/iam/assumable-roles.js';
import type { KnownRole } from '../../../src/iam/assumable-roles.js';
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
