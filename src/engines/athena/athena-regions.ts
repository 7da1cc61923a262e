import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { AWS_REGION_PATTERN } from '../../config/config-schema.js';
import type { AthenaConfig } from '../../config/config-schema.js';
import { ConfigError } from '../../errors.js';
import { awsCall } from '../../aws/aws-call.js';
import { trailLocation } from './athena-sql.js';

/**
 * The regions every account of a partition has enabled by default: AWS enables the regions
 * introduced before 20 March 2019 in every account; later ones (af-south-1, ap-east-1, me-south-1,
 * eu-south-1, ...) are opt-in and are left out, because most accounts log nothing there. A trail
 * that logs an opt-in region needs `athena.regions`, or the listing that finds it.
 * Source: AWS General Reference, "Enable or disable AWS Regions in your account".
 */
export const STANDARD_REGIONS: Readonly<Record<'aws' | 'aws-cn' | 'aws-us-gov', readonly string[]>> = {
  aws: [
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-southeast-1',
    'ap-southeast-2',
    'ca-central-1',
    'eu-central-1',
    'eu-north-1',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'sa-east-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
};

/** Where the projected regions came from. */
export const TRAIL_REGION_SOURCES = ['config', 'listing', 'standard'] as const;
/** One of {@link TRAIL_REGION_SOURCES}. */
export type TrailRegionSource = (typeof TRAIL_REGION_SOURCES)[number];

/** The regions the table projects, and how iamtrail came by them (printed by set-up). */
export interface TrailRegions {
  /** Sorted region names, each matching the strict region pattern. */
  readonly regions: readonly string[];
  readonly source: TrailRegionSource;
  /** The `.../<account>/CloudTrail/` locations listed (empty for `config`). */
  readonly listed: readonly string[];
  /** Why the standard list was used: the listing was denied, or found no region folder. */
  readonly reason?: string;
  /** Folder names under `CloudTrail/` that are not region names, left out of the projection. */
  readonly ignored: readonly string[];
}

/** The clients region discovery calls. */
export interface RegionDiscoveryClients {
  /** A real client: the SDK's paginator accepts nothing else. */
  readonly s3: S3Client;
}

/** Accounts listed at once: a few calls, never a burst. */
const LIST_CONCURRENCY = 8;

/**
 * The regions to project: `athena.regions` when the config sets it (CloudTracker's config has no
 * such key); else the region folders found by listing each account's `.../<account>/CloudTrail/`
 * prefix of the trail bucket (one ListObjectsV2 with Delimiter `/` per account); else, when the
 * listing is denied or finds nothing, the standard regions of the partition of `athenaRegion`.
 * Every discovered name is checked against the strict region pattern before it can reach the
 * table's projection; other folder names are reported and left out.
 */
export async function resolveTrailRegions(
  clients: RegionDiscoveryClients,
  athena: AthenaConfig,
  accountIds: readonly string[],
  athenaRegion: string,
): Promise<TrailRegions> {
  if (athena.regions !== undefined && athena.regions.length > 0)
    return { regions: [...athena.regions].sort(), source: 'config', listed: [], ignored: [] };

  const { root } = trailLocation(athena);
  const rootKey = root.slice(`s3://${athena.s3_bucket}/`.length);
  const found = new Set<string>();
  const ignored = new Set<string>();
  const listed: string[] = [];
  let denied: string | undefined;
  for (let start = 0; start < accountIds.length && denied === undefined; start += LIST_CONCURRENCY) {
    const batch = accountIds.slice(start, start + LIST_CONCURRENCY);
    const outcomes = await Promise.all(
      batch.map((account) =>
        listRegionFolders(clients, athena.s3_bucket, `${rootKey}${account}/CloudTrail/`),
      ),
    );
    for (const outcome of outcomes) {
      listed.push(outcome.location);
      if (outcome.denied !== undefined) {
        denied ??= `listing ${outcome.location} was denied: ${outcome.denied}`;
        continue;
      }
      for (const name of outcome.folders) (AWS_REGION_PATTERN.test(name) ? found : ignored).add(name);
    }
  }
  if (denied === undefined && found.size > 0)
    return { regions: [...found].sort(), source: 'listing', listed, ignored: [...ignored].sort() };

  const standard = standardRegions(athenaRegion);
  return {
    // What the listing did find (an opt-in region, say) is kept beside the standard list.
    regions: [...new Set([...standard, ...found])].sort(),
    source: 'standard',
    listed,
    reason: denied ?? `no region folder found in ${listed.join(', ')}`,
    ignored: [...ignored].sort(),
  };
}

/** The standard regions of the partition `region` belongs to. */
export function standardRegions(region: string): readonly string[] {
  if (region.startsWith('cn-')) return STANDARD_REGIONS['aws-cn'];
  if (region.startsWith('us-gov-')) return STANDARD_REGIONS['aws-us-gov'];
  if (/^[a-z]{2}-iso/.test(region)) {
    throw new ConfigError(
      `no standard region list for the partition of ${region}, and the trail's regions could not be listed`,
      { suggestions: ['Set athena.regions in the config, e.g. "regions: [us-iso-east-1]"'] },
    );
  }
  return STANDARD_REGIONS.aws;
}

/** One line for set-up's output: the regions and where they came from. */
export function describeTrailRegions(trail: TrailRegions): string {
  const ignored =
    trail.ignored.length === 0
      ? ''
      : `; ignored folders that are not region names: ${trail.ignored.join(', ')}`;
  switch (trail.source) {
    case 'config':
      return `regions: ${trail.regions.join(', ')} (from the config)`;
    case 'listing':
      return `regions: ${trail.regions.join(', ')} (found in ${trail.listed.join(', ')}${ignored})`;
    case 'standard':
      return (
        `regions: all ${trail.regions.length} standard regions (${trail.reason ?? ''}${ignored}; ` +
        'set athena.regions to choose)'
      );
  }
}

interface ListOutcome {
  readonly location: string;
  readonly folders: readonly string[];
  /** The S3 error name when listing was refused. */
  readonly denied?: string;
}

async function listRegionFolders(
  clients: RegionDiscoveryClients,
  bucket: string,
  prefix: string,
): Promise<ListOutcome> {
  const location = `s3://${bucket}/${prefix}`;
  return awsCall(`S3 ListObjectsV2 ${location}`, async () => {
    const folders: string[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: clients.s3 },
        { Bucket: bucket, Prefix: prefix, Delimiter: '/' },
      );
      for await (const page of pages) {
        for (const common of page.CommonPrefixes ?? []) {
          const name = common.Prefix?.slice(prefix.length).replace(/\/$/, '');
          if (name !== undefined && name !== '') folders.push(name);
        }
      }
    } catch (error) {
      if (isAccessDenied(error)) return { location, folders: [], denied: (error as Error).name };
      throw error;
    }
    return { location, folders };
  });
}

function isAccessDenied(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.name === 'AccessDenied' || failure.$metadata?.httpStatusCode === 403;
}
