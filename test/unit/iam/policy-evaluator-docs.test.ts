import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import type {
  AuthorizationDetails,
  IamPrincipal,
  ManagedPolicy,
} from '../../../src/iam/authorization-details.js';
import { parsePolicyDocument } from '../../../src/iam/policy-document.js';
import type { ContextEntry, Decision, ScpLevel } from '../../../src/iam/policy-evaluation.js';
import { compilePolicies } from '../../../src/iam/policy-evaluator.js';
import { principalPolicies } from '../../../src/iam/principal-policies.js';

/**
 * The IAM documentation's examples, as data (test/cases/evaluation/iam-documentation.json): each
 * case names the page it comes from; each expected decision is what that page says of the request.
 * The principals are built into authorization details and go through `principalPolicies`, as the
 * runner does.
 */
interface EvaluationCase {
  readonly name: string;
  readonly source: { readonly title: string; readonly url: string };
  readonly principal?: {
    readonly type: 'user' | 'role';
    readonly name: string;
    readonly path?: string;
    readonly tags?: Record<string, string>;
    readonly serviceLinked?: boolean;
  };
  readonly now?: string;
  readonly identity: readonly unknown[];
  readonly boundary?: unknown;
  readonly scps?: readonly { readonly target: string; readonly policies: readonly unknown[] }[];
  readonly requests: readonly {
    readonly action: string;
    readonly resource: string;
    readonly context: readonly ContextEntry[];
    readonly why?: string;
    readonly expected: {
      readonly decision: Decision;
      readonly noAllowIn?: string;
      readonly missingContextKeys?: readonly string[];
    };
  }[];
}

const ACCOUNT = '111122223333';
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
const cases = JSON.parse(
  readFileSync(new URL('../../cases/evaluation/iam-documentation.json', import.meta.url), 'utf8'),
) as EvaluationCase[];

function setUp(testCase: EvaluationCase) {
  const spec = testCase.principal ?? { type: 'user', name: 'alice' };
  const path = spec.path ?? '/';
  const base = {
    name: spec.name,
    arn: `arn:aws:iam::${ACCOUNT}:${spec.type}${path}${spec.name}`,
    path,
    createDate: undefined,
    inlinePolicies: testCase.identity.map((document, index) => ({
      name: `policy-${index}`,
      document: parsePolicyDocument(JSON.stringify(document, null, 2), `identity[${index}]`),
    })),
    attachedPolicies: [],
    permissionsBoundaryArn: testCase.boundary === undefined ? undefined : BOUNDARY_ARN,
    tags: spec.tags ?? {},
  };
  const principal: IamPrincipal =
    spec.type === 'user'
      ? { ...base, type: 'user', groups: [] }
      : {
          ...base,
          type: 'role',
          serviceLinked: spec.serviceLinked ?? false,
          assumeRolePolicyDocument: {},
          lastUsedDate: undefined,
          lastUsedKnown: false,
          instanceProfiles: [],
        };
  const policies = new Map<string, ManagedPolicy>();
  if (testCase.boundary !== undefined) {
    policies.set(BOUNDARY_ARN, {
      name: 'boundary',
      arn: BOUNDARY_ARN,
      defaultVersionId: 'v1',
      document: parsePolicyDocument(testCase.boundary, 'boundary'),
    });
  }
  const details: AuthorizationDetails = {
    users: principal.type === 'user' ? [principal] : [],
    roles: principal.type === 'role' ? [principal] : [],
    groups: new Map(),
    policies,
  };
  const scps: ScpLevel[] | undefined = testCase.scps?.map((level) => ({
    target: level.target,
    policies: level.policies.map((document, index) => ({
      ref: { kind: 'scp', policy: `scp-${index}`, target: level.target },
      document: parsePolicyDocument(document, `scp[${index}]`),
    })),
  }));
  const { policies: principalPoliciesValue } = principalPolicies(details, principal, ACCOUNT, scps);
  return compilePolicies(
    principalPoliciesValue,
    testCase.now === undefined ? undefined : { now: new Date(testCase.now) },
  );
}

describe('the IAM documentation examples', () => {
  it('cover every page the evaluator follows', () => {
    const pages = new Set(cases.map((testCase) => testCase.source.url.replace(/.*\//, '')));
    expect([...pages].sort()).toEqual([
      'access_policies_boundaries.html',
      'orgs_manage_policies_scps.html',
      'orgs_manage_policies_scps_evaluation.html',
      'reference_policies_condition_examples-multi-valued-context-keys.html',
      'reference_policies_elements_action.html',
      'reference_policies_elements_condition_operators.html',
      'reference_policies_elements_notaction.html',
      'reference_policies_elements_notresource.html',
      'reference_policies_elements_resource.html',
      'reference_policies_evaluation-logic.html',
      'reference_policies_multi-value-conditions.html',
      'reference_policies_variables.html',
    ]);
  });

  for (const testCase of cases) {
    describe(`${testCase.name} (${testCase.source.title}, ${testCase.source.url})`, () => {
      const evaluator = setUp(testCase);
      for (const request of testCase.requests) {
        const context = request.context.map((entry) => `${entry.key}=${entry.values.join(',')}`).join(' ');
        it(`${request.action} on ${request.resource}${context === '' ? '' : ` with ${context}`} → ${request.expected.decision}`, () => {
          const result = evaluator(request);
          expect({
            decision: result.decision,
            noAllowIn: result.noAllowIn,
            missingContextKeys: result.missingContextKeys,
          }).toEqual({
            decision: request.expected.decision,
            noAllowIn: request.expected.noAllowIn,
            missingContextKeys: request.expected.missingContextKeys ?? [],
          });
        });
      }
    });
  }
});
