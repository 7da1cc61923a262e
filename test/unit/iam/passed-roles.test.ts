import { describe, expect, it } from 'vitest';

import { parseAuthorizationDetails } from '../../../src/iam/authorization-details.js';
import { resolvePassedRoles } from '../../../src/iam/passed-roles.js';
import type { ResourceUsageRow } from '../../../src/trail/resource-usage.js';

const ACCOUNT = '111122223333';

/** Roles as get-account-authorization-details lists them, each with the instance profiles holding it. */
const details = parseAuthorizationDetails([
  {
    RoleDetailList: [
      {
        RoleName: 'web-role',
        Path: '/',
        Arn: `arn:aws:iam::${ACCOUNT}:role/web-role`,
        RolePolicyList: [],
        AttachedManagedPolicies: [],
        InstanceProfileList: [
          {
            InstanceProfileName: 'web-profile',
            Path: '/apps/',
            Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/apps/web-profile`,
            Roles: [],
          },
        ],
      },
      {
        RoleName: 'ecsServiceRole',
        Path: '/service-role/',
        Arn: `arn:aws:iam::${ACCOUNT}:role/service-role/ecsServiceRole`,
        RolePolicyList: [],
        AttachedManagedPolicies: [],
      },
    ],
  },
]);

function row(
  eventSource: string,
  eventName: string,
  resource: string,
  kind: ResourceUsageRow['kind'] = 'passed_role',
) {
  return {
    accountId: ACCOUNT,
    day: '2026-03-02',
    actorArn: `arn:aws:iam::${ACCOUNT}:user/ops`,
    eventSource,
    eventName,
    kind,
    resource,
    calls: 1,
  };
}

describe('resolvePassedRoles', () => {
  it('gives the role of an instance profile (by ARN, or by name when its path is not known), and of a role name', () => {
    // EC2 passes the role of the profile (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html);
    // ECS takes the role's name prefixed with its path (CreateService `role`).
    const rows = [
      row('ec2.amazonaws.com', 'RunInstances', `arn:aws:iam::${ACCOUNT}:instance-profile/apps/web-profile`),
      row('ec2.amazonaws.com', 'RunInstances', `arn:aws:iam::${ACCOUNT}:instance-profile/web-profile`),
      row('ecs.amazonaws.com', 'CreateService', 'service-role/ecsServiceRole'),
      row('glue.amazonaws.com', 'CreateJob', 'ecsServiceRole'),
      row('lambda.amazonaws.com', 'CreateFunction20150331', `arn:aws:iam::${ACCOUNT}:role/other`),
      row('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::b/*', 'target'),
    ];
    const result = resolvePassedRoles(rows, details);
    expect(result.rows.map((entry) => entry.resource)).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/web-role`,
      `arn:aws:iam::${ACCOUNT}:role/web-role`,
      `arn:aws:iam::${ACCOUNT}:role/service-role/ecsServiceRole`,
      `arn:aws:iam::${ACCOUNT}:role/service-role/ecsServiceRole`,
      `arn:aws:iam::${ACCOUNT}:role/other`,
      'arn:aws:s3:::b/*',
    ]);
    expect(result.unresolved).toEqual([]);
  });

  it('leaves out and names what the IAM data does not resolve, never guessing a role', () => {
    const rows = [
      row('ec2.amazonaws.com', 'RunInstances', `arn:aws:iam::${ACCOUNT}:instance-profile/gone`),
      row('ec2.amazonaws.com', 'RunInstances', `arn:aws:iam::${ACCOUNT}:instance-profile/gone`),
      row('glue.amazonaws.com', 'CreateJob', 'GlueRole'),
    ];
    const result = resolvePassedRoles(rows, details);
    expect(result.rows).toEqual([]);
    expect(result.unresolved).toEqual([
      {
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RunInstances',
        reference: `arn:aws:iam::${ACCOUNT}:instance-profile/gone`,
        reason: 'the IAM data holds no role in that instance profile',
        calls: 2,
      },
      {
        eventSource: 'glue.amazonaws.com',
        eventName: 'CreateJob',
        reference: 'GlueRole',
        reason: 'the IAM data holds no role of that name',
        calls: 1,
      },
    ]);
  });
});
