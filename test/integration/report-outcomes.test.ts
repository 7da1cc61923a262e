import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';

import { flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { userCall, writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';

const ACCOUNT = '111111111111';
const DEVELOPER_ACCESS = `arn:aws:iam::${ACCOUNT}:policy/DeveloperAccess`;

/** One call of a user of the demo account on 2026-10-01, with an errorCode or none. */
const call = (user: string, source: string, event: string, minute: number, errorCode?: string): object =>
  userCall(ACCOUNT, '2026-10-01', user, source, event, minute, errorCode);

// alice (demo IAM data: s3:* on demo-app-* and s3:ListAllMyBuckets through group developers'
// DeveloperAccess, which denies s3:DeleteBucket) lists buckets, misses an object (NoSuchKey: a
// failed call, not a refusal) and is refused a bucket deletion twice; dave, whom the IAM data
// does not hold, lists users and buckets; bob opens a federated session.
const work = mkdtempSync(join(tmpdir(), 'iamtrail-outcomes-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const logs = writeTrail(join(work, 'logs'), [
  {
    account: ACCOUNT,
    day: '2026-10-01',
    records: [
      call('alice', 's3', 'ListBuckets', 0),
      call('alice', 's3', 'GetObject', 1, 'NoSuchKey'),
      call('alice', 's3', 'DeleteBucket', 2, 'AccessDenied'),
      call('alice', 's3', 'DeleteBucket', 3, 'AccessDenied'),
      call('dave', 'iam', 'ListUsers', 4),
      call('dave', 's3', 'ListBuckets', 5),
      call('bob', 'sts', 'GetFederationToken', 6),
    ],
  },
]);
const config = writeDemoConfig(join(work, 'config.yaml'), logs, ['demo']);
const ARGS = ['--config', config, '--account', 'demo', '--start', '2026-10-01', '--end', '2026-10-01'];
const run = (...args: string[]) => runCli([...ARGS, '--no-cache', ...args]);
/** The fixture's one day as the period of `audit` and `boundary plan`, read from the logs, in JSON. */
const ONE_DAY_PERIOD = ['--end', '2026-10-01', '--unused-days', '1', '--no-cache', '--format', 'json'];

interface DiffDocument {
  principal: { name: string; knownTo: string };
  totals: { all: Record<string, number>; shown: Record<string, number> };
  actions: {
    action: string;
    status: string;
    grantedBy: { policy: string; type: string; via: string | null }[];
  }[];
  denied: { action: string; calls: number }[];
  failed: { action: string; calls: number }[];
}
const diffOf = async (...args: string[]): Promise<DiffDocument> => {
  const result = await run(...args, '--format', 'json');
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as DiffDocument;
};

describe('denied and failed calls', () => {
  it('lists a NoSuchKey call as failed and an AccessDenied one as denied, neither as use', async () => {
    const document = await diffOf('--user', 'alice');
    expect(document.denied).toEqual([
      { action: 's3:DeleteBucket', calls: 2, lastSeen: '2026-10-01T10:03:00Z' },
    ]);
    expect(document.failed).toEqual([{ action: 's3:GetObject', calls: 1, lastSeen: '2026-10-01T10:01:00Z' }]);
    const used = document.actions.filter((line) => line.status === 'used').map((line) => line.action);
    expect(used).toEqual(['s3:ListAllMyBuckets']);
  });

  it('makes "?" of a grant whose calls all failed: such a call may have been authorised', async () => {
    // Selectors that log S3 object data events of every bucket: without its failed call the grant
    // would be "-".
    const selectors = [
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
    ];
    const document = await diffOf('--user', 'alice', ...selectors);
    expect(document.actions.find((line) => line.action === 's3:GetObject')).toMatchObject({
      status: 'unknown',
      failedCalls: 1,
      basis:
        'called 1 time(s), each failed with an error other than access (JSON: failed): the permission may be needed',
    });
    expect(document.actions.filter((line) => 'failedCalls' in line).map((line) => line.action)).toEqual([
      's3:GetObject',
    ]);
    const text = await run('--user', 'alice', ...selectors);
    expect(text.status, text.stderr).toBe(0);
    expect(flatten(text.stdout)).toContain(
      'Note: 1 "?" action(s) were called in the window, each call failing with an error other than access, which may come after the call was authorised: the permission may be needed (JSON: failedCalls): s3:GetObject (1).',
    );
  });

  it('boundary plan keeps an action whose calls failed, as it keeps other "?" ones', async () => {
    const result = await runCli([
      'boundary',
      'plan',
      '--config',
      config,
      '--account',
      'demo',
      '--user',
      'alice',
      '--level',
      'action',
      ...ONE_DAY_PERIOD,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      principals: { name: string; used: string[]; unknown: string[]; boundary: { document: unknown } }[];
    };
    const [alice] = plan.principals;
    expect(alice?.used).toEqual(['s3:ListAllMyBuckets']);
    // Its one GetObject failed (NoSuchKey): "?" in the report, kept in the boundary.
    expect(alice?.unknown).toContain('s3:GetObject');
    expect(JSON.stringify(alice?.boundary.document)).toContain('"s3:GetObject"');
  });

  it('audit makes no UnusedPermission finding of an action whose calls failed', async () => {
    const audited = join(work, 'audited.yaml');
    writeFileSync(
      audited,
      `${readFileSync(config, 'utf8')}    credential_report: ${join(REPO_ROOT, 'examples/demo/credentials/demo.csv')}\n`,
    );
    const result = await runCli(['audit', '--config', audited, ...ONE_DAY_PERIOD]);
    expect(result.status, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as {
      accounts: { principals?: { name: string; actions?: { unused: string[]; unknown: string[] } }[] }[];
      findings: { findingType: string; resource: string; title: string }[];
    };
    const alice = document.accounts
      .flatMap((account) => account.principals ?? [])
      .find((p) => p.name === 'alice');
    expect(alice?.actions?.unknown).toContain('s3:GetObject');
    expect(alice?.actions?.unused).not.toContain('s3:GetObject');
    expect(alice?.actions?.unused.length).toBeGreaterThan(0);
    const findings = document.findings.filter(
      (finding) => finding.findingType === 'UnusedPermission' && finding.resource.endsWith(':user/alice'),
    );
    expect(findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(findings)).not.toContain('s3:GetObject"');
  });

  it('gives a user that opened a federated session no "-", and says why', async () => {
    const result = await run('--user', 'bob', '--format', 'json');
    expect(result.status, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as DiffDocument & { federatedSessions: number };
    expect(document.federatedSessions).toBe(1);
    expect(document.actions.filter((line) => line.status === 'unused')).toEqual([]);
    expect(document.actions.filter((line) => line.status === 'unknown').length).toBeGreaterThan(0);
    expect(flatten(result.stderr)).toContain(
      'bob opened federated sessions (1 sts:GetFederationToken call(s)) whose calls are logged as the federated user',
    );
  });

  it('counts them apart in --list users', async () => {
    const result = await run('--list', 'users', '--format', 'csv');
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'mark,name,arn,known_to,active,last_activity,calls,denied_calls,failed_calls,service_linked,window_incomplete',
    );
    expect(lines).toContain(
      ` ,alice,arn:aws:iam::${ACCOUNT}:user/alice,iam,true,2026-10-01,1,2,1,false,false`,
    );
    expect(lines).toContain(
      `!,dave,arn:aws:iam::${ACCOUNT}:user/dave,logs-only,true,2026-10-01,2,0,0,false,false`,
    );
  });

  it('are cached as such, and a cache of schema 5 (where denied meant any error) is rebuilt', async () => {
    const cache = join(work, 'cache.duckdb');
    const first = await runCli([...ARGS, '--cache', cache, '--user', 'alice', '--format', 'json']);
    expect(first.status, first.stderr).toBe(0);
    const instance = await DuckDBInstance.create(cache);
    const connection = await instance.connect();
    await connection.run(`UPDATE activity SET outcome = 'denied' WHERE outcome = 'failed'`);
    await connection.run(`UPDATE meta SET value = '5' WHERE key = 'schema_version'`);
    connection.closeSync();
    instance.closeSync();
    const second = await runCli([...ARGS, '--cache', cache, '--user', 'alice', '--format', 'json']);
    expect(second.status, second.stderr).toBe(0);
    expect(flatten(second.stderr)).toContain(
      `has schema version 5, this iamtrail uses ${CACHE_SCHEMA_VERSION}: rebuilding it`,
    );
    const document = JSON.parse(second.stdout) as DiffDocument;
    expect(document.failed.map((entry) => entry.action)).toEqual(['s3:GetObject']);
    expect(document.denied.map((entry) => entry.action)).toEqual(['s3:DeleteBucket']);
    // Read from the cache now (no log read): the same answer.
    const third = await runCli([...ARGS, '--cache', cache, '--user', 'alice', '--format', 'json']);
    const cached = JSON.parse(third.stdout) as DiffDocument & { logs: { daysRead: number } };
    expect(cached.logs.daysRead).toBe(0);
    const answer = ({ actions, denied, failed, totals }: DiffDocument) => ({
      actions,
      denied,
      failed,
      totals,
    });
    expect(answer(cached)).toEqual(answer(document));
  });
});

describe('which policy grants each action', () => {
  it('is in the JSON, the CSV and, with --explain, the text', async () => {
    const listBuckets = (await diffOf('--user', 'alice')).actions.find(
      (line) => line.action === 's3:ListAllMyBuckets',
    );
    expect(listBuckets?.grantedBy).toEqual([
      { policy: DEVELOPER_ACCESS, type: 'group-managed', via: 'developers' },
    ]);
    const csv = (await run('--user', 'alice', '--show-used', '--format', 'csv')).stdout.trimEnd().split('\n');
    expect(csv[0]?.endsWith(',window_incomplete,granted_by')).toBe(true);
    expect(csv[1]?.startsWith(' ,used,s3:ListAllMyBuckets,')).toBe(true);
    expect(csv[1]?.endsWith(`,${DEVELOPER_ACCESS} (group-managed via developers)`)).toBe(true);
    const text = await run('--user', 'alice', '--show-used', '--explain');
    expect(text.stdout).toBe(
      '  s3:ListAllMyBuckets\n    granted by: DeveloperAccess (group-managed via developers)\n',
    );
    expect((await run('--user', 'alice', '--show-used')).stdout).toBe('  s3:ListAllMyBuckets\n');
    // s3:GetObject comes only from DeveloperAccess's s3:* on demo-app-* buckets: a limited grant.
    expect((await run('--user', 'alice', '--explain')).stdout).toMatch(
      /\n[-?] s3:GetObject\n {4}granted by: DeveloperAccess \(group-managed via developers\)\n {4}limited: only on some resources or under conditions/,
    );
  });
});

describe('the totals of a diff', () => {
  it('count every line before the filters, in JSON and on stderr, saying what the filters hid', async () => {
    const all = await diffOf('--user', 'alice');
    const count = (status: string) => all.actions.filter((line) => line.status === status).length;
    expect(all.totals.all).toEqual({
      used: 1,
      unused: count('unused'),
      unknown: count('unknown'),
      ungranted: 0,
    });
    expect(all.totals.shown).toEqual(all.totals.all);
    const filtered = await diffOf('--user', 'alice', '--show-used');
    expect(filtered.totals).toEqual({
      all: all.totals.all,
      shown: { used: 1, unused: 0, unknown: 0, ungranted: 0 },
    });
    const { unused, unknown } = all.totals.all;
    const text = await run('--user', 'alice', '--show-used');
    expect(text.stderr).toContain(
      `Totals (whole diff): 1 used, ${unused} unused, ${unknown} unknown, 0 not granted (--show-used: ${unused} unused, ${unknown} unknown not shown)\n`,
    );
    expect(text.stdout).not.toContain('Totals');
  });
});

describe('an identity seen in the logs but not in the IAM data', () => {
  it('can be asked about: what it did, all "+", with a note', async () => {
    const result = await run('--user', 'dave');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('+ iam:ListUsers\n+ s3:ListAllMyBuckets\n');
    expect(flatten(result.stderr)).toContain(
      `user dave (arn:aws:iam::${ACCOUNT}:user/dave) is not in the IAM data of account demo, only in the logs`,
    );
    expect(result.stderr).toContain('Totals (whole diff): 0 used, 0 unused, 0 unknown, 2 not granted\n');
    const document = await diffOf('--user', 'dave');
    expect(document.principal).toMatchObject({ name: 'dave', knownTo: 'logs-only' });
    expect(document.actions.map((line) => [line.action, line.status, line.grantedBy])).toEqual([
      ['iam:ListUsers', 'ungranted', []],
      ['s3:ListAllMyBuckets', 'ungranted', []],
    ]);
  });

  it('a name in neither is still an error, with the close names of both', async () => {
    const result = await run('--user', 'davd');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(flatten(result.stderr)).toContain(`unknown user "davd" in account demo (${ACCOUNT})`);
    expect(flatten(result.stderr)).toContain('Did you mean: dave?');
  });
});
