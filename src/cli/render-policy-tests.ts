import type { PolicyTestDocument } from '../app/policy-tests/policy-test-types.js';

/* eslint-disable @typescript-eslint/no-meaningless-void-operator -- interface placeholder of the foundation commit: helper D replaces the bodies */

/** The text output of `iamtrail test`: the outcomes as a table, findings first, and the summary. */
export function renderPolicyTestsText(
  document: PolicyTestDocument,
  options: { readonly color: boolean; readonly verbose: boolean },
): string {
  void document;
  void options;
  throw new Error('renderPolicyTestsText: not implemented yet');
}

/** The outcomes as JUnit XML: one test suite per test, one test case per outcome. */
export function renderPolicyTestsJunit(document: PolicyTestDocument): string {
  void document;
  throw new Error('renderPolicyTestsJunit: not implemented yet');
}
