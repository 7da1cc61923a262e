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
    name: 'Secrets Manager BatchGetSecretValue also reads each secret with GetSecretValue',
    input: ['secretsmanager.amazonaws.com', 'BatchGetSecretValue'],
    expected: {
      kind: 'action',
      event: 'secretsmanager:BatchGetSecretValue',
      actions: ['secretsmanager:BatchGetSecretValue'],
      also: ['secretsmanager:GetSecretValue'],
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
    input: ['s3.amazonaws.com', 'GetStorageLensDashboardDataInternal'],
    expected: { kind: 'unmapped', event: 's3:GetStorageLensDashboardDataInternal', reason: 'unknown-action' },
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
