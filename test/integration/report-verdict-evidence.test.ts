import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';

import { flatten, runCli } from '../helpers/cli.js';
import { userCall, writeTrail } from '../helpers/trail-fixture.js';
import { userAllowing } from '../helpers/iam.js';
import { REPO_ROOT } from '../helpers/paths.js';

const ACCOUNT = '333333333333';

const user = (name: string, actions: readonly string[]): object => userAllowing(ACCOUNT, name, actions);

/** One call of user `user` on 2026-11-02 at the given minute, with an errorCode or none. */
const call = (user: string, source: string, event: string, minute: number, errorCode?: string): object =>
  userCall(ACCOUNT, '2026-11-02', user, source, event, minute, errorCode);

// dry dry-runs TerminateInstances (AWS answers Client.DryRunOperation: it would have succeeded);
// failer tries to create a user that exists (EntityAlreadyExists); partiql makes DynamoDB calls of
// an event no IAM action is known for (ExecuteFutureStatement, a made-up name standing for a call
// the action data does not know yet, as BatchExecuteStatement was); passer creates a Lambda function
// (its Role is required, so iam:PassRole was allowed); other makes the trail look like one that
// logs reads and writes, and DynamoDB table data events both ways.
const work = mkdtempSync(join(tmpdir(), 'iamtrail-verdict-evidence-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const logs = writeTrail(join(work, 'logs'), [
  {
    account: ACCOUNT,
    day: '2026-11-02',
    records: [
      call('dry', 'ec2', 'TerminateInstances', 0, 'Client.DryRunOperation'),
      call('failer', 'iam', 'CreateUser', 1, 'EntityAlreadyExists'),
      call('partiql', 'dynamodb', 'ExecuteFutureStatement', 2),
      call('partiql', 'dynamodb', 'ExecuteFutureStatement', 3),
      call('passer', 'lambda', 'CreateFunction20150331', 4),
      call('other', 'iam', 'ListUsers', 5),
      call('other', 'iam', 'CreateRole', 6),
      call('other', 'dynamodb', 'GetItem', 7),
      call('other', 'dynamodb', 'PutItem', 8),
    ],
  },
]);
const iam = join(work, 'iam.json');
writeFileSync(
  iam,
  JSON.stringify({
    UserDetailList: [
      user('dry', ['ec2:TerminateInstances']),
      user('failer', ['iam:CreateUser', 'iam:DeleteUser']),
      user('partiql', ['dynamodb:PartiQLSelect', 'dynamodb:PartiQLInsert', 'iam:DeleteUser']),
      user('passer', ['lambda:CreateFunction', 'iam:PassRole']),
      user('other', ['iam:ListUsers', 'iam:CreateRole', 'dynamodb:GetItem', 'dynamodb:PutItem']),
    ],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  }),
);
const config = join(work, 'config.yaml');
writeFileSync(config, `logs: ${logs}\naccounts:\n  - name: acme\n    id: ${ACCOUNT}\n    iam: ${iam}\n`);
const ARGS = ['--config', config, '--account', 'acme', '--start', '2026-11-02', '--end', '2026-11-02'];
const run = (...args: string[]) => runCli([...ARGS, '--no-cache', ...args]);

interface DiffLine {
  action: string;
  status: string;
  calls: number;
  basis: string;
}
const linesOf = async (...args: string[]): Promise<DiffLine[]> => {
  const result = await run(...args, '--format', 'json');
  expect(result.status, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { actions: DiffLine[] }).actions;
};

describe('a dry run AWS authorised (Client.DryRunOperation)', () => {
  it('is a use of the permission', async () => {
    expect((await run('--user', 'dry')).stdout).toBe('  ec2:TerminateInstances\n');
    expect(await linesOf('--user', 'dry')).toMatchObject([
      { action: 'ec2:TerminateInstances', status: 'used', calls: 1 },
    ]);
  });

  it('makes its caller active', async () => {
    const result = await run('--list', 'users', '--format', 'csv');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toContain(
      ` ,dry,arn:aws:iam::${ACCOUNT}:user/dry,iam,true,2026-11-02,1,0,0,false,false`,
    );
  });

  it('is read again from a cache of schema 14, which counted it failed', async () => {
    const cache = join(work, 'cache.duckdb');
    const first = await runCli([...ARGS, '--cache', cache, '--user', 'dry']);
    expect(first.status, first.stderr).toBe(0);
    // What schema 14 stored for the day: the dry run as a failed call.
    const instance = await DuckDBInstance.create(cache);
    const connection = await instance.connect();
    for (const table of ['activity', 'actor_days'])
      await connection.run(`UPDATE ${table} SET outcome = 'failed' WHERE outcome = 'ok'`);
    await connection.run(`UPDATE meta SET value = '14' WHERE key = 'schema_version'`);
    connection.closeSync();
    instance.closeSync();
    const second = await runCli([...ARGS, '--cache', cache, '--user', 'dry']);
    expect(second.status, second.stderr).toBe(0);
    expect(flatten(second.stderr)).toContain(
      `the cache ${cache} has schema version 14, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost; 1 day(s) with failed calls will be read again (a dry run AWS authorised counted as failed before)`,
    );
    expect(second.stdout).toBe('  ec2:TerminateInstances\n');
  });
});

describe('calls that failed with another error (EntityAlreadyExists)', () => {
  it('make the action "?", never "-"', async () => {
    expect(await linesOf('--user', 'failer')).toMatchObject([
      {
        action: 'iam:CreateUser',
        status: 'unknown',
        basis:
          'called 1 time(s), each failed with an error other than access (JSON: failed): the permission may be needed',
      },
      // Never called: the trail logs IAM's writes, so it is "-".
      { action: 'iam:DeleteUser', status: 'unused' },
    ]);
  });
});

describe('calls that map to no known IAM action', () => {
  it('make the unused grants of their event source\'s service "?", naming them', async () => {
    // Selectors that log DynamoDB table data events of every table (an organization trail's: the
    // file's TrailARN is another account's): without the unmapped calls the PartiQL grants would
    // be "-".
    const selectors = [
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
      '--organization-trail',
    ];
    const result = await run('--user', 'partiql', ...selectors);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('? dynamodb:PartiQLInsert\n? dynamodb:PartiQLSelect\n- iam:DeleteUser\n');
    expect(await linesOf('--user', 'partiql', ...selectors)).toContainEqual(
      expect.objectContaining({
        action: 'dynamodb:PartiQLSelect',
        basis:
          '2 call(s) of events no IAM action is known for (dynamodb:ExecuteFutureStatement): any of them may have used it',
      }),
    );
  });
});

describe('iam:PassRole', () => {
  it('is used after a successful lambda:CreateFunction, which cannot be made without a role', async () => {
    expect((await run('--user', 'passer')).stdout).toBe('  iam:PassRole\n  lambda:CreateFunction\n');
  });
});

describe("CloudTracker's --iam FILE", () => {
  it('is accepted and ignored, with a notice on stderr', async () => {
    const without = await run('--user', 'failer');
    const result = await run('--user', 'failer', '--iam', 'data/get-account-authorization-details.json');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(without.stdout);
    expect(result.stderr).toContain(
      "notice: --iam data/get-account-authorization-details.json ignored (as CloudTracker ignores it): iamtrail reads IAM data from the config's iam: files, else the IAM API\n",
    );
  });

  it('is accepted in the flags-first form too', async () => {
    const result = await runCli(['--iam', 'x.json', ...ARGS, '--no-cache', '--list', 'users']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('notice: --iam x.json ignored');
  });
});
