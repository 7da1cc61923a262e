import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { GeneratedStatement } from '../../src/analysis/policy-generation.js';
import type { PolicyGenerateDocument } from '../../src/app/policy/generate-policy.js';
import { runCli } from '../helpers/cli.js';
import { writeTrail } from '../helpers/trail-fixture.js';

/*
 * `iamtrail policy generate` from logs to policy (the local engine, no cache) on calls whose
 * permissions are not the event's own action alone: each user of the fixture made the calls of
 * one case on 2026-03-02, and holds the policy given with it. What each case expects restates the
 * AWS documentation cited beside it.
 */

const ACCOUNT = '111122223333';
const DAY = '2026-03-02';
const ADMIN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const work = mkdtempSync(join(tmpdir(), 'iamtrail-policy-calls-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Call {
  readonly source: string;
  readonly name: string;
  readonly request?: object;
  readonly resources?: readonly object[];
  readonly category?: 'Management' | 'Data';
}

/** The records of a user's calls, a minute apart. */
function recordsOf(user: string, calls: readonly Call[]): object[] {
  return calls.map((call, index) => ({
    eventVersion: '1.09',
    eventTime: `${DAY}T10:${String(index).padStart(2, '0')}:00Z`,
    eventSource: call.source,
    eventName: call.name,
    awsRegion: 'us-east-1',
    recipientAccountId: ACCOUNT,
    eventCategory: call.category ?? 'Management',
    requestParameters: call.request ?? null,
    ...(call.resources === undefined ? {} : { resources: call.resources }),
    eventID: `${user}-${index}`,
    userIdentity: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAFIXTURE',
      userName: user,
    },
  }));
}

const USERS: Readonly<Record<string, { readonly calls: readonly Call[]; readonly policy?: object }>> = {
  copier: {
    calls: [
      {
        source: 's3.amazonaws.com',
        name: 'CopyObject',
        category: 'Data',
        request: {
          bucketName: 'dst-bucket',
          key: 'out/x.bin',
          'x-amz-copy-source': 'src-bucket/in/x.bin?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
        },
        resources: [
          { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::dst-bucket/out/x.bin' },
          { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::dst-bucket' },
        ],
      },
      {
        source: 's3.amazonaws.com',
        name: 'CopyObject',
        category: 'Data',
        request: { bucketName: 'dst-bucket', key: 'plain/y.bin', 'x-amz-copy-source': 'plain-src/in/y.bin' },
        resources: [
          { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::dst-bucket/plain/y.bin' },
          { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::dst-bucket' },
        ],
      },
    ],
  },
  ddb: {
    calls: [
      {
        source: 'dynamodb.amazonaws.com',
        name: 'Query',
        category: 'Data',
        request: { tableName: 'orders', indexName: 'by-customer', keyConditionExpression: 'c = :c' },
        resources: [
          {
            accountId: ACCOUNT,
            type: 'AWS::DynamoDB::Table',
            ARN: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
          },
        ],
      },
      {
        source: 'dynamodb.amazonaws.com',
        name: 'Scan',
        request: { tableName: 'orders', indexName: 'by-date' },
      },
      { source: 'dynamodb.amazonaws.com', name: 'Scan', request: { tableName: 'orders' } },
    ],
  },
  apigw: {
    calls: [
      { source: 'apigateway.amazonaws.com', name: 'GetRestApis', request: { limit: 25 } },
      {
        source: 'apigateway.amazonaws.com',
        name: 'CreateDeployment',
        request: { restApiId: 'abc123', stageName: 'prod' },
      },
      { source: 'sqs.amazonaws.com', name: 'ListQueues', request: {} },
    ],
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['apigateway:GET', 'apigateway:POST', 'sqs:ListQueues'], Resource: '*' },
      ],
    },
  },
  ops: {
    calls: [
      {
        source: 'ec2.amazonaws.com',
        name: 'RunInstances',
        request: {
          instancesSet: { items: [{ imageId: 'ami-1', minCount: 1, maxCount: 1 }] },
          instanceType: 't3.micro',
          iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web-profile` },
        },
      },
      {
        source: 'ec2.amazonaws.com',
        name: 'RunInstances',
        request: { instanceType: 't3.micro', iamInstanceProfile: { name: 'gone-profile' } },
      },
    ],
  },
  sfn: {
    calls: [
      {
        source: 'states.amazonaws.com',
        name: 'CreateStateMachine',
        request: { name: 'flow', roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn-exec`, type: 'STANDARD' },
      },
      {
        source: 'ecs.amazonaws.com',
        name: 'CreateService',
        request: { cluster: 'main', serviceName: 'web', role: 'ecsServiceRole', desiredCount: 1 },
      },
    ],
  },
};

/** The account's roles: the instance profile `web-profile` holds `web-role`. */
const ROLES = [
  { name: 'web-role', profiles: ['web-profile'] },
  { name: 'sfn-exec', profiles: [] },
  { name: 'ecsServiceRole', profiles: [] },
].map(({ name, profiles }) => ({
  Path: '/',
  RoleName: name,
  RoleId: `AROA${name.toUpperCase().replace(/-/g, '').padEnd(16, 'X')}`,
  Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
  CreateDate: '2020-01-01T00:00:00Z',
  AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
  RolePolicyList: [],
  AttachedManagedPolicies: [],
  InstanceProfileList: profiles.map((profile) => ({
    Path: '/',
    InstanceProfileName: profile,
    InstanceProfileId: 'AIPAFIXTURE',
    Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${profile}`,
    CreateDate: '2020-01-01T00:00:00Z',
    Roles: [],
  })),
  Tags: [],
}));

const logs = writeTrail(
  join(work, 'logs'),
  Object.entries(USERS).map(([user, { calls }]) => ({
    account: ACCOUNT,
    day: DAY,
    records: recordsOf(user, calls),
  })),
);
const iamFile = join(work, 'iam.json');
writeFileSync(
  iamFile,
  JSON.stringify({
    UserDetailList: Object.entries(USERS).map(([user, { policy }]) => ({
      Path: '/',
      UserName: user,
      UserId: `AIDA${user.toUpperCase().padEnd(16, 'X')}`,
      Arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
      CreateDate: '2020-01-01T00:00:00Z',
      UserPolicyList: [{ PolicyName: 'current', PolicyDocument: policy ?? ADMIN }],
      GroupList: [],
      AttachedManagedPolicies: [],
      Tags: [],
    })),
    GroupDetailList: [],
    RoleDetailList: ROLES,
    Policies: [],
  }),
);
const config = join(work, 'config.yaml');
writeFileSync(config, `logs: ${logs}\naccounts:\n  - name: syn\n    id: '${ACCOUNT}'\n    iam: ${iamFile}\n`);

/** `policy generate --json` for a user over the fixture's day, and its exit code. */
async function generate(
  user: string,
  flags: readonly string[] = ['--no-keep-unknown'],
): Promise<{ status: number | null; document: PolicyGenerateDocument }> {
  const run = await runCli([
    'policy',
    'generate',
    '--config',
    config,
    '--account',
    'syn',
    '--user',
    user,
    '--start',
    DAY,
    '--end',
    DAY,
    '--no-cache',
    ...flags,
    '--json',
  ]);
  return { status: run.status, document: JSON.parse(run.stdout) as PolicyGenerateDocument };
}

function statementsOf(document: PolicyGenerateDocument): GeneratedStatement[] {
  return document.policies.flatMap((policy) => [...policy.document.Statement]);
}

/** The Resource of each action of the policies (a statement per action: those of the cases are). */
function resourcesByAction(document: PolicyGenerateDocument): Record<string, unknown> {
  const byAction: Record<string, unknown> = {};
  for (const statement of statementsOf(document))
    for (const action of statement.Action ?? []) byAction[action] = statement.Resource;
  return byAction;
}

describe('policy generate: calls it cannot replay', () => {
  it('names the calls of events no IAM action is known for, in the notes and the replay, not replayed', async () => {
    // API Gateway's management calls are authorised as apigateway:GET, POST… on the resource path
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html): no action of
    // the event's name, so the mapper maps them to none.
    const { status, document } = await generate('apigw');
    // Like the calls allowed by something else: counted and named, the exit code as the replayed calls say.
    expect(status).toBe(0);
    expect(document.replay.unmapped).toEqual({
      calls: 2,
      events: [
        { event: 'apigateway:CreateDeployment', reason: 'unknown-action', calls: 1 },
        { event: 'apigateway:GetRestApis', reason: 'unknown-action', calls: 1 },
      ],
    });
    expect(document.replay.calls).toEqual({ total: 1, allowed: 1, outsideGrant: 0 });
    expect(document.notes).toContain(
      '2 successful call(s) of 2 event(s) no IAM action is known for, so the policy may lack what they need and the replay does not check them: apigateway:CreateDeployment (1), apigateway:GetRestApis (1)',
    );
  });
});

describe('policy generate: the roles calls pass', () => {
  // iam:PassRole is checked on the role passed, with iam:PassedToService the service it is passed to
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html): Step Functions'
  // state machine role, ECS's service role (for ecs.amazonaws.com), the role of an EC2 instance
  // profile (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html).
  const passRoles = (document: PolicyGenerateDocument) =>
    statementsOf(document)
      .filter((statement) => statement.Action?.includes('iam:PassRole'))
      .map((statement) => ({ resource: statement.Resource, condition: statement.Condition }));

  it("allows passing a state machine's and an ECS service's role, each to its service", async () => {
    // iam:PassRole is recorded by no event: a granted action of unknown use, kept.
    const { status, document } = await generate('sfn', ['--keep-unknown']);
    expect(status).toBe(0);
    expect(passRoles(document)).toEqual([
      {
        resource: `arn:aws:iam::${ACCOUNT}:role/ecsServiceRole`,
        condition: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } },
      },
      {
        resource: `arn:aws:iam::${ACCOUNT}:role/sfn-exec`,
        condition: { StringEquals: { 'iam:PassedToService': 'states.amazonaws.com' } },
      },
    ]);
    expect(document.replay.denied).toEqual([]);
    expect(document.replay.resourceUses).toEqual({ total: 2, allowed: 2, outsideGrant: 0 });
  });

  it("allows passing an instance profile's role to EC2, and names the profile the IAM data does not hold", async () => {
    const { status, document } = await generate('ops', ['--keep-unknown']);
    expect(status).toBe(0);
    expect(passRoles(document)).toEqual([
      {
        resource: `arn:aws:iam::${ACCOUNT}:role/web-role`,
        condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
    ]);
    const gone = `arn:aws:iam::${ACCOUNT}:instance-profile/gone-profile`;
    expect(document.replay.unresolvedRoles).toEqual([
      {
        event: 'ec2:RunInstances',
        reference: gone,
        reason: 'the IAM data holds no role in that instance profile',
        calls: 1,
      },
    ]);
    // Checked: web-role's PassRole only; the other call's role is not claimed allowed.
    expect(document.replay.resourceUses).toEqual({ total: 1, allowed: 1, outsideGrant: 0 });
    expect(document.notes).toContain(
      `ec2:RunInstances passed ${gone} to a service (1 call(s)): the IAM data holds no role in that instance profile, so the policy lacks iam:PassRole for its role and the replay does not check it`,
    );
  });
});

describe('policy generate: what calls check beyond their own action', () => {
  it('a copy of a version needs s3:GetObjectVersion on its source, a copy of the current object s3:GetObject, the destination s3:PutObject only', async () => {
    // CopyObject: s3:PutObject on the destination, s3:GetObject on the source, s3:GetObjectVersion
    // on it to copy a given version (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
    const { status, document } = await generate('copier');
    expect(status).toBe(0);
    expect(resourcesByAction(document)).toEqual({
      's3:GetObject': 'arn:aws:s3:::plain-src/in/*',
      's3:GetObjectVersion': 'arn:aws:s3:::src-bucket/in/*',
      // Two folders of one bucket: their common folder (README, "Resources").
      's3:PutObject': 'arn:aws:s3:::dst-bucket/*',
    });
    expect(document.replay.denied).toEqual([]);
  });

  it('a Query or Scan of an index is allowed on the index, a Scan of the table on the table', async () => {
    // DynamoDB authorises a read of an index on the index's ARN, table/T/index/I
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-data-crud.html).
    const { status, document } = await generate('ddb');
    expect(status).toBe(0);
    const table = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`;
    expect(resourcesByAction(document)).toEqual({
      'dynamodb:Query': `${table}/index/by-customer`,
      'dynamodb:Scan': [table, `${table}/index/by-date`],
    });
    expect(document.replay.resourceUses).toEqual({ total: 3, allowed: 3, outsideGrant: 0 });
  });
});
