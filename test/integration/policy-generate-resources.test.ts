import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createGrantView, generatePolicies } from '../../src/analysis/policy-generation.js';
import { CacheConnection } from '../../src/cache/cache-connection.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { loadActionData } from '../../src/cli/action-data.js';
import { compilePolicies } from '../../src/iam/policy-evaluator.js';
import type { ResourceUseKind } from '../../src/trail/resource-usage.js';
import { TEST_ACCOUNT, inlinePolicy, testPolicies, testRole } from '../helpers/evaluation.js';

/*
 * Scoping from the cache's `resource_usage` table (a real DuckDB cache file): rows written as the
 * engines will write them, read back with `CacheStore.resourceUsage` (one actor, the window's
 * days summed), turned into statements. The engines do not fill the table yet, so the rows are
 * inserted here directly.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-resource-usage-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const SOURCE = 'local:/logs';
const role = testRole('deployer');
const other = testRole('other');
const data = loadActionData();

describe('policy generation from resource_usage rows in the cache', () => {
  it("scopes the role's statements to what its calls named in the window, and no other actor's", async () => {
    const path = join(work, 'cache.duckdb');
    const connection = await CacheConnection.open(path);
    const row = (
      day: string,
      actor: string,
      eventSource: string,
      eventName: string,
      kind: ResourceUseKind,
      resource: string,
    ) => ({
      source: SOURCE,
      account_id: TEST_ACCOUNT,
      day,
      actor_arn: actor,
      event_source: eventSource,
      event_name: eventName,
      kind,
      resource,
      calls: 2,
    });
    const lambdaRole = `arn:aws:iam::${TEST_ACCOUNT}:role/fn-exec`;
    const queue = `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:jobs`;
    try {
      await connection.db
        .insertInto('resource_usage')
        .values([
          row(
            '2026-10-02',
            role.arn,
            's3.amazonaws.com',
            'PutObject',
            'target',
            'arn:aws:s3:::artifacts/builds/2026/10/*',
          ),
          row(
            '2026-10-03',
            role.arn,
            's3.amazonaws.com',
            'PutObject',
            'target',
            'arn:aws:s3:::artifacts/builds/2025/*',
          ),
          row('2026-10-03', role.arn, 'sqs.amazonaws.com', 'SendMessage', 'target', queue),
          row(
            '2026-10-04',
            role.arn,
            'lambda.amazonaws.com',
            'CreateFunction20150331',
            'passed_role',
            lambdaRole,
          ),
          // Outside the window, and another actor's: not in the policy.
          row('2026-09-30', role.arn, 'sqs.amazonaws.com', 'SendMessage', 'target', `${queue}-old`),
          row('2026-10-03', other.arn, 'sqs.amazonaws.com', 'SendMessage', 'target', `${queue}-other`),
        ])
        .execute();
    } finally {
      await connection.close();
    }

    const store = await CacheStore.open(path);
    const rows = await store
      .resourceUsage(SOURCE, { startDay: '2026-10-01', endDay: '2026-10-31' }, TEST_ACCOUNT, role.arn)
      .finally(() => store.close());
    expect(rows).toHaveLength(4);

    const policies = testPolicies(role, [
      inlinePolicy('deploy', {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:PutObject', 'sqs:SendMessage', 'lambda:CreateFunction', 'iam:PassRole'],
            Resource: '*',
          },
        ],
      }),
    ]);
    const result = generatePolicies({
      used: ['s3:PutObject', 'sqs:SendMessage', 'lambda:CreateFunction'],
      unknown: [],
      resourceRows: rows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
      catalog: data.catalog,
      grant: createGrantView(policies, compilePolicies(policies)),
      resources: 'scoped',
      name: 'iamtrail-role-deployer',
    });
    expect(result.policies.map((policy) => policy.document.Statement)).toEqual([
      [
        {
          Sid: 'IamScoped',
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: lambdaRole,
          Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        },
        { Sid: 'LambdaAll', Effect: 'Allow', Action: ['lambda:CreateFunction'], Resource: '*' },
        {
          Sid: 'S3Scoped',
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: 'arn:aws:s3:::artifacts/builds/*',
        },
        { Sid: 'SqsScoped', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: queue },
      ],
    ]);
  });
});
