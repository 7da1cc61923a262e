import type {
  PolicyTestDocument,
  PolicyTestOutcome,
  PolicyTestReport,
} from '../../src/app/policy-tests/policy-test-types.js';
import type { DecidingStatement, Decision } from '../../src/iam/policy-evaluation.js';

/*
 * A small `iamtrail test` result document written by hand for the renderers' tests: accounts prod
 * and dev read, sandbox failed; test 1 (`fail`, iam:Create*) with a finding, a CloudTrail
 * contradiction, an inconclusive case and a pass; test 2 (`succeed`, s3:PutObject) with a pass and
 * a failure the simulator disagrees with. Every count below is counted from these outcomes.
 */

export const PROD = '111111111111';
export const DEV = '222222222222';
export const SANDBOX = '333333333333';

export const ALICE = `arn:aws:iam::${PROD}:user/alice`;
export const BOB = `arn:aws:iam::${DEV}:user/bob`;
export const DEPLOYER_DEV = `arn:aws:iam::${DEV}:role/deployer`;
export const DEPLOYER_PROD = `arn:aws:iam::${PROD}:role/deployer`;
export const WORKER_PROD = `arn:aws:iam::${PROD}:role/my_worker`;
export const WORKER_DEV = `arn:aws:iam::${DEV}:role/my_worker`;

/** AdministratorAccess's only statement, at line 4, column 9 of its text. */
export const ADMIN_STATEMENT: DecidingStatement = {
  policy: {
    kind: 'managed',
    policy: 'AdministratorAccess',
    policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  },
  statement: 0,
  effect: 'Allow',
  layer: 'identity',
  applies: true,
  span: { start: { line: 4, column: 9 }, end: { line: 8, column: 10 }, text: 'printed' },
};

/** The deployer's inline policy: Sid `IamWrites`, the second statement, through group `ops`. */
const DEPLOYER_STATEMENT: DecidingStatement = {
  policy: { kind: 'group-inline', policy: 'deploy', group: 'ops' },
  statement: 1,
  sid: 'IamWrites',
  effect: 'Allow',
  layer: 'identity',
  applies: true,
  span: { start: { line: 12, column: 5 }, end: { line: 17, column: 6 }, text: 'stored' },
};

/** The deployer's IP-conditioned statement in prod: applies only for some source addresses. */
const CONDITIONED_STATEMENT: DecidingStatement = {
  policy: { kind: 'inline', policy: 'from-office' },
  statement: 0,
  effect: 'Allow',
  layer: 'identity',
  applies: 'unknown',
  span: { start: { line: 3, column: 5 }, end: { line: 9, column: 6 }, text: 'stored' },
};

/** The logs cover the whole window (2026-10-01..2026-10-31). */
export const FULL_COVERAGE = { daysWithLogs: 31, windowDays: 31, unreadableFiles: 0 };

function counts(partial: Partial<Record<Decision, number>>): Record<Decision, number> {
  return { allowed: 0, explicitDeny: 0, implicitDeny: 0, inconclusive: 0, ...partial };
}

function outcome(
  fields: Partial<PolicyTestOutcome> & Pick<PolicyTestOutcome, 'principalArn'>,
): PolicyTestOutcome {
  return {
    test: 0,
    accountId: fields.principalArn.split(':')[4] ?? '',
    principalType: fields.principalArn.includes(':user/') ? 'user' : 'role',
    action: 'iam:Create*',
    resource: '*',
    expected: 'fail',
    decision: 'implicitDeny',
    counts: counts({ implicitDeny: 3 }),
    examples: [],
    status: 'pass',
    cloudTrail: { calls: 0, lastSeen: null, actions: [], resourceKnown: true, coverage: FULL_COVERAGE },
    contradicted: false,
    problems: [],
    ...fields,
  };
}

const TEST_1: PolicyTestReport = {
  index: 0,
  name: 'no IAM writes',
  line: 3,
  expected: 'fail',
  actions: ['iam:Create*'],
  resources: ['*'],
  principals: 4,
  outcomes: [
    outcome({
      principalArn: ALICE,
      decision: 'allowed',
      counts: counts({ allowed: 3 }),
      examples: [
        {
          action: 'iam:CreateUser',
          decision: 'allowed',
          deciding: [ADMIN_STATEMENT],
          missingContextKeys: [],
        },
      ],
      status: 'fail',
      simulator: { decision: 'allowed', matched: [], missingContextValues: [] },
    }),
    outcome({
      principalArn: BOB,
      simulator: { decision: 'implicitDeny', matched: [], missingContextValues: [] },
    }),
    outcome({
      principalArn: DEPLOYER_PROD,
      decision: 'inconclusive',
      counts: counts({ inconclusive: 1, implicitDeny: 2 }),
      examples: [
        {
          action: 'iam:CreateRole',
          decision: 'inconclusive',
          deciding: [CONDITIONED_STATEMENT],
          missingContextKeys: ['aws:SourceIp'],
        },
      ],
      status: 'inconclusive',
      simulator: { decision: 'implicitDeny', matched: [], missingContextValues: ['aws:SourceIp'] },
    }),
    outcome({
      principalArn: DEPLOYER_DEV,
      decision: 'allowed',
      counts: counts({ allowed: 1, implicitDeny: 2 }),
      examples: [
        {
          action: 'iam:CreateRole',
          decision: 'allowed',
          deciding: [DEPLOYER_STATEMENT],
          missingContextKeys: [],
        },
      ],
      status: 'fail',
      simulator: { decision: 'allowed', matched: [], missingContextValues: [] },
      cloudTrail: {
        calls: 4,
        lastSeen: '2026-10-30T12:00:00Z',
        actions: ['iam:CreateRole'],
        resourceKnown: true,
        coverage: FULL_COVERAGE,
      },
      contradicted: true,
    }),
  ],
  summary: { cases: 4, pass: 1, fail: 2, inconclusive: 1, contradicted: 1, unchecked: 0 },
};

const TEST_2: PolicyTestReport = {
  index: 1,
  name: 'worker can put objects',
  line: 12,
  expected: 'succeed',
  actions: ['s3:PutObject'],
  resources: ['arn:aws:s3:::my_bucket/xyz/*'],
  principals: 2,
  outcomes: [
    outcome({
      test: 1,
      principalArn: WORKER_PROD,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::my_bucket/xyz/*',
      expected: 'succeed',
      decision: 'allowed',
      counts: counts({ allowed: 1 }),
      status: 'pass',
      simulator: { decision: 'allowed', matched: [], missingContextValues: [] },
      cloudTrail: {
        calls: 120,
        lastSeen: '2026-10-31T08:15:00Z',
        actions: ['s3:PutObject'],
        resourceKnown: false,
        coverage: FULL_COVERAGE,
      },
    }),
    outcome({
      test: 1,
      principalArn: WORKER_DEV,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::my_bucket/xyz/*',
      expected: 'succeed',
      decision: 'implicitDeny',
      counts: counts({ implicitDeny: 1 }),
      examples: [{ action: 's3:PutObject', decision: 'implicitDeny', deciding: [], missingContextKeys: [] }],
      status: 'fail',
      simulator: { decision: 'allowed', matched: [], missingContextValues: [] },
      cloudTrail: null,
    }),
  ],
  summary: { cases: 2, pass: 1, fail: 1, inconclusive: 0, contradicted: 0, unchecked: 0 },
};

/** The document; `overrides` replace top-level fields. */
export function policyTestDocument(overrides: Partial<PolicyTestDocument> = {}): PolicyTestDocument {
  return {
    schema: 'iamtrail.test/v1',
    generatedAt: '2026-11-01T09:00:00.000Z',
    testsFile: 'tests.yaml',
    scpsFile: null,
    simulator: true,
    defaultContext: [
      { key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' },
      { key: 'redshift:DbUser', values: ['admin'], type: 'string' },
    ],
    accounts: [
      { name: 'prod', id: PROD, status: 'read', principals: 3, iamSource: 'file', scps: false },
      { name: 'dev', id: DEV, status: 'read', principals: 3, iamSource: 'file', scps: false },
      {
        name: 'sandbox',
        id: SANDBOX,
        status: 'failed',
        error: 'STS AssumeRole failed: AccessDenied',
        principals: 0,
        iamSource: null,
        scps: false,
      },
    ],
    cloudTrail: { used: true, start: '2026-10-01', end: '2026-10-31', warnings: [] },
    tests: [TEST_1, TEST_2],
    disagreements: [
      {
        test: 1,
        accountId: DEV,
        principalArn: WORKER_DEV,
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::my_bucket/xyz/*',
        local: 'implicitDeny',
        simulator: 'allowed',
      },
    ],
    summary: { cases: 6, pass: 2, fail: 3, inconclusive: 1, contradicted: 1, unchecked: 0 },
    ...overrides,
  };
}
