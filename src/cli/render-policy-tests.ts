import XMLBuilder from 'fast-xml-builder';

import type {
  PolicyTestCoverage,
  PolicyTestDocument,
  PolicyTestOutcome,
  PolicyTestReport,
} from '../app/policy-tests/policy-test-types.js';
import type { DecidingStatement } from '../iam/policy-evaluation.js';
import { toPrintableDeep } from './printable.js';
import { createPalette } from './render-report.js';

/*
 * `iamtrail test`'s text and JUnit outputs (JSON is the document itself, `--out` is
 * src/app/policy-tests/write-test-files.ts). Findings come first everywhere: a `fail` outcome, and
 * above all one CloudTrail contradicts (the principal did what the test says it must not be able
 * to do).
 */

/** How an outcome is shown: a CloudTrail contradiction, a failed expectation, undecided, or a pass. */
export type OutcomeStanding = 'critical' | 'fail' | 'inconclusive' | 'pass';

/** An outcome's standing: contradicted by CloudTrail wins over its status. */
export function outcomeStanding(outcome: PolicyTestOutcome): OutcomeStanding {
  if (outcome.contradicted) return 'critical';
  return outcome.status;
}

/**
 * A deciding statement in one line: policy name, kind (the group or SCP target it comes through),
 * the Sid or the statement index, and its place in the policy text (`L<line>:C<column>`).
 */
export function describeDecidingStatement(statement: DecidingStatement): string {
  const ref = statement.policy;
  const via =
    ref.kind === 'scp' ? ` at ${ref.target}` : ref.group === undefined ? '' : ` via group ${ref.group}`;
  const which = statement.sid === undefined ? `#${statement.statement}` : `Sid ${statement.sid}`;
  const span =
    statement.span === undefined ? '' : ` L${statement.span.start.line}:C${statement.span.start.column}`;
  const unknown = statement.applies === 'unknown' ? ' (applies depending on missing keys)' : '';
  return `${ref.policy} (${ref.kind}${via}) ${statement.effect} ${which}${span}${unknown}`;
}

/** The CloudTrail contradiction of an outcome, as the finding says it. */
export function describeContradiction(outcome: PolicyTestOutcome): string {
  const trail = outcome.cloudTrail;
  const calls = trail?.calls ?? 0;
  const last = trail?.lastSeen == null ? '' : `, last on ${trail.lastSeen}`;
  const actions = trail === null || trail.actions.length === 0 ? '' : ` (${trail.actions.join(', ')})`;
  return `expected to fail, but it happened ${calls} time${calls === 1 ? '' : 's'}${last}${actions}`;
}

/** The condition keys an outcome's decision is missing, over its examples, sorted. */
export function missingContextKeys(outcome: PolicyTestOutcome): string[] {
  return [...new Set(outcome.examples.flatMap((example) => example.missingContextKeys))].sort();
}

/** Why an outcome is a finding, in one line (for a `fail` that CloudTrail does not contradict). */
function describeFailure(outcome: PolicyTestOutcome): string {
  const total = actionCount(outcome);
  const share = total > 1 ? ` for ${outcome.counts[outcome.decision]} of ${total} actions` : '';
  return `expected to ${outcome.expected}, but the decision is ${outcome.decision}${share}`;
}

function actionCount(outcome: PolicyTestOutcome): number {
  return Object.values(outcome.counts).reduce((sum, count) => sum + count, 0);
}

function describeDecision(outcome: PolicyTestOutcome): string {
  const total = actionCount(outcome);
  return total > 1 ? `${outcome.decision} (${outcome.counts[outcome.decision]}/${total})` : outcome.decision;
}

/** The deciding policy column: the first deciding example's statements. */
function decidingCell(outcome: PolicyTestOutcome): string {
  const statements = outcome.examples[0]?.deciding ?? [];
  if (statements.length === 0) return '-';
  const shown = statements.slice(0, 2).map((statement) => describeDecidingStatement(statement));
  return statements.length > 2 ? `${shown.join('; ')}; +${statements.length - 2} more` : shown.join('; ');
}

/** Whether the logs cover every day of the window for the outcome's account, every file read. */
function fullCoverage(coverage: PolicyTestCoverage): boolean {
  return coverage.daysWithLogs >= coverage.windowDays && coverage.unreadableFiles === 0;
}

/**
 * The CloudTrail column: `never seen` only when the logs cover the whole window (else `not seen
 * (logs for 31 of 90 days)`: a call on the missing days is unknown); calls of a scoped resource are
 * marked, the logs summary keeping no resource.
 */
export function cloudTrailCell(outcome: PolicyTestOutcome): string {
  const trail = outcome.cloudTrail;
  if (trail === null) return 'not read';
  const { coverage } = trail;
  if (trail.calls === 0) {
    if (fullCoverage(coverage)) return 'never seen';
    const unreadable = coverage.unreadableFiles > 0 ? `, ${coverage.unreadableFiles} file(s) unreadable` : '';
    return `not seen (logs for ${coverage.daysWithLogs} of ${coverage.windowDays} days${unreadable})`;
  }
  const calls = `${trail.calls} call(s), last ${trail.lastSeen ?? '?'}`;
  return trail.resourceKnown ? calls : `${calls} (of the action; resource not kept)`;
}

/**
 * A `fail` case whose actions CloudTrail saw called on a resource the logs summary does not keep:
 * information, never a finding (the calls may have been on other resources).
 */
export function describeUnprovenCalls(outcome: PolicyTestOutcome): string | undefined {
  const trail = outcome.cloudTrail;
  if (outcome.expected !== 'fail' || trail === null || trail.resourceKnown || trail.calls === 0)
    return undefined;
  const last = trail.lastSeen === null ? '' : `, last ${trail.lastSeen}`;
  return `${outcome.principalArn}: ${trail.actions.join(', ')} called ${trail.calls} time(s)${last}, on resources the logs summary does not keep (not proof for ${outcome.resource})`;
}

const STANDING_ORDER: Readonly<Record<OutcomeStanding, number>> = {
  critical: 0,
  fail: 1,
  inconclusive: 2,
  pass: 3,
};

const STANDING_LABEL: Readonly<Record<OutcomeStanding, string>> = {
  critical: 'CRITICAL',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  pass: 'pass',
};

/** Pads every column but the last to its widest cell; colours are applied after padding. */
function formatTable(
  rows: readonly (readonly string[])[],
  colour: (row: number, line: string) => string,
): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  return rows.map((row, index) =>
    colour(
      index,
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    ),
  );
}

function renderTest(
  report: PolicyTestReport,
  document: PolicyTestDocument,
  palette: ReturnType<typeof createPalette>,
  verbose: boolean,
): string[] {
  const lines: string[] = [];
  const { summary } = report;
  const counts = [
    `${summary.fail} fail`,
    ...(summary.contradicted > 0 ? [`${summary.contradicted} contradicted by CloudTrail`] : []),
    `${summary.inconclusive} inconclusive`,
    `${summary.pass} pass`,
  ];
  lines.push(
    palette.bold(
      `Test ${report.index + 1} "${report.name}" (${document.testsFile} line ${report.line}): expected ${report.expected}, ${report.principals} principal(s), ${summary.cases} case(s): ${counts.join(', ')}`,
    ),
  );
  lines.push(`  actions: ${report.actions.join(', ')}; resources: ${report.resources.join(', ')}`);
  for (const warning of report.warnings ?? []) lines.push(palette.yellow(`  warning: ${warning}`));
  const shown = report.outcomes
    .filter((outcome) => verbose || outcomeStanding(outcome) !== 'pass')
    .sort((a, b) => STANDING_ORDER[outcomeStanding(a)] - STANDING_ORDER[outcomeStanding(b)]);
  const passes = report.outcomes.length - report.outcomes.filter((o) => outcomeStanding(o) !== 'pass').length;
  if (shown.length > 0) {
    const header = [
      'status',
      'test',
      'principal',
      'action',
      'resource',
      'expected',
      'decision',
      ...(document.simulator ? ['simulator'] : []),
      ...(document.cloudTrail.used ? ['cloudtrail'] : []),
      'deciding policy',
    ];
    const rows = shown.map((outcome) => [
      STANDING_LABEL[outcomeStanding(outcome)],
      report.name,
      outcome.principalArn,
      outcome.action,
      outcome.resource,
      outcome.expected,
      describeDecision(outcome),
      ...(document.simulator ? [outcome.simulator?.decision ?? '-'] : []),
      ...(document.cloudTrail.used ? [cloudTrailCell(outcome)] : []),
      decidingCell(outcome),
    ]);
    const table = formatTable([header, ...rows], (row, line) => {
      if (row === 0) return palette.dim(line);
      const standing = outcomeStanding(shown[row - 1] as PolicyTestOutcome);
      if (standing === 'critical') return palette.red.bold(line);
      if (standing === 'fail') return palette.red(line);
      if (standing === 'inconclusive') return palette.yellow(line);
      return palette.green(line);
    });
    table.forEach((line, row) => {
      lines.push(`  ${line}`);
      const outcome = row === 0 ? undefined : shown[row - 1];
      if (outcome !== undefined) lines.push(...outcomeDetails(outcome));
    });
  }
  if (!verbose && passes > 0) {
    const incomplete = report.outcomes.filter(
      (outcome) => outcomeStanding(outcome) === 'pass' && outcome.problems.length > 0,
    ).length;
    const note = incomplete > 0 ? `; ${incomplete} of them rest on incomplete IAM data` : '';
    lines.push(`  ${passes} passing case(s) not listed (--verbose lists them${note})`);
  }
  const unproven = report.outcomes.map(describeUnprovenCalls).filter((line) => line !== undefined);
  for (const line of unproven) lines.push(`  CloudTrail (not a finding): ${line}`);
  return lines;
}

/** The lines under a table row: why it is a finding, or which keys are missing. */
function outcomeDetails(outcome: PolicyTestOutcome): string[] {
  const standing = outcomeStanding(outcome);
  const indent = '      ';
  const problems = outcome.problems.map((problem) => `${indent}IAM data: ${problem}`);
  if (standing === 'pass') return problems;
  if (standing === 'inconclusive')
    return [
      `${indent}missing context keys: ${missingContextKeys(outcome).join(', ') || '(none named)'}`,
      ...problems,
    ];
  const lines = [
    ...problems,
    `${indent}${standing === 'critical' ? describeContradiction(outcome) : describeFailure(outcome)}`,
  ];
  for (const example of outcome.examples.slice(0, 3)) {
    const statements = example.deciding.map((statement) => describeDecidingStatement(statement));
    lines.push(
      `${indent}${example.action}: ${example.decision}${statements.length === 0 ? '' : ` by ${statements.join('; ')}`}`,
    );
  }
  if (outcome.examples.length > 3)
    lines.push(`${indent}… ${outcome.examples.length - 3} more action(s) in the JSON output`);
  return lines;
}

/** The line every output carries about CloudTrail. */
export function describePolicyTestCloudTrail(document: PolicyTestDocument): string {
  const trail = document.cloudTrail;
  if (!trail.used) return `CloudTrail cross-check was not done: ${trail.reason}`;
  const warnings = trail.warnings.length === 0 ? '' : ` (${trail.warnings.join('; ')})`;
  return `CloudTrail cross-check over ${trail.start}..${trail.end}${warnings}`;
}

/** The summary line: cases by status, contradictions, failed accounts. */
export function describePolicyTestSummary(document: PolicyTestDocument): string {
  const { summary } = document;
  const failed = document.accounts.filter((account) => account.status === 'failed').length;
  const unchecked = summary.unchecked > 0 ? `, ${summary.unchecked} succeed test(s) unchecked` : '';
  return `Summary: ${document.tests.length} test(s), ${summary.cases} case(s): ${summary.fail} fail, ${summary.inconclusive} inconclusive, ${summary.pass} pass, ${summary.contradicted} contradicted by CloudTrail${unchecked}; ${document.accounts.length - failed} account(s) tested, ${failed} failed`;
}

/** The text output of `iamtrail test`: the outcomes as a table, findings first, and the summary. */
export function renderPolicyTestsText(
  document: PolicyTestDocument,
  options: { readonly color: boolean; readonly verbose: boolean },
): string {
  // Names, ARNs and the test file's strings are data: escaped before any colour is added.
  const printable = toPrintableDeep(document);
  const palette = createPalette(options.color);
  const lines: string[] = [];
  const read = printable.accounts.filter((account) => account.status === 'read');
  lines.push(
    `Policy tests of ${printable.testsFile} over ${read.length} account(s)${printable.scpsFile === null ? '' : `, SCPs from ${printable.scpsFile}`}${printable.simulator ? ', with the IAM policy simulator' : ''}`,
  );
  for (const report of printable.tests) {
    lines.push('');
    lines.push(...renderTest(report, printable, palette, options.verbose));
  }
  const failed = printable.accounts.filter((account) => account.status === 'failed');
  if (failed.length > 0) {
    lines.push('');
    lines.push(palette.red(`Accounts that could not be tested: ${failed.length}`));
    for (const account of failed)
      lines.push(palette.red(`  ${account.name} (${account.id}): ${account.error ?? 'failed'}`));
  }
  const warned = printable.accounts.filter((account) => (account.warnings ?? []).length > 0);
  if (warned.length > 0) {
    lines.push('');
    lines.push(palette.yellow('What limits the outcomes (IAM data):'));
    for (const account of warned)
      for (const warning of account.warnings ?? [])
        lines.push(palette.yellow(`  ${account.name} (${account.id}): ${warning}`));
  }
  lines.push('');
  lines.push(describePolicyTestCloudTrail(printable));
  if (printable.simulator) {
    lines.push(`Simulator disagreements: ${printable.disagreements.length}`);
    for (const entry of printable.disagreements) {
      const test = printable.tests.find((report) => report.index === entry.test);
      lines.push(
        palette.yellow(
          `  ${test?.name ?? `test ${entry.test + 1}`} ${entry.principalArn} ${entry.action} ${entry.resource}: local ${entry.local}, simulator ${entry.simulator}`,
        ),
      );
    }
  }
  lines.push('');
  lines.push(describePolicyTestSummary(printable));
  return `${lines.join('\n')}\n`;
}

/** The JUnit `type` of a failure that CloudTrail contradicts, and of a failed expectation. */
export const JUNIT_FAILURE_TYPES = {
  contradiction: 'CloudTrailContradiction',
  failure: 'PolicyTestFailure',
  account: 'AccountFailure',
  unchecked: 'UncheckedTest',
} as const;

/** Characters XML 1.0 cannot carry, even escaped (C0 controls but tab, LF, CR; U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '\ufffd');
}

type XmlNode = Record<string, unknown>;

function junitCase(
  report: PolicyTestReport,
  outcome: PolicyTestOutcome,
): { node: XmlNode; standing: OutcomeStanding } {
  const standing = outcomeStanding(outcome);
  const node: XmlNode = {
    '@_classname': xmlSafe(outcome.accountId),
    '@_name': xmlSafe(`${outcome.principalArn} ${outcome.action} ${outcome.resource}`),
  };
  const body = outcome.examples
    .map((example) => {
      const statements = example.deciding.map((statement) => `  ${describeDecidingStatement(statement)}`);
      return [`${example.action}: ${example.decision}`, ...statements].join('\n');
    })
    .join('\n');
  if (standing === 'critical' || standing === 'fail') {
    node.failure = {
      '@_message': xmlSafe(
        standing === 'critical'
          ? `${report.name}: ${describeContradiction(outcome)}`
          : `${report.name}: ${describeFailure(outcome)}`,
      ),
      '@_type': standing === 'critical' ? JUNIT_FAILURE_TYPES.contradiction : JUNIT_FAILURE_TYPES.failure,
      ...(body === '' ? {} : { '#text': xmlSafe(body) }),
    };
  } else if (standing === 'inconclusive') {
    node.skipped = {
      '@_message': xmlSafe(`missing context keys: ${missingContextKeys(outcome).join(', ')}`),
    };
  }
  const notes = [
    ...outcome.problems.map((problem) => `IAM data: ${problem}`),
    ...[describeUnprovenCalls(outcome)]
      .filter((line) => line !== undefined)
      .map((line) => `CloudTrail (not a finding): ${line}`),
  ];
  if (notes.length > 0) node['system-err'] = xmlSafe(notes.join('\n'));
  return { node, standing };
}

/**
 * The outcomes as JUnit XML (the Ant/Jenkins form of Jenkins xUnit's junit-10.xsd): one test suite
 * per test, one test case per outcome (`classname` the account, `name` principal, action and
 * resource); a finding is a `<failure>` (`CloudTrailContradiction` or `PolicyTestFailure`), an
 * inconclusive case is `<skipped>`; failed accounts are `<error>` cases of a last suite, `accounts`,
 * whose `<system-err>` carries the accounts' warnings (missing IAM data, CloudTrail coverage); a
 * test's warnings are its suite's `<system-err>`, a case's IAM data problems its own.
 */
export function renderPolicyTestsJunit(document: PolicyTestDocument): string {
  const suites: XmlNode[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const report of document.tests) {
    const cases = report.outcomes.map((outcome) => junitCase(report, outcome));
    // A `succeed` test nobody was tested against is a finding (summary.unchecked): one failed case.
    const unchecked =
      report.expected === 'succeed' && report.outcomes.length === 0
        ? [
            {
              '@_classname': 'unchecked',
              '@_name': xmlSafe(`${report.name}: no principal tested`),
              failure: {
                '@_message': xmlSafe(
                  `the test's selection covers no principal of the accounts tested: nothing was checked`,
                ),
                '@_type': JUNIT_FAILURE_TYPES.unchecked,
              },
            },
          ]
        : [];
    const failed =
      cases.filter((entry) => entry.standing === 'critical' || entry.standing === 'fail').length +
      unchecked.length;
    const skipped = cases.filter((entry) => entry.standing === 'inconclusive').length;
    tests += cases.length + unchecked.length;
    failures += failed;
    suites.push({
      '@_name': xmlSafe(report.name),
      '@_tests': String(cases.length + unchecked.length),
      '@_failures': String(failed),
      '@_errors': '0',
      '@_skipped': String(skipped),
      '@_timestamp': document.generatedAt,
      '@_file': xmlSafe(document.testsFile),
      testcase: [...cases.map((entry) => entry.node), ...unchecked],
      ...(report.warnings === undefined || report.warnings.length === 0
        ? {}
        : { 'system-err': xmlSafe(report.warnings.join('\n')) }),
    });
  }
  const failedAccounts = document.accounts.filter((account) => account.status === 'failed');
  const accountWarnings = [
    ...document.accounts.flatMap((account) =>
      (account.warnings ?? []).map((warning) => `${account.name} (${account.id}): ${warning}`),
    ),
    ...(document.cloudTrail.used ? document.cloudTrail.warnings : []),
  ];
  if (failedAccounts.length > 0 || accountWarnings.length > 0) {
    tests += failedAccounts.length;
    errors += failedAccounts.length;
    suites.push({
      '@_name': 'accounts',
      '@_tests': String(failedAccounts.length),
      '@_failures': '0',
      '@_errors': String(failedAccounts.length),
      '@_skipped': '0',
      '@_timestamp': document.generatedAt,
      testcase: failedAccounts.map((account) => ({
        '@_classname': xmlSafe(account.id),
        '@_name': xmlSafe(`account ${account.name} (${account.id})`),
        error: {
          '@_message': xmlSafe(`the account could not be tested: ${account.error ?? 'failed'}`),
          '@_type': JUNIT_FAILURE_TYPES.account,
        },
      })),
      ...(accountWarnings.length === 0 ? {} : { 'system-err': xmlSafe(accountWarnings.join('\n')) }),
    });
  }
  const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true });
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'iamtrail test',
      '@_tests': String(tests),
      '@_failures': String(failures),
      '@_errors': String(errors),
      testsuite: suites,
    },
  });
}
