import type { ActionCatalog } from '../../actions/action-catalog.js';
import { expandActionPattern } from '../../actions/action-pattern.js';
import { InputDataError } from '../../errors.js';
import type { PolicyTestCase } from './policy-test-types.js';

/** One action pattern of a test and the concrete actions it stands for. */
export interface ExpandedPattern {
  /** As written in the test. */
  readonly pattern: string;
  /** The catalog's actions it matches; for an unknown concrete name, the name itself. */
  readonly actions: readonly string[];
}

/**
 * Expands each action pattern of a test to the catalog's actions. A concrete name the catalog does
 * not know is evaluated as written, with a warning (a new action iamtrail's data lacks); a
 * wildcard that matches nothing is an InputDataError naming the file and line.
 */
export function expandTestActions(
  catalog: ActionCatalog,
  test: PolicyTestCase,
  file: string,
): { readonly patterns: readonly ExpandedPattern[]; readonly warnings: readonly string[] } {
  const warnings: string[] = [];
  const patterns = test.actions.map((pattern): ExpandedPattern => {
    // aws-iam-tester's "*:*" is IAM's "*".
    const expansion = expandActionPattern(catalog, pattern === '*:*' ? '*' : pattern);
    if (expansion.kind === 'matched')
      return { pattern, actions: expansion.actions.map((action) => action.name) };
    if (!/[*?]/.test(pattern)) {
      warnings.push(
        `${file}:${test.line}: ${test.name}: action ${pattern} is not in iamtrail's action data (${expansion.reason}): evaluated as written`,
      );
      return { pattern, actions: [pattern] };
    }
    throw new InputDataError(
      `${file}:${test.line}: ${test.name}: action pattern ${JSON.stringify(pattern)} matches no known action (${expansion.reason})`,
      { suggestions: ['Check the service prefix and the action name'] },
    );
  });
  return { patterns, warnings };
}
