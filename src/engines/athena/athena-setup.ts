import {
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTableCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import type { GlueClient, Table, TableInput } from '@aws-sdk/client-glue';
import { CreateWorkGroupCommand, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { isDeepStrictEqual } from 'node:util';

import type { AthenaResource } from './athena-ledger.js';
import type { AthenaConfig } from '../../config/config-schema.js';
import { ConfigError } from '../../errors.js';
import { awsCall } from '../../aws/aws-call.js';
import { IAMTRAIL_MARKER } from './athena-sql.js';

/** One step of the Athena set-up. */
export interface SetupStep {
  readonly action: 'create-database' | 'create-table' | 'update-table' | 'create-workgroup' | 'none';
  readonly target: string;
  /** For `update-table`: which parts differ. */
  readonly changes?: readonly string[];
}

/** What set-up would do, and the table it would write. */
export interface SetupPlan {
  readonly steps: readonly SetupStep[];
  readonly tableInput: TableInput;
}

/** The clients set-up calls. */
export interface SetupClients {
  readonly glue: Pick<GlueClient, 'send'>;
  readonly athena: Pick<AthenaClient, 'send'>;
}

/**
 * Works out what set-up has to do: create the database, create or update the table (only what
 * differs), create the workgroup when the config names one that does not exist. Reads only.
 */
export async function planAthenaSetup(
  clients: SetupClients,
  athena: AthenaConfig,
  tableInput: TableInput,
): Promise<SetupPlan> {
  const steps: SetupStep[] = [];
  const database = await awsCall('Glue GetDatabase', async () => {
    try {
      return await clients.glue.send(new GetDatabaseCommand({ Name: athena.database }));
    } catch (error) {
      if (error instanceof EntityNotFoundException) return undefined;
      throw error;
    }
  });
  if (database === undefined) steps.push({ action: 'create-database', target: athena.database });

  const existing =
    database === undefined
      ? undefined
      : await awsCall('Glue GetTable', async () => {
          try {
            return (
              await clients.glue.send(
                new GetTableCommand({ DatabaseName: athena.database, Name: athena.table }),
              )
            ).Table;
          } catch (error) {
            if (error instanceof EntityNotFoundException) return undefined;
            throw error;
          }
        });
  const tableName = `${athena.database}.${athena.table}`;
  if (existing === undefined) {
    steps.push({ action: 'create-table', target: tableName });
  } else {
    if (existing.Parameters?.[IAMTRAIL_MARKER] !== 'true') {
      throw new ConfigError(
        `the table ${tableName} exists and was not created by iamtrail; iamtrail does not change it`,
        {
          suggestions: ['Set athena.table (or athena.database) in the config to a name iamtrail may own'],
        },
      );
    }
    const changes = tableDifferences(existing, tableInput);
    steps.push(
      changes.length > 0
        ? { action: 'update-table', target: tableName, changes }
        : { action: 'none', target: tableName },
    );
  }

  if (athena.workgroup !== 'primary') {
    const workgroup = await awsCall('Athena GetWorkGroup', async () => {
      try {
        return await clients.athena.send(new GetWorkGroupCommand({ WorkGroup: athena.workgroup }));
      } catch (error) {
        if ((error as { name?: string }).name === 'InvalidRequestException') return undefined;
        throw error;
      }
    });
    // AWS answers a missing workgroup with InvalidRequestException; some endpoints with no WorkGroup.
    if (workgroup?.WorkGroup?.Name === undefined)
      steps.push({ action: 'create-workgroup', target: athena.workgroup });
  }
  return { steps, tableInput };
}

/**
 * Carries out a plan through the Glue and Athena APIs (no Athena DDL query), reporting each object
 * it creates so that cleanup can remove exactly those.
 */
export async function applyAthenaSetup(
  clients: SetupClients,
  athena: AthenaConfig,
  plan: SetupPlan,
  outputLocation: string,
  region: string,
  onCreated: (resource: AthenaResource) => Promise<void>,
): Promise<void> {
  for (const step of plan.steps) {
    switch (step.action) {
      case 'create-database':
        await awsCall('Glue CreateDatabase', () =>
          clients.glue.send(
            new CreateDatabaseCommand({
              DatabaseInput: {
                Name: athena.database,
                Description: 'Created by iamtrail',
                Parameters: { [IAMTRAIL_MARKER]: 'true' },
              },
            }),
          ),
        );
        await onCreated({ kind: 'database', name: athena.database, region });
        break;
      case 'create-table':
        await awsCall('Glue CreateTable', () =>
          clients.glue.send(
            new CreateTableCommand({ DatabaseName: athena.database, TableInput: plan.tableInput }),
          ),
        );
        await onCreated({ kind: 'table', name: step.target, region });
        break;
      case 'update-table':
        await awsCall('Glue UpdateTable', () =>
          clients.glue.send(
            new UpdateTableCommand({ DatabaseName: athena.database, TableInput: plan.tableInput }),
          ),
        );
        break;
      case 'create-workgroup':
        await awsCall('Athena CreateWorkGroup', () =>
          clients.athena.send(
            new CreateWorkGroupCommand({
              Name: athena.workgroup,
              Description: 'Created by iamtrail',
              Configuration: {
                ResultConfiguration: { OutputLocation: outputLocation },
                ...(athena.scan_cap_gb === undefined
                  ? {}
                  : { BytesScannedCutoffPerQuery: Math.round(athena.scan_cap_gb * 1024 ** 3) }),
              },
              Tags: [{ Key: IAMTRAIL_MARKER, Value: 'true' }],
            }),
          ),
        );
        await onCreated({ kind: 'workgroup', name: athena.workgroup, region });
        break;
      case 'none':
        break;
    }
  }
}

/** Which parts of an existing table differ from the one iamtrail would write. */
export function tableDifferences(existing: Table, wanted: TableInput): string[] {
  const changes: string[] = [];
  const descriptor = existing.StorageDescriptor;
  const want = wanted.StorageDescriptor;
  if (!isDeepStrictEqual(normaliseColumns(descriptor?.Columns), normaliseColumns(want?.Columns)))
    changes.push('columns');
  if (descriptor?.Location !== want?.Location) changes.push('location');
  if (descriptor?.InputFormat !== want?.InputFormat || descriptor?.OutputFormat !== want?.OutputFormat)
    changes.push('formats');
  if (descriptor?.SerdeInfo?.SerializationLibrary !== want?.SerdeInfo?.SerializationLibrary)
    changes.push('serde');
  if (!isDeepStrictEqual(normaliseColumns(existing.PartitionKeys), normaliseColumns(wanted.PartitionKeys)))
    changes.push('partition keys');
  for (const [key, value] of Object.entries(wanted.Parameters ?? {})) {
    if (existing.Parameters?.[key] !== value) changes.push(`parameter ${key}`);
  }
  return changes;
}

function normaliseColumns(
  columns: readonly { Name?: string | undefined; Type?: string | undefined }[] | undefined,
): string[] {
  return (columns ?? []).map((column) => `${column.Name ?? ''}:${column.Type ?? ''}`);
}
