import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadActionData } from '../../src/cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../src/cli/iam-file.js';
import { computeGrantedActions } from '../../src/iam/granted-actions.js';
import { grantsOf } from '../helpers/iam.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';

// salesforce/cloudsplaining examples/files/example.json (BSD-3), a real authorization-details dump.
describe.runIf(hasDatasets())('cloudsplaining-iam-vulnerable-authz', () => {
  const file = join(DATASETS_DIR, 'cloudsplaining-iam-vulnerable-authz/example.json.gz');
  const details = readAuthorizationDetailsFile(file);
  const { catalog } = loadActionData();
  const actionLines = readFileSync(join(REPO_ROOT, 'data/aws_actions.txt'), 'utf8').trimEnd().split('\n');
  const countPrefix = (prefix: string): number =>
    actionLines.filter((line) => line.startsWith(prefix)).length;
  const names = (type: 'user' | 'role', name: string): string[] =>
    grantsOf(details, type, name).actions.map((a) => a.action);

  it('parses every principal, group and policy', () => {
    expect(details.users).toHaveLength(41);
    expect(details.roles).toHaveLength(75);
    expect(details.groups.size).toBe(3);
    expect(details.policies.size).toBe(56);
    expect(details.roles.filter((role) => role.serviceLinked).length).toBeGreaterThan(0);
  });

  it('computes grants for every principal without a missing policy or group', () => {
    for (const principal of [...details.users, ...details.roles]) {
      expect(computeGrantedActions(details, principal, catalog).problems, principal.arn).toEqual([]);
    }
  });

  it('fn4-exploitableNotAction-user: Allow NotAction [iam:Update*, iam:Create*, iam:Attach*] is everything else', () => {
    const granted = names('user', 'fn4-exploitableNotAction-user');
    expect(granted).toHaveLength(
      actionLines.length - countPrefix('iam:Update') - countPrefix('iam:Create') - countPrefix('iam:Attach'),
    );
    expect(granted).toHaveLength(22056);
    expect(granted).toContain('iam:PassRole');
    expect(granted).not.toContain('iam:CreateAccessKey');
  });

  it('fp1-allow-and-deny-user: Allow iam:* and Deny iam:* in one policy grants nothing', () => {
    expect(names('user', 'fp1-allow-and-deny-user')).toEqual([]);
    expect(grantsOf(details, 'user', 'fp1-allow-and-deny-user').denied).toHaveLength(countPrefix('iam:'));
  });

  it('fp2-allow-and-deny-multiple-policies-user: Allow * in one policy, Deny * in another grants nothing', () => {
    expect(names('user', 'fp2-allow-and-deny-multiple-policies-user')).toEqual([]);
  });

  it('privesc-sre-user: iam:*, ec2:* and s3:* through a group-attached policy', () => {
    const grants = grantsOf(details, 'user', 'privesc-sre-user');
    expect(grants.actions).toHaveLength(countPrefix('iam:') + countPrefix('ec2:') + countPrefix('s3:'));
    expect(grants.actions).toHaveLength(1196);
    expect(grants.actions[0]?.sources).toEqual([
      {
        kind: 'group-managed',
        policy: 'privesc-sre-admin-policy',
        policyArn: 'arn:aws:iam::200611803367:policy/privesc-sre-admin-policy',
        group: 'privesc-sre-group',
        statement: 0,
        limited: false,
      },
    ]);
  });

  it('fn1-privesc3-partial-user: two attached managed policies', () => {
    expect(names('user', 'fn1-privesc3-partial-user')).toEqual([
      'ec2:DescribeInstances',
      'ec2:RunInstances',
      'iam:PassRole',
    ]);
  });
});
