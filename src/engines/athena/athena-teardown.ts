import { DeleteWorkGroupCommand } from '@aws-sdk/client-athena';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { DeleteDatabaseCommand, DeleteTableCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import type { GlueClient } from '@aws-sdk/client-glue';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { awsCall } from '../../aws/aws-call.js';
import { messageOf } from '../../errors.js';
import type { AthenaResource } from './athena-ledger.js';
import { IAMTRAIL_MARKER } from './athena-sql.js';

/*
 * The AWS side of `athena cleanup`: deleting what set-up created (the mirror of athena-setup.ts).
 * What to delete, and whether it is still iamtrail's, is decided by the caller.
 */

/** The clients cleanup calls. */
export interface TeardownClients {
  readonly region: string;
  readonly athena: Pick<AthenaClient, 'send'>;
  readonly glue: Pick<GlueClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  /** The account of the credentials (see `AwsClients.account`). */
  account(): Promise<string>;
}

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

/** The result objects Athena wrote for `queries`: each one's `<id>.csv` and its `.metadata`. */
export function resultObjectsOf(queries: readonly { readonly outputLocation: string | null }[]): string[] {
  return queries.flatMap((query) =>
    query.outputLocation === null ? [] : [query.outputLocation, `${query.outputLocation}.metadata`],
  );
}

/**
 * Deletes result objects bucket by bucket; returns the locations now absent (deleted, or their
 * bucket is gone). A missing bucket or a refused batch is reported and the rest goes on.
 */
export async function removeResultObjects(
  clients: TeardownClients,
  objects: readonly string[],
  removed: CleanupItem[],
  failed: (CleanupItem & { error: string })[],
  warn: (message: string) => void,
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
          warn(
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
export async function removeAthenaResource(
  clients: TeardownClients,
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

/** The workgroup ARN for ListTagsForResource, in the account of the credentials. */
export function workgroupArnOf(clients: TeardownClients): (name: string) => Promise<string> {
  return async (name) => {
    const partition = clients.region.startsWith('cn-')
      ? 'aws-cn'
      : clients.region.startsWith('us-gov-')
        ? 'aws-us-gov'
        : 'aws';
    return `arn:${partition}:athena:${clients.region}:${await clients.account()}:workgroup/${name}`;
  };
}
