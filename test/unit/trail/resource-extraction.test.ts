import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance, listValue } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbDialect } from '../../../src/engines/duckdb/duckdb-dialect.js';
import {
  createCloudTrailViewSql,
  JSON_EXTRACT_SCALAR_MACRO_SQL,
  SET_LOG_FILES_SQL,
} from '../../../src/engines/duckdb/duckdb-sql.js';
import type { CloudTrailDatabase } from '../../../src/trail/cloudtrail-relation.js';
import { resourceUseColumnsSql, resourceUsesSql } from '../../../src/trail/resource-extraction.js';

/*
 * The resource extraction on hand-written CloudTrail records, read through the local engine's
 * `cloudtrail` view (which keeps `requestParameters` of some services only) on a real in-memory
 * DuckDB. Each expected list is written from the record above it.
 */

const ACCOUNT = '111111111111';
const work = mkdtempSync(join(tmpdir(), 'iamtrail-resources-'));
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const db = new Kysely<CloudTrailDatabase>({ dialect: new DuckDbDialect({ connection }) });
afterAll(async () => {
  await db.destroy();
  connection.closeSync();
  instance.closeSync();
  rmSync(work, { recursive: true, force: true });
});

interface Case {
  readonly name: string;
  readonly source: string;
  readonly event: string;
  readonly request?: object;
  readonly resources?: readonly object[];
  readonly region?: string;
  readonly errorCode?: string;
  /** The `[kind, resource]` pairs, or null when the call used none the logs name. */
  readonly expected: readonly (readonly [string, string])[] | null;
}

const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/resize-role`;
const CASES: readonly Case[] = [
  {
    name: 'an S3 data event: its resources, the object as its top folder',
    source: 's3.amazonaws.com',
    event: 'GetObject',
    request: { bucketName: 'logs-bucket', key: 'app/2026/10/05/events.json' },
    resources: [
      { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::logs-bucket/app/2026/10/05/events.json' },
      { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::logs-bucket' },
    ],
    expected: [
      ['target', 'arn:aws:s3:::logs-bucket/app/*'],
      ['target', 'arn:aws:s3:::logs-bucket'],
    ],
  },
  {
    name: 'a denied call: nothing',
    source: 's3.amazonaws.com',
    event: 'GetObject',
    request: { bucketName: 'logs-bucket', key: 'secret/keys.txt' },
    resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::logs-bucket/secret/keys.txt' }],
    errorCode: 'AccessDenied',
    expected: null,
  },
  {
    name: 'an object at the root, from requestParameters',
    source: 's3.amazonaws.com',
    event: 'PutObject',
    request: { bucketName: 'logs-bucket', key: 'readme.txt' },
    expected: [['target', 'arn:aws:s3:::logs-bucket/*']],
  },
  {
    name: 'a key with several folders, from requestParameters: its top folder',
    source: 's3.amazonaws.com',
    event: 'GetObject',
    request: { bucketName: 'logs-bucket', key: 'a/b/c/d.txt' },
    expected: [['target', 'arn:aws:s3:::logs-bucket/a/*']],
  },
  {
    name: 'a bucket call',
    source: 's3.amazonaws.com',
    event: 'CreateBucket',
    request: { bucketName: 'new-bucket', Host: 'new-bucket.s3.amazonaws.com' },
    expected: [['target', 'arn:aws:s3:::new-bucket']],
  },
  {
    name: 'a bucket in China',
    source: 's3.amazonaws.com',
    event: 'GetBucketAcl',
    region: 'cn-north-1',
    request: { bucketName: 'cn-bucket', acl: '' },
    expected: [['target', 'arn:aws-cn:s3:::cn-bucket']],
  },
  {
    name: 'a copy of a version: the object written, and the top folder read as a version (URL-encoded)',
    source: 's3.amazonaws.com',
    event: 'CopyObject',
    request: {
      bucketName: 'dest',
      key: 'copies/x.bin',
      'x-amz-copy-source': 'src-bucket/in%20box/2026/x.bin?versionId=abc',
    },
    expected: [
      ['target', 'arn:aws:s3:::dest/copies/*'],
      ['copy_source_version', 'arn:aws:s3:::src-bucket/in box/*'],
    ],
  },
  {
    name: 'a copy of the current object (a leading slash): the object written and the top folder read',
    source: 's3.amazonaws.com',
    event: 'UploadPartCopy',
    request: {
      bucketName: 'dest',
      key: 'copies/x.bin',
      partNumber: '1',
      uploadId: 'u',
      'x-amz-copy-source': '/src-bucket/in/x.bin',
    },
    expected: [
      ['target', 'arn:aws:s3:::dest/copies/*'],
      ['copy_source', 'arn:aws:s3:::src-bucket/in/*'],
    ],
  },
  {
    name: 'a DynamoDB table by name',
    source: 'dynamodb.amazonaws.com',
    event: 'GetItem',
    request: { tableName: 'orders', key: { id: { S: '1' } } },
    expected: [['target', `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`]],
  },
  {
    name: 'a DynamoDB table by ARN',
    source: 'dynamodb.amazonaws.com',
    event: 'Query',
    request: { tableName: 'arn:aws:dynamodb:us-east-1:222222222222:table/shared' },
    expected: [['target', 'arn:aws:dynamodb:us-east-1:222222222222:table/shared']],
  },
  {
    name: 'a Query of a DynamoDB index: the index, not the table its resources name',
    source: 'dynamodb.amazonaws.com',
    event: 'Query',
    request: { tableName: 'orders', indexName: 'by-customer', keyConditionExpression: 'c = :c' },
    resources: [
      {
        accountId: ACCOUNT,
        type: 'AWS::DynamoDB::Table',
        ARN: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`,
      },
    ],
    expected: [['target', `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders/index/by-customer`]],
  },
  {
    name: 'a Scan of a DynamoDB index of a table named by ARN',
    source: 'dynamodb.amazonaws.com',
    event: 'Scan',
    request: { tableName: 'arn:aws:dynamodb:us-east-1:222222222222:table/shared', indexName: 'by-date' },
    expected: [['target', 'arn:aws:dynamodb:us-east-1:222222222222:table/shared/index/by-date']],
  },
  {
    name: 'an SQS queue of another account, from its URL',
    source: 'sqs.amazonaws.com',
    event: 'SendMessage',
    request: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/333333333333/jobs' },
    expected: [['target', 'arn:aws:sqs:eu-west-1:333333333333:jobs']],
  },
  {
    name: 'an SNS topic',
    source: 'sns.amazonaws.com',
    event: 'Publish',
    request: { topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`, message: 'hi' },
    expected: [['target', `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`]],
  },
  {
    name: 'a KMS alias',
    source: 'kms.amazonaws.com',
    event: 'Encrypt',
    request: { keyId: 'alias/app' },
    expected: [['target', `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app`]],
  },
  {
    name: 'a KMS key id',
    source: 'kms.amazonaws.com',
    event: 'DescribeKey',
    request: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    expected: [['target', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`]],
  },
  {
    name: 'a KMS call whose resources name the key behind the alias: the resources win',
    source: 'kms.amazonaws.com',
    event: 'GenerateDataKey',
    request: { keyId: 'alias/aws/secretsmanager', keySpec: 'AES_256' },
    resources: [
      { accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/dad21b23` },
    ],
    expected: [['target', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/dad21b23`]],
  },
  {
    name: 'a Lambda ARN with a qualifier: the function',
    source: 'lambda.amazonaws.com',
    event: 'GetFunction20150331v2',
    request: { functionName: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:resize:prod` },
    expected: [['target', `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:resize`]],
  },
  {
    name: 'a Lambda name with a version',
    source: 'lambda.amazonaws.com',
    event: 'GetFunctionConfiguration20150331v2',
    request: { functionName: 'resize:3' },
    expected: [['target', `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:resize`]],
  },
  {
    name: "a Lambda partial ARN (another account's)",
    source: 'lambda.amazonaws.com',
    event: 'GetPolicy20150331v2',
    request: { functionName: '444444444444:function:thumbs' },
    expected: [['target', 'arn:aws:lambda:eu-west-1:444444444444:function:thumbs']],
  },
  {
    name: 'a Lambda function created: the function and the role passed',
    source: 'lambda.amazonaws.com',
    event: 'CreateFunction20150331',
    request: { functionName: 'resize', role: ROLE, runtime: 'python3.12' },
    expected: [
      ['target', `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:resize`],
      ['passed_role', ROLE],
    ],
  },
  {
    name: 'a secret by ARN',
    source: 'secretsmanager.amazonaws.com',
    event: 'GetSecretValue',
    request: { secretId: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db-AbCdEf` },
    expected: [['target', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db-AbCdEf`]],
  },
  {
    name: 'a secret by name: its ARN has a suffix the logs do not give',
    source: 'secretsmanager.amazonaws.com',
    event: 'GetSecretValue',
    request: { secretId: 'db' },
    expected: null,
  },
  {
    name: 'an SSM parameter (with a version selector)',
    source: 'ssm.amazonaws.com',
    event: 'GetParameter',
    request: { name: '/app/db/password:3', withDecryption: true },
    expected: [['target', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/db/password`]],
  },
  {
    name: 'an SSM document: not a parameter',
    source: 'ssm.amazonaws.com',
    event: 'CreateDocument',
    request: { name: 'my-runbook', content: '{}' },
    expected: null,
  },
  {
    name: "a CloudFormation stack's role",
    source: 'cloudformation.amazonaws.com',
    event: 'CreateStack',
    request: { stackName: 'app', roleARN: `arn:aws:iam::${ACCOUNT}:role/cfn-deployer` },
    expected: [['passed_role', `arn:aws:iam::${ACCOUNT}:role/cfn-deployer`]],
  },
  {
    name: "an ECS task definition's two roles",
    source: 'ecs.amazonaws.com',
    event: 'RegisterTaskDefinition',
    request: {
      family: 'web',
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/web-task`,
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    },
    expected: [
      ['passed_role', `arn:aws:iam::${ACCOUNT}:role/web-task`],
      ['passed_role', `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`],
    ],
  },
  {
    name: 'a Glue job whose role is a name: the name, for the IAM data to resolve',
    source: 'glue.amazonaws.com',
    event: 'CreateJob',
    request: { name: 'etl', role: 'GlueRole' },
    expected: [['passed_role', 'GlueRole']],
  },
  {
    name: "an ECS service's role (CreateService `role`, a name with its path)",
    source: 'ecs.amazonaws.com',
    event: 'CreateService',
    request: { cluster: 'main', serviceName: 'web', role: 'service-role/ecsServiceRole' },
    expected: [['passed_role', 'service-role/ecsServiceRole']],
  },
  {
    name: "a state machine's role",
    source: 'states.amazonaws.com',
    event: 'CreateStateMachine',
    request: { name: 'flow', roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn-exec`, type: 'STANDARD' },
    expected: [['passed_role', `arn:aws:iam::${ACCOUNT}:role/sfn-exec`]],
  },
  {
    name: 'an instance launched with a profile by ARN: the profile, whose role the IAM data gives',
    source: 'ec2.amazonaws.com',
    event: 'RunInstances',
    request: { iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web` } },
    expected: [['passed_role', `arn:aws:iam::${ACCOUNT}:instance-profile/web`]],
  },
  {
    name: 'an instance launched with a profile by name: its ARN in the account',
    source: 'ec2.amazonaws.com',
    event: 'RunInstances',
    request: { iamInstanceProfile: { name: 'stratus-red-team-ec2-enumerate-instance' } },
    expected: [
      ['passed_role', `arn:aws:iam::${ACCOUNT}:instance-profile/stratus-red-team-ec2-enumerate-instance`],
    ],
  },
  {
    name: 'a profile associated with an instance (the request wrapped as EC2 logs it)',
    source: 'ec2.amazonaws.com',
    event: 'AssociateIamInstanceProfile',
    request: {
      AssociateIamInstanceProfileRequest: { InstanceId: 'i-0abc', IamInstanceProfile: { Name: 'web' } },
    },
    expected: [['passed_role', `arn:aws:iam::${ACCOUNT}:instance-profile/web`]],
  },
  {
    name: 'an instance launched without a profile: nothing',
    source: 'ec2.amazonaws.com',
    event: 'RunInstances',
    request: { instanceType: 't3.micro' },
    expected: null,
  },
  {
    name: 'an AssumeRole: its resources (an entry without an ARN skipped)',
    source: 'sts.amazonaws.com',
    event: 'AssumeRole',
    request: { roleArn: `arn:aws:iam::${ACCOUNT}:role/admin`, roleSessionName: 's' },
    resources: [
      { accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCOUNT}:role/admin` },
      { accountId: ACCOUNT },
    ],
    expected: [['target', `arn:aws:iam::${ACCOUNT}:role/admin`]],
  },
  {
    name: 'a service the extraction does not read',
    source: 'ec2.amazonaws.com',
    event: 'DescribeInstances',
    request: { instancesSet: {}, filterSet: {} },
    expected: null,
  },
  {
    name: 'an S3 call naming no bucket',
    source: 's3.amazonaws.com',
    event: 'ListBuckets',
    request: { Host: 's3.amazonaws.com' },
    expected: null,
  },
];

/** The stage's columns of every record of the `cloudtrail` relation, as SQL text. */
function compileColumns(dialect: 'trino' | 'duckdb') {
  const columns = resourceUseColumnsSql(dialect, sql<boolean>`errorcode IS NULL`);
  return sql.raw(
    db
      .selectFrom('cloudtrail')
      .select(['eventid', ...Object.entries(columns).map(([name, value]) => value.as(name))])
      .where('eventid', 'is not', null)
      .compile().sql,
  );
}

async function usesOf(cases: readonly Case[]): Promise<Map<string, unknown>> {
  const file = join(work, 'records.json');
  writeFileSync(
    file,
    JSON.stringify({
      Records: cases.map((entry, index) => ({
        eventVersion: '1.09',
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
        eventTime: '2026-10-05T10:00:00Z',
        eventSource: entry.source,
        eventName: entry.event,
        awsRegion: entry.region ?? 'eu-west-1',
        requestParameters: entry.request ?? null,
        ...(entry.resources === undefined ? {} : { resources: entry.resources }),
        ...(entry.errorCode === undefined ? {} : { errorCode: entry.errorCode }),
        eventID: `e-${index}`,
        recipientAccountId: ACCOUNT,
      })),
    }),
  );
  await connection.run(SET_LOG_FILES_SQL, [listValue([file])]);
  await connection.run(createCloudTrailViewSql(1024 * 1024, true));
  await connection.run(JSON_EXTRACT_SCALAR_MACRO_SQL);
  // The columns as the stage computes them per event, then their pairs as the resolve unnests them.
  const uses = resourceUsesSql('duckdb', (name) => sql.ref(`staged.${name}`));
  const { rows } = await sql<{
    eventid: string;
    uses: unknown;
  }>`SELECT eventid, list(ARRAY[${uses.kindAt(sql`u.position`)}, u.resource] ORDER BY u.position) FILTER (WHERE u.resource IS NOT NULL) AS uses
    FROM (${compileColumns('duckdb')}) AS staged CROSS JOIN UNNEST(${uses.list}) WITH ORDINALITY AS u (resource, position)
    GROUP BY eventid`.execute(db);
  return new Map(rows.map((row) => [row.eventid, row.uses]));
}

// One read of every case's record, as the engine reads a file.
const uses = await usesOf(CASES);

describe('the resources a call used', () => {
  it.each(CASES.map((entry, index) => [entry.name, index] as const))('%s', (_, index) => {
    expect(uses.get(`e-${index}`)).toEqual(CASES[index]?.expected);
  });

  it('compiles with the Trino names of the list functions for Athena, the DuckDB ones for DuckDB', () => {
    const compile = (dialect: 'trino' | 'duckdb') => {
      const uses = resourceUsesSql(dialect, (name) => sql.ref(name));
      return sql`SELECT ${uses.list}, ${uses.kindAt(sql`1`)} FROM (${compileColumns(dialect)})`.compile(db)
        .sql;
    };
    expect(compile('trino')).toMatch(/cardinality\(resources\), 0\) > 0\) THEN transform\(resources, /);
    expect(compile('duckdb')).toMatch(/len\(resources\), 0\) > 0\) THEN list_transform\(resources, /);
    expect(compile('trino')).toMatch(/coalesce\(cardinality\("res_arns"\), 1\)/);
    expect(
      compile('trino')
        .replace(/\btransform\b/g, 'list_transform')
        .replace(/\bcardinality\b/g, 'len'),
    ).toBe(compile('duckdb'));
  });
});
