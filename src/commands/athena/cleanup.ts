import { createInterface } from 'node:readline/promises';

import { DeleteWorkGroupCommand } from '@aws-sdk/client-athena';
import { DeleteDatabaseCommand, DeleteTableCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Flags } from '@oclif/core';

import { createAthenaContext } from '../../cli/athena-context.js';
import { BaseCommand } from '../../cli/base-command.js';
import { cachePathFlag, cacheWaitFlag, configFlag, configPathOf } from '../../cli/flags.js';
import { CacheStore } from '../../cache/cache-store.js';
import type { AthenaResource } from '../../cache/cache-store.js';
import { loadConfig } from '../../config/load-config.js';
import { checkOwnership } from '../../engines/athena/athena-ownership.js';
import type { Ownership } from '../../engines/athena/athena-ownership.js';
import { IAMTRAIL_MARKER } from '../../engines/athena/athena-table.js';
import { awsCall } from '../../engines/aws-call.js';
import { EngineError, UsageError } from '../../errors.js';

/** One thing cleanup removes. */
export interface CleanupItem {
  readonly kind: 'result-object' | 'table' | 'database' | 'workgroup';
  readonly name: string;
}

/** What `iamtrail athena cleanup` removed (or would remove), kept, and failed to remove. */
export interface CleanupResult {
  readonly dryRun: boolean;
  readonly removed: readonly CleanupItem[];
  readonly kept: readonly (CleanupItem & { readonly reason: string })[];
  /** Removals that failed; they stay recorded in the cache, so the next cleanup tries again. */
  readonly failed: readonly (CleanupItem & { readonly error: string })[];
}

type Clients = Awaited<ReturnType<typeof createAthenaContext>>['clients'];

const NOT_OURS = `it no longer carries iamtrail's marker (${IAMTRAIL_MARKER}): someone else recreated it under this name`;

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
    'for the next cleanup).';
  static override examples = [
    '<%= config.bin %> athena cleanup --dry-run',
    '<%= config.bin %> athena cleanup --yes',
  ];
  static override flags = {
    config: configFlag,
    'dry-run': Flags.boolean({ description: 'List what would be removed; remove nothing.' }),
    yes: Flags.boolean({ description: 'Remove without asking.' }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
  };

  async run(): Promise<CleanupResult> {
    const { flags } = await this.parse(AthenaCleanup);
    const dryRun = flags['dry-run'];
    const { clients, cachePath } = await createAthenaContext(loadConfig(configPathOf(flags)), flags.cache);
    const store = await CacheStore.open(cachePath, {
      lockTimeoutMs: flags['cache-wait'] * 1000,
      onNotice: (message) => {
        this.warnLine(message);
      },
    });
    try {
      const queries = await store.athenaQueries(clients.region);
      const resources = order(await store.athenaResources(clients.region));
      const objects = queries.flatMap((query) =>
        query.outputLocation === null ? [] : [query.outputLocation, `${query.outputLocation}.metadata`],
      );
      if (objects.length === 0 && resources.length === 0) {
        this.log(
          `nothing to clean up in ${clients.region}: the cache ${cachePath} records no Athena object or query of iamtrail`,
        );
        return { dryRun, removed: [], kept: [], failed: [] };
      }

      // Ownership is read before anything is asked or removed, so a dry run tells the truth too.
      const workgroupArn = memoiseWorkgroupArn(clients);
      const removed: CleanupItem[] = [];
      const kept: (CleanupItem & { reason: string })[] = [];
      const failed: (CleanupItem & { error: string })[] = [];
      const plan: { resource: AthenaResource; ownership: Ownership }[] = [];
      for (const resource of resources) {
        try {
          plan.push({ resource, ownership: await checkOwnership(clients, resource, workgroupArn) });
        } catch (error) {
          failed.push({ kind: resource.kind, name: resource.name, error: messageOf(error) });
        }
      }
      const toRemove: CleanupItem[] = [
        ...objects.map((name) => ({ kind: 'result-object' as const, name })),
        ...plan
          .filter((step) => step.ownership === 'owned')
          .map(({ resource }) => ({ kind: resource.kind, name: resource.name })),
      ];
      for (const item of toRemove)
        this.log(`${dryRun ? 'would remove' : 'remove'} ${item.kind} ${item.name}`);
      for (const { resource, ownership } of plan) {
        if (ownership === 'foreign')
          this.warnLine(`${dryRun ? 'would keep' : 'kept'} ${resource.kind} ${resource.name}: ${NOT_OURS}`);
        if (ownership === 'gone') this.log(`${resource.kind} ${resource.name} is already gone`);
      }
      if (dryRun) {
        this.#reportFailures(failed);
        return {
          dryRun,
          removed: toRemove,
          kept: plan
            .filter((step) => step.ownership === 'foreign')
            .map(({ resource }) => ({ kind: resource.kind, name: resource.name, reason: NOT_OURS })),
          failed,
        };
      }
      if (toRemove.length > 0 && !flags.yes) await this.#confirm(toRemove.length);

      const cleared = await this.#removeResultObjects(clients, objects, removed, failed);
      await store.forgetAthenaQueries(
        queries
          .filter(
            (query) =>
              query.outputLocation === null ||
              (cleared.has(query.outputLocation) && cleared.has(`${query.outputLocation}.metadata`)),
          )
          .map((query) => query.queryId),
      );
      for (const { resource, ownership } of plan) {
        const item = { kind: resource.kind, name: resource.name };
        if (ownership === 'foreign') {
          // No longer iamtrail's: kept, and no longer on record as created by iamtrail.
          kept.push({ ...item, reason: NOT_OURS });
          await store.forgetAthenaResource(resource);
          continue;
        }
        if (ownership === 'gone') {
          await store.forgetAthenaResource(resource);
          continue;
        }
        try {
          const why = await this.#remove(clients, resource);
          if (why === undefined) {
            removed.push(item);
            await store.forgetAthenaResource(resource);
          } else {
            kept.push({ ...item, reason: why });
            this.warnLine(`kept ${item.kind} ${item.name}: ${why}`);
          }
        } catch (error) {
          failed.push({ ...item, error: messageOf(error) });
        }
      }
      this.log(`removed ${removed.length} item(s)`);
      this.#reportFailures(failed);
      return { dryRun: false, removed, kept, failed };
    } finally {
      await store.close();
    }
  }

  /**
   * Deletes result objects bucket by bucket; returns the locations now absent (deleted, or their
   * bucket is gone). A missing bucket or a refused batch is reported and the rest goes on.
   */
  async #removeResultObjects(
    clients: Clients,
    objects: readonly string[],
    removed: CleanupItem[],
    failed: (CleanupItem & { error: string })[],
  ): Promise<Set<string>> {
    const cleared = new Set<string>();
    for (const [bucket, keys] of groupByBucket(objects)) {
      for (let index = 0; index < keys.length; index += 1000) {
        const batch = keys.slice(index, index + 1000);
        const location = (key: string) => `s3://${bucket}/${key}`;
        try {
          const response = await clients.s3.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          );
          const errors = new Map((response.Errors ?? []).map((error) => [error.Key ?? '', error]));
          for (const key of batch) {
            const error = errors.get(key);
            if (error === undefined) {
              removed.push({ kind: 'result-object', name: location(key) });
              cleared.add(location(key));
            } else {
              failed.push({
                kind: 'result-object',
                name: location(key),
                error: `S3 DeleteObjects: ${error.Code ?? 'Error'}: ${error.Message ?? ''}`,
              });
            }
          }
        } catch (error) {
          if ((error as { name?: string }).name === 'NoSuchBucket') {
            this.warnLine(
              `the results bucket ${bucket} does not exist any more: its ${batch.length} result object(s) went with it`,
            );
            for (const key of batch) cleared.add(location(key));
            continue;
          }
          for (const key of batch)
            failed.push({
              kind: 'result-object',
              name: location(key),
              error: `S3 DeleteObjects: ${messageOf(error)}`,
            });
        }
      }
    }
    return cleared;
  }

  /** Removes one object iamtrail owns; returns why it was kept, if it was. */
  async #remove(clients: Clients, resource: AthenaResource): Promise<string | undefined> {
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
      const foreign = tables.filter((table) => table.Parameters?.[IAMTRAIL_MARKER] !== 'true');
      if (foreign.length > 0)
        return `it holds tables iamtrail did not create (${foreign.map((table) => table.Name).join(', ')})`;
      if (tables.length > 0)
        return `it still holds iamtrail's table(s) that could not be removed (${tables.map((table) => table.Name).join(', ')})`;
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

  /** Warns about each failed removal, then fails the command (exit 3) if there was any. */
  #reportFailures(failed: readonly (CleanupItem & { error: string })[]): void {
    if (failed.length === 0) return;
    for (const item of failed) this.warnLine(`could not remove ${item.kind} ${item.name}: ${item.error}`);
    throw new EngineError(
      `cleanup incomplete: ${failed.length} item(s) could not be removed or checked; the rest was done`,
      {
        suggestions: [
          'What failed stays recorded in the cache: fix the cause (see the warnings above) and run cleanup again',
          'Run `iamtrail permissions` for the IAM policy cleanup needs',
        ],
      },
    );
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

/** The workgroup ARN for ListTagsForResource; the account comes from STS once, when first needed. */
function memoiseWorkgroupArn(clients: Clients): (name: string) => Promise<string> {
  let account: Promise<string> | undefined;
  return async (name) => {
    account ??= awsCall('STS GetCallerIdentity', async () => {
      const sts = new STSClient({ region: clients.region });
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        if (identity.Account === undefined) throw new Error('no account in the answer');
        return identity.Account;
      } finally {
        sts.destroy();
      }
    });
    const partition = clients.region.startsWith('cn-')
      ? 'aws-cn'
      : clients.region.startsWith('us-gov-')
        ? 'aws-us-gov'
        : 'aws';
    return `arn:${partition}:athena:${clients.region}:${await account}:workgroup/${name}`;
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
