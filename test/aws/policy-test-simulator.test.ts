import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createIamClient } from '../../src/aws/aws-clients.js';
import { AwsCallCounts } from '../../src/aws/client-instrumentation.js';
import {
  createRateBudget,
  SIMULATOR_CLIENT_RETRY,
  SimulatorPrincipalError,
  simulatePrincipal,
} from '../../src/aws/policy-simulator.js';
import type { SimulatedDecision } from '../../src/aws/policy-simulator.js';
import { MOTO_ADVISOR_FIXTURE, startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { motoSdkConfig } from '../helpers/moto-org.js';

/*
 * `--simulator` as the runner drives it: two accounts, each reached through its role with
 * `createIamClient` (the SDK's standard environment pointing at the emulator), one rate budget per
 * account, several principals of an account simulated at once within it, a principal that is gone
 * noted while the others go on. The emulator's fixture (test/moto/advisor-fixture.json, key
 * `simulator`) decides; its request log counts the calls.
 */

interface FixtureRule {
  readonly principal: string;
  readonly action: string;
  readonly decision: string;
  readonly context?: Readonly<Record<string, readonly string[]>>;
  readonly missingContextValues?: readonly string[];
}
const FIXTURE = JSON.parse(readFileSync(MOTO_ADVISOR_FIXTURE, 'utf8')) as {
  readonly throttled: readonly { readonly pattern: string; readonly calls: number }[];
  readonly simulator: { readonly defaultMaxItems: number; readonly rules: readonly FixtureRule[] };
};
const ruleFor = (principal: string, action: string): FixtureRule | undefined =>
  FIXTURE.simulator.rules.find(
    (rule) =>
      rule.context === undefined && new RegExp(rule.principal).test(principal) && rule.action === action,
  );

const ACCOUNTS = ['111111111111', '222222222222'];
const PRINCIPALS = ['sim-reader', 'sim-mfa', 'sim-throttled'];
const RATE = 20;
const work = mkdtempSync(join(tmpdir(), 'iamtrail-simulator-runner-'));
const log = join(work, 'requests.jsonl');
let moto: MotoServer;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  moto = await startMotoAdvisor(MOTO_ADVISOR_FIXTURE, { MOTO_SIMULATOR_LOG: log });
  // The code under test builds its clients from the SDK's standard environment, as in production.
  for (const [key, value] of Object.entries(moto.env)) {
    savedEnv[key] = process.env[key];
    process.env[key] = value;
  }
  // moto keeps one backend per account: credentials of a role in account X create users in X.
  const sts = new STSClient(motoSdkConfig(moto));
  for (const account of ACCOUNTS) {
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/set-up`, RoleSessionName: 'set-up' }),
    );
    const iam = new IAMClient({
      ...motoSdkConfig(moto),
      credentials: {
        accessKeyId: answer.Credentials?.AccessKeyId ?? '',
        secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
        sessionToken: answer.Credentials?.SessionToken ?? '',
      },
    });
    for (const name of PRINCIPALS) await iam.send(new CreateUserCommand({ UserName: name }));
    iam.destroy();
  }
  sts.destroy();
}, 60_000);

afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnv))
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

/** What the runner keeps per account: decisions by principal, and notes for principals it could not simulate. */
interface AccountRun {
  readonly decisions: Map<string, SimulatedDecision[]>;
  readonly notes: { readonly principal: string; readonly reason: string; readonly message: string }[];
  readonly elapsedSeconds: number;
}

async function runAccount(account: string, counts: AwsCallCounts): Promise<AccountRun> {
  const client = await createIamClient(undefined, `arn:aws:iam::${account}:role/iamtrail-test`, {
    counts,
    retry: SIMULATOR_CLIENT_RETRY,
  });
  const budget = createRateBudget(RATE);
  const limit = pLimit(4);
  const decisions = new Map<string, SimulatedDecision[]>();
  const notes: AccountRun['notes'] = [];
  const started = performance.now();
  try {
    await Promise.all(
      [...PRINCIPALS, 'sim-gone'].map((name) =>
        limit(async () => {
          const principal = `arn:aws:iam::${account}:user/${name}`;
          try {
            decisions.set(
              principal,
              await simulatePrincipal(
                client,
                {
                  principalArn: principal,
                  actions: ['s3:GetObject', 'iam:CreateUser', 'ec2:DescribeInstances'],
                  resources: ['arn:aws:s3:::reports/2026.csv'],
                  context: [{ key: 'redshift:DbUser', values: ['admin'], type: 'string' }],
                },
                budget,
                undefined,
                { retry: { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 40 } },
              ),
            );
          } catch (error) {
            if (!(error instanceof SimulatorPrincipalError)) throw error;
            notes.push({ principal: error.principalArn, reason: error.reason, message: error.message });
          }
        }),
      ),
    );
  } finally {
    client.destroy();
  }
  return { decisions, notes, elapsedSeconds: (performance.now() - started) / 1000 };
}

describe('simulatePrincipal for several principals of several accounts, as the runner calls it', () => {
  it('answers every principal per the fixture, notes the one that is gone, and keeps each account within its budget', async () => {
    const counts = new AwsCallCounts();
    const runs = await Promise.all(ACCOUNTS.map((account) => runAccount(account, counts)));
    const requests = existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as { principal: string; contextEntries: unknown[] })
      : [];

    for (const [index, account] of ACCOUNTS.entries()) {
      const run = runs[index];
      expect(run?.notes).toEqual([
        {
          principal: `arn:aws:iam::${account}:user/sim-gone`,
          reason: 'no-such-entity',
          message: expect.stringContaining(`arn:aws:iam::${account}:user/sim-gone`) as string,
        },
      ]);
      for (const name of PRINCIPALS) {
        const principal = `arn:aws:iam::${account}:user/${name}`;
        const got = run?.decisions.get(principal) ?? [];
        expect(got.map((one) => one.action)).toEqual([
          's3:GetObject',
          'iam:CreateUser',
          'ec2:DescribeInstances',
        ]);
        const expected = (pattern: string) => ruleFor(principal, pattern)?.decision ?? 'implicitDeny';
        expect(got.map((one) => one.decision.decision)).toEqual([
          expected('s3:Get*'),
          // The context sent does not give the MFA key: the fixture's rule without context applies.
          expected('iam:*'),
          expected('ec2:Describe*'),
        ]);
        expect(got[1]?.decision.missingContextValues).toEqual(
          ruleFor(principal, 'iam:*')?.missingContextValues ?? [],
        );
      }
      // Every call of the account, retries included, took a slot of its budget.
      const calls = requests.filter((request) => request.principal.includes(`::${account}:`)).length;
      const throttledCalls = FIXTURE.throttled.find((rule) =>
        new RegExp(rule.pattern).test(':user/sim-throttled'),
      )?.calls;
      // Per principal: 3 results in pages of defaultMaxItems; the gone one: 1 call; the throttled one: its refused calls.
      const pages = Math.ceil(3 / FIXTURE.simulator.defaultMaxItems);
      expect(calls).toBe(PRINCIPALS.length * pages + 1 + (throttledCalls ?? 0));
      expect(run?.elapsedSeconds).toBeGreaterThanOrEqual((calls - 1) / RATE - 0.005);
    }
    // The fixture answers differently per principal: the check above is not one answer for all.
    const decided = runs.flatMap((run) =>
      [...run.decisions.values()].flat().map((one) => one.decision.decision),
    );
    expect(new Set(decided)).toEqual(new Set(['allowed', 'implicitDeny']));
    // Each HTTP attempt counted once by the client (the throttled one included): no hidden SDK retries.
    expect(counts.toRecord()['iam:SimulatePrincipalPolicy']).toBe(requests.length);
    expect(requests.every((request) => request.contextEntries.length === 1)).toBe(true);
  });
});
