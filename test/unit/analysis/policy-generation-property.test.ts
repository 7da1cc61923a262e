import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createGrantView, generatePolicies } from '../../../src/analysis/policy-generation.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { parsePolicyDocument } from '../../../src/iam/policy-document.js';
import type { ContextEntry } from '../../../src/iam/policy-evaluation.js';
import { compilePolicies } from '../../../src/iam/policy-evaluator.js';
import type { ResourceUsageRow } from '../../../src/trail/resource-usage.js';
import { TEST_ACCOUNT, inlinePolicy, testPolicies, testUser } from '../../helpers/evaluation.js';

/*
 * The rule `policy generate` keeps whatever the grant: the generated policies (attached with the
 * same boundary) allow no request the current policies do not, and every object under a folder the
 * calls were seen on that the current policies allow. Grants are drawn from S3 statements with
 * resources, NotResource, policy variables, `?`, conditions and Denies, identity and boundary;
 * requests on concrete objects under several contexts.
 */

const data = loadActionData();
const user = testUser('dev', { team: 'red' });
const ACTIONS = ['s3:GetObject', 's3:PutObject'];
const RESOURCES = [
  '*',
  'arn:aws:s3:::a/*',
  'arn:aws:s3:::a/x/*',
  'arn:aws:s3:::a/x/?',
  'arn:aws:s3:::b/logs/2026/report-*',
  'arn:aws:s3:::home/${aws:username}/*',
  'arn:aws:s3:::team/${aws:PrincipalTag/team}/*',
  'arn:aws:s3:::team/${aws:PrincipalTag/other}/*',
  'arn:aws:s3:::secret/*',
];
const CONDITIONS = [
  undefined,
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
];
const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  Action: fc.subarray(['s3:GetObject', 's3:PutObject', 's3:*'], { minLength: 1 }),
  not: fc.boolean(),
  Resource: fc.subarray(RESOURCES, { minLength: 1, maxLength: 2 }),
  Condition: fc.constantFrom(...CONDITIONS),
});
const FOLDERS = [
  'arn:aws:s3:::a/x/*',
  'arn:aws:s3:::a/y/*',
  'arn:aws:s3:::b/logs/2026/*',
  'arn:aws:s3:::home/dev/*',
  'arn:aws:s3:::team/red/*',
  'arn:aws:s3:::secret/*',
];
const PROBES = [
  'arn:aws:s3:::a/x/1',
  'arn:aws:s3:::a/x/12',
  'arn:aws:s3:::a/y/1',
  'arn:aws:s3:::a/z',
  'arn:aws:s3:::b/logs/2026/report-1',
  'arn:aws:s3:::b/logs/2026/other',
  'arn:aws:s3:::home/dev/k',
  'arn:aws:s3:::home/admin/k',
  'arn:aws:s3:::team/red/k',
  'arn:aws:s3:::team/blue/k',
  'arn:aws:s3:::secret/k',
  'arn:aws:s3:::c/k',
];
/** Objects the calls under the seen folders may have read. */
const OBJECTS = [
  'arn:aws:s3:::a/x/1',
  'arn:aws:s3:::a/x/12',
  'arn:aws:s3:::a/y/1',
  'arn:aws:s3:::b/logs/2026/report-1',
  'arn:aws:s3:::home/dev/k',
  'arn:aws:s3:::team/red/k',
  'arn:aws:s3:::secret/k',
];
const CONTEXTS: ContextEntry[][] = [
  [],
  [{ key: 'aws:SourceIp', values: ['10.1.2.3'], type: 'ip' }],
  [{ key: 'aws:SourceIp', values: ['192.168.0.1'], type: 'ip' }],
  [
    { key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' },
    { key: 'aws:SourceIp', values: ['192.168.0.1'], type: 'ip' },
  ],
];

function documentOf(statements: readonly Record<string, unknown>[]) {
  return { Version: '2012-10-17', Statement: statements };
}

describe('generatePolicies (property)', () => {
  it('never allows what the current policies do not, and allows what they allow under a seen folder', () => {
    fc.assert(
      fc.property(
        fc.array(statement, { minLength: 1, maxLength: 4 }),
        fc.option(fc.array(statement, { minLength: 1, maxLength: 2 }), { nil: undefined }),
        fc.subarray(FOLDERS),
        fc.constantFrom('scoped' as const, 'star' as const),
        (identity, boundary, folders, resources) => {
          const json = (list: typeof identity) =>
            documentOf(
              list.map(({ not, Resource, Condition, ...rest }) => ({
                ...rest,
                [not ? 'NotResource' : 'Resource']: Resource,
                ...(Condition === undefined ? {} : { Condition }),
              })),
            );
          const boundaryPolicy =
            boundary === undefined ? undefined : inlinePolicy('boundary', json(boundary));
          const policies = testPolicies(user, [inlinePolicy('current', json(identity))], {
            ...(boundaryPolicy === undefined ? {} : { boundary: boundaryPolicy }),
          });
          const current = compilePolicies(policies);
          const rows: ResourceUsageRow[] = folders.map((resource) => ({
            accountId: TEST_ACCOUNT,
            day: '2026-10-20',
            actorArn: user.arn,
            eventSource: 's3.amazonaws.com',
            eventName: 'GetObject',
            kind: 'target',
            resource,
            calls: 1,
          }));
          const result = generatePolicies({
            used: ACTIONS,
            unknown: [],
            resourceRows: rows,
            mapper: data.mapper,
            resourceTypes: data.resourceTypes,
            catalog: data.catalog,
            grant: createGrantView(policies, current),
            resources,
            name: 'p',
          });
          const generated = compilePolicies({
            ...policies,
            identity: result.policies.map((policy) => ({
              ref: { kind: 'inline' as const, policy: policy.name },
              document: parsePolicyDocument(policy.document, '$'),
            })),
          });
          for (const action of ACTIONS)
            for (const resource of PROBES)
              for (const context of CONTEXTS)
                if (generated({ action, resource, context }).decision === 'allowed')
                  expect(
                    current({ action, resource, context }).decision,
                    `${action} on ${resource} ${JSON.stringify(context)}: ${JSON.stringify(result.policies.map((policy) => policy.document))}`,
                  ).toBe('allowed');
          // Every object under a seen folder that the current policies allow, the generated ones allow.
          if (resources === 'scoped')
            for (const folder of folders)
              for (const object of OBJECTS.filter((entry) => entry.startsWith(folder.slice(0, -1))))
                for (const context of CONTEXTS)
                  if (current({ action: 's3:GetObject', resource: object, context }).decision === 'allowed')
                    expect(
                      generated({ action: 's3:GetObject', resource: object, context }).decision,
                      `${object} ${JSON.stringify(context)}: ${JSON.stringify(result.policies.map((policy) => policy.document))}`,
                    ).toBe('allowed');
        },
      ),
      { numRuns: 300 },
    );
  });
});
