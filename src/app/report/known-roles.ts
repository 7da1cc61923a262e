import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import type { AccountConfig, Config } from '../../config/load-config.js';
import type { AuthorizationDetails } from '../../iam/authorization-details.js';
import type { KnownRole } from '../../iam/assumable-roles.js';

/**
 * The roles assumable-role analysis expands wildcards against: those of every account whose IAM
 * data is a file, and of the accounts already loaded for this question (read through the API);
 * service-linked roles aside.
 */
export function knownRolesOf(
  config: Config,
  loaded: readonly (readonly [AccountConfig, AuthorizationDetails])[],
): KnownRole[] {
  const byAccount = new Map<string, { account: AccountConfig; details: AuthorizationDetails }>();
  for (const [account, details] of loaded) byAccount.set(account.id, { account, details });
  for (const account of config.accounts) {
    if (byAccount.has(account.id) || account.iam === undefined) continue;
    try {
      byAccount.set(account.id, { account, details: readAuthorizationDetailsFile(account.iam) });
    } catch {
      // Another account's unreadable IAM file does not stop this question; it is reported when asked about.
    }
  }
  return [...byAccount.values()].flatMap(({ account, details }) =>
    // Service-linked roles trust only their AWS service: no user or role can assume them.
    details.roles
      .filter((role) => !role.serviceLinked)
      .map((role) => ({
        arn: role.arn,
        name: role.name,
        accountId: account.id,
        accountName: account.name,
      })),
  );
}
