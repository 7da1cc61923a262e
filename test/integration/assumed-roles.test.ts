// The roles successful AssumeRole calls named, whoever made them (an IAM user, a role session, a
// SAML or web-identity user, an AWS service), as `--list roles`, `--user` and the audit read them;
// and what is no assumption (a call that failed, one the day before the window).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { auditDemoFindings, writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-assumed-roles-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const A = '111111111111';
const B = '222222222222';
const READONLY = `arn:aws:iam::${A}:role/readonly`;
const ALICE = {
  type: 'IAMUser',
  arn: `arn:aws:iam::${A}:user/alice`,
  accountId: A,
  accessKeyId: 'AKIAALICE',
  userName: 'alice',
};

const call = (time: string, event: string, identity: object, extra: object = {}) => ({
  eventVersion: '1.09',
  eventTime: time,
  eventSource: event === 'DeleteBucket' ? 's3.amazonaws.com' : 'sts.amazonaws.com',
  eventName: event,
  awsRegion: 'us-east-1',
  recipientAccountId: A,
  userIdentity: identity,
  eventID: `${time}-${event}`,
  ...extra,
});
const assume = (
  time: string,
  event: string,
  identity: object,
  role: string,
  key: string,
  extra: object = {},
) =>
  call(time, event, identity, {
    requestParameters: { roleArn: role, roleSessionName: 's' },
    responseElements: { credentials: { accessKeyId: key } },
    ...extra,
  });

/** A trail of one day (2026-10-05) of account A, and a config of the demo accounts naming it. */
function trail(
  name: string,
  records: object[],
  accounts: ('demo' | 'backup')[] = ['demo', 'backup'],
): string {
  const logs = writeTrail(join(work, name), [
    { account: A, day: '2026-10-05', records },
    ...(accounts.includes('backup') ? [{ account: B, day: '2026-10-05' }] : []),
  ]);
  return writeDemoConfig(join(work, `${name}.yaml`), logs, accounts);
}
const ask = (config: string, ...args: string[]) =>
  runCli([
    '--config',
    config,
    '--account',
    'demo',
    '--start',
    '2026-10-05',
    '--end',
    '2026-10-05',
    '--no-cache',
    ...args,
  ]);
const line = (stdout: string, name: string) =>
  stdout.split('\n').find((text) => text.slice(2).startsWith(`${name} `));

describe('the roles successful AssumeRole calls named', () => {
  it.each([
    [
      'AssumeRoleWithSAML (a SAML user)',
      'AssumeRoleWithSAML',
      { type: 'SAMLUser', principalId: 'x=:jdoe', userName: 'jdoe', identityProvider: 'x=' },
    ],
    [
      'AssumeRoleWithWebIdentity (a web-identity user)',
      'AssumeRoleWithWebIdentity',
      {
        type: 'WebIdentityUser',
        principalId: 'accounts.google.com:1',
        userName: '1',
        identityProvider: 'accounts.google.com',
      },
    ],
    ['AssumeRole by an AWS service', 'AssumeRole', { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' }],
  ])('%s: the role is not "-" in --list roles, nor unused in the audit', async (_name, event, identity) => {
    const config = trail(`service-${event}-${identity.type}`, [
      assume('2026-10-05T10:00:00Z', event, identity, READONLY, 'ASIARO'),
    ]);
    const run = await ask(config, '--list', 'roles');
    expect(run.status, run.stderr).toBe(0);
    expect(line(run.stdout, 'readonly')).toMatch(
      /^ {2}readonly +not active in window; assumed 1 time\(s\), last 2026-10-05T10:00:00Z: no logged call in its sessions$/,
    );
    // The audit, with the demo's credential reports: the demo's IAM data says no role was ever
    // used (RoleLastUsed empty), so the logs decide.
    const audit = await auditDemoFindings(
      config,
      join(work, `service-${event}-${identity.type}-audit.yaml`),
      '2026-10-05',
      1,
      'UnusedIAMRole',
    );
    expect(audit.run.status, audit.run.stderr).toBe(0);
    const unusedRoles = audit.findings.map((finding) => finding.resource);
    expect(unusedRoles).toContain(`arn:aws:iam::${A}:role/admin`);
    expect(unusedRoles).not.toContain(READONLY);
  });

  it('a call with an errorMessage and no errorCode failed: no assumption, in --list roles and --user alike', async () => {
    const config = trail('failed', [
      assume('2026-10-05T10:00:00Z', 'AssumeRole', ALICE, READONLY, 'ASIARO', {
        errorMessage: 'failed without a code',
      }),
    ]);
    const list = await ask(config, '--list', 'roles');
    expect(line(list.stdout, 'readonly')).toMatch(/^- readonly +not active in window$/);
    const user = await ask(config, '--user', 'alice');
    expect(user.stdout).toContain('(JSON: failedCalls): sts:AssumeRole (1)');
    expect(line(user.stdout, 'readonly')).toMatch(/^- readonly +not assumed in the window$/);
  });

  it("a role of an account not in the config that her policy names is listed with the roles she may assume, not as a '+'", async () => {
    const config = trail(
      'unconfigured',
      [assume('2026-10-05T10:00:00Z', 'AssumeRole', ALICE, `arn:aws:iam::${B}:role/admin`, 'ASIAB')],
      ['demo'],
    );
    const user = await ask(config, '--user', 'alice');
    expect(user.status, user.stderr).toBe(0);
    // alice's inline policy assume-admin names arn:aws:iam::222222222222:role/admin.
    expect(line(user.stdout, 'admin (222222222222)')).toBe(
      '  admin (222222222222)  assumed 1 time(s), no logged call in its sessions, last 2026-10-05T10:00:00Z',
    );
    expect(user.stdout).not.toContain('not named by its policies');
  });

  it('a role whose session made only refused calls, assumed the day before the window: not "-" in --list roles, as in --user', async () => {
    const logs = writeTrail(join(work, 'lookback'), [
      {
        account: A,
        day: '2026-10-04',
        records: [assume('2026-10-04T23:30:00Z', 'AssumeRole', ALICE, READONLY, 'ASIARO1')],
      },
      {
        account: A,
        day: '2026-10-05',
        records: [
          call(
            '2026-10-05T00:10:00Z',
            'DeleteBucket',
            {
              type: 'AssumedRole',
              arn: `arn:aws:sts::${A}:assumed-role/readonly/s`,
              accountId: A,
              accessKeyId: 'ASIARO1',
              sessionContext: {
                sessionIssuer: { type: 'Role', arn: READONLY, accountId: A, userName: 'readonly' },
              },
            },
            { errorCode: 'AccessDenied', errorMessage: 'denied' },
          ),
        ],
      },
    ]);
    const config = writeDemoConfig(join(work, 'lookback.yaml'), logs, ['demo']);
    const user = await ask(config, '--user', 'alice');
    expect(line(user.stdout, 'readonly')).toMatch(/^ {2}readonly +0 call\(s\), 1 refused/);
    const list = await ask(config, '--list', 'roles');
    // The look-back day's AssumeRole is no assumption of the window: the refused call shows the use.
    expect(line(list.stdout, 'readonly')).toBe(
      "  readonly                  not active in window; its sessions' 1 call(s) were all refused  callers: user/alice",
    );
  });
});
