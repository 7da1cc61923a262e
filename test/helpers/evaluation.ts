import type { IamPrincipal, IamRole, IamUser } from '../../src/iam/authorization-details.js';
import { parsePolicyDocument } from '../../src/iam/policy-document.js';
import type { EvaluatedPolicy, PrincipalPolicies, ScpLevel } from '../../src/iam/policy-evaluation.js';

/** The account of the evaluator's unit tests. */
export const TEST_ACCOUNT = '111122223333';

/** A user of {@link TEST_ACCOUNT} without policies. */
export function testUser(name: string, tags: Record<string, string> = {}): IamUser {
  return {
    type: 'user',
    name,
    arn: `arn:aws:iam::${TEST_ACCOUNT}:user/${name}`,
    path: '/',
    createDate: undefined,
    inlinePolicies: [],
    attachedPolicies: [],
    permissionsBoundaryArn: undefined,
    tags,
    groups: [],
  };
}

/** A role of {@link TEST_ACCOUNT} without policies. */
export function testRole(name: string, tags: Record<string, string> = {}): IamRole {
  return {
    type: 'role',
    name,
    arn: `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`,
    path: '/',
    createDate: undefined,
    inlinePolicies: [],
    attachedPolicies: [],
    permissionsBoundaryArn: undefined,
    tags,
    serviceLinked: false,
    assumeRolePolicyDocument: {},
    lastUsedDate: undefined,
    lastUsedKnown: false,
    instanceProfiles: [],
  };
}

/** An inline policy from a document (object or JSON text). */
export function inlinePolicy(name: string, document: unknown): EvaluatedPolicy {
  return { ref: { kind: 'inline', policy: name }, document: parsePolicyDocument(document, name) };
}

/** A principal's policies for the evaluator, built directly (no authorization details). */
export function testPolicies(
  principal: IamPrincipal,
  identity: readonly EvaluatedPolicy[],
  extra: {
    boundary?: EvaluatedPolicy | null;
    scps?: readonly ScpLevel[];
    incomplete?: readonly string[];
  } = {},
): PrincipalPolicies {
  return {
    principal,
    accountId: TEST_ACCOUNT,
    identity,
    boundary: extra.boundary,
    scps: extra.scps,
    incomplete: extra.incomplete ?? [],
  };
}
