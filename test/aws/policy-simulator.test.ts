import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createRateBudget,
  SimulatorPrincipalError,
  simulatePrincipal,
} from '../../src/aws/policy-simulator.js';
import type { RateBudget, SimulatedDecision } from '../../src/aws/policy-simulator.js';
import { EngineError } from '../../src/errors.js';
import type { ContextEntry } from '../../src/iam/policy-evaluation.js';
import { MOTO_ADVISOR_FIXTURE, startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { motoSdkConfig } from '../helpers/moto-org.js';

/*
 * SimulatePrincipalPolicy over HTTP against the emulator (test/moto/moto_advisor.py): its answers
 * come from the fixture's `simulator` rules, and every request it received is in its log
 * (MOTO_SIMULATOR_LOG), so that what was sent is checked as well as what was read.
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
  readonly decision: string;
  readonly context?: Readonly<Record<string, readonly string[]>>;
  readonly matched?: readonly FixtureStatement[];
  readonly missingContextValues?: readonly string[];
}
const FIXTURE = JSON.parse(readFileSync(MOTO_ADVISOR_FIXTURE, 'utf8')) as {
  readonly throttled: readonly {
    readonly pattern: string;
    readonly calls: number;
    readonly operations?: readonly string[];
  }[];
  readonly simulator: { readonly defaultMaxItems: number; readonly rules: readonly FixtureRule[] };
};

/** The fixture's rule for a principal name and an action pattern (as written there). */
function rule(principal: string, action: string, withContext = false): FixtureRule {
  const found = FIXTURE.simulator.rules.find(
    (one) =>
      new RegExp(one.principal).test(`arn:aws:iam::123456789012:${principal}`) &&
      one.action === action &&
      (one.context !== undefined) === withContext,
  );
  if (found === undefined) throw new Error(`no fixture rule for ${principal} ${action}`);
  return found;
}

/** A fixture rule's MatchedStatements as SimulatorDecision.matched, positions as aws-iam-tester prints them. */
const matchedOf = (one: FixtureRule) =>
  (one.matched ?? []).map((statement) => ({
    policy: statement.SourcePolicyId,
    type: statement.SourcePolicyType,
    start: `L${statement.StartPosition.Line}:C${statement.StartPosition.Column}`,
    end: `L${statement.EndPosition.Line}:C${statement.EndPosition.Column}`,
  }));

/** What the emulator logged for each SimulatePrincipalPolicy request. */
interface LoggedRequest {
  readonly principal: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly contextEntries: readonly {
    readonly ContextKeyName: string;
    readonly ContextKeyValues: readonly string[];
    readonly ContextKeyType: string;
  }[];
  readonly maxItems: number | null;
  readonly marker: string | null;
}

const FAST_RETRY = { retry: { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 40 } };
const REPORTS = 'arn:aws:s3:::reports/q1.csv';
const OTHER = 'arn:aws:s3:::other/x';
/** A budget with room for the whole file: the budget's own test measures its rate. */
const unlimited = (): RateBudget => createRateBudget(1000);

const work = mkdtempSync(join(tmpdir(), 'iamtrail-simulator-'));
const log = join(work, 'requests.jsonl');
let moto: MotoServer;
let iam: IAMClient;
const arns: Record<string, string> = {};

/** The requests the emulator received for `arn` since `from` (an index into the log). */
function requestsOf(arn: string, from = 0): LoggedRequest[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .slice(from)
    .map((line) => JSON.parse(line) as LoggedRequest)
    .filter((request) => request.principal === arn);
}
const logLength = (): number =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '').length
    : 0;

const key = (decision: SimulatedDecision): string => `${decision.action} ${decision.resource}`;

beforeAll(async () => {
  moto = await startMotoAdvisor(MOTO_ADVISOR_FIXTURE, { MOTO_SIMULATOR_LOG: log });
  iam = new IAMClient({ ...motoSdkConfig(moto), maxAttempts: 1 });
  for (const name of ['sim-reader', 'sim-mfa', 'sim-throttled', 'sim-budget-a', 'sim-budget-b'])
    arns[name] = (await iam.send(new CreateUserCommand({ UserName: name }))).User?.Arn ?? '';
  arns['sim-grouped'] =
    (
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'sim-grouped',
          AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
        }),
      )
    ).Role?.Arn ?? '';
}, 60_000);

afterAll(async () => {
  iam.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('simulatePrincipal against the emulator', () => {
  const actions = ['s3:GetObject', 's3:GetObjectAcl', 's3:DeleteObject', 's3:PutObject', 'ec2:RunInstances'];

  it('reads every page (Marker) and returns each (action, resource) once, mapped from the fixture', async () => {
    const arn = arns['sim-reader'] ?? '';
    const from = logLength();
    const decisions = await simulatePrincipal(
      iam,
      { principalArn: arn, actions, resources: [REPORTS, OTHER], context: [] },
      unlimited(),
      undefined,
      FAST_RETRY,
    );
    // 5 actions × 2 resources = 10 results; the emulator's default page holds defaultMaxItems.
    const pages = Math.ceil(10 / FIXTURE.simulator.defaultMaxItems);
    const sent = requestsOf(arn, from);
    expect(pages).toBeGreaterThan(2);
    expect(sent).toHaveLength(pages);
    expect(sent[0]?.marker).toBeNull();
    expect(sent.slice(1).every((request) => request.marker !== null)).toBe(true);
    expect(new Set(sent.map((request) => request.marker)).size).toBe(pages);
    expect(sent.every((request) => request.actions.join() === actions.join())).toBe(true);
    expect(sent[0]?.resources).toEqual([REPORTS, OTHER]);

    expect(decisions).toHaveLength(10);
    expect(new Set(decisions.map(key)).size).toBe(10);
    const byKey = new Map(decisions.map((decision) => [key(decision), decision.decision]));
    const read = rule('user/sim-reader', 's3:Get*');
    const deny = rule('user/sim-reader', 's3:DeleteObject');
    for (const action of ['s3:GetObject', 's3:GetObjectAcl'])
      expect(byKey.get(`${action} ${REPORTS}`)).toEqual({
        decision: read.decision,
        matched: matchedOf(read),
        missingContextValues: [],
      });
    expect(byKey.get(`s3:DeleteObject ${REPORTS}`)).toEqual({
      decision: deny.decision,
      matched: matchedOf(deny),
      missingContextValues: [],
    });
    // No rule: the emulator's default, as IAM's when nothing allows.
    for (const action of ['s3:PutObject', 'ec2:RunInstances'])
      expect(byKey.get(`${action} ${REPORTS}`)?.decision).toBe('implicitDeny');
    for (const action of actions)
      expect(byKey.get(`${action} ${OTHER}`)).toEqual({
        decision: 'implicitDeny',
        matched: [],
        missingContextValues: [],
      });
  });

  it('sends the actions in chunks, each chunk paged, with the same decisions', async () => {
    const arn = arns['sim-reader'] ?? '';
    const whole = await simulatePrincipal(
      iam,
      { principalArn: arn, actions, resources: [REPORTS], context: [] },
      unlimited(),
      undefined,
      FAST_RETRY,
    );
    const from = logLength();
    const chunked = await simulatePrincipal(
      iam,
      { principalArn: arn, actions, resources: [REPORTS], context: [] },
      unlimited(),
      undefined,
      { ...FAST_RETRY, actionsPerCall: 2, maxItems: 1 },
    );
    const sent = requestsOf(arn, from);
    // Chunks [2, 2, 1] actions, one result per action and MaxItems 1: 2 + 2 + 1 pages.
    expect(sent.map((request) => request.actions)).toEqual([
      actions.slice(0, 2),
      actions.slice(0, 2),
      actions.slice(2, 4),
      actions.slice(2, 4),
      actions.slice(4),
    ]);
    expect(sent.every((request) => request.maxItems === 1)).toBe(true);
    expect(chunked).toEqual(whole);
  });

  it('retries a throttled first call and then answers; every HTTP attempt, those of the SDK too, takes from the budget', async () => {
    const arn = arns['sim-throttled'] ?? '';
    const throttle = FIXTURE.throttled.find((one) => new RegExp(one.pattern).test(arn));
    expect(throttle?.operations).toContain('SimulatePrincipalPolicy');
    const from = logLength();
    // A client with the SDK's own retries (the other tests' has none: simulatePrincipal retries).
    const retrying = new IAMClient({ ...motoSdkConfig(moto), maxAttempts: 3 });
    const budget = unlimited();
    let takes = 0;
    const decisions = await simulatePrincipal(
      retrying,
      { principalArn: arn, actions: ['ec2:DescribeInstances'], resources: [], context: [] },
      {
        take: (signal) => {
          takes += 1;
          return budget.take(signal);
        },
      },
      undefined,
      FAST_RETRY,
    ).finally(() => {
      retrying.destroy();
    });
    const allowed = rule('user/sim-throttled', 'ec2:Describe*');
    expect(decisions).toEqual([
      {
        action: 'ec2:DescribeInstances',
        resource: '*',
        decision: { decision: allowed.decision, matched: matchedOf(allowed), missingContextValues: [] },
      },
    ]);
    expect(requestsOf(arn, from)).toHaveLength((throttle?.calls ?? 0) + 1);
    expect(takes).toBe((throttle?.calls ?? 0) + 1);
  });

  it('reports MissingContextValues without the context key, and sends ContextEntries that change the answer', async () => {
    const arn = arns['sim-mfa'] ?? '';
    const missing = rule('user/sim-mfa', 'iam:*');
    const withMfa = rule('user/sim-mfa', 'iam:*', true);
    const [mfaKey] = Object.keys(withMfa.context ?? {});
    const ask = (context: ContextEntry[]) =>
      simulatePrincipal(
        iam,
        { principalArn: arn, actions: ['iam:CreateUser'], resources: [], context },
        unlimited(),
        undefined,
        FAST_RETRY,
      );

    const without = await ask([]);
    expect(without.map((one) => one.decision)).toEqual([
      { decision: missing.decision, matched: [], missingContextValues: missing.missingContextValues },
    ]);

    const from = logLength();
    const context: ContextEntry[] = [
      { key: mfaKey ?? '', values: withMfa.context?.[mfaKey ?? ''] ?? [], type: 'boolean' },
      { key: 'aws:SourceIp', values: ['10.0.0.1', '10.0.0.2'], type: 'ipList' },
    ];
    const withKey = await ask(context);
    expect(withKey.map((one) => one.decision)).toEqual([
      { decision: withMfa.decision, matched: matchedOf(withMfa), missingContextValues: [] },
    ]);
    expect(requestsOf(arn, from).map((request) => request.contextEntries)).toEqual([
      [
        { ContextKeyName: mfaKey, ContextKeyValues: ['true'], ContextKeyType: 'boolean' },
        {
          ContextKeyName: 'aws:SourceIp',
          ContextKeyValues: ['10.0.0.1', '10.0.0.2'],
          ContextKeyType: 'ipList',
        },
      ],
    ]);

    // The key given with another value: the conditional rule does not apply, and nothing is missing.
    const denied = await ask([{ key: mfaKey ?? '', values: ['false'], type: 'boolean' }]);
    expect(denied.map((one) => one.decision)).toEqual([
      { decision: missing.decision, matched: [], missingContextValues: [] },
    ]);
  });

  it('takes one decision per resource from ResourceSpecificResults', async () => {
    const arn = arns['sim-grouped'] ?? '';
    const decisions = await simulatePrincipal(
      iam,
      {
        principalArn: arn,
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [REPORTS, OTHER],
        context: [],
      },
      unlimited(),
      undefined,
      FAST_RETRY,
    );
    const allowed = rule('role/sim-grouped', 's3:GetObject');
    expect(decisions.map((one) => [one.action, one.resource, one.decision.decision])).toEqual([
      ['s3:GetObject', REPORTS, allowed.decision],
      ['s3:GetObject', OTHER, 'implicitDeny'],
      ['s3:PutObject', REPORTS, 'implicitDeny'],
      ['s3:PutObject', OTHER, 'implicitDeny'],
    ]);
    expect(decisions[0]?.decision.matched).toEqual(matchedOf(allowed));
    expect(decisions[1]?.decision.matched).toEqual([]);
  });

  it('names the principal moto does not know (NoSuchEntity), without retrying', async () => {
    const ghost = (arns['sim-reader'] ?? '').replace('sim-reader', 'sim-ghost');
    const from = logLength();
    const failure = simulatePrincipal(
      iam,
      { principalArn: ghost, actions: ['s3:GetObject'], resources: [], context: [] },
      unlimited(),
      undefined,
      FAST_RETRY,
    );
    await expect(failure).rejects.toBeInstanceOf(SimulatorPrincipalError);
    await expect(failure).rejects.toMatchObject({ principalArn: ghost, reason: 'no-such-entity' });
    await expect(failure).rejects.toThrow(ghost);
    expect(requestsOf(ghost, from)).toHaveLength(1);
  });

  it('fails a bad request (InvalidInput) with the principal and the reason, without retrying', async () => {
    const arn = arns['sim-reader'] ?? '';
    const from = logLength();
    const failure = simulatePrincipal(
      iam,
      { principalArn: arn, actions: ['GetObject'], resources: [], context: [] },
      unlimited(),
      undefined,
      FAST_RETRY,
    );
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toThrow(`IAM SimulatePrincipalPolicy for ${arn} failed: InvalidInput`);
    expect(requestsOf(arn, from)).toHaveLength(1);
  });

  it('spends one rate budget per account: N calls of two principals take at least (N-1)/rate seconds', async () => {
    const rate = 8;
    const budget = createRateBudget(rate);
    let takes = 0;
    const counted: RateBudget = {
      take: (signal) => {
        takes += 1;
        return budget.take(signal);
      },
    };
    const from = logLength();
    const started = performance.now();
    // Two principals at once, as the runner may: 3 actions × 1 resource = 3 results = 2 pages each.
    const three = ['s3:GetObject', 's3:PutObject', 's3:ListBucket'];
    const results = await Promise.all(
      ['sim-budget-a', 'sim-budget-b'].map((name) =>
        simulatePrincipal(
          iam,
          { principalArn: arns[name] ?? '', actions: three, resources: [REPORTS], context: [] },
          counted,
          undefined,
          FAST_RETRY,
        ),
      ),
    );
    const elapsed = (performance.now() - started) / 1000;
    const calls =
      requestsOf(arns['sim-budget-a'] ?? '', from).length +
      requestsOf(arns['sim-budget-b'] ?? '', from).length;
    expect(calls).toBe(2 * Math.ceil(3 / FIXTURE.simulator.defaultMaxItems));
    expect(takes).toBe(calls);
    expect(elapsed).toBeGreaterThanOrEqual((calls - 1) / rate - 0.005);
    expect(results.map((decisions) => decisions.length)).toEqual([3, 3]);
  });
});
