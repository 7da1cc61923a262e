import type { PolicyTestDocument } from './policy-test-types.js';

/* eslint-disable @typescript-eslint/no-meaningless-void-operator -- interface placeholder of the foundation commit: helper D replaces the bodies */

/**
 * Writes one JSON file per test (and a summary) into a directory, or under `s3://bucket/prefix`;
 * returns the paths or URLs written.
 */
export async function writePolicyTestFiles(
  document: PolicyTestDocument,
  location: string,
  options: { readonly region: string | undefined },
): Promise<{ readonly written: readonly string[] }> {
  void document;
  void location;
  void options;
  return Promise.reject(new Error('writePolicyTestFiles: not implemented yet'));
}
