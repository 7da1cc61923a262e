#!/usr/bin/env node
// Generates a large synthetic organisation trail whose records have the fields and size of real
// ones (about 1.2 KB each): many users and roles in several accounts, many services, several
// regions, AssumeRole sessions, denied calls and S3 data events. Deterministic for a given seed.
// Writes DIR/logs/AWSLogs/..., DIR/iam/<account>.json and DIR/config.yaml.
//
//   node scripts/generate-trail.mjs --events 1000000 --out DIR [--days 30] [--start 2026-10-01] [--seed 7]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import {
  createRandom,
  makeRecord,
  roleSessionIdentity,
  userIdentity,
  writeLogFiles,
} from './lib/cloudtrail-writer.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    out: { type: 'string' },
    days: { type: 'string', default: '30' },
    start: { type: 'string', default: '2026-10-01' },
    seed: { type: 'string', default: '7' },
  },
});
if (values.out === undefined) {
  console.error(
    'usage: node scripts/generate-trail.mjs --events N --out DIR [--days D] [--start YYYY-MM-DD] [--seed S]',
  );
  process.exit(2);
}
const total = Number(values.events);
const days = Number(values.days);
if (
  !Number.isInteger(total) ||
  total <= 0 ||
  !Number.isInteger(days) ||
  days <= 0 ||
  !/^\d{4}-\d{2}-\d{2}$/.test(values.start)
) {
  console.error('--events and --days must be positive integers, --start a YYYY-MM-DD day');
  process.exit(2);
}
const out = resolve(values.out);
const random = createRandom(Number(values.seed));
const ORG = 'o-synth000001';
const ACCOUNTS = ['100000000001', '100000000002', '100000000003', '100000000004', '100000000005'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const USERS_PER_ACCOUNT = 60;
const ROLES_PER_ACCOUNT = 15;

// Common calls, weighted by how often real trails show them.
const CALLS = [
  ['s3.amazonaws.com', 'GetObject', 30, 'Data'],
  ['s3.amazonaws.com', 'PutObject', 8, 'Data'],
  ['s3.amazonaws.com', 'ListObjects', 6, 'Data'],
  ['s3.amazonaws.com', 'HeadObject', 6, 'Data'],
  ['s3.amazonaws.com', 'ListBuckets', 3],
  ['s3.amazonaws.com', 'GetBucketAcl', 2],
  ['s3.amazonaws.com', 'GetBucketPolicy', 1],
  ['s3.amazonaws.com', 'GetBucketLocation', 3],
  ['ec2.amazonaws.com', 'DescribeInstances', 10],
  ['ec2.amazonaws.com', 'DescribeVolumes', 3],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', 3],
  ['ec2.amazonaws.com', 'DescribeSubnets', 2],
  ['ec2.amazonaws.com', 'DescribeVpcs', 2],
  ['ec2.amazonaws.com', 'RunInstances', 1],
  ['ec2.amazonaws.com', 'TerminateInstances', 1],
  ['ec2.amazonaws.com', 'CreateTags', 1],
  ['iam.amazonaws.com', 'GetUser', 2],
  ['iam.amazonaws.com', 'ListRoles', 2],
  ['iam.amazonaws.com', 'GetRole', 2],
  ['iam.amazonaws.com', 'ListAttachedRolePolicies', 1],
  ['iam.amazonaws.com', 'CreateRole', 0.2],
  ['sts.amazonaws.com', 'GetCallerIdentity', 5],
  ['kms.amazonaws.com', 'Decrypt', 8],
  ['kms.amazonaws.com', 'GenerateDataKey', 4],
  ['kms.amazonaws.com', 'DescribeKey', 2],
  ['lambda.amazonaws.com', 'ListFunctions20150331', 2],
  ['lambda.amazonaws.com', 'GetFunction20150331v2', 1],
  ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', 0.5],
  ['logs.amazonaws.com', 'DescribeLogGroups', 2],
  ['logs.amazonaws.com', 'CreateLogStream', 2],
  ['logs.amazonaws.com', 'FilterLogEvents', 1],
  ['monitoring.amazonaws.com', 'DescribeAlarms', 2],
  ['monitoring.amazonaws.com', 'GetMetricData', 3],
  ['monitoring.amazonaws.com', 'PutMetricAlarm', 0.3],
  ['dynamodb.amazonaws.com', 'DescribeTable', 2],
  ['dynamodb.amazonaws.com', 'ListTables', 1],
  ['sqs.amazonaws.com', 'ListQueues', 1],
  ['sqs.amazonaws.com', 'GetQueueAttributes', 2],
  ['sns.amazonaws.com', 'ListTopics', 1],
  ['ssm.amazonaws.com', 'GetParameter', 4],
  ['ssm.amazonaws.com', 'GetParameters', 2],
  ['ssm.amazonaws.com', 'DescribeInstanceInformation', 1],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', 3],
  ['secretsmanager.amazonaws.com', 'DescribeSecret', 1],
  ['cloudformation.amazonaws.com', 'DescribeStacks', 2],
  ['cloudformation.amazonaws.com', 'ListStacks', 1],
  ['elasticloadbalancing.amazonaws.com', 'DescribeLoadBalancers', 1],
  ['autoscaling.amazonaws.com', 'DescribeAutoScalingGroups', 1],
  ['ecr.amazonaws.com', 'GetAuthorizationToken', 2],
  ['ecr.amazonaws.com', 'BatchGetImage', 1],
  ['ecs.amazonaws.com', 'DescribeServices', 1],
  ['route53.amazonaws.com', 'ListHostedZones', 0.5],
  ['cloudtrail.amazonaws.com', 'LookupEvents', 0.5],
  ['config.amazonaws.com', 'DescribeConfigRules', 0.5],
  ['tagging.amazonaws.com', 'GetResources', 0.5],
  ['signin.amazonaws.com', 'ConsoleLogin', 0.2],
  ['rds.amazonaws.com', 'DescribeDBInstances', 1],
];
const weightSum = CALLS.reduce((sum, call) => sum + call[2], 0);
function pickCall() {
  let target = random.next() * weightSum;
  for (const call of CALLS) {
    target -= call[2];
    if (target <= 0) return call;
  }
  return CALLS[0];
}

const userNames = Array.from(
  { length: USERS_PER_ACCOUNT },
  (_, i) => `user-${String(i + 1).padStart(3, '0')}`,
);
const roleNames = Array.from(
  { length: ROLES_PER_ACCOUNT },
  (_, i) => `role-${String(i + 1).padStart(2, '0')}`,
);

// IAM data: every user may assume two roles; policies grant a broad, realistic mix.
mkdirSync(join(out, 'iam'), { recursive: true });
for (const account of ACCOUNTS) {
  const doc = (actions, resource = '*') => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
  });
  const details = {
    UserDetailList: userNames.map((name, index) => ({
      Path: '/',
      UserName: name,
      UserId: `AIDA${account}${index}`,
      Arn: `arn:aws:iam::${account}:user/${name}`,
      CreateDate: '2025-01-01T00:00:00Z',
      UserPolicyList: [
        {
          PolicyName: 'work',
          PolicyDocument: doc([
            's3:*',
            'ec2:Describe*',
            'kms:Decrypt',
            'logs:*',
            'cloudwatch:Get*',
            'sts:AssumeRole',
          ]),
        },
      ],
      GroupList: [],
      AttachedManagedPolicies: [],
    })),
    GroupDetailList: [],
    RoleDetailList: roleNames.map((name, index) => ({
      Path: '/',
      RoleName: name,
      RoleId: `AROA${account}${index}`,
      Arn: `arn:aws:iam::${account}:role/${name}`,
      CreateDate: '2025-01-01T00:00:00Z',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
        ],
      },
      RolePolicyList: [
        {
          PolicyName: 'ops',
          PolicyDocument: doc(
            index % 3 === 0
              ? ['*']
              : ['ec2:*', 'iam:Get*', 'iam:List*', 'ssm:*', 'secretsmanager:GetSecretValue'],
          ),
        },
      ],
      AttachedManagedPolicies: [],
      RoleLastUsed: {},
    })),
    Policies: [],
  };
  writeFileSync(join(out, 'iam', `${account}.json`), JSON.stringify(details));
}
writeFileSync(
  join(out, 'config.yaml'),
  [
    'logs: logs',
    'accounts:',
    ...ACCOUNTS.flatMap((account, i) => [
      `  - name: acct${i + 1}`,
      `    id: ${account}`,
      `    iam: iam/${account}.json`,
    ]),
    '',
  ].join('\n'),
);

// Events, one (day, account, region) slice at a time so memory stays flat.
const slices = days * ACCOUNTS.length * REGIONS.length;
const dayZero = Date.parse(`${values.start}T00:00:00Z`);
let written = 0;
let files = 0;
let bytes = 0;
for (let day = 0; day < days; day += 1) {
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      const sliceIndex =
        (day * ACCOUNTS.length + ACCOUNTS.indexOf(account)) * REGIONS.length + REGIONS.indexOf(region);
      const target = Math.round(((sliceIndex + 1) * total) / slices) - written;
      const records = [];
      const sessions = new Map();
      for (let i = 0; i < target; i += 1) {
        const time = new Date(dayZero + day * 86_400_000 + random.int(86_400) * 1000);
        const asRole = random.chance(0.3);
        let identity;
        if (asRole) {
          const role = random.pick(roleNames);
          let session = sessions.get(role);
          if (session === undefined || random.chance(0.02)) {
            const caller = userIdentity(
              random,
              account,
              random.pick(userNames),
              `AKIA${account}${random.int(60)}`,
            );
            const accessKeyId = `ASIA${random.token(16)}`;
            const sessionName = `${caller.userName}-${random.token(8, '0123456789')}`;
            records.push(
              makeRecord(random, {
                time,
                account,
                region,
                source: 'sts.amazonaws.com',
                name: 'AssumeRole',
                identity: caller,
                requestParameters: {
                  roleArn: `arn:aws:iam::${account}:role/${role}`,
                  roleSessionName: sessionName,
                  durationSeconds: 3600,
                },
                responseElements: {
                  credentials: {
                    accessKeyId,
                    sessionToken: random.token(96),
                    expiration: time.toUTCString(),
                  },
                  assumedRoleUser: {
                    assumedRoleId: `AROA:${sessionName}`,
                    arn: `arn:aws:sts::${account}:assumed-role/${role}/${sessionName}`,
                  },
                },
                readOnly: true,
              }),
            );
            i += 1;
            session = roleSessionIdentity(account, role, sessionName, accessKeyId, {
              creationDate: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            });
            sessions.set(role, session);
          }
          identity = session;
        } else {
          const name = random.pick(userNames);
          identity = userIdentity(random, account, name, `AKIA${account}${name.slice(5)}`);
        }
        const [source, name, , category = 'Management'] = pickCall();
        const bucket = `${account}-data-${random.int(8)}`;
        const key = `prefix/${random.token(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}/object-${random.int(100000)}.parquet`;
        records.push(
          makeRecord(random, {
            time,
            account,
            region,
            source,
            name,
            identity,
            category,
            errorCode: random.chance(0.03) ? 'AccessDenied' : undefined,
            requestParameters:
              source === 's3.amazonaws.com'
                ? { bucketName: bucket, Host: `${bucket}.s3.${region}.amazonaws.com`, key }
                : { maxResults: 100, filterSet: {}, nextToken: random.token(24) },
            resources:
              category === 'Data'
                ? [
                    { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
                    { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
                  ]
                : undefined,
          }),
        );
      }
      const paths = writeLogFiles(random, join(out, 'logs'), ORG, records);
      written += records.length;
      files += paths.length;
      bytes += records.reduce((sum, record) => sum + JSON.stringify(record).length, 0);
    }
  }
}
console.error(
  `${written} events (${Math.round(bytes / written)} bytes each, uncompressed) in ${files} files under ${out}`,
);
