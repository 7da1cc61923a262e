import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AccessDocument } from '../../src/app/policy-tests/check-access.js';
import type { PolicyTestDocument, PolicyTestOutcome } from '../../src/app/policy-tests/policy-test-types.js';
import { flatten, runCli } from '../helpers/cli.js';

/*
 * `iamtrail test` and `iamtrail access` in-process on the demo organisation. What is expected comes
 * from the demo's IAM files (examples/demo/iam/*.json) and its generator (scripts/generate-demo.mjs:
 * each IAM call of a session is made one minute after the previous one), not from the output:
 *  - demo's admin role has AdministratorAccess; alice's admin sessions call CreateUser twice
 *    (temp-contractor on the month's seventh day; carol, 2026-10-19 10:05 + 1 min) and DeleteUser
 *    twice (dave, 2026-10-12 09:30 + 3 min; carol, 2026-10-26 16:20 + 4 min);
 *  - backup's ops has only BackupOperator (backup:*, s3:Get*, s3:List*, dynamodb:DescribeTable),
 *    yet calls CreateAccessKey successfully on 2026-10-29 07:10 + 1 min;
 *  - alice (group developers, DeveloperAccess: s3:* on demo-app-*) reads and writes demo-app-data
 *    every day; DeveloperAccess's fourth statement denies s3:DeleteBucket.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-policy-tests-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const CONFIG = ['--config', 'examples/demo/config.example.yaml'];
const DEMO_ADMIN = 'arn:aws:iam::111111111111:role/admin';
const BACKUP_ADMIN = 'arn:aws:iam::222222222222:role/admin';
const OPS = 'arn:aws:iam::222222222222:user/ops';
const ALICE = 'arn:aws:iam::111111111111:user/alice';

let document: PolicyTestDocument;
let status: number | null;
let stderr: string;
beforeAll(async () => {
  const run = await runCli([
    'test',
    ...CONFIG,
    '--tests',
    'examples/policy-tests/demo.yaml',
    '--end',
    '2026-10-31',
    '--cache',
    join(work, 'cache.duckdb'),
    '--format',
    'json',
  ]);
  status = run.status;
  stderr = run.stderr;
  document = JSON.parse(run.stdout) as PolicyTestDocument;
});

const outcomesOf = (test: string): readonly PolicyTestOutcome[] =>
  document.tests.find((entry) => entry.name === test)?.outcomes ?? [];

describe('iamtrail test on the demo', () => {
  it('exits 1: fail tests the admin roles break, and calls CloudTrail saw', () => {
    expect(status, stderr).toBe(1);
    expect(document.cloudTrail.used).toBe(true);
    expect(document.accounts.map((account) => [account.id, account.status, account.iamSource])).toEqual([
      ['111111111111', 'read', 'file'],
      ['222222222222', 'read', 'file'],
    ]);
  });

  it('finds the admin roles allowed to manage users, and the demo one contradicted by CloudTrail', () => {
    const failing = outcomesOf('no-iam-user-management')
      .filter((outcome) => outcome.status === 'fail')
      .map((outcome) => `${outcome.principalArn} ${outcome.action}`)
      .sort();
    expect(failing).toEqual([
      `${DEMO_ADMIN} iam:CreateUser`,
      `${DEMO_ADMIN} iam:DeleteUser`,
      `${BACKUP_ADMIN} iam:CreateUser`,
      `${BACKUP_ADMIN} iam:DeleteUser`,
    ]);
    const contradicted = outcomesOf('no-iam-user-management').filter(
      (outcome) => outcome.principalArn === DEMO_ADMIN && outcome.contradicted,
    );
    expect(
      contradicted.map((outcome) => [
        outcome.action,
        outcome.cloudTrail?.calls,
        outcome.cloudTrail?.lastSeen?.slice(0, 19),
      ]),
    ).toEqual([
      ['iam:CreateUser', 2, '2026-10-19T10:06:00'],
      ['iam:DeleteUser', 2, '2026-10-26T16:24:00'],
    ]);
  });

  it('contradicts a fail test the IAM data passes: ops created a key IAM does not grant him', () => {
    const ops = outcomesOf('no-new-access-keys').find((outcome) => outcome.principalArn === OPS);
    expect(ops?.decision).toBe('implicitDeny');
    expect(ops?.status).toBe('pass');
    expect(ops?.contradicted).toBe(true);
    expect(ops?.cloudTrail?.lastSeen?.slice(0, 19)).toBe('2026-10-29T07:11:00');
    expect(
      outcomesOf('no-new-access-keys')
        .filter((outcome) => outcome.contradicted)
        .map((outcome) => outcome.principalArn),
    ).toEqual([OPS]);
  });

  it("passes alice's succeed test, exercised in the logs", () => {
    const alice = outcomesOf('developers-use-app-buckets');
    expect(alice.map((outcome) => [outcome.principalArn, outcome.action, outcome.status])).toEqual([
      [ALICE, 's3:GetObject', 'pass'],
      [ALICE, 's3:PutObject', 'pass'],
    ]);
    for (const outcome of alice) expect(outcome.cloudTrail?.calls).toBeGreaterThan(0);
    // Its resource is scoped (demo-app-data/*): the calls are of the action, the resource not kept.
    for (const outcome of alice) expect(outcome.cloudTrail?.resourceKnown).toBe(false);
  });

  it("gives each outcome its account's coverage: October's 31 days of the 90-day window", () => {
    const ops = outcomesOf('no-new-access-keys').find((outcome) => outcome.principalArn === OPS);
    expect(ops?.cloudTrail).toMatchObject({
      resourceKnown: true,
      coverage: { daysWithLogs: 31, windowDays: 90, unreadableFiles: 0 },
    });
    expect(document.summary.unchecked).toBe(0);
  });

  it('says the logs do not cover the 90-day window (they hold October only)', () => {
    expect(document.cloudTrail).toMatchObject({ used: true, start: '2026-08-03', end: '2026-10-31' });
    expect(document.cloudTrail.used && document.cloudTrail.warnings.join('\n')).toContain('2026-10-01');
  });
});

describe('iamtrail access on the demo', () => {
  it("names DeveloperAccess's Deny that stops alice deleting the app's bucket", async () => {
    const run = await runCli([
      'access',
      ...CONFIG,
      '--account',
      'demo',
      '--user',
      'alice',
      '--action',
      's3:DeleteBucket',
      '--resource',
      'arn:aws:s3:::demo-app-data',
      '--format',
      'json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const access = JSON.parse(run.stdout) as AccessDocument;
    expect(access.results.map((result) => result.decision)).toEqual(['explicitDeny']);
    expect(
      access.results[0]?.deciding.map((statement) => [
        statement.policy.policy,
        statement.statement,
        statement.effect,
      ]),
    ).toEqual([['DeveloperAccess', 3, 'Deny']]);
  });

  it('refuses an action without its service and a resource that is no ARN, exit 2', async () => {
    const ask = (action: string, resource: string) =>
      runCli([
        'access',
        ...CONFIG,
        '--account',
        'demo',
        '--user',
        'alice',
        '--action',
        action,
        '--resource',
        resource,
      ]);
    const action = await ask('iam', '*');
    expect(action.status).toBe(2);
    expect(flatten(action.stderr)).toContain('--action "iam" is not an action (service:Action)');
    const resource = await ask('s3:GetObject', 'notanarn');
    expect(resource.status).toBe(2);
    expect(flatten(resource.stderr)).toContain('--resource "notanarn" is neither * nor an ARN');
  });

  it('refuses an unknown user with the close match, exit 2', async () => {
    const run = await runCli([
      'access',
      ...CONFIG,
      '--account',
      'demo',
      '--user',
      'alcie',
      '--action',
      's3:GetObject',
    ]);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain('unknown user "alcie" in account demo (111111111111)');
    expect(flatten(run.stderr)).toContain('Did you mean: alice?');
  });
});

/*
 * aws-iam-tester's own example file on the demo. Its tester removes global_exemptions (here every
 * principal whose name holds "admin": the admin roles of both accounts) from the principals before
 * any test runs, so its second test, limited to the admins, tests nobody (aws_iam_tester.py,
 * determine_source, then evaluate_sources). The demo's principals are those of
 * examples/demo/iam/*.json less the service-linked role: alice, erin, bob, charlie, readonly, ops.
 */
describe("iamtrail test on aws-iam-tester's example file", () => {
  it('tests no globally exempt admin, even in the test limited to the admins, and says why', async () => {
    const run = await runCli([
      'test',
      ...CONFIG,
      '--tests',
      'examples/policy-tests/aws-iam-tester.yaml',
      '--no-trail',
      '--format',
      'json',
    ]);
    const tested = JSON.parse(run.stdout) as PolicyTestDocument;
    expect(tested.tests.map((test) => test.principals)).toEqual([6, 0, 6, 0, 6]);
    const admins = tested.tests
      .flatMap((test) => test.outcomes)
      .filter((outcome) => outcome.principalArn.endsWith(':role/admin'));
    expect(admins).toEqual([]);
    expect(tested.tests[1]?.warnings).toEqual([
      'test "test-2" (examples/policy-tests/aws-iam-tester.yaml:69): its limit_to matches 2 principal(s) that global_limit_to or global_exemptions leave out: they are not tested (the global filters apply first, as in aws-iam-tester)',
      'test "test-2" (examples/policy-tests/aws-iam-tester.yaml:69): its selection (limit_to, exemptions, global ones) covers no principal of the accounts tested: it checks nothing',
    ]);
  });
});

/**
 * A folder with a one-account config (lab, 333333333333) whose IAM file holds one user with one
 * inline policy of `statements`.
 */
function labAccount(prefix: string, user: string, statements: readonly unknown[]): string {
  const dir = mkdtempSync(join(work, prefix));
  writeFileSync(
    join(dir, 'iam.json'),
    JSON.stringify({
      UserDetailList: [
        {
          Path: '/',
          UserName: user,
          UserId: 'AIDALABUSER',
          Arn: `arn:aws:iam::333333333333:user/${user}`,
          CreateDate: '2025-01-01T00:00:00Z',
          UserPolicyList: [
            { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } },
          ],
          GroupList: [],
          AttachedManagedPolicies: [],
          Tags: [],
        },
      ],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
    }),
  );
  writeFileSync(
    join(dir, 'config.yaml'),
    'accounts:\n  - name: lab\n    id: 333333333333\n    iam: iam.json\n',
  );
  return dir;
}

/*
 * A user allowed everything but denied it without MFA, as AWS's own example policy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html:
 * Deny NotAction ... BoolIfExists aws:MultiFactorAuthPresent false): asked without MFA, the Deny
 * decides, whatever the case of the type suffix.
 */
describe('iamtrail access --context with a type in another case', () => {
  it('reads false:Boolean as the boolean false: the MFA Deny decides', async () => {
    const dir = labAccount('mfa-', 'needs-mfa', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      {
        Effect: 'Deny',
        NotAction: ['iam:ChangePassword', 'sts:GetSessionToken'],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ]);
    const ask = (context: string) =>
      runCli([
        'access',
        '--config',
        join(dir, 'config.yaml'),
        '--user',
        'needs-mfa',
        '--action',
        's3:GetObject',
        '--context',
        context,
        '--format',
        'json',
      ]);
    for (const context of [
      'aws:MultiFactorAuthPresent=false:Boolean',
      'aws:MultiFactorAuthPresent=false:boolean',
    ]) {
      const run = await ask(context);
      expect(run.status, run.stderr).toBe(0);
      const access = JSON.parse(run.stdout) as AccessDocument;
      expect(
        access.results.map((result) => result.decision),
        context,
      ).toEqual(['explicitDeny']);
    }
    const typo = await ask('aws:MultiFactorAuthPresent=false:bool');
    expect(typo.status).toBe(2);
    expect(flatten(typo.stderr)).toContain('"bool" is not a context key type');
  });
});

/*
 * aws-iam-tester sends a test's custom_context as the whole request context: its default (MFA
 * present) only when the test has none (simulate(): `if not sim_context`). A user allowed IAM only
 * with MFA, tested with a context that names the source address alone: MFA is not in the request,
 * so the Allow's condition cannot be decided (iamtrail: inconclusive, naming the key), where the
 * default MFA=true added to it would have allowed it.
 */
describe('iamtrail test: a custom_context replaces the default context', () => {
  it('leaves aws:MultiFactorAuthPresent out of a test that gives only aws:SourceIp', async () => {
    const dir = labAccount('ctx-', 'u_mfa', [
      {
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ]);
    writeFileSync(
      join(dir, 'tests.yaml'),
      `tests:
  - name: no-iam-from-office
    actions: [iam:CreateUser]
    resources: ["*"]
    expected_result: fail
    custom_context:
      - context_key_name: aws:SourceIp
        context_key_values: 10.0.0.1
        context_key_type: ip
  - name: no-iam-by-default
    actions: [iam:CreateUser]
    resources: ["*"]
    expected_result: fail
`,
    );
    const run = await runCli([
      'test',
      '--config',
      join(dir, 'config.yaml'),
      '--tests',
      join(dir, 'tests.yaml'),
      '--no-trail',
      '--format',
      'json',
    ]);
    const tested = JSON.parse(run.stdout) as PolicyTestDocument;
    const [office, byDefault] = tested.tests.map((test) => test.outcomes[0]);
    expect([office?.decision, office?.status]).toEqual(['inconclusive', 'inconclusive']);
    expect(office?.examples[0]?.missingContextKeys).toEqual(['aws:MultiFactorAuthPresent']);
    expect([byDefault?.decision, byDefault?.status]).toEqual(['allowed', 'fail']);
  });
});
