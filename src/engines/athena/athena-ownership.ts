import { GetWorkGroupCommand, ListTagsForResourceCommand } from '@aws-sdk/client-athena';
import { EntityNotFoundException, GetDatabaseCommand, GetTableCommand } from '@aws-sdk/client-glue';

import type { AthenaResource } from './athena-ledger.js';
import { awsCall } from '../../aws/aws-call.js';
import type { SetupClients } from './athena-setup.js';
import { IAMTRAIL_MARKER } from './athena-sql.js';

/**
 * Whether an object the cache says iamtrail created is still iamtrail's: `owned` (it carries the
 * marker set-up put on it), `gone` (nothing by that name), or `foreign` (something by that name
 * without the marker: deleted and recreated by someone else).
 */
export type Ownership = 'owned' | 'gone' | 'foreign';

/**
 * Reads the marker of one object, as set-up wrote it: the `iamtrail.managed` parameter of a Glue
 * table or database, the `iamtrail.managed` tag of a workgroup. `workgroupArn` names the workgroup
 * for ListTagsForResource (the only Athena call that returns tags). Reads only.
 */
export async function checkOwnership(
  clients: SetupClients,
  resource: AthenaResource,
  workgroupArn: (name: string) => Promise<string>,
): Promise<Ownership> {
  switch (resource.kind) {
    case 'table': {
      const [database, table] = resource.name.split('.');
      const found = await awsCall(`Glue GetTable ${resource.name}`, () =>
        ifFound(
          async () =>
            (await clients.glue.send(new GetTableCommand({ DatabaseName: database, Name: table }))).Table,
        ),
      );
      return found === undefined
        ? 'gone'
        : found.Parameters?.[IAMTRAIL_MARKER] === 'true'
          ? 'owned'
          : 'foreign';
    }
    case 'database': {
      const found = await awsCall(`Glue GetDatabase ${resource.name}`, () =>
        ifFound(
          async () => (await clients.glue.send(new GetDatabaseCommand({ Name: resource.name }))).Database,
        ),
      );
      return found === undefined
        ? 'gone'
        : found.Parameters?.[IAMTRAIL_MARKER] === 'true'
          ? 'owned'
          : 'foreign';
    }
    case 'workgroup': {
      const found = await awsCall(`Athena GetWorkGroup ${resource.name}`, async () => {
        try {
          return (await clients.athena.send(new GetWorkGroupCommand({ WorkGroup: resource.name }))).WorkGroup;
        } catch (error) {
          // AWS answers a missing workgroup with InvalidRequestException.
          if ((error as { name?: string }).name === 'InvalidRequestException') return undefined;
          throw error;
        }
      });
      if (found?.Name === undefined) return 'gone';
      const arn = await workgroupArn(resource.name);
      const tags = await awsCall(`Athena ListTagsForResource ${arn}`, async () => {
        try {
          return (await clients.athena.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? [];
        } catch (error) {
          // moto answers a workgroup with no tags this way; AWS with an empty list.
          if ((error as { name?: string }).name === 'InvalidRequestException') return [];
          throw error;
        }
      });
      return tags.some((tag) => tag.Key === IAMTRAIL_MARKER && tag.Value === 'true') ? 'owned' : 'foreign';
    }
  }
}

async function ifFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof EntityNotFoundException) return undefined;
    if ((error as { name?: string }).name === 'EntityNotFoundException') return undefined;
    throw error;
  }
}
