import type { AccountConfig, Config } from '../../config/load-config.js';
import { InterruptedError, messageOf } from '../../errors.js';

/*
 * `boundary plan | apply | rollback --org`: the same question in every ACTIVE account of the
 * organisation (Organizations ListAccounts), assuming `--assume-role NAME` (default `audit.role` of
 * the config) in each, as `audit --org` reaches them. One account failing (a role it cannot
 * assume, a principal it lacks, an AWS error) is reported with its error and never stops the
 * others; the command's exit code says some failed.
 */

/** What `--org` was asked. */
export interface OrgRequest {
  readonly config: Config;
  /** `--assume-role`: the role name assumed in each account. */
  readonly assumeRole: string | undefined;
  /** `--account`: narrows the organisation's accounts (name or id); empty: all. */
  readonly accounts: readonly string[];
}

/** One account's answer, or its error. */
export type OrgAccountResult<T> = {
  readonly account: { readonly name: string; readonly id: string };
} & (
  | { readonly status: 'done'; readonly document: T }
  /** Nothing to do there (rollback: no snapshot of the principal in the account). */
  | { readonly status: 'nothing'; readonly reason: string }
  | { readonly status: 'failed'; readonly error: string; readonly exitCode: number }
);

/** `boundary … --org --format json` (schema `iamtrail.boundary-org/v1`). */
export interface BoundaryOrgDocument<T> {
  readonly schema: 'iamtrail.boundary-org/v1';
  readonly operation: 'plan' | 'apply' | 'rollback';
  readonly accounts: readonly OrgAccountResult<T>[];
  readonly totals: { readonly accounts: number; readonly failed: number };
}

/** The organisation's accounts (their IAM data read through the assumed role: no files). */
export async function resolveOrgAccounts(request: OrgRequest): Promise<AccountConfig[]> {
  const [{ resolveAccounts }, { AwsCallCounts }] = await Promise.all([
    import('../accounts/resolve-accounts.js'),
    import('../../aws/client-instrumentation.js'),
  ]);
  const targets = await resolveAccounts(
    request.config,
    { accounts: request.accounts, org: true, role: request.assumeRole },
    request.config.athena?.region,
    new AwsCallCounts(),
    { name: request.config.audit?.role, section: 'audit' },
  );
  return targets.map((target) => ({
    name: target.name,
    id: target.id,
    role: target.roleArn,
    iam: undefined,
  }));
}

/** The error of an account Ctrl-C stopped or came before (its exit code is 130). */
export const ORG_INTERRUPTED = 'interrupted: nothing more was done in this account';

/**
 * Runs `run` for every account in turn; an account's error is kept as its result (or as nothing to
 * do there). Ctrl-C (`signal`, or an InterruptedError) stops the run: that account and the ones
 * after it are failed with exit code 130, the results of the accounts before are kept.
 */
export async function forEachOrgAccount<T>(
  operation: BoundaryOrgDocument<T>['operation'],
  accounts: readonly AccountConfig[],
  run: (account: AccountConfig) => Promise<T>,
  /** An error that means "nothing to do in this account" rather than a failure. */
  isNothing: (error: unknown) => boolean = () => false,
  signal?: AbortSignal,
): Promise<BoundaryOrgDocument<T>> {
  const results: OrgAccountResult<T>[] = [];
  let stopped = false;
  for (const account of accounts) {
    const about = { name: account.name, id: account.id };
    if (stopped || signal?.aborted === true) {
      stopped = true;
      results.push({ account: about, status: 'failed', error: ORG_INTERRUPTED, exitCode: 130 });
      continue;
    }
    try {
      results.push({ account: about, status: 'done', document: await run(account) });
    } catch (error) {
      if (error instanceof InterruptedError) {
        stopped = true;
        results.push({ account: about, status: 'failed', error: messageOf(error), exitCode: 130 });
        continue;
      }
      if (isNothing(error)) {
        results.push({ account: about, status: 'nothing', reason: messageOf(error) });
        continue;
      }
      const exitCode = (error as { exitCode?: unknown }).exitCode;
      results.push({
        account: about,
        status: 'failed',
        error: messageOf(error),
        exitCode: typeof exitCode === 'number' ? exitCode : 3,
      });
    }
  }
  return {
    schema: 'iamtrail.boundary-org/v1',
    operation,
    accounts: results,
    totals: {
      accounts: results.length,
      failed: results.filter((result) => result.status === 'failed').length,
    },
  };
}
