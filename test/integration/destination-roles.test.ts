import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { SummaryRequest, SummaryResult } from '../../src/engines/engine.js';
import { DEMO_CACHED_ARGS, DEMO_UNREADABLE_NOTE, flatten, runCli } from '../helpers/cli.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';
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
      assumableRoles: { arn: string; used: boolean; calls: number }[];
      otherRolesUsed: unknown[];
    };
    expect(json.assumableRoles.map((role) => [role.arn, role.used])).toEqual([
      [`arn:aws:iam::${DEMO_ID}:role/admin`, true],
      [`arn:aws:iam::${DEMO_ID}:role/readonly`, true],
      ['arn:aws:iam::222222222222:role/admin', true],
    ]);
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
      // 13 calls, plus the chained AssumeRole counted again from its copy in the backup account's trail
      [`arn:aws:iam::${DEMO_ID}:user/charlie`, 14],
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
