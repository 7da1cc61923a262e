import type { TableInput } from '@aws-sdk/client-glue';

import { AWS_REGION_PATTERN } from '../../config/config-schema.js';
import type { AthenaConfig } from '../../config/config-schema.js';
import { ConfigError } from '../../errors.js';

/** Marker parameter on every Glue object iamtrail creates; cleanup removes only what carries it. */
export const IAMTRAIL_MARKER = 'iamtrail.managed';

/**
 * The CloudTrail columns of AWS's current Athena DDL (JsonSerDe), plus
 * `useridentity.sessioncontext.sourceidentity`, which the AWS DDL leaves out and destination-role
 * attribution needs.
 */
export const CLOUDTRAIL_COLUMNS: readonly { readonly Name: string; readonly Type: string }[] = [
  { Name: 'eventversion', Type: 'string' },
  {
    Name: 'useridentity',
    Type:
      'struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string,' +
      'onbehalfof:struct<userid:string,identitystorearn:string>,' +
      'sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,' +
      'sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>,' +
      'ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>,' +
      'sourceidentity:string>>',
  },
  ...[
    'eventtime',
    'eventsource',
    'eventname',
    'awsregion',
    'sourceipaddress',
    'useragent',
    'errorcode',
    'errormessage',
  ].map((Name) => ({ Name, Type: 'string' })),
  ...['requestparameters', 'responseelements', 'additionaleventdata', 'requestid', 'eventid', 'readonly'].map(
    (Name) => ({ Name, Type: 'string' }),
  ),
  { Name: 'resources', Type: 'array<struct<arn:string,accountid:string,type:string>>' },
  ...[
    'eventtype',
    'apiversion',
    'recipientaccountid',
    'serviceeventdetails',
    'sharedeventid',
    'vpcendpointid',
    'vpcendpointaccountid',
    'eventcategory',
  ].map((Name) => ({ Name, Type: 'string' })),
  {
    Name: 'addendum',
    Type: 'struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>',
  },
  { Name: 'sessioncredentialfromconsole', Type: 'string' },
  { Name: 'edgedevicedetails', Type: 'string' },
  {
    Name: 'tlsdetails',
    Type: 'struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>',
  },
];

/** Most accounts an `enum` projection should list (table metadata must stay small). */
export const MAX_ENUM_ACCOUNTS = 50;

/** Where the trail lives, derived from the config. */
export interface TrailLocation {
  /** `s3://bucket/[prefix/]AWSLogs/[o-xxxx/]` */
  readonly root: string;
  /** `root${account}/CloudTrail/${region}/${date}/` */
  readonly template: string;
}

/** The S3 location of the trail (organisation or account layout), with a trailing slash. */
export function trailLocation(athena: AthenaConfig): TrailLocation {
  const prefix = athena.path === '' ? '' : `${athena.path}/`;
  const root = `s3://${athena.s3_bucket}/${prefix}AWSLogs/${athena.org_id === undefined ? '' : `${athena.org_id}/`}`;
  return { root, template: `${root}\${account}/CloudTrail/\${region}/\${date}/` };
}

/**
 * The Glue table for the trail: JsonSerDe with CloudTrailInputFormat and partition projection on
 * account (enum, or injected for large organisations), region (enum) and date (`yyyy/MM/dd`).
 * Everything is validated here, before any API call: a bad projection silently returns no rows.
 * `athena.regions` is what `resolveTrailRegions` (athena-regions.ts) settled on (the config's, or discovered).
 */
export function buildCloudTrailTableInput(athena: AthenaConfig, accountIds: readonly string[]): TableInput {
  const regions = athena.regions ?? [];
  if (regions.length === 0) {
    throw new ConfigError(
      'athena.regions is not set: list the regions the trail logs (partition projection needs them)',
      {
        suggestions: ['Add e.g. "regions: [us-east-1, eu-west-1]" under athena:'],
      },
    );
  }
  if (athena.account_projection === 'enum') {
    if (accountIds.length === 0) throw new ConfigError('no accounts to project: the config lists none');
    if (accountIds.length > MAX_ENUM_ACCOUNTS) {
      throw new ConfigError(
        `${accountIds.length} accounts are too many for an enum projection (at most ${MAX_ENUM_ACCOUNTS})`,
        {
          suggestions: ['Set athena.account_projection: injected'],
        },
      );
    }
  }
  for (const region of regions) {
    if (!AWS_REGION_PATTERN.test(region))
      throw new ConfigError(`region "${region}" is not an AWS region name`);
  }
  for (const account of accountIds) {
    if (!/^\d{12}$/.test(account)) throw new ConfigError(`account id "${account}" is not 12 digits`);
  }
  const { root, template } = trailLocation(athena);
  const parameters: Record<string, string> = {
    EXTERNAL: 'TRUE',
    classification: 'cloudtrail',
    'projection.enabled': 'true',
    'projection.account.type': athena.account_projection,
    ...(athena.account_projection === 'enum'
      ? { 'projection.account.values': [...accountIds].sort().join(',') }
      : {}),
    'projection.region.type': 'enum',
    'projection.region.values': [...regions].sort().join(','),
    'projection.date.type': 'date',
    'projection.date.format': 'yyyy/MM/dd',
    'projection.date.range': `${athena.date_range_start},NOW`,
    'projection.date.interval': '1',
    'projection.date.interval.unit': 'DAYS',
    'storage.location.template': template,
    [IAMTRAIL_MARKER]: 'true',
  };
  return {
    Name: athena.table,
    Description: 'CloudTrail logs with partition projection, created by iamtrail',
    TableType: 'EXTERNAL_TABLE',
    Parameters: parameters,
    PartitionKeys: [
      { Name: 'account', Type: 'string' },
      { Name: 'region', Type: 'string' },
      { Name: 'date', Type: 'string' },
    ],
    StorageDescriptor: {
      Columns: CLOUDTRAIL_COLUMNS.map((column) => ({ ...column })),
      Location: root,
      InputFormat: 'com.amazon.emr.cloudtrail.CloudTrailInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
    },
  };
}

/** Where iamtrail's Athena results go: `output_s3_bucket` (or the log bucket) plus iamtrail's prefix. */
export function athenaOutputLocation(athena: AthenaConfig): string {
  const base = (athena.output_s3_bucket ?? `s3://${athena.s3_bucket}`).replace(/\/+$/, '');
  return `${base}/${athena.results_prefix.replace(/^\/+/, '').replace(/\/*$/, '/')}`;
}
