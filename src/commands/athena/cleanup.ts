import { createInterface } from 'node:readline/promises';

import { DeleteWorkGroupCommand } from '@aws-sdk/client-athena';
import { DeleteDatabaseCommand, DeleteTableCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { Flags } from '@oclif/core';

import { createAthenaContext } from '../../cli/athena-context.js';
import { BaseCommand } from '../../cli/base-command.js';
import { cachePathFlag, cacheWaitFlag } from '../../cli/cache-flags.js';
import { CacheStore } from '../../cache/cache-store.js';
import type { AthenaResource } from '../../cache/cache-store.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load-config.js';
import { awsCall } from '../../engines/aws-call.js';
import { UsageError } from '../../errors.js';

/** One thing cleanup removes. */
export interface CleanupItem {
  readonly kind: 'result-object' | 'table' | 'database' | 'workgroup';
  readonly name: string;
}

/** What `iamtrail athena cleanup` removed (or would remove). */
export interface CleanupResult {
  readonly dryRun: boolean;
  readonly removed: readonly CleanupItem[];
  readonly kept: readonly (CleanupItem & { readonly reason: string })[];
}

/**
 * `iamtrail athena cleanup`: removes what iamtrail created and only that: the result objects of
 * the queries it ran, its table, its database and its workgroup, as recorded in the cache.
 */
export default class AthenaCleanup extends BaseCommand {
  static override summary = 'Remove the Athena objects and query results iamtrail created, and nothing else.';
  static override examples = [
    '<%= config.bin %> athena cleanup --dry-run',
    '<%= config.bin %> athena cleanup --yes',
  ];
  static override flags = {
    config: Flags.string({ default: DEFAULT_CONFIG_FILE, description: 'Config file.' }),
    'dry-run': Flags.boolean({ description: 'List what would be removed; remove nothing.' }),
    yes: Flags.boolean({ description: 'Remove without asking.' }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
  };

  async run(): Promise<CleanupResult> {
    const { flags } = await this.parse(AthenaCleanup);
    const { clients, cachePath } = await createAthenaContext(loadConfig(flags.config), flags.cache);
    const store = await CacheStore.open(cachePath, {
      lockTimeoutMs: flags['cache-wait'] * 1000,
      onNotice: (message) => {
        this.warnLine(message);
      },
    });
    try {
      const queries = await store.athenaQueries(clients.region);
      const resources = await store.athenaResources(clients.region);
      const objects = queries.flatMap((query) =>
        query.outputLocation === null ? [] : [query.outputLocation, `${query.outputLocation}.metadata`],
      );
      const items: CleanupItem[] = [
        ...objects.map((name) => ({ kind: 'result-object' as const, name })),
        ...order(resources).map((resource) => ({ kind: resource.kind, name: resource.name })),
      ];
      for (const item of items)
        this.log(`${flags['dry-run'] ? 'would remove' : 'remove'} ${item.kind} ${item.name}`);
      if (items.length === 0)
        this.log(
          `nothing to clean up in ${clients.region}: the cache ${cachePath} records no Athena object or query of iamtrail`,
        );
      if (flags['dry-run'] || items.length === 0)
        return { dryRun: flags['dry-run'], removed: flags['dry-run'] ? items : [], kept: [] };
      if (!flags.yes) await this.#confirm(items.length);

      const removed: CleanupItem[] = [];
      const kept: (CleanupItem & { reason: string })[] = [];
      for (const [bucket, keys] of groupByBucket(objects)) {
        for (let index = 0; index < keys.length; index += 1000) {
          const batch = keys.slice(index, index + 1000);
          await awsCall('S3 DeleteObjects', () =>
            clients.s3.send(
              new DeleteObjectsCommand({
                Bucket: bucket,
                Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
              }),
            ),
          );
          removed.push(
            ...batch.map((key) => ({ kind: 'result-object' as const, name: `s3://${bucket}/${key}` })),
          );
        }
      }
      await store.forgetAthenaQueries(queries.map((query) => query.queryId));
      for (const resource of order(resources)) {
        const outcome = await this.#remove(clients, resource);
        if (outcome === undefined) removed.push({ kind: resource.kind, name: resource.name });
        else kept.push({ kind: resource.kind, name: resource.name, reason: outcome });
        if (outcome === undefined) await store.forgetAthenaResource(resource);
      }
      for (const item of kept) this.warnLine(`kept ${item.kind} ${item.name}: ${item.reason}`);
      this.log(`removed ${removed.length} item(s)`);
      return { dryRun: false, removed, kept };
    } finally {
      await store.close();
    }
  }

  /** Removes one object; returns why it was kept, if it was. */
  async #remove(
    clients: Awaited<ReturnType<typeof createAthenaContext>>['clients'],
    resource: AthenaResource,
  ): Promise<string | undefined> {
    if (resource.kind === 'table') {
      const [database, table] = resource.name.split('.');
      await awsCall('Glue DeleteTable', async () => {
        try {
          await clients.glue.send(new DeleteTableCommand({ DatabaseName: database, Name: table }));
        } catch (error) {
          if ((error as { name?: string }).name !== 'EntityNotFoundException') throw error;
        }
      });
      return undefined;
    }
    if (resource.kind === 'database') {
      const tables = await awsCall('Glue GetTables', async () => {
        try {
          return (
            (await clients.glue.send(new GetTablesCommand({ DatabaseName: resource.name }))).TableList ?? []
          );
        } catch (error) {
          if ((error as { name?: string }).name === 'EntityNotFoundException') return undefined;
          throw error;
        }
      });
      if (tables === undefined) return undefined;
      if (tables.length > 0)
        return `it holds tables iamtrail did not create (${tables.map((table) => table.Name).join(', ')})`;
      await awsCall('Glue DeleteDatabase', () =>
        clients.glue.send(new DeleteDatabaseCommand({ Name: resource.name })),
      );
      return undefined;
    }
    await awsCall('Athena DeleteWorkGroup', () =>
      clients.athena.send(
        new DeleteWorkGroupCommand({ WorkGroup: resource.name, RecursiveDeleteOption: false }),
      ),
    );
    return undefined;
  }

  async #confirm(count: number): Promise<void> {
    if (!process.stdin.isTTY) {
      throw new UsageError(`cleanup would remove ${count} item(s) and there is no terminal to ask`, {
        suggestions: ['Pass --yes to remove them, or --dry-run to list them'],
      });
    }
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await prompt.question(`Remove these ${count} item(s)? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('cleanup cancelled: nothing removed');
    } finally {
      prompt.close();
    }
  }
}

/** Tables before databases, so a database is empty when its turn comes. */
function order(resources: readonly AthenaResource[]): AthenaResource[] {
  const rank = { table: 0, workgroup: 1, database: 2 } as const;
  return [...resources].sort((a, b) => rank[a.kind] - rank[b.kind]);
}

function groupByBucket(locations: readonly string[]): Map<string, string[]> {
  const byBucket = new Map<string, string[]>();
  for (const location of locations) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const keys = byBucket.get(match[1]) ?? [];
    keys.push(match[2]);
    byBucket.set(match[1], keys);
  }
  return byBucket;
}
