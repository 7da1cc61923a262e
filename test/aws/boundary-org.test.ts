import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IAMClient } from '@aws-sdk/client-iam';
import { CreateRoleCommand, GetRoleCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BoundaryApplyDocument } from '../../src/app/boundary/apply-boundaries.js';
import type { BoundaryOrgDocument } from '../../src/app/boundary/org-fan-out.js';
import {
  boundaryApplyDocument,
  boundaryOrgDocument,
  boundaryRollbackDocument,
} from '../contract/json-schemas.js';
import { runCli } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { buildMotoOrg, setUpIamOf } from '../helpers/moto-org.js';
import type { MotoOrgAccount } from '../helpers/moto-org.js';

/*
 * `boundary apply --org --assume-role NAME` over the organisation of test/helpers/moto-org.ts. The
 * set-up makes role `deploy` in the first two accounts only: in those it is found (and skipped,
 * as it was created moments ago: younger than any period), every other account (the third, and
 * the management account) fails for lack of it, and that failure does not stop the others.
 * Nothing is changed anywhere (read back with GetRole and ListRoleTags).
 */

let moto: MotoServer;
let org: MotoOrgAccount[];
const work = mkdtempSync(join(tmpdir(), 'iamtrail-boundary-org-'));
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const iamOf = (accountId: string): Promise<IAMClient> => setUpIamOf(moto, accountId);

beforeAll(async () => {
  moto = await startMoto();
  org = await buildMotoOrg(moto);
  for (const account of org.slice(0, 2)) {
    const iam = await iamOf(account.id);
    await iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: TRUST }));
    iam.destroy();
  }
  mkdirSync(join(work, 'logs', 'AWSLogs'), { recursive: true });
  writeFileSync(
    join(work, 'config.yaml'),
    [`logs: ${join(work, 'logs')}`, 'accounts:', "  - {name: home, id: '123456789012'}", ''].join('\n'),
  );
}, 120_000);
afterAll(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('boundary apply --org against moto', () => {
  it('answers for every account; one lacking the role fails alone and the exit code says so', async () => {
    const run = await runCli(
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
        '--yes',
        '--format',
        'json',
      ],
      moto.env,
    );
    expect(run.status, run.stderr).toBe(3);
    const document = JSON.parse(run.stdout) as BoundaryOrgDocument<BoundaryApplyDocument>;
    expect(() => boundaryOrgDocument(boundaryApplyDocument).parse(document)).not.toThrow();
    const byId = new Map(document.accounts.map((result) => [result.account.id, result]));
    for (const account of org.slice(0, 2)) {
      const result = byId.get(account.id);
      expect(result?.status).toBe('done');
      if (result?.status === 'done')
        expect(result.document.principals.map((entry) => [entry.name, entry.status])).toEqual([
          ['deploy', 'skipped'],
        ]);
    }
    const failed = document.accounts.flatMap((result) => (result.status === 'failed' ? [result] : []));
    expect(failed.map((result) => result.account.id)).toContain(org[2]?.id);
    expect(failed.length).toBe(document.accounts.length - 2);
    for (const result of failed) expect(result.error).toContain('deploy');
    // Nothing changed where the role exists.
    for (const account of org.slice(0, 2)) {
      const iam = await iamOf(account.id);
      expect(
        (await iam.send(new GetRoleCommand({ RoleName: 'deploy' }))).Role?.PermissionsBoundary,
      ).toBeUndefined();
      expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'deploy' }))).Tags ?? []).toEqual([]);
      iam.destroy();
    }
  });

  it('rollback --org: an account without a snapshot of the principal has nothing to do, which is no failure', async () => {
    const run = await runCli(
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
        '--yes',
        '--format',
        'json',
      ],
      moto.env,
    );
    expect(run.status, run.stderr).toBe(0);
    const document = boundaryOrgDocument(boundaryRollbackDocument).parse(JSON.parse(run.stdout));
    // Nothing was ever applied (the first test changed nothing): no account has a snapshot.
    for (const account of org)
      expect(document.accounts.find((result) => result.account.id === account.id)?.status).toBe('nothing');
    expect(document.totals.failed).toBe(0);
  });
});
