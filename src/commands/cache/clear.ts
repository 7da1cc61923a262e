import { existsSync } from 'node:fs';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { cachePathFlag, cachePathOf, cacheWaitFlag, openCacheOf } from '../../cli/cache-flags.js';
import { UsageError } from '../../errors.js';
import { isUtcDay } from '../../trail/utc-days.js';

/** What `iamtrail cache clear` removed. */
export interface CacheClearResult {
  readonly path: string;
  readonly rowsRemoved: number;
  readonly daysUnloaded: number;
}

/** `iamtrail cache clear`: forget cached activity, all of it or some. */
export default class CacheClear extends BaseCommand {
  static override summary = 'Remove cached activity: everything, one account, or the days before a date.';
  static override description =
    'Removed days are read from the logs again by the next question that needs them. Days are removed whole: ' +
    'with --account, the days loaded for that account are removed for every account (a day is read for all ' +
    'accounts at once).';
  static override examples = [
    '<%= config.bin %> cache clear',
    '<%= config.bin %> cache clear --account 111111111111',
    '<%= config.bin %> cache clear --before 2026-01-01',
  ];
  static override flags = {
    account: Flags.string({ description: 'Only this account (12-digit id).' }),
    before: Flags.string({ description: 'Only days before this one (YYYY-MM-DD).' }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
  };

  async run(): Promise<CacheClearResult> {
    const { flags } = await this.parse(CacheClear);
    if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) {
      throw new UsageError(`--account "${flags.account}" is not a 12-digit account id`);
    }
    if (flags.before !== undefined && !isUtcDay(flags.before)) {
      throw new UsageError(`--before "${flags.before}" is not a date`, {
        suggestions: ['Write it as YYYY-MM-DD'],
      });
    }
    const path = cachePathOf(flags);
    let result: CacheClearResult = { path, rowsRemoved: 0, daysUnloaded: 0 };
    if (existsSync(path)) {
      const store = await openCacheOf(flags, (message) => {
        this.warnLine(message);
      });
      try {
        const removed = await store.clear({
          ...(flags.account === undefined ? {} : { accountId: flags.account }),
          ...(flags.before === undefined ? {} : { before: flags.before }),
        });
        result = { path, rowsRemoved: removed.rows, daysUnloaded: removed.days };
      } finally {
        await store.close();
      }
    }
    this.log(
      `cache ${path}: ${result.rowsRemoved} row(s) removed, ${result.daysUnloaded} day(s) marked unloaded`,
    );
    return result;
  }
}
