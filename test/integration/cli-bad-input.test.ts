import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { flatten, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-bad-input-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO = join(REPO_ROOT, 'examples/demo');

describe('windows outside the days CloudTrail can have logged', () => {
  const list = (...window: string[]): Promise<CliRun> =>
    runCli([
      '--config',
      'examples/demo/config.example.yaml',
      '--account',
      'demo',
      '--list',
      'users',
      '--no-cache',
      ...window,
    ]);

  it('moves --start 2000-01-01 to 2013-11-01 with a notice and answers as for that window', async () => {
    // The window ends on the demo's first day of logs: one day to read, whatever the start.
    const early = await list('--start', '2000-01-01', '--end', '2026-10-01');
    expect(early.status).toBe(0);
    expect(early.stderr).toContain(
      "warning: the window starts on 2013-11-01, CloudTrail's first month, not 2000-01-01: no log holds earlier days\n",
    );
    expect(early.stdout).toBe((await list('--start', '2013-11-01', '--end', '2026-10-01')).stdout);
  });

  it('moves --end 9999-12-31 to tomorrow with a notice', async () => {
    const late = await list('--start', '2026-10-31', '--end', '9999-12-31');
    expect(late.status).toBe(0);
    expect(late.stderr).toMatch(
      /warning: the window ends on \d{4}-\d{2}-\d{2} \(tomorrow, UTC\), not 9999-12-31: no log holds later days yet\n/,
    );
  });

  it('refuses a window wholly before CloudTrail, exit 2', async () => {
    const before = await list('--start', '2000-01-01', '--end', '2001-01-01');
    expect(before.status).toBe(2);
    expect(flatten(before.stderr)).toContain(
      'the window 2000-01-01..2001-01-01 holds no day CloudTrail can have logged',
    );
  });
});

describe('hostile YAML in the config file', () => {
  it.each([
    [
      'alias-bomb.yaml',
      [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...'bcdefghi'.split('').map(
          (key, index) =>
            `${key}: &${key} [${Array(9)
              .fill(`*${'abcdefghi'[index] ?? ''}`)
              .join(', ')}]`,
        ),
        'accounts: []',
        '',
      ].join('\n'),
      'expands its YAML aliases (*name) past the limit of 100: an alias bomb, not a config',
    ],
    [
      'syntax.yaml',
      'accounts:\n  - name: demo\n    id: [1\n',
      'is not valid YAML: Flow sequence in block collection',
    ],
  ])('%s is exit 2 naming the file', async (name, text, message) => {
    const file = join(work, name);
    writeFileSync(file, text);
    const run = await runCli(['--config', file, '--account', 'demo', '--list', 'users']);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain(`config file ${file} ${message}`);
  });
});

describe('names with control characters and formulas, from an IAM file and a log record', () => {
  const ANSI_NAME = 'evil\u001b[31m\u001b]0;pwned\u0007';
  const ANSI_SHOWN = 'evil\\x1b[31m\\x1b]0;pwned\\x07';
  const FORMULA_NAME = "=cmd|' /C calc'!A0";
  const GHOST_NAME = 'ghost\r\u001b[2K';
  const dir = join(work, 'hostile');
  const logs = join(dir, 'logs');
  const day = join(logs, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/05');
  mkdirSync(day, { recursive: true });
  const iam = JSON.parse(readFileSync(join(DEMO, 'iam/demo.json'), 'utf8')) as {
    UserDetailList: object[];
  };
  const arnOf = (name: string): string => `arn:aws:iam::111111111111:user/${name}`;
  for (const name of [ANSI_NAME, FORMULA_NAME]) {
    iam.UserDetailList.push({
      Path: '/',
      UserName: name,
      UserId: `AIDA${name.length}`,
      Arn: arnOf(name),
      CreateDate: '2025-01-06T09:00:00Z',
      UserPolicyList: [
        {
          PolicyName: 'list',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
          },
        },
      ],
      GroupList: [],
      AttachedManagedPolicies: [],
      Tags: [],
    });
  }
  writeFileSync(join(dir, 'demo.json'), JSON.stringify(iam));
  const records = [ANSI_NAME, FORMULA_NAME, GHOST_NAME].map((name) => ({
    eventTime: '2026-10-05T10:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    recipientAccountId: '111111111111',
    userIdentity: { type: 'IAMUser', arn: arnOf(name), accountId: '111111111111', userName: name },
  }));
  writeFileSync(join(day, 'hostile.json'), JSON.stringify({ Records: records }));
  writeFileSync(join(day, `bad\u001b[2J.json`), 'not json');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `logs: logs\naccounts:\n  - name: demo\n    id: "111111111111"\n    iam: demo.json\n`,
  );
  const run = (...args: string[]): Promise<CliRun> =>
    runCli([
      '--config',
      config,
      '--account',
      'demo',
      '--start',
      '2026-10-01',
      '--end',
      '2026-10-31',
      '--no-cache',
      ...args,
    ]);
  // Any C0 control but the newline that ends a line, DEL or C1 control.
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

  it('shows them escaped in text output, warnings and errors, never raw', async () => {
    const listed = await run('--list', 'users');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`  ${ANSI_SHOWN}  2026-10-05\n`);
    expect(listed.stdout).toContain('! ghost\\r\\x1b[2K  2026-10-05\n');
    expect(listed.stderr).toContain(`warning: skipped ${day}/bad\\x1b[2J.json: `);
    const diff = await run('--user', ANSI_NAME);
    expect(diff.status).toBe(0);
    expect(diff.stderr).toContain(`Getting info on user ${ANSI_SHOWN}, created`);
    const unknown = await run('--user', `${ANSI_NAME}x`);
    expect(unknown.status).toBe(2);
    expect(flatten(unknown.stderr)).toContain(`unknown user "${ANSI_SHOWN}x"`);
    for (const output of [listed.stdout, listed.stderr, diff.stdout, diff.stderr, unknown.stderr])
      expect(output).not.toMatch(RAW_CONTROL);
  });

  it('neutralises formula-looking CSV cells and keeps the mark column as it is', async () => {
    const csv = await run('--list', 'users', '--format', 'csv');
    expect(csv.status).toBe(0);
    const rows = csv.stdout.split('\n');
    expect(rows).toContain(` ,'${FORMULA_NAME},${arnOf(FORMULA_NAME)},iam,true,2026-10-05,1,0,0,false,false`);
    // Logs on 2026-10-05 only: erin's inactivity rests on an incomplete window.
    expect(rows).toContain('-,erin,arn:aws:iam::111111111111:user/erin,iam,false,,0,0,0,false,true');
    expect(csv.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe('an error with --json (the test harness runs commands as the binary does)', () => {
  it('exits 2 with the error document, in this process as the built binary does', async () => {
    // With --json a command prints its error document and sets the exit code instead of throwing.
    const run = await runCli(['cache', 'clear', '--account', 'bad', '--json']);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      error: { message: '--account "bad" is not a 12-digit account id', exitCode: 2 },
    });
    // The next run starts from a clean exit code.
    expect((await runCli(['--version'])).status).toBe(0);
  });
});

describe('permissions --test-out', () => {
  it('adds s3:PutObject under the S3 prefix test --out writes to', async () => {
    const result = await runCli(['permissions', '--test-out', 's3://ci-results/iam/tests/']);
    expect(result.status, result.stderr).toBe(0);
    const policy = JSON.parse(result.stdout) as { Statement: { Sid: string }[] };
    expect(policy.Statement.find((statement) => statement.Sid === 'WriteTestResults')).toEqual({
      Sid: 'WriteTestResults',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: 'arn:aws:s3:::ci-results/iam/tests/*',
    });
  });

  it('refuses a folder (it needs no AWS permission) and a bad bucket name, exit 2, naming the value', async () => {
    const folder = await runCli(['permissions', '--test-out', 'results/']);
    expect(folder.status).toBe(2);
    expect(flatten(folder.stderr)).toContain('--test-out "results/" is not an s3:// location');
    const bucket = await runCli(['permissions', '--test-out', 's3://Bad_Bucket/x']);
    expect(bucket.status).toBe(2);
    expect(flatten(bucket.stderr)).toContain('"Bad_Bucket" is not a valid S3 bucket name');
  });
});
