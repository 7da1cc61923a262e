import type { AthenaConfig } from '../config/config-schema.js';
import { athenaOutputLocation } from './run-report.js';

/** An IAM policy document. */
export interface IamtrailPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: string | readonly string[];
  }[];
}

/**
 * The least-privilege policy iamtrail needs: Glue set-up and cleanup of its own database and
 * table, Athena queries in its workgroup, reading the trail, writing and deleting its results,
 * and reading IAM authorization details. Placeholders when there is no config.
 */
export function buildIamtrailPolicy(athena: AthenaConfig | undefined): IamtrailPolicy {
  const bucket = athena?.s3_bucket ?? 'TRAIL_BUCKET';
  const prefix = athena === undefined ? 'PREFIX/' : athena.path === '' ? '' : `${athena.path}/`;
  const database = athena?.database ?? 'iamtrail';
  const table = athena?.table ?? 'cloudtrail';
  const workgroup = athena?.workgroup ?? 'primary';
  const results = (
    athena === undefined ? 's3://RESULTS_BUCKET/iamtrail-results/' : athenaOutputLocation(athena)
  ).replace(/^s3:\/\//, '');
  const resultsBucket = results.split('/')[0] ?? '';
  const resultsPrefix = results.slice(resultsBucket.length + 1);
  const region = athena?.region ?? '*';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GlueCatalogForTheTrailTable',
        Effect: 'Allow',
        Action: [
          'glue:GetDatabase',
          'glue:CreateDatabase',
          'glue:DeleteDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:DeleteTable',
          'glue:GetPartitions',
        ],
        Resource: [
          `arn:aws:glue:${region}:*:catalog`,
          `arn:aws:glue:${region}:*:database/${database}`,
          `arn:aws:glue:${region}:*:table/${database}/${table}`,
        ],
      },
      {
        Sid: 'AthenaQueriesInTheWorkgroup',
        Effect: 'Allow',
        Action: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetWorkGroup',
          'athena:CreateWorkGroup',
          'athena:DeleteWorkGroup',
          'athena:TagResource',
        ],
        Resource: `arn:aws:athena:${region}:*:workgroup/${workgroup}`,
      },
      {
        Sid: 'ReadTheTrail',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/${prefix}AWSLogs/*`],
      },
      {
        Sid: 'WriteAndRemoveQueryResults',
        Effect: 'Allow',
        Action: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:ListBucket',
          's3:GetBucketLocation',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        Resource: [`arn:aws:s3:::${resultsBucket}`, `arn:aws:s3:::${resultsBucket}/${resultsPrefix}*`],
      },
      {
        Sid: 'ReadIamDataWhenNoFileIsGiven',
        Effect: 'Allow',
        Action: ['iam:GetAccountAuthorizationDetails'],
        Resource: '*',
      },
    ],
  };
}
