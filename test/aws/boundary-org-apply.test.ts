import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IAMClient } from '@aws-sdk/client-iam';
import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  boundaryApplyDocument,
  boundaryOrgDocument,
  boundaryRollbackDocument,
} from '../contract/json-schemas.js';
import { runCli } from '../helpers/cli.js';
import { startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { buildMotoOrg, setUpIamOf } from '../helpers/moto-org.js';
import type { MotoOrgAccount } from '../helpers/moto-org.js';
import { writeTrail } from '../helpers/trail-fixture.js';

/*
 * `boundary apply --org` where one account's role is planned: the organisation of
 * test/helpers/moto-org.ts in the emulator, every role dated 2020 (MOTO_ADVISOR_CREATED_AT: older
 * than the period, today). Role `deploy` exists in the first two accounts; in the first it is
 * granted s3:GetObject and today's logs hold its call of it (planned), in the second no log
 * holds it (skipped); the other accounts lack it (failed). In the first, its boundary policy
 * exists before apply (apply adds a version), so rollback would make the older version the default
 * again. Read back with GetRole and GetPolicy.
 */

const TODAY = new Date().toISOString().slice(0, 10);
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const work = mkdtempSync(join(tmpdir(), 'iamtrail-boundary-org-apply-'));
let moto: MotoServer;
let org: MotoOrgAccount[];

const iamOf = (accountId: string): Promise<IAMClient> => setUpIamOf(moto, accountId);

async function boundaryIn(accountId: string): Promise<string | undefined> {
  const iam = await iamOf(accountId);
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: 'deploy' }))).Role?.PermissionsBoundary
      ?.PermissionsBoundaryArn;
  } finally {
    iam.destroy();
  }
}

beforeAll(async () => {
  moto = await startMotoAdvisor(undefined, { MOTO_ADVISOR_CREATED_AT: '2020-01-01T00:00:00Z' });
  org = await buildMotoOrg(moto);
  for (const [index, account] of org.slice(0, 2).entries()) {
    const iam = await iamOf(account.id);
    await iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: TRUST }));
    if (index === 0) {
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: 'iamtrail-boundary-role-deploy',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
          }),
        }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'deploy',
          PolicyName: 'grants',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
          }),
        }),
      );
    }
    iam.destroy();
  }
  const planned = org[0]?.id ?? '';
  const logs = writeTrail(join(work, 'logs'), [
    {
      account: planned,
      day: TODAY,
      records: [
        {
          eventVersion: '1.09',
          eventTime: `${TODAY}T00:00:01Z`,
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          awsRegion: 'us-east-1',
          recipientAccountId: planned,
          userIdentity: {
            type: 'AssumedRole',
            arn: `arn:aws:sts::${planned}:assumed-role/deploy/session`,
            accountId: planned,
            sessionContext: {
              sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${planned}:role/deploy`, accountId: planned },
            },
          },
        },
      ],
    },
  ]);
  writeFileSync(
    join(work, 'config.yaml'),
    [`logs: ${logs}`, 'accounts:', "  - {name: home, id: '123456789012'}", ''].join('\n'),
  );
}, 120_000);
afterAll(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

const apply = (...extra: string[]) =>
  runCli(
    [
      'boundary',
      'apply',
      '--org',
      '--assume-role',
      'iamtrail-boundary',
      '--role',
      'deploy',
      '--unused-days',
      '1',
      '--config',
      join(work, 'config.yaml'),
      '--cache',
      join(work, 'cache.duckdb'),
      '--format',
      'json',
      ...extra,
    ],
    moto.env,
  );

describe('boundary apply --org with one account planned', () => {
  it('without --yes is a dry run; with --yes the failing accounts leave the change made in another, reported', async () => {
    const planned = org[0]?.id ?? '';
    const statusesIn = (stdout: string, accountId: string) => {
      const result = boundaryOrgDocument(boundaryApplyDocument)
        .parse(JSON.parse(stdout))
        .accounts.find((entry) => entry.account.id === accountId);
      return result?.status === 'done'
        ? {
            dryRun: result.document.dryRun,
            statuses: result.document.principals.map((entry) => entry.status),
          }
        : result?.status;
    };
    const dry = await apply();
    // The accounts without role deploy fail, in a dry run too.
    expect(dry.status, dry.stderr).toBe(3);
    expect(statusesIn(dry.stdout, planned)).toEqual({ dryRun: true, statuses: ['would-apply'] });
    expect(await boundaryIn(planned)).toBeUndefined();

    const real = await apply('--yes');
    expect(real.status, real.stderr).toBe(3);
    expect(statusesIn(real.stdout, planned)).toEqual({ dryRun: false, statuses: ['applied'] });
    expect(statusesIn(real.stdout, org[1]?.id ?? '')).toEqual({ dryRun: true, statuses: ['skipped'] });
    expect(statusesIn(real.stdout, org[2]?.id ?? '')).toBe('failed');
    expect(await boundaryIn(planned)).toBe(`arn:aws:iam::${planned}:policy/iamtrail-boundary-role-deploy`);
    expect(await boundaryIn(org[1]?.id ?? '')).toBeUndefined();
  });

  it('rollback --org refuses the account where the boundary policy is attached to a user as a permissions policy (exit 1), and goes on with the others', async () => {
    const planned = org[0]?.id ?? '';
    const policyArn = `arn:aws:iam::${planned}:policy/iamtrail-boundary-role-deploy`;
    const iam = await iamOf(planned);
    const defaultVersion = async (): Promise<string | undefined> =>
      (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy?.DefaultVersionId;
    try {
      expect(await defaultVersion()).toBe('v2');
      await iam.send(new CreateUserCommand({ UserName: 'bystander' }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'bystander', PolicyArn: policyArn }));
      const rolled = await runCli(
        [
          'boundary',
          'rollback',
          '--org',
          '--assume-role',
          'iamtrail-boundary',
          '--role',
          'deploy',
          '--config',
          join(work, 'config.yaml'),
          '--cache',
          join(work, 'cache.duckdb'),
          '--format',
          'json',
          '--yes',
        ],
        moto.env,
      );
      expect(rolled.status).toBe(1);
      expect(rolled.stderr).toContain('refused in 1 account(s), nothing changed there');
      const document = boundaryOrgDocument(boundaryRollbackDocument).parse(JSON.parse(rolled.stdout));
      const results = document.accounts.map((result) =>
        result.status === 'done'
          ? [result.account.id, result.document.status]
          : [result.account.id, result.status],
      );
      expect(results).toContainEqual([planned, 'refused']);
      // Accounts after the refused one were still asked (no snapshot of deploy there: nothing to do).
      expect(results.findIndex(([id]) => id === planned)).toBeLessThan(results.length - 1);
      expect(results.filter(([id]) => id !== planned).map(([, status]) => status)).toEqual(
        results.slice(1).map(() => 'nothing'),
      );
      const refused = document.accounts.find((result) => result.account.id === planned);
      expect(refused?.status === 'done' ? refused.document.error : null).toContain(
        `the policy ${policyArn} is attached as a permissions policy to user/bystander`,
      );
      expect(await defaultVersion()).toBe('v2');
      expect(await boundaryIn(planned)).toBe(policyArn);
    } finally {
      iam.destroy();
    }
  });
});
