// Writes the demo organisation's IAM Access Advisor data (synthetic) in CloudMapper's
// `account-data/<account>/<region>/` layout: per principal, `iam-generate-service-last-accessed-details/
// <url-encoded ARN>` holding `{"JobId": ...}` and `iam-get-service-last-accessed-details/<JobId>`
// holding the GetServiceLastAccessedDetails response, as CloudMapper's collect writes them (JSON
// sorted and indented by 4, times as Python's isoformat). The jobs are of ACTION_LEVEL granularity
// (CloudMapper's own collect asks for service level, whose files carry no tracked actions).
//
// Only the principals with narrow grants are here (alice, charlie, ops): Access Advisor lists every
// service a principal's policies allow, so the broad ones (admin, readonly, bob, erin) would carry
// hundreds of services each. Every time is consistent with the demo's October 2026 logs: a service
// used in the logs was last authenticated at or after its last call there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REGION = 'us-east-1';
const JOB_CREATED = '2026-11-01T05:59:58.412000+00:00';
const JOB_COMPLETED = '2026-11-01T06:00:03.127000+00:00';

const SERVICE_NAMES = {
  backup: 'AWS Backup',
  cloudwatch: 'Amazon CloudWatch',
  dynamodb: 'Amazon DynamoDB',
  ec2: 'Amazon EC2',
  iam: 'AWS Identity and Access Management',
  kms: 'AWS Key Management Service',
  lambda: 'AWS Lambda',
  logs: 'Amazon CloudWatch Logs',
  s3: 'Amazon S3',
  sts: 'AWS Security Token Service',
};

/** One `ServicesLastAccessed` entry; `last` null: not authenticated in the tracking period. */
function service(namespace, last, { entity, region = REGION, entities, tracked } = {}) {
  return {
    ServiceName: SERVICE_NAMES[namespace],
    ServiceNamespace: namespace,
    TotalAuthenticatedEntities: last === null ? 0 : (entities ?? 1),
    ...(last === null
      ? {}
      : { LastAuthenticated: last, LastAuthenticatedEntity: entity, LastAuthenticatedRegion: region }),
    ...(tracked === undefined
      ? {}
      : {
          TrackedActionsLastAccessed: Object.entries(tracked).map(([ActionName, time]) =>
            time === null
              ? { ActionName }
              : {
                  ActionName,
                  LastAccessedEntity: entity,
                  LastAccessedRegion: region,
                  LastAccessedTime: time,
                },
          ),
        }),
  };
}

/** The demo's principals: account folder, ARN, JobId, services. */
function principals() {
  const alice = 'arn:aws:iam::111111111111:user/alice';
  const charlie = 'arn:aws:iam::111111111111:user/charlie';
  const ops = 'arn:aws:iam::222222222222:user/ops';
  return [
    {
      account: 'demo',
      arn: alice,
      jobId: '5d0c2f6e-91a4-4b7e-8c35-a11ce0000001',
      services: [
        service('cloudwatch', '2026-10-30T16:56:56+00:00', { entity: alice }),
        service('lambda', '2026-10-30T16:31:09+00:00', {
          entity: alice,
          tracked: {
            GetFunction: '2026-08-14T09:20:11+00:00',
            GetMicrovm: null,
            GetNetworkConnector: null,
            GetResourcePolicy: null,
            InvokeFunction: '2026-10-30T16:06:14+00:00',
            ListFunctions: '2026-10-30T16:31:09+00:00',
            ListMicrovms: null,
            ListNetworkConnectors: null,
            UpdateFunctionCode: null,
          },
        }),
        service('logs', '2026-10-30T12:15:11+00:00', { entity: alice, region: 'eu-west-1' }),
        service('s3', '2026-10-30T16:57:14+00:00', {
          entity: alice,
          tracked: {
            CreateBucket: null,
            GetBucketAcl: '2026-10-30T16:36:24+00:00',
            GetStorageLensDashboard: null,
            ListAllMyBuckets: '2026-10-30T16:49:30+00:00',
            PutAccessPointPublicAccessBlock: null,
            PutAccountPublicAccessBlock: null,
            PutBucketPolicy: null,
          },
        }),
        service('sts', '2026-10-30T16:58:40+00:00', { entity: alice }),
      ],
    },
    {
      account: 'demo',
      arn: charlie,
      jobId: '5d0c2f6e-91a4-4b7e-8c35-c4a7e0000002',
      // Access Advisor ignores permissions boundaries: iam (iam:PassRole) and kms (kms:Decrypt) are
      // listed although charlie's boundary takes them away; his denied kms:Decrypt calls count.
      services: [
        service('ec2', '2026-10-31T07:52:34+00:00', {
          entity: charlie,
          region: 'eu-west-1',
          tracked: {
            DescribeApplicationStatus: null,
            DescribeInstances: '2026-07-02T11:40:00+00:00',
            DescribeVolumes: '2026-10-31T07:52:34+00:00',
            StartInstances: null,
            StopInstances: null,
          },
        }),
        service('iam', null, { tracked: {} }),
        service('kms', '2026-10-31T07:55:53+00:00', { entity: charlie, region: 'eu-west-1' }),
        service('s3', '2026-10-31T07:19:43+00:00', {
          entity: charlie,
          tracked: {
            GetBucketPolicy: '2026-10-31T07:19:43+00:00',
            GetStorageLensDashboard: null,
            ListAllMyBuckets: '2026-10-31T07:07:09+00:00',
          },
        }),
        service('sts', '2026-10-28T21:00:45+00:00', { entity: charlie }),
      ],
    },
    {
      account: 'backup',
      arn: ops,
      jobId: '7e2b9a41-03cd-4f18-9b6a-0b5000000003',
      services: [
        service('backup', '2026-10-31T06:22:48+00:00', { entity: ops, region: 'eu-west-1' }),
        // Granted (dynamodb:DescribeTable) and last used in May: unused for 90 days by November.
        service('dynamodb', '2026-05-12T14:03:27+00:00', { entity: ops, region: 'eu-west-1' }),
        service('s3', '2026-10-31T06:39:43+00:00', {
          entity: ops,
          region: 'eu-west-1',
          tracked: {
            GetStorageLensDashboard: null,
            ListAllMyBuckets: '2026-10-31T06:39:43+00:00',
          },
        }),
      ],
    },
  ];
}

/** Python's json.dumps(value, indent=4, sort_keys=True), as CloudMapper writes its files. */
function pythonJson(value) {
  const sort = (item) =>
    Array.isArray(item)
      ? item.map(sort)
      : item !== null && typeof item === 'object'
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((key) => [key, sort(item[key])]),
          )
        : item;
  return JSON.stringify(sort(value), null, 4);
}

/** Python's urllib.parse.quote_plus, which CloudMapper names the per-principal files with. */
function quotePlus(text) {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Writes `<outDir>/advisor/` (account-data and a README saying what it holds). */
export function writeDemoAdvisor(outDir) {
  const root = join(outDir, 'advisor');
  for (const principal of principals()) {
    const regionDir = join(root, 'account-data', principal.account, REGION);
    mkdirSync(join(regionDir, 'iam-generate-service-last-accessed-details'), { recursive: true });
    mkdirSync(join(regionDir, 'iam-get-service-last-accessed-details'), { recursive: true });
    writeFileSync(
      join(regionDir, 'iam-generate-service-last-accessed-details', quotePlus(principal.arn)),
      pythonJson({ JobId: principal.jobId }),
    );
    writeFileSync(
      join(regionDir, 'iam-get-service-last-accessed-details', principal.jobId),
      pythonJson({
        JobCompletionDate: JOB_COMPLETED,
        JobCreationDate: JOB_CREATED,
        JobStatus: 'COMPLETED',
        JobType: 'ACTION_LEVEL',
        ServicesLastAccessed: principal.services,
      }),
    );
  }
  writeFileSync(
    join(root, 'README.md'),
    [
      '# Access Advisor data of the demo organisation (synthetic)',
      '',
      'Made by `node scripts/generate-demo.mjs` (`scripts/lib/demo-advisor.mjs`); no AWS account was',
      "read. The layout is CloudMapper's `collect` output, `account-data/<account>/us-east-1/`:",
      '`iam-generate-service-last-accessed-details/<url-encoded ARN>` holds `{"JobId": ...}`,',
      '`iam-get-service-last-accessed-details/<JobId>` the GetServiceLastAccessedDetails response.',
      'The jobs are ACTION_LEVEL ones (with `TrackedActionsLastAccessed`), completed on',
      '2026-11-01T06:00:03Z, the day after the demo logs end.',
      '',
      '- `demo/` alice: cloudwatch, lambda, logs, s3 and sts, all used in October; lambda and s3',
      '  tracked at action level, where s3:PutBucketPolicy, s3:GetStorageLensDashboard and the new',
      '  lambda actions (GetMicrovm, ...) were never accessed.',
      '- `demo/` charlie: ec2, s3 (tracked), kms (his denied kms:Decrypt calls count), sts, and iam',
      '  never authenticated: Access Advisor ignores his permissions boundary, which takes iam and',
      '  kms away.',
      '- `backup/` ops: backup and s3 used in October; dynamodb last authenticated on 2026-05-12.',
      '',
      'Import it with `iamtrail advisor import examples/demo/advisor/account-data`.',
      '',
    ].join('\n'),
  );
  return principals().length;
}
