import type { IAMClient } from '@aws-sdk/client-iam';

import type { ContextEntry, SimulatorDecision } from '../iam/policy-evaluation.js';

/* eslint-disable @typescript-eslint/no-meaningless-void-operator -- interface placeholder of the foundation commit: helper C replaces the bodies */

/** What to ask IAM's SimulatePrincipalPolicy for one principal. */
export interface SimulationRequest {
  readonly principalArn: string;
  /** Concrete actions; chunked into several calls as the API needs. */
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly context: readonly ContextEntry[];
}

/** The simulator's decision for one action on one resource. */
export interface SimulatedDecision {
  readonly action: string;
  readonly resource: string;
  readonly decision: SimulatorDecision;
}

/** The calls one account may make per second, shared by every simulation in that account. */
export interface RateBudget {
  /** Resolves when the next call may be made. */
  take(signal?: AbortSignal): Promise<void>;
}

/** A budget of `callsPerSecond` calls per second (one per account). */
export function createRateBudget(callsPerSecond: number): RateBudget {
  void callsPerSecond;
  throw new Error('createRateBudget: not implemented yet');
}

/**
 * Every decision of IAM's simulator for the request: all pages (Marker), the context as
 * `ContextEntries`, throttled calls retried with backoff within the account's budget.
 */
export async function simulatePrincipal(
  client: IAMClient,
  request: SimulationRequest,
  budget: RateBudget,
  signal?: AbortSignal,
): Promise<SimulatedDecision[]> {
  void client;
  void request;
  void budget;
  void signal;
  return Promise.reject(new Error('simulatePrincipal: not implemented yet'));
}
