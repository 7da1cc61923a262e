import type { Config } from '../../config/load-config.js';
import { planLogs } from '../report/load-window.js';
import type { LogPlan } from '../report/load-window.js';
import type { EngineName } from '../report/report-types.js';
import type { AccountsRequest, AccountTarget } from './resolve-accounts.js';

/*
 * What the commands that fan out over accounts and read CloudTrail for them (`audit`, `test`)
 * share: the accounts (`--role` defaulting to `audit.role`), and whether CloudTrail is read.
 */

/** The options both commands take for accounts and logs. */
export interface FanOutOptions {
  readonly config: Config | undefined;
  readonly request: AccountsRequest;
  /** `false` for `--no-trail`. */
  readonly trail: boolean;
  /** `--logs DIR`. */
  readonly logs: string | undefined;
  /** `--engine`. */
  readonly engine: EngineName | undefined;
}

/**
 * The accounts: the config's (with their files) or the organisation's, resolved as `advisor
 * collect` resolves them; `--role` defaults to `audit.role` of the config. The AWS SDK is loaded
 * only here, when accounts are resolved.
 */
export async function resolveAuditRoleTargets(options: FanOutOptions): Promise<AccountTarget[]> {
  const [{ resolveAccounts }, { AwsCallCounts }] = await Promise.all([
    import('./resolve-accounts.js'),
    import('../../aws/client-instrumentation.js'),
  ]);
  return resolveAccounts(
    options.config,
    options.request,
    options.config?.athena?.region,
    new AwsCallCounts(),
    {
      name: options.config?.audit?.role,
      section: 'audit',
    },
  );
}

/** Why CloudTrail is not read (`null`: it is). */
function whyNoTrail(options: FanOutOptions): string | null {
  if (!options.trail) return '--no-trail';
  const config = options.config;
  if (options.logs === undefined && config?.logs === undefined && config?.athena === undefined)
    return 'no logs configured (no --logs, no logs: and no athena: in the config)';
  if (config === undefined) return 'no config file (--logs needs the config of the accounts)';
  return null;
}

/**
 * Whether CloudTrail is read, and how: the plan of the logs (checked before anything is read), or
 * why they are not read.
 */
export function planTrail(options: FanOutOptions): {
  readonly reason: string | null;
  readonly plan: LogPlan | null;
} {
  const reason = whyNoTrail(options);
  return {
    reason,
    plan:
      reason === null && options.config !== undefined
        ? planLogs(options.config, options.logs, options.engine)
        : null,
  };
}
