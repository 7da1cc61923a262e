import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { GetDatabaseCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { flatten, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * `athena cleanup` acts only in the account of its credentials (moto over HTTP, two accounts):
 * the ledger records the account each object was created in, and a cache whose ledger was written
 * with another account's credentials removes nothing of this one, where an install of its own may
 * have made marked objects of the same names. Entries recorded before the account was noted (cache
 * schema 13) are kept unless --include-unattributed.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-cleanup-accounts-'));
let moto: MotoServer;
/** The environment of account A (moto's default account) and of account B (an assumed role there). */
let envA: Record<string, string>;
let envB: Record<string, string>;
let accountA: string;
const ACCOUNT_B = '222233334444';

const config = join(work, 'config.yaml');
writeFileSync(
  config,
  [
    'athena:',
    '  s3_bucket: org-trail-bucket',
    '  path: logs',
    '  output_s3_bucket: s3://query-results-bucket',
    '  workgroup: iamtrail-wg',
    '  regions: [us-east-1]',
    'accounts:',
    '  - name: demo',
    "    id: '111111111111'",
    `    iam: ${join(REPO_ROOT, 'examples/demo/iam/demo.json')}`,
    '',
  ].join('\n'),
);

const cli = (env: Record<string, string>, ...args: string[]): Promise<CliRun> => runCli(args, env);

/** The Glue and Athena clients of an environment's account. */
function clientsOf(env: Record<string, string>) {
  const clientConfig = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      ...(env.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: env.AWS_SESSION_TOKEN }),
    },
  };
  return { glue: new GlueClient(clientConfig), athena: new AthenaClient(clientConfig) };
}

/** Whether iamtrail's database, table and workgroup exist in an environment's account. */
async function objectsIn(env: Record<string, string>): Promise<string[]> {
  const { glue, athena } = clientsOf(env);
  const found: string[] = [];
  try {
    await glue.send(new GetDatabaseCommand({ Name: 'iamtrail' }));
    found.push('database');
  } catch {
    // absent
  }
  try {
    await glue.send(new GetTableCommand({ DatabaseName: 'iamtrail', Name: 'cloudtrail' }));
    found.push('table');
  } catch {
    // absent
  }
  try {
    if ((await athena.send(new GetWorkGroupCommand({ WorkGroup: 'iamtrail-wg' }))).WorkGroup?.Name)
      found.push('workgroup');
  } catch {
    // absent
  }
  glue.destroy();
  athena.destroy();
  return found;
}

/** The accounts a cache's ledger records its objects under (null: not noted). */
async function ledgerAccounts(cache: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(cache, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (
      await connection.runAndReadAll('SELECT kind, account_id FROM athena_resources ORDER BY kind')
    ).getRowsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  envA = { ...moto.env };
  const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.credentials });
  accountA = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_B}:role/admin`, RoleSessionName: 'b' }),
  );
  sts.destroy();
  envB = {
    ...moto.env,
    AWS_ACCESS_KEY_ID: assumed.Credentials?.AccessKeyId ?? '',
    AWS_SECRET_ACCESS_KEY: assumed.Credentials?.SecretAccessKey ?? '',
    AWS_SESSION_TOKEN: assumed.Credentials?.SessionToken ?? '',
  };
  const stsB = new STSClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: {
      accessKeyId: envB.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: envB.AWS_SECRET_ACCESS_KEY ?? '',
      sessionToken: envB.AWS_SESSION_TOKEN ?? '',
    },
  });
  // The emulator keeps the two accounts apart, as AWS does.
  expect((await stsB.send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT_B);
  stsB.destroy();
  expect(accountA).toMatch(/^\d{12}$/);
  expect(accountA).not.toBe(ACCOUNT_B);
});

afterAll(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('athena cleanup and the account of the credentials (moto over HTTP, two accounts)', () => {
  it("removes nothing of account A with a ledger written in account B, and B's objects with B's credentials", async () => {
    const cacheA = join(work, 'a.duckdb');
    const cacheB = join(work, 'b.duckdb');
    // Two installs, one per account, each with its own cache: the same names in both accounts.
    const setupA = await cli(envA, 'athena', 'setup', '--config', config, '--cache', cacheA);
    expect(setupA.status, setupA.stderr).toBe(0);
    const setupB = await cli(envB, 'athena', 'setup', '--config', config, '--cache', cacheB);
    expect(setupB.status, setupB.stderr).toBe(0);
    expect(await objectsIn(envA)).toEqual(['database', 'table', 'workgroup']);
    expect(await objectsIn(envB)).toEqual(['database', 'table', 'workgroup']);
    expect(await ledgerAccounts(cacheB)).toEqual([
      ['database', ACCOUNT_B],
      ['table', ACCOUNT_B],
      ['workgroup', ACCOUNT_B],
    ]);

    // B's cache, with A's credentials: A's objects carry the marker too, and are not B's ledger's.
    const dryRun = await cli(envA, 'athena', 'cleanup', '--config', config, '--cache', cacheB, '--dry-run');
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toBe(
      `nothing to clean up in us-east-1 for account ${accountA}: the cache ${cacheB} records no Athena object or query of iamtrail made there\n`,
    );
    const wrong = await cli(envA, 'athena', 'cleanup', '--config', config, '--cache', cacheB, '--yes');
    expect(wrong.status, wrong.stderr).toBe(0);
    expect(flatten(wrong.stderr)).toContain(
      `kept table iamtrail.cloudtrail, workgroup iamtrail-wg, database iamtrail: recorded in account ${ACCOUNT_B}, not in ${accountA} (the account of these credentials): run cleanup with account ${ACCOUNT_B}'s credentials to remove it`,
    );
    expect(await objectsIn(envA)).toEqual(['database', 'table', 'workgroup']);
    expect(await objectsIn(envB)).toEqual(['database', 'table', 'workgroup']);
    // B's entries stay recorded, for a cleanup with B's credentials.
    expect((await ledgerAccounts(cacheB)).length).toBe(3);

    const right = await cli(envB, 'athena', 'cleanup', '--config', config, '--cache', cacheB, '--yes');
    expect(right.status, right.stderr).toBe(0);
    expect(right.stdout).toBe(
      'remove table iamtrail.cloudtrail\nremove workgroup iamtrail-wg\nremove database iamtrail\nremoved 3 item(s)\n',
    );
    expect(await objectsIn(envB)).toEqual([]);
    expect(await objectsIn(envA)).toEqual(['database', 'table', 'workgroup']);
    expect(await ledgerAccounts(cacheB)).toEqual([]);

    // A's own cache, with A's credentials, removes A's.
    const own = await cli(envA, 'athena', 'cleanup', '--config', config, '--cache', cacheA, '--yes');
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toContain('removed 3 item(s)');
    expect(await objectsIn(envA)).toEqual([]);
  });

  it('keeps entries recorded without their account unless --include-unattributed, and refuses without a terminal before listing', async () => {
    const cache = join(work, 'legacy.duckdb');
    const setup = await cli(envA, 'athena', 'setup', '--config', config, '--cache', cache);
    expect(setup.status, setup.stderr).toBe(0);
    // As a schema-13 cache migrated to 14 has them: the account not noted.
    const instance = await DuckDBInstance.create(cache);
    const connection = await instance.connect();
    await connection.run('UPDATE athena_resources SET account_id = NULL');
    connection.closeSync();
    instance.closeSync();

    const kept = await cli(envA, 'athena', 'cleanup', '--config', config, '--cache', cache, '--yes');
    expect(kept.status, kept.stderr).toBe(0);
    expect(flatten(kept.stderr)).toContain(
      `kept table iamtrail.cloudtrail, workgroup iamtrail-wg, database iamtrail: recorded without the account it was created in (by an iamtrail before cache schema 14): it may be another account's; pass --include-unattributed if it was created with these credentials (account ${accountA})`,
    );
    expect(await objectsIn(envA)).toEqual(['database', 'table', 'workgroup']);

    // Without a terminal and without --yes: refused before anything is listed or removed.
    const noTerminal = await cli(
      envA,
      ...['athena', 'cleanup', '--config', config, '--cache', cache, '--include-unattributed'],
    );
    expect(noTerminal.status).toBe(2);
    expect(noTerminal.stdout).toBe('');
    expect(flatten(noTerminal.stderr)).toContain(
      'cleanup would remove 3 item(s) and there is no terminal to ask',
    );
    expect(await objectsIn(envA)).toEqual(['database', 'table', 'workgroup']);

    const included = await cli(
      envA,
      ...['athena', 'cleanup', '--config', config, '--cache', cache, '--include-unattributed', '--yes'],
    );
    expect(included.status, included.stderr).toBe(0);
    expect(included.stdout).toContain('removed 3 item(s)');
    expect(await objectsIn(envA)).toEqual([]);
  });
});
