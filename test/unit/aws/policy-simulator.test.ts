import { IAMClient, NoSuchEntityException, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';

import {
  createRateBudget,
  SimulatorPrincipalError,
  simulatePrincipal,
} from '../../../src/aws/policy-simulator.js';
import { EngineError } from '../../../src/errors.js';

/*
 * The simulator client's failure paths that the emulator cannot produce (AccessDenied in the
 * middle of the pages, a throttle that never ends, a 5xx, an answer without a valid decision),
 * with IAM's answers scripted by aws-sdk-client-mock (the SDK's send, nothing of ours); and the
 * rate budget on its own.
 */

const PRINCIPAL = 'arn:aws:iam::111122223333:role/worker';
const REQUEST = { principalArn: PRINCIPAL, actions: ['s3:GetObject'], resources: [], context: [] };
const FAST = { retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 4 } };
const budget = createRateBudget(1000);

function scripted() {
  const client = new IAMClient({ region: 'us-east-1', maxAttempts: 1 });
  return { client, mock: mockClient(client) };
}

/** An SDK-shaped service error: name, message, HTTP status and fault as the SDK sets them. */
function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const page = (action: string, more: boolean) => ({
  EvaluationResults: [{ EvalActionName: action, EvalResourceName: '*', EvalDecision: 'allowed' as const }],
  IsTruncated: more,
  ...(more ? { Marker: 'next' } : {}),
});

describe('simulatePrincipal (failure paths with aws-sdk-client-mock)', () => {
  it('turns AccessDenied on a later page into an error naming the principal', async () => {
    const { client, mock } = scripted();
    mock
      .on(SimulatePrincipalPolicyCommand)
      .resolvesOnce(page('s3:GetObject', true))
      .rejects(
        awsError(
          'AccessDenied',
          'User: arn:aws:iam::111122223333:user/ci is not authorized to perform: iam:SimulatePrincipalPolicy',
          403,
        ),
      );
    const failure = simulatePrincipal(client, REQUEST, budget, undefined, FAST);
    await expect(failure).rejects.toBeInstanceOf(SimulatorPrincipalError);
    await expect(failure).rejects.toMatchObject({
      principalArn: PRINCIPAL,
      reason: 'access-denied',
      exitCode: 3,
    });
    await expect(failure).rejects.toThrow(`IAM SimulatePrincipalPolicy for ${PRINCIPAL}: access denied`);
    const calls = mock.commandCalls(SimulatePrincipalPolicyCommand);
    // The second page was asked with the first page's Marker, and AccessDenied was not retried.
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Marker).toBe('next');
  });

  it('names the principal on NoSuchEntity', async () => {
    const { client, mock } = scripted();
    mock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(
        new NoSuchEntityException({ $metadata: {}, message: `The role with name worker cannot be found.` }),
      );
    await expect(simulatePrincipal(client, REQUEST, budget, undefined, FAST)).rejects.toMatchObject({
      principalArn: PRINCIPAL,
      reason: 'no-such-entity',
    });
  });

  it('gives up on a throttle that never ends after its retries, saying so', async () => {
    const { client, mock } = scripted();
    mock.on(SimulatePrincipalPolicyCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const failure = simulatePrincipal(client, REQUEST, budget, undefined, FAST);
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toThrow(
      `IAM SimulatePrincipalPolicy for ${PRINCIPAL} failed (still failing after 4 attempts): Throttling: Rate exceeded`,
    );
    expect(mock.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(FAST.retry.retries + 1);
  });

  it('retries a 5xx and a ThrottlingException, then reads the answer', async () => {
    const { client, mock } = scripted();
    mock
      .on(SimulatePrincipalPolicyCommand)
      .rejectsOnce(awsError('ServiceUnavailable', 'Service Unavailable', 503))
      .rejectsOnce(awsError('ThrottlingException', 'slow down', 400))
      .resolves(page('s3:GetObject', false));
    const decisions = await simulatePrincipal(client, REQUEST, budget, undefined, FAST);
    expect(decisions).toEqual([
      {
        action: 's3:GetObject',
        resource: '*',
        decision: { decision: 'allowed', matched: [], missingContextValues: [] },
      },
    ]);
    expect(mock.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(3);
  });

  it('refuses an answer without a valid decision instead of guessing one', async () => {
    const { client, mock } = scripted();
    mock
      .on(SimulatePrincipalPolicyCommand)
      // What a newer API might answer: a decision this client does not know.
      .resolves({
        EvaluationResults: [
          {
            EvalActionName: 's3:GetObject',
            EvalResourceName: '*',
            EvalDecision: 'conditionalAllow' as 'allowed',
          },
        ],
      });
    await expect(simulatePrincipal(client, REQUEST, budget, undefined, FAST)).rejects.toThrow(
      'decision "conditionalAllow" for s3:GetObject is not allowed, explicitDeny or implicitDeny',
    );
  });

  it('stops waiting between retries when the signal aborts', async () => {
    const { client, mock } = scripted();
    mock.on(SimulatePrincipalPolicyCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const controller = new AbortController();
    const slow = { retry: { retries: 5, minTimeoutMs: 10_000, maxTimeoutMs: 10_000 } };
    const failure = simulatePrincipal(client, REQUEST, budget, controller.signal, slow);
    setTimeout(() => {
      controller.abort(new Error('interrupted'));
    }, 20);
    await expect(failure).rejects.toThrow('interrupted');
    expect(mock.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(1);
  });
});

describe('createRateBudget', () => {
  it('refuses a rate that is not a positive number', () => {
    expect(() => createRateBudget(0)).toThrow('not 0');
    expect(() => createRateBudget(Number.NaN)).toThrow(RangeError);
  });

  it('spaces N takes by at least (N-1)/rate seconds', async () => {
    const rate = 200;
    const limited = createRateBudget(rate);
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => limited.take()));
    expect(performance.now() - started).toBeGreaterThanOrEqual((5 / rate) * 1000 - 1);
  });

  it('rejects a take whose signal is or becomes aborted, with its reason', async () => {
    const limited = createRateBudget(10);
    await limited.take();
    const controller = new AbortController();
    const waiting = limited.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(limited.take(controller.signal)).rejects.toThrow('stop');
  });
});
