import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import pRetry from 'p-retry';

/*
 * What iamtrail adds to an SDK client for long fan-outs (`advisor collect`): every HTTP attempt
 * counted by API name, and throttling retried with exponential backoff and jitter (p-retry)
 * instead of the SDK's own attempts, so that the retries are bounded and counted in one place.
 */

/** The AWS calls a run made, by `service:Operation` (each HTTP attempt, retries included). */
export class AwsCallCounts {
  readonly #counts = new Map<string, number>();

  /** Counts one attempt of `api`. */
  add(api: string): void {
    this.#counts.set(api, (this.#counts.get(api) ?? 0) + 1);
  }

  /** The counts, by API name in alphabetical order. */
  toRecord(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** All attempts together. */
  total(): number {
    return [...this.#counts.values()].reduce((sum, count) => sum + count, 0);
  }
}

/** How throttled calls are retried. */
export interface ThrottlingRetryOptions {
  /** Retries after the first attempt. */
  readonly retries: number;
  /** The first wait; each later one doubles, times a random factor between 1 and 2. */
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

/** Eight retries from 200 ms up to 20 s: about a minute and a half of waiting at most. */
export const DEFAULT_THROTTLING_RETRY: ThrottlingRetryOptions = {
  retries: 8,
  minTimeoutMs: 200,
  maxTimeoutMs: 20_000,
};

/** Whether an SDK error is AWS throttling (`Throttling`, `ThrottlingException`, "Rate exceeded"). */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, $metadata } = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    name === 'Throttling' ||
    name === 'ThrottlingException' ||
    name === 'TooManyRequestsException' ||
    /rate exceeded/i.test(message ?? '') ||
    $metadata?.httpStatusCode === 429
  );
}

/** The prefix of IAM actions for an SDK client's name (`IAMClient` → `iam`). */
const SERVICE_PREFIXES: Readonly<Record<string, string>> = {
  IAMClient: 'iam',
  STSClient: 'sts',
  OrganizationsClient: 'organizations',
};

/** The clients iamtrail instruments. */
export type InstrumentableClient = IAMClient | STSClient | OrganizationsClient;

/** The part of a client's middleware stack this module uses, for every client alike. */
interface LooseMiddlewareStack {
  add(middleware: unknown, options: { step: string; name: string; priority: string }): void;
}

/**
 * Adds to `client`: a count in `counts` of each HTTP attempt (by `service:Operation`), and the
 * retry of throttled calls with `retry`. Create the client with `maxAttempts: 1` so that the SDK
 * does not retry them first.
 */
export function instrumentClient(
  client: InstrumentableClient,
  counts: AwsCallCounts,
  retry: ThrottlingRetryOptions = DEFAULT_THROTTLING_RETRY,
): void {
  type Next = (args: unknown) => Promise<unknown>;
  type Context = { clientName?: string; commandName?: string };
  const stack = client.middlewareStack as unknown as LooseMiddlewareStack;
  stack.add(
    (next: Next) => (args: unknown) =>
      pRetry(() => next(args), {
        retries: retry.retries,
        minTimeout: retry.minTimeoutMs,
        maxTimeout: retry.maxTimeoutMs,
        factor: 2,
        randomize: true,
        shouldRetry: (error) => isThrottlingError(error),
      }),
    { step: 'finalizeRequest', name: 'iamtrailThrottlingRetry', priority: 'high' },
  );
  stack.add(
    (next: Next, context: Context) => (args: unknown) => {
      const prefix = SERVICE_PREFIXES[context.clientName ?? ''] ?? context.clientName ?? 'aws';
      counts.add(`${prefix}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'deserialize', name: 'iamtrailCallCount', priority: 'low' },
  );
}

/**
 * How long to wait for IAM's credential report (src/aws/credential-report.ts): here, beside the
 * other waits, so that the options of a run that reads only files load no AWS SDK client.
 */
export interface CredentialReportWaitOptions {
  /** The longest wait for COMPLETE before the account fails. */
  readonly timeoutMs: number;
  /** The first wait between two GenerateCredentialReport calls; later ones grow by half. */
  readonly pollDelayMs: number;
  readonly maxPollDelayMs: number;
}

/** Two minutes (a report of thousands of users takes seconds), polled from 1 s to 10 s apart. */
export const DEFAULT_CREDENTIAL_REPORT_WAIT: CredentialReportWaitOptions = {
  timeoutMs: 120_000,
  pollDelayMs: 1_000,
  maxPollDelayMs: 10_000,
};
