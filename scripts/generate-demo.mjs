#!/usr/bin/env node
// Generates the bundled demo organisation under examples/demo/ deterministically: the same
// script always writes byte-identical files (no clock, no randomness).
//
//   node scripts/generate-demo.mjs [--out DIR]     (default: examples/demo)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import {
  createRandom,
  crossAccountIdentity,
  makeRecord,
  roleSessionIdentity,
  serviceIdentity,
  sharedEventId,
  userIdentity,
  writeLogFiles,
} from './lib/cloudtrail-writer.mjs';
import { writeDemoAdvisor } from './lib/demo-advisor.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(repoRoot, 'examples', 'demo');

const ACCOUNTS = { demo: '111111111111', backup: '222222222222' };
const CREATED = '2025-01-06T09:00:00Z';

const doc = (...Statement) => ({ Version: '2012-10-17', Statement });
const allow = (Action, Resource = '*', extra = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action, Resource = '*', extra = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });
const trust = (...principals) =>
  doc({ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' });

function managedPolicy(account, name, document, { path = '/', oldVersions = [] } = {}) {
  const owner = account === 'aws' ? 'aws' : account;
  const versions = [...oldVersions, document];
  return {
    PolicyName: name,
    PolicyId: `ANPA${name
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(17, 'X')
      .slice(0, 17)}`,
    Arn: `arn:aws:iam::${owner}:policy${path}${name}`,
    Path: path,
    DefaultVersionId: `v${versions.length}`,
    AttachmentCount: 1,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    CreateDate: CREATED,
    UpdateDate: CREATED,
    // The default version is listed last on purpose: CloudTracker read the first entry.
    PolicyVersionList: versions.map((Document, index) => ({
      Document,
      VersionId: `v${index + 1}`,
      IsDefaultVersion: index === versions.length - 1,
      CreateDate: CREATED,
    })),
  };
}
const attach = (policy) => ({ PolicyName: policy.PolicyName, PolicyArn: policy.Arn });

function user(account, name, { groups = [], inline = {}, attached = [] } = {}) {
  return {
    Path: '/',
    UserName: name,
    UserId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: `arn:aws:iam::${account}:user/${name}`,
    CreateDate: CREATED,
    UserPolicyList: Object.entries(inline).map(([PolicyName, PolicyDocument]) => ({
      PolicyName,
      PolicyDocument,
    })),
    GroupList: groups,
    AttachedManagedPolicies: attached.map(attach),
    Tags: [],
  };
}

function role(account, name, { path = '/', trustPolicy, inline = {}, attached = [], lastUsed } = {}) {
  return {
    Path: path,
    RoleName: name,
    RoleId: `AROA${name
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(17, 'X')
      .slice(0, 17)}`,
    Arn: `arn:aws:iam::${account}:role${path}${name}`,
    CreateDate: CREATED,
    AssumeRolePolicyDocument: trustPolicy,
    InstanceProfileList: [],
    RolePolicyList: Object.entries(inline).map(([PolicyName, PolicyDocument]) => ({
      PolicyName,
      PolicyDocument,
    })),
    AttachedManagedPolicies: attached.map(attach),
    Tags: [],
    RoleLastUsed: lastUsed === undefined ? {} : { LastUsedDate: lastUsed, Region: 'us-east-1' },
  };
}

const administratorAccess = managedPolicy('aws', 'AdministratorAccess', doc(allow('*')));

function demoAccount() {
  const id = ACCOUNTS.demo;
  const developer = managedPolicy(
    id,
    'DeveloperAccess',
    doc(
      allow(['s3:*'], ['arn:aws:s3:::demo-app-*', 'arn:aws:s3:::demo-app-*/*']),
      allow([
        's3:ListAllMyBuckets',
        'cloudwatch:Describe*',
        'cloudwatch:GetMetricData',
        'logs:Describe*',
        'logs:GetLogEvents',
      ]),
      allow(['lambda:List*', 'lambda:Get*', 'lambda:InvokeFunction', 'lambda:UpdateFunctionCode']),
      deny(['s3:DeleteBucket']),
    ),
    { oldVersions: [doc(allow('s3:*'), allow('iam:*'))] },
  );
  const readOnly = managedPolicy(
    id,
    'DemoReadOnly',
    doc(
      allow([
        'ec2:Describe*',
        'iam:Get*',
        'iam:List*',
        's3:ListAllMyBuckets',
        's3:GetBucket*',
        'cloudtrail:LookupEvents',
      ]),
      {
        Effect: 'Allow',
        NotAction: ['iam:*', 'organizations:*', 'account:*', 's3:*', 'ec2:*'],
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ),
  );
  const boundary = managedPolicy(
    id,
    'DeveloperBoundary',
    doc(allow(['s3:*', 'sts:AssumeRole', 'ec2:Describe*', 'cloudwatch:*'])),
  );
  const assumeAdmin = doc(
    allow('sts:AssumeRole', [
      `arn:aws:iam::${ACCOUNTS.demo}:role/admin`,
      `arn:aws:iam::${ACCOUNTS.backup}:role/admin`,
    ]),
  );
  // alice may also assume any read* role of the demo account, and never does: the first thing to remove.
  const assumeAdminOrRead = doc(
    allow('sts:AssumeRole', [
      `arn:aws:iam::${ACCOUNTS.demo}:role/admin`,
      `arn:aws:iam::${ACCOUNTS.backup}:role/admin`,
      `arn:aws:iam::${ACCOUNTS.demo}:role/read*`,
    ]),
  );
  return {
    UserDetailList: [
      user(id, 'alice', { groups: ['developers'], inline: { 'assume-admin': assumeAdminOrRead } }),
      user(id, 'erin', { groups: ['readers'] }),
      user(id, 'bob', {
        groups: ['readers'],
        inline: {
          'ec2-ops': doc(
            allow(['ec2:StartInstances', 'ec2:StopInstances'], `arn:aws:ec2:*:${id}:instance/*`),
          ),
        },
      }),
      {
        ...user(id, 'charlie', {
          inline: {
            'assume-admin': assumeAdmin,
            ops: doc(allow(['ec2:*', 's3:Get*', 's3:List*', 'iam:PassRole', 'kms:Decrypt'])),
          },
        }),
        PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: boundary.Arn },
      },
    ],
    GroupDetailList: [
      {
        Path: '/',
        GroupName: 'developers',
        GroupId: 'AGPADEVELOPERSXXXXX',
        Arn: `arn:aws:iam::${id}:group/developers`,
        CreateDate: CREATED,
        GroupPolicyList: [
          {
            PolicyName: 'sts-identity',
            PolicyDocument: doc(allow(['sts:GetCallerIdentity', 'sts:DecodeAuthorizationMessage'])),
          },
        ],
        AttachedManagedPolicies: [attach(developer)],
      },
      {
        Path: '/',
        GroupName: 'readers',
        GroupId: 'AGPAREADERSXXXXXXXX',
        Arn: `arn:aws:iam::${id}:group/readers`,
        CreateDate: CREATED,
        GroupPolicyList: [],
        AttachedManagedPolicies: [attach(readOnly)],
      },
    ],
    RoleDetailList: [
      role(id, 'admin', {
        trustPolicy: trust(`arn:aws:iam::${id}:user/alice`, `arn:aws:iam::${id}:user/charlie`),
        attached: [administratorAccess],
      }),
      role(id, 'readonly', { trustPolicy: trust(`arn:aws:iam::${id}:root`), attached: [readOnly] }),
      role(id, 'AWSServiceRoleForSupport', {
        path: '/aws-service-role/support.amazonaws.com/',
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { Service: 'support.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
        inline: { support: doc(allow(['support:*', 'iam:GetRole', 'ec2:DescribeRegions'])) },
      }),
    ],
    Policies: [developer, readOnly, boundary, administratorAccess],
  };
}

function backupAccount() {
  const id = ACCOUNTS.backup;
  const backupOperator = managedPolicy(
    id,
    'BackupOperator',
    doc(allow(['backup:*', 's3:Get*', 's3:List*', 'dynamodb:DescribeTable'])),
  );
  return {
    UserDetailList: [user(id, 'ops', { attached: [backupOperator] })],
    GroupDetailList: [],
    RoleDetailList: [
      role(id, 'admin', {
        trustPolicy: trust(`arn:aws:iam::${ACCOUNTS.demo}:root`),
        attached: [administratorAccess],
      }),
    ],
    Policies: [backupOperator, administratorAccess],
  };
}

// ---------------------------------------------------------------------------------------------
// Logs: 2026-10-01..2026-10-31, organisation trail o-demo12345, us-east-1 and eu-west-1.
// ---------------------------------------------------------------------------------------------
const ORG_ID = 'o-demo12345';
const FIRST_DAY = '2026-10-01';
const DAYS = 31;
const REGIONS = ['us-east-1', 'eu-west-1'];

/**
 * An AssumeRole call by `caller` of `roleName` in `account` at `time` (its event, without account
 * and region: the caller places it) and the session it opens, whose calls carry the returned key id.
 */
function assumeRoleCall(random, caller, callerName, account, roleName, time) {
  const accessKeyId = `ASIA${random.token(16)}`;
  const sessionName = `${callerName}-${random.token(6, '0123456789')}`;
  const roleArn = `arn:aws:iam::${account}:role/${roleName}`;
  const event = {
    time,
    source: 'sts.amazonaws.com',
    name: 'AssumeRole',
    identity: caller,
    requestParameters: { roleArn, roleSessionName: sessionName, durationSeconds: 3600 },
    responseElements: {
      credentials: {
        accessKeyId,
        sessionToken: random.token(64),
        expiration: new Date(time.getTime() + 3_600_000).toUTCString(),
      },
      assumedRoleUser: {
        assumedRoleId: `AROA${roleName.toUpperCase()}:${sessionName}`,
        arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      },
    },
    resources: [{ accountId: account, type: 'AWS::IAM::Role', ARN: roleArn }],
    readOnly: true,
  };
  const session = roleSessionIdentity(account, roleName, sessionName, accessKeyId, {
    creationDate: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  return { event, session };
}

function demoLogs(random) {
  const records = [];
  const { demo, backup } = ACCOUNTS;
  const at = (day, hour, minute = random.int(60), second = random.int(60)) =>
    new Date(
      Date.parse(`${FIRST_DAY}T00:00:00Z`) + day * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000,
    );
  const emit = (spec) => records.push(makeRecord(random, spec));
  const s3Data = (bucket, key) => [
    { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
    { accountId: demo, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
  ];
  const alice = userIdentity(random, demo, 'alice', 'AKIAALICEDEMOKEY0001');
  const bob = userIdentity(random, demo, 'bob', 'AKIABOBDEMOKEY000001');
  const charlie = userIdentity(random, demo, 'charlie', 'AKIACHARLIEDEMOKEY01');
  const dave = userIdentity(random, demo, 'dave', 'AKIADAVEDEMOKEY00001');
  const ops = userIdentity(random, backup, 'ops', 'AKIAOPSBACKUPKEY0001');

  // An AssumeRole call and the session it opens: the event lands in the caller's account and,
  // across accounts, in the role's account too, where CloudTrail names only the caller's account
  // (`AWSAccount`) and both copies share a `sharedEventID`; the session's calls carry the
  // returned key id.
  const assume = (caller, callerName, account, roleName, day, hour, calls, minute = 0) => {
    const time = at(day, hour, minute, random.int(60));
    const { event, session } = assumeRoleCall(random, caller, callerName, account, roleName, time);
    if (account === caller.accountId) emit({ ...event, account, region: 'us-east-1' });
    else {
      const sharedEventID = sharedEventId(event.responseElements.credentials.accessKeyId);
      emit({ ...event, account: caller.accountId, region: 'us-east-1', sharedEventID });
      emit({ ...event, identity: crossAccountIdentity(caller), account, region: 'us-east-1', sharedEventID });
    }
    calls.forEach(([source, name, region = 'us-east-1', extra = {}], index) => {
      emit({
        time: new Date(time.getTime() + (index + 1) * 47_000),
        account,
        region,
        source,
        name,
        identity: session,
        ...extra,
      });
    });
    return session;
  };

  for (let day = 0; day < DAYS; day += 1) {
    const weekday = (day + 3) % 7; // 2026-10-01 is a Thursday: 0 = Monday
    const workday = weekday < 5;

    if (workday) {
      for (const hour of [9, 11, 14, 16]) {
        emit({
          time: at(day, hour),
          account: demo,
          region: 'us-east-1',
          source: 's3.amazonaws.com',
          name: 'ListBuckets',
          identity: alice,
        });
        emit({
          time: at(day, hour),
          account: demo,
          region: 'us-east-1',
          source: 's3.amazonaws.com',
          name: 'GetBucketAcl',
          identity: alice,
          requestParameters: { bucketName: 'demo-app-data', acl: '' },
        });
        for (let i = 0; i < 3; i += 1) {
          const key = `reports/2026/10/${String(day + 1).padStart(2, '0')}/part-${i}.csv`;
          emit({
            time: at(day, hour),
            account: demo,
            region: 'us-east-1',
            source: 's3.amazonaws.com',
            name: 'GetObject',
            identity: alice,
            category: 'Data',
            requestParameters: { bucketName: 'demo-app-data', key },
            resources: s3Data('demo-app-data', key),
          });
        }
        emit({
          time: at(day, hour),
          account: demo,
          region: 'us-east-1',
          source: 'monitoring.amazonaws.com',
          name: 'DescribeAlarms',
          identity: alice,
          requestParameters: { maxRecords: 100 },
        });
        emit({
          time: at(day, hour),
          account: demo,
          region: 'eu-west-1',
          source: 'lambda.amazonaws.com',
          name: 'ListFunctions20150331',
          identity: alice,
        });
        emit({
          time: at(day, hour),
          account: demo,
          region: 'eu-west-1',
          source: 'lambda.amazonaws.com',
          name: 'Invoke',
          identity: alice,
          category: 'Data',
          requestParameters: { functionName: `arn:aws:lambda:eu-west-1:${demo}:function:report-builder` },
          resources: [
            {
              accountId: demo,
              type: 'AWS::Lambda::Function',
              ARN: `arn:aws:lambda:eu-west-1:${demo}:function:report-builder`,
            },
          ],
          readOnly: false,
        });
      }
      const upload = `uploads/${day + 1}.json`;
      emit({
        time: at(day, 10),
        account: demo,
        region: 'us-east-1',
        source: 's3.amazonaws.com',
        name: 'PutObject',
        identity: alice,
        category: 'Data',
        requestParameters: { bucketName: 'demo-app-data', key: upload },
        resources: s3Data('demo-app-data', upload),
      });
      emit({
        time: at(day, 10),
        account: demo,
        region: 'us-east-1',
        source: 'sts.amazonaws.com',
        name: 'GetCallerIdentity',
        identity: alice,
      });
      emit({
        time: at(day, 12),
        account: demo,
        region: 'us-east-1',
        source: 'logs.amazonaws.com',
        name: 'DescribeLogGroups',
        identity: alice,
      });
      // No longer granted: she lost EC2 access, but her scripts still call it.
      emit({
        time: at(day, 13),
        account: demo,
        region: 'eu-west-1',
        source: 'ec2.amazonaws.com',
        name: 'DescribeInstances',
        identity: alice,
        requestParameters: { instancesSet: {}, filterSet: {} },
      });
      if (weekday === 0) {
        emit({
          time: at(day, 15),
          account: demo,
          region: 'us-east-1',
          source: 's3.amazonaws.com',
          name: 'DeleteBucket',
          identity: alice,
          errorCode: 'AccessDenied',
          requestParameters: { bucketName: 'demo-app-old' },
        });
        emit({
          time: at(day, 15),
          account: demo,
          region: 'us-east-1',
          source: 'iam.amazonaws.com',
          name: 'CreateAccessKey',
          identity: alice,
          errorCode: 'AccessDenied',
          requestParameters: { userName: 'alice' },
        });
      }
    }
    if (workday && day % 3 === 0) {
      assume(alice, 'alice', demo, 'admin', day, 15, [
        ['iam.amazonaws.com', 'ListUsers'],
        ['iam.amazonaws.com', 'GetUser'],
        ['cloudtrail.amazonaws.com', 'LookupEvents'],
        ['ec2.amazonaws.com', 'DescribeInstances', 'eu-west-1'],
        ...(day === 6
          ? [
              [
                'iam.amazonaws.com',
                'CreateUser',
                'us-east-1',
                { requestParameters: { userName: 'temp-contractor' } },
              ],
            ]
          : []),
      ]);
    }
    if (weekday === 1) {
      assume(alice, 'alice', backup, 'admin', day, 17, [
        ['backup.amazonaws.com', 'ListBackupPlans'],
        ['backup.amazonaws.com', 'StartBackupJob', 'eu-west-1', { readOnly: false }],
        ['s3.amazonaws.com', 'ListBuckets'],
      ]);
    }

    if (day < 7) {
      for (const region of REGIONS) {
        emit({
          time: at(day, 8),
          account: demo,
          region,
          source: 'ec2.amazonaws.com',
          name: 'DescribeInstances',
          identity: bob,
        });
        emit({
          time: at(day, 8),
          account: demo,
          region,
          source: 'ec2.amazonaws.com',
          name: 'StartInstances',
          identity: bob,
          requestParameters: { instancesSet: { items: [{ instanceId: 'i-0a1b2c3d4e5f60718' }] } },
        });
      }
      emit({
        time: at(day, 9),
        account: demo,
        region: 'us-east-1',
        source: 'iam.amazonaws.com',
        name: 'GetUser',
        identity: bob,
      });
    }

    if (day % 2 === 0) {
      emit({
        time: at(day, 7),
        account: demo,
        region: 'us-east-1',
        source: 's3.amazonaws.com',
        name: 'ListBuckets',
        identity: charlie,
      });
      emit({
        time: at(day, 7),
        account: demo,
        region: 'us-east-1',
        source: 's3.amazonaws.com',
        name: 'GetBucketPolicy',
        identity: charlie,
        requestParameters: { bucketName: 'demo-app-data', policy: '' },
      });
      emit({
        time: at(day, 7),
        account: demo,
        region: 'us-east-1',
        source: 'kms.amazonaws.com',
        name: 'Decrypt',
        identity: charlie,
        readOnly: true,
      });
      emit({
        time: at(day, 7),
        account: demo,
        region: 'eu-west-1',
        source: 'ec2.amazonaws.com',
        name: 'DescribeVolumes',
        identity: charlie,
      });
      // Outside his permissions boundary: granted by his policy, stopped by the boundary.
      emit({
        time: at(day, 7),
        account: demo,
        region: 'us-east-1',
        source: 'kms.amazonaws.com',
        name: 'Encrypt',
        identity: charlie,
        errorCode: 'AccessDenied',
      });
    }
    if (day % 5 === 2) {
      const charlieAdmin = assume(charlie, 'charlie', demo, 'admin', day, 20, [
        ['ec2.amazonaws.com', 'RunInstances', 'eu-west-1', { readOnly: false }],
        ['iam.amazonaws.com', 'ListRoles'],
      ]);
      assume(charlie, 'charlie', backup, 'admin', day, 21, [
        ['backup.amazonaws.com', 'ListBackupJobs'],
        [
          'dynamodb.amazonaws.com',
          'DescribeTable',
          'us-east-1',
          { requestParameters: { tableName: 'orders' } },
        ],
      ]);
      // A role chain that crosses midnight: charlie's demo admin session assumes backup's admin at
      // 23:59 on 2026-10-28; that session's calls fall on both days and are charlie's, via demo admin.
      if (day === 27) {
        assume(
          charlieAdmin,
          'charlie-chain',
          backup,
          'admin',
          day,
          23,
          [
            ['backup.amazonaws.com', 'ListBackupVaults'],
            ['backup.amazonaws.com', 'ListRecoveryPointsByBackupVault'],
            ['backup.amazonaws.com', 'DeleteRecoveryPoint', 'us-east-1', { readOnly: false }],
          ],
          59,
        );
      }
    }

    // dave left on 2026-10-11 and was deleted from IAM; his keys were used until then.
    if (day <= 10 && workday) {
      emit({
        time: at(day, 10),
        account: demo,
        region: 'us-east-1',
        source: 'iam.amazonaws.com',
        name: 'ListUsers',
        identity: dave,
      });
      emit({
        time: at(day, 10),
        account: demo,
        region: 'us-east-1',
        source: 's3.amazonaws.com',
        name: 'ListBuckets',
        identity: dave,
      });
    }

    // The Support service-linked role, and AWS services acting on their own.
    const support = roleSessionIdentity(
      demo,
      'AWSServiceRoleForSupport',
      'SupportRoleSession',
      `ASIA${random.token(16)}`,
      { path: '/aws-service-role/support.amazonaws.com/' },
    );
    emit({
      time: at(day, 3),
      account: demo,
      region: 'us-east-1',
      source: 'support.amazonaws.com',
      name: 'DescribeTrustedAdvisorChecks',
      identity: support,
    });
    emit({
      time: at(day, 4),
      account: demo,
      region: 'us-east-1',
      source: 'kms.amazonaws.com',
      name: 'Decrypt',
      identity: serviceIdentity('cloudtrail.amazonaws.com'),
    });

    emit({
      time: at(day, 6),
      account: backup,
      region: 'eu-west-1',
      source: 'backup.amazonaws.com',
      name: 'ListBackupJobs',
      identity: ops,
    });
    emit({
      time: at(day, 6),
      account: backup,
      region: 'eu-west-1',
      source: 's3.amazonaws.com',
      name: 'ListBuckets',
      identity: ops,
    });
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// IAM changes: who created, changed and removed users, keys, passwords and policies. Their own
// random stream and their own log files (a second delivery in the hour's folder, as CloudTrail
// makes), so the files above are the same with or without them. The IAM dumps are the state at
// the end of the month: carol comes and goes, dave is removed, bob's key is made inactive, ops
// has a second key, readonly's inline policy is put then deleted.
// ---------------------------------------------------------------------------------------------
function demoIamChanges(random) {
  const records = [];
  const { demo, backup } = ACCOUNTS;
  const at = (date, time) => new Date(`${date}T${time}Z`);
  const emit = (spec) => records.push(makeRecord(random, { region: 'us-east-1', ...spec }));
  const alice = userIdentity(random, demo, 'alice', 'AKIAALICEDEMOKEY0001');
  const ops = userIdentity(random, backup, 'ops', 'AKIAOPSBACKUPKEY0001');
  // A session of `roleName` opened at `time` by `caller` (an AssumeRole event in `account`).
  const open = (caller, callerName, account, roleName, time) => {
    const { event, session } = assumeRoleCall(random, caller, callerName, account, roleName, time);
    emit({ ...event, account });
    return session;
  };
  // Calls one minute apart from `start`, in `account`, by `identity`.
  const calls = (identity, account, start, list) => {
    list.forEach(([name, requestParameters, extra = {}], index) => {
      emit({
        time: new Date(start.getTime() + (index + 1) * 60_000),
        account,
        source: 'iam.amazonaws.com',
        name,
        identity,
        requestParameters,
        readOnly: false,
        ...extra,
      });
    });
  };
  const readOnlyAccess = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
  const trustDemoRoot = JSON.stringify(trust(`arn:aws:iam::${demo}:root`));

  // 2026-10-12: dave left on the 11th; alice, as admin, removes his key, password and user.
  let time = at('2026-10-12', '09:30:00');
  calls(open(alice, 'alice', demo, 'admin', time), demo, time, [
    ['DeleteAccessKey', { userName: 'dave', accessKeyId: 'AKIADAVEDEMOKEY00001' }],
    ['DeleteLoginProfile', { userName: 'dave' }],
    ['DeleteUser', { userName: 'dave' }],
  ]);
  // 2026-10-19: carol, an auditor for a week, gets a user, a key, a password and ReadOnlyAccess;
  // readonly gets an inline policy and its trust policy rewritten (to what it was).
  time = at('2026-10-19', '10:05:00');
  calls(open(alice, 'alice', demo, 'admin', time), demo, time, [
    [
      'CreateUser',
      { userName: 'carol' },
      {
        responseElements: {
          user: {
            path: '/',
            userName: 'carol',
            userId: 'AIDACAROLXXXXXXXXXX',
            arn: `arn:aws:iam::${demo}:user/carol`,
            createDate: 'Oct 19, 2026, 10:06:00 AM',
          },
        },
      },
    ],
    [
      'CreateAccessKey',
      { userName: 'carol' },
      {
        responseElements: {
          accessKey: {
            userName: 'carol',
            accessKeyId: 'AKIACAROLDEMOKEY0001',
            status: 'Active',
            createDate: 'Oct 19, 2026, 10:07:00 AM',
          },
        },
      },
    ],
    ['CreateLoginProfile', { userName: 'carol', passwordResetRequired: true }],
    ['AttachUserPolicy', { userName: 'carol', policyArn: readOnlyAccess }],
    [
      'PutRolePolicy',
      {
        roleName: 'readonly',
        policyName: 'deny-iam-writes',
        policyDocument: JSON.stringify(doc(deny(['iam:Create*', 'iam:Delete*', 'iam:Put*']))),
      },
    ],
    ['UpdateAssumeRolePolicy', { roleName: 'readonly', policyDocument: trustDemoRoot }],
  ]);
  // 2026-10-20: bob's key, unused since the 7th, is made inactive.
  time = at('2026-10-20', '11:15:00');
  calls(open(alice, 'alice', demo, 'admin', time), demo, time, [
    ['UpdateAccessKey', { userName: 'bob', accessKeyId: 'AKIABOBDEMOKEY000001', status: 'Inactive' }],
  ]);
  // 2026-10-22: from her admin session alice tries readonly, which may not create users.
  time = at('2026-10-22', '14:40:00');
  const admin = open(alice, 'alice', demo, 'admin', time);
  const readonlyAt = new Date(time.getTime() + 30_000);
  calls(open(admin, 'alice-readonly', demo, 'readonly', readonlyAt), demo, readonlyAt, [
    ['CreateUser', { userName: 'carol-test' }, { errorCode: 'AccessDenied' }],
  ]);
  // 2026-10-26: carol's week is over; readonly's inline policy goes too.
  time = at('2026-10-26', '16:20:00');
  calls(open(alice, 'alice', demo, 'admin', time), demo, time, [
    ['DeleteLoginProfile', { userName: 'carol' }],
    ['DeleteAccessKey', { userName: 'carol', accessKeyId: 'AKIACAROLDEMOKEY0001' }],
    ['DetachUserPolicy', { userName: 'carol', policyArn: readOnlyAccess }],
    ['DeleteUser', { userName: 'carol' }],
    ['DeleteRolePolicy', { roleName: 'readonly', policyName: 'deny-iam-writes' }],
  ]);
  // backup: ops starts rotating his key (a second one, never used in October), and is refused
  // AdministratorAccess.
  time = at('2026-10-29', '07:10:00');
  calls(ops, backup, time, [
    [
      'CreateAccessKey',
      { userName: 'ops' },
      {
        responseElements: {
          accessKey: {
            userName: 'ops',
            accessKeyId: 'AKIAOPSBACKUPKEY0002',
            status: 'Active',
            createDate: 'Oct 29, 2026, 7:11:00 AM',
          },
        },
      },
    ],
    [
      'AttachUserPolicy',
      { userName: 'ops', policyArn: administratorAccess.Arn },
      { errorCode: 'AccessDenied' },
    ],
  ]);
  return records;
}

function writeDemo() {
  const random = createRandom(20261001);
  rmSync(join(outDir, 'logs'), { recursive: true, force: true });
  rmSync(join(outDir, 'advisor'), { recursive: true, force: true });
  mkdirSync(join(outDir, 'iam'), { recursive: true });
  writeFileSync(join(outDir, 'iam', 'demo.json'), `${JSON.stringify(demoAccount(), null, 2)}\n`);
  writeFileSync(join(outDir, 'iam', 'backup.json'), `${JSON.stringify(backupAccount(), null, 2)}\n`);
  writeDemoCredentialReports();
  const records = demoLogs(random);
  const files = writeLogFiles(random, join(outDir, 'logs'), ORG_ID, records);
  const changeRandom = createRandom(20261019);
  const changes = demoIamChanges(changeRandom);
  const changeFiles = writeLogFiles(changeRandom, join(outDir, 'logs'), ORG_ID, changes);

  // One corrupt file (cut in the middle of its gzip stream) and one digest file, as a real trail has.
  const corruptSource =
    files.find((file) => file.includes(`${ACCOUNTS.demo}_CloudTrail_us-east-1_20261015T09`)) ?? files[0];
  const corrupt = corruptSource.replace(/_[A-Za-z0-9]{16}\.json\.gz$/, '_CorruptedInTransit.json.gz');
  const whole = readFileSync(corruptSource);
  writeFileSync(corrupt, whole.subarray(0, Math.floor(whole.length / 2)));
  const digestDir = join(
    outDir,
    'logs',
    'AWSLogs',
    ORG_ID,
    ACCOUNTS.demo,
    'CloudTrail-Digest',
    'us-east-1',
    '2026',
    '10',
    '01',
  );
  mkdirSync(digestDir, { recursive: true });
  writeFileSync(
    join(
      digestDir,
      `${ACCOUNTS.demo}_CloudTrail-Digest_us-east-1_demo-trail_us-east-1_20261001T000000Z.json.gz`,
    ),
    gzipSync(
      JSON.stringify({
        awsAccountId: ACCOUNTS.demo,
        digestStartTime: '2026-09-30T23:00:00Z',
        digestEndTime: '2026-10-01T00:00:00Z',
        logFiles: [],
      }),
    ),
  );

  writeFileSync(
    join(outDir, 'config.example.yaml'),
    [
      "# The bundled demo organisation, in CloudTracker's config format plus `logs:`.",
      '# Paths are relative to this file. Its logs cover 2026-10-01..2026-10-31.',
      'logs: logs',
      'accounts:',
      '  - name: demo',
      `    id: ${ACCOUNTS.demo}`,
      '    iam: iam/demo.json',
      '    credential_report: credentials/demo.csv',
      '  - name: backup',
      `    id: ${ACCOUNTS.backup}`,
      '    iam: iam/backup.json',
      '    credential_report: credentials/backup.csv',
      '',
    ].join('\n'),
  );
  const advisorPrincipals = writeDemoAdvisor(outDir);
  console.error(
    `demo organisation written to ${outDir}: ${records.length + changes.length} events (${changes.length} of them the IAM changes and the AssumeRole calls of their sessions) in ${files.length + changeFiles.length} log files, 1 corrupt file, 1 digest file; Access Advisor data of ${advisorPrincipals} principals`,
  );
}

writeDemo();

/**
 * The demo's credential reports (examples/demo/credentials/*.csv), as `aws iam get-credential-report
 * --query Content --output text | base64 -d` writes them, seen on 2026-10-31 (the logs' last day).
 * One row per user of iam/*.json (created 2025-01-06T09:00:00Z) plus the root row, consistent with
 * the logs (each key's last use is its user's last call there) and chosen to exercise the audit:
 * - demo: alice (password and MFA, a key rotated 2026-08-03 and used 2026-10-30); bob (no
 *   password, two keys: the first from 2025-01-06, used 2026-10-07 and made inactive on 2026-10-20
 *   as the logs say, the second created 2026-04-20, active and never used); charlie (password without MFA, used 2026-10-31; a
 *   key rotated 2026-07-15); erin (MFA, password last used 2026-03-02, an inactive key); root with
 *   MFA and no key.
 * - backup: ops (no password, two active keys: one from 2025-01-06 never rotated, used
 *   2026-10-31 in eu-west-1, and one created 2026-10-29 as the logs say, never used); root without MFA and with an active key last used 2025-06-01.
 */
function writeDemoCredentialReports() {
  const header =
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
  const time = (iso) => iso.replace(/Z$/, '+00:00');
  const created = time(CREATED);
  const noKey = ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const key = ({ active = true, rotated, used }) => [
    String(active),
    time(rotated),
    ...(used === undefined ? ['N/A', 'N/A', 'N/A'] : [time(used.at), used.region, used.service]),
  ];
  const row = (account, name, { password, mfa = false, keys = [] }) => [
    name,
    name === '<root_account>' ? `arn:aws:iam::${account}:root` : `arn:aws:iam::${account}:user/${name}`,
    name === '<root_account>' ? time('2024-03-01T08:00:00Z') : created,
    ...(name === '<root_account>'
      ? [
          'not_supported',
          password.lastUsed === undefined ? 'no_information' : time(password.lastUsed),
          'not_supported',
          'not_supported',
        ]
      : password === undefined
        ? ['false', 'N/A', 'N/A', 'N/A']
        : [
            'true',
            password.lastUsed === undefined ? 'no_information' : time(password.lastUsed),
            time(password.changed),
            'N/A',
          ]),
    String(mfa),
    ...(keys[0] === undefined ? noKey : key(keys[0])),
    ...(keys[1] === undefined ? noKey : key(keys[1])),
    'false',
    'N/A',
    'false',
    'N/A',
  ];
  const demo = ACCOUNTS.demo;
  const backup = ACCOUNTS.backup;
  const reports = {
    demo: [
      row(demo, '<root_account>', { password: { lastUsed: '2026-09-14T07:31:00Z' }, mfa: true }),
      row(demo, 'alice', {
        password: { lastUsed: '2026-10-30T08:12:00Z', changed: '2025-01-06T09:05:00Z' },
        mfa: true,
        keys: [
          {
            rotated: '2026-08-03T10:00:00Z',
            used: { at: '2026-10-30T16:57:00Z', region: 'us-east-1', service: 's3' },
          },
        ],
      }),
      row(demo, 'erin', {
        password: { lastUsed: '2026-03-02T15:20:00Z', changed: '2025-01-06T09:05:00Z' },
        mfa: true,
        keys: [
          {
            active: false,
            rotated: '2025-01-06T09:30:00Z',
            used: { at: '2025-11-20T11:00:00Z', region: 'us-east-1', service: 'sts' },
          },
        ],
      }),
      row(demo, 'bob', {
        keys: [
          {
            // Made inactive on 2026-10-20 (UpdateAccessKey in the logs).
            active: false,
            rotated: '2025-01-06T09:30:00Z',
            used: { at: '2026-10-07T09:23:00Z', region: 'us-east-1', service: 'iam' },
          },
          { rotated: '2026-04-20T14:00:00Z' },
        ],
      }),
      row(demo, 'charlie', {
        password: { lastUsed: '2026-10-31T07:40:00Z', changed: '2025-01-06T09:05:00Z' },
        keys: [
          {
            rotated: '2026-07-15T09:00:00Z',
            used: { at: '2026-10-31T07:55:00Z', region: 'us-east-1', service: 'kms' },
          },
        ],
      }),
    ],
    backup: [
      row(backup, '<root_account>', {
        password: { lastUsed: '2026-01-15T12:00:00Z' },
        keys: [
          {
            rotated: '2025-02-10T10:00:00Z',
            used: { at: '2025-06-01T09:00:00Z', region: 'us-east-1', service: 'iam' },
          },
        ],
      }),
      row(backup, 'ops', {
        keys: [
          {
            rotated: '2025-01-06T09:30:00Z',
            used: { at: '2026-10-31T06:39:00Z', region: 'eu-west-1', service: 's3' },
          },
          // Created 2026-10-29 (CreateAccessKey AKIAOPSBACKUPKEY0002 in the logs), never used.
          { rotated: '2026-10-29T07:11:00Z' },
        ],
      }),
    ],
  };
  mkdirSync(join(outDir, 'credentials'), { recursive: true });
  for (const [name, rows] of Object.entries(reports))
    writeFileSync(
      join(outDir, 'credentials', `${name}.csv`),
      `${[header, ...rows.map((cells) => cells.join(','))].join('\n')}\n`,
    );
}
