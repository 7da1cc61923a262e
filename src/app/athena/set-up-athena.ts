import type { AwsClients } from '../../aws/aws-clients.js';
import type { AthenaConfig } from '../../config/config-schema.js';
import type { AthenaResource } from '../../engines/athena/athena-ledger.js';
import { resolveTrailRegions } from '../../engines/athena/athena-regions.js';
import type { TrailRegions } from '../../engines/athena/athena-regions.js';
import { applyAthenaSetup, planAthenaSetup } from '../../engines/athena/athena-setup.js';
import type { SetupPlan } from '../../engines/athena/athena-setup.js';
import { athenaOutputLocation, buildCloudTrailTableInput } from '../../engines/athena/athena-sql.js';

/** What {@link setUpAthena} found and did. */
export interface AthenaSetupOutcome {
  readonly plan: SetupPlan;
  readonly trailRegions: TrailRegions;
  readonly outputLocation: string;
}

/**
 * Brings the Glue database, CloudTrail table and workgroup to what iamtrail would create: resolves
 * the trail's regions, plans the changes, and (unless `record` is absent, a dry run) applies them,
 * recording each object it creates in the cache's ledger through `record`. `onTrailRegions` hears
 * the regions as soon as they are known.
 */
export async function setUpAthena(
  clients: AwsClients,
  athena: AthenaConfig,
  accountIds: readonly string[],
  record: ((resource: AthenaResource) => Promise<void>) | undefined,
  onTrailRegions: (trail: TrailRegions) => void = () => undefined,
): Promise<AthenaSetupOutcome> {
  const outputLocation = athenaOutputLocation(athena);
  const trailRegions = await resolveTrailRegions(clients, athena, accountIds, clients.region);
  onTrailRegions(trailRegions);
  const plan = await planAthenaSetup(
    clients,
    athena,
    buildCloudTrailTableInput({ ...athena, regions: [...trailRegions.regions] }, accountIds),
  );
  if (record !== undefined)
    await applyAthenaSetup(clients, athena, plan, outputLocation, clients.region, record);
  return { plan, trailRegions, outputLocation };
}
