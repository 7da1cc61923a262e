import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PolicyTestDocument, PolicyTestOutcome } from '../../src/app/policy-tests/policy-test-types.js';
import type { SimulatorDecision } from '../../src/iam/policy-evaluation.js';
import { runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { MOTO_ADVISOR_FIXTURE, startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { motoSdkConfig } from '../helpers/moto-org.js';

/*
 * `iamtrail test --simulator` end to end against the emulator (test/moto/moto_advisor.py): the
 * account has no `iam:` file, so the runner reads GetAccountAuthorizationDetails from moto through
 * the account's role, decides every case locally over the policies the set-up gives the
 * principals, and asks SimulatePrincipalPolicy, which answers from the fixture's `simulator` rules
 * (test/moto/advisor-fixture.json) plus two rules of this file. The expected local decisions follow
 * from the policies below (IAM's evaluation logic), the simulator's from the rules (the emulator's
 * documented matching: first rule whose principal, action, resource and context match); nothing
 * is copied from the output.
 */

interface FixtureStatement {
  readonly SourcePolicyId: string;
  readonly SourcePolicyType: string;
  readonly StartPosition: { readonly Line: number; readonly Column: number };
  readonly EndPosition: { readonly Line: number; readonly Column: number };
}
interface FixtureRule {
  readonly principal: string;
  readonly action: string;
  readonly resource?: string;
  readonly decision: SimulatorDecision['decision'];
  readonly context?: Readonly<Record<string, readonly string[]>>;
  readonly matched?: readonly FixtureStatement[];
  readonly missingContextValues?: readonly string[];
}
interface Fixture {
  readonly throttled: readonly {
    readonly pattern: string;
    readonly calls: number;
    readonly operations?: readonly string[];
  }[];
  readonly simulator: {
    readonly defaultMaxItems: number;
    readonly groupByAction: readonly string[];
    readonly rules: readonly FixtureRule[];
  };
}
const FIXTURE = JSON.parse(readFileSync(MOTO_ADVISOR_FIXTURE, 'utf8')) as Fixture;

/**
 * The fixture has no rule that lists a missing context value the runner does not always send
 * (its MFA rule's key is in the default context): sim-mfa's TerminateInstances needs
 * aws:SourceIp, allowed from the office address, listed missing without it.
 */
const OFFICE_IP = '203.0.113.7';
const EXTRA_RULES: readonly FixtureRule[] = [
  {
    principal: 'arn:aws:iam::\\d{12}:user/sim-mfa$',
    action: 'ec2:TerminateInstances',
    context: { 'aws:SourceIp': [OFFICE_IP] },
    decision: 'allowed',
    matched: [
      {
        SourcePolicyId: 'TerminateFromOffice',
        SourcePolicyType: 'user',
        StartPosition: { Line: 1, Column: 40 },
        EndPosition: { Line: 1, Column: 190 },
      },
    ],
  },
  {
    principal: 'arn:aws:iam::\\d{12}:user/sim-mfa$',
    action: 'ec2:TerminateInstances',
    decision: 'implicitDeny',
    missingContextValues: ['aws:SourceIp'],
  },
];
const RULES: readonly FixtureRule[] = [...FIXTURE.simulator.rules, ...EXTRA_RULES];

/** A glob of the fixture (fnmatch: `*` and `?`) as a regular expression. */
const glob = (pattern: string, flags = ''): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );

/** The simulator's answer as the emulator's documentation defines it, in the outcome's form. */
function simulatorAnswer(
  principal: string,
  action: string,
  resource: string,
  context: Readonly<Record<string, string>>,
): SimulatorDecision {
  const given = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
  const rule = RULES.find(
    (one) =>
      new RegExp(one.principal).test(principal) &&
      // Actions compared case-insensitively, as IAM does; resources as written.
      glob(one.action, 'i').test(action) &&
      glob(one.resource ?? '*').test(resource) &&
      Object.entries(one.context ?? {}).every(([key, values]) =>
        values.includes(given.get(key.toLowerCase()) ?? '\0'),
      ),
  );
  if (rule === undefined) return { decision: 'implicitDeny', matched: [], missingContextValues: [] };
  return {
    decision: rule.decision,
    matched: (rule.matched ?? []).map((statement) => ({
      policy: statement.SourcePolicyId,
      type: statement.SourcePolicyType,
      start: `L${statement.StartPosition.Line}:C${statement.StartPosition.Column}`,
      end: `L${statement.EndPosition.Line}:C${statement.EndPosition.Column}`,
    })),
    missingContextValues: (rule.missingContextValues ?? []).filter((key) => !given.has(key.toLowerCase())),
  };
}

const ACCOUNT = '111111111111';
const arn = (kind: 'user' | 'role', name: string): string => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;
const READER = arn('user', 'sim-reader');
const MFA = arn('user', 'sim-mfa');
const THROTTLED = arn('user', 'sim-throttled');
const GROUPED = arn('role', 'sim-grouped');
const REPORT = 'arn:aws:s3:::reports/q1.csv';

const statement = (action: string, resource: string, condition?: object) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...(condition === undefined ? {} : { Condition: condition }),
});
const policy = (...statements: object[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

/*
 * The principals' policies. sim-reader may also delete the reports (ReportsCleanup), which the
 * fixture's simulator denies explicitly: the disagreement made on purpose.
 */
const READ_REPORTS = policy(statement('s3:Get*', 'arn:aws:s3:::reports/*'));
const REPORTS_CLEANUP = policy(statement('s3:DeleteObject', 'arn:aws:s3:::reports/*'));
const ADMIN_WITH_MFA = policy(statement('iam:*', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }));
const TERMINATE_FROM_OFFICE = policy(
  statement('ec2:TerminateInstances', '*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
);
const EC2_DESCRIBE = policy(statement('ec2:Describe*', '*'));

/** The runner's default context (aws-iam-tester's), as key → value. */
const DEFAULT_CONTEXT = { 'aws:MultiFactorAuthPresent': 'true', 'redshift:DbUser': 'admin' };

/** A test of the file, and what each principal's case must decide locally. */
interface TestSpec {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  readonly expected: 'fail' | 'succeed';
  readonly limitTo: readonly string[];
  readonly customContext?: { readonly key: string; readonly value: string; readonly type: string };
  /** Per principal ARN: the local decision its policies give, and the status that follows. */
  readonly local: Readonly<Record<string, { decision: string; status: string }>>;
}

const FINDINGS: readonly TestSpec[] = [
  {
    name: 'reports-readable',
    action: 's3:GetObject',
    resource: REPORT,
    expected: 'succeed',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-reader$', 'arn:aws:iam::\\d{12}:role/sim-grouped$'],
    local: {
      [READER]: { decision: 'allowed', status: 'pass' },
      [GROUPED]: { decision: 'allowed', status: 'pass' },
    },
  },
  {
    name: 'reports-kept',
    action: 's3:DeleteObject',
    resource: REPORT,
    expected: 'fail',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-reader$'],
    // ReportsCleanup allows it: a fail test the principal breaks.
    local: { [READER]: { decision: 'allowed', status: 'fail' } },
  },
  {
    name: 'ec2-visible',
    action: 'ec2:DescribeInstances',
    resource: '*',
    expected: 'succeed',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-throttled$'],
    local: { [THROTTLED]: { decision: 'allowed', status: 'pass' } },
  },
  {
    name: 'admins-with-mfa',
    action: 'iam:CreateUser',
    resource: '*',
    expected: 'succeed',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-mfa$'],
    // The default context says MFA is present: AdminWithMfa's condition holds.
    local: { [MFA]: { decision: 'allowed', status: 'pass' } },
  },
  {
    name: 'no-iam-without-mfa',
    action: 'iam:CreateUser',
    resource: '*',
    expected: 'fail',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-mfa$'],
    customContext: { key: 'aws:MultiFactorAuthPresent', value: 'false', type: 'boolean' },
    local: { [MFA]: { decision: 'implicitDeny', status: 'pass' } },
  },
  {
    name: 'terminate-anywhere',
    action: 'ec2:TerminateInstances',
    resource: '*',
    expected: 'succeed',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-mfa$'],
    // aws:SourceIp is in no context: the condition cannot be decided.
    local: { [MFA]: { decision: 'inconclusive', status: 'inconclusive' } },
  },
  {
    name: 'terminate-from-office',
    action: 'ec2:TerminateInstances',
    resource: '*',
    expected: 'succeed',
    limitTo: ['arn:aws:iam::\\d{12}:user/sim-mfa$'],
    customContext: { key: 'aws:SourceIp', value: OFFICE_IP, type: 'ip' },
    local: { [MFA]: { decision: 'allowed', status: 'pass' } },
  },
];
/** A file whose tests all pass (and no case is inconclusive). */
const PASSING: readonly TestSpec[] = FINDINGS.filter((test) =>
  ['reports-readable', 'ec2-visible', 'no-iam-without-mfa'].includes(test.name),
);

function testFile(tests: readonly TestSpec[]): string {
  const quoted = (text: string) => JSON.stringify(text);
  return `${['tests:']
    .concat(
      tests.flatMap((test) => [
        `- name: ${test.name}`,
        `  actions: [${quoted(test.action)}]`,
        `  resources: [${quoted(test.resource)}]`,
        `  expected_result: ${test.expected}`,
        `  limit_to: [${test.limitTo.map(quoted).join(', ')}]`,
        ...(test.customContext === undefined
          ? []
          : [
              '  custom_context:',
              `    - context_key_name: ${test.customContext.key}`,
              `      context_key_values: ${quoted(test.customContext.value)}`,
              `      context_key_type: ${test.customContext.type}`,
            ]),
      ]),
    )
    .join('\n')}\n`;
}

const contextOf = (test: TestSpec): Record<string, string> => ({
  ...DEFAULT_CONTEXT,
  ...(test.customContext === undefined ? {} : { [test.customContext.key]: test.customContext.value }),
});

const work = mkdtempSync(join(tmpdir(), 'iamtrail-test-command-'));
const log = join(work, 'requests.jsonl');
const config = join(work, 'config.yaml');
let moto: MotoServer;

beforeAll(async () => {
  const simulatorFixture = join(work, 'simulator.json');
  writeFileSync(simulatorFixture, JSON.stringify({ ...FIXTURE.simulator, rules: RULES }));
  moto = await startMotoAdvisor(MOTO_ADVISOR_FIXTURE, {
    MOTO_SIMULATOR_LOG: log,
    MOTO_SIMULATOR_FIXTURE: simulatorFixture,
  });
  // Credentials of a role in the account put the principals in that account's moto backend.
  const sts = new STSClient(motoSdkConfig(moto));
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/set-up`, RoleSessionName: 'set-up' }),
  );
  sts.destroy();
  const iam = new IAMClient({
    ...motoSdkConfig(moto),
    credentials: {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    },
  });
  try {
    for (const name of ['sim-reader', 'sim-mfa', 'sim-throttled'])
      await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'sim-grouped',
        AssumeRolePolicyDocument: policy({
          Effect: 'Allow',
          Principal: { Service: 'ec2.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      }),
    );
    const inline: [string, string, string][] = [
      ['sim-reader', 'ReadReports', READ_REPORTS],
      ['sim-reader', 'ReportsCleanup', REPORTS_CLEANUP],
      ['sim-mfa', 'TerminateFromOffice', TERMINATE_FROM_OFFICE],
    ];
    for (const [user, name, document] of inline)
      await iam.send(
        new PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: document }),
      );
    for (const [user, name, document] of [
      ['sim-mfa', 'AdminWithMfa', ADMIN_WITH_MFA],
      ['sim-throttled', 'Ec2Describe', EC2_DESCRIBE],
    ] as const) {
      const created = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: document }));
      await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: created.Policy?.Arn ?? '' }));
    }
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'sim-grouped',
        PolicyName: 'ReadReports',
        PolicyDocument: READ_REPORTS,
      }),
    );
  } finally {
    iam.destroy();
  }
  // No `iam:` file: the runner reads the account from AWS, through its role.
  writeFileSync(
    config,
    `accounts:\n  - name: sim\n    id: "${ACCOUNT}"\n    role: arn:aws:iam::${ACCOUNT}:role/iamtrail-test\n`,
  );
}, 60_000);

afterAll(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

function runTests(tests: readonly TestSpec[], name: string, extra: readonly string[] = []): Promise<CliRun> {
  const path = join(work, `${name}.yaml`);
  writeFileSync(path, testFile(tests));
  return runCli(
    [
      'test',
      '--config',
      config,
      '--tests',
      path,
      '--simulator',
      '--simulator-rate',
      '50',
      '--no-trail',
      '--format',
      'json',
      ...extra,
    ],
    moto.env,
  );
}

interface LoggedRequest {
  readonly principal: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly contextEntries: readonly {
    readonly ContextKeyName: string;
    readonly ContextKeyValues: string[];
  }[];
}
const logged = (): LoggedRequest[] =>
  (existsSync(log) ? readFileSync(log, 'utf8') : '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LoggedRequest);

/** The outcomes the specs expect, keyed `test principal`: the local side and the simulator's. */
function expectedOutcomes(tests: readonly TestSpec[]) {
  return tests.flatMap((test, index) =>
    Object.entries(test.local).map(([principal, local]) => ({
      key: `${test.name} ${principal}`,
      test: index,
      principal,
      ...local,
      simulator: simulatorAnswer(principal, test.action, test.resource, contextOf(test)),
    })),
  );
}

const outcomeKey = (document: PolicyTestDocument, outcome: PolicyTestOutcome): string =>
  `${document.tests[outcome.test]?.name ?? '?'} ${outcome.principalArn}`;

describe('iamtrail test --simulator against the emulator', () => {
  const junit = join(work, 'junit.xml');
  const out = join(work, 'out');
  let run: CliRun;
  let document: PolicyTestDocument;
  let requestsBefore: number;

  beforeAll(async () => {
    run = await runTests(FINDINGS, 'findings', ['--junit', junit, '--out', out]);
    document = JSON.parse(run.stdout) as PolicyTestDocument;
    requestsBefore = logged().length;
  }, 60_000);

  it('exits 1 for the case a principal breaks, reading the account from AWS', () => {
    expect(run.status, run.stderr).toBe(1);
    expect(document.simulator).toBe(true);
    expect(document.accounts).toEqual([
      { name: 'sim', id: ACCOUNT, status: 'read', principals: 4, iamSource: 'aws', scps: false },
    ]);
  });

  it('decides every case locally from the moto policies, and carries the simulator decision of the fixture', () => {
    const outcomes = document.tests.flatMap((test) => test.outcomes);
    const got = new Map(outcomes.map((outcome) => [outcomeKey(document, outcome), outcome]));
    const expected = expectedOutcomes(FINDINGS);
    expect([...got.keys()].sort()).toEqual(expected.map((entry) => entry.key).sort());
    for (const entry of expected) {
      const outcome = got.get(entry.key);
      expect([outcome?.decision, outcome?.status, outcome?.simulator], entry.key).toEqual([
        entry.decision,
        entry.status,
        entry.simulator,
      ]);
    }
    // Not one answer for all: the fixture's decisions differ per case, and matched statements come through.
    expect(new Set(expected.map((entry) => entry.simulator.decision))).toEqual(
      new Set(['allowed', 'explicitDeny', 'implicitDeny']),
    );
    expect(got.get(`reports-kept ${READER}`)?.simulator?.matched.map((one) => one.policy)).toEqual([
      'DenyDeletes',
    ]);
  });

  it('lists MissingContextValues without custom_context, and none once custom_context gives the key', () => {
    const outcomes = document.tests.flatMap((test) => test.outcomes);
    const of = (name: string) =>
      outcomes.find((outcome) => outcomeKey(document, outcome) === `${name} ${MFA}`);
    expect(of('terminate-anywhere')?.simulator?.missingContextValues).toEqual(['aws:SourceIp']);
    expect(of('terminate-anywhere')?.examples.map((example) => example.missingContextKeys)).toEqual([
      ['aws:SourceIp'],
    ]);
    expect(of('terminate-from-office')?.simulator?.missingContextValues).toEqual([]);
    // custom_context reached the simulator: the office address, and MFA false for the other test;
    // a test's custom_context is its whole context (as in aws-iam-tester), so the office test sends
    // no MFA key, where tests without one send the default context (MFA true).
    const sent = logged().filter((request) => request.principal === MFA);
    const valueOf = (request: LoggedRequest, key: string) =>
      request.contextEntries.find((entry) => entry.ContextKeyName === key)?.ContextKeyValues;
    expect(
      sent.map((request) => [
        request.actions.join(),
        valueOf(request, 'aws:SourceIp') ?? null,
        valueOf(request, 'aws:MultiFactorAuthPresent'),
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['iam:CreateUser', null, ['true']],
        ['iam:CreateUser', null, ['false']],
        ['ec2:TerminateInstances', null, ['true']],
        ['ec2:TerminateInstances', [OFFICE_IP], undefined],
      ]),
    );
  });

  it('lists the disagreements: the one made on purpose, and the inconclusive local case', () => {
    expect([...document.disagreements].sort((a, b) => a.test - b.test)).toEqual([
      {
        test: 1,
        accountId: ACCOUNT,
        principalArn: READER,
        action: 's3:DeleteObject',
        resource: REPORT,
        local: 'allowed',
        simulator: simulatorAnswer(READER, 's3:DeleteObject', REPORT, DEFAULT_CONTEXT).decision,
      },
      {
        test: 5,
        accountId: ACCOUNT,
        principalArn: MFA,
        action: 'ec2:TerminateInstances',
        resource: '*',
        local: 'inconclusive',
        simulator: 'implicitDeny',
      },
    ]);
  });

  it('retries the throttled principal and still gets its decision', () => {
    const rule = FIXTURE.throttled.find((one) => new RegExp(one.pattern).test(THROTTLED));
    expect(rule?.operations).toContain('SimulatePrincipalPolicy');
    // Its refused calls, then the one page of its one result.
    const sent = logged()
      .slice(0, requestsBefore)
      .filter((request) => request.principal === THROTTLED);
    expect(sent).toHaveLength((rule?.calls ?? 0) + 1);
    const outcome = document.tests
      .flatMap((test) => test.outcomes)
      .find((one) => one.principalArn === THROTTLED);
    expect(outcome?.simulator?.decision).toBe('allowed');
  });

  it('writes JUnit XML whose counts match the cases', () => {
    const xml = readFileSync(junit, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- fast-xml-parser's validator is the one installed
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(xml) as {
      testsuites: {
        '@_tests': string;
        '@_failures': string;
        testsuite: {
          '@_name': string;
          '@_tests': string;
          '@_failures': string;
          '@_skipped': string;
          testcase: { failure?: unknown; skipped?: unknown }[];
        }[];
      };
    };
    const expected = expectedOutcomes(FINDINGS);
    const count = (status: string) => expected.filter((entry) => entry.status === status).length;
    expect(parsed.testsuites['@_tests']).toBe(String(expected.length));
    expect(parsed.testsuites['@_failures']).toBe(String(count('fail')));
    expect(
      parsed.testsuites.testsuite.map((suite) => [
        suite['@_name'],
        Number(suite['@_tests']),
        Number(suite['@_failures']),
        Number(suite['@_skipped']),
      ]),
    ).toEqual(
      FINDINGS.map((test) => {
        const mine = expected.filter((entry) => entry.key.startsWith(`${test.name} `));
        return [
          test.name,
          mine.length,
          mine.filter((entry) => entry.status === 'fail').length,
          mine.filter((entry) => entry.status === 'inconclusive').length,
        ];
      }),
    );
    const cases = parsed.testsuites.testsuite.flatMap((suite) => suite.testcase);
    expect(cases).toHaveLength(expected.length);
    expect(cases.filter((one) => one.failure !== undefined)).toHaveLength(count('fail'));
    expect(cases.filter((one) => one.skipped !== undefined)).toHaveLength(count('inconclusive'));
  });

  it('--out writes one file per test, and the summary', () => {
    const names = FINDINGS.map((test, index) => `${String(index + 1).padStart(2, '0')}-${test.name}.json`);
    expect(readdirSync(out).sort()).toEqual([...names, 'summary.json'].sort());
    const expected = expectedOutcomes(FINDINGS);
    for (const [index, file] of names.entries()) {
      const one = JSON.parse(readFileSync(join(out, file), 'utf8')) as PolicyTestDocument;
      const test = FINDINGS[index];
      expect(one.tests.map((report) => [report.name, report.outcomes.length])).toEqual([
        [test?.name, expected.filter((entry) => entry.test === index).length],
      ]);
    }
  });

  it('exits 0 for a file whose tests all pass, still with the simulator decisions', async () => {
    const passing = await runTests(PASSING, 'passing');
    expect(passing.status, passing.stderr).toBe(0);
    const again = JSON.parse(passing.stdout) as PolicyTestDocument;
    const expected = expectedOutcomes(PASSING);
    expect(again.summary).toEqual({
      cases: expected.length,
      pass: expected.length,
      fail: 0,
      inconclusive: 0,
      contradicted: 0,
      unchecked: 0,
    });
    expect(again.disagreements).toEqual([]);
    const outcomes = again.tests.flatMap((test) => test.outcomes);
    expect(outcomes.map((outcome) => [outcomeKey(again, outcome), outcome.simulator]).sort()).toEqual(
      expected.map((entry) => [entry.key, entry.simulator]).sort(),
    );
  });
});
