import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import {
  cachePathFlag,
  cacheWaitFlag,
  configFlag,
  engineFlag,
  maxScanGbFlag,
  maxScanOf,
  formatFlag,
  logsFlag,
  noCacheFlag,
  cacheSettingsOf,
} from '../cli/flags.js';
import { toPrintable, toPrintableDeep } from '../cli/printable.js';
import { renderPolicyTestsJunit, renderPolicyTestsText } from '../cli/render-policy-tests.js';
import { resolveWindow } from '../cli/window.js';
import type { PolicyTestDocument } from '../app/policy-tests/policy-test-types.js';
import { DEFAULT_TEST_WINDOW_DAYS, runPolicyTests } from '../app/policy-tests/run-policy-tests.js';
import { writePolicyTestFiles } from '../app/policy-tests/write-test-files.js';
import { messageOf, UsageError } from '../errors.js';
import { addDays } from '../trail/utc-days.js';
import { writeOutputFile } from '../cli/write-output-file.js';

/** The test file read when `--tests` is not given (in the current directory). */
export const DEFAULT_TESTS_FILE = 'policy-tests.yaml';

/**
 * `iamtrail test`: aws-iam-tester's policy tests over every principal of every account, decided
 * locally (and by IAM's simulator with `--simulator`), cross-checked against CloudTrail. Exit
 * codes: 3 when an account failed (after the whole output); else 1 for findings (a failed case, a
 * `fail` test CloudTrail contradicts, an inconclusive case with `--fail-on-inconclusive`); else 0;
 * 2 for bad input.
 */
export default class Test extends BaseCommand {
  static override summary =
    "Run aws-iam-tester's policy tests over every user and role of the accounts, and check the fail tests against CloudTrail.";
  static override description =
    "The test file (--tests, default ./policy-tests.yaml) is aws-iam-tester's YAML unchanged: user_landing_account, " +
    'global_exemptions, global_limit_to and tests:, each with actions (wildcards expand to the known actions), ' +
    'resources ({account_id} filled in), expected_result fail|succeed, limit_to, exemptions and custom_context; ' +
    "iamtrail adds an optional name:. Each case is decided by iamtrail's evaluator over the principal's identity " +
    'policies, groups, permissions boundary and, with --scps FILE, the SCPs above its account. The SCP file is JSON ' +
    '(or YAML): {"managementAccount": "1111…" (optional), "policies": [{"id", "name", "content" (the policy, object ' +
    'or JSON text), "targets": ["r-…", "ou-…", account ids]}], "accounts": {"2222…": ["r-…", "ou-…"]} (per account, ' +
    'its path from the root to its parent OU)}; every level needs at least one SCP. Default context (of a test ' +
    'without custom_context, which replaces it): aws:MultiFactorAuthPresent=true and redshift:DbUser=admin; a ' +
    'condition key nobody supplies makes a case ' +
    'inconclusive. CloudTrail (the cache, the last 90 days by default) tells for each case whether the principal ' +
    'really called the actions: a fail test on * it contradicts is a critical finding (the logs keep no resource: ' +
    'calls on a scoped resource are shown, not a finding). A succeed test covering no principal is unchecked: a ' +
    'finding. Exit codes: 3 when an account ' +
    'failed (after the whole output), else 1 for findings, else 0; 2 for bad input.';
  static override examples = [
    '<%= config.bin %> test --config examples/demo/config.example.yaml --tests examples/policy-tests/demo.yaml --end 2026-10-31',
    '<%= config.bin %> test --org --role iamtrail-audit --tests policy-tests.yaml --no-trail --junit junit.xml',
    '<%= config.bin %> test --config config.yaml --scps scps.json --simulator --format json > tests.json',
  ];
  static override flags = {
    tests: Flags.string({
      default: DEFAULT_TESTS_FILE,
      helpValue: 'FILE',
      description: "The test file (aws-iam-tester's YAML format).",
    }),
    config: configFlag,
    account: Flags.string({
      multiple: true,
      helpValue: 'NAME_OR_ID',
      exclusive: ['all'],
      description: 'Test only this account (name or id; repeatable). Default: every account.',
    }),
    all: Flags.boolean({
      exclusive: ['account'],
      description: 'Every account (the default, said explicitly).',
    }),
    org: Flags.boolean({
      description:
        'Every ACTIVE account of the organisation (Organizations ListAccounts) instead of the config.',
    }),
    role: Flags.string({
      helpValue: 'NAME',
      dependsOn: ['org'],
      description: 'With --org: the role name to assume in each account (default: audit.role of the config).',
    }),
    scps: Flags.string({
      helpValue: 'FILE',
      description:
        'Service control policies and where they are attached (JSON or YAML; see the description).',
    }),
    simulator: Flags.boolean({
      description:
        "Also ask IAM's SimulatePrincipalPolicy (accounts read from AWS only); disagreements with the local decision are listed.",
    }),
    'simulator-rate': Flags.integer({
      default: 5,
      min: 1,
      max: 100,
      helpValue: 'N',
      description: 'With --simulator: simulator calls per second per account.',
    }),
    'include-service-roles': Flags.boolean({
      description: 'Also test service-linked roles (path /aws-service-role/).',
    }),
    'include-system-roles': Flags.boolean({
      default: true,
      allowNo: true,
      description:
        'Test roles only AWS services can assume (--no-include-system-roles: only roles people can assume).',
    }),
    start: Flags.string({
      helpValue: 'YYYY-MM-DD',
      description: `First UTC day of the CloudTrail cross-check (default: the window of ${DEFAULT_TEST_WINDOW_DAYS} days that ends on --end).`,
    }),
    end: Flags.string({
      helpValue: 'YYYY-MM-DD',
      description: 'Last UTC day of the CloudTrail cross-check, inclusive (default: today, UTC).',
    }),
    'no-trail': Flags.boolean({ description: 'Leave the CloudTrail cross-check out.' }),
    logs: logsFlag,
    engine: engineFlag,
    'max-scan-gb': maxScanGbFlag,
    cache: cachePathFlag,
    'no-cache': noCacheFlag,
    'cache-wait': cacheWaitFlag,
    concurrency: Flags.integer({
      default: 5,
      min: 1,
      max: 50,
      helpValue: 'N',
      description: 'Accounts read from AWS at once.',
    }),
    format: formatFlag,
    verbose: Flags.boolean({ description: 'Text output: every case, not only findings and the summary.' }),
    color: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Colour text output (--no-color, or NO_COLOR, turns it off).',
    }),
    junit: Flags.string({ helpValue: 'FILE', description: 'Also write the outcomes as JUnit XML (for CI).' }),
    out: Flags.string({
      helpValue: 'DIR|s3://BUCKET/PREFIX',
      description: 'Also write one JSON file per test into a folder, or under an S3 prefix.',
    }),
    'fail-on-inconclusive': Flags.boolean({
      description: 'Exit 1 also when a case is inconclusive (a condition key the context lacks).',
    }),
  };

  async run(): Promise<PolicyTestDocument> {
    const { flags } = await this.parse(Test);
    const resolved = resolveWindow(flags.start, flags.end);
    const window =
      flags.start === undefined
        ? resolveWindow(addDays(resolved.endDay, -(DEFAULT_TEST_WINDOW_DAYS - 1)), resolved.endDay)
        : resolved;
    if (!flags['no-trail']) for (const notice of window.notices) this.warnLine(notice);
    // With --org the config is optional; without, it lists the accounts.
    const config = this.loadFanOutConfig(flags);

    const document = await this.withLogReading(({ signal, reporter }) =>
      runPolicyTests({
        config,
        testsFile: flags.tests,
        scpsFile: flags.scps,
        request: { accounts: flags.account ?? [], org: flags.org, role: flags.role },
        selection: {
          includeServiceRoles: flags['include-service-roles'],
          includeSystemRoles: flags['include-system-roles'],
        },
        trail: !flags['no-trail'],
        window: { startDay: window.startDay, endDay: window.endDay },
        logs: flags.logs,
        engine: flags.engine,
        cache: cacheSettingsOf(flags),
        ...maxScanOf(flags),
        simulator: flags.simulator ? { callsPerSecond: flags['simulator-rate'] } : null,
        concurrency: flags.concurrency,
        signal,
        reporter,
      }),
    );

    if (flags.junit !== undefined) {
      try {
        writeOutputFile(flags.junit, renderPolicyTestsJunit(document));
      } catch (error) {
        throw new UsageError(`--junit ${flags.junit}: cannot write there: ${messageOf(error)}`, {
          cause: error,
        });
      }
      process.stderr.write(`${toPrintable(`written: ${flags.junit}`)}\n`);
    }
    if (flags.out !== undefined) {
      const { written } = await writePolicyTestFiles(document, flags.out, {
        region: config?.athena?.region,
      });
      process.stderr.write(`${toPrintable(`written: ${written.length} file(s) to ${flags.out}`)}\n`);
    }
    const failed = document.accounts.filter((account) => account.status === 'failed').length;
    const { summary } = document;
    const findings =
      document.tests
        .flatMap((test) => test.outcomes)
        .filter((outcome) => outcome.status === 'fail' || outcome.contradicted).length +
      summary.unchecked +
      (flags['fail-on-inconclusive'] ? summary.inconclusive : 0);
    const exitCode = failed > 0 ? 3 : findings > 0 ? 1 : 0;
    if (this.jsonEnabled() && exitCode === 0) return document;
    if (this.jsonEnabled() || flags.format === 'json')
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    else {
      const colour =
        flags.color &&
        process.env.NO_COLOR === undefined &&
        (process.stdout.isTTY || process.env.FORCE_COLOR !== undefined);
      // Names come from IAM files and logs: escaped here (JSON escapes its own).
      process.stdout.write(
        renderPolicyTestsText(toPrintableDeep(document), { color: colour, verbose: flags.verbose }),
      );
    }
    for (const account of document.accounts)
      for (const warning of account.warnings ?? [])
        this.warnLine(`account ${account.name} (${account.id}): ${warning}`);
    for (const warning of document.cloudTrail.used ? document.cloudTrail.warnings : [])
      this.warnLine(warning);
    if (failed > 0) {
      this.warnLine(
        `${failed} of ${document.accounts.length} account(s) could not be tested (their error is in the output): exit code 3`,
      );
      await this.exitWhenWritten(3);
    }
    if (findings > 0) {
      this.warnLine(
        `${summary.fail} failed case(s), ${summary.contradicted} contradicted by CloudTrail${summary.unchecked > 0 ? `, ${summary.unchecked} succeed test(s) unchecked (no principal tested)` : ''}${flags['fail-on-inconclusive'] ? `, ${summary.inconclusive} inconclusive` : ''}: exit code 1`,
      );
      await this.exitWhenWritten(1);
    }
    return document;
  }
}
