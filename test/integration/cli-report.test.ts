import { describe, expect, it } from 'vitest';

import { join } from 'node:path';

import { demoMonthPlainly, describeRoleSessionUse } from '../helpers/reference-reader.js';

import { actionClassesFromTsv } from '../helpers/action-classes.js';
import { DEMO_ARGS, DEMO_CACHED_ARGS, DEMO_UNREADABLE_NOTE, flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** alice's ARN and name: how a role session names who opened it. */
const ALICE = ['arn:aws:iam::111111111111:user/alice', 'alice'];

/** The demo's October logs as a plain reader sees them: the files it reads, the one it cannot. */
const demoLogs = demoMonthPlainly();

const demo = (...args: string[]) => runCli([...DEMO_CACHED_ARGS, ...args]);
/** The demo read from its logs, for what reading them says. */
const uncached = (...args: string[]) => runCli([...DEMO_ARGS, ...args]);

describe('iamtrail --list (demo organisation)', () => {
  it('lists users with their last active day, marks the inactive one, and lists the deleted one apart', async () => {
    const result = await demo('--account', 'demo', '--list', 'users');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '  alice    2026-10-30',
        '  bob      2026-10-07',
        '  charlie  2026-10-31',
        '- erin     not active in window',
        '',
        "Seen in the logs but not in the IAM data (deleted, or not this account's users):",
        '! dave  2026-10-09',
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
    expect(result.stderr).toContain(
      'Listing users of account demo (111111111111), 2026-10-01..2026-10-31 (31 days)',
    );
  });

  it('lists roles and marks the service-linked one', async () => {
    expect((await demo('--account', 'demo', '--list', 'roles')).stdout).toBe(
      [
        '  AWSServiceRoleForSupport  2026-10-31  [service-linked]  callers: (unknown caller)',
        '  admin                     2026-10-28  callers: user/alice, user/charlie',
        // its one session (demoIamChanges: alice, from her admin session) was refused its one call:
        // not active, but assumed (the AssumeRole call of her admin session), so not "-"
        "  readonly                  not active in window; assumed 1 time(s), last 2026-10-22T14:40:30Z: its sessions' 1 call(s) were all refused  callers: user/alice via role/admin",
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
  });

  it('answers for an account given by id, and a narrower window changes the answer', async () => {
    const result = await runCli([
      ...DEMO_CACHED_ARGS.map((arg) => (arg === '2026-10-01' ? '2026-10-10' : arg)),
      '--account',
      '111111111111',
      '--list',
      'users',
    ]);
    expect(result.stdout.split('\n').slice(0, 4)).toEqual([
      '  alice    2026-10-30',
      '- bob      not active in window',
      '  charlie  2026-10-31',
      '- erin     not active in window',
    ]);
  });

  it('warns once about the corrupt file and says how many files were read', async () => {
    const result = await uncached('--account', 'demo', '--list', 'users');
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: skipped .*_CorruptedInTransit\.json\.gz: not a valid gzip stream \(unexpected end of file\)$/,
    );
    expect(result.stderr).toContain(
      `31 day(s) read from the logs in 1 engine call(s): ${demoLogs.read.length} file(s), ${demoLogs.unreadable.length} skipped (see warnings above); no cache`,
    );
  });
});

describe('iamtrail --user / --role (demo organisation)', () => {
  it('--user alice --show-used: used and ungranted actions in canonical names', async () => {
    const result = await demo('--account', 'demo', '--user', 'alice', '--show-used');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '  cloudwatch:DescribeAlarms',
        '+ ec2:DescribeInstances',
        '  lambda:InvokeFunction',
        '  lambda:ListFunctions',
        '  logs:DescribeLogGroups',
        '  s3:GetBucketAcl',
        '  s3:GetObject',
        // Her GetObject calls may have named a version (the summary keeps no versionId).
        '  s3:GetObjectVersion',
        '  s3:ListAllMyBuckets',
        '  s3:PutObject',
        '  sts:AssumeRole',
        '  sts:GetCallerIdentity',
        '',
        'Roles alice may assume (sts:AssumeRole in its policies) and their use in the window:',
        `  admin           ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::111111111111:role/admin', ALICE)}`,
        // Her readonly session's only call was refused: she assumed it, so --show-used keeps it.
        `  readonly        ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::111111111111:role/readonly', ALICE)}`,
        `  admin (backup)  ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::222222222222:role/admin', ALICE)}`,
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
    expect(result.stderr).toContain('Getting info on user alice, created 2025-01-06T09:00:00Z');
  });

  it('--user alice: S3 object data actions are "?" although the logs hold such data events, "-" with selectors logging them for every resource', async () => {
    // The diff: the lines before the assumable-roles section.
    const diffLines = async (...more: string[]) =>
      ((await demo('--account', 'demo', '--user', 'alice', ...more)).stdout.split('\n\n')[0] ?? '').split(
        '\n',
      );
    // Each "-" and "?" agrees with the action's class in the data file (read here with a plain split).
    const classes = actionClassesFromTsv();
    const check = (lines: readonly string[], recordable: ReadonlySet<string>) => {
      const marked = (symbol: string) =>
        lines.filter((line) => line.startsWith(`${symbol} `)).map((line) => line.slice(2));
      expect(marked('-').length).toBeGreaterThan(150);
      for (const action of marked('-')) expect(recordable.has(classes.get(action) ?? ''), action).toBe(true);
      for (const action of marked('?')) expect(recordable.has(classes.get(action) ?? ''), action).toBe(false);
      expect(marked('+')).toEqual(['ec2:DescribeInstances']);
    };
    // Without the selectors, data events in the logs show that some resources of a type are
    // logged, not which: the data actions are "?" ("-" for management actions only).
    const fromLogs = await diffLines();
    check(fromLogs, new Set(['management']));
    expect(fromLogs).toContain('? s3:DeleteObject');
    expect(fromLogs).toContain('- lambda:UpdateFunctionCode');
    expect(fromLogs).toContain('- sts:DecodeAuthorizationMessage');
    // Selectors that log S3 object and Lambda data events of every resource make them recordable.
    const selected = await diffLines(
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
    );
    check(
      selected,
      new Set([
        'management',
        'data:AWS::S3::Object',
        'data:AWS::Lambda::Function',
        'data:AWS::DynamoDB::Table',
      ]),
    );
    expect(selected).toContain('- s3:DeleteObject');
    expect(selected).toContain('- lambda:UpdateFunctionCode');
    expect(selected).toContain('? s3:BypassGovernanceRetention');
  });

  it('--ignore-benign drops List* and Describe* everywhere, --ignore-unknown drops "?"', async () => {
    const lines = (
      await demo('--account', 'demo', '--user', 'alice', '--ignore-benign', '--ignore-unknown')
    ).stdout
      .trimEnd()
      .split('\n');
    expect(lines.some((line) => /:(List|Describe)/.test(line))).toBe(false);
    expect(lines.some((line) => line.startsWith('?'))).toBe(false);
    expect(lines).toContain('  s3:GetObject');
  });

  it('--role admin --show-used: what the admin sessions did in demo', async () => {
    expect((await demo('--account', 'demo', '--role', 'admin', '--show-used')).stdout).toBe(
      [
        '  cloudtrail:LookupEvents',
        // possibly: RunInstances may carry tags, which ec2:CreateTags authorises (data/event_renames.json)
        '  ec2:CreateTags',
        '  ec2:DescribeInstances',
        '  ec2:RunInstances',
        // the IAM changes alice made as admin (scripts/generate-demo.mjs, demoIamChanges)
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
        '  iam:ListRoles',
        '  iam:ListUsers',
        '  iam:PutRolePolicy',
        // possibly: CreateUser may carry tags, which iam:TagUser authorises
        '  iam:TagUser',
        '  iam:UpdateAccessKey',
        '  iam:UpdateAssumeRolePolicy',
        // charlie's admin session assumed backup's admin once (a role chain), alice's readonly
        '  sts:AssumeRole',
        '',
        'Roles admin may assume (sts:AssumeRole in its policies) and their use in the window:',
        // alice's readonly session, opened through admin, made one call, refused: assumed all the same
        `  readonly        ${describeRoleSessionUse(demoMonthPlainly().rows, 'arn:aws:iam::111111111111:role/readonly', ['arn:aws:iam::111111111111:role/admin'])}`,
        '  admin (backup)  3 call(s), last 2026-10-29T00:01:45Z',
        ...DEMO_UNREADABLE_NOTE,
        '',
      ].join('\n'),
    );
  });

  it('--role admin in backup counts only the backup account role', async () => {
    expect((await demo('--account', 'backup', '--role', 'admin', '--show-used')).stdout).toBe(
      [
        // the chained session that crossed midnight on 2026-10-28
        '  backup:DeleteRecoveryPoint',
        '  backup:ListBackupJobs',
        '  backup:ListBackupPlans',
        '  backup:ListBackupVaults',
        '  backup:ListRecoveryPointsByBackupVault',
        '  backup:StartBackupJob',
        '  dynamodb:DescribeTable',
        '  s3:ListAllMyBuckets',
        '',
      ].join('\n'),
    );
  });

  it('the report subcommand is the same as the flags-first form', async () => {
    const viaRoot = await demo('--account', 'demo', '--user', 'charlie');
    const viaCommand = await runCli([
      'report',
      ...DEMO_CACHED_ARGS,
      '--account',
      'demo',
      '--user',
      'charlie',
    ]);
    expect(viaCommand.stdout).toBe(viaRoot.stdout);
    // charlie's permissions boundary (s3, sts:AssumeRole, ec2:Describe*, cloudwatch) cuts off the
    // kms:Decrypt and ec2:* his inline policy grants: his Decrypt calls are "+", RunInstances absent.
    expect(viaRoot.stdout).toContain('+ kms:Decrypt');
    expect(viaRoot.stdout).toContain('  ec2:DescribeVolumes');
    expect(viaRoot.stdout).not.toContain('ec2:RunInstances');
  });
});

describe('output formats', () => {
  it('--format json has the documented schema, with denied calls apart', async () => {
    const document = JSON.parse(
      (await uncached('--account', 'demo', '--user', 'alice', '--format', 'json', '--show-used')).stdout,
    ) as {
      schema: string;
      principal: { name: string };
      actions: { action: string; status: string; symbol: string; calls: number }[];
      denied: { action: string; calls: number }[];
      dataEventTypesLogged: string[];
      noPermissionEvents: { event: string }[];
      logs: { filesRead: number; skippedFiles: unknown[] };
    };
    expect(document.schema).toBe('iamtrail.diff/v1');
    expect(document.principal.name).toBe('alice');
    expect(document.actions.find((a) => a.action === 'ec2:DescribeInstances')).toMatchObject({
      status: 'ungranted',
      symbol: '+',
    });
    // alice's refused calls, counted from the logs: the event's service prefix and name.
    const deniedCalls = new Map<string, number>();
    for (const row of demoLogs.rows) {
      if (row.actorArn !== 'arn:aws:iam::111111111111:user/alice' || row.outcome !== 'denied') continue;
      const action = `${row.eventSource.split('.')[0] ?? ''}:${row.eventName}`;
      deniedCalls.set(action, (deniedCalls.get(action) ?? 0) + row.calls);
    }
    expect(deniedCalls.size).toBeGreaterThan(0);
    expect(document.denied.map((d) => [d.action, d.calls])).toEqual([...deniedCalls].sort());
    expect(document.dataEventTypesLogged).toEqual(['AWS::Lambda::Function', 'AWS::S3::Object']);
    expect(document.noPermissionEvents.map((e) => e.event)).toEqual(['sts:GetCallerIdentity']);
    expect(document.logs.filesRead).toBe(demoLogs.read.length);
    expect(document.logs.skippedFiles).toHaveLength(demoLogs.unreadable.length);
  });

  it('--json gives the same document as --format json', async () => {
    const a = JSON.parse((await demo('--account', 'demo', '--list', 'roles', '--json')).stdout) as unknown;
    const b = JSON.parse(
      (await demo('--account', 'demo', '--list', 'roles', '--format', 'json')).stdout,
    ) as unknown;
    expect(a).toEqual(b);
  });

  it('--format csv has a header and one row per identity', async () => {
    const lines = (await demo('--account', 'demo', '--list', 'users', '--format', 'csv')).stdout
      .trimEnd()
      .split('\n');
    expect(lines[0]).toBe(
      'mark,name,arn,known_to,active,last_activity,calls,denied_calls,failed_calls,service_linked,window_incomplete',
    );
    // erin's inactivity rests on a window with an unreadable file (the demo's corrupt one). The
    // demo's only errorCode is AccessDenied, so no call failed.
    expect(lines).toContain('-,erin,arn:aws:iam::111111111111:user/erin,iam,false,,0,0,0,false,true');
    expect(lines).toContain(
      '!,dave,arn:aws:iam::111111111111:user/dave,logs-only,true,2026-10-09,14,0,0,false,false',
    );
  });
});

describe('errors that help: exit code 2, one clear message, nothing on stdout', () => {
  it.each([
    {
      name: 'unknown account',
      args: [...DEMO_CACHED_ARGS, '--account', 'prod', '--list', 'users'],
      message: 'unknown account "prod" (config lists: demo (111111111111), backup (222222222222))',
    },
    {
      name: 'unknown user',
      args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--user', 'alcie'],
      message: 'unknown user "alcie" in account demo (111111111111)',
    },
    {
      name: 'unknown role',
      args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--role', 'admn'],
      message: 'Did you mean: admin?',
    },
    {
      name: 'missing log folder',
      args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--list', 'users', '--logs', 'no/such/folder'],
      message: `log folder ${join(REPO_ROOT, 'no/such/folder')} does not exist or is not a folder`,
    },
    {
      name: 'bad date',
      args: [
        '--config',
        'examples/demo/config.example.yaml',
        '--account',
        'demo',
        '--list',
        'users',
        '--start',
        '2026-10-32',
      ],
      message: '--start "2026-10-32" is not a date',
    },
    {
      name: 'reversed dates',
      args: [
        '--config',
        'examples/demo/config.example.yaml',
        '--account',
        'demo',
        '--list',
        'users',
        '--start',
        '2026-10-31',
        '--end',
        '2026-10-01',
      ],
      message: '--start 2026-10-31 is after --end 2026-10-01',
    },
    {
      name: 'missing config',
      args: ['--account', 'demo', '--list', 'users'],
      message: 'config file config.yaml does not exist',
    },
    {
      name: 'two questions',
      args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--list', 'users', '--user', 'alice'],
      message: '--user=alice cannot also be provided when using --list',
    },
    {
      name: 'no question',
      args: [...DEMO_CACHED_ARGS, '--account', 'demo'],
      message: 'say what to report: --list users|roles, --user NAME, --role NAME or --destrole NAME',
    },
    {
      name: 'bad --list value',
      args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--list', 'groups'],
      message: 'Expected --list=groups to be one of: users, roles',
    },
  ])('$name', async ({ args, message }) => {
    const result = await runCli(args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(flatten(result.stderr)).toContain(message);
  });

  it('suggests the close user name', async () => {
    expect(flatten((await demo('--account', 'demo', '--user', 'alcie')).stderr)).toContain(
      'Did you mean: alice?',
    );
  });
});
