import { GenerateCredentialReportCommand, GetCredentialReportCommand } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import pRetry from 'p-retry';

import { awsCall } from './aws-call.js';
import { DEFAULT_CREDENTIAL_REPORT_WAIT } from './client-instrumentation.js';
import type { CredentialReportWaitOptions } from './client-instrumentation.js';
import { EngineError } from '../errors.js';

/*
 * IAM's credential report: GenerateCredentialReport until its State is COMPLETE, then
 * GetCredentialReport (../shared/notes/peer-tools-and-aws-apis.md §14). AWS makes a new report
 * only when the last one is more than four hours old, so most calls find one COMPLETE at once.
 */

/** A credential report as read: its CSV text and when AWS generated it. */
export interface FetchedCredentialReport {
  readonly csv: string;
  /** `GeneratedTime`, ISO-8601 UTC (`null` when AWS leaves it out). */
  readonly generatedAt: string | null;
}

/** The report is not there yet (State not COMPLETE, or ReportInProgress / NotPresent / Expired). */
class ReportPending extends Error {}

/**
 * GetCredentialReport's errors that mean "ask again": being made, or to be made again. The SDK
 * names them after its exception classes; the wire codes are ReportInProgress, ReportNotPresent
 * and ReportExpired.
 */
const NOT_READY = new Set([
  'CredentialReportNotReadyException',
  'CredentialReportNotPresentException',
  'CredentialReportExpiredException',
  'ReportInProgress',
  'ReportNotPresent',
  'ReportExpired',
]);

/**
 * Reads the account's credential report, generating it when there is none or it expired, waiting
 * with a bounded backoff while it is in progress. Throws an {@link EngineError} naming the call
 * (AccessDenied, throttling past its retries) or the wait that ran out.
 */
export async function fetchCredentialReport(
  client: Pick<IAMClient, 'send'>,
  accountLabel: string,
  options: CredentialReportWaitOptions = DEFAULT_CREDENTIAL_REPORT_WAIT,
): Promise<FetchedCredentialReport> {
  const started = Date.now();
  const attempt = async (): Promise<FetchedCredentialReport> => {
    const generated = await awsCall(`IAM GenerateCredentialReport in ${accountLabel}`, () =>
      client.send(new GenerateCredentialReportCommand({})),
    );
    if (generated.State !== 'COMPLETE') throw new ReportPending(`State ${generated.State ?? 'missing'}`);
    const report = await awsCall(`IAM GetCredentialReport in ${accountLabel}`, async () => {
      try {
        return await client.send(new GetCredentialReportCommand({}));
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        // In progress: wait; not present or expired: the next attempt generates it again.
        if (NOT_READY.has(name)) throw new ReportPending(name);
        throw error;
      }
    });
    if (report.Content === undefined)
      throw new EngineError(`IAM GetCredentialReport in ${accountLabel} returned no Content`);
    return {
      csv: new TextDecoder().decode(report.Content),
      generatedAt: report.GeneratedTime?.toISOString().replace('.000Z', 'Z') ?? null,
    };
  };
  try {
    return await pRetry(attempt, {
      // The deadline ends the polling; p-retry precomputes its waits, so the count must be finite.
      retries: Math.min(10_000, Math.ceil(options.timeoutMs / options.pollDelayMs) + 1),
      maxRetryTime: options.timeoutMs,
      minTimeout: options.pollDelayMs,
      maxTimeout: options.maxPollDelayMs,
      factor: 1.5,
      randomize: true,
      shouldRetry: (error) => isPending(error),
      onFailedAttempt: (error) => {
        // Do not wait past the deadline (what onFailedAttempt throws ends the retries as it is).
        if (isPending(error) && Date.now() - started >= options.timeoutMs) throw error;
      },
    });
  } catch (error) {
    if (isPending(error))
      throw new EngineError(
        `IAM credential report of ${accountLabel} not COMPLETE after ${Math.round((Date.now() - started) / 1000)} s (last: ${pendingReason(error)})`,
        { suggestions: ['Run the audit again in a minute: AWS keeps a report for four hours'], cause: error },
      );
    throw error;
  }
}

/** awsCall wraps what the call throws: a pending report arrives as the cause of its EngineError. */
function isPending(error: unknown): boolean {
  return (
    error instanceof ReportPending || (error instanceof EngineError && error.cause instanceof ReportPending)
  );
}

function pendingReason(error: unknown): string {
  const pending = error instanceof ReportPending ? error : (error as Error).cause;
  return pending instanceof Error ? pending.message : 'pending';
}
