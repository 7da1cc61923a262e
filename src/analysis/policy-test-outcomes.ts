import type { EventMapper } from '../actions/event-mapper.js';
import type {
  ContextEntry,
  DecidingStatement,
  Decision,
  EvaluationResult,
  PrincipalEvaluator,
  SimulatorDecision,
} from '../iam/policy-evaluation.js';
import { matchesEveryArn } from '../iam/granted-actions.js';
import type { EventCalls } from './activity-report.js';

/*
 * `iamtrail test`, per case: one principal, one action pattern of a test (expanded to concrete
 * actions), one resource. Each concrete action is decided; the case's decision is the one that
 * matters for the expectation (see `PolicyTestOutcome` in src/app/policy-tests/policy-test-types.ts,
 * which these results fill), and CloudTrail says whether the principal really did it.
 */

/** Examples kept per case. */
export const MAX_CASE_EXAMPLES = 20;

/** What a test expects of its actions. */
export type ExpectedResult = 'fail' | 'succeed';

/** One concrete action's local decision. */
export interface ActionDecision {
  readonly action: string;
  readonly result: EvaluationResult;
}

/** An example of a case: an action that decides it, and why. */
export interface CaseExample {
  readonly action: string;
  readonly decision: Decision;
  readonly deciding: readonly DecidingStatement[];
  readonly missingContextKeys: readonly string[];
}

/** A case's local verdict (the `decision`, `counts`, `examples`, `status` of a `PolicyTestOutcome`). */
export interface CaseVerdict {
  readonly decision: Decision;
  readonly counts: Readonly<Record<Decision, number>>;
  readonly examples: readonly CaseExample[];
  readonly status: 'pass' | 'fail' | 'inconclusive';
}

/**
 * The decision that matters for the expectation, from the decisions of a pattern's actions. For
 * `fail`: `allowed` when any action is, else `inconclusive` when any is, else `explicitDeny` when any
 * is, else `implicitDeny`. For `succeed`: `allowed` only when every action is; else a deny when any
 * action is denied (explicit first), else `inconclusive`.
 */
export function caseDecision(expected: ExpectedResult, counts: Readonly<Record<Decision, number>>): Decision {
  const denied = counts.explicitDeny > 0 ? 'explicitDeny' : 'implicitDeny';
  if (expected === 'fail') {
    if (counts.allowed > 0) return 'allowed';
    if (counts.inconclusive > 0) return 'inconclusive';
    return denied;
  }
  if (counts.explicitDeny + counts.implicitDeny > 0) return denied;
  if (counts.inconclusive > 0) return 'inconclusive';
  return 'allowed';
}

/** Whether a case decision meets the expectation: `pass`, `fail` (a finding) or `inconclusive`. */
export function caseStatus(expected: ExpectedResult, decision: Decision): CaseVerdict['status'] {
  if (decision === 'inconclusive') return 'inconclusive';
  return (decision === 'allowed') === (expected === 'succeed') ? 'pass' : 'fail';
}

/**
 * Aggregates the decisions of one case's actions: counts by decision, the case decision and status,
 * and up to {@link MAX_CASE_EXAMPLES} examples: the actions that decide it (for `fail`, those with
 * the case's decision; for `succeed` not met, every action not allowed, denied ones first).
 */
export function aggregateCase(expected: ExpectedResult, decisions: readonly ActionDecision[]): CaseVerdict {
  const counts: Record<Decision, number> = { allowed: 0, explicitDeny: 0, implicitDeny: 0, inconclusive: 0 };
  for (const { result } of decisions) counts[result.decision] += 1;
  const decision = caseDecision(expected, counts);
  const deciding =
    expected === 'succeed' && decision !== 'allowed'
      ? [
          ...decisions.filter(
            ({ result }) => result.decision === 'explicitDeny' || result.decision === 'implicitDeny',
          ),
          ...decisions.filter(({ result }) => result.decision === 'inconclusive'),
        ]
      : decisions.filter(({ result }) => result.decision === decision);
  return {
    decision,
    counts,
    examples: deciding.slice(0, MAX_CASE_EXAMPLES).map(({ action, result }) => ({
      action,
      decision: result.decision,
      deciding: result.deciding,
      missingContextKeys: result.missingContextKeys,
    })),
    status: caseStatus(expected, decision),
  };
}

/** Decides every action of a case with a principal's compiled evaluator, then aggregates. */
export function decideCase(
  evaluate: PrincipalEvaluator,
  expected: ExpectedResult,
  actions: readonly string[],
  resource: string,
  context: readonly ContextEntry[],
): { readonly verdict: CaseVerdict; readonly decisions: readonly ActionDecision[] } {
  const decisions = actions.map((action) => ({ action, result: evaluate({ action, resource, context }) }));
  return { verdict: aggregateCase(expected, decisions), decisions };
}

/**
 * The simulator's decision for a case, aggregated as the local one: the case decision of its
 * actions' decisions, the statements matched by the actions with that decision, and every missing
 * context value. `undefined` when the simulator answered for none of the actions.
 */
export function aggregateSimulator(
  expected: ExpectedResult,
  decisions: readonly SimulatorDecision[],
): SimulatorDecision | undefined {
  if (decisions.length === 0) return undefined;
  const counts: Record<Decision, number> = { allowed: 0, explicitDeny: 0, implicitDeny: 0, inconclusive: 0 };
  for (const entry of decisions) counts[entry.decision] += 1;
  const decision = caseDecision(expected, counts) as SimulatorDecision['decision'];
  const matched = new Map<string, SimulatorDecision['matched'][number]>();
  for (const entry of decisions)
    if (entry.decision === decision)
      for (const statement of entry.matched)
        matched.set(`${statement.policy}|${statement.start ?? ''}|${statement.end ?? ''}`, statement);
  const missing = new Set(decisions.flatMap((entry) => entry.missingContextValues));
  return { decision, matched: [...matched.values()], missingContextValues: [...missing].sort() };
}

/** A concrete action whose local decision differs from the simulator's. */
export interface DecisionDisagreement {
  readonly action: string;
  readonly local: Decision;
  readonly simulator: SimulatorDecision['decision'];
}

/**
 * A case's actions against the simulator's answers (`answerOf`; `undefined` when it gave none for an
 * action): the simulator's case decision ({@link aggregateSimulator}) and every action whose
 * decisions differ. A local `inconclusive` differs from any simulator decision: the simulator never
 * says inconclusive (it fills a missing key with nothing), so the two answers are not the same.
 */
export function compareWithSimulator(
  expected: ExpectedResult,
  decisions: readonly ActionDecision[],
  answerOf: (action: string) => SimulatorDecision | undefined,
): {
  readonly simulator: SimulatorDecision | undefined;
  readonly disagreements: readonly DecisionDisagreement[];
} {
  const answers: SimulatorDecision[] = [];
  const disagreements: DecisionDisagreement[] = [];
  for (const { action, result } of decisions) {
    const answer = answerOf(action);
    if (answer === undefined) continue;
    answers.push(answer);
    if (answer.decision !== result.decision)
      disagreements.push({ action, local: result.decision, simulator: answer.decision });
  }
  return { simulator: aggregateSimulator(expected, answers), disagreements };
}

/** A principal's successful calls of one IAM action in the window. */
export interface ActionCalls {
  readonly calls: number;
  readonly lastSeen: string;
}

/**
 * A principal's successful calls per IAM action (lower-cased), mapped from its activity rows as the
 * report maps them: only `ok` rows, each event to the actions that authorise it.
 */
export function callsByAction(rows: readonly EventCalls[], mapper: EventMapper): Map<string, ActionCalls> {
  const calls = new Map<string, ActionCalls>();
  for (const row of rows) {
    if (row.outcome !== 'ok') continue;
    const mapping = mapper.map(row.eventSource, row.eventName);
    if (mapping.kind !== 'action') continue;
    for (const action of mapping.actions) {
      const key = action.toLowerCase();
      const seen = calls.get(key);
      calls.set(key, {
        calls: (seen?.calls ?? 0) + row.calls,
        lastSeen: seen === undefined || row.lastSeen > seen.lastSeen ? row.lastSeen : seen.lastSeen,
      });
    }
  }
  return calls;
}

/** What CloudTrail saw of a case: the calls of the pattern's actions, the last one, the actions seen. */
export interface CaseTrail {
  readonly calls: number;
  readonly lastSeen: string | null;
  readonly actions: readonly string[];
}

/** A pattern's expansion by lower-cased name, per expansion (the same list serves every principal). */
const LOWERED = new WeakMap<readonly string[], ReadonlyMap<string, string>>();

/**
 * The calls among `actions` (a pattern's expansion), from {@link callsByAction}. Walks the
 * principal's called actions (a few) rather than the expansion (`*:*` is every known action).
 */
export function caseTrail(calls: ReadonlyMap<string, ActionCalls>, actions: readonly string[]): CaseTrail {
  let names = LOWERED.get(actions);
  if (names === undefined) {
    names = new Map(actions.map((action) => [action.toLowerCase(), action]));
    LOWERED.set(actions, names);
  }
  let total = 0;
  let lastSeen: string | null = null;
  const seen: string[] = [];
  for (const [key, entry] of calls) {
    const action = names.get(key);
    if (action === undefined) continue;
    total += entry.calls;
    seen.push(action);
    if (lastSeen === null || entry.lastSeen > lastSeen) lastSeen = entry.lastSeen;
  }
  return { calls: total, lastSeen, actions: seen.sort() };
}

/**
 * Whether calls of a case's actions prove its resource: the logs summary keeps no resource, so only
 * a case on `*` (or a pattern matching every ARN) is proven by any call of the action.
 */
export function callsProveResource(resource: string): boolean {
  return matchesEveryArn(resource);
}

/**
 * A `fail` test CloudTrail contradicts: the principal called one of its actions successfully, on a
 * resource the calls prove (`resourceKnown`: the case's resource is `*`). Calls of a scoped case are
 * information only.
 */
export function isContradicted(
  expected: ExpectedResult,
  trail: { readonly calls: number; readonly resourceKnown: boolean } | null,
): boolean {
  return expected === 'fail' && trail !== null && trail.resourceKnown && trail.calls > 0;
}
