import { collectAdvisor, DEFAULT_COLLECT_OPTIONS } from './collect-advisor.js';
import type { CollectAdvisorDocument, CollectListener } from './collect-advisor.js';
import { resolveAccounts } from '../accounts/resolve-accounts.js';
import type { AccountsRequest } from '../accounts/resolve-accounts.js';
import { AwsCallCounts } from '../../aws/client-instrumentation.js';
import type { CacheStore } from '../../cache/cache-store.js';
import type { Config } from '../../config/load-config.js';

/** What `advisor collect` was asked. */
export interface CollectCommandInput {
  readonly config: Config | undefined;
  readonly request: AccountsRequest;
  readonly concurrency: number;
  readonly jobTimeoutMs: number;
  /** The first wait between two reads of a job (default {@link DEFAULT_COLLECT_OPTIONS}'). */
  readonly pollDelayMs?: number;
  readonly openStore: () => Promise<CacheStore>;
  readonly listener: CollectListener;
}

/**
 * `iamtrail advisor collect`: resolves the accounts (the config's, or the organisation's), opens
 * the cache and collects; the cache is closed whatever happens.
 */
export async function collectAdvisorCommand(input: CollectCommandInput): Promise<CollectAdvisorDocument> {
  const counts = new AwsCallCounts();
  const region = input.config?.athena?.region;
  const accounts = await resolveAccounts(input.config, input.request, region, counts, {
    name: input.config?.advisor?.role,
    section: 'advisor',
  });
  const store = await input.openStore();
  try {
    return await collectAdvisor(store, accounts, counts, input.listener, {
      ...DEFAULT_COLLECT_OPTIONS,
      region,
      concurrency: input.concurrency,
      job: {
        ...DEFAULT_COLLECT_OPTIONS.job,
        jobTimeoutMs: input.jobTimeoutMs,
        ...(input.pollDelayMs === undefined ? {} : { pollDelayMs: input.pollDelayMs }),
      },
    });
  } finally {
    await store.close();
  }
}
