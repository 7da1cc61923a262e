import type { AuthorizationDetails, IamPrincipal } from './authorization-details.js';
import type { ContextEntry, PrincipalPolicies, ScpLevel } from './policy-evaluation.js';

/* eslint-disable @typescript-eslint/no-meaningless-void-operator -- interface placeholder of the foundation commit: helper A replaces the bodies */

/** Everything that governs a principal's requests, from the IAM data (and the SCPs above its account). */
export function principalPolicies(
  details: AuthorizationDetails,
  principal: IamPrincipal,
  accountId: string,
  scps: readonly ScpLevel[] | undefined,
): { readonly policies: PrincipalPolicies; readonly problems: readonly string[] } {
  void details;
  void principal;
  void accountId;
  void scps;
  throw new Error('principalPolicies: not implemented yet');
}

/** The condition keys a principal implies (`aws:PrincipalArn`, `aws:username`, tags, ...). */
export function principalContext(principal: IamPrincipal, accountId: string): ContextEntry[] {
  void principal;
  void accountId;
  throw new Error('principalContext: not implemented yet');
}
