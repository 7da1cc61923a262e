import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type {
  ContextEntry,
  Decision,
  EvaluationRequest,
  PrincipalPolicies,
} from '../../../src/iam/policy-evaluation.js';
import { compilePolicies } from '../../../src/iam/policy-evaluator.js';
import { inlinePolicy, testPolicies, testUser } from '../../helpers/evaluation.js';

/*
 * Properties of IAM's evaluation logic over random policies and requests, from
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html: an
 * explicit Deny always wins; an Allow can only add access; without Allows nothing is allowed; and,
 * iamtrail's own rule, a key the request does not supply never yields a decision that some value
 * of that key would contradict.
 */

const ACTIONS = ['s3:GetObject', 's3:PutObject', 'iam:CreateUser', 'ec2:RunInstances'];
const ACTION_PATTERNS = [
  '*',
  's3:*',
  's3:Get*',
  'iam:*',
  'ec2:Run?nstances',
  'iam:CreateUser',
  'S3:PUTOBJECT',
];
const RESOURCE_PATTERNS = [
  '*',
  'arn:*',
  'arn:aws:s3:::b/*',
  'arn:aws:s3:::b/k',
  'arn:aws:iam::111122223333:user/*',
  'arn:aws:s3:::${aws:username}/*',
];
const RESOURCES = [
  '*',
  'arn:aws:s3:::b/k',
  'arn:aws:s3:::c/k',
  'arn:aws:s3:::alice/k',
  'arn:aws:iam::111122223333:user/alice',
];

/** Condition keys, the policy values drawn for them, and the request values tried for them. */
const KEYS = {
  'aws:SourceIp': {
    type: 'ip',
    policy: ['10.0.0.0/8', '192.0.2.0/24'],
    request: ['10.1.2.3', '192.0.2.9', '8.8.8.8'],
  },
  'aws:SourceVpc': {
    type: 'string',
    policy: ['vpc-1', 'vpc-2', 'vpc-*'],
    request: ['vpc-1', 'vpc-2', 'vpc-3'],
  },
  's3:max-keys': { type: 'numeric', policy: ['10', '100'], request: ['5', '10', '50', '500'] },
  'aws:MultiFactorAuthPresent': { type: 'boolean', policy: ['true', 'false'], request: ['true', 'false'] },
  'aws:TagKeys': { type: 'stringList', policy: ['a', 'b'], request: ['a', 'b', 'c'] },
  'aws:PrincipalTag/team': { type: 'string', policy: ['red', 'blue'], request: ['red', 'blue'] },
} as const;
type Key = keyof typeof KEYS;
const KEY_NAMES = Object.keys(KEYS) as Key[];
const OPERATORS: Record<string, readonly string[]> = {
  ip: ['IpAddress', 'NotIpAddress'],
  string: ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIfExists'],
  numeric: ['NumericLessThan', 'NumericGreaterThanEquals', 'NumericEquals'],
  boolean: ['Bool', 'BoolIfExists'],
  stringList: ['ForAllValues:StringEquals', 'ForAnyValue:StringLike', 'ForAllValues:StringNotEquals'],
};

const clause = fc.constantFrom(...KEY_NAMES).chain((key) =>
  fc.record({
    key: fc.constant(key),
    operator: fc.oneof(fc.constantFrom(...(OPERATORS[KEYS[key].type] ?? [])), fc.constant('Null')),
    values: fc.subarray([...KEYS[key].policy], { minLength: 1 }),
  }),
);

const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  not: fc.boolean(),
  actions: fc.subarray(ACTION_PATTERNS, { minLength: 1, maxLength: 2 }),
  notResource: fc.boolean(),
  resources: fc.subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 2 }),
  conditions: fc.array(clause, { maxLength: 2 }),
});
type RandomStatement = typeof statement extends fc.Arbitrary<infer T> ? T : never;

function toStatement(s: RandomStatement): Record<string, unknown> {
  const condition: Record<string, Record<string, unknown>> = {};
  for (const c of s.conditions) {
    const operator = c.operator === 'Null' ? 'Null' : c.operator;
    (condition[operator] ??= {})[c.key] = c.operator === 'Null' ? 'true' : c.values;
  }
  return {
    Effect: s.Effect,
    [s.not ? 'NotAction' : 'Action']: s.actions,
    [s.notResource ? 'NotResource' : 'Resource']: s.resources,
    ...(s.conditions.length === 0 ? {} : { Condition: condition }),
  };
}

const policySet = fc.array(fc.array(statement, { minLength: 1, maxLength: 3 }), {
  minLength: 1,
  maxLength: 3,
});

/** Context entries for a subset of the keys (the others stay unknown). */
const context = fc
  .subarray(KEY_NAMES)
  .chain((keys) =>
    fc.tuple(
      ...keys.map((key) =>
        fc
          .subarray([...KEYS[key].request], {
            minLength: key === 'aws:TagKeys' ? 0 : 1,
            maxLength: key === 'aws:TagKeys' ? 3 : 1,
          })
          .map((values) => entry(key, values)),
      ),
    ),
  )
  .map((entries) => entries);

function entry(key: Key, values: readonly string[]): ContextEntry {
  return { key, values, type: KEYS[key].type };
}

const request = fc.record({
  action: fc.constantFrom(...ACTIONS),
  resource: fc.constantFrom(...RESOURCES),
  context,
});

const alice = testUser('alice', { team: 'red' });
const build = (statements: readonly RandomStatement[][], extra: RandomStatement[] = []): PrincipalPolicies =>
  testPolicies(
    alice,
    [...statements, ...(extra.length === 0 ? [] : [extra])].map((list, index) =>
      inlinePolicy(`p${index}`, { Version: '2012-10-17', Statement: list.map(toStatement) }),
    ),
  );
const decide = (policies: PrincipalPolicies, req: EvaluationRequest): Decision =>
  compilePolicies(policies)(req).decision;
const RUNS = { numRuns: 200 };

describe('evaluation properties (fast-check)', () => {
  it('an unconditional Deny of the action on "*" always yields explicitDeny', () => {
    fc.assert(
      fc.property(policySet, request, (statements, req) => {
        const deny: RandomStatement = {
          Effect: 'Deny',
          not: false,
          actions: [req.action],
          notResource: false,
          resources: ['*'],
          conditions: [],
        };
        expect(decide(build(statements, [deny]), req)).toBe('explicitDeny');
      }),
      RUNS,
    );
  });

  it('adding an Allow never turns an allowed request into anything else', () => {
    fc.assert(
      fc.property(policySet, request, statement, (random, req, extra) => {
        // an Allow of everything first, so that many of the random sets allow the request
        const allowAll: RandomStatement = {
          Effect: 'Allow',
          not: false,
          actions: ['*'],
          notResource: false,
          resources: ['*'],
          conditions: [],
        };
        const statements = [[allowAll], ...random];
        fc.pre(decide(build(statements), req) === 'allowed');
        expect(decide(build(statements, [{ ...extra, Effect: 'Allow' }]), req)).toBe('allowed');
      }),
      RUNS,
    );
  });

  it('without any Allow nothing is allowed', () => {
    fc.assert(
      fc.property(policySet, request, (statements, req) => {
        const denies = statements
          .map((list) => list.filter((s) => s.Effect === 'Deny'))
          .filter((list) => list.length > 0);
        expect(decide(build(denies), req)).not.toBe('allowed');
      }),
      RUNS,
    );
  });

  it('a decision taken with keys missing (or on resource "*") holds for every value of those keys, absent included, and every resource', () => {
    fc.assert(
      fc.property(policySet, request, (statements, req) => {
        const policies = build(statements);
        const decision = decide(policies, req);
        fc.pre(decision !== 'inconclusive');
        const given = new Set(req.context.map((e) => e.key));
        const used = new Set(statements.flat().flatMap((s) => s.conditions.map((c) => c.key)));
        const missing = KEY_NAMES.filter(
          (key) => used.has(key) && !given.has(key) && key !== 'aws:PrincipalTag/team',
        );
        // every assignment of the missing keys: each request value, or absent (an empty entry,
        // which the evaluator takes as absent)
        let assignments: ContextEntry[][] = [[]];
        for (const key of missing) {
          const options = [...KEYS[key].request.map((value) => [entry(key, [value])]), [entry(key, [])]];
          assignments = assignments.flatMap((partial) => options.map((option) => [...partial, ...option]));
        }
        // and for a request on "*", every concrete resource
        const resources = req.resource === '*' ? RESOURCES : [req.resource];
        const evaluator = compilePolicies(policies);
        for (const resource of resources) {
          for (const assignment of assignments) {
            const assigned = evaluator({
              ...req,
              resource,
              context: [...req.context, ...assignment],
            }).decision;
            if (decision === 'allowed') expect(assigned).toBe('allowed');
            else expect(assigned).not.toBe('allowed');
            if (decision === 'explicitDeny') expect(assigned).toBe('explicitDeny');
          }
        }
      }),
      RUNS,
    );
  });
});
