import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';

import { fetchCredentialReport } from '../../../src/aws/credential-report.js';
import { EngineError } from '../../../src/errors.js';

const FAST = { timeoutMs: 2_000, pollDelayMs: 5, maxPollDelayMs: 10 };
const CSV = 'user,arn\n';
const content = new TextEncoder().encode(CSV);
const generatedTime = new Date('2026-10-31T12:00:00Z');
const meta = { $metadata: {}, message: 'x' };

/** An IAM client whose answers are scripted (aws-sdk-client-mock: the SDK's send, nothing of ours). */
function scripted() {
  const client = new IAMClient({ region: 'us-east-1' });
  return { client, mock: mockClient(client) };
}

describe('fetchCredentialReport (failure paths with aws-sdk-client-mock)', () => {
  it('generates until COMPLETE, then reads the report and its GeneratedTime', async () => {
    const { client, mock } = scripted();
    mock
      .on(GenerateCredentialReportCommand)
      .resolvesOnce({ State: 'STARTED' })
      .resolvesOnce({ State: 'INPROGRESS' })
      .resolves({ State: 'COMPLETE' });
    mock.on(GetCredentialReportCommand).resolves({ Content: content, GeneratedTime: generatedTime });
    await expect(fetchCredentialReport(client, 'prod (333333333333)', FAST)).resolves.toEqual({
      csv: CSV,
      generatedAt: '2026-10-31T12:00:00Z',
    });
    expect(mock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(3);
    expect(mock.commandCalls(GetCredentialReportCommand)).toHaveLength(1);
  });

  it('waits on ReportInProgress and generates again on ReportNotPresent and ReportExpired', async () => {
    const { client, mock } = scripted();
    mock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    mock
      .on(GetCredentialReportCommand)
      .rejectsOnce(new CredentialReportNotReadyException(meta))
      .rejectsOnce(new CredentialReportNotPresentException(meta))
      .rejectsOnce(new CredentialReportExpiredException(meta))
      .resolves({ Content: content, GeneratedTime: generatedTime });
    await expect(fetchCredentialReport(client, 'prod (333333333333)', FAST)).resolves.toMatchObject({
      csv: CSV,
    });
    expect(mock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(4);
    expect(mock.commandCalls(GetCredentialReportCommand)).toHaveLength(4);
  });

  it('gives up after its timeout with an error saying so', async () => {
    const { client, mock } = scripted();
    mock.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    const error = await fetchCredentialReport(client, 'prod (333333333333)', {
      timeoutMs: 60,
      pollDelayMs: 10,
      maxPollDelayMs: 20,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(
      /^IAM credential report of prod \(333333333333\) not COMPLETE after \d+ s \(last: State INPROGRESS\)$/,
    );
    expect(mock.commandCalls(GetCredentialReportCommand)).toHaveLength(0);
  });

  it('does not retry AccessDenied, and names the call', async () => {
    const { client, mock } = scripted();
    mock.on(GenerateCredentialReportCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::333333333333:assumed-role/audit/x is not authorized'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const error = await fetchCredentialReport(client, 'prod (333333333333)', FAST).catch(
      (thrown: unknown) => thrown,
    );
    expect((error as Error).message).toBe(
      'IAM GenerateCredentialReport in prod (333333333333) failed: AccessDenied: User: arn:aws:sts::333333333333:assumed-role/audit/x is not authorized',
    );
    expect(mock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(1);
  });
});
