import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';

import { compareText } from '../../analysis/activity-order.js';
import {
  DEFAULT_ADVISOR_JOB_OPTIONS,
  listAdvisorPrincipals,
  runAdvisorJob,
} from '../../aws/access-advisor.js';
import type { AdvisorJobOptions, AdvisorPrincipal } from '../../aws/access-advisor.js';
import { createIamClient } from '../../aws/aws-clients.js';
import { DEFAULT_THROTTLING_RETRY } from '../../aws/client-instrumentation.js';
import type { AwsCallCounts, ThrottlingRetryOptions } from '../../aws/client-instrumentation.js';
import type { CacheStore } from '../../cache/cache-store.js';
import { messageOf } from '../../errors.js';
import { toAdvisorServices, toIsoTime } from '../../iam/access-advisor.js';
import type { AdvisorSnapshot } from '../../iam/access-advisor.js';
import type { CollectAccount } from '../accounts/resolve-accounts.js';

/*
 * `iamtrail advisor collect`: Access Advisor for every principal of the accounts, into the cache.
 * One ACTION_LEVEL job per principal, up to `concurrency` at once per account and
 * `globalConcurrency` in all (accounts taken `globalConcurrency / concurrency` at a time, each
 * assuming its role when its turn comes); each principal's snapshot is written as soon as its job is read,
 * so a killed collect leaves whole principals. One account failing is a row of the result, not
 * an exception.
 */

/** How a collect runs. */
export interface CollectAdvisorOptions {
  /** Jobs at once per account. */
  readonly concurrency: number;
  /** Jobs at once over all accounts. */
  readonly globalConcurrency: number;
  readonly job: AdvisorJobOptions;
  readonly retry: ThrottlingRetryOptions;
  /** The SDK region (`undefined`: the SDK's own resolution). */
  readonly region: string | undefined;
}

/** Five jobs per account (Aardvark found more than six a problem), twenty in all. */
export const DEFAULT_COLLECT_OPTIONS: CollectAdvisorOptions = {
  concurrency: 5,
  globalConcurrency: 20,
  job: DEFAULT_ADVISOR_JOB_OPTIONS,
  retry: DEFAULT_THROTTLING_RETRY,
  region: undefined,
};

/** Where a collect is, for the progress display. */
export interface CollectProgress {
  readonly accountsDone: number;
  readonly accountsTotal: number;
  readonly principalsDone: number;
  /** Principals listed so far (grows while accounts are listed). */
  readonly principalsTotal: number;
  readonly elapsedMs: number;
}

/** What the collect tells as it goes. */
export interface CollectListener {
  progress(progress: CollectProgress): void;
  /** A line about one account (listed, done, failed) or a skipped principal. */
  note(line: string): void;
}

/** A principal not collected, and why. */
export interface CollectMiss {
  readonly arn: string;
  readonly entityType: string;
  readonly reason: string;
}

/** One account's outcome. */
export interface CollectAccountResult {
  readonly name: string;
  readonly id: string;
  readonly role: string | null;
  /** `collected`: every principal listed was collected or skipped; `partial`: some failed; `failed`: none (the reason in `error`). */
  readonly status: 'collected' | 'partial' | 'failed';
  readonly error: string | null;
  readonly listed: number;
  /** ARNs collected, in ARN order. */
  readonly collected: readonly string[];
  /** Principals gone since they were listed (NoSuchEntity). */
  readonly skipped: readonly CollectMiss[];
  /** Principals whose job failed, did not finish, or could not be read. */
  readonly failed: readonly CollectMiss[];
}

/** `iamtrail advisor collect` as JSON (schema `iamtrail.advisor-collect/v1`). */
export interface CollectAdvisorDocument {
  readonly schema: 'iamtrail.advisor-collect/v1';
  readonly cache: string;
  /** When the collect began: the `collectedAt` of its snapshots. */
  readonly collectedAt: string;
  readonly concurrency: number;
  readonly jobTimeoutSeconds: number;
  readonly accounts: readonly CollectAccountResult[];
  readonly totals: {
    readonly accounts: number;
    readonly accountsFailed: number;
    readonly listed: number;
    readonly collected: number;
    readonly skipped: number;
    readonly failed: number;
  };
  /** Every HTTP attempt made to AWS, by `service:Operation` (throttled retries included). */
  readonly awsCalls: Readonly<Record<string, number>>;
  readonly awsCallsTotal: number;
  readonly elapsedMs: number;
  /** `false` when something was missed (an account or a principal failed): exit code 3. */
  readonly complete: boolean;
}

/**
 * Collects Access Advisor for `accounts` into `store`. Returns the result document; throws only
 * for what stops the whole run (the cache failing).
 */
export async function collectAdvisor(
  store: CacheStore,
  accounts: readonly CollectAccount[],
  counts: AwsCallCounts,
  listener: CollectListener,
  options: CollectAdvisorOptions = DEFAULT_COLLECT_OPTIONS,
): Promise<CollectAdvisorDocument> {
  const started = Date.now();
  const collectedAt = toIsoTime(new Date(started)) ?? '';
  const globalLimit = pLimit(options.globalConcurrency);
  // One writer: snapshots are transactions on one connection.
  const writeLimit = pLimit(1);
  const state = { accountsDone: 0, principalsDone: 0, principalsTotal: 0 };
  const report = (): void => {
    listener.progress({
      accountsDone: state.accountsDone,
      accountsTotal: accounts.length,
      principalsDone: state.principalsDone,
      principalsTotal: state.principalsTotal,
      elapsedMs: Date.now() - started,
    });
  };
  report();

  const collectAccount = async (account: CollectAccount): Promise<CollectAccountResult> => {
    const label = `${account.name} (${account.id})`;
    const base = { name: account.name, id: account.id, role: account.roleArn ?? null };
    let client: IAMClient;
    let principals: AdvisorPrincipal[];
    try {
      client = await createIamClient(options.region, account.roleArn, { counts, retry: options.retry });
    } catch (error) {
      return failedAccount(base, error);
    }
    try {
      principals = await listAdvisorPrincipals(client, label);
    } catch (error) {
      client.destroy();
      return failedAccount(base, error);
    }
    state.principalsTotal += principals.length;
    listener.note(`account ${label}: ${principals.length} principals listed`);
    report();
    /**
     * Runs the principal's job and writes its snapshot; `undefined` when collected, else why not.
     * AWS failures are the principal's; a cache failure stops the run.
     */
    const collectPrincipal = async (
      iam: IAMClient,
      owner: CollectAccount,
      principal: AdvisorPrincipal,
    ): Promise<{ skipped: boolean; reason: string } | undefined> => {
      let snapshot: AdvisorSnapshot;
      try {
        const result = await runAdvisorJob(iam, principal.arn, options.job);
        if (result.kind === 'no-such-entity')
          return { skipped: true, reason: `deleted since it was listed: ${result.message}` };
        if (result.kind === 'failed') return { skipped: false, reason: `the job FAILED: ${result.message}` };
        if (result.kind === 'unfinished')
          return {
            skipped: false,
            reason: `the job did not finish within ${options.job.jobTimeoutMs / 1000} s (--job-timeout)`,
          };
        snapshot = {
          accountId: owner.id,
          arn: principal.arn,
          entityType: principal.entityType,
          collectedAt,
          jobCompletedAt: toIsoTime(result.jobCompletedAt),
          origin: 'api',
          services: toAdvisorServices(result.services),
        };
      } catch (error) {
        return { skipped: false, reason: messageOf(error) };
      }
      await writeLimit(() => store.writeAdvisorSnapshot(snapshot));
      return undefined;
    };
    const accountLimit = pLimit(options.concurrency);
    const collected: string[] = [];
    const skipped: CollectMiss[] = [];
    const failed: CollectMiss[] = [];
    const miss = (principal: AdvisorPrincipal, reason: string) => ({
      arn: principal.arn,
      entityType: principal.entityType,
      reason,
    });
    await Promise.all(
      principals.map((principal) =>
        accountLimit(() =>
          globalLimit(async () => {
            try {
              const outcome = await collectPrincipal(client, account, principal);
              if (outcome === undefined) {
                collected.push(principal.arn);
                return;
              }
              (outcome.skipped ? skipped : failed).push(miss(principal, outcome.reason));
              if (outcome.skipped) listener.note(`${principal.arn}: skipped, deleted since it was listed`);
            } finally {
              state.principalsDone += 1;
              report();
            }
          }),
        ),
      ),
    );
    client.destroy();
    const byArn = (a: { arn: string }, b: { arn: string }) => compareText(a.arn, b.arn);
    return {
      ...base,
      status: failed.length === 0 ? 'collected' : 'partial',
      error: null,
      listed: principals.length,
      collected: collected.sort(compareText),
      skipped: skipped.sort(byArn),
      failed: failed.sort(byArn),
    };
  };

  // Accounts a few at a time (as many as the global cap keeps busy): each assumes its role when
  // its turn comes, so credentials (an hour) never wait in a queue behind other accounts' jobs.
  const accountsAtOnce = pLimit(Math.max(1, Math.floor(options.globalConcurrency / options.concurrency)));
  const results = await Promise.all(
    accounts.map(async (account) => {
      const result = await accountsAtOnce(() => collectAccount(account));
      state.accountsDone += 1;
      listener.note(
        result.status === 'failed'
          ? `account ${account.name} (${account.id}): failed: ${result.error ?? ''}`
          : `account ${account.name} (${account.id}): ${result.collected.length} collected, ${result.skipped.length} skipped, ${result.failed.length} failed`,
      );
      report();
      return result;
    }),
  );
  const sum = (pick: (result: CollectAccountResult) => number) =>
    results.reduce((total, result) => total + pick(result), 0);
  const totals = {
    accounts: results.length,
    accountsFailed: results.filter((result) => result.status === 'failed').length,
    listed: sum((result) => result.listed),
    collected: sum((result) => result.collected.length),
    skipped: sum((result) => result.skipped.length),
    failed: sum((result) => result.failed.length),
  };
  return {
    schema: 'iamtrail.advisor-collect/v1',
    cache: store.path,
    collectedAt,
    concurrency: options.concurrency,
    jobTimeoutSeconds: options.job.jobTimeoutMs / 1000,
    accounts: results,
    totals,
    awsCalls: counts.toRecord(),
    awsCallsTotal: counts.total(),
    elapsedMs: Date.now() - started,
    complete: totals.accountsFailed === 0 && totals.failed === 0,
  };
}

function failedAccount(
  base: { name: string; id: string; role: string | null },
  error: unknown,
): CollectAccountResult {
  return {
    ...base,
    status: 'failed',
    error: messageOf(error),
    listed: 0,
    collected: [],
    skipped: [],
    failed: [],
  };
}
