import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { clearCache, deleteCache } from '../../app/cache/clear-cache.js';
import type { CacheClearResult } from '../../app/cache/clear-cache.js';
import { cachePathFlag, cachePathOf, cacheWaitFlag, openCacheOf } from '../../cli/flags.js';
import { UsageError } from '../../errors.js';
import { isUtcDay } from '../../trail/utc-days.js';

/** `iamtrail cache clear`: forget cached activity, all of it or some. */
export default class CacheClear extends BaseCommand {
  static override summary = 'Remove cached activity: everything, one account, or the days before a date.';
  static override description =
    'Removed days are read from the logs again by the next question that needs them. Days are removed whole: ' +
    'with --account, the days loaded for that account are removed for every account (a day is read for all ' +
    'accounts at once). With --force, the cache file itself is deleted, even a damaged one that cannot ' +
    'be opened, but only a file iamtrail made: one that carries its marker, or a damaged DuckDB file whose bytes ' +
    'still hold the names of its tables; any other file is left untouched (exit code 2). Boundary snapshots (the ' +
    'record boundary rollback restores from) and the Athena ledger (the record of what athena cleanup removes from ' +
    'AWS) are kept: cache clear removes days only, and --force empties a cache holding them but for them, unless ' +
    '--drop-boundary-snapshots and --drop-athena-ledger.';
  static override examples = [
    '<%= config.bin %> cache clear',
    '<%= config.bin %> cache clear --account 111111111111',
    '<%= config.bin %> cache clear --before 2026-01-01',
    '<%= config.bin %> cache clear --force',
    '<%= config.bin %> cache clear --force --drop-boundary-snapshots --drop-athena-ledger',
  ];
  static override flags = {
    account: Flags.string({ description: 'Only this account (12-digit id).' }),
    before: Flags.string({ description: 'Only days before this one (YYYY-MM-DD).' }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    force: Flags.boolean({
      description:
        'Delete the cache file itself, even a damaged one; only a file iamtrail made. A cache holding boundary snapshots or an Athena ledger is emptied but for them instead.',
    }),
    'drop-boundary-snapshots': Flags.boolean({
      description:
        'With --force: delete the cache file even when it holds boundary snapshots, the record boundary rollback restores from.',
      dependsOn: ['force'],
    }),
    'drop-athena-ledger': Flags.boolean({
      description:
        'With --force: delete the Athena ledger too, the record of what athena cleanup removes (run athena cleanup first: without it, cleanup cannot find what iamtrail created).',
      dependsOn: ['force'],
    }),
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
    if (flags.force) {
      if (flags.account !== undefined || flags.before !== undefined) {
        throw new UsageError(
          '--force deletes the whole cache file; it does not go with --account or --before',
          {
            suggestions: ['Drop --force to remove some days, or drop --account and --before'],
          },
        );
      }
      const result = await deleteCache(path, {
        lockTimeoutMs: flags['cache-wait'] * 1000,
        dropBoundarySnapshots: flags['drop-boundary-snapshots'],
        dropAthenaLedger: flags['drop-athena-ledger'],
        onNotice: (message) => {
          this.warnLine(message);
        },
      });
      const snapshots = result.boundarySnapshots;
      const ledger = result.athenaLedger;
      if (result.emptied) {
        const kept = result.kept ?? { boundarySnapshots: 0, athenaLedger: 0 };
        const parts = [
          ...(kept.boundarySnapshots > 0
            ? [
                `kept its ${kept.boundarySnapshots} boundary snapshot(s), the record boundary rollback restores from (--drop-boundary-snapshots drops them)`,
              ]
            : snapshots !== null && snapshots > 0
              ? [`dropped its ${snapshots} boundary snapshot(s)`]
              : []),
          ...(kept.athenaLedger > 0
            ? [
                `kept its Athena ledger (${kept.athenaLedger} entries), the record of what athena cleanup removes (--drop-athena-ledger drops it)`,
              ]
            : ledger !== null && ledger > 0
              ? [`dropped its Athena ledger (${ledger} entries)`]
              : []),
        ];
        this.log(`cache ${path}: emptied; ${parts.join('; ')}`);
      } else if (!result.deleted) this.log(`cache ${path}: does not exist`);
      else {
        if (snapshots === null)
          this.warnLine(
            `the cache ${path} was damaged: its boundary snapshots and Athena ledger, if it held any, could not be read and are gone with it`,
          );
        const gone = [
          ...(snapshots !== null && snapshots > 0 ? [`its ${snapshots} boundary snapshot(s)`] : []),
          ...(ledger !== null && ledger > 0 ? [`its Athena ledger (${ledger} entries)`] : []),
        ];
        this.log(
          `cache ${path}: deleted${gone.length > 0 ? `, with ${gone.join(' and ')}` : ''}; the next run creates a new one`,
        );
      }
      return result;
    }
    const result = await clearCache(
      path,
      {
        ...(flags.account === undefined ? {} : { accountId: flags.account }),
        ...(flags.before === undefined ? {} : { before: flags.before }),
      },
      () =>
        openCacheOf(flags, (message) => {
          this.warnLine(message);
        }),
    );
    this.log(
      `cache ${path}: ${result.rowsRemoved} row(s) removed, ${result.daysUnloaded} day(s) marked unloaded${result.boundarySnapshots !== null && result.boundarySnapshots > 0 ? `; its ${result.boundarySnapshots} boundary snapshot(s) kept` : ''}${result.athenaLedger !== null && result.athenaLedger > 0 ? `; its Athena ledger (${result.athenaLedger} entries) kept` : ''}`,
    );
    return result;
  }
}
