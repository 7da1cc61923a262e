import { Flags } from '@oclif/core';

import { boundaryHistory } from '../../app/boundary/rollback-boundary.js';
import type { BoundaryHistoryDocument } from '../../app/boundary/rollback-boundary.js';
import { BaseCommand } from '../../cli/base-command.js';
import { boundaryAccountFlag, principalOf } from '../../cli/boundary-flags.js';
import { cachePathFlag, cacheWaitFlag, configFlag, formatFlag } from '../../cli/flags.js';
import { renderBoundaryHistoryText } from '../../cli/render-boundary-apply.js';

/** `iamtrail boundary history`: the snapshots boundary apply and rollback kept. */
export default class BoundaryHistory extends BaseCommand {
  static override summary =
    'List the boundary snapshots of an account: what apply and rollback found and did.';
  static override description =
    'Per snapshot of the cache, oldest first: its id (for rollback --to), time, operation (apply or rollback), ' +
    'principal, state (pending, applied, failed, rolled-back) and the previous boundary → the policy and version ' +
    'applied (or the snapshot a rollback restored), with the message of a failure. Reads only the cache.';
  static override examples = [
    '<%= config.bin %> boundary history --account prod',
    '<%= config.bin %> boundary history --account prod --role deploy --json',
  ];
  static override flags = {
    config: configFlag,
    account: boundaryAccountFlag,
    role: Flags.string({
      helpValue: 'NAME',
      description: 'Only the snapshots of this role.',
      exclusive: ['user'],
    }),
    user: Flags.string({
      helpValue: 'NAME',
      description: 'Only the snapshots of this user.',
      exclusive: ['role'],
    }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    format: formatFlag,
  };

  async run(): Promise<BoundaryHistoryDocument> {
    const { flags } = await this.parse(BoundaryHistory);
    const config = this.loadWarnedConfig(flags);
    const document = await boundaryHistory({
      config,
      account: flags.account,
      principal: principalOf(flags),
      cache: { path: flags.cache, enabled: true, refresh: false, lockTimeoutMs: flags['cache-wait'] * 1000 },
      onNotice: (message) => {
        this.warnLine(message);
      },
    });
    if (this.jsonEnabled()) return document;
    process.stdout.write(
      flags.format === 'json'
        ? `${JSON.stringify(document, null, 2)}\n`
        : renderBoundaryHistoryText(document),
    );
    return document;
  }
}
