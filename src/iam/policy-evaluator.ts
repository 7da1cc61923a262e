import type {
  EvaluationRequest,
  EvaluationResult,
  PrincipalEvaluator,
  PrincipalPolicies,
} from './policy-evaluation.js';

/* eslint-disable @typescript-eslint/no-meaningless-void-operator -- interface placeholder of the foundation commit: helper A replaces the bodies */

/** Compiles a principal's policies once; the returned function decides one request. */
export function compilePolicies(
  policies: PrincipalPolicies,
  options?: { readonly now?: Date },
): PrincipalEvaluator {
  void policies;
  void options;
  throw new Error('compilePolicies: not implemented yet');
}

/** Decides one request: `compilePolicies(policies, options)(request)`. */
export function evaluate(
  policies: PrincipalPolicies,
  request: EvaluationRequest,
  options?: { readonly now?: Date },
): EvaluationResult {
  return compilePolicies(policies, options)(request);
}
