import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveAccounts } from '../../src/app/accounts/resolve-accounts.js';
import type { AccountEvidence, AuditAccountTarget } from '../../src/app/audit/audit-types.js';
import { collectAccountEvidence, DEFAULT_EVIDENCE_OPTIONS } from '../../src/app/audit/collect-evidence.js';
import { AwsCallCounts } from '../../src/aws/client-instrumentation.js';
import { CREDENTIAL_REPORT_COLUMNS } from '../../src/iam/credential-report.js';
import { startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { buildMotoOrg, motoSdkConfig } from '../helpers/moto-org.js';
import type { MotoOrgAccount } from '../helpers/moto-org.js';

/*
 * The audit's evidence read from AWS: a three-account organisation in moto (test/helpers/moto-org.ts),
 * reached with `--org --role iamtrail-audit`, plus an account whose role the emulator refuses
 * (test/moto/moto_advisor.py's `refuseAssumeRole`: moto's own STS never refuses). Every
 * expectation comes from what the set-up made.
 */

let moto: MotoServer;
let org: MotoOrgAccount[];
const savedEnv: Record<string, string | undefined> = {};
const REFUSED: AuditAccountTarget = {
  name: 'refused',
  id: '999999999999',
  roleArn: 'arn:aws:iam::999999999999:role/iamtrail-refused',
};

beforeAll(async () => {
  moto = await startMotoAdvisor();
  // The code under test builds its clients from the SDK's standard environment, as in production.
  for (const [key, value] of Object.entries(moto.env)) {
    savedEnv[key] = process.env[key];
    process.env[key] = value;
  }
  org = await buildMotoOrg(moto);
}, 120_000);
afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnv))
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  await moto.stop();
});

describe('collectAccountEvidence against moto (an organisation of three accounts)', () => {
  it('reads users, key ids, last use, MFA types, roles and tags of every account; the refused one is a failed entry', async () => {
    const counts = new AwsCallCounts();
    const resolved = await resolveAccounts(
      undefined,
      { accounts: [], org: true, role: 'iamtrail-audit' },
      'us-east-1',
      counts,
      { name: undefined, section: 'audit' },
    );
    // moto's organisation: the management account (moto's default) and the three made.
    expect(resolved.map((target) => target.id).sort()).toEqual(
      ['123456789012', ...org.map((account) => account.id)].sort(),
    );
    expect(
      resolved.every((target) => target.roleArn === `arn:aws:iam::${target.id}:role/iamtrail-audit`),
    ).toBe(true);
    const targets = [...resolved.filter((target) => target.id !== '123456789012'), REFUSED];
    const notes: string[] = [];
    const evidence = await collectAccountEvidence(
      targets,
      {
        ...DEFAULT_EVIDENCE_OPTIONS,
        counts,
        region: 'us-east-1',
        // moto answers STARTED to the first GenerateCredentialReport: the polling is exercised.
        reportWait: { timeoutMs: 10_000, pollDelayMs: 20, maxPollDelayMs: 100 },
      },
      { progress: () => undefined, note: (line) => notes.push(line) },
    );
    expect(evidence.map((entry) => [entry.account.name, entry.status])).toEqual([
      ...org.map((account) => [account.name, 'read']),
      ['refused', 'failed'],
    ]);

    for (const account of org) {
      const read = evidence.find((entry) => entry.account.id === account.id);
      if (read?.status !== 'read') throw new Error(`${account.name} not read`);
      // moto's report has no root row: one row per user the set-up made.
      expect(read.users.map((user) => user.report.user)).toEqual(account.users.map((user) => user.name));
      for (const made of account.users) {
        const got = read.users.find((user) => user.report.user === made.name);
        expect(
          got?.accessKeys.map((key) => ({
            accessKeyId: key.accessKeyId,
            status: key.status,
            used: key.lastUsedDate !== null,
          })),
          `${account.name} ${made.name}`,
        ).toEqual(made.keys);
        expect(got?.mfaType, `${account.name} ${made.name}`).toBe(made.mfa);
        expect(got?.report.passwordEnabled, `${account.name} ${made.name}`).toBe(made.password);
      }
      const detailsUsers = Object.fromEntries(read.details.users.map((user) => [user.name, user.tags]));
      expect(detailsUsers).toEqual(Object.fromEntries(account.users.map((user) => [user.name, user.tags])));
      for (const role of account.roles) {
        const got = read.details.roles.find((candidate) => candidate.name === role.name);
        expect(got?.lastUsedDate !== undefined, `${account.name} ${role.name} RoleLastUsed`).toBe(
          role.assumed,
        );
        expect(got?.tags).toEqual(role.tags);
      }
      expect(read.warnings).toEqual([]);
      // moto's fixed GeneratedTime (notes §14), read from the API's answer.
      expect(read.credentialReportGeneratedAt).toBe('2015-02-02T20:02:02Z');
    }

    const refused = evidence.at(-1) as Extract<AccountEvidence, { status: 'failed' }>;
    expect(refused.errorCode).toBe('AccessDenied');
    expect(refused.error).toContain(
      'STS AssumeRole arn:aws:iam::999999999999:role/iamtrail-refused failed: AccessDenied',
    );
    expect(notes.filter((line) => line.includes('failed'))).toEqual([
      `account refused (999999999999): failed: ${refused.error}`,
    ]);

    // Per-user calls only where the report calls for them.
    const calls = counts.toRecord();
    const sum = (pick: (user: MotoOrgAccount['users'][number]) => boolean) =>
      org.reduce((total, account) => total + account.users.filter(pick).length, 0);
    expect(calls['iam:ListAccessKeys']).toBe(sum((user) => user.keys.length > 0));
    expect(calls['iam:ListMFADevices']).toBe(sum((user) => user.mfa !== 'none'));
    // moto answers STARTED, then COMPLETE: two GenerateCredentialReport calls per account.
    expect(calls['iam:GenerateCredentialReport']).toBe(2 * org.length);
    expect(calls['iam:GetCredentialReport']).toBe(org.length);
    expect(calls['iam:GetAccountAuthorizationDetails']).toBe(org.length);
    expect(calls['sts:AssumeRole']).toBe(org.length + 1);
    expect(calls['organizations:ListAccounts']).toBeGreaterThanOrEqual(1);
  });
});

describe('the IAM data the credentials reach', () => {
  it("must be of the account: without a role:, the caller's own account is a failed entry naming both", async () => {
    // The caller's own account (moto's default, the organisation's management account) holds a role.
    const own = new IAMClient(motoSdkConfig(moto));
    try {
      await own.send(
        new CreateRoleCommand({
          RoleName: 'management-role',
          AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
        }),
      );
    } finally {
      own.destroy();
    }
    // audit-a's credential report from a file, no iam: file and no role: the IAM data comes from
    // the credentials of the environment, which reach 123456789012, not audit-a.
    const [target] = org as [MotoOrgAccount];
    const scratch = mkdtempSync(join(tmpdir(), 'iamtrail-foreign-iam-'));
    try {
      const reportFile = join(scratch, 'report.csv');
      writeFileSync(
        reportFile,
        [
          CREDENTIAL_REPORT_COLUMNS.join(','),
          `key-used,arn:aws:iam::${target.id}:user/key-used,2026-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
          '',
        ].join('\n'),
      );
      const evidence = await collectAccountEvidence(
        [{ name: target.name, id: target.id, roleArn: undefined, credentialReportFile: reportFile }],
        { ...DEFAULT_EVIDENCE_OPTIONS, counts: new AwsCallCounts(), region: 'us-east-1' },
        { progress: () => undefined, note: () => undefined },
      );
      const [entry] = evidence;
      expect(entry?.status).toBe('failed');
      expect(entry?.status === 'failed' ? entry.error : '').toBe(
        `the credentials used reach account 123456789012, not ${target.name} (${target.id}) (its IAM data lists arn:aws:iam::123456789012:role/management-role): give the account a role: to assume`,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
