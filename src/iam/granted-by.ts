import type { GrantedAction, GrantSource } from './granted-actions.js';

/**
 * How a granting policy reaches the principal: its own inline policy, a customer-managed or
 * AWS-managed policy attached to it, or the same three through one of its groups.
 */
export const GRANTING_POLICY_TYPES = [
  'inline',
  'managed',
  'aws-managed',
  'group-inline',
  'group-managed',
  'group-aws-managed',
] as const;
/** One of {@link GRANTING_POLICY_TYPES}. */
export type GrantingPolicyType = (typeof GRANTING_POLICY_TYPES)[number];

/** A policy whose Allow grants an action: what to edit to take the action away. */
export interface GrantingPolicy {
  /** The managed policy's ARN, or the inline policy's name (unique on its user, role or group). */
  readonly policy: string;
  readonly type: GrantingPolicyType;
  /**
   * The group the policy comes through (`group-*` types), or the role whose grants these are when
   * the question compared a destination role's (`--destrole`); `null` when the policy is the
   * principal's own.
   */
  readonly via: string | null;
}

/** Options of {@link toGrantingPolicies}. */
export interface GrantingPolicyOptions {
  /** The destination role's name, with `--destrole`: every policy then reaches the user through it. */
  readonly role?: string;
}

const AWS_MANAGED = /^arn:aws[\w-]*:iam::aws:policy\//;

/**
 * The policies that grant an action, one entry per policy (several statements of one policy count
 * once), in the order the IAM data lists them. Only actions that survive the deny statements and
 * the permissions boundary are granted at all (see `computeGrantedActions`), so every policy here
 * really grants the action; a Deny or boundary that only narrows it (resources, conditions) is in
 * the action's `limitedBy`.
 */
export function toGrantingPolicies(
  grant: Pick<GrantedAction, 'sources'>,
  options: GrantingPolicyOptions = {},
): GrantingPolicy[] {
  return grantingPoliciesOf(options)(grant);
}

/**
 * {@link toGrantingPolicies} for the actions of one principal: each statement (a {@link GrantSource}
 * the grants of many actions share) is turned into its policy once, and the entries are shared.
 */
export function grantingPoliciesOf(
  options: GrantingPolicyOptions = {},
): (grant: Pick<GrantedAction, 'sources'>) => GrantingPolicy[] {
  const known = new Map<GrantSource, { readonly entry: GrantingPolicy; readonly key: string }>();
  const policyOf = (source: GrantSource): { readonly entry: GrantingPolicy; readonly key: string } => {
    let found = known.get(source);
    if (found === undefined) {
      const entry = toGrantingPolicy(source, options.role);
      found = { entry, key: `${entry.type}\u0000${entry.via ?? ''}\u0000${entry.policy}` };
      known.set(source, found);
    }
    return found;
  };
  return (grant) => {
    const { sources } = grant;
    if (sources.length === 0) return [];
    // Most actions have one source: one policy, nothing to tell apart.
    if (sources.length === 1 && sources[0] !== undefined) return [policyOf(sources[0]).entry];
    const seen = new Set<string>();
    const policies: GrantingPolicy[] = [];
    for (const source of sources) {
      const { entry, key } = policyOf(source);
      if (seen.has(key)) continue;
      seen.add(key);
      policies.push(entry);
    }
    return policies;
  };
}

function toGrantingPolicy(source: GrantSource, role: string | undefined): GrantingPolicy {
  const awsManaged = source.policyArn !== undefined && AWS_MANAGED.test(source.policyArn);
  const type: GrantingPolicyType =
    source.kind === 'inline'
      ? 'inline'
      : source.kind === 'group-inline'
        ? 'group-inline'
        : source.kind === 'group-managed'
          ? awsManaged
            ? 'group-aws-managed'
            : 'group-managed'
          : awsManaged
            ? 'aws-managed'
            : 'managed';
  return {
    policy: source.policyArn ?? source.policy,
    type,
    via: source.group ?? role ?? null,
  };
}

/**
 * A granting policy as words: `DeveloperAccess (group-managed via developers)`, a managed policy
 * by the last part of its ARN unless `full`.
 */
export function describeGrantingPolicy(
  entry: GrantingPolicy,
  options: { readonly full?: boolean } = {},
): string {
  const name =
    options.full !== true && entry.policy.startsWith('arn:')
      ? entry.policy.slice(entry.policy.lastIndexOf('/') + 1)
      : entry.policy;
  return `${name} (${entry.type}${entry.via === null ? '' : ` via ${entry.via}`})`;
}
