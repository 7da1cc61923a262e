import { readRoleSummariesFile } from '../../cli/iam-file.js';
import type { AccountConfig, Config } from '../../config/load-config.js';
import type { AuthorizationDetails, RoleSummary } from '../../iam/authorization-details.js';
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
  const byAccount = new Map<string, { account: AccountConfig; roles: readonly RoleSummary[] }>();
  for (const [account, details] of loaded) byAccount.set(account.id, { account, roles: details.roles });
  for (const account of config.accounts) {
    if (byAccount.has(account.id) || account.iam === undefined) continue;
    try {
      // Only its roles are read: their policies, and the file's users, groups and policies, are
      // this question's business only when it is about that account.
      byAccount.set(account.id, { account, roles: readRoleSummariesFile(account.iam) });
    } catch {
      // Another account's unreadable IAM file (or one whose roles are malformed) does not stop
      // this question; it is reported when asked about. A file whose other parts are malformed
      // (a user's policy, say) still gives its roles: they are all this question reads of it.
    }
  }
  return [...byAccount.values()].flatMap(({ account, roles }) =>
    // Service-linked roles trust only their AWS service: no user or role can assume them.
    roles
      .filter((role) => !role.serviceLinked)
      .map((role) => ({
        arn: role.arn,
        name: role.name,
        accountId: account.id,
        accountName: account.name,
      })),
  );
}
