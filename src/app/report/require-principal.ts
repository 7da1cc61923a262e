import { closeMatches } from '../../close-matches.js';
import type { AccountConfig } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import type { AuthorizationDetails, IamPrincipal } from '../../iam/authorization-details.js';
import { findPrincipal, principalsOf } from '../../iam/principals.js';
import type { PrincipalType } from '../../iam/principals.js';

/**
 * The user or role a question names, from the account's IAM data; an unknown name is a usage
 * error with the closest names, or how to list them.
 */
export function requirePrincipal(
  details: AuthorizationDetails,
  question: { readonly type: PrincipalType; readonly name: string },
  account: AccountConfig,
): IamPrincipal {
  const principal = findPrincipal(details, question.type, question.name);
  if (principal !== undefined) return principal;
  const names = principalsOf(details, question.type).map((candidate) => candidate.name);
  const close = closeMatches(question.name, names);
  throw new UsageError(
    `unknown ${question.type} "${question.name}" in account ${account.name} (${account.id})`,
    {
      suggestions:
        close.length > 0
          ? [`Did you mean: ${close.join(', ')}?`]
          : [`List them with: iamtrail --account ${account.name} --list ${question.type}s`],
    },
  );
}
