import type { IAMClient } from '@aws-sdk/client-iam';

import {
  callsByAction,
  compareWithSimulator,
  callsProveResource,
  caseTrail,
  decideCase,
  isContradicted,
} from '../../analysis/policy-test-outcomes.js';
import type { ActionCalls } from '../../analysis/policy-test-outcomes.js';
import { describeSpans } from '../../analysis/log-coverage.js';
import type { SimulatedDecision, SimulationRequest, RateBudget } from '../../aws/policy-simulator.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import type { DayWindow } from '../../cli/window.js';
import type { Config } from '../../config/load-config.js';
import type { EngineReporter } from '../../engines/engine.js';
import { messageOf } from '../../errors.js';
import type { IamPrincipal } from '../../iam/authorization-details.js';
import type {
  ContextEntry,
  PrincipalEvaluator,
  ScpLevel,
  SimulatorDecision,
} from '../../iam/policy-evaluation.js';
import { compilePolicies } from '../../iam/policy-evaluator.js';
import { principalPolicies } from '../../iam/principal-policies.js';
import type { AccountDetails } from '../accounts/account-details.js';
import type { AccountsRequest, AccountTarget } from '../accounts/resolve-accounts.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import { loadAccountsWindow } from '../report/load-window.js';
import { planTrail, resolveAuditRoleTargets } from '../accounts/fan-out-options.js';
import type { EngineName } from '../report/report-types.js';
import { daysInWindow } from '../../trail/utc-days.js';
import { expandTestActions } from './expand-test-actions.js';
import type { ExpandedPattern } from './expand-test-actions.js';
import type {
  PolicyTestAccount,
  PolicyTestCase,
  PolicyTestCoverage,
  PolicyTestDocument,
  PolicyTestFile,
  PolicyTestOutcome,
  PolicyTestReport,
  PolicyTestSummary,
  SimulatorDisagreement,
} from './policy-test-types.js';
import { readPolicyTestFile } from './read-test-file.js';
import { readScpFile, scpLevelsOf } from './read-scp-file.js';
import { candidatePrincipals, isServiceRole, testCovers, withheldByGlobals } from './select-principals.js';
import type { PrincipalSelection } from './select-principals.js';

/*
 * `iamtrail test`: aws-iam-tester's tests over every principal of every account, decided by
 * iamtrail's evaluator (and, with `--simulator`, by IAM's SimulatePrincipalPolicy too), and for
 * each case what CloudTrail saw the principal do. The cross-check is per action: the cache keeps
 * no resource, so a call of an action proves only a case on `*`; on a scoped resource it is shown,
 * never a finding.
 */

/**
 * The context of a test without `custom_context`, as aws-iam-tester sets it: MFA present, and the
 * Redshift user `admin`. A test's `custom_context` replaces it whole (the tester's `simulate`
 * uses these only `if not sim_context`); `iamtrail access --context` overrides its keys.
 */
export const DEFAULT_TEST_CONTEXT: readonly ContextEntry[] = [
  { key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' },
  { key: 'redshift:DbUser', values: ['admin'], type: 'string' },
];

/** The CloudTrail window when `--start` is not given: the 90 days ending with `--end`. */
export const DEFAULT_TEST_WINDOW_DAYS = 90;

/** What `iamtrail test` was asked. */
export interface PolicyTestOptions {
  /** `undefined` with `--org` and no config file. */
  readonly config: Config | undefined;
  readonly testsFile: string;
  readonly scpsFile: string | undefined;
  readonly request: AccountsRequest;
  readonly selection: PrincipalSelection;
  /** `false` for `--no-trail`. */
  readonly trail: boolean;
  readonly window: DayWindow;
  readonly logs: string | undefined;
  readonly engine: EngineName | undefined;
  readonly cache: CacheSettings;
  /** `--max-scan-gb` in bytes (see `LoadWindowOptions.maxScanBytes`). */
  readonly maxScanBytes?: number;
  /** `--simulator` with `--simulator-rate` (calls per second per account); `null` without. */
  readonly simulator: { readonly callsPerSecond: number } | null;
  /** Accounts read at once. */
  readonly concurrency: number;
  readonly reporter: EngineReporter & { note(message: string): void };
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

/** What the runner needs from outside, replaceable for tests. */
export interface PolicyTestDependencies {
  readonly data: ActionData;
  readonly resolveTargets: (options: PolicyTestOptions) => Promise<readonly AccountTarget[]>;
  readonly loadDetails: (
    targets: readonly AccountTarget[],
    options: PolicyTestOptions,
  ) => Promise<readonly AccountDetails[]>;
  /** An account's simulator: one call per request, within the account's rate budget. */
  readonly createSimulator: (target: AccountTarget, options: PolicyTestOptions) => Promise<AccountSimulator>;
}

/** The simulator of one account (`--simulator`). */
export interface AccountSimulator {
  simulate(request: SimulationRequest): Promise<SimulatedDecision[]>;
  close(): void;
}

/** Runs the tests and returns the result document (schema `iamtrail.test/v1`). */
export async function runPolicyTests(
  options: PolicyTestOptions,
  dependencies: Partial<PolicyTestDependencies> = {},
): Promise<PolicyTestDocument> {
  const deps: PolicyTestDependencies = {
    data: dependencies.data ?? loadActionData(),
    resolveTargets: dependencies.resolveTargets ?? resolveAuditRoleTargets,
    loadDetails: dependencies.loadDetails ?? loadDetailsOf,
    createSimulator: dependencies.createSimulator ?? createAccountSimulator,
  };
  const generatedAt = (options.now ?? new Date()).toISOString();
  // Every input is checked before anything is read from AWS or the logs.
  const file = readPolicyTestFile(options.testsFile);
  const scps = options.scpsFile === undefined ? undefined : readScpFile(options.scpsFile);
  const expansions = file.tests.map((test) => {
    const expanded = expandTestActions(deps.data.catalog, test, file.path);
    for (const warning of expanded.warnings) options.reporter.warn(warning);
    return expanded.patterns;
  });
  const { reason: trailReason, plan } = planTrail(options);

  const targets = await deps.resolveTargets(options);
  const read = await deps.loadDetails(targets, options);
  const readAccounts = read.filter((entry) => entry.status === 'read');
  // An account the SCP file does not place is bad input: said before the logs are read.
  const levels = new Map<string, ScpLevel[] | undefined>(
    readAccounts.map((entry) => [
      entry.account.id,
      scps === undefined ? undefined : scpLevelsOf(scps, entry.account.id),
    ]),
  );

  const trailWarnings: string[] = [];
  let trails = new Map<string, AccountTrail>();
  let cloudTrail: PolicyTestDocument['cloudTrail'];
  if (plan === null || options.config === undefined)
    cloudTrail = { used: false, reason: trailReason ?? 'no logs configured' };
  else if (readAccounts.length === 0) cloudTrail = { used: false, reason: 'no account could be read' };
  else {
    const config = options.config;
    const accounts = readAccounts.map((entry) => ({ name: entry.account.name, id: entry.account.id }));
    const loaded = await loadAccountsWindow({
      config,
      plan,
      cache: options.cache,
      window: options.window,
      accounts,
      reporter: options.reporter,
      ...(options.maxScanBytes === undefined ? {} : { maxScanBytes: options.maxScanBytes }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    try {
      trails = new Map();
      const windowDays = daysInWindow(options.window.startDay, options.window.endDay);
      for (const account of accounts) {
        const coverage = loaded.logs.coverage.find((entry) => entry.account.id === account.id);
        const label = `${account.name} (${account.id})`;
        const unreadable = (await loaded.store.skippedFiles(loaded.source, options.window, [account.id]))
          .length;
        const daysWithLogs = coverage?.daysWithLogs ?? 0;
        const accountCoverage = { daysWithLogs, windowDays, unreadableFiles: unreadable };
        if (coverage === undefined || daysWithLogs === 0) {
          trailWarnings.push(
            `account ${label}: no log in the window: its outcomes carry no CloudTrail evidence (neither exercised nor not)`,
          );
          trails.set(account.id, { calls: new Map(), coverage: accountCoverage });
          continue;
        }
        if (coverage.gaps.length > 0 || unreadable > 0)
          trailWarnings.push(
            `account ${label}: the logs cover ${describeSpans(coverage.days)} only${unreadable > 0 ? `, ${unreadable} log file(s) unreadable` : ''}: a call on the missing days is unknown (a succeed test not seen may still have been exercised; a fail test may still have happened)`,
          );
        // Each actor's calls summed per event: the calls of each action are their sums.
        const rows = await loaded.store.accountEventCalls(loaded.source, options.window, account.id);
        const byActor = new Map<string, typeof rows>();
        for (const row of rows) {
          const list = byActor.get(row.actorArn);
          if (list === undefined) byActor.set(row.actorArn, [row]);
          else list.push(row);
        }
        trails.set(account.id, {
          calls: new Map(
            [...byActor].map(([arn, actorRows]) => [arn, callsByAction(actorRows, deps.data.mapper)]),
          ),
          coverage: accountCoverage,
        });
      }
    } finally {
      await loaded.store.close();
    }
    cloudTrail = {
      used: true,
      start: options.window.startDay,
      end: options.window.endDay,
      warnings: trailWarnings,
    };
  }

  const outcomes: PolicyTestOutcome[][] = file.tests.map(() => []);
  const covered: Set<string>[] = file.tests.map(() => new Set());
  const withheld: Set<string>[] = file.tests.map(() => new Set());
  const disagreements: SimulatorDisagreement[] = [];
  const accounts: PolicyTestAccount[] = [];
  for (const entry of read) {
    if (entry.status === 'failed') {
      accounts.push({
        name: entry.account.name,
        id: entry.account.id,
        status: 'failed',
        error: entry.error,
        principals: 0,
        iamSource: entry.account.iamFile === undefined ? 'aws' : 'file',
        scps: false,
      });
      continue;
    }
    const result = await testAccount({
      entry,
      file,
      expansions,
      levels: levels.get(entry.account.id),
      trail: trails.get(entry.account.id),
      options,
      deps,
    });
    for (const [index, list] of result.outcomes.entries()) outcomes[index]?.push(...list);
    for (const [index, arns] of result.covered.entries()) for (const arn of arns) covered[index]?.add(arn);
    for (const [index, arns] of result.withheld.entries()) for (const arn of arns) withheld[index]?.add(arn);
    disagreements.push(...result.disagreements);
    accounts.push(result.account);
  }

  const tests: PolicyTestReport[] = file.tests.map((test, index) => {
    const list = outcomes[index] ?? [];
    const principals = covered[index]?.size ?? 0;
    const warnings = [
      ...withheldWarnings(file.path, test, withheld[index]?.size ?? 0),
      ...uncheckedWarnings(file.path, test, principals, list.length),
    ];
    for (const warning of warnings) options.reporter.warn(warning);
    return {
      index: test.index,
      name: test.name,
      line: test.line,
      expected: test.expected,
      actions: test.actions,
      resources: test.resources,
      principals,
      outcomes: list,
      summary: summarize(list, test.expected),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  });
  return {
    schema: 'iamtrail.test/v1',
    generatedAt,
    testsFile: file.path,
    scpsFile: scps?.path ?? null,
    simulator: options.simulator !== null,
    defaultContext: DEFAULT_TEST_CONTEXT,
    accounts,
    cloudTrail,
    tests,
    disagreements,
    summary: {
      ...summarize(tests.flatMap((test) => test.outcomes)),
      unchecked: tests.reduce((sum, test) => sum + test.summary.unchecked, 0),
    },
  };
}

/**
 * Counts outcomes by status. With `expected` (one test's outcomes): `unchecked` is 1 for a `succeed`
 * test without any case; without it, 0 (the caller adds the tests' counts).
 */
export function summarize(
  outcomes: readonly PolicyTestOutcome[],
  expected?: 'fail' | 'succeed',
): PolicyTestSummary {
  return {
    cases: outcomes.length,
    pass: outcomes.filter((outcome) => outcome.status === 'pass').length,
    fail: outcomes.filter((outcome) => outcome.status === 'fail').length,
    inconclusive: outcomes.filter((outcome) => outcome.status === 'inconclusive').length,
    contradicted: outcomes.filter((outcome) => outcome.contradicted).length,
    unchecked: expected === 'succeed' && outcomes.length === 0 ? 1 : 0,
  };
}

/** Why a test checks nothing: it covers no principal, or it has no case. Empty when it checks something. */
export function uncheckedWarnings(
  path: string,
  test: Pick<PolicyTestCase, 'name' | 'line' | 'expected'>,
  principals: number,
  cases: number,
): string[] {
  if (cases > 0) return [];
  const why =
    principals === 0
      ? 'its selection (limit_to, exemptions, global ones) covers no principal of the accounts tested'
      : 'it has no case (no action of its patterns is known)';
  const consequence =
    test.expected === 'succeed'
      ? 'a promise nobody was tested against is not kept: counted unchecked, a finding (exit code 1)'
      : 'it checks nothing';
  return [`test "${test.name}" (${path}:${test.line}): ${why}: ${consequence}`];
}

/**
 * Why a test with a `limit_to` leaves out principals it names: `global_limit_to` and
 * `global_exemptions` are applied first (aws-iam-tester's `determine_source`), so its `limit_to`
 * only narrows what they keep. Empty when they withhold none.
 */
export function withheldWarnings(
  path: string,
  test: Pick<PolicyTestCase, 'name' | 'line'>,
  withheld: number,
): string[] {
  if (withheld === 0) return [];
  return [
    `test "${test.name}" (${path}:${test.line}): its limit_to matches ${withheld} principal(s) that global_limit_to or global_exemptions leave out: they are not tested (the global filters apply first, as in aws-iam-tester)`,
  ];
}

/**
 * A test's context, as aws-iam-tester builds it: its `custom_context` alone when it has one (a key it
 * does not give is missing, not defaulted), else {@link DEFAULT_TEST_CONTEXT}.
 */
export function testContext(test: PolicyTestCase): ContextEntry[] {
  return test.context.length > 0 ? [...test.context] : [...DEFAULT_TEST_CONTEXT];
}

/**
 * {@link DEFAULT_TEST_CONTEXT} with `custom` added, overriding a key given in any case: the context
 * of `iamtrail access --context`.
 */
export function withDefaultContext(custom: readonly ContextEntry[]): ContextEntry[] {
  const keys = new Set(custom.map((entry) => entry.key.toLowerCase()));
  return [...DEFAULT_TEST_CONTEXT.filter((entry) => !keys.has(entry.key.toLowerCase())), ...custom];
}

/** A test's resource for an account: `{account_id}` filled in. */
export function fillResource(resource: string, accountId: string): string {
  return resource.replaceAll('{account_id}', accountId);
}

/** The CloudTrail side of one account: per actor ARN, its successful calls per action. */
interface AccountTrail {
  readonly calls: ReadonlyMap<string, ReadonlyMap<string, ActionCalls>>;
  readonly coverage: PolicyTestCoverage;
}

interface AccountRun {
  readonly entry: Extract<AccountDetails, { status: 'read' }>;
  readonly file: PolicyTestFile;
  readonly expansions: readonly (readonly ExpandedPattern[])[];
  readonly levels: ScpLevel[] | undefined;
  readonly trail: AccountTrail | undefined;
  readonly options: PolicyTestOptions;
  readonly deps: PolicyTestDependencies;
}

/** The tests over one account's principals. */
async function testAccount(run: AccountRun): Promise<{
  readonly account: PolicyTestAccount;
  readonly outcomes: readonly PolicyTestOutcome[][];
  readonly covered: readonly string[][];
  /** Per test, the principals its `limit_to` names that the global filters leave out. */
  readonly withheld: readonly string[][];
  readonly disagreements: readonly SimulatorDisagreement[];
}> {
  const { entry, file, options } = run;
  const accountId = entry.account.id;
  const label = `${entry.account.name} (${accountId})`;
  const principals = candidatePrincipals(entry.details, options.selection);
  const warnings: string[] = [];
  const outcomes: PolicyTestOutcome[][] = file.tests.map(() => []);
  const covered: string[][] = file.tests.map(() => []);
  const withheld: string[][] = file.tests.map(() => []);
  const disagreements: SimulatorDisagreement[] = [];
  let simulator: AccountSimulator | undefined;
  let simulatorError: string | undefined;
  if (options.simulator !== null && entry.source === 'file')
    warnings.push(
      '--simulator: the IAM data comes from a file: the simulator was not asked for this account',
    );
  if (options.simulator !== null && entry.source === 'aws')
    try {
      simulator = await run.deps.createSimulator(entry.account, options);
    } catch (error) {
      simulatorError = messageOf(error);
    }
  try {
    for (const principal of principals) {
      for (const test of file.tests)
        if (withheldByGlobals(file, test, principal.arn)) withheld[test.index]?.push(principal.arn);
      const tests = file.tests.filter((test) => testCovers(file, test, principal.arn));
      if (tests.length === 0) continue;
      const { evaluate, problems } = compilePrincipal(run, principal, warnings);
      const calls = run.trail === undefined ? null : (run.trail.calls.get(principal.arn) ?? new Map());
      for (const test of tests) {
        covered[test.index]?.push(principal.arn);
        const context = testContext(test);
        const patterns = run.expansions[test.index] ?? [];
        const resources = test.resources.map((resource) => fillResource(resource, accountId));
        let simulated: Map<string, SimulatorDecision> | undefined;
        if (simulator !== undefined && simulatorError === undefined)
          try {
            const answers = await simulator.simulate({
              principalArn: principal.arn,
              actions: [...new Set(patterns.flatMap((pattern) => pattern.actions))],
              resources,
              context,
            });
            simulated = new Map(
              answers.map((answer) => [simulationKey(answer.action, answer.resource), answer.decision]),
            );
          } catch (error) {
            simulatorError = messageOf(error);
          }
        for (const pattern of patterns)
          for (const resource of resources) {
            const { verdict, decisions } = decideCase(
              evaluate,
              test.expected,
              pattern.actions,
              resource,
              context,
            );
            const trail =
              calls === null || run.trail === undefined
                ? null
                : {
                    ...caseTrail(calls, pattern.actions),
                    resourceKnown: callsProveResource(resource),
                    coverage: run.trail.coverage,
                  };
            let simulatorDecision: SimulatorDecision | undefined;
            if (simulated !== undefined) {
              const answers = simulated;
              const compared = compareWithSimulator(test.expected, decisions, (action) =>
                answers.get(simulationKey(action, resource)),
              );
              simulatorDecision = compared.simulator;
              for (const { action, local, simulator: answer } of compared.disagreements)
                disagreements.push({
                  test: test.index,
                  accountId,
                  principalArn: principal.arn,
                  action,
                  resource,
                  local,
                  simulator: answer,
                });
            }
            outcomes[test.index]?.push({
              test: test.index,
              accountId,
              principalArn: principal.arn,
              principalType: principal.type,
              action: pattern.pattern,
              resource,
              expected: test.expected,
              ...verdict,
              ...(simulatorDecision === undefined ? {} : { simulator: simulatorDecision }),
              cloudTrail: trail,
              contradicted: isContradicted(test.expected, trail),
              problems,
            });
          }
      }
    }
  } finally {
    simulator?.close();
  }
  const failedSimulator = simulatorError === undefined ? {} : { error: `--simulator: ${simulatorError}` };
  if (simulatorError !== undefined)
    options.reporter.note(`account ${label}: the simulator failed: ${simulatorError}`);
  return {
    account: {
      name: entry.account.name,
      id: accountId,
      status: simulatorError === undefined ? 'read' : 'failed',
      ...failedSimulator,
      principals: principals.length,
      iamSource: entry.source,
      scps: run.levels !== undefined,
      ...(warnings.length === 0 ? {} : { warnings }),
    },
    outcomes,
    covered,
    withheld,
    disagreements,
  };
}

/** A principal's policies, compiled once for all its requests; their problems become warnings. */
function compilePrincipal(
  run: AccountRun,
  principal: IamPrincipal,
  warnings: string[],
): { readonly evaluate: PrincipalEvaluator; readonly problems: readonly string[] } {
  // SCPs do not apply to service-linked roles.
  const levels = principal.type === 'role' && isServiceRole(principal) ? undefined : run.levels;
  const { policies, problems } = principalPolicies(
    run.entry.details,
    principal,
    run.entry.account.id,
    levels,
  );
  for (const problem of problems) warnings.push(`${principal.arn}: ${problem}`);
  return {
    evaluate: compilePolicies(policies, run.options.now === undefined ? {} : { now: run.options.now }),
    problems,
  };
}

function simulationKey(action: string, resource: string): string {
  return `${action.toLowerCase()}|${resource}`;
}

/** The IAM data of every account (files or AWS), one result per account. */
async function loadDetailsOf(
  targets: readonly AccountTarget[],
  options: PolicyTestOptions,
): Promise<readonly AccountDetails[]> {
  const [{ loadAccountDetails }, { AwsCallCounts }] = await Promise.all([
    import('../accounts/account-details.js'),
    import('../../aws/client-instrumentation.js'),
  ]);
  return loadAccountDetails(targets, {
    concurrency: options.concurrency,
    region: options.config?.athena?.region,
    counts: new AwsCallCounts(),
    note: (line) => {
      options.reporter.note(line);
    },
  });
}

/** IAM's simulator in one account: its own client (the account's role) and rate budget. */
async function createAccountSimulator(
  target: AccountTarget,
  options: PolicyTestOptions,
): Promise<AccountSimulator> {
  const [
    { createIamClient },
    { createRateBudget, SIMULATOR_CLIENT_RETRY, simulatePrincipal },
    { AwsCallCounts },
  ] = await Promise.all([
    import('../../aws/aws-clients.js'),
    import('../../aws/policy-simulator.js'),
    import('../../aws/client-instrumentation.js'),
  ]);
  // The client counts its calls but does not retry them: simulatePrincipal's bounded retries are
  // the only ones (each within the budget), not nested inside the client's own.
  const client: IAMClient = await createIamClient(options.config?.athena?.region, target.roleArn, {
    counts: new AwsCallCounts(),
    retry: SIMULATOR_CLIENT_RETRY,
  });
  const budget: RateBudget = createRateBudget(options.simulator?.callsPerSecond ?? 5);
  return {
    simulate: (request) => simulatePrincipal(client, request, budget, options.signal),
    close: () => {
      client.destroy();
    },
  };
}
