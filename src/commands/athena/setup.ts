import { Flags } from '@oclif/core';

import { createAthenaContext } from '../../app/athena/athena-context.js';
import { setUpAthena } from '../../app/athena/set-up-athena.js';
import type { AthenaSetupOutcome } from '../../app/athena/set-up-athena.js';
import { BaseCommand } from '../../cli/base-command.js';
import { cachePathFlag, cacheWaitFlag, configFlag, configPathOf, formatFlag } from '../../cli/flags.js';
import { CacheStore } from '../../cache/cache-store.js';
import { loadConfig } from '../../config/load-config.js';
import type { SetupPlan } from '../../engines/athena/athena-setup.js';
import { describeTrailRegions } from '../../engines/athena/athena-regions.js';
import type { TrailRegions } from '../../engines/athena/athena-regions.js';

/** `iamtrail athena setup` as JSON (schema `iamtrail.athena-setup/v1`). */
export interface AthenaSetupDocument extends SetupPlan {
  readonly schema: 'iamtrail.athena-setup/v1';
  readonly region: string;
  readonly dryRun: boolean;
  readonly outputLocation: string;
  /** The projected regions and where they came from (config, listing of the trail, standard list). */
  readonly trailRegions: TrailRegions;
}

/** `iamtrail athena setup`: the Glue database and CloudTrail table, through the Glue API. */
export default class AthenaSetup extends BaseCommand {
  static override summary =
    'Create or update the Glue database and CloudTrail table (partition projection) that Athena queries.';
  static override description =
    'Uses the Glue API, never Athena DDL queries, and changes only what differs from what iamtrail would create. ' +
    "A table iamtrail did not create is never changed. Without athena.regions (CloudTracker's config has none), " +
    "the projected regions are the folders found under each account's CloudTrail/ prefix of the trail bucket, " +
    'or the 17 standard regions when that listing is denied. The report command runs this first unless --skip-setup.';
  static override examples = [
    '<%= config.bin %> athena setup --dry-run',
    '<%= config.bin %> athena setup --config org.yaml',
  ];
  static override flags = {
    config: configFlag,
    'dry-run': Flags.boolean({ description: 'Print what would be created or changed; change nothing.' }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    format: formatFlag,
  };

  async run(): Promise<AthenaSetupDocument> {
    const { flags } = await this.parse(AthenaSetup);
    const context = await createAthenaContext(loadConfig(configPathOf(flags)), flags.cache);
    const { clients } = context;
    const dryRun = flags['dry-run'];
    const store = dryRun
      ? undefined
      : await CacheStore.open(context.cachePath, {
          lockTimeoutMs: flags['cache-wait'] * 1000,
          onNotice: (message) => {
            this.warnLine(message);
          },
        });
    let outcome: AthenaSetupOutcome;
    try {
      // The account each created object is recorded under, known before anything is created: an
      // object made while STS could not say would be in no account's ledger.
      const account = store === undefined ? undefined : await clients.account();
      outcome = await setUpAthena(
        clients,
        context.athena,
        context.accountIds,
        store === undefined || account === undefined
          ? undefined
          : (resource) => store.recordAthenaResource(resource, account),
      );
    } finally {
      await store?.close();
    }
    const { plan, trailRegions, outputLocation } = outcome;
    const document: AthenaSetupDocument = {
      schema: 'iamtrail.athena-setup/v1',
      region: clients.region,
      dryRun,
      outputLocation,
      trailRegions,
      ...plan,
    };
    if (this.jsonEnabled()) return document;
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      return document;
    }
    const verb = flags['dry-run'] ? 'would' : 'did';
    const lines = plan.steps.map((step) =>
      step.action === 'none'
        ? `table ${step.target} is up to date`
        : `${verb} ${step.action.replace('-', ' ')} ${step.target}${step.changes === undefined ? '' : ` (${step.changes.join(', ')})`}`,
    );
    const parameters = plan.tableInput.Parameters ?? {};
    lines.push(
      describeTrailRegions(trailRegions),
      `region ${clients.region}; results to ${outputLocation}`,
      `table location ${plan.tableInput.StorageDescriptor?.Location ?? ''}`,
      `  storage.location.template ${parameters['storage.location.template'] ?? ''}`,
      `  projection account ${parameters['projection.account.type'] ?? ''}${parameters['projection.account.values'] === undefined ? '' : ` ${parameters['projection.account.values']}`}`,
      `  projection region enum ${parameters['projection.region.values'] ?? ''}`,
      `  projection date ${parameters['projection.date.format'] ?? ''} ${parameters['projection.date.range'] ?? ''}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return document;
  }
}
