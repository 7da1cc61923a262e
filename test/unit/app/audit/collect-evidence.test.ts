import { join } from 'node:path';

import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

import type { AccountEvidence, AuditAccountTarget } from '../../../../src/app/audit/audit-types.js';
import {
  collectAccountEvidence,
  DEFAULT_EVIDENCE_OPTIONS,
} from '../../../../src/app/audit/collect-evidence.js';
import { AwsCallCounts } from '../../../../src/aws/client-instrumentation.js';
import { REPO_ROOT } from '../../../helpers/paths.js';

/*
 * The fan-out's failure paths, with the IAM API scripted by aws-sdk-client-mock (moto neither
 * refuses a listing nor has a root row): what a refused account and refused listings look like.
 */

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const REPORT = [
  HEADER,
  '<root_account>,arn:aws:iam::333333333333:root,2024-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'alice,arn:aws:iam::333333333333:user/alice,2025-01-01T00:00:00+00:00,true,no_information,2025-01-01T00:00:00+00:00,N/A,true,true,2025-02-01T10:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'bob,arn:aws:iam::333333333333:user/bob,2025-01-01T00:00:00+00:00,false,N/A,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  '',
].join('\n');
const PROD: AuditAccountTarget = { name: 'prod', id: '333333333333', roleArn: undefined };
const DEMO: AuditAccountTarget = {
  name: 'demo',
  id: '111111111111',
  roleArn: undefined,
  iamFile: join(REPO_ROOT, 'examples/demo/iam/demo.json'),
  credentialReportFile: join(REPO_ROOT, 'examples/demo/credentials/demo.csv'),
};
const accessDenied = (action: string) =>
  Object.assign(
    new Error(`User: arn:aws:iam::333333333333:user/auditor is not authorized to perform: ${action}`),
    {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    },
  );
const options = () => ({
  ...DEFAULT_EVIDENCE_OPTIONS,
  counts: new AwsCallCounts(),
  region: 'us-east-1',
  reportWait: { timeoutMs: 1_000, pollDelayMs: 5, maxPollDelayMs: 10 },
});
const silent = { progress: () => undefined, note: () => undefined };

let mock: ReturnType<typeof mockClient> | undefined;
afterEach(() => {
  mock?.restore();
});

function scriptIam() {
  mock = mockClient(IAMClient);
  mock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
  mock
    .on(GetCredentialReportCommand)
    .resolves({ Content: new TextEncoder().encode(REPORT), GeneratedTime: new Date('2026-10-31T12:00:00Z') });
  mock.on(GetAccountAuthorizationDetailsCommand).resolves({
    UserDetailList: [
      { UserName: 'alice', Arn: 'arn:aws:iam::333333333333:user/alice' },
      { UserName: 'bob', Arn: 'arn:aws:iam::333333333333:user/bob' },
    ],
    IsTruncated: false,
  });
  return mock;
}

describe('collectAccountEvidence (IAM scripted with aws-sdk-client-mock)', () => {
  it('keeps an account whose MFA listings are refused or empty, with warnings, and tells root virtual MFA', async () => {
    const iam = scriptIam();
    iam.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIAALICE', Status: 'Active', CreateDate: new Date('2025-02-01T10:00:00Z') },
      ],
    });
    iam.on(ListMFADevicesCommand, { UserName: 'alice' }).rejects(accessDenied('iam:ListMFADevices'));
    iam.on(ListMFADevicesCommand, { UserName: 'bob' }).resolves({ MFADevices: [] });
    iam.on(ListVirtualMFADevicesCommand).resolves({
      VirtualMFADevices: [
        {
          SerialNumber: 'arn:aws:iam::333333333333:mfa/root-account-mfa-device',
          User: { Arn: 'arn:aws:iam::333333333333:root' } as never,
        },
      ],
    });
    const [prod] = await collectAccountEvidence([PROD], options(), silent);
    if (prod?.status !== 'read') throw new Error(JSON.stringify(prod));
    expect(prod.credentialReportGeneratedAt).toBe('2026-10-31T12:00:00Z');
    expect(
      prod.users.map((user) => [
        user.report.user,
        user.mfaType,
        user.accessKeys.map((key) => key.accessKeyId),
      ]),
    ).toEqual([
      ['<root_account>', 'virtual', []],
      ['alice', 'unknown', ['AKIAALICE']],
      ['bob', 'unknown', []],
    ]);
    expect(prod.warnings).toEqual([
      'alice: MFA type unknown: IAM ListMFADevices for alice in prod (333333333333) failed: AccessDenied: User: arn:aws:iam::333333333333:user/auditor is not authorized to perform: iam:ListMFADevices',
      'bob: the credential report says mfa_active, ListMFADevices lists no device',
    ]);
    // bob has no key: ListAccessKeys is asked for alice alone.
    expect(iam.commandCalls(ListAccessKeysCommand).map((call) => call.args[0].input)).toEqual([
      { UserName: 'alice' },
    ]);
  });

  it('makes an account whose report is refused a failed entry with the AWS error code; the others are read', async () => {
    const iam = scriptIam();
    iam.on(GetCredentialReportCommand).rejects(accessDenied('iam:GetCredentialReport'));
    const evidence: AccountEvidence[] = await collectAccountEvidence([PROD, DEMO], options(), silent);
    expect(evidence.map((entry) => [entry.account.name, entry.status])).toEqual([
      ['prod', 'failed'],
      ['demo', 'read'],
    ]);
    expect(evidence[0]).toEqual({
      status: 'failed',
      account: PROD,
      errorCode: 'AccessDenied',
      error:
        'IAM GetCredentialReport in prod (333333333333) failed: AccessDenied: User: arn:aws:iam::333333333333:user/auditor is not authorized to perform: iam:GetCredentialReport',
    });
  });
});
