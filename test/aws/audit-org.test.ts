import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditDocument } from '../../src/app/audit/audit-types.js';
import { runCli } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { buildMotoOrg } from '../helpers/moto-org.js';
import type { MotoOrgAccount } from '../helpers/moto-org.js';

/*
 * `iamtrail audit --org --role NAME` against the three-account organisation of
 * test/helpers/moto-org.ts. Its users were created moments ago, so only the credential findings
 * apply (nothing existed for an unused period); what is expected is derived from the set-up.
 */

let moto: MotoServer;
let org: MotoOrgAccount[];
const work = mkdtempSync(join(tmpdir(), 'iamtrail-audit-org-'));

beforeAll(async () => {
  moto = await startMoto();
  org = await buildMotoOrg(moto);
}, 120_000);
afterAll(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

const ORG_ARGS = ['audit', '--org', '--role', 'iamtrail-audit', '--no-trail'];

describe('iamtrail audit --org against moto', () => {
  it('audits every account of the organisation: credential findings as the set-up made them', async () => {
    const run = await runCli([...ORG_ARGS, '--format', 'json'], moto.env);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as AuditDocument;
    expect(document.cloudTrail).toEqual({ used: false, reason: '--no-trail' });
    const audited = document.accounts.flatMap((account) => (account.status === 'audited' ? [account] : []));
    for (const account of org) expect(audited.map((entry) => entry.id)).toContain(account.id);
    const found = (type: string) =>
      document.findings
        .filter((finding) => finding.findingType === type)
        .map((finding) => finding.resource)
        .sort();
    const arnsOf = (pick: (user: MotoOrgAccount['users'][number]) => boolean) =>
      org
        .flatMap((account) =>
          account.users.filter(pick).map((user) => `arn:aws:iam::${account.id}:user/${user.name}`),
        )
        .sort();
    expect(found('TwoActiveAccessKeys')).toEqual(
      arnsOf((user) => user.keys.filter((key) => key.status === 'Active').length === 2),
    );
    expect(found('ConsolePasswordWithoutMfa')).toEqual(
      arnsOf((user) => user.password && user.mfa === 'none'),
    );
    // Created moments ago: nothing existed for the unused period, no key is old.
    for (const type of ['UnusedIAMUser', 'UnusedIAMRole', 'UnusedIAMUserAccessKey', 'AccessKeyNotRotated'])
      expect(found(type)).toEqual([]);
    // The principals' tags come from the IAM data.
    const payments = audited
      .flatMap((account) => account.principals)
      .filter((principal) => principal.name === 'key-used');
    expect(payments.map((principal) => principal.tags)).toEqual(org.map(() => ({ team: 'payments' })));
  });

  it('--format csv: one credentials row per user and key, with the key ids ListAccessKeys gave', async () => {
    const out = join(work, 'csv');
    const run = await runCli([...ORG_ARGS, '--format', 'csv', '--out', out], moto.env);
    expect(run.status, run.stderr).toBe(0);
    const lines = readFileSync(join(out, 'credentials.csv'), 'utf8').trim().split('\n');
    for (const account of org)
      for (const user of account.users)
        for (const key of user.keys)
          expect(
            lines.some(
              (line) =>
                line.includes(`,${user.name},`) && line.includes(`,${key.accessKeyId},${key.status},`),
            ),
          ).toBe(true);
  });
});
