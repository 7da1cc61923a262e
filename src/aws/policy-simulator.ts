import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import type {
  EvaluationResult,
  IAMClient,
  Position,
  ContextEntry as SdkContextEntry,
  SimulatePrincipalPolicyCommandOutput,
  Statement,
} from '@aws-sdk/client-iam';
import pRetry from 'p-retry';

import { isThrottlingError } from './client-instrumentation.js';
import type { ThrottlingRetryOptions } from './client-instrumentation.js';
import { EngineError, messageOf } from '../errors.js';
import type { ContextEntry, SimulatorDecision } from '../iam/policy-evaluation.js';

/*
 * IAM's policy simulator (SimulatePrincipalPolicy) for `iamtrail test --simulator`: the actions in
 * chunks, every Marker page of each, the test's context as ContextEntries. Each HTTP attempt first
 * takes a token from the account's rate budget (a middleware on the command, so the SDK's own
 * retries, when the client has any, take one too); throttling and 5xx answers are retried here
 * with p-retry (exponential backoff with jitter, bounded), as the rest of iamtrail's long fan-outs
 * do (src/aws/client-instrumentation.ts): one bounded, testable retry policy, and each retry waits
 * for the budget like any call.
 */

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

/**
 * Actions per SimulatePrincipalPolicy call. The API reference gives no limit on the number of
 * ActionNames (only 3..128 characters each), but every call returns actions × resources results
 * and carries the names in its query string: 50 keeps a request under ~7 KB and a call's results
 * to a few pages, and is far below what the console's simulator sends at once.
 */
export const SIMULATOR_ACTIONS_PER_CALL = 50;

/** Retries of a throttled (or 5xx) call: six from 250 ms up to 10 s, about 40 s of waiting at most. */
export const SIMULATOR_RETRY: ThrottlingRetryOptions = {
  retries: 6,
  minTimeoutMs: 250,
  maxTimeoutMs: 10_000,
};

/**
 * The instrumentation retry of an IAM client made for {@link simulatePrincipal}
 * (`createIamClient(region, roleArn, { counts, retry: SIMULATOR_CLIENT_RETRY })`): its calls are
 * counted but not retried there, so that the retries are simulatePrincipal's alone (bounded, and
 * each one within the account's budget).
 */
export const SIMULATOR_CLIENT_RETRY: ThrottlingRetryOptions = {
  retries: 0,
  minTimeoutMs: 0,
  maxTimeoutMs: 0,
};

/** How {@link simulatePrincipal} calls the API (the defaults suit AWS; tests make them small). */
export interface SimulationOptions {
  readonly retry?: ThrottlingRetryOptions;
  /** Actions per call; {@link SIMULATOR_ACTIONS_PER_CALL} by default. */
  readonly actionsPerCall?: number;
  /** `MaxItems` of each call (1..1000); AWS's default page (100) when not given. */
  readonly maxItems?: number;
}

/** Why the simulator could not answer for a principal: the runner makes it a note or a failed account. */
export class SimulatorPrincipalError extends EngineError {
  constructor(
    message: string,
    readonly principalArn: string,
    /** `no-such-entity`: the principal is gone (a per-principal note); `access-denied`: the account's credentials may not simulate. */
    readonly reason: 'no-such-entity' | 'access-denied',
    cause: unknown,
  ) {
    super(message, {
      cause,
      suggestions:
        reason === 'access-denied'
          ? ['Run `iamtrail permissions`: --simulator needs iam:SimulatePrincipalPolicy']
          : [],
    });
  }
}

/**
 * A token bucket of `callsPerSecond` calls per second (one per account; burst of one, so N calls
 * take at least (N-1)/callsPerSecond seconds). Waiters are served in order; an aborted wait gives
 * its place up and rejects with the signal's reason.
 */
export function createRateBudget(callsPerSecond: number): RateBudget {
  if (!Number.isFinite(callsPerSecond) || callsPerSecond <= 0)
    throw new RangeError(`a rate budget needs a positive number of calls per second, not ${callsPerSecond}`);
  const interval = 1000 / callsPerSecond;
  // The time the next call may start: each call reserves its slot, so waiters queue in order.
  let next = 0;
  return {
    take(signal?: AbortSignal): Promise<void> {
      if (signal?.aborted === true) return Promise.reject(abortReason(signal));
      const now = performance.now();
      const slot = Math.max(now, next);
      next = slot + interval;
      if (slot <= now) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const onAbort = (): void => {
          clearTimeout(timer);
          // Give the slot back when it was the last one reserved (later waiters keep theirs).
          if (next === slot + interval) next = slot;
          reject(abortReason(signal));
        };
        // Timers have millisecond granularity and may fire a little early: wait until the slot.
        const wake = (): void => {
          const left = slot - performance.now();
          if (left > 0) {
            timer = setTimeout(wake, Math.ceil(left));
            return;
          }
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        wake();
      });
    },
  };
}

/** Why `signal` was aborted, as an Error. */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/**
 * Every decision of IAM's simulator for the request: all pages (Marker), the context as
 * `ContextEntries`, throttled calls retried with backoff within the account's budget.
 * One decision per (action, resource): from `ResourceSpecificResults` when the answer has them,
 * else from the result's `EvalResourceName`. NoSuchEntity and AccessDenied are a
 * {@link SimulatorPrincipalError} naming the principal; other failures an EngineError.
 */
export async function simulatePrincipal(
  client: IAMClient,
  request: SimulationRequest,
  budget: RateBudget,
  signal?: AbortSignal,
  options: SimulationOptions = {},
): Promise<SimulatedDecision[]> {
  const retry = options.retry ?? SIMULATOR_RETRY;
  const chunk = options.actionsPerCall ?? SIMULATOR_ACTIONS_PER_CALL;
  const principal = request.principalArn;
  const contextEntries: SdkContextEntry[] = request.context.map((entry) => ({
    ContextKeyName: entry.key,
    ContextKeyValues: [...entry.values],
    ContextKeyType: entry.type,
  }));
  const decisions: SimulatedDecision[] = [];
  for (let start = 0; start < request.actions.length; start += chunk) {
    const actionNames = request.actions.slice(start, start + chunk);
    let marker: string | undefined;
    do {
      const input = {
        PolicySourceArn: principal,
        ActionNames: actionNames,
        ...(request.resources.length === 0 ? {} : { ResourceArns: [...request.resources] }),
        ...(contextEntries.length === 0 ? {} : { ContextEntries: contextEntries }),
        ...(options.maxItems === undefined ? {} : { MaxItems: options.maxItems }),
        ...(marker === undefined ? {} : { Marker: marker }),
      };
      const page = await call(
        client,
        () => withBudget(new SimulatePrincipalPolicyCommand(input), budget, signal),
        principal,
        retry,
        signal,
      );
      for (const result of page.EvaluationResults ?? []) decisions.push(...decisionsOf(result, principal));
      marker = page.IsTruncated === true ? page.Marker : undefined;
      if (page.IsTruncated === true && marker === undefined)
        throw new EngineError(
          `IAM SimulatePrincipalPolicy for ${principal}: a truncated page without a Marker`,
        );
    } while (marker !== undefined);
  }
  return decisions;
}

/** The part of a command's middleware stack used here. */
interface LooseMiddlewareStack {
  add(middleware: unknown, options: { step: string; name: string; priority: string }): void;
}

/** `command`, whose every HTTP attempt (inside the SDK's retry middleware) first takes from `budget`. */
function withBudget(
  command: SimulatePrincipalPolicyCommand,
  budget: RateBudget,
  signal: AbortSignal | undefined,
): SimulatePrincipalPolicyCommand {
  const stack = command.middlewareStack as unknown as LooseMiddlewareStack;
  stack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      await budget.take(signal);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'iamtrailRateBudget', priority: 'low' },
  );
  return command;
}

/** Whether an SDK error is worth retrying: throttling, or AWS's side failing (5xx). */
function isRetryable(error: unknown): boolean {
  if (isThrottlingError(error)) return true;
  const { $fault, $metadata } = (error ?? {}) as { $fault?: string; $metadata?: { httpStatusCode?: number } };
  return $fault === 'server' || ($metadata?.httpStatusCode ?? 0) >= 500;
}

/** One page (a new command per attempt), retried with backoff while throttled; failures named with the principal. */
async function call(
  client: IAMClient,
  command: () => SimulatePrincipalPolicyCommand,
  principal: string,
  retry: ThrottlingRetryOptions,
  signal: AbortSignal | undefined,
): Promise<SimulatePrincipalPolicyCommandOutput> {
  let attempts = 0;
  try {
    return await pRetry(
      () => {
        attempts += 1;
        return client.send(command(), signal === undefined ? {} : { abortSignal: signal });
      },
      {
        retries: retry.retries,
        minTimeout: retry.minTimeoutMs,
        maxTimeout: retry.maxTimeoutMs,
        factor: 2,
        randomize: true,
        shouldRetry: (error) => isRetryable(error),
        ...(signal === undefined ? {} : { signal }),
      },
    );
  } catch (error) {
    const name = (error as { name?: string } | null)?.name ?? 'Error';
    const what = `IAM SimulatePrincipalPolicy for ${principal}`;
    if (name === 'NoSuchEntityException' || name === 'NoSuchEntity')
      throw new SimulatorPrincipalError(
        `${what}: the principal does not exist (NoSuchEntity: ${messageOf(error)})`,
        principal,
        'no-such-entity',
        error,
      );
    if (name === 'AccessDenied' || name === 'AccessDeniedException')
      throw new SimulatorPrincipalError(
        `${what}: access denied (${name}: ${messageOf(error)})`,
        principal,
        'access-denied',
        error,
      );
    if (signal?.aborted === true) throw error;
    const retried = isRetryable(error) ? ` (still failing after ${attempts} attempts)` : '';
    throw new EngineError(`${what} failed${retried}: ${name}: ${messageOf(error)}`, {
      cause: error,
      suggestions: isThrottlingError(error) ? ['Lower --simulator-rate, or run again later'] : [],
    });
  }
}

const DECISIONS: ReadonlySet<string> = new Set(['allowed', 'explicitDeny', 'implicitDeny']);

/** The decisions of one EvaluationResult: per resource when it has ResourceSpecificResults. */
function decisionsOf(result: EvaluationResult, principal: string): SimulatedDecision[] {
  const action = result.EvalActionName;
  if (action === undefined)
    throw new EngineError(`IAM SimulatePrincipalPolicy for ${principal}: a result without EvalActionName`);
  const specific = result.ResourceSpecificResults ?? [];
  if (specific.length > 0)
    return specific.map((one) => ({
      action,
      resource: one.EvalResourceName ?? '*',
      decision: decision(
        one.EvalResourceDecision,
        one.MatchedStatements ?? result.MatchedStatements,
        one.MissingContextValues ?? result.MissingContextValues,
        principal,
        action,
      ),
    }));
  return [
    {
      action,
      resource: result.EvalResourceName ?? '*',
      decision: decision(
        result.EvalDecision,
        result.MatchedStatements,
        result.MissingContextValues,
        principal,
        action,
      ),
    },
  ];
}

function decision(
  value: string | undefined,
  matched: readonly Statement[] | undefined,
  missing: readonly string[] | undefined,
  principal: string,
  action: string,
): SimulatorDecision {
  if (value === undefined || !DECISIONS.has(value))
    throw new EngineError(
      `IAM SimulatePrincipalPolicy for ${principal}: decision ${JSON.stringify(value)} for ${action} is not allowed, explicitDeny or implicitDeny`,
    );
  return {
    decision: value as SimulatorDecision['decision'],
    matched: (matched ?? []).map((statement) => ({
      policy: statement.SourcePolicyId ?? '(unnamed policy)',
      type: statement.SourcePolicyType,
      start: position(statement.StartPosition),
      end: position(statement.EndPosition),
    })),
    missingContextValues: [...(missing ?? [])],
  };
}

/** `L<line>:C<column>`, as aws-iam-tester prints a statement's start and end. */
function position(value: Position | undefined): string | undefined {
  return value?.Line === undefined || value.Column === undefined
    ? undefined
    : `L${value.Line}:C${value.Column}`;
}
