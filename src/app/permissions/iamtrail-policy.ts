import type { AthenaConfig } from '../../config/config-schema.js';
import { athenaOutputLocation } from '../../engines/athena/athena-sql.js';

/** An IAM policy document. */
export interface IamtrailPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  }[];
}

/** What of a config the policy depends on: the `athena:` section and the accounts' `role:`. */
export interface PolicyConfig {
  readonly athena: AthenaConfig | undefined;
  readonly accounts: readonly { readonly role?: string | undefined }[];
  /** `advisor.role`: the role name `advisor collect --org` assumes in every account. */
  readonly advisor?: { readonly role?: string | undefined } | undefined;
  /** `audit.role`: the role name `audit --org` assumes in every account. */
  readonly audit?: { readonly role?: string | undefined } | undefined;
}

/** What of the command line the policy depends on: where `test --out s3://…` writes. */
export interface PolicyOptions {
  /** `test --out s3://bucket/prefix`, split: its files are written under the prefix. */
  readonly testOut?: { readonly bucket: string; readonly prefix: string } | undefined;
}

/**
 * The least-privilege policy iamtrail needs: Glue set-up and cleanup of its own database and
 * table, Athena queries in its workgroup (and reading its marker tag), reading the trail, listing
 * the trail's region folders (set-up without `athena.regions`), writing and deleting its results,
 * reading IAM authorization details, collecting Access Advisor (`advisor collect`: its jobs, the
 * listing of principals and, with `--org`, of the organisation's accounts), auditing credentials
 * (`audit`: the credential report, access keys and MFA devices), setting permission boundaries
 * (`boundary apply` and `rollback`: iamtrail's `iamtrail-boundary-*` policies and their versions,
 * the principals' boundaries and tags), and assuming each account's
 * `role:` (and `advisor.role` and `audit.role` in every account), and with `options.testOut`
 * writing `test --out s3://…`'s files. Placeholders when there is no config.
 */
export function buildIamtrailPolicy(
  config: PolicyConfig | undefined,
  options: PolicyOptions = {},
): IamtrailPolicy {
  const athena = config?.athena;
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
  const roles =
    config === undefined
      ? ['arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME']
      : [
          ...new Set([
            ...config.accounts.flatMap((account) => (account.role === undefined ? [] : [account.role])),
            ...(config.advisor?.role === undefined ? [] : [`arn:aws:iam::*:role/${config.advisor.role}`]),
            ...(config.audit?.role === undefined ? [] : [`arn:aws:iam::*:role/${config.audit.role}`]),
          ]),
        ];
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
          'athena:ListTagsForResource',
        ],
        Resource: `arn:aws:athena:${region}:*:workgroup/${workgroup}`,
      },
      {
        Sid: 'ReadTheTrail',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetBucketLocation'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/${prefix}AWSLogs/*`],
      },
      {
        // Athena lists the partitions it reads; set-up lists .../<account>/CloudTrail/ to find regions.
        Sid: 'ListTheTrail',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { 's3:prefix': [`${prefix}AWSLogs/`, `${prefix}AWSLogs/*`] } },
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
      {
        // In each account collected (the role assumed there, or the caller's own account).
        Sid: 'CollectAccessAdvisor',
        Effect: 'Allow',
        Action: [
          'iam:GenerateServiceLastAccessedDetails',
          'iam:GetServiceLastAccessedDetails',
          'iam:ListRoles',
          'iam:ListUsers',
          'iam:ListGroups',
          'iam:ListPolicies',
        ],
        Resource: '*',
      },
      {
        // `audit`, in each account audited: one credential report, then key ids and MFA types.
        Sid: 'AuditCredentials',
        Effect: 'Allow',
        Action: [
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:ListAccessKeys',
          'iam:ListMFADevices',
          'iam:ListVirtualMFADevices',
        ],
        Resource: '*',
      },
      {
        // `test --simulator`, in each account tested through AWS: IAM's own policy simulator.
        Sid: 'SimulatePolicyTests',
        Effect: 'Allow',
        Action: ['iam:SimulatePrincipalPolicy'],
        Resource: '*',
      },
      {
        // `boundary apply` and `rollback`, in each account changed: only iamtrail's own boundary policies.
        Sid: 'ManageBoundaryPolicies',
        Effect: 'Allow',
        Action: [
          'iam:CreatePolicy',
          'iam:GetPolicy',
          'iam:ListPolicyVersions',
          'iam:GetPolicyVersion',
          'iam:CreatePolicyVersion',
          'iam:DeletePolicyVersion',
          'iam:SetDefaultPolicyVersion',
          // `boundary rollback`: a policy apply created is removed when no principal uses it any more.
          'iam:ListEntitiesForPolicy',
          'iam:DeletePolicy',
        ],
        Resource: 'arn:aws:iam::*:policy/iamtrail-boundary-*',
      },
      {
        // The principals' boundaries and tags. Not limited by iam:PermissionsBoundary to iamtrail's
        // policies: a rollback puts back whatever boundary the principal had before.
        Sid: 'SetPrincipalBoundariesAndTags',
        Effect: 'Allow',
        Action: [
          'iam:GetRole',
          'iam:GetUser',
          'iam:ListRoleTags',
          'iam:ListUserTags',
          'iam:PutRolePermissionsBoundary',
          'iam:DeleteRolePermissionsBoundary',
          'iam:PutUserPermissionsBoundary',
          'iam:DeleteUserPermissionsBoundary',
        ],
        Resource: ['arn:aws:iam::*:role/*', 'arn:aws:iam::*:user/*'],
      },
      {
        // The principals' tags: only iamtrail's own keys (`iamtrail:*`) are added or removed.
        Sid: 'TagPrincipalsWithIamtrailKeys',
        Effect: 'Allow',
        Action: ['iam:TagRole', 'iam:UntagRole', 'iam:TagUser', 'iam:UntagUser'],
        Resource: ['arn:aws:iam::*:role/*', 'arn:aws:iam::*:user/*'],
        Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['iamtrail:*'] } },
      },
      {
        // `advisor collect --org` and `audit --org`, in the management (or a delegated administrator) account.
        Sid: 'ListTheOrganizationsAccounts',
        Effect: 'Allow',
        Action: ['organizations:ListAccounts'],
        Resource: '*',
      },
      ...(options.testOut === undefined
        ? []
        : [
            {
              // `test --out s3://bucket/prefix`: one object per test and summary.json, each a PutObject.
              Sid: 'WriteTestResults',
              Effect: 'Allow' as const,
              Action: ['s3:PutObject'],
              Resource: `arn:aws:s3:::${options.testOut.bucket}/${literalResource(options.testOut.prefix === '' ? '' : `${options.testOut.prefix}/`)}*`,
            },
          ]),
      ...(roles.length === 0
        ? []
        : [
            {
              Sid: 'AssumeTheAccountsReadRoles',
              Effect: 'Allow' as const,
              Action: ['sts:AssumeRole'],
              Resource: roles,
            },
          ]),
    ],
  };
}

/**
 * A key prefix as a Resource ARN matches it literally: `*`, `?` and `$` in a key are written as
 * IAM's policy variables for them (`${*}`, `${?}`, `${$}`), not left as wildcards.
 */
function literalResource(text: string): string {
  return text.replace(/[*?$]/g, (character) => `\${${character}}`);
}
