import type { ResourceUsageRow } from '../trail/resource-usage.js';
import type { AuthorizationDetails, IamRole } from './authorization-details.js';

/*
 * The roles a principal's calls passed to a service, as IAM checks them (`iam:PassRole` on the
 * role's ARN): the logs name a passed role by its ARN, by its name (ECS's and Glue's `role`), or
 * by the EC2 instance profile that holds it (RunInstances, AssociateIamInstanceProfile: the role
 * of the profile is passed, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html).
 * A name or a profile is resolved with the account's IAM data; what it cannot resolve is said,
 * never guessed.
 */

/** A passed role the IAM data does not resolve: the call's event, what it named, and why. */
export interface UnresolvedPassedRole {
  /** `eventSource EventName` of the call. */
  readonly eventSource: string;
  readonly eventName: string;
  /** What the call named: an instance profile's ARN, or a role's name. */
  readonly reference: string;
  readonly reason: string;
  readonly calls: number;
}

const ROLE_ARN = /^arn:[^:]+:iam::[^:]*:role\//;
const PROFILE_ARN = /^arn:[^:]+:iam::([^:]*):instance-profile\/(?:.*\/)?([^/]+)$/;

/** The roles holding an instance profile: by its ARN, else by its name in the account. */
function rolesOfProfile(roles: readonly IamRole[], arn: string, account: string, name: string): IamRole[] {
  const byArn = roles.filter((role) => role.instanceProfiles.some((profile) => profile.arn === arn));
  if (byArn.length > 0) return byArn;
  return roles.filter(
    (role) =>
      role.arn.split(':')[4] === account && role.instanceProfiles.some((profile) => profile.name === name),
  );
}

/** The role of a name as a call gives it: its name, or its path and name (`service-role/app`). */
function roleNamed(roles: readonly IamRole[], name: string): IamRole[] {
  return roles.filter((role) => role.name === name || `${role.path}${role.name}`.replace(/^\//, '') === name);
}

/**
 * The resource rows with each passed role (`passed_role` row) as the role's ARN, and those the IAM
 * data does not resolve (an instance profile or role name it does not hold, or holds ambiguously)
 * apart: their rows are left out, so nothing is allowed or replayed on a guess.
 */
export function resolvePassedRoles(
  rows: readonly ResourceUsageRow[],
  details: AuthorizationDetails,
): { readonly rows: ResourceUsageRow[]; readonly unresolved: UnresolvedPassedRole[] } {
  const resolved: ResourceUsageRow[] = [];
  const unresolved = new Map<string, UnresolvedPassedRole>();
  const miss = (row: ResourceUsageRow, reason: string): void => {
    const key = `${row.eventSource}\u0000${row.eventName}\u0000${row.resource}`;
    const seen = unresolved.get(key);
    unresolved.set(key, {
      eventSource: row.eventSource,
      eventName: row.eventName,
      reference: row.resource,
      reason,
      calls: (seen?.calls ?? 0) + row.calls,
    });
  };
  for (const row of rows) {
    if (row.kind !== 'passed_role' || ROLE_ARN.test(row.resource)) {
      resolved.push(row);
      continue;
    }
    const profile = PROFILE_ARN.exec(row.resource);
    const found =
      profile === null
        ? roleNamed(details.roles, row.resource)
        : rolesOfProfile(details.roles, row.resource, profile[1] ?? '', profile[2] ?? '');
    if (found.length === 1 && found[0] !== undefined) resolved.push({ ...row, resource: found[0].arn });
    else if (found.length > 1)
      miss(row, `the IAM data holds several roles for it (${found.map((role) => role.arn).join(', ')})`);
    else
      miss(
        row,
        profile === null
          ? 'the IAM data holds no role of that name'
          : 'the IAM data holds no role in that instance profile',
      );
  }
  return { rows: resolved, unresolved: [...unresolved.values()] };
}
