import { resolve } from 'node:path';

import type { AthenaConfig } from '../../config/config-schema.js';
import type { Config } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import { createAwsClients } from '../../aws/aws-clients.js';
import type { AwsClients } from '../../aws/aws-clients.js';
import { defaultCachePath } from '../cache/cache-settings.js';

/** What the athena commands need: the section, the clients and the cache file. */
export interface AthenaContext {
  readonly athena: AthenaConfig;
  readonly accountIds: readonly string[];
  readonly clients: AwsClients;
  readonly cachePath: string;
}

/** Resolves the `athena:` section of a config, the AWS clients and the cache file. */
export async function createAthenaContext(
  config: Config,
  cachePath: string | undefined,
): Promise<AthenaContext> {
  if (config.athena === undefined) {
    throw new UsageError(`${config.file} has no athena: section`, {
      suggestions: ['See "Athena" in the README for its keys'],
    });
  }
  return {
    athena: config.athena,
    accountIds: config.accounts.map((account) => account.id),
    clients: await createAwsClients(config.athena.region),
    cachePath: resolve(cachePath ?? defaultCachePath()),
  };
}
