import { describe, expect, it } from 'vitest';

import { expandActionPattern } from '../../../src/actions/action-pattern.js';
import {
  DENIED_SOMEWHERE,
  createGrantView,
  documentSize,
  fitPolicies,
  generatePolicies,
  mergeWildcards,
} from '../../../src/analysis/policy-generation.js';
import type { GeneratedStatement, GenerationInput } from '../../../src/analysis/policy-generation.js';
import { compileGenerated, replayCalls } from '../../../src/analysis/policy-replay.js';
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

  it('keeps * for an action the grant allows everywhere but where a Deny names some resources, and says so', () => {
    const withDeny = grantOf([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::prod-*/*' },
    ]);
    const result = generate({ grant: withDeny.view, used: ['s3:DeleteObject'] });
    expect(statementsOf(result)).toEqual([
      { Sid: 'S3All', Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: '*' },
    ]);
    expect(result.actions[0]?.conditionalGrant).toEqual([DENIED_SOMEWHERE]);
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
    });
    expect(replay).toEqual({
      calls: { total: 4, allowed: 4, outsideGrant: 0 },
      resourceUses: { total: 4, allowed: 4, outsideGrant: 0 },
      denied: [],
      outsideGrant: [],
    });
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
      statements.flatMap((statement) => statement.Action.map((action) => action.toLowerCase())),
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
