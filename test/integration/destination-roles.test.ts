import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { SummaryRequest, SummaryResult } from '../../src/engines/engine.js';
import { BEFORE_16_NOTICE, BEFORE_17_NOTICE, CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { runOnDuckDb } from '../helpers/cache-tables.js';
import { DEMO_CACHED_ARGS, DEMO_UNREADABLE_NOTE, flatten, parseJsonAnswer, runCli } from '../helpers/cli.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';
import { userCall, auditDemoFindings, writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';
import {
  demoMonthPlainly,
  describeRoleSessionUse,
  readTrailPlainly,
  sortRows,
} from '../helpers/reference-reader.js';

/** alice's ARN and name: how a role session names who opened it. */
const ALICE = ['arn:aws:iam::111111111111:user/alice', 'alice'];

const work = mkdtempSync(join(tmpdir(), 'iamtrail-destrole-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const demo = (...args: string[]) => runCli([...DEMO_CACHED_ARGS, ...args]);
const DEMO_ID = '111111111111';

async function summarize(
  logsDir: string,
  request: SummaryRequest,
  options: { batchFiles?: number } = {},
): Promise<SummaryResult> {
  const engine = await DuckDbEngine.create({
    logsDir,
    reporter: { warn: () => undefined },
    countSessions: true,
    ...options,
  });
  try {
    return await engine.summarize(request);
  } finally {
    await engine.close();
  }
}

describe('a role assumed whose sessions made no logged call', () => {
  const ALICE_ARN = `arn:aws:iam::${DEMO_ID}:user/alice`;
  const BACKUP_ADMIN = 'arn:aws:iam::222222222222:role/admin';
  /** alice's AssumeRole call at 10:`minute` of `day`, logged in `account`. */
  const assumeRole = (
    account: string,
    day: string,
    role: string,
    key: string,
    minute: number,
    error?: string,
  ) => ({
    ...userCall(account, day, 'alice', 'sts', 'AssumeRole', minute, error),
    userIdentity: {
      type: 'IAMUser',
      arn: ALICE_ARN,
      accountId: DEMO_ID,
      accessKeyId: 'AKIAALICE',
      userName: 'alice',
    },
    requestParameters: { roleArn: role, roleSessionName: 'alice' },
    ...(error === undefined ? { responseElements: { credentials: { accessKeyId: key } } } : {}),
  });
  /** The role's account's copy of `call`, made from `account`: CloudTrail names only the account. */
  const fromAccount = (call: ReturnType<typeof assumeRole>, account: string) => ({
    ...call,
    userIdentity: { type: 'AWSAccount', principalId: 'AIDAALICE', accountId: account },
  });
  const logs = writeTrail(join(work, 'assumed-no-calls'), [
    {
      account: DEMO_ID,
      day: '2026-10-05',
      records: [
        assumeRole(DEMO_ID, '2026-10-05', `arn:aws:iam::${DEMO_ID}:role/admin`, 'ASIAADMIN1', 1),
        assumeRole(DEMO_ID, '2026-10-05', `arn:aws:iam::${DEMO_ID}:role/admin`, 'ASIAADMIN2', 7),
        // refused: readonly stays unassumed
        assumeRole(
          DEMO_ID,
          '2026-10-05',
          `arn:aws:iam::${DEMO_ID}:role/readonly`,
          'ASIANONE',
          3,
          'AccessDenied',
        ),
      ],
    },
    { account: '222222222222', day: '2026-10-05' },
    // across accounts: logged in alice's and in the role's, one call
    {
      account: DEMO_ID,
      day: '2026-10-06',
      records: [assumeRole(DEMO_ID, '2026-10-06', BACKUP_ADMIN, 'ASIABACKUP', 2)],
    },
    {
      account: '222222222222',
      day: '2026-10-06',
      records: [
        fromAccount(assumeRole('222222222222', '2026-10-06', BACKUP_ADMIN, 'ASIABACKUP', 2), DEMO_ID),
      ],
    },
    // from an account whose logs are not read: the role's account's copy alone, twice; and from
    // the demo account, both copies
    {
      account: DEMO_ID,
      day: '2026-10-07',
      records: [assumeRole(DEMO_ID, '2026-10-07', BACKUP_ADMIN, 'ASIAB2', 9)],
    },
    {
      account: '222222222222',
      day: '2026-10-07',
      records: [
        fromAccount(assumeRole('222222222222', '2026-10-07', BACKUP_ADMIN, 'ASIAOTHER1', 4), '333333333333'),
        fromAccount(assumeRole('222222222222', '2026-10-07', BACKUP_ADMIN, 'ASIAOTHER2', 5), '333333333333'),
        fromAccount(assumeRole('222222222222', '2026-10-07', BACKUP_ADMIN, 'ASIAB2', 9), DEMO_ID),
      ],
    },
  ]);
  const config = writeDemoConfig(join(work, 'assumed-no-calls.yaml'), logs);
  /** alice's report over `start`..`end`. */
  const askIn = (start: string, end: string, ...args: string[]) =>
    runCli([
      '--config',
      config,
      '--account',
      'demo',
      '--user',
      'alice',
      '--start',
      start,
      '--end',
      end,
      ...args,
    ]);
  const ask = (...args: string[]) => askIn('2026-10-05', '2026-10-06', ...args);

  it.each([
    ['without the cache', ['--no-cache']],
    ['through a cache', ['--cache', join(work, 'assumed-no-calls.duckdb')]],
  ])('is assumed, not "-", from the AssumeRole calls alone (%s)', async (_name, args) => {
    const text = await ask(...args);
    expect(text.status, text.stderr).toBe(0);
    const section = text.stdout.slice(text.stdout.indexOf('\nRoles alice may assume'));
    expect(section.split('\n').slice(2, 5)).toEqual([
      '  admin           assumed 2 time(s), no logged call in its sessions, last 2026-10-05T10:07:00Z',
      '- readonly        not assumed in the window',
      '  admin (backup)  assumed 1 time(s), no logged call in its sessions, last 2026-10-06T10:02:00Z',
    ]);
    const json = await ask(...args, '--format', 'json');
    const document = JSON.parse(json.stdout) as {
      assumableRoles: {
        name: string;
        used: boolean;
        calls: number;
        refusedCalls: number;
        assumptions: number;
      }[];
    };
    expect(
      document.assumableRoles.map((role) => [
        role.name,
        role.used,
        role.calls,
        role.refusedCalls,
        role.assumptions,
      ]),
    ).toEqual([
      ['admin', true, 0, 0, 2],
      ['readonly', false, 0, 0, 0],
      ['admin', true, 0, 0, 1],
    ]);
  });

  it('--list roles: a role assumed is not "-" though not active (text, JSON, CSV)', async () => {
    const list = (...args: string[]) =>
      runCli([
        '--config',
        config,
        '--account',
        'demo',
        '--list',
        'roles',
        '--start',
        '2026-10-05',
        '--end',
        '2026-10-06',
        '--no-cache',
        ...args,
      ]);
    const text = await list();
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout.split('\n').slice(0, 3)).toEqual([
      '- AWSServiceRoleForSupport  not active in window  [service-linked]',
      '  admin                     not active in window; assumed 2 time(s), last 2026-10-05T10:07:00Z: no logged call in its sessions',
      '- readonly                  not active in window',
    ]);
    const json = JSON.parse((await list('--format', 'json')).stdout) as {
      identities: { name: string; active: boolean; assumptions: number; lastAssumed?: string }[];
    };
    expect(
      json.identities.map(({ name, active, assumptions, lastAssumed }) => [
        name,
        active,
        assumptions,
        lastAssumed,
      ]),
    ).toEqual([
      ['AWSServiceRoleForSupport', false, 0, undefined],
      ['admin', false, 2, '2026-10-05T10:07:00Z'],
      ['readonly', false, 0, undefined],
    ]);
    const csv = (await list('--format', 'csv')).stdout.split('\n');
    expect(csv[0]).toBe(
      'mark,name,arn,known_to,active,last_activity,calls,denied_calls,failed_calls,service_linked,window_incomplete,assumptions,last_assumed',
    );
    expect(
      csv
        .filter((line) => /,arn:aws:iam::111111111111:role\/(admin|readonly),/.test(line))
        .map((line) => line.slice(0, 12)),
    ).toEqual([' ,admin,arn:', '-,readonly,a']);
  });

  it.each([
    ['without the cache', ['--no-cache']],
    ['through a cache', ['--cache', join(work, 'assumed-across-accounts.duckdb')]],
  ])(
    "counts the role's account's copies of calls from other accounts, each call once (%s)",
    async (_name, args) => {
      const list = (...more: string[]) =>
        runCli([
          '--config',
          config,
          '--account',
          'backup',
          '--list',
          'roles',
          '--start',
          '2026-10-06',
          '--end',
          '2026-10-07',
          ...args,
          ...more,
        ]);
      const json = await list('--format', 'json');
      expect(json.status, json.stderr).toBe(0);
      const document = JSON.parse(json.stdout) as {
        identities: { name: string; unused: boolean; assumptions: number; lastAssumed?: string }[];
        notInIam: unknown[];
      };
      // alice's two calls (each logged in both accounts) and the two from 333333333333, whose
      // logs are not read (only the role's account's copies say so).
      expect(
        document.identities
          .filter((role) => role.name === 'admin')
          .map(({ unused, assumptions, lastAssumed }) => [unused, assumptions, lastAssumed]),
      ).toEqual([[false, 4, '2026-10-07T10:09:00Z']]);
      // The account named by those copies is no identity.
      expect(document.notInIam).toEqual([]);
      const text = await list();
      expect(text.stdout).toMatch(
        /^ {2}admin +not active in window; assumed 4 time\(s\), last 2026-10-07T10:09:00Z: no logged call in its sessions$/m,
      );
      expect(text.stdout).not.toContain('AWSAccount');
      // alice's own: her two calls, not the other account's.
      const alice = JSON.parse(
        (await askIn('2026-10-06', '2026-10-07', '--format', 'json', ...args)).stdout,
      ) as { assumableRoles: { name: string; assumptions: number }[] };
      expect(alice.assumableRoles.map((role) => [role.name, role.assumptions])).toEqual([
        ['admin', 0],
        ['readonly', 0],
        ['admin', 2],
      ]);
    },
  );

  it("the audit finds no unused role in one assumed, and says a role's use includes its assumptions", async () => {
    const { run, findings } = await auditDemoFindings(
      config,
      join(work, 'assumed-no-calls-audit.yaml'),
      '2026-10-06',
      2,
      'UnusedIAMRole',
    );
    expect(run.status, run.stderr).toBe(0);
    // The demo's IAM data says no role was ever used (RoleLastUsed empty): the logs decide.
    expect(findings.map((finding) => finding.resource)).toEqual([`arn:aws:iam::${DEMO_ID}:role/readonly`]);
    expect(findings[0]?.evidence.map((entry) => entry.detail)).toContain(
      'no call of its sessions and no AssumeRole call naming it in the logs of the whole period 2026-10-05..2026-10-06',
    );
  });

  it('a schema-15 cache (no role on its AssumeRole rows) forgets their days, which are read again', async () => {
    const cache = join(work, 'assumed-no-calls-15.duckdb');
    const fresh = await ask('--cache', cache);
    expect(fresh.status, fresh.stderr).toBe(0);
    await runOnDuckDb(
      cache,
      `ALTER TABLE activity DROP COLUMN assumed_role_arn;
      UPDATE meta SET value = '15' WHERE key = 'schema_version'`,
    );
    const migrated = await ask('--cache', cache, '--format', 'json');
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(flatten(migrated.stderr)).toContain(
      `the cache ${cache} has schema version 15, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost; 2 day(s) with AssumeRole calls will be read again (for the roles they assumed)${BEFORE_16_NOTICE}`,
    );
    const answer = parseJsonAnswer<{ daysRead: number }>(migrated);
    expect(answer.logs.daysRead).toBe(2);
    expect((await ask('--cache', cache)).stdout).toBe(fresh.stdout);
  });
});

describe('--destrole on the demo organisation', () => {
  it('alice as admin in her own account: what she did in the admin sessions she opened', async () => {
    const result = await demo('--account', 'demo', '--user', 'alice', '--destrole', 'admin', '--show-used');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '  cloudtrail:LookupEvents',
        '  ec2:DescribeInstances',
        // the IAM changes she made as admin (scripts/generate-demo.mjs, demoIamChanges)
        '  iam:AttachUserPolicy',
        '  iam:CreateAccessKey',
        '  iam:CreateLoginProfile',
        '  iam:CreateUser',
        '  iam:DeleteAccessKey',
        '  iam:DeleteLoginProfile',
        '  iam:DeleteRolePolicy',
        '  iam:DeleteUser',
        '  iam:DetachUserPolicy',
        '  iam:GetUser',
        '  iam:ListUsers',
        '  iam:PutRolePolicy',
        // possibly: CreateUser may carry tags, which iam:TagUser authorises (data/event_renames.json)
        '  iam:TagUser',
        '  iam:UpdateAccessKey',
        '  iam:UpdateAssumeRolePolicy',
        // and from one of those sessions she assumed readonly
        '  sts:AssumeRole',
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
    expect(flatten(result.stderr)).toContain(
      `Getting info for AssumeRole into role admin of account demo (${DEMO_ID}): its sessions opened by alice, against its grants`,
    );
    // charlie's sessions of the same role (RunInstances, ListRoles, the chained AssumeRole) are not alice's.
    expect(result.stdout).not.toContain('ec2:RunInstances');
  });

  it('alice as admin in the backup account, across accounts, with the full diff against backup admin grants', async () => {
    const used = await demo(
      '--account',
      'demo',
      '--user',
      'alice',
      '--destrole',
      'admin',
      '--destaccount',
      'backup',
      '--show-used',
    );
    expect(used.stdout).toBe(
      [
        '  backup:ListBackupPlans',
        '  backup:StartBackupJob',
        '  s3:ListAllMyBuckets',
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
    const full = await demo(
      '--account',
      'demo',
      '--user',
      'alice',
      '--destrole',
      'admin',
      '--destaccount',
      '222222222222',
    );
    expect(full.status).toBe(0);
    // backup's admin has AdministratorAccess: everything else it grants is "-" or "?".
    expect(full.stdout.split('\n').filter((line) => line.startsWith('- ')).length).toBeGreaterThan(10_000);
    expect(full.stdout).not.toContain('\nRoles alice may assume');
  });

  it('lists every caller of backup admin, with the role chain that crossed midnight', async () => {
    const result = await demo('--account', 'backup', '--destrole', 'admin');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        `  ${DEMO_ID}:user/alice                                12 call(s) on 4 day(s), last 2026-10-27T17:02:21Z`,
        `  ${DEMO_ID}:user/charlie                              12 call(s) on 6 day(s), last 2026-10-28T21:02:19Z`,
        `  ${DEMO_ID}:user/charlie via ${DEMO_ID}:role/admin  3 call(s) on 1 day(s), last 2026-10-29T00:01:45Z`,
        '',
      ].join('\n'),
    );
    const json = JSON.parse(
      (await demo('--account', 'backup', '--destrole', 'admin', '--format', 'json')).stdout,
    ) as {
      schema: string;
      callers: { callerArn: string | null; viaArn: string | null; days: number; firstSeen: string }[];
    };
    expect(json.schema).toBe('iamtrail.callers/v1');
    // The chained session was opened at 23:59 on 2026-10-28; its calls fall on the 29th.
    const chain = json.callers.find((caller) => caller.viaArn !== null);
    expect(chain).toMatchObject({
      callerArn: `arn:aws:iam::${DEMO_ID}:user/charlie`,
      viaArn: `arn:aws:iam::${DEMO_ID}:role/admin`,
      days: 1,
    });
    expect(chain?.firstSeen.startsWith('2026-10-29T00:0')).toBe(true);
  });

  it("a schema-16 cache forgets the days of a role session's AssumeRole across accounts and the day after, which are read again", async () => {
    const cache = join(work, 'chain-16.duckdb');
    const ask = (...args: string[]) =>
      runCli([
        '--config',
        'examples/demo/config.example.yaml',
        '--cache',
        cache,
        '--account',
        'backup',
        '--destrole',
        'admin',
        '--start',
        '2026-10-27',
        '--end',
        '2026-10-30',
        ...args,
      ]);
    const fresh = await ask();
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain(`${DEMO_ID}:user/charlie via ${DEMO_ID}:role/admin  3 call(s)`);
    // What schema 16 stored: the chain stopped at the demo admin role (the backup account's copy
    // of its AssumeRole call, typed AWSAccount, sorted first), and that copy kept nowhere.
    await runOnDuckDb(
      cache,
      `UPDATE activity SET caller_arn = via_arn, via_arn = NULL WHERE via_arn = 'arn:aws:iam::${DEMO_ID}:role/admin';
      DELETE FROM activity WHERE starts_with(actor_arn, 'AWSAccount:');
      DELETE FROM actor_days WHERE starts_with(actor_arn, 'AWSAccount:');
      DELETE FROM role_assumptions WHERE starts_with(actor_arn, 'AWSAccount:');
      UPDATE meta SET value = '16' WHERE key = 'schema_version'`,
    );
    const migrated = await ask('--format', 'json');
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(flatten(migrated.stderr)).toContain(
      `the cache ${cache} has schema version 16, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost; 2 day(s) with a role session's AssumeRole call, or the day after one, will be read again (for who began its chain)${BEFORE_17_NOTICE}`,
    );
    // 2026-10-28 (charlie's admin session's AssumeRole at 23:59) and 2026-10-29 (its calls).
    expect(parseJsonAnswer<{ daysRead: number }>(migrated).logs.daysRead).toBe(2);
    // The days kept were read without the role's account's copies: every question over them says
    // so, until they are read again.
    const kept = `2 day(s) of the window (2026-10-27, 2026-10-30) were read into the cache ${cache} by an iamtrail before cache schema 17, which kept no role's account's copy of an AssumeRole call from another account: a role assumed on those days only from accounts whose logs are not read may show "-" (--refresh reads them again)`;
    expect(flatten(migrated.stderr)).toContain(kept);
    const again = await ask();
    expect(again.stdout).toBe(fresh.stdout);
    expect(flatten(again.stderr)).toContain(kept);
    expect(flatten((await ask('--refresh')).stderr)).not.toContain('before cache schema 17');
    expect(flatten((await ask()).stderr)).not.toContain('before cache schema 17');
  });

  it('--role admin --destrole admin --destaccount backup: what the demo admin role did as backup admin (the chain)', async () => {
    const result = await demo(
      '--account',
      'demo',
      '--role',
      'admin',
      '--destrole',
      'admin',
      '--destaccount',
      'backup',
      '--show-used',
    );
    expect(result.stdout).toBe(
      [
        '  backup:DeleteRecoveryPoint',
        '  backup:ListBackupVaults',
        '  backup:ListRecoveryPointsByBackupVault',
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
  });

  it('--user alice lists the roles her policies let her assume; the readonly session whose only call was refused counts as assumed', async () => {
    const result = await demo('--account', 'demo', '--user', 'alice');
    expect(result.status).toBe(0);
    const section = result.stdout.slice(result.stdout.indexOf('\nRoles alice may assume'));
    expect(section).toBe(
      [
        '',
        'Roles alice may assume (sts:AssumeRole in its policies) and their use in the window:',
        `  admin           ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::111111111111:role/admin', ALICE)}`,
        `  readonly        ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::111111111111:role/readonly', ALICE)}`,
        `  admin (backup)  ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::222222222222:role/admin', ALICE)}`,
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
    const json = JSON.parse(
      (await demo('--account', 'demo', '--user', 'alice', '--format', 'json')).stdout,
    ) as {
      assumableRoles: { arn: string; used: boolean; calls: number; assumptions: number }[];
      otherRolesUsed: unknown[];
    };
    // Her AssumeRole calls, and those of the sessions she began (readonly through admin), once per
    // credentials issued: the backup admin's are logged in both accounts.
    const assumptions = (role: string) =>
      demoMonthPlainly().assumptions.filter(
        (call) =>
          call.roleArn === role && (call.actorArn === ALICE[0] || ALICE.includes(call.callerArn ?? '')),
      ).length;
    expect(json.assumableRoles.map((role) => [role.arn, role.used, role.assumptions])).toEqual([
      [`arn:aws:iam::${DEMO_ID}:role/admin`, true, assumptions(`arn:aws:iam::${DEMO_ID}:role/admin`)],
      [`arn:aws:iam::${DEMO_ID}:role/readonly`, true, assumptions(`arn:aws:iam::${DEMO_ID}:role/readonly`)],
      ['arn:aws:iam::222222222222:role/admin', true, assumptions('arn:aws:iam::222222222222:role/admin')],
    ]);
    expect(json.assumableRoles.map((role) => role.assumptions)).toEqual([12, 1, 4]);
    expect(json.otherRolesUsed).toEqual([]);
  });

  it('--user bob: roles his group lets him assume (under MFA) and no session of his in the logs are "-"', async () => {
    // bob opened no role session in the demo: no row of any role has him as caller.
    expect(
      demoMonthPlainly().rows.filter((row) => row.callerArn === `arn:aws:iam::${DEMO_ID}:user/bob`),
    ).toEqual([]);
    const result = await demo('--account', 'demo', '--user', 'bob');
    const section = result.stdout.slice(result.stdout.indexOf('\nRoles bob may assume'));
    expect(section.split('\n').slice(2, 5)).toEqual([
      '- admin           not assumed in the window  [conditional]',
      '- readonly        not assumed in the window  [conditional]',
      '- admin (backup)  not assumed in the window  [conditional]',
    ]);
  });

  it('--list roles shows each role with its callers, in text and JSON', async () => {
    const result = await demo('--account', 'demo', '--list', 'roles');
    expect(result.stdout).toContain(
      '  admin                     2026-10-28  callers: user/alice, user/charlie\n',
    );
    const json = JSON.parse(
      (await demo('--account', 'demo', '--list', 'roles', '--format', 'json')).stdout,
    ) as {
      identities: { name: string; callers: { caller: string | null; calls: number }[] }[];
    };
    const admin = json.identities.find((identity) => identity.name === 'admin');
    expect(admin?.callers.map((caller) => [caller.caller, caller.calls])).toEqual([
      // 29 calls, plus the 16 of her sessions of demoIamChanges (15 IAM changes, 1 AssumeRole)
      [`arn:aws:iam::${DEMO_ID}:user/alice`, 45],
      // 13 calls: the chained AssumeRole once (its copy in the backup account's trail names only
      // the demo account, as CloudTrail writes it: no call of the admin role there)
      [`arn:aws:iam::${DEMO_ID}:user/charlie`, 13],
    ]);
  });

  it('rejects what does not fit, with exit code 2', async () => {
    const unknown = await demo('--account', 'demo', '--user', 'alice', '--destrole', 'admni');
    expect(unknown.status).toBe(2);
    expect(flatten(unknown.stderr)).toContain(`unknown role "admni" in account demo (${DEMO_ID})`);
    expect(flatten(unknown.stderr)).toContain('Did you mean: admin?');
    const account = await demo('--account', 'demo', '--destrole', 'admin', '--destaccount', 'nowhere');
    expect(account.status).toBe(2);
    expect(flatten(account.stderr)).toContain('unknown account "nowhere"');
    expect((await demo('--account', 'demo', '--user', 'alice', '--destaccount', 'backup')).status).toBe(2);
    expect((await demo('--account', 'demo', '--list', 'roles', '--destrole', 'admin')).status).toBe(2);
    const nothing = await demo('--account', 'demo');
    expect(nothing.status).toBe(2);
    expect(flatten(nothing.stderr)).toContain('say what to report');
  });

  it('answers destrole questions about a cached window from the cache, without reading the logs', async () => {
    const cache = join(work, 'cache.duckdb');
    // The last week: alice's sessions of backup admin and charlie's chain are in it.
    const week = ['--start', '2026-10-25', '--end', '2026-10-31'];
    const cached = [
      '--config',
      'examples/demo/config.example.yaml',
      ...week,
      '--cache',
      cache,
      '--format',
      'json',
    ];
    const first = await runCli([...cached, '--account', 'demo', '--user', 'alice']);
    expect((JSON.parse(first.stdout) as { logs: { engineCalls: number } }).logs.engineCalls).toBe(1);
    for (const question of [
      // --show-used: backup admin is granted "*", and 22,000 lines of JSON add nothing here.
      [
        '--account',
        'demo',
        '--user',
        'alice',
        '--destrole',
        'admin',
        '--destaccount',
        'backup',
        '--show-used',
      ],
      ['--account', 'backup', '--destrole', 'admin'],
    ]) {
      const again = await runCli([...cached, ...question]);
      expect(again.status).toBe(0);
      const document = JSON.parse(again.stdout) as { logs: { engineCalls: number; daysFromCache: number } };
      expect(document.logs).toMatchObject({ engineCalls: 0, daysFromCache: 7 });
      expect(again.stdout).toBe(
        (
          await runCli([
            ...cached.filter((arg) => arg !== '--cache' && arg !== cache),
            '--no-cache',
            ...question,
          ])
        ).stdout
          .replace(/"cache": null/, `"cache": ${JSON.stringify(cache)}`)
          .replace(/"engineCalls": 1/, '"engineCalls": 0')
          .replace(/"daysRead": 7/, '"daysRead": 0')
          .replace(/"daysFromCache": 0/, '"daysFromCache": 7')
          .replace(/"filesRead": \d+/, '"filesRead": 0')
          .replace(/"skippedFiles": \[[^\]]*\]/, '"skippedFiles": []'),
      );
    }
  });
});

describe('session attribution by the local engine', () => {
  it('attributes the same sessions whatever the batches: a session and its AssumeRole call may be in different ones', async () => {
    const logs = join(REPO_ROOT, 'examples/demo/logs');
    // The last week, with the role chain that crosses midnight into 2026-10-29.
    const window = { startDay: '2026-10-25', endDay: '2026-10-31' };
    const whole = await summarize(logs, window);
    // 16 files a batch: 7 batches over the week's 97 files (some 14 a day), so batch boundaries
    // fall inside days and between sessions and their AssumeRole calls.
    const batched = await summarize(logs, window, { batchFiles: 16 });
    expect(sortRows(batched.rows)).toEqual(sortRows(whole.rows));
    expect(batched.sessions).toEqual(whole.sessions);
    expect(whole.sessions?.sessions).toBeGreaterThan(0);
    // A per-actor summary keeps no session: none counted, from its own staged table.
    expect((await summarize(logs, { ...window, actorsOnly: true })).sessions).toEqual({
      sessions: 0,
      attributed: 0,
    });
    expect(sortRows(whole.rows)).toEqual(readTrailPlainly(logs, window.startDay, window.endDay).rows);
    // A window that starts the day after an AssumeRole still attributes the session's calls
    // there: the engine reads the day before for AssumeRole calls.
    const chainDay = await summarize(logs, { startDay: '2026-10-29', endDay: '2026-10-29' });
    const chained = sortRows(chainDay.rows.filter((row) => row.viaArn !== null));
    expect(chained.map((row) => [row.actorArn, row.callerArn, row.viaArn, row.eventName])).toEqual([
      [
        'arn:aws:iam::222222222222:role/admin',
        `arn:aws:iam::${DEMO_ID}:user/charlie`,
        `arn:aws:iam::${DEMO_ID}:role/admin`,
        'DeleteRecoveryPoint',
      ],
      [
        'arn:aws:iam::222222222222:role/admin',
        `arn:aws:iam::${DEMO_ID}:user/charlie`,
        `arn:aws:iam::${DEMO_ID}:role/admin`,
        'ListBackupVaults',
      ],
      [
        'arn:aws:iam::222222222222:role/admin',
        `arn:aws:iam::${DEMO_ID}:user/charlie`,
        `arn:aws:iam::${DEMO_ID}:role/admin`,
        'ListRecoveryPointsByBackupVault',
      ],
    ]);
  });

  it.runIf(hasDatasets())(
    'invictus-stratus-cloudtrail: every role session with an access key is attributed; bert-jan opened five roles',
    async () => {
      const logs = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');
      const window = { startDay: '2023-07-01', endDay: '2023-07-31' };
      const result = await summarize(logs, window);
      expect(result.sessions).toEqual({ sessions: 8, attributed: 8 });
      expect(sortRows(result.rows)).toEqual(readTrailPlainly(logs, window.startDay, window.endDay).rows);
      const bertJan = 'arn:aws:iam::123837392027:user/bert-jan';
      const roles = new Set(
        result.rows.filter((row) => row.callerArn === bertJan).map((row) => row.actorArn),
      );
      expect([...roles].sort()).toEqual(
        [
          'stratus-red-team-ec2-get-password-data-role',
          'stratus-red-team-ec2lui-role-pcccexdthk',
          'stratus-red-team-ec2lui-role-wuzemnoeqa',
          'stratus-red-team-get-usr-data-role',
          'stratus-red-team-leave-org-role',
        ].map((name) => `arn:aws:iam::123837392027:role/${name}`),
      );
      // The other sessions are EC2 instance roles, opened by the EC2 service.
      const others = new Set(
        result.rows
          .filter((row) => row.actorType === 'AssumedRole' && row.callerArn !== bertJan)
          .map((row) => `${row.actorArn.split('/').at(-1) ?? ''} <- ${row.callerArn ?? 'unknown'}`),
      );
      expect([...others].sort()).toEqual([
        'AWSServiceRoleForAmazonInspector2 <- unknown',
        'AWSServiceRoleForRDS <- unknown',
        'stratus-red-team-ec2-enumerate-role <- ec2.amazonaws.com',
        'stratus-red-team-ec2-steal-credentials-role <- ec2.amazonaws.com',
      ]);
    },
  );
});
