import { closeMatches } from '../../close-matches.js';
import type { AccountConfig } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import type { AuthorizationDetails, IamPrincipal } from '../../iam/authorization-details.js';
import { findPrincipal, principalsOf } from '../../iam/principals.js';
import type { PrincipalType } from '../../iam/principals.js';
import type { ActivityRow } from '../../trail/activity-summary.js';

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
  throw unknownPrincipalError(details, question, account);
}

/** The names (last ARN part) of actors of the logs. */
export function namesInLogs(actors: readonly ActivityRow[]): string[] {
  return actors.map((actor) => actor.actorArn.slice(actor.actorArn.lastIndexOf('/') + 1));
}

/** A user or role neither in the IAM data nor in `seenInLogs`, with the close names of both. */
export function unknownPrincipalError(
  details: AuthorizationDetails,
  question: { readonly type: PrincipalType; readonly name: string },
  account: AccountConfig,
  seenInLogs: readonly string[] = [],
): UsageError {
  const names = [
    ...new Set([...principalsOf(details, question.type).map((candidate) => candidate.name), ...seenInLogs]),
  ];
  const close = closeMatches(question.name, names);
  return new UsageError(
    `unknown ${question.type} "${question.name}" in account ${account.name} (${account.id})`,
    {
      suggestions:
        close.length > 0
          ? [`Did you mean: ${close.join(', ')}?`]
          : [`List them with: iamtrail --account ${account.name} --list ${question.type}s`],
    },
  );
}
