import { createInterface } from 'node:readline/promises';

import { Flags } from '@oclif/core';

import { createAthenaContext } from '../../app/athena/athena-context.js';
import { cleanUpAthena } from '../../app/athena/clean-up-athena.js';
import type { CleanupResult } from '../../app/athena/clean-up-athena.js';
import { BaseCommand } from '../../cli/base-command.js';
import { toPrintable } from '../../cli/printable.js';
import { cachePathFlag, cacheWaitFlag, configFlag, configPathOf } from '../../cli/flags.js';
import { CacheStore } from '../../cache/cache-store.js';
import { loadConfig } from '../../config/load-config.js';
import { athenaOutputLocation } from '../../engines/athena/athena-sql.js';
import { UsageError } from '../../errors.js';

/**
 * `iamtrail athena cleanup`: removes what iamtrail created and only that: the result objects of
 * the queries it ran, its table, its database and its workgroup, as recorded in the cache, and
 * each object only while it still carries iamtrail's marker. One failure does not stop the rest;
 * the exit code is 3 when anything could not be removed.
 */
export default class AthenaCleanup extends BaseCommand {
  static override summary = 'Remove the Athena objects and query results iamtrail created, and nothing else.';
  static override description =
    "A table, database or workgroup is removed only while it carries iamtrail's marker (a table or database " +
    'parameter, a workgroup tag); one recreated by someone else under the same name is kept. A missing results ' +
    'bucket is reported and the rest goes on. Exit code 0 when everything recorded is removed, already gone or ' +
    "kept as not iamtrail's; 3 when a removal failed (the rest is still done, and what failed stays recorded " +
    'for the next cleanup). Only what was created in the account of the credentials is acted on: what the cache ' +
    "records of another account is kept and stays recorded (run cleanup with that account's credentials).";
  static override examples = [
    '<%= config.bin %> athena cleanup --dry-run',
    '<%= config.bin %> athena cleanup --yes',
  ];
  static override flags = {
    config: configFlag,
    'dry-run': Flags.boolean({ description: 'List what would be removed; remove nothing.' }),
    yes: Flags.boolean({ description: 'Remove without asking.' }),
    'include-unattributed': Flags.boolean({
      description:
        'Also act on what a cache of schema 13 or older recorded without the account it was created in: ' +
        'only when it was created with the credentials cleanup runs with.',
    }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
  };

  async run(): Promise<CleanupResult> {
    const { flags } = await this.parse(AthenaCleanup);
    const { athena, clients, cachePath } = await createAthenaContext(
      loadConfig(configPathOf(flags)),
      flags.cache,
    );
    return cleanUpAthena(
      clients,
      cachePath,
      flags['dry-run'],
      () =>
        CacheStore.open(cachePath, {
          lockTimeoutMs: flags['cache-wait'] * 1000,
          onNotice: (message) => {
            this.warnLine(message);
          },
        }),
      {
        log: (line) => {
          // Names come from the cache file: escaped, never raw control characters.
          this.log(toPrintable(line));
        },
        warn: (line) => {
          this.warnLine(line);
        },
        confirm: async (count, showPlan) => {
          if (!flags.yes) this.#canAsk(count);
          showPlan();
          if (!flags.yes) await this.#ask(count);
        },
      },
      {
        includeUnattributed: flags['include-unattributed'],
        resultsLocation: athenaOutputLocation(athena),
      },
    );
  }

  /** Refuses, before anything is printed or removed, when there is no terminal to ask. */
  #canAsk(count: number): void {
    if (!process.stdin.isTTY) {
      throw new UsageError(`cleanup would remove ${count} item(s) and there is no terminal to ask`, {
        suggestions: ['Pass --yes to remove them, or --dry-run to list them'],
      });
    }
  }

  async #ask(count: number): Promise<void> {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await prompt.question(`Remove these ${count} item(s)? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('cleanup cancelled: nothing removed');
    } finally {
      prompt.close();
    }
  }
}
