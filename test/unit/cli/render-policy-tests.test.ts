import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';

import type {
  PolicyTestDocument,
  PolicyTestOutcome,
} from '../../../src/app/policy-tests/policy-test-types.js';
import {
  cloudTrailCell,
  describeDecidingStatement,
  renderPolicyTestsJunit,
  renderPolicyTestsText,
} from '../../../src/cli/render-policy-tests.js';
import type { DecidingStatement } from '../../../src/iam/policy-evaluation.js';
import {
  ADMIN_STATEMENT,
  ALICE,
  BOB,
  DEPLOYER_DEV,
  DEPLOYER_PROD,
  DEV,
  PROD,
  SANDBOX,
  WORKER_DEV,
  WORKER_PROD,
  FULL_COVERAGE,
  policyTestDocument,
} from '../../helpers/policy-test-document.js';

/*
 * The text and JUnit outputs of `iamtrail test` over the hand-written document of
 * test/helpers/policy-test-document.ts: what each must show is read off that document.
 */

const ESC = '\u001b';

function rowOf(lines: readonly string[], arn: string): number {
  return lines.findIndex((line) => line.includes(arn));
}

describe('describeDecidingStatement', () => {
  const cases: { name: string; statement: DecidingStatement; expected: string }[] = [
    {
      name: 'a managed policy by index',
      statement: ADMIN_STATEMENT,
      expected: 'AdministratorAccess (managed) Allow #0 L4:C9',
    },
    {
      name: 'an SCP by Sid, at its target',
      statement: {
        policy: { kind: 'scp', policy: 'DenyLeave', policyArn: 'p-denyleave', target: 'ou-ab12-11111111' },
        statement: 0,
        sid: 'NoLeaving',
        effect: 'Deny',
        layer: 'scp:ou-ab12-11111111',
        applies: true,
        span: { start: { line: 2, column: 17 }, end: { line: 7, column: 4 }, text: 'stored' },
      },
      expected: 'DenyLeave (scp at ou-ab12-11111111) Deny Sid NoLeaving L2:C17',
    },
    {
      name: 'a boundary statement that cannot be located, applying depending on missing keys',
      statement: {
        policy: { kind: 'boundary', policy: 'dev-boundary' },
        statement: 3,
        effect: 'Allow',
        layer: 'boundary',
        applies: 'unknown',
        span: undefined,
      },
      expected: 'dev-boundary (boundary) Allow #3 (applies depending on missing keys)',
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      expect(describeDecidingStatement(entry.statement)).toBe(entry.expected);
    });
});

describe('renderPolicyTestsText', () => {
  const text = renderPolicyTestsText(policyTestDocument(), { color: false, verbose: false });
  const lines = text.split('\n');

  it('lists findings first: the CloudTrail contradiction, then the failure, then the inconclusive case', () => {
    const critical = rowOf(lines, DEPLOYER_DEV);
    const fail = rowOf(lines, ALICE);
    const inconclusive = rowOf(lines, DEPLOYER_PROD);
    expect(lines[critical]).toMatch(
      /^ {2}CRITICAL +no IAM writes +arn:aws:iam::222222222222:role\/deployer +iam:Create\* +\* +fail +allowed \(1\/3\)/,
    );
    expect(lines[fail]).toMatch(
      /^ {2}FAIL +no IAM writes +arn:aws:iam::111111111111:user\/alice +iam:Create\* +\* +fail +allowed \(3\/3\)/,
    );
    expect(lines[inconclusive]).toMatch(/^ {2}INCONCLUSIVE +.* inconclusive \(1\/3\)/);
    expect(critical).toBeLessThan(fail);
    expect(fail).toBeLessThan(inconclusive);
  });

  it('says what CloudTrail saw, names the deciding statements with their positions, and the missing keys', () => {
    expect(text).toContain(
      'expected to fail, but it happened 4 times, last on 2026-10-30T12:00:00Z (iam:CreateRole)',
    );
    expect(text).toContain(
      'iam:CreateRole: allowed by deploy (group-inline via group ops) Allow Sid IamWrites L12:C5',
    );
    expect(text).toContain('iam:CreateUser: allowed by AdministratorAccess (managed) Allow #0 L4:C9');
    expect(lines[rowOf(lines, DEPLOYER_PROD) + 1]).toBe('      missing context keys: aws:SourceIp');
    expect(text).toContain('expected to succeed, but the decision is implicitDeny');
  });

  it('puts the simulator and CloudTrail columns next to the local decision', () => {
    const header = lines.find((line) => line.trimStart().startsWith('status'));
    expect(header?.trim().split(/ {2,}/)).toEqual([
      'status',
      'test',
      'principal',
      'action',
      'resource',
      'expected',
      'decision',
      'simulator',
      'cloudtrail',
      'deciding policy',
    ]);
    expect(lines[rowOf(lines, DEPLOYER_PROD)]).toMatch(/inconclusive \(1\/3\) +implicitDeny +never seen/);
    expect(lines[rowOf(lines, WORKER_DEV)]).toMatch(/implicitDeny +allowed +not read +-$/);
  });

  it('collapses passes to a count unless verbose', () => {
    expect(rowOf(lines, BOB)).toBe(-1);
    expect(rowOf(lines, WORKER_PROD)).toBe(-1);
    expect(
      lines.filter((line) => line === '  1 passing case(s) not listed (--verbose lists them)'),
    ).toHaveLength(2);
    const verbose = renderPolicyTestsText(policyTestDocument(), { color: false, verbose: true }).split('\n');
    expect(verbose[rowOf(verbose, BOB)]).toMatch(/^ {2}pass +no IAM writes/);
    expect(verbose[rowOf(verbose, WORKER_PROD)]).toMatch(/120 call\(s\), last 2026-10-31T08:15:00Z/);
    expect(verbose.some((line) => line.includes('passing case(s) not listed'))).toBe(false);
  });

  it('ends with the failed accounts, the CloudTrail line, the disagreements and the summary', () => {
    const tail = lines.slice(lines.indexOf('Accounts that could not be tested: 1'));
    expect(tail.slice(0, -2)).toEqual([
      'Accounts that could not be tested: 1',
      `  sandbox (${SANDBOX}): STS AssumeRole failed: AccessDenied`,
      '',
      'CloudTrail cross-check over 2026-10-01..2026-10-31',
      'Simulator disagreements: 1',
      `  worker can put objects ${WORKER_DEV} s3:PutObject arn:aws:s3:::my_bucket/xyz/*: local implicitDeny, simulator allowed`,
      '',
    ]);
    expect(lines.at(-2)).toBe(
      'Summary: 2 test(s), 6 case(s): 3 fail, 1 inconclusive, 2 pass, 1 contradicted by CloudTrail; 2 account(s) tested, 1 failed',
    );
  });

  it('says why CloudTrail was not read, and drops the columns of what was not used', () => {
    const plain = renderPolicyTestsText(
      policyTestDocument({
        cloudTrail: { used: false, reason: '--no-trail' },
        simulator: false,
        disagreements: [],
      }),
      { color: false, verbose: false },
    );
    expect(plain.split('\n')).toContain('CloudTrail cross-check was not done: --no-trail');
    expect(plain).not.toContain('cloudtrail');
    expect(plain).not.toContain('simulator');
  });

  it('colours only when asked, and escapes control characters from the data', () => {
    expect(text).not.toContain(ESC);
    const coloured = renderPolicyTestsText(policyTestDocument(), { color: true, verbose: false });
    expect(coloured).toContain(`${ESC}[31m`);
    const document = policyTestDocument();
    const hostile = policyTestDocument({
      tests: document.tests.map((report) => ({ ...report, name: `${report.name}${ESC}[2J` })),
    });
    const escaped = renderPolicyTestsText(hostile, { color: false, verbose: false });
    expect(escaped).not.toContain(ESC);
    expect(escaped).toContain('Test 1 "no IAM writes\\x1b[2J"');
  });
});

/*
 * The rules of Jenkins xUnit's junit-10.xsd (MIT, Gregory Boissinot;
 * https://github.com/jenkinsci/xunit-plugin/blob/master/src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd),
 * transcribed: per element, its allowed and required attributes and its allowed children. No XSD
 * validator is installable here without native binaries, so the parsed document is checked
 * against them.
 */
const JUNIT_10: Readonly<
  Record<
    string,
    { attributes: readonly string[]; required: readonly string[]; children: readonly string[]; text: boolean }
  >
> = {
  testsuites: {
    attributes: ['name', 'time', 'tests', 'failures', 'errors'],
    required: [],
    children: ['testsuite'],
    text: false,
  },
  testsuite: {
    attributes: [
      'name',
      'tests',
      'failures',
      'errors',
      'group',
      'time',
      'skipped',
      'timestamp',
      'hostname',
      'id',
      'package',
      'file',
      'log',
      'url',
    ],
    required: ['name', 'tests', 'failures', 'errors'],
    children: ['testsuite', 'properties', 'testcase', 'system-out', 'system-err'],
    text: false,
  },
  testcase: {
    attributes: ['name', 'time', 'classname', 'group'],
    required: ['name'],
    children: [
      'skipped',
      'error',
      'failure',
      'rerunFailure',
      'rerunError',
      'flakyFailure',
      'flakyError',
      'system-out',
      'system-err',
    ],
    text: false,
  },
  failure: { attributes: ['type', 'message'], required: [], children: [], text: true },
  error: { attributes: ['type', 'message'], required: [], children: [], text: true },
  skipped: { attributes: ['type', 'message'], required: [], children: [], text: true },
  'system-out': { attributes: [], required: [], children: [], text: true },
  'system-err': { attributes: [], required: [], children: [], text: true },
};

type Parsed = Record<string, unknown>;

/** Every violation of {@link JUNIT_10} under `node`, as `path: problem`. */
function junitViolations(name: string, node: Parsed | string, path: string): string[] {
  const rule = JUNIT_10[name];
  if (rule === undefined) return [`${path}: element <${name}> is not in the schema`];
  // An element holding only text parses to its string.
  if (typeof node === 'string') return rule.text ? [] : [`${path}: text not allowed`];
  const problems: string[] = [];
  const attributes = Object.keys(node)
    .filter((key) => key.startsWith('@_'))
    .map((key) => key.slice(2));
  for (const attribute of attributes)
    if (!rule.attributes.includes(attribute)) problems.push(`${path}: attribute ${attribute} not allowed`);
  for (const attribute of rule.required)
    if (!attributes.includes(attribute)) problems.push(`${path}: attribute ${attribute} missing`);
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_')) continue;
    if (key === '#text') {
      if (!rule.text) problems.push(`${path}: text not allowed`);
      continue;
    }
    if (!rule.children.includes(key)) {
      problems.push(`${path}: child <${key}> not allowed`);
      continue;
    }
    const children = (Array.isArray(value) ? value : [value]) as Parsed[];
    children.forEach((child, index) =>
      problems.push(...junitViolations(key, child, `${path}/${key}[${index}]`)),
    );
  }
  return problems;
}

function parseJunit(xml: string): Parsed {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    // Every element as an object, attributes and all, so empty elements are checked too.
    alwaysCreateTextNode: false,
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && name !== 'testsuites',
  });
  return parser.parse(xml) as Parsed;
}

describe('renderPolicyTestsJunit', () => {
  const xml = renderPolicyTestsJunit(policyTestDocument());
  const parsed = parseJunit(xml);
  const root = parsed.testsuites as Parsed;
  const suites = root.testsuite as Parsed[];
  const cases = (suite: Parsed) => suite.testcase as Parsed[];
  const caseOf = (suite: Parsed, arn: string) =>
    cases(suite).find((entry) => String(entry['@_name']).startsWith(`${arn} `));

  it('is well-formed XML that keeps to junit-10.xsd', () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- fast-xml-parser's validator is the one installed
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(Object.keys(parsed).filter((key) => key !== '?xml')).toEqual(['testsuites']);
    expect(junitViolations('testsuites', root, 'testsuites')).toEqual([]);
  });

  it('(the transcribed schema catches what junit-10.xsd refuses)', () => {
    const bad = parseJunit(
      '<testsuites skipped="1"><testsuite name="x" tests="1" failures="0"><testcase status="x"><failure/><note/></testcase></testsuite></testsuites>',
    );
    expect(junitViolations('testsuites', bad.testsuites as Parsed, 'testsuites')).toEqual([
      'testsuites: attribute skipped not allowed',
      'testsuites/testsuite[0]: attribute errors missing',
      'testsuites/testsuite[0]/testcase[0]: attribute status not allowed',
      'testsuites/testsuite[0]/testcase[0]: attribute name missing',
      'testsuites/testsuite[0]/testcase[0]: child <note> not allowed',
    ]);
  });

  it('has one suite per test and one case per outcome, with counts that add up', () => {
    expect(suites.map((suite) => suite['@_name'])).toEqual([
      'no IAM writes',
      'worker can put objects',
      'accounts',
    ]);
    const counted = suites.map((suite) => ({
      tests: suite['@_tests'],
      failures: suite['@_failures'],
      errors: suite['@_errors'],
      skipped: suite['@_skipped'],
    }));
    expect(counted).toEqual([
      { tests: '4', failures: '2', errors: '0', skipped: '1' },
      { tests: '2', failures: '1', errors: '0', skipped: '0' },
      { tests: '1', failures: '0', errors: '1', skipped: '0' },
    ]);
    for (const suite of suites) {
      const list = cases(suite);
      expect(String(list.length)).toBe(suite['@_tests']);
      expect(String(list.filter((entry) => 'failure' in entry).length)).toBe(suite['@_failures']);
      expect(String(list.filter((entry) => 'error' in entry).length)).toBe(suite['@_errors']);
      expect(String(list.filter((entry) => 'skipped' in entry).length)).toBe(suite['@_skipped']);
    }
    expect([root['@_tests'], root['@_failures'], root['@_errors']]).toEqual(['7', '3', '1']);
  });

  it('names each case by account, principal, action and resource, and says why it failed or was skipped', () => {
    const [first, second, accounts] = suites as [Parsed, Parsed, Parsed];
    expect(cases(first).map((entry) => [entry['@_classname'], entry['@_name']])).toEqual([
      [PROD, `${ALICE} iam:Create* *`],
      [DEV, `${BOB} iam:Create* *`],
      [PROD, `${DEPLOYER_PROD} iam:Create* *`],
      [DEV, `${DEPLOYER_DEV} iam:Create* *`],
    ]);
    const contradicted = (caseOf(first, DEPLOYER_DEV)?.failure as Parsed[])[0] as Parsed;
    expect(contradicted['@_type']).toBe('CloudTrailContradiction');
    expect(contradicted['@_message']).toBe(
      'no IAM writes: expected to fail, but it happened 4 times, last on 2026-10-30T12:00:00Z (iam:CreateRole)',
    );
    expect(contradicted['#text']).toContain('deploy (group-inline via group ops) Allow Sid IamWrites L12:C5');
    const failure = (caseOf(first, ALICE)?.failure as Parsed[])[0] as Parsed;
    expect(failure['@_type']).toBe('PolicyTestFailure');
    expect(failure['#text']).toBe('iam:CreateUser: allowed\n  AdministratorAccess (managed) Allow #0 L4:C9');
    expect((caseOf(first, DEPLOYER_PROD)?.skipped as Parsed[])[0]).toEqual({
      '@_message': 'missing context keys: aws:SourceIp',
    });
    expect(Object.keys(caseOf(first, BOB) ?? {}).sort()).toEqual(['@_classname', '@_name']);
    expect(((caseOf(second, WORKER_DEV)?.failure as Parsed[])[0] as Parsed)['@_type']).toBe(
      'PolicyTestFailure',
    );
    const accountCase = cases(accounts)[0] as Parsed;
    expect(accountCase['@_classname']).toBe(SANDBOX);
    expect((accountCase.error as Parsed[])[0]).toEqual({
      '@_message': 'the account could not be tested: STS AssumeRole failed: AccessDenied',
      '@_type': 'AccountFailure',
    });
  });

  it('escapes markup and replaces characters XML cannot carry', () => {
    const document = policyTestDocument({ accounts: [] });
    const tricky = policyTestDocument({
      accounts: [],
      tests: document.tests.map((report) => ({ ...report, name: `a <b> & "c"\u0001` })),
    });
    const out = renderPolicyTestsJunit(tricky);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- fast-xml-parser's validator is the one installed
    expect(XMLValidator.validate(out)).toBe(true);
    const names = ((parseJunit(out).testsuites as Parsed).testsuite as Parsed[]).map(
      (suite) => suite['@_name'],
    );
    expect(names).toEqual(['a <b> & "c"\ufffd', 'a <b> & "c"\ufffd']);
    expect(out).toContain('name="a &lt;b&gt; &amp; &quot;c&quot;\ufffd"');
  });

  it('has no accounts suite when every account was read', () => {
    const document = policyTestDocument();
    const out = parseJunit(
      renderPolicyTestsJunit(
        policyTestDocument({ accounts: document.accounts.filter((a) => a.status === 'read') }),
      ),
    );
    const root2 = out.testsuites as Parsed;
    expect((root2.testsuite as Parsed[]).map((suite) => suite['@_name'])).toEqual([
      'no IAM writes',
      'worker can put objects',
    ]);
    expect(root2['@_errors']).toBe('0');
  });
});

/**
 * The review's cases over the helper document: its second test's dev worker (a `succeed` case)
 * with partial logs, the first test's bob (a `fail` case on `*`, passing) moved to a scoped
 * resource CloudTrail saw the action called on, a principal with missing IAM data, an account
 * warning, and a third `succeed` test that covered no principal.
 */
function reviewDocument(): PolicyTestDocument {
  const base = policyTestDocument();
  const [first, second] = base.tests;
  if (first === undefined || second === undefined) throw new Error('the helper document has two tests');
  const change = (
    outcomes: readonly PolicyTestOutcome[],
    arn: string,
    fields: Partial<PolicyTestOutcome>,
  ): PolicyTestOutcome[] =>
    outcomes.map((outcome) => (outcome.principalArn === arn ? { ...outcome, ...fields } : outcome));
  return {
    ...base,
    accounts: base.accounts.map((account) =>
      account.id === PROD ? { ...account, warnings: [`${ALICE}: managed policy Gone not found`] } : account,
    ),
    tests: [
      {
        ...first,
        outcomes: change(first.outcomes, BOB, {
          resource: 'arn:aws:iam::111111111111:user/*',
          cloudTrail: {
            calls: 2,
            lastSeen: '2026-10-29T07:11:00Z',
            actions: ['iam:CreateAccessKey'],
            resourceKnown: false,
            coverage: FULL_COVERAGE,
          },
          problems: ['managed policy Gone not found'],
        }),
      },
      {
        ...second,
        outcomes: change(second.outcomes, WORKER_PROD, {
          cloudTrail: {
            calls: 0,
            lastSeen: null,
            actions: [],
            resourceKnown: false,
            coverage: { daysWithLogs: 31, windowDays: 90, unreadableFiles: 2 },
          },
        }),
      },
      {
        index: 2,
        name: 'nobody-left',
        line: 20,
        expected: 'succeed',
        actions: ['s3:GetObject'],
        resources: ['*'],
        principals: 0,
        outcomes: [],
        summary: { cases: 0, pass: 0, fail: 0, inconclusive: 0, contradicted: 0, unchecked: 1 },
        warnings: ['test "nobody-left" (tests.yaml:20): covers no principal: counted unchecked'],
      },
    ],
    summary: { ...base.summary, unchecked: 1 },
  };
}

describe('the review: coverage, unproven calls, missing IAM data, unchecked tests', () => {
  const document = reviewDocument();
  const text = renderPolicyTestsText(document, { color: false, verbose: true });
  const lines = text.split('\n');

  it('says never seen only when the logs cover the whole window', () => {
    const worker = document.tests[1]?.outcomes.find((outcome) => outcome.principalArn === WORKER_PROD);
    if (worker?.cloudTrail == null) throw new Error('no worker outcome with CloudTrail');
    expect(cloudTrailCell(worker)).toBe('not seen (logs for 31 of 90 days, 2 file(s) unreadable)');
    expect(cloudTrailCell({ ...worker, cloudTrail: { ...worker.cloudTrail, coverage: FULL_COVERAGE } })).toBe(
      'never seen',
    );
    expect(lines[rowOf(lines, WORKER_PROD)]).toContain(
      'not seen (logs for 31 of 90 days, 2 file(s) unreadable)',
    );
  });

  it('shows calls on a scoped resource as information, not a contradiction', () => {
    expect(lines[rowOf(lines, BOB)]).toContain(
      '2 call(s), last 2026-10-29T07:11:00Z (of the action; resource not kept)',
    );
    expect(lines).toContain(
      `  CloudTrail (not a finding): ${BOB}: iam:CreateAccessKey called 2 time(s), last 2026-10-29T07:11:00Z, on resources the logs summary does not keep (not proof for arn:aws:iam::111111111111:user/*)`,
    );
  });

  it('counts the collapsed passes that rest on incomplete IAM data', () => {
    const quiet = renderPolicyTestsText(document, { color: false, verbose: false }).split('\n');
    // Test 1: bob's case passes (implicitDeny on a fail test) with a problem; alice's, the
    // deployers' are findings or inconclusive.
    expect(quiet).toContain(
      '  1 passing case(s) not listed (--verbose lists them; 1 of them rest on incomplete IAM data)',
    );
  });

  it("prints a principal's missing IAM data under its row, and the accounts' warnings", () => {
    expect(lines[rowOf(lines, BOB) + 1]).toBe('      IAM data: managed policy Gone not found');
    const heading = lines.indexOf('What limits the outcomes (IAM data):');
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1]).toBe(`  prod (${PROD}): ${ALICE}: managed policy Gone not found`);
  });

  it("prints a test's warning under its heading and counts the unchecked succeed test", () => {
    const heading = lines.findIndex((line) => line.startsWith('Test 3 "nobody-left"'));
    expect(lines[heading + 2]).toBe(
      '  warning: test "nobody-left" (tests.yaml:20): covers no principal: counted unchecked',
    );
    expect(lines.find((line) => line.startsWith('Summary:'))).toContain(
      'contradicted by CloudTrail, 1 succeed test(s) unchecked;',
    );
  });

  it('carries the warnings and problems in JUnit system-err, keeping to junit-10.xsd', () => {
    const parsed = parseJunit(renderPolicyTestsJunit(document));
    const root = parsed.testsuites as Parsed;
    expect(junitViolations('testsuites', root, 'testsuites')).toEqual([]);
    const suites = root.testsuite as Parsed[];
    const byName = (name: string) => suites.find((suite) => suite['@_name'] === name);
    expect(byName('nobody-left')?.['system-err']).toEqual([
      'test "nobody-left" (tests.yaml:20): covers no principal: counted unchecked',
    ]);
    // The unchecked succeed test is a finding: one failed case of its suite, counted at the top.
    const unchecked = byName('nobody-left');
    expect(unchecked?.['@_tests']).toBe('1');
    expect(unchecked?.['@_failures']).toBe('1');
    expect(((unchecked?.testcase as Parsed[])[0]?.failure as Parsed[])[0]?.['@_type']).toBe('UncheckedTest');
    const failuresInSuites = suites.reduce((sum, suite) => sum + Number(suite['@_failures']), 0);
    expect(root['@_failures']).toBe(String(failuresInSuites));
    expect(String((byName('accounts')?.['system-err'] as string[])[0])).toContain(
      `prod (${PROD}): ${ALICE}: managed policy Gone not found`,
    );
    const bob = (byName('no IAM writes')?.testcase as Parsed[]).find((entry) =>
      String(entry['@_name']).startsWith(`${BOB} `),
    );
    expect(String((bob?.['system-err'] as string[])[0])).toContain('IAM data: managed policy Gone not found');
    expect(bob?.failure).toBeUndefined();
  });
});
