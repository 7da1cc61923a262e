import { describe, expect, it } from 'vitest';

import { createEventMapper, stripVersionSuffix } from '../../../src/actions/event-mapper.js';
import type { EventMapping } from '../../../src/actions/event-mapper.js';
import { loadActionData } from '../../../src/cli/action-data.js';

const { mapper, catalog, tables } = loadActionData();

interface Case {
  name: string;
  input: [eventSource: string, eventName: string];
  expected: EventMapping;
}

const cases: Case[] = [
  {
    name: 'a plain management call maps to the action of the same name',
    input: ['s3.amazonaws.com', 'CreateBucket'],
    expected: {
      kind: 'action',
      event: 's3:CreateBucket',
      actions: ['s3:CreateBucket'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'lookup ignores case and returns the canonical name',
    input: ['s3.amazonaws.com', 'GetBucketCors'],
    expected: {
      kind: 'action',
      event: 's3:GetBucketCors',
      actions: ['s3:GetBucketCORS'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'Lambda API version suffix is stripped',
    input: ['lambda.amazonaws.com', 'ListFunctions20150331'],
    expected: {
      kind: 'action',
      event: 'lambda:ListFunctions',
      actions: ['lambda:ListFunctions'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'versioned suffix with v2 is stripped',
    input: ['lambda.amazonaws.com', 'UpdateFunctionConfiguration20150331v2'],
    expected: {
      kind: 'action',
      event: 'lambda:UpdateFunctionConfiguration',
      actions: ['lambda:UpdateFunctionConfiguration'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'CloudFront underscore date suffix is stripped',
    input: ['cloudfront.amazonaws.com', 'CreateDistribution2020_05_31'],
    expected: {
      kind: 'action',
      event: 'cloudfront:CreateDistribution',
      actions: ['cloudfront:CreateDistribution'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'monitoring is CloudWatch',
    input: ['monitoring.amazonaws.com', 'DescribeAlarms'],
    expected: {
      kind: 'action',
      event: 'cloudwatch:DescribeAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'email is SES',
    input: ['email.amazonaws.com', 'SendEmail'],
    expected: {
      kind: 'action',
      event: 'ses:SendEmail',
      actions: ['ses:SendEmail'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'tagging is tag',
    input: ['tagging.amazonaws.com', 'GetResources'],
    expected: {
      kind: 'action',
      event: 'tag:GetResources',
      actions: ['tag:GetResources'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'a two-label eventSource maps through the exceptions table',
    input: ['models.lex.amazonaws.com', 'GetBots'],
    expected: { kind: 'action', event: 'lex:GetBots', actions: ['lex:GetBots'], also: [], via: 'catalog' },
  },
  {
    name: 'S3 ListObjects is s3:ListBucket',
    input: ['s3.amazonaws.com', 'ListObjects'],
    expected: {
      kind: 'action',
      event: 's3:ListObjects',
      actions: ['s3:ListBucket'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'S3 ListObjectsV2 keeps its V2 and is s3:ListBucket',
    input: ['s3.amazonaws.com', 'ListObjectsV2'],
    expected: {
      kind: 'action',
      event: 's3:ListObjectsV2',
      actions: ['s3:ListBucket'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'S3 HeadBucket is s3:ListBucket',
    input: ['s3.amazonaws.com', 'HeadBucket'],
    expected: { kind: 'action', event: 's3:HeadBucket', actions: ['s3:ListBucket'], also: [], via: 'rename' },
  },
  {
    name: 'S3 HeadObject is s3:GetObject',
    input: ['s3.amazonaws.com', 'HeadObject'],
    // With a versionId it needs s3:GetObjectVersion instead: possibly used.
    expected: {
      kind: 'action',
      event: 's3:HeadObject',
      actions: ['s3:GetObject'],
      also: ['s3:GetObjectVersion'],
      via: 'rename',
    },
  },
  {
    name: 'S3 ListBuckets is s3:ListAllMyBuckets',
    input: ['s3.amazonaws.com', 'ListBuckets'],
    expected: {
      kind: 'action',
      event: 's3:ListBuckets',
      actions: ['s3:ListAllMyBuckets'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'S3 GetBucketAcl is the IAM action itself, not the SOAP name CloudTracker printed',
    input: ['s3.amazonaws.com', 'GetBucketAcl'],
    expected: {
      kind: 'action',
      event: 's3:GetBucketAcl',
      actions: ['s3:GetBucketAcl'],
      also: [],
      via: 'catalog',
    },
  },
  {
    name: 'UploadPartCopy needs PutObject and may read its source, a version of it too',
    input: ['s3.amazonaws.com', 'UploadPartCopy'],
    expected: {
      kind: 'action',
      event: 's3:UploadPartCopy',
      actions: ['s3:PutObject'],
      also: ['s3:GetObject', 's3:GetObjectVersion'],
      via: 'rename',
    },
  },
  {
    name: 'CopyObject needs PutObject and may read with GetObject',
    input: ['s3.amazonaws.com', 'CopyObject'],
    expected: {
      kind: 'action',
      event: 's3:CopyObject',
      actions: ['s3:PutObject'],
      also: ['s3:GetObject', 's3:GetObjectVersion'],
      via: 'rename',
    },
  },
  {
    name: 'KMS ReEncrypt needs two actions',
    input: ['kms.amazonaws.com', 'ReEncrypt'],
    expected: {
      kind: 'action',
      event: 'kms:ReEncrypt',
      actions: ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'the Lambda Invoke data event is lambda:InvokeFunction',
    input: ['lambda.amazonaws.com', 'Invoke'],
    expected: {
      kind: 'action',
      event: 'lambda:Invoke',
      actions: ['lambda:InvokeFunction'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'GetCallerIdentity needs no permission',
    input: ['sts.amazonaws.com', 'GetCallerIdentity'],
    expected: { kind: 'no-permission', event: 'sts:GetCallerIdentity', reason: 'no-permission' },
  },
  {
    name: 'console sign-in needs no permission',
    input: ['signin.amazonaws.com', 'ConsoleLogin'],
    expected: { kind: 'no-permission', event: 'signin:ConsoleLogin', reason: 'sign-in' },
  },
  {
    name: 'a service event is not a call of the principal',
    input: ['secretsmanager.amazonaws.com', 'StartSecretVersionDelete'],
    expected: {
      kind: 'no-permission',
      event: 'secretsmanager:StartSecretVersionDelete',
      reason: 'service-event',
    },
  },
  {
    name: 'an unknown event name of a known service is unmapped',
    input: ['s3.amazonaws.com', 'NoSuchOperation'],
    expected: { kind: 'unmapped', event: 's3:NoSuchOperation', reason: 'unknown-action' },
  },
  // Session Manager's control channel is logged under ssm.amazonaws.com but authorised by
  // ssmmessages: https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-cloudtrail-logs.html
  {
    name: 'Session Manager CreateControlChannel (eventSource ssm) is ssmmessages:CreateControlChannel',
    input: ['ssm.amazonaws.com', 'CreateControlChannel'],
    expected: {
      kind: 'action',
      event: 'ssm:CreateControlChannel',
      actions: ['ssmmessages:CreateControlChannel'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'Session Manager OpenControlChannel (eventSource ssm) is ssmmessages:OpenControlChannel',
    input: ['ssm.amazonaws.com', 'OpenControlChannel'],
    expected: {
      kind: 'action',
      event: 'ssm:OpenControlChannel',
      actions: ['ssmmessages:OpenControlChannel'],
      also: [],
      via: 'rename',
    },
  },
  // PartiQL and transactions need the action of each statement or item, which the summary does
  // not keep: none is certain, each is possible.
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html
  ...(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction'] as const).map((name): Case => ({
    name: `DynamoDB ${name} needs the PartiQL action of its statements: each possible, none certain`,
    input: ['dynamodb.amazonaws.com', name],
    expected: {
      kind: 'action',
      event: `dynamodb:${name}`,
      actions: [],
      also: [
        'dynamodb:PartiQLSelect',
        'dynamodb:PartiQLInsert',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
      ],
      via: 'rename',
    },
  })),
  {
    name: 'DynamoDB TransactWriteItems needs the action of each item: each possible, none certain',
    input: ['dynamodb.amazonaws.com', 'TransactWriteItems'],
    expected: {
      kind: 'action',
      event: 'dynamodb:TransactWriteItems',
      actions: [],
      also: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
      via: 'rename',
    },
  },
  // https://docs.aws.amazon.com/bedrock/latest/userguide/inference-prereq.html: Converse needs
  // bedrock:InvokeModel, ConverseStream bedrock:InvokeModelWithResponseStream.
  {
    name: 'Bedrock Converse is bedrock:InvokeModel',
    input: ['bedrock.amazonaws.com', 'Converse'],
    expected: {
      kind: 'action',
      event: 'bedrock:Converse',
      actions: ['bedrock:InvokeModel'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'Bedrock ConverseStream is bedrock:InvokeModelWithResponseStream',
    input: ['bedrock.amazonaws.com', 'ConverseStream'],
    expected: {
      kind: 'action',
      event: 'bedrock:ConverseStream',
      actions: ['bedrock:InvokeModelWithResponseStream'],
      also: [],
      via: 'rename',
    },
  },
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html:
  // GetSecretValue for each secret, ListSecrets when the call uses filters.
  {
    name: 'Secrets Manager BatchGetSecretValue needs GetSecretValue, and ListSecrets with filters',
    input: ['secretsmanager.amazonaws.com', 'BatchGetSecretValue'],
    expected: {
      kind: 'action',
      event: 'secretsmanager:BatchGetSecretValue',
      actions: ['secretsmanager:BatchGetSecretValue', 'secretsmanager:GetSecretValue'],
      also: ['secretsmanager:ListSecrets'],
      via: 'rename',
    },
  },
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistributionWithTags.html
  {
    name: 'CloudFront CreateDistributionWithTags is CreateDistribution and TagResource',
    input: ['cloudfront.amazonaws.com', 'CreateDistributionWithTags2020_05_31'],
    expected: {
      kind: 'action',
      event: 'cloudfront:CreateDistributionWithTags',
      actions: ['cloudfront:CreateDistribution', 'cloudfront:TagResource'],
      also: [],
      via: 'rename',
    },
  },
  // https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html (permission
  // lambda:InvokeFunction) and API_GetLayerVersionByArn.html (lambda:GetLayerVersion).
  {
    name: 'Lambda InvokeWithResponseStream is lambda:InvokeFunction',
    input: ['lambda.amazonaws.com', 'InvokeWithResponseStream'],
    expected: {
      kind: 'action',
      event: 'lambda:InvokeWithResponseStream',
      actions: ['lambda:InvokeFunction'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'Lambda GetLayerVersionByArn is lambda:GetLayerVersion',
    input: ['lambda.amazonaws.com', 'GetLayerVersionByArn20181031'],
    expected: {
      kind: 'action',
      event: 'lambda:GetLayerVersionByArn',
      actions: ['lambda:GetLayerVersion'],
      also: [],
      via: 'rename',
    },
  },
  // The Storage Lens console's call: https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage_lens_iam_permissions.html
  {
    name: 'S3 GetStorageLensDashboardDataInternal is s3:GetStorageLensDashboard',
    input: ['s3.amazonaws.com', 'GetStorageLensDashboardDataInternal'],
    expected: {
      kind: 'action',
      event: 's3:GetStorageLensDashboardDataInternal',
      actions: ['s3:GetStorageLensDashboard'],
      also: [],
      via: 'rename',
    },
  },
  {
    name: 'an unknown service is unmapped',
    input: ['nosuchservice.amazonaws.com', 'DoThing'],
    expected: { kind: 'unmapped', event: 'nosuchservice:DoThing', reason: 'unknown-service' },
  },
  {
    name: 'an empty event name is malformed',
    input: ['s3.amazonaws.com', ''],
    expected: { kind: 'unmapped', event: 's3:', reason: 'malformed-event' },
  },
  {
    name: 'an event name with spaces is malformed',
    input: ['s3.amazonaws.com', 'Get Object'],
    expected: { kind: 'unmapped', event: 's3:Get Object', reason: 'malformed-event' },
  },
];

describe('event mapper', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    expect(mapper.map(...input)).toEqual(expected);
  });

  it('returns the same mapping for repeated calls', () => {
    expect(mapper.map('s3.amazonaws.com', 'ListObjects')).toBe(mapper.map('s3.amazonaws.com', 'ListObjects'));
  });

  it('refuses a curated rename whose target the catalog lacks, when an event needs it', () => {
    const broken = {
      ...tables,
      eventRenames: new Map([
        ['s3:foo', { actions: ['s3:NoSuchAction'], also: [] }],
        ['s3:bar', { actions: ['s3:GetObject'], also: ['s3:NoSuchAlso'] }],
      ]),
    };
    const lenient = createEventMapper(catalog, broken);
    expect(lenient.map('s3.amazonaws.com', 'CreateBucket')).toMatchObject({ kind: 'action' });
    expect(() => lenient.map('s3.amazonaws.com', 'Foo')).toThrow(
      'data/event_renames.json maps s3:foo to s3:NoSuchAction, which the action catalog lacks',
    );
    expect(() => lenient.map('s3.amazonaws.com', 'Bar')).toThrow(/maps s3:bar to s3:NoSuchAlso/);
  });
});

describe('tag on create', () => {
  // A create that carries tags is also authorised by the service's tagging action; CloudTrail logs
  // no event of its own for it, and the summary keeps no request, so it is possibly used:
  // EC2 https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
  // ELB https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/tagging-resources-during-creation.html
  // ECS https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
  // Lambda https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html
  // SSM PutParameter https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html
  // The others (logs, iam, rds, cloudtrail, rolesanywhere) rest on the creates with tags of the
  // invictus-stratus-cloudtrail data set: a possible use only prevents a "-".
  it.each([
    ['ec2.amazonaws.com', 'RunInstances', 'ec2:RunInstances', ['ec2:CreateTags']],
    ['ec2.amazonaws.com', 'CreateVpc', 'ec2:CreateVpc', ['ec2:CreateTags']],
    ['ec2.amazonaws.com', 'AllocateAddress', 'ec2:AllocateAddress', ['ec2:CreateTags']],
    ['ec2.amazonaws.com', 'CreateSecurityGroup', 'ec2:CreateSecurityGroup', ['ec2:CreateTags']],
    [
      'elasticloadbalancing.amazonaws.com',
      'CreateLoadBalancer',
      'elasticloadbalancing:CreateLoadBalancer',
      ['elasticloadbalancing:AddTags'],
    ],
    ['ecs.amazonaws.com', 'CreateCluster', 'ecs:CreateCluster', ['ecs:TagResource']],
    ['ecs.amazonaws.com', 'RunTask', 'ecs:RunTask', ['ecs:TagResource']],
    ['lambda.amazonaws.com', 'CreateFunction20150331', 'lambda:CreateFunction', ['lambda:TagResource']],
    ['ssm.amazonaws.com', 'PutParameter', 'ssm:PutParameter', ['ssm:AddTagsToResource']],
    ['logs.amazonaws.com', 'CreateLogGroup', 'logs:CreateLogGroup', ['logs:TagResource', 'logs:TagLogGroup']],
    ['iam.amazonaws.com', 'CreateRole', 'iam:CreateRole', ['iam:TagRole']],
    ['iam.amazonaws.com', 'CreateUser', 'iam:CreateUser', ['iam:TagUser']],
    ['iam.amazonaws.com', 'CreatePolicy', 'iam:CreatePolicy', ['iam:TagPolicy']],
    ['iam.amazonaws.com', 'CreateInstanceProfile', 'iam:CreateInstanceProfile', ['iam:TagInstanceProfile']],
    ['rds.amazonaws.com', 'CreateDBInstance', 'rds:CreateDBInstance', ['rds:AddTagsToResource']],
    ['cloudtrail.amazonaws.com', 'CreateTrail', 'cloudtrail:CreateTrail', ['cloudtrail:AddTags']],
    [
      'rolesanywhere.amazonaws.com',
      'CreateTrustAnchor',
      'rolesanywhere:CreateTrustAnchor',
      ['rolesanywhere:TagResource'],
    ],
  ] as const)('%s %s is %s, and possibly %j', (source, name, action, tagActions) => {
    expect(mapper.map(source, name)).toMatchObject({ kind: 'action', actions: [action], also: tagActions });
  });

  it('a call that creates nothing gets no tagging action', () => {
    expect(mapper.map('ec2.amazonaws.com', 'DescribeInstances')).toMatchObject({ also: [] });
    expect(mapper.map('iam.amazonaws.com', 'AttachRolePolicy')).toMatchObject({ also: [] });
  });
});

describe('stripVersionSuffix', () => {
  it.each([
    ['ListTags20170331', 'ListTags'],
    ['GetFunctionConfiguration20150331v2', 'GetFunctionConfiguration'],
    ['CreateDistribution2017_03_25', 'CreateDistribution'],
    ['ListObjectsV2', 'ListObjectsV2'],
    ['DescribeDBInstances', 'DescribeDBInstances'],
    ['Create2020Thing', 'Create2020Thing'],
  ])('%s -> %s', (input, expected) => {
    expect(stripVersionSuffix(input)).toBe(expected);
  });
});
