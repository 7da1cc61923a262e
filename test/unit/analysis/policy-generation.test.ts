import { describe, expect, it } from 'vitest';

import { expandActionPattern } from '../../../src/actions/action-pattern.js';
import {
  createGrantView,
  dependencyOnlyActions,
  documentSize,
  fitPolicies,
  generatePolicies,
  grantEvidenced,
  mergeWildcards,
} from '../../../src/analysis/policy-generation.js';
import type { GeneratedStatement, GenerationInput } from '../../../src/analysis/policy-generation.js';
import {
  compileGenerated,
  generatedAllowPatterns,
  replayCalls,
} from '../../../src/analysis/policy-replay.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { compilePolicies } from '../../../src/iam/policy-evaluator.js';
import type { ActivityRow } from '../../../src/trail/activity-summary.js';
import type { ResourceUsageRow } from '../../../src/trail/resource-usage.js';
import { TEST_ACCOUNT, inlinePolicy, testPolicies, testUser } from '../../helpers/evaluation.js';

const data = loadActionData();
const user = testUser('dev');

/** The grant of a user whose one inline policy has these statements. */
function grantOf(statements: readonly Record<string, unknown>[]) {
  const policies = testPolicies(user, [
    inlinePolicy('current', { Version: '2012-10-17', Statement: statements }),
  ]);
  const evaluate = compilePolicies(policies);
  return { policies, evaluate, view: createGrantView(policies, evaluate) };
}

describe('a grant view of policies some of which the IAM data lacks', () => {
  it('allows what the policies read allow: the missing ones add no Allow', () => {
    const policies = {
      ...testPolicies(user, [
        inlinePolicy('current', {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::app/*' }],
        }),
      ]),
      incomplete: [`arn:aws:iam::${TEST_ACCOUNT}:policy/NotInTheFile`],
    };
    const result = generate({
      grant: createGrantView(policies, compilePolicies({ ...policies, incomplete: [] })),
      used: ['s3:GetObject'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::app/report.csv')],
    });
    expect(result.actions.map((entry) => entry.action)).toEqual(['s3:GetObject']);
    expect(result.dropped).toEqual([]);
    expect(JSON.stringify(result.policies)).toContain('arn:aws:s3:::app/');
  });
});

function resourceRow(
  eventSource: string,
  eventName: string,
  resource: string,
  kind: ResourceUsageRow['kind'] = 'target',
  calls = 1,
): ResourceUsageRow {
  return {
    accountId: TEST_ACCOUNT,
    day: '2026-10-20',
    actorArn: user.arn,
    eventSource,
    eventName,
    kind,
    resource,
    calls,
  };
}

function activityRow(eventSource: string, eventName: string, calls: number, outcome = 'ok'): ActivityRow {
  return {
    accountId: TEST_ACCOUNT,
    day: '2026-10-20',
    actorArn: user.arn,
    actorType: 'IAMUser',
    callerArn: null,
    viaArn: null,
    eventSource,
    eventName,
    outcome,
    calls,
    firstSeen: '2026-10-20T10:00:00Z',
    lastSeen: '2026-10-20T11:00:00Z',
  } as ActivityRow;
}

function generate(overrides: Partial<GenerationInput> & Pick<GenerationInput, 'grant'>) {
  return generatePolicies({
    used: [],
    unknown: [],
    resourceRows: [],
    mapper: data.mapper,
    resourceTypes: data.resourceTypes,
    catalog: data.catalog,
    resources: 'scoped',
    name: 'iamtrail-user-dev',
    ...overrides,
  });
}

function statementsOf(result: ReturnType<typeof generate>): GeneratedStatement[] {
  return result.policies.flatMap((policy) => [...policy.document.Statement]);
}

describe('generatePolicies: resources and the grant', () => {
  const grant = grantOf([
    { Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::app-*', 'arn:aws:s3:::app-*/*'] },
    {
      Effect: 'Allow',
      Action: ['sts:GetCallerIdentity', 'iam:PassRole', 'lambda:CreateFunction'],
      Resource: '*',
    },
  ]);

  it('scopes S3 objects to the common folder the grant allows, and an action with no resource seen to the grant', () => {
    const result = generate({
      grant: grant.view,
      used: ['s3:GetObject', 's3:ListBucket', 'sts:GetCallerIdentity'],
      resourceRows: [
        resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::app-data/reports/2026/10/*'),
        resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::app-data/reports/2025/*'),
      ],
    });
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'S3Scoped1',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: ['arn:aws:s3:::app-*', 'arn:aws:s3:::app-*/*'],
      },
      {
        Sid: 'S3Scoped2',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::app-data/reports/*',
      },
      { Sid: 'StsAll', Effect: 'Allow', Action: ['sts:GetCallerIdentity'], Resource: '*' },
    ]);
    expect(result.actions.find((entry) => entry.action === 's3:ListBucket')?.narrowedToGrant).toBe(true);
    expect(result.actions.find((entry) => entry.action === 's3:GetObject')?.narrowedToGrant).toBe(false);
  });

  it('leaves out a resource the grant does not allow, and an action left with none', () => {
    const result = generate({
      grant: grant.view,
      used: ['s3:PutObject'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'PutObject', 'arn:aws:s3:::partner-bucket/in/*')],
    });
    expect(result.policies.flatMap((policy) => policy.document.Statement)).toEqual([]);
    expect(result.dropped).toEqual([
      { action: 's3:PutObject', reason: 'the current policies allow it on none of the resources seen' },
    ]);
    expect(result.ungrantedResources).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::partner-bucket/in/*' },
    ]);
  });

  it('takes the seen resources one by one when their common prefix is broader than the grant', () => {
    const narrow = grantOf([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: ['arn:aws:dynamodb:us-east-1:111122223333:table/app-*'],
      },
    ]);
    const tables = ['app-a', 'app-b', 'app-c'].map(
      (name) => `arn:aws:dynamodb:us-east-1:111122223333:table/${name}`,
    );
    const result = generate({
      grant: narrow.view,
      used: ['dynamodb:GetItem'],
      exactLimit: 2,
      resourceRows: tables.map((table) => resourceRow('dynamodb.amazonaws.com', 'GetItem', table)),
    });
    // Generalised to `…:table/*` (3 > 2), which the grant (`table/app-*`) does not allow: the tables themselves.
    expect(statementsOf(result)).toEqual([
      { Sid: 'DynamodbScoped', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: tables },
    ]);
  });

  it('gives iam:PassRole on the passed role with iam:PassedToService, and s3:GetObject on a copy source', () => {
    const role = `arn:aws:iam::${TEST_ACCOUNT}:role/lambda-exec`;
    const result = generate({
      grant: grant.view,
      used: ['lambda:CreateFunction', 's3:PutObject'],
      resourceRows: [
        resourceRow('lambda.amazonaws.com', 'CreateFunction20150331', role, 'passed_role'),
        resourceRow('s3.amazonaws.com', 'CopyObject', 'arn:aws:s3:::app-in/raw/*', 'copy_source'),
        resourceRow('s3.amazonaws.com', 'CopyObject', 'arn:aws:s3:::app-out/cooked/*'),
      ],
    });
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'IamScoped',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: role,
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      },
      { Sid: 'LambdaAll', Effect: 'Allow', Action: ['lambda:CreateFunction'], Resource: '*' },
      { Sid: 'S3Scoped1', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::app-in/raw/*' },
      {
        Sid: 'S3Scoped2',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: 'arn:aws:s3:::app-out/cooked/*',
      },
    ]);
  });

  it('keeps a grant pattern with a policy variable as written, and scopes a seen resource within it', () => {
    const home = grantOf([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: 'arn:aws:s3:::home/${aws:username}/*',
      },
    ]);
    const result = generate({
      grant: home.view,
      used: ['s3:GetObject', 's3:PutObject'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'PutObject', 'arn:aws:s3:::home/dev/drafts/*')],
    });
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'S3Scoped1',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::home/${aws:username}/*',
      },
      {
        Sid: 'S3Scoped2',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: 'arn:aws:s3:::home/dev/drafts/*',
      },
    ]);
  });

  it('keeps * for an action the grant allows everywhere but where a Deny names some resources, and copies the Deny', () => {
    const withDeny = grantOf([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::prod-*/*' },
      { Effect: 'Deny', Action: 'ec2:*', Resource: '*' },
    ]);
    const result = generate({ grant: withDeny.view, used: ['s3:DeleteObject'] });
    // The Deny on s3:DeleteObject as written; the one on ec2:* concerns no generated action.
    expect(statementsOf(result)).toEqual([
      { Sid: 'S3All', Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: '*' },
      { Sid: 'Deny', Effect: 'Deny', Action: ['s3:DeleteObject'], Resource: 'arn:aws:s3:::prod-*/*' },
    ]);
    const evaluate = compileGenerated(result.policies, user, TEST_ACCOUNT);
    const decide = (resource: string): string =>
      evaluate({ action: 's3:DeleteObject', resource, context: [] }).decision;
    expect(decide('arn:aws:s3:::prod-a/key')).toBe('explicitDeny');
    expect(decide('arn:aws:s3:::dev-a/key')).toBe('allowed');
  });

  it('--resources star: no resource from the logs, still within the grant', () => {
    const result = generate({
      grant: grant.view,
      used: ['s3:GetObject', 'sts:GetCallerIdentity'],
      resources: 'star',
      resourceRows: [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::app-data/x/*')],
    });
    expect(statementsOf(result).map((statement) => statement.Resource)).toEqual([
      ['arn:aws:s3:::app-*', 'arn:aws:s3:::app-*/*'],
      '*',
    ]);
  });

  it('the replay allows every observed call and resource use of the generated policy', () => {
    const rows = [
      resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::app-data/reports/2026/*', 'target', 4),
    ];
    const result = generate({
      grant: grant.view,
      used: ['s3:GetObject', 'sts:GetCallerIdentity'],
      resourceRows: rows,
    });
    const replay = replayCalls({
      generated: compileGenerated(result.policies, user, TEST_ACCOUNT),
      current: grant.evaluate,
      activity: [
        activityRow('s3.amazonaws.com', 'GetObject', 4),
        activityRow('sts.amazonaws.com', 'GetCallerIdentity', 2),
        activityRow('s3.amazonaws.com', 'GetObject', 9, 'denied'),
      ],
      resourceRows: rows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
    });
    expect(replay).toEqual({
      calls: { total: 4, allowed: 4, outsideGrant: 0 },
      resourceUses: { total: 4, allowed: 4, outsideGrant: 0 },
      denied: [],
      outsideGrant: [],
      conditional: [],
      unmapped: { calls: 0, events: [] },
      unresolvedRoles: [],
    });
  });
});

describe('generatePolicies: resources of the types an action is authorised on', () => {
  const admin = grantOf([{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  // Eleven buckets: more than the 10 resources listed exactly. An S3 data event lists the bucket
  // besides the object (GetObject: AWS::S3::Object and AWS::S3::Bucket), so both are resource rows.
  const buckets = Array.from({ length: 11 }, (_, index) => `bucket-${String.fromCharCode(97 + index)}`);
  const rows = buckets.flatMap((bucket) => [
    resourceRow('s3.amazonaws.com', 'GetObject', `arn:aws:s3:::${bucket}/data/*`),
    resourceRow('s3.amazonaws.com', 'GetObject', `arn:aws:s3:::${bucket}`),
    resourceRow('s3.amazonaws.com', 'ListObjects', `arn:aws:s3:::${bucket}`),
  ]);
  const result = generate({ grant: admin.view, used: ['s3:GetObject', 's3:ListBucket'], resourceRows: rows });
  const evaluate = compileGenerated(result.policies, user, TEST_ACCOUNT);
  const decide = (action: string, resource: string): string =>
    evaluate({ action, resource, context: [] }).decision;

  it('gives s3:GetObject the objects only: no object of a bucket not seen is allowed', () => {
    // S3 authorises GetObject on the object's ARN (Service Authorization Reference: resource type
    // `object`), ListBucket on the bucket's (`bucket`).
    const resources = (action: string) =>
      statementsOf(result).find((statement) => statement.Action?.includes(action))?.Resource;
    expect(resources('s3:GetObject')).toEqual(buckets.map((bucket) => `arn:aws:s3:::${bucket}/data/*`));
    expect(resources('s3:ListBucket')).toEqual(buckets.map((bucket) => `arn:aws:s3:::${bucket}`));
    expect(decide('s3:GetObject', 'arn:aws:s3:::bucket-a/data/report.csv')).toBe('allowed');
    expect(decide('s3:GetObject', 'arn:aws:s3:::payroll/2026/salaries.csv')).toBe('implicitDeny');
    expect(decide('s3:GetObject', 'arn:aws:s3:::bucket-a/secret/key')).toBe('implicitDeny');
    expect(decide('s3:ListBucket', 'arn:aws:s3:::payroll')).toBe('implicitDeny');
  });

  it('the replay checks each resource row for the actions authorised on its type, and allows them all', () => {
    const replay = replayCalls({
      generated: evaluate,
      current: admin.evaluate,
      activity: [
        activityRow('s3.amazonaws.com', 'GetObject', 11),
        activityRow('s3.amazonaws.com', 'ListObjects', 11),
      ],
      resourceRows: rows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
    });
    expect(replay.denied).toEqual([]);
    // 11 object folders for GetObject, 11 buckets for ListBucket: not the buckets for GetObject.
    expect(replay.resourceUses).toEqual({ total: 22, allowed: 22, outsideGrant: 0 });
  });

  it('keeps a resource whose type a format cannot tell: a Lambda alias for lambda:InvokeFunction', () => {
    // The reference names `function` for InvokeFunction; the call is authorised on the alias's ARN
    // (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
    const alias = `arn:aws:lambda:us-east-1:${TEST_ACCOUNT}:function:worker:live`;
    const invoked = generate({
      grant: admin.view,
      used: ['lambda:InvokeFunction'],
      resourceRows: [resourceRow('lambda.amazonaws.com', 'Invoke', alias)],
    });
    expect(statementsOf(invoked)).toEqual([
      { Sid: 'LambdaScoped', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: alias },
    ]);
  });

  it('an action IAM authorises on * only gets *, whatever resource its calls named', () => {
    const listed = generate({
      grant: admin.view,
      used: ['s3:ListAllMyBuckets'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'ListBuckets', 'arn:aws:s3:::bucket-a')],
    });
    expect(statementsOf(listed)).toEqual([
      { Sid: 'S3All', Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: '*' },
    ]);
  });
});

describe('generatePolicies: S3 keys with the characters of the policy grammar', () => {
  const admin = grantOf([{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  // Keys `we*rd/file.txt`, `q?/a.txt`, `${aws:username}/f.txt`, `cost$/x` as their folder rows.
  const rows = [
    'arn:aws:s3:::b-star/we*rd/*',
    'arn:aws:s3:::b-q/q?/*',
    'arn:aws:s3:::b-var/${aws:username}/*',
    'arn:aws:s3:::b-dollar/cost$/*',
  ].map((resource) => resourceRow('s3.amazonaws.com', 'GetObject', resource));
  const result = generate({ grant: admin.view, used: ['s3:GetObject'], resourceRows: rows });
  const evaluate = compileGenerated(result.policies, user, TEST_ACCOUNT);
  const decide = (resource: string): string =>
    evaluate({ action: 's3:GetObject', resource, context: [] }).decision;

  it('writes their *, ? and $ as IAM writes them literally: no wildcard, no policy variable', () => {
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'S3Scoped',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [
          'arn:aws:s3:::b-dollar/cost${$}/*',
          'arn:aws:s3:::b-q/q${?}/*',
          'arn:aws:s3:::b-star/we${*}rd/*',
          'arn:aws:s3:::b-var/${$}{aws:username}/*',
        ],
      },
    ]);
    expect(decide('arn:aws:s3:::b-star/we*rd/file.txt')).toBe('allowed');
    expect(decide('arn:aws:s3:::b-star/weird-and-more-rd/file.txt')).toBe('implicitDeny');
    expect(decide('arn:aws:s3:::b-q/qx/a.txt')).toBe('implicitDeny');
    expect(decide('arn:aws:s3:::b-var/${aws:username}/f.txt')).toBe('allowed');
    // The user is `dev`: as a variable, the pattern would have allowed dev's folder.
    expect(decide('arn:aws:s3:::b-var/dev/f.txt')).toBe('implicitDeny');
  });

  it('the replay allows each of their calls', () => {
    const replay = replayCalls({
      generated: evaluate,
      current: admin.evaluate,
      activity: [activityRow('s3.amazonaws.com', 'GetObject', 4)],
      resourceRows: rows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
    });
    expect(replay.denied).toEqual([]);
    expect(replay.resourceUses).toEqual({ total: 4, allowed: 4, outsideGrant: 0 });
  });

  it('a grant narrower than the folder: the grant decides on the key as written', () => {
    const narrow = grantOf([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-star/we*' },
    ]);
    const scoped = generate({ grant: narrow.view, used: ['s3:GetObject'], resourceRows: rows.slice(0, 1) });
    expect(statementsOf(scoped).map((statement) => statement.Resource)).toEqual([
      'arn:aws:s3:::b-star/we${*}rd/*',
    ]);
  });
});

describe('replayCalls: calls of events no IAM action is known for', () => {
  it('counts and names them apart, not replayed (API Gateway management calls have no action of their name)', () => {
    const current = grantOf([
      { Effect: 'Allow', Action: ['apigateway:GET', 'sqs:ListQueues'], Resource: '*' },
    ]);
    const replay = replayCalls({
      generated: compileGenerated([], user, TEST_ACCOUNT),
      current: current.evaluate,
      activity: [
        activityRow('apigateway.amazonaws.com', 'GetRestApis', 2),
        activityRow('apigateway.amazonaws.com', 'CreateDeployment', 1),
        activityRow('apigateway.amazonaws.com', 'GetRestApis', 5, 'denied'),
      ],
      resourceRows: [],
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
    });
    expect(replay.unmapped).toEqual({
      calls: 3,
      events: [
        { event: 'apigateway:CreateDeployment', reason: 'unknown-action', calls: 1 },
        { event: 'apigateway:GetRestApis', reason: 'unknown-action', calls: 2 },
      ],
    });
    expect(replay.calls).toEqual({ total: 0, allowed: 0, outsideGrant: 0 });
    expect(replay.denied).toEqual([]);
  });
});

describe('replayCalls: a grant resting on a policy variable or a condition the logs do not settle', () => {
  // The user's home folder by ${aws:username}, and the listing of it under an s3:prefix condition
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_home-directory-console.html).
  const home = grantOf([
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home-bucket/home/${aws:username}/*' },
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::home-bucket',
      Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*', 'home/${aws:username}/'] } },
    },
  ]);
  // dev's GetObject of home/dev/notes.txt (its row: the key's top folder) and ListObjects of home/dev/.
  const rows = [
    resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::home-bucket/home/*'),
    resourceRow('s3.amazonaws.com', 'ListObjects', 'arn:aws:s3:::home-bucket'),
  ];
  const result = generate({ grant: home.view, used: ['s3:GetObject', 's3:ListBucket'], resourceRows: rows });
  const replay = replayCalls({
    generated: compileGenerated(result.policies, user, TEST_ACCOUNT),
    current: home.evaluate,
    activity: [
      activityRow('s3.amazonaws.com', 'GetObject', 1),
      activityRow('s3.amazonaws.com', 'ListObjects', 1),
    ],
    resourceRows: rows,
    mapper: data.mapper,
    resourceTypes: data.resourceTypes,
    patterns: {
      generated: generatedAllowPatterns(result.policies),
      current: home.view.allowPatterns,
      resolve: home.view.resolve,
    },
  });

  it('allows a folder row under which the variable resolves for the principal: not "allowed by something else"', () => {
    expect(replay.resourceUses).toEqual({ total: 1, allowed: 1, outsideGrant: 0 });
    expect(replay.outsideGrant).toEqual([]);
  });

  it('counts apart a use both the current and the generated policies leave to s3:prefix', () => {
    expect(replay.conditional).toEqual([
      {
        kind: 'resource',
        event: 's3:ListObjects',
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::home-bucket',
        calls: 1,
      },
    ]);
    expect(replay.denied).toEqual([]);
  });
});

describe('dependencyOnlyActions', () => {
  // CopyObject checks s3:GetObject (or s3:GetObjectVersion for a version) on its source, which
  // the source's row names; GetObject's own s3:GetObjectVersion is on its own target.
  it.each([
    [[activityRow('s3.amazonaws.com', 'CopyObject', 1)], ['s3:GetObject', 's3:GetObjectVersion']],
    [[activityRow('s3.amazonaws.com', 'CopyObject', 1), activityRow('s3.amazonaws.com', 'GetObject', 1)], []],
    [[activityRow('s3.amazonaws.com', 'CopyObject', 1, 'denied')], []],
  ])('%#', (activity, expected) => {
    expect([...dependencyOnlyActions(activity, data.mapper)].sort()).toEqual(expected);
  });
});

describe('replayCalls', () => {
  const current = grantOf([{ Effect: 'Allow', Action: ['s3:*', 'iam:PassRole'], Resource: '*' }]);
  const narrowed = [
    {
      name: 'narrowed',
      size: 0,
      document: {
        Version: '2012-10-17' as const,
        Statement: [
          {
            Sid: 'S3',
            Effect: 'Allow' as const,
            Action: ['s3:GetObject'],
            Resource: 'arn:aws:s3:::b/allowed/*',
          },
          {
            Sid: 'Pass',
            Effect: 'Allow' as const,
            Action: ['iam:PassRole'],
            Resource: '*',
            Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
          },
        ],
      },
    },
  ];

  it('lists what a deliberately narrowed policy denies, and counts apart what the grant does not allow either', () => {
    const role = `arn:aws:iam::${TEST_ACCOUNT}:role/exec`;
    const replay = replayCalls({
      generated: compileGenerated(narrowed, user, TEST_ACCOUNT),
      current: current.evaluate,
      activity: [
        activityRow('s3.amazonaws.com', 'GetObject', 5),
        activityRow('dynamodb.amazonaws.com', 'GetItem', 3),
      ],
      resourceRows: [
        resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::b/allowed/*', 'target', 2),
        resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::b/other/*', 'target', 3),
        resourceRow('ec2.amazonaws.com', 'RunInstances', role, 'passed_role', 1),
        resourceRow('lambda.amazonaws.com', 'CreateFunction20150331', role, 'passed_role', 1),
      ],
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
    });
    expect(replay.calls).toEqual({ total: 5, allowed: 5, outsideGrant: 3 });
    expect(replay.resourceUses).toEqual({ total: 7, allowed: 3, outsideGrant: 0 });
    expect(replay.denied).toEqual([
      {
        kind: 'resource',
        event: 'ec2:RunInstances',
        action: 'iam:PassRole',
        resource: role,
        passedToService: 'ec2.amazonaws.com',
        calls: 1,
      },
      {
        kind: 'resource',
        event: 's3:GetObject',
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/other/*',
        calls: 3,
      },
    ]);
    expect(replay.outsideGrant).toEqual([
      { kind: 'call', event: 'dynamodb:GetItem', action: 'dynamodb:GetItem', resource: '*', calls: 3 },
    ]);
  });
});

describe('mergeWildcards (the real catalog)', () => {
  /** Every catalog action a pattern matches, lower case. */
  const expansion = (pattern: string): string[] => {
    const expanded = expandActionPattern(data.catalog, pattern);
    return expanded.kind === 'matched' ? expanded.actions.map((action) => action.name.toLowerCase()) : [];
  };

  it('a whole service becomes svc:*; with one action missing, no pattern matches that action', () => {
    const sqs = data.catalog.actionsOf('sqs').map((action) => action.name);
    expect(mergeWildcards(sqs, data.catalog)).toEqual(['sqs:*']);
    const [missing = '', ...rest] = sqs;
    const merged = mergeWildcards(rest, data.catalog);
    expect(merged.length).toBeLessThan(rest.length);
    expect(merged.flatMap(expansion)).not.toContain(missing.toLowerCase());
  });

  it('every pattern expands only to given actions, and every given action is matched', () => {
    // ec2 without every seventh action: some runs of a prefix are whole, others not.
    const given = data.catalog
      .actionsOf('ec2')
      .map((action) => action.name)
      .filter((_, index) => index % 7 !== 0);
    const merged = mergeWildcards(given, data.catalog);
    const givenSet = new Set(given.map((action) => action.toLowerCase()));
    for (const pattern of merged)
      for (const action of expansion(pattern)) expect(givenSet.has(action)).toBe(true);
    const matched = new Set(merged.flatMap(expansion));
    for (const action of givenSet) expect(matched.has(action)).toBe(true);
    expect(merged.some((pattern) => pattern.endsWith('*'))).toBe(true);
  });

  it('merges the Get actions of a service when they are all given', () => {
    const gets = data.catalog
      .actionsOf('sqs')
      .map((action) => action.name)
      .filter((name) => name.startsWith('sqs:Get'));
    expect(gets.length).toBeGreaterThan(1);
    // sqs's Get actions are GetQueueAttributes and GetQueueUrl: the wildcard is as long as they share.
    expect(gets).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl']);
    expect(mergeWildcards([...gets, 'sqs:SendMessage'], data.catalog)).toEqual([
      'sqs:GetQueue*',
      'sqs:SendMessage',
    ]);
  });
});

describe('fitPolicies', () => {
  it('splits into policies each within 6,144 characters, allowing exactly the actions given', () => {
    // Every third action of a few large services, each service a statement on `*`: well over the
    // limit, and wildcards cannot shorten it much.
    const services = ['ec2', 'iam', 's3', 'glue', 'sagemaker'];
    const statements: GeneratedStatement[] = services.map((service) => ({
      Sid: service,
      Effect: 'Allow',
      Action: data.catalog
        .actionsOf(service)
        .map((action) => action.name)
        .filter((_, index) => index % 3 === 0),
      Resource: '*',
    }));
    const given = new Set(
      statements.flatMap((statement) => (statement.Action ?? []).map((action) => action.toLowerCase())),
    );
    const fitted = fitPolicies(statements, data.catalog, 'big');
    expect(fitted.policies.length).toBeGreaterThan(1);
    expect(fitted.policies.map((policy) => policy.name)).toEqual(
      fitted.policies.map((_, index) => `big-${index + 1}`),
    );
    for (const policy of fitted.policies) {
      expect(policy.size).toBeLessThanOrEqual(6144);
      expect(policy.size).toBe(documentSize(policy.document));
    }
    const evaluate = compileGenerated(fitted.policies, user, TEST_ACCOUNT);
    for (const service of services)
      for (const action of data.catalog.actionsOf(service))
        expect(evaluate({ action: action.name, resource: '*', context: [] }).decision).toBe(
          given.has(action.name.toLowerCase()) ? 'allowed' : 'implicitDeny',
        );
  });

  it('over the limit, merges wildcards first: one policy when they make it fit, allowing exactly the actions given', () => {
    const actions = data.catalog
      .actionsOf('glue')
      .map((action) => action.name)
      .filter((_, index) => index % 20 !== 0);
    const statements: GeneratedStatement[] = [
      { Sid: 'GlueAll', Effect: 'Allow', Action: actions, Resource: '*' },
    ];
    expect(documentSize({ Version: '2012-10-17', Statement: statements })).toBeGreaterThan(6144);
    const fitted = fitPolicies(statements, data.catalog, 'glue');
    expect(fitted.policies.map((policy) => policy.name)).toEqual(['glue']);
    expect(fitted.policies[0]?.size).toBeLessThanOrEqual(6144);
    expect(fitted.wildcards.length).toBeGreaterThan(0);
    const given = new Set(actions.map((action) => action.toLowerCase()));
    const evaluate = compileGenerated(fitted.policies, user, TEST_ACCOUNT);
    for (const action of data.catalog.actionsOf('glue'))
      expect(evaluate({ action: action.name, resource: '*', context: [] }).decision).toBe(
        given.has(action.name.toLowerCase()) ? 'allowed' : 'implicitDeny',
      );
  });

  it('a document within the limit is left as it is', () => {
    const statements: GeneratedStatement[] = [
      {
        Sid: 'SqsAll',
        Effect: 'Allow',
        Action: data.catalog.actionsOf('sqs').map((action) => action.name),
        Resource: '*',
      },
    ];
    const fitted = fitPolicies(statements, data.catalog, 'small');
    expect(fitted.policies).toHaveLength(1);
    expect(fitted.policies[0]?.document.Statement).toEqual(statements);
    expect(fitted.wildcards).toEqual([]);
  });
});

describe('generatePolicies: never broader than the grant (review findings)', () => {
  const decisionOf = (
    result: ReturnType<typeof generate>,
    action: string,
    resource: string,
    context: readonly { key: string; values: string[]; type: 'string' | 'ip' }[] = [],
  ): string => compileGenerated(result.policies, user, TEST_ACCOUNT)({ action, resource, context }).decision;

  it('copies a Deny with its Condition (and NotAction) as written; a Deny on no generated action is not copied', () => {
    const regionLocked = grantOf([
      { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
      {
        Effect: 'Deny',
        NotAction: ['iam:*', 'sts:*'],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      },
      { Effect: 'Deny', Action: 's3:*', Resource: '*' },
    ]);
    const result = generate({ grant: regionLocked.view, used: ['ec2:RunInstances'] });
    expect(statementsOf(result)).toEqual([
      { Sid: 'Ec2All', Effect: 'Allow', Action: ['ec2:RunInstances'], Resource: '*' },
      {
        Sid: 'Deny',
        Effect: 'Deny',
        NotAction: ['iam:*', 'sts:*'],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      },
    ]);
    const region = (value: string) => [
      { key: 'aws:RequestedRegion', values: [value], type: 'string' as const },
    ];
    expect(decisionOf(result, 'ec2:RunInstances', '*', region('eu-west-1'))).toBe('allowed');
    expect(decisionOf(result, 'ec2:RunInstances', '*', region('us-east-1'))).toBe('explicitDeny');
  });

  it("an Allow's NotResource naming a variable the principal has no value of is not relied on", () => {
    // dev has no team tag: AWS may take the statement as invalid, and the evaluator says
    // inconclusive for any object; the generated policy must not allow one for certain through it.
    const untagged = grantOf([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        NotResource: 'arn:aws:s3:::team/${aws:PrincipalTag/team}/*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
      { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::a/*' },
    ]);
    const office = [{ key: 'aws:SourceIp', values: ['10.1.2.3'], type: 'ip' as const }];
    expect(
      untagged.evaluate({ action: 's3:GetObject', resource: 'arn:aws:s3:::secret/k', context: office })
        .decision,
    ).toBe('inconclusive');
    const result = generate({
      grant: untagged.view,
      used: ['s3:GetObject'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::secret/k')],
    });
    expect(decisionOf(result, 's3:GetObject', 'arn:aws:s3:::secret/k', office)).not.toBe('allowed');
  });

  it('a Deny covering the whole pattern: the action is left out', () => {
    const home = grantOf([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' },
      { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/dev/*' },
    ]);
    const result = generate({ grant: home.view, used: ['s3:GetObject'] });
    expect(statementsOf(result)).toEqual([]);
    expect(result.dropped.map((entry) => entry.action)).toEqual(['s3:GetObject']);
  });

  it('carries the Condition of an Allow granted only under it; one statement per condition', () => {
    const conditional = grantOf([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::a/*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' },
    ]);
    const result = generate({
      grant: conditional.view,
      used: ['s3:GetObject', 'sqs:SendMessage'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::a/x/*')],
    });
    // Both Allows may apply to a/x/*: either condition grants it, so each gets its statement.
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'S3Scoped1',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::a/x/*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      {
        Sid: 'S3Scoped2',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::a/x/*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
      { Sid: 'SqsAll', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' },
    ]);
    const ip = (value: string) => [{ key: 'aws:SourceIp', values: [value], type: 'ip' as const }];
    expect(decisionOf(result, 's3:GetObject', 'arn:aws:s3:::a/x/1', ip('10.1.2.3'))).toBe('allowed');
    expect(
      decisionOf(result, 's3:GetObject', 'arn:aws:s3:::a/x/1', [
        ...ip('192.168.0.1'),
        { key: 'aws:MultiFactorAuthPresent', values: ['false'], type: 'string' },
      ]),
    ).toBe('implicitDeny');
  });

  it('a boundary pattern is never a candidate, and a variable is resolved for the principal before the check', () => {
    const policies = testPolicies(
      user,
      [
        inlinePolicy('current', {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/admin/*' },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' },
            {
              Effect: 'Allow',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::team/${aws:PrincipalTag/team}/*',
            },
          ],
        }),
      ],
      {
        boundary: inlinePolicy('boundary', {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*' }],
        }),
      },
    );
    const result = generate({ grant: createGrantView(policies), used: ['s3:GetObject', 's3:PutObject'] });
    // dev's boundary allows home/dev/* only: home/admin/* (identity) is outside it, and the
    // boundary's own pattern grants nothing; dev has no tag `team`, so the team pattern is unresolved.
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'S3Scoped',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: 'arn:aws:s3:::home/${aws:username}/*',
      },
    ]);
    expect(result.dropped).toEqual([
      { action: 's3:GetObject', reason: 'the current policies allow it on no resource' },
    ]);
    expect(result.droppedPatterns).toEqual([
      {
        action: 's3:PutObject',
        pattern: 'arn:aws:s3:::team/${aws:PrincipalTag/team}/*',
        reason: 'a policy variable in it has no known value for the principal',
      },
    ]);
    const tagged = testPolicies(testUser('dev', { team: 'red' }), [
      inlinePolicy('current', {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::team/${aws:PrincipalTag/team}/*',
          },
        ],
      }),
    ]);
    expect(statementsOf(generate({ grant: createGrantView(tagged), used: ['s3:PutObject'] }))).toEqual([
      {
        Sid: 'S3Scoped',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: 'arn:aws:s3:::team/${aws:PrincipalTag/team}/*',
      },
    ]);
  });

  it('never iam:PassRole without iam:PassedToService: dropped without a passed role, grouped by service under --resources star', () => {
    const open = grantOf([
      { Effect: 'Allow', Action: ['iam:PassRole', 'lambda:CreateFunction'], Resource: '*' },
    ]);
    const kept = generate({ grant: open.view, used: ['lambda:CreateFunction'], unknown: ['iam:PassRole'] });
    expect(statementsOf(kept)).toEqual([
      { Sid: 'LambdaAll', Effect: 'Allow', Action: ['lambda:CreateFunction'], Resource: '*' },
    ]);
    expect(kept.dropped).toHaveLength(1);
    expect(kept.dropped[0]?.action).toBe('iam:PassRole');
    expect(kept.dropped[0]?.reason).toContain('iam:PassedToService');
    const role = `arn:aws:iam::${TEST_ACCOUNT}:role/fn`;
    const star = generate({
      grant: open.view,
      used: ['lambda:CreateFunction'],
      resources: 'star',
      resourceRows: [resourceRow('lambda.amazonaws.com', 'CreateFunction20150331', role, 'passed_role')],
    });
    expect(statementsOf(star)[0]).toEqual({
      Sid: 'IamAll',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    });
  });

  it('passes the role of ecs:CreateService to ecs.amazonaws.com, of RegisterTaskDefinition to ecs-tasks.amazonaws.com', () => {
    const open = grantOf([{ Effect: 'Allow', Action: ['iam:PassRole', 'ecs:*'], Resource: '*' }]);
    const role = (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`;
    const result = generate({
      grant: open.view,
      used: ['ecs:CreateService', 'ecs:RegisterTaskDefinition'],
      resourceRows: [
        resourceRow('ecs.amazonaws.com', 'CreateService', role('svc'), 'passed_role'),
        resourceRow('ecs.amazonaws.com', 'RegisterTaskDefinition', role('task'), 'passed_role'),
      ],
    });
    expect(statementsOf(result).filter((statement) => statement.Sid.startsWith('Iam'))).toEqual([
      {
        Sid: 'IamScoped1',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: role('svc'),
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } },
      },
      {
        Sid: 'IamScoped2',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: role('task'),
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
  });

  it('a grant narrower than a seen S3 folder: its pattern under the folder, and the replay allows the folder row', () => {
    const narrow = grantOf([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/logs/2026/report-*' },
    ]);
    const rows = [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::b/logs/2026/*', 'target', 5)];
    const result = generate({ grant: narrow.view, used: ['s3:GetObject'], resourceRows: rows });
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'S3Scoped',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::b/logs/2026/report-*',
      },
    ]);
    const replay = replayCalls({
      generated: compileGenerated(result.policies, user, TEST_ACCOUNT),
      current: narrow.evaluate,
      activity: [activityRow('s3.amazonaws.com', 'GetObject', 5)],
      resourceRows: rows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
      patterns: { generated: generatedAllowPatterns(result.policies), current: narrow.view.allowPatterns },
    });
    expect(replay.resourceUses).toEqual({ total: 5, allowed: 5, outsideGrant: 0 });
    expect(replay.outsideGrant).toEqual([]);
  });

  it('replay: a folder row under an exact object grant is allowed, not outside the grant', () => {
    const exact = grantOf([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::cfg/app/config.json' },
    ]);
    const rows = [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::cfg/app/*', 'target', 5)];
    const result = generate({ grant: exact.view, used: ['s3:GetObject'], resourceRows: rows });
    expect(statementsOf(result).map((statement) => statement.Resource)).toEqual([
      'arn:aws:s3:::cfg/app/config.json',
    ]);
    const replay = replayCalls({
      generated: compileGenerated(result.policies, user, TEST_ACCOUNT),
      current: exact.evaluate,
      activity: [],
      resourceRows: rows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
      patterns: { generated: generatedAllowPatterns(result.policies), current: exact.view.allowPatterns },
    });
    expect(replay.resourceUses).toEqual({ total: 5, allowed: 5, outsideGrant: 0 });
  });

  it('an Allow with NotResource: copied for an action with no resource seen', () => {
    const notSecret = grantOf([{ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' }]);
    const result = generate({ grant: notSecret.view, used: ['s3:GetObject'] });
    expect(statementsOf(result)).toEqual([
      { Sid: 'S3Scoped', Effect: 'Allow', Action: ['s3:GetObject'], NotResource: 'arn:aws:s3:::secret/*' },
    ]);
    expect(decisionOf(result, 's3:GetObject', 'arn:aws:s3:::secret/k')).toBe('implicitDeny');
    expect(decisionOf(result, 's3:GetObject', 'arn:aws:s3:::public/k')).toBe('allowed');
  });

  it('a ? of the grant does not allow the * of a seen folder: the grant pattern instead', () => {
    const one = grantOf([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/logs/?' }]);
    const result = generate({
      grant: one.view,
      used: ['s3:GetObject'],
      resourceRows: [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::b/logs/*')],
    });
    expect(statementsOf(result).map((statement) => statement.Resource)).toEqual(['arn:aws:s3:::b/logs/?']);
    expect(decisionOf(result, 's3:GetObject', 'arn:aws:s3:::b/logs/ab')).toBe('implicitDeny');
  });

  it("a target row scopes the event's other actions too, but not one a dependent row names", () => {
    const open = grantOf([{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }]);
    const table = `arn:aws:dynamodb:us-east-1:${TEST_ACCOUNT}:table/T`;
    const mapping = data.mapper.map('dynamodb.amazonaws.com', 'TransactWriteItems');
    expect(mapping.kind === 'action' ? [...mapping.actions, ...mapping.also].sort() : []).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    const result = generate({
      grant: open.view,
      used: ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceRows: [resourceRow('dynamodb.amazonaws.com', 'TransactWriteItems', table)],
    });
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'DynamodbScoped',
        Effect: 'Allow',
        Action: [
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: table,
      },
    ]);
  });

  it('a statement alone over the limit is cut by resources: every policy within it, every resource kept', () => {
    const open = grantOf([{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }]);
    const queues = Array.from(
      { length: 9 },
      (_, index) => `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:${'q'.repeat(700)}${index}`,
    );
    const result = generate({
      grant: open.view,
      used: ['sqs:SendMessage'],
      resourceRows: queues.map((queue) => resourceRow('sqs.amazonaws.com', 'SendMessage', queue)),
    });
    // 9 queues of ~735 characters: over 6,144 in one statement.
    expect(result.sizeBefore).toBeGreaterThan(6144);
    expect(result.fits).toBe(true);
    expect(result.policies.length).toBeGreaterThan(1);
    for (const policy of result.policies) expect(policy.size).toBeLessThanOrEqual(6144);
    for (const queue of queues) expect(decisionOf(result, 'sqs:SendMessage', queue)).toBe('allowed');
    expect(decisionOf(result, 'sqs:SendMessage', `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:other`)).toBe(
      'implicitDeny',
    );
  });

  it('mergeWildcards: no wildcard for a service or actions the catalog does not know', () => {
    expect(mergeWildcards(['newsvc:GetThing', 'newsvc:PutThing'], data.catalog)).toEqual([
      'newsvc:GetThing',
      'newsvc:PutThing',
    ]);
    expect(
      mergeWildcards(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:GetQueueMadeUp'], data.catalog),
    ).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueMadeUp', 'sqs:GetQueueUrl']);
  });
});

describe('grantEvidenced', () => {
  it('a used action, or a passed role / copy source the grant allows; not a passed role it does not allow, nor a target row', () => {
    const grant = grantOf([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${TEST_ACCOUNT}:role/*`,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::src/*' },
    ]);
    const role = `arn:aws:iam::${TEST_ACCOUNT}:role/fn`;
    expect(grantEvidenced(['s3:GetObject'], [], grant.evaluate)).toBe(true);
    expect(grantEvidenced([], [], grant.evaluate)).toBe(false);
    // Passed to Lambda: the grant allows passing to EC2 only.
    expect(
      grantEvidenced(
        [],
        [resourceRow('lambda.amazonaws.com', 'CreateFunction20150331', role, 'passed_role')],
        grant.evaluate,
      ),
    ).toBe(false);
    expect(
      grantEvidenced(
        [],
        [resourceRow('ec2.amazonaws.com', 'RunInstances', role, 'passed_role')],
        grant.evaluate,
      ),
    ).toBe(true);
    expect(
      grantEvidenced(
        [],
        [resourceRow('s3.amazonaws.com', 'CopyObject', 'arn:aws:s3:::src/a/*', 'copy_source')],
        grant.evaluate,
      ),
    ).toBe(true);
    expect(
      grantEvidenced(
        [],
        [resourceRow('s3.amazonaws.com', 'GetObject', 'arn:aws:s3:::src/a/*')],
        grant.evaluate,
      ),
    ).toBe(false);
  });
});
