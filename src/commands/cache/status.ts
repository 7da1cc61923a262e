import { BaseCommand } from '../../cli/base-command.js';
import { toPrintable } from '../../cli/printable.js';
import { cachePathFlag, cachePathOf, cacheWaitFlag, formatFlag, openCacheOf } from '../../cli/flags.js';
import { readCacheStatus } from '../../app/cache/cache-status.js';
import type { CacheStatusDocument } from '../../app/cache/cache-status.js';

/** `iamtrail cache status`: what the cache holds. */
export default class CacheStatus extends BaseCommand {
  static override summary =
    'Show what the cache holds: sources, accounts, loaded days, rows, size on disk, boundary snapshots.';
  static override examples = [
    '<%= config.bin %> cache status',
    '<%= config.bin %> cache status --cache /tmp/iamtrail.duckdb --format json',
  ];
  static override flags = { cache: cachePathFlag, 'cache-wait': cacheWaitFlag, format: formatFlag };

  async run(): Promise<CacheStatusDocument> {
    const { flags } = await this.parse(CacheStatus);
    const path = cachePathOf(flags);
    const document = await readCacheStatus(path, () =>
      openCacheOf(flags, (message) => {
        this.warnLine(message);
      }),
    );
    if (this.jsonEnabled()) return document;
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      return document;
    }
    const lines = [
      `cache ${path}: ${document.exists ? `${formatBytes(document.bytes)}, schema ${document.schemaVersion}` : 'does not exist yet'}`,
    ];
    if (document.exists && document.sources.length === 0) lines.push('  no cached activity');
    for (const source of document.sources) {
      lines.push(source.source);
      lines.push(
        `  accounts:   ${source.accounts.length > 0 ? source.accounts.join(', ') : 'none with activity'}`,
      );
      lines.push(
        `  days:       ${source.loadedDays} loaded: ${source.ranges.map((range) => (range.startDay === range.endDay ? range.startDay : `${range.startDay}..${range.endDay}`)).join(', ')}`,
      );
      lines.push(`  rows:       ${source.rows}`);
      lines.push(`  loaded at:  ${source.lastLoadedAt ?? '-'} (latest)`);
    }
    if (document.exists)
      lines.push(
        `boundary snapshots: ${document.boundarySnapshots}${document.boundarySnapshots > 0 ? ' (the record boundary rollback restores from; boundary history lists them; cache clear keeps them)' : ''}`,
        `athena ledger: ${document.athenaLedger} entries${document.athenaLedger > 0 ? ' (what athena cleanup removes; cache clear keeps it)' : ''}`,
      );
    // Account ids and sources come from log records and the cache file: escaped, never raw.
    process.stdout.write(`${lines.map((line) => toPrintable(line)).join('\n')}\n`);
    return document;
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}
