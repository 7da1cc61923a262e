import type { AwsCallCounts } from '../../aws/client-instrumentation.js';
import { ROLE_NAME_PATTERN } from '../../config/config-schema.js';
import { findAccount } from '../../config/load-config.js';
import type { Config } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';

/*
 * Which accounts a fan-out over accounts (`advisor collect`, `audit`) covers, and how each is
 * reached: the config's accounts (each with its `role:` and files), or with `--org` every ACTIVE
 * account of the organisation, assuming the same role name in each.
 */

/** An account to reach, and the role assumed there (none: the caller's own credentials). */
export interface CollectAccount {
  readonly name: string;
  readonly id: string;
  readonly roleArn: string | undefined;
}

/** An account with the config's files for it (`iam:`, `credential_report:`), when it has them. */
export interface AccountTarget extends CollectAccount {
  readonly iamFile?: string;
  readonly credentialReportFile?: string;
}

/** What the command asked for: which accounts, and how to reach them. */
export interface AccountsRequest {
  /** `--account` values (names or ids); empty: every account. */
  readonly accounts: readonly string[];
  readonly org: boolean;
  /** `--role`: the role name assumed in every account with `--org`. */
  readonly role: string | undefined;
}

/** The config's default for `--role`: its value and the section it comes from (`advisor`, `audit`). */
export interface DefaultRole {
  readonly name: string | undefined;
  readonly section: string;
}

/**
 * The accounts to reach: those of the config (each with its `role:` and files), or with `org`
 * every ACTIVE account of the organisation (Organizations ListAccounts, every page) assuming
 * `role` (else the config's default). `--account` narrows either list by name or id; an unknown
 * one is a usage error. Accounts of the organisation get no files: `--org` reads AWS.
 */
export async function resolveAccounts(
  config: Config | undefined,
  request: AccountsRequest,
  region: string | undefined,
  counts: AwsCallCounts,
  defaultRole: DefaultRole,
): Promise<AccountTarget[]> {
  if (!request.org) {
    if (request.role !== undefined)
      throw new UsageError('--role goes with --org; accounts of the config take their role: from the config');
    if (config === undefined)
      throw new UsageError('no config file: pass --config FILE, or --org --role NAME');
    const chosen =
      request.accounts.length === 0
        ? config.accounts
        : request.accounts.map((nameOrId) => findAccount(config, nameOrId));
    return unique(
      chosen.map((account) => ({
        name: account.name,
        id: account.id,
        roleArn: account.role,
        ...(account.iam === undefined ? {} : { iamFile: account.iam }),
        ...(account.credentialReport === undefined ? {} : { credentialReportFile: account.credentialReport }),
      })),
    );
  }
  const roleName = request.role ?? defaultRole.name;
  if (roleName === undefined)
    throw new UsageError('--org needs the role to assume in each account', {
      suggestions: [`Pass --role NAME, or set ${defaultRole.section}: { role: NAME } in the config`],
    });
  if (!ROLE_NAME_PATTERN.test(roleName))
    throw new UsageError(`--role ${JSON.stringify(roleName)} is not an IAM role name`, {
      suggestions: [`Give the name only (iamtrail-${defaultRole.section}), not an ARN`],
    });
  // The AWS SDK is loaded for --org only: the config's accounts need none of it.
  const [{ createOrganizationsClient }, { listActiveAccounts }] = await Promise.all([
    import('../../aws/aws-clients.js'),
    import('../../aws/organizations.js'),
  ]);
  const client = await createOrganizationsClient(region, { counts });
  let listed;
  try {
    listed = await listActiveAccounts(client);
  } finally {
    client.destroy();
  }
  const accounts = listed.map((account) => ({
    name: account.name,
    id: account.id,
    roleArn: `arn:aws:iam::${account.id}:role/${roleName}`,
  }));
  if (request.accounts.length === 0) return accounts;
  return unique(
    request.accounts.map((nameOrId) => {
      const found = accounts.find((account) => account.name === nameOrId || account.id === nameOrId);
      if (found === undefined)
        throw new UsageError(
          `unknown account "${nameOrId}" (the organisation's ACTIVE accounts: ${accounts.map((account) => `${account.name} (${account.id})`).join(', ')})`,
        );
      return found;
    }),
  );
}

function unique<T extends CollectAccount>(accounts: readonly T[]): T[] {
  return accounts.filter(
    (account, index) => accounts.findIndex((other) => other.id === account.id) === index,
  );
}
