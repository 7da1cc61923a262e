import { loadActionData } from '../../cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import { closeMatches } from '../../close-matches.js';
import { UsageError } from '../../errors.js';
import { computeGrantedActions } from '../../iam/granted-actions.js';
import type { GrantedActions } from '../../iam/granted-actions.js';
import { findPrincipal, principalsOf } from '../../iam/principals.js';
import type { PrincipalType } from '../../iam/principals.js';

/** Whose grants `iam show` is asked for: every principal, or one user or role by name. */
export type GrantsQuestion =
  | { readonly kind: 'all' }
  | { readonly kind: 'principal'; readonly type: PrincipalType; readonly name: string };

/** What {@link showGrants} found: the grants of each principal asked for, and the catalog's source. */
export interface GrantsAnswer {
  readonly grants: readonly GrantedActions[];
  readonly actionCatalog: ReturnType<typeof loadActionData>['sources']['iamData'];
}

/**
 * Reads an authorization-details file and expands the grants of every principal, or of the one
 * asked for; an unknown name is a usage error with the closest names.
 */
export function showGrants(iamFile: string, question: GrantsQuestion): GrantsAnswer {
  const { catalog, sources } = loadActionData();
  const details = readAuthorizationDetailsFile(iamFile);
  if (question.kind === 'all') {
    return {
      grants: [...details.users, ...details.roles].map((principal) =>
        computeGrantedActions(details, principal, catalog),
      ),
      actionCatalog: sources.iamData,
    };
  }
  const { type, name } = question;
  const principal = findPrincipal(details, type, name);
  if (principal === undefined) {
    const names = principalsOf(details, type).map((p) => p.name);
    const close = closeMatches(name, names);
    throw new UsageError(
      `unknown ${type} ${JSON.stringify(name)} in ${iamFile} (it lists ${names.length} ${type}s)`,
      {
        suggestions:
          close.length > 0
            ? [`Did you mean: ${close.join(', ')}?`]
            : [`List them with: iamtrail iam show --iam ${iamFile} --all`],
      },
    );
  }
  return { grants: [computeGrantedActions(details, principal, catalog)], actionCatalog: sources.iamData };
}
