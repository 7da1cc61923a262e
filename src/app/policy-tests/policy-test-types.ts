import type {
  ContextEntry,
  Decision,
  DecidingStatement,
  SimulatorDecision,
} from '../../iam/policy-evaluation.js';

/*
 * `iamtrail test`: the parsed test file (aws-iam-tester's format) and the result document (JSON
 * schema `iamtrail.test/v1`) that every output (table, JSON, JUnit, one file per test) renders.
 */

/** A regular expression of the test file, with its text and line for messages. */
export interface PrincipalPattern {
  readonly source: string;
  readonly regex: RegExp;
  readonly line: number;
}

/** One entry of the test file's `tests:` list. */
export interface PolicyTestCase {
  /** Position in `tests:`, from 0. */
  readonly index: number;
  /** `test-<n>` (from 1), or the entry's `name:` (an iamtrail extension). */
  readonly name: string;
  /** Line of the entry in the test file. */
  readonly line: number;
  /** As written; wildcards allowed (`iam:Create*`, `*:*`). */
  readonly actions: readonly string[];
  /** As written; `{account_id}` is filled in per account. */
  readonly resources: readonly string[];
  readonly expected: 'fail' | 'succeed';
  readonly limitTo: readonly PrincipalPattern[];
  readonly exemptions: readonly PrincipalPattern[];
  /** `custom_context`: when given, the whole context of the test's requests (no default is added). */
  readonly context: readonly ContextEntry[];
}

/** A whole test file. */
export interface PolicyTestFile {
  readonly path: string;
  readonly userLandingAccount: string | undefined;
  readonly globalExemptions: readonly PrincipalPattern[];
  readonly globalLimitTo: readonly PrincipalPattern[];
  readonly tests: readonly PolicyTestCase[];
}

/**
 * How one principal fared on one action pattern and resource of a test. A pattern is expanded to
 * the known actions it matches and each is decided; the case's decision is the one that matters
 * for the expectation: for `fail`, `allowed` when any action is allowed, else `inconclusive` when
 * any is, else denied; for `succeed`, `allowed` only when every action is.
 */
export interface PolicyTestOutcome {
  readonly test: number;
  readonly accountId: string;
  readonly principalArn: string;
  readonly principalType: 'user' | 'role';
  /** The action pattern as written in the test. */
  readonly action: string;
  /** The resource with `{account_id}` filled in. */
  readonly resource: string;
  readonly expected: 'fail' | 'succeed';
  readonly decision: Decision;
  /** How many of the pattern's actions got each decision. */
  readonly counts: Readonly<Record<Decision, number>>;
  /**
   * Up to 20 of the actions that decide the case (for `fail`, the allowed ones; for `succeed`, the
   * ones not allowed), each with the statements its decision rests on.
   */
  readonly examples: readonly {
    readonly action: string;
    readonly decision: Decision;
    readonly deciding: readonly DecidingStatement[];
    readonly missingContextKeys: readonly string[];
  }[];
  /** `pass`, `fail` (a finding), or `inconclusive` (a missing context key decides). */
  readonly status: 'pass' | 'fail' | 'inconclusive';
  /** With `--simulator`: the simulator's decision for the same case, when it was asked. */
  readonly simulator?: SimulatorDecision;
  /**
   * What CloudTrail saw: the principal's successful calls of the pattern's actions in the window
   * (from the cache). `null` when CloudTrail was not read for this account.
   */
  readonly cloudTrail: {
    readonly calls: number;
    readonly lastSeen: string | null;
    /** The actions seen, sorted. */
    readonly actions: readonly string[];
    /**
     * Whether the calls prove the case's resource: only when it is `*` (or matches every ARN). The
     * logs summary keeps no resource, so calls of a scoped case are information, not evidence.
     */
    readonly resourceKnown: boolean;
    /** What the logs cover for the account: days with logs of the window's days, unreadable files. */
    readonly coverage: PolicyTestCoverage;
  } | null;
  /**
   * A `fail` test whose actions CloudTrail saw succeed on a resource the calls prove (`*`): a
   * critical finding.
   */
  readonly contradicted: boolean;
  /** What is missing from the principal's IAM data (policies not found): its decision may be wrong. */
  readonly problems: readonly string[];
}

/** How much of the window the logs cover for an account. */
export interface PolicyTestCoverage {
  readonly daysWithLogs: number;
  readonly windowDays: number;
  readonly unreadableFiles: number;
}

/**
 * Local and simulator decisions that differ for one case (`--simulator`). A local `inconclusive`
 * differs from every simulator decision (the simulator never says inconclusive).
 */
export interface SimulatorDisagreement {
  readonly test: number;
  readonly accountId: string;
  readonly principalArn: string;
  /** A concrete action. */
  readonly action: string;
  readonly resource: string;
  readonly local: Decision;
  readonly simulator: SimulatorDecision['decision'];
}

/** One test's outcomes. */
export interface PolicyTestReport {
  readonly index: number;
  readonly name: string;
  readonly line: number;
  readonly expected: 'fail' | 'succeed';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Principals the test covered (after limit_to and exemptions), over all accounts. */
  readonly principals: number;
  readonly outcomes: readonly PolicyTestOutcome[];
  readonly summary: PolicyTestSummary;
  /** Why the test checks nothing (it covers no principal, or has no case). Absent when nothing to say. */
  readonly warnings?: readonly string[];
}

/** Counts of outcomes by status; `contradicted` counts those CloudTrail contradicts. */
export interface PolicyTestSummary {
  readonly cases: number;
  readonly pass: number;
  readonly fail: number;
  readonly inconclusive: number;
  readonly contradicted: number;
  /**
   * `succeed` tests with no case (no principal covered): a promise nobody was tested against is not
   * kept, so each is a finding.
   */
  readonly unchecked: number;
}

/** An account the tests ran over. */
export interface PolicyTestAccount {
  readonly name: string;
  readonly id: string;
  readonly status: 'read' | 'failed';
  /** Why the account could not be tested (AWS failure). */
  readonly error?: string;
  /** Users and roles tested. */
  readonly principals: number;
  /** Where the IAM data came from. */
  readonly iamSource: 'file' | 'aws' | null;
  /** Whether SCPs were applied to its principals (`--scps`, not the management account). */
  readonly scps: boolean;
  /**
   * What limits its outcomes: policies missing from the IAM data, `--simulator` not asked for IAM
   * data read from a file. Absent when there is nothing to say.
   */
  readonly warnings?: readonly string[];
}

/** The result document of `iamtrail test` (JSON schema `iamtrail.test/v1`). */
export interface PolicyTestDocument {
  readonly schema: 'iamtrail.test/v1';
  readonly generatedAt: string;
  readonly testsFile: string;
  readonly scpsFile: string | null;
  /** `true` with `--simulator`: outcomes also carry the simulator's decision. */
  readonly simulator: boolean;
  /** The context of every test without a `custom_context` (one with it gets exactly its own). */
  readonly defaultContext: readonly ContextEntry[];
  readonly accounts: readonly PolicyTestAccount[];
  /** Whether CloudTrail (the cache) was read for the cross-check, over which window, or why not. */
  readonly cloudTrail:
    | {
        readonly used: true;
        readonly start: string;
        readonly end: string;
        readonly warnings: readonly string[];
      }
    | { readonly used: false; readonly reason: string };
  readonly tests: readonly PolicyTestReport[];
  readonly disagreements: readonly SimulatorDisagreement[];
  readonly summary: PolicyTestSummary;
}
