#!/usr/bin/env node
// Generates the bundled demo organisation under examples/demo/ deterministically: the same
// script always writes byte-identical files (no clock, no randomness).
//
//   node scripts/generate-demo.mjs [--out DIR]     (default: examples/demo)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(repoRoot, 'examples', 'demo');

export const ACCOUNTS = { demo: '111111111111', backup: '222222222222' };
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
  return {
    UserDetailList: [
      user(id, 'alice', { groups: ['developers'], inline: { 'assume-admin': assumeAdmin } }),
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

mkdirSync(join(outDir, 'iam'), { recursive: true });
writeFileSync(join(outDir, 'iam', 'demo.json'), `${JSON.stringify(demoAccount(), null, 2)}\n`);
writeFileSync(join(outDir, 'iam', 'backup.json'), `${JSON.stringify(backupAccount(), null, 2)}\n`);
console.error(`demo organisation written to ${outDir}`);
