import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { collectAccountEvidence, DEFAULT_EVIDENCE_OPTIONS } from '../../src/app/audit/collect-evidence.js';
import type { AccountEvidence, AuditAccountTarget } from '../../src/app/audit/audit-types.js';
import { AwsCallCounts } from '../../src/aws/client-instrumentation.js';
import { loadConfig } from '../../src/config/load-config.js';
import { InputDataError } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * The audit's evidence from the config's files (examples/demo: iam/*.json and credentials/*.csv,
 * written by scripts/generate-demo.mjs, whose comment lists what each user has). No AWS call.
 */

const config = loadConfig(join(REPO_ROOT, 'examples/demo/config.example.yaml'));
const targets: AuditAccountTarget[] = config.accounts.map((account) => ({
  name: account.name,
  id: account.id,
  roleArn: account.role,
  ...(account.iam === undefined ? {} : { iamFile: account.iam }),
  ...(account.credentialReport === undefined ? {} : { credentialReportFile: account.credentialReport }),
}));
const [demoTarget] = targets as [AuditAccountTarget, AuditAccountTarget];
const scratch = mkdtempSync(join(tmpdir(), 'iamtrail-evidence-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const silent = { progress: () => undefined, note: () => undefined };

function read(evidence: AccountEvidence | undefined) {
  if (evidence?.status !== 'read') throw new Error(`not read: ${JSON.stringify(evidence)}`);
  return evidence;
}

describe('collectAccountEvidence from files', () => {
  it('reads every user of the demo reports with the IAM data, without calling AWS', async () => {
    const counts = new AwsCallCounts();
    const notes: string[] = [];
    const all = await collectAccountEvidence(
      targets,
      { ...DEFAULT_EVIDENCE_OPTIONS, counts },
      { progress: () => undefined, note: (line) => notes.push(line) },
    );
    const demo = read(all[0]);
    const backup = read(all[1]);
    expect(counts.total()).toBe(0);
    expect(notes).toEqual([
      'account demo (111111111111): 5 users, 3 roles',
      'account backup (222222222222): 2 users, 1 roles',
    ]);
    const summary = (evidence: ReturnType<typeof read>) =>
      evidence.users.map((user) => [
        user.report.user,
        user.mfaType,
        user.report.passwordEnabled,
        user.accessKeys.map((key) => `${key.status}${key.lastUsedDate === null ? ' never used' : ''}`),
      ]);
    // No API to ask a file: MFA type unknown when mfa_active, key ids null.
    expect(summary(demo)).toEqual([
      ['<root_account>', 'unknown', null, []],
      ['alice', 'unknown', true, ['Active']],
      ['erin', 'unknown', true, ['Inactive']],
      // bob's first key was made inactive on 2026-10-20 (UpdateAccessKey in the demo's logs).
      ['bob', 'none', false, ['Inactive', 'Active never used']],
      ['charlie', 'none', true, ['Active']],
    ]);
    expect(summary(backup)).toEqual([
      ['<root_account>', 'none', null, ['Active']],
      // ops's second key was created on 2026-10-29 (CreateAccessKey in the demo's logs).
      ['ops', 'none', false, ['Active', 'Active never used']],
    ]);
    // alice 1, erin 1, bob 2, charlie 1 keys.
    expect(demo.users.flatMap((user) => user.accessKeys.map((key) => key.accessKeyId))).toEqual(
      Array(5).fill(null),
    );
    expect(demo.credentialReportGeneratedAt).toBeNull();
    expect(demo.warnings).toEqual([]);
    expect(demo.details.roles.map((role) => role.name)).toEqual([
      'admin',
      'readonly',
      'AWSServiceRoleForSupport',
    ]);
    expect(backup.account).toEqual(targets[1]);
  });

  it('warns about users in one source and not the other', async () => {
    const report = join(scratch, 'partial.csv');
    // The demo report without charlie, plus a user the IAM file does not list.
    const header =
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
    const user = (name: string) =>
      `${name},arn:aws:iam::111111111111:user/${name},2025-01-06T09:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
    writeFileSync(report, [header, user('alice'), user('bob'), user('erin'), user('zoe'), ''].join('\n'));
    const [demo] = await collectAccountEvidence(
      [{ ...demoTarget, credentialReportFile: report }],
      { ...DEFAULT_EVIDENCE_OPTIONS, counts: new AwsCallCounts() },
      silent,
    );
    expect(read(demo).warnings).toEqual([
      'arn:aws:iam::111111111111:user/charlie is in the IAM data but not in the credential report',
      'arn:aws:iam::111111111111:user/zoe is in the credential report but not in the IAM data',
    ]);
  });

  it.each([
    { name: 'missing', content: undefined, message: 'does not exist' },
    {
      name: 'base64',
      content: 'dXNlcixhcm4sdXNlcl9jcmVhdGlvbl90aW1l\n',
      message: 'the header is not a credential report',
    },
    {
      name: 'not a report',
      content: 'UserName,Arn\nalice,arn:aws:iam::111111111111:user/alice\n',
      message: 'column 1 is "UserName" where "user" belongs',
    },
  ])(
    'stops on a bad credential report file ($name) with exit code 2, naming it, before any AWS call',
    async ({ name, content, message }) => {
      const file = join(scratch, `${name}.csv`);
      if (content !== undefined) writeFileSync(file, content);
      const counts = new AwsCallCounts();
      // The second target would need AWS: the bad file must stop the run first.
      const run = collectAccountEvidence(
        [
          { name: 'prod', id: '333333333333', roleArn: 'arn:aws:iam::333333333333:role/audit' },
          { ...demoTarget, credentialReportFile: file },
        ],
        { ...DEFAULT_EVIDENCE_OPTIONS, counts },
        silent,
      );
      const error = (await run.catch((thrown: unknown) => thrown)) as InputDataError;
      expect(error).toBeInstanceOf(InputDataError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`credential report file ${file}`);
      expect(error.message).toContain(message);
      if (name === 'base64')
        expect(error.suggestions).toContain('It looks like base64: decode it (base64 -d) first');
      expect(counts.total()).toBe(0);
    },
  );
});

describe('a credential report of another account', () => {
  it('is refused, naming the file and both accounts, before anything is read', async () => {
    const [demo, backup] = targets as [AuditAccountTarget, AuditAccountTarget];
    const swapped: AuditAccountTarget = { ...backup, credentialReportFile: demo.credentialReportFile ?? '' };
    const failure = await collectAccountEvidence(
      [swapped],
      { ...DEFAULT_EVIDENCE_OPTIONS, counts: new AwsCallCounts() },
      { progress: () => undefined, note: () => undefined },
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(InputDataError);
    expect((failure as Error).message).toContain(
      `${demo.credentialReportFile ?? ''}: the credential report is of account ${demo.id}`,
    );
    expect((failure as Error).message).toContain(`not of ${backup.name} (${backup.id})`);
  });
});

describe('an IAM data file of another account', () => {
  it('is refused, naming the file and both accounts, before anything is read', async () => {
    const [demo, backup] = targets as [AuditAccountTarget, AuditAccountTarget];
    // backup's own credential report, with demo's IAM data.
    const swapped: AuditAccountTarget = { ...backup, iamFile: demo.iamFile ?? '' };
    const counts = new AwsCallCounts();
    const failure = await collectAccountEvidence(
      [swapped],
      { ...DEFAULT_EVIDENCE_OPTIONS, counts },
      silent,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(InputDataError);
    expect((failure as Error).message).toContain(
      `${demo.iamFile ?? ''}: the IAM data is of account ${demo.id} (arn:aws:iam::${demo.id}:`,
    );
    expect((failure as Error).message).toContain(`not of ${backup.name} (${backup.id})`);
    expect(counts.total()).toBe(0);
  });
});
