import { existsSync } from 'node:fs';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { createCollectProgressRenderer } from '../../cli/collect-progress.js';
import {
  cachePathFlag,
  cacheWaitFlag,
  configFlag,
  configPathOf,
  formatFlag,
  openCacheOf,
} from '../../cli/flags.js';
import { renderCollectText } from '../../cli/render-advisor-collect.js';
import { collectAdvisorCommand } from '../../app/advisor/collect-command.js';
import type { CollectAdvisorDocument } from '../../app/advisor/collect-advisor.js';
import { loadConfig } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';

/** `iamtrail advisor collect`: IAM Access Advisor of every principal of the accounts, into the cache. */
export default class AdvisorCollect extends BaseCommand {
  static override summary =
    'Collect IAM Access Advisor (service and action last accessed) for every role, user, group and customer managed policy of the accounts, into the cache.';
  static override description =
    'Accounts: those of the config (each assuming its role:), or with --org every ACTIVE account of the organisation, ' +
    'assuming --role NAME (or advisor.role of the config) in each. One ACTION_LEVEL job per principal, --concurrency ' +
    'at once per account; throttling is retried with backoff. Each principal is stored as soon as its job is read. ' +
    'An account or principal that fails is reported with its reason and the rest goes on; the exit code is then 3, ' +
    'with everything collected kept. A principal deleted since it was listed is skipped with a note.';
  static override examples = [
    '<%= config.bin %> advisor collect --config config.yaml',
    '<%= config.bin %> advisor collect --config config.yaml --account prod --format json',
    '<%= config.bin %> advisor collect --org --role iamtrail-advisor --concurrency 3',
  ];
  static override flags = {
    config: configFlag,
    account: Flags.string({
      multiple: true,
      helpValue: 'NAME_OR_ID',
      description: 'Collect only this account (name or id; repeatable). Default: every account.',
    }),
    org: Flags.boolean({
      description:
        'Every ACTIVE account of the organisation (Organizations ListAccounts) instead of the config.',
    }),
    role: Flags.string({
      helpValue: 'NAME',
      description:
        'With --org: the role name to assume in each account (default: advisor.role of the config).',
      dependsOn: ['org'],
    }),
    concurrency: Flags.integer({
      default: 5,
      min: 1,
      max: 50,
      helpValue: 'N',
      description: 'Access Advisor jobs at once per account (20 at most over all accounts).',
    }),
    'job-timeout': Flags.integer({
      default: 300,
      min: 1,
      helpValue: 'SECONDS',
      description: 'How long a job may stay IN_PROGRESS before it is reported as not finished.',
    }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    format: formatFlag,
  };

  async run(): Promise<CollectAdvisorDocument> {
    const { flags } = await this.parse(AdvisorCollect);
    const configPath = configPathOf(flags);
    // With --org the config is optional (it may hold advisor.role); without, it lists the accounts.
    const config =
      flags.org && flags.config === undefined && !existsSync(configPath) ? undefined : loadConfig(configPath);
    for (const key of config?.unknownKeys ?? [])
      this.warnLine(`config file ${configPath}: unknown key "${key}" ignored`);
    const pollDelayMs = pollDelayOf(process.env.IAMTRAIL_ADVISOR_POLL_MS);
    const progress = createCollectProgressRenderer(process.stderr, process.env);
    let document: CollectAdvisorDocument;
    try {
      document = await collectAdvisorCommand({
        config,
        request: { accounts: flags.account ?? [], org: flags.org, role: flags.role },
        concurrency: flags.concurrency,
        jobTimeoutMs: flags['job-timeout'] * 1000,
        ...(pollDelayMs === undefined ? {} : { pollDelayMs }),
        openStore: () =>
          openCacheOf(flags, (message) => {
            this.warnLine(message);
          }),
        listener: progress,
      });
    } finally {
      progress.stop();
    }
    if (this.jsonEnabled() || flags.format === 'json') {
      if (document.complete && this.jsonEnabled()) return document;
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else process.stdout.write(renderCollectText(document));
    if (!document.complete) {
      this.warnLine(
        `advisor collect missed ${document.totals.failed} principal(s) and ${document.totals.accountsFailed} account(s): exit code 3; what was collected is in the cache`,
      );
      await this.exitWhenWritten(3);
    }
    return document;
  }
}

/** `IAMTRAIL_ADVISOR_POLL_MS`: the first wait between two reads of a job (tests and the benchmark shorten it). */
function pollDelayOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,6}$/.test(value))
    throw new UsageError(`IAMTRAIL_ADVISOR_POLL_MS=${JSON.stringify(value)} is not a number of milliseconds`);
  return Number(value);
}
