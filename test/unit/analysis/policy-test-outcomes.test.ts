import { describe, expect, it } from 'vitest';

import {
  aggregateCase,
  aggregateSimulator,
  callsByAction,
  compareWithSimulator,
  caseTrail,
  decideCase,
  callsProveResource,
  isContradicted,
  MAX_CASE_EXAMPLES,
} from '../../../src/analysis/policy-test-outcomes.js';
import type { ExpectedResult } from '../../../src/analysis/policy-test-outcomes.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import type {
  Decision,
  EvaluationRequest,
  EvaluationResult,
  PrincipalEvaluator,
  SimulatorDecision,
} from '../../../src/iam/policy-evaluation.js';
import type { ActivityRow } from '../../../src/trail/activity-summary.js';

/** A stand-in for the evaluator (helper A's): each action's decision from a table; the rest implicitDeny. */
function fakeEvaluator(
  decisions: Readonly<Record<string, Decision>>,
  seen: EvaluationRequest[] = [],
): PrincipalEvaluator {
  return (request) => {
    seen.push(request);
    const decision = decisions[request.action] ?? 'implicitDeny';
    const result: EvaluationResult = {
      decision,
      deciding: [],
      missingContextKeys: decision === 'inconclusive' ? ['aws:SourceIp'] : [],
      problems: [],
    };
    return result;
  };
}

const decide = (expected: ExpectedResult, table: Record<string, Decision>) =>
  decideCase(fakeEvaluator(table), expected, Object.keys(table), '*', []).verdict;

describe('aggregateCase', () => {
  const cases: {
    name: string;
    expected: ExpectedResult;
    table: Record<string, Decision>;
    decision: Decision;
    status: 'pass' | 'fail' | 'inconclusive';
    examples: string[];
  }[] = [
    {
      name: 'fail test, one action allowed: a finding, the allowed action as example',
      expected: 'fail',
      table: {
        'iam:CreateUser': 'implicitDeny',
        'iam:CreateRole': 'allowed',
        'iam:CreateGroup': 'inconclusive',
      },
      decision: 'allowed',
      status: 'fail',
      examples: ['iam:CreateRole'],
    },
    {
      name: 'fail test, none allowed, one inconclusive',
      expected: 'fail',
      table: { 'iam:CreateUser': 'explicitDeny', 'iam:CreateGroup': 'inconclusive' },
      decision: 'inconclusive',
      status: 'inconclusive',
      examples: ['iam:CreateGroup'],
    },
    {
      name: 'fail test, all denied, one explicitly',
      expected: 'fail',
      table: { 'iam:CreateUser': 'implicitDeny', 'iam:CreateRole': 'explicitDeny' },
      decision: 'explicitDeny',
      status: 'pass',
      examples: ['iam:CreateRole'],
    },
    {
      name: 'succeed test, every action allowed',
      expected: 'succeed',
      table: { 's3:GetObject': 'allowed', 's3:PutObject': 'allowed' },
      decision: 'allowed',
      status: 'pass',
      examples: ['s3:GetObject', 's3:PutObject'],
    },
    {
      name: 'succeed test, one denied and one inconclusive: a finding, the denied first',
      expected: 'succeed',
      table: { 's3:GetObject': 'inconclusive', 's3:PutObject': 'implicitDeny', 's3:ListBucket': 'allowed' },
      decision: 'implicitDeny',
      status: 'fail',
      examples: ['s3:PutObject', 's3:GetObject'],
    },
    {
      name: 'succeed test, none denied, one inconclusive',
      expected: 'succeed',
      table: { 's3:GetObject': 'inconclusive', 's3:ListBucket': 'allowed' },
      decision: 'inconclusive',
      status: 'inconclusive',
      examples: ['s3:GetObject'],
    },
  ];
  for (const { name, expected, table, decision, status, examples } of cases)
    it(name, () => {
      const verdict = decide(expected, table);
      expect(verdict.decision).toBe(decision);
      expect(verdict.status).toBe(status);
      expect(verdict.examples.map((example) => example.action)).toEqual(examples);
    });

  it('counts every decision and keeps at most 20 examples', () => {
    const table = Object.fromEntries(
      Array.from({ length: 25 }, (_, index) => [
        `iam:Action${index}`,
        index < 22 ? 'allowed' : 'explicitDeny',
      ]),
    ) as Record<string, Decision>;
    const verdict = decide('fail', table);
    expect(verdict.counts).toEqual({ allowed: 22, explicitDeny: 3, implicitDeny: 0, inconclusive: 0 });
    expect(verdict.examples).toHaveLength(MAX_CASE_EXAMPLES);
    expect(verdict.examples[0]?.missingContextKeys).toEqual([]);
  });

  it('asks the evaluator once per action with the resource and the context', () => {
    const seen: EvaluationRequest[] = [];
    const context = [{ key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' as const }];
    decideCase(
      fakeEvaluator({}, seen),
      'fail',
      ['s3:GetObject', 's3:PutObject'],
      'arn:aws:s3:::b/*',
      context,
    );
    expect(seen).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/*', context },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/*', context },
    ]);
  });

  it('gives an empty case (no action) as implicitDeny: nothing allows it', () => {
    expect(aggregateCase('fail', []).decision).toBe('implicitDeny');
  });
});

describe('aggregateSimulator', () => {
  const answer = (decision: SimulatorDecision['decision'], policy: string): SimulatorDecision => ({
    decision,
    matched: [{ policy, type: 'IAM Policy', start: '1:1', end: '5:2' }],
    missingContextValues: decision === 'allowed' ? [] : ['aws:SourceIp'],
  });
  it('aggregates as the local decision, with the statements of the deciding answers', () => {
    expect(aggregateSimulator('fail', [answer('implicitDeny', 'a'), answer('allowed', 'admin')])).toEqual({
      decision: 'allowed',
      matched: [{ policy: 'admin', type: 'IAM Policy', start: '1:1', end: '5:2' }],
      missingContextValues: ['aws:SourceIp'],
    });
    expect(
      aggregateSimulator('succeed', [answer('allowed', 'a'), answer('explicitDeny', 'deny')])?.decision,
    ).toBe('explicitDeny');
    expect(aggregateSimulator('fail', [])).toBeUndefined();
  });
});

describe('CloudTrail tallies', () => {
  const { mapper } = loadActionData();
  const row = (
    eventSource: string,
    eventName: string,
    outcome: ActivityRow['outcome'],
    calls: number,
    lastSeen: string,
  ): ActivityRow => ({
    accountId: '111111111111',
    day: lastSeen.slice(0, 10),
    actorArn: 'arn:aws:iam::111111111111:user/alice',
    actorType: 'IAMUser',
    callerArn: null,
    viaArn: null,
    eventSource,
    eventName,
    outcome,
    calls,
    firstSeen: lastSeen,
    lastSeen,
    assumedRoleArn: null,
  });
  // ListObjects is authorised by s3:ListBucket (README: event_renames.json).
  const calls = callsByAction(
    [
      row('iam.amazonaws.com', 'CreateUser', 'ok', 2, '2026-10-03T10:00:00Z'),
      row('iam.amazonaws.com', 'CreateUser', 'ok', 1, '2026-10-09T08:00:00Z'),
      row('iam.amazonaws.com', 'CreateRole', 'denied', 4, '2026-10-10T08:00:00Z'),
      row('s3.amazonaws.com', 'ListObjects', 'ok', 5, '2026-10-05T00:00:00Z'),
    ],
    mapper,
  );

  it('counts only successful calls, mapped to their actions', () => {
    expect(caseTrail(calls, ['iam:CreateUser', 'iam:CreateRole', 'iam:CreateGroup'])).toEqual({
      calls: 3,
      lastSeen: '2026-10-09T08:00:00Z',
      actions: ['iam:CreateUser'],
    });
    expect(caseTrail(calls, ['s3:ListBucket'])).toEqual({
      calls: 5,
      lastSeen: '2026-10-05T00:00:00Z',
      actions: ['s3:ListBucket'],
    });
    expect(caseTrail(calls, ['iam:CreateRole'])).toEqual({ calls: 0, lastSeen: null, actions: [] });
  });

  it('contradicts a fail test only when CloudTrail saw a call on a resource the calls prove', () => {
    const onStar = (actions: string[]) => ({ ...caseTrail(calls, actions), resourceKnown: true });
    expect(isContradicted('fail', onStar(['iam:CreateUser']))).toBe(true);
    expect(isContradicted('fail', onStar(['iam:CreateRole']))).toBe(false);
    expect(isContradicted('succeed', onStar(['iam:CreateUser']))).toBe(false);
    expect(isContradicted('fail', null)).toBe(false);
    // The logs summary keeps no resource: a call of the action says nothing of a scoped resource.
    expect(isContradicted('fail', { ...caseTrail(calls, ['iam:CreateUser']), resourceKnown: false })).toBe(
      false,
    );
  });

  it('takes calls as proof of the resource only for * and the patterns matching every ARN', () => {
    expect(callsProveResource('*')).toBe(true);
    expect(callsProveResource('arn:*:*:*:*:*')).toBe(true);
    expect(callsProveResource('arn:aws:iam::111111111111:user/*')).toBe(false);
    expect(callsProveResource('arn:aws:s3:::demo-app-data')).toBe(false);
  });
});

describe('compareWithSimulator', () => {
  const local = (action: string, decision: Decision) => ({
    action,
    result: { decision, deciding: [], missingContextKeys: [], problems: [] },
  });
  const simulator = (decision: SimulatorDecision['decision']): SimulatorDecision => ({
    decision,
    matched: [],
    missingContextValues: [],
  });

  it('lists the actions whose decisions differ, a local inconclusive included, and skips unanswered ones', () => {
    const answers: Record<string, SimulatorDecision> = {
      'iam:CreateUser': simulator('allowed'),
      'iam:DeleteUser': simulator('implicitDeny'),
      'iam:CreateRole': simulator('implicitDeny'),
    };
    const compared = compareWithSimulator(
      'fail',
      [
        local('iam:CreateUser', 'allowed'),
        local('iam:DeleteUser', 'explicitDeny'),
        local('iam:CreateRole', 'inconclusive'),
        local('iam:CreateGroup', 'allowed'),
      ],
      (action) => answers[action],
    );
    expect(compared.disagreements).toEqual([
      { action: 'iam:DeleteUser', local: 'explicitDeny', simulator: 'implicitDeny' },
      { action: 'iam:CreateRole', local: 'inconclusive', simulator: 'implicitDeny' },
    ]);
    expect(compared.simulator?.decision).toBe('allowed');
  });

  it('gives no simulator decision when it answered for no action', () => {
    expect(compareWithSimulator('succeed', [local('s3:GetObject', 'allowed')], () => undefined)).toEqual({
      simulator: undefined,
      disagreements: [],
    });
  });
});
