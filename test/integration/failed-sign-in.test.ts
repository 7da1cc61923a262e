import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BEFORE_16_NOTICE, BEFORE_17_NOTICE, CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { flatten, parseJsonAnswer, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runOnDuckDb } from '../helpers/cache-tables.js';
import { demoAssumeRoleDaysBefore16, demoMonthPlainly } from '../helpers/reference-reader.js';

/*
 * Failed console sign-ins, as the CloudTrail user guide records them ("AWS Management Console
 * sign-in events": `errorMessage: "Failed authentication"`, `responseElements.ConsoleLogin:
 * "Failure"`, no `errorCode`; the root user's carries the root ARN). The demo organisation's logs
 * get one more file on 2026-10-20 with a failed sign-in of the root user and one of erin, whom the
 * demo's logs show inactive all October. Neither is use: erin stays inactive, root is not "used".
 */
const ACCOUNT = '111111111111';

const failedSignIn = (identity: Record<string, unknown>, time: string) => ({
  eventVersion: '1.08',
  userIdentity: { accountId: ACCOUNT, accessKeyId: '', ...identity },
  eventTime: time,
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'Mozilla/5.0',
  errorMessage: 'Failed authentication',
  requestParameters: null,
  responseElements: { ConsoleLogin: 'Failure' },
  additionalEventData: {
    LoginTo: 'https://console.aws.amazon.com/console/home',
    MobileVersion: 'No',
    MFAUsed: 'No',
  },
  eventID: `${time}-sign-in`,
  readOnly: false,
  eventType: 'AwsConsoleSignIn',
  managementEvent: true,
  recipientAccountId: ACCOUNT,
  eventCategory: 'Management',
});

/**
 * The days of the demo's month with a successful AssumeRole call naming a role, as a plain reader
 * of the logs finds them: what a migration from before schema 16 forgets.
 */
function assumeRoleDays(): string[] {
  return [
    ...new Set(
      demoMonthPlainly()
        .rows.filter((row) => row.assumedRoleArn !== null)
        .map((row) => row.day),
    ),
  ].sort();
}

describe('a failed console sign-in', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iamtrail-failed-sign-in-'));
    const demo = join(REPO_ROOT, 'examples/demo');
    cpSync(join(demo, 'logs'), join(dir, 'logs'), { recursive: true });
    const day = join(dir, 'logs/AWSLogs/o-demo12345', ACCOUNT, 'CloudTrail/us-east-1/2026/10/20');
    mkdirSync(day, { recursive: true });
    writeFileSync(
      join(day, `${ACCOUNT}_CloudTrail_us-east-1_20261020T2300Z_SignInFailures.json.gz`),
      gzipSync(
        JSON.stringify({
          Records: [
            failedSignIn(
              { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root` },
              '2026-10-20T22:51:07Z',
            ),
            failedSignIn(
              {
                type: 'IAMUser',
                principalId: 'AIDAERIN',
                arn: `arn:aws:iam::${ACCOUNT}:user/erin`,
                userName: 'erin',
              },
              '2026-10-20T22:53:40Z',
            ),
          ],
        }),
      ),
    );
    config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      readFileSync(join(demo, 'config.example.yaml'), 'utf8')
        .replace(/^logs: logs$/m, `logs: ${join(dir, 'logs')}`)
        .replaceAll(/\b(iam|credentials)\//g, `${demo}/$1/`),
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const window = ['--start', '2026-10-01', '--end', '2026-10-31'];
  interface ListAnswer {
    readonly identities: readonly {
      readonly name: string;
      readonly active: boolean;
      readonly failedCalls: number;
    }[];
  }

  it.each([
    ['without the cache (actors only)', ['--no-cache']],
    ['read into a cache', ['--cache', 'CACHE']],
  ])('is no activity of the user in --list users, %s', async (_name, args) => {
    const run = await runCli([
      '--config',
      config,
      '--account',
      'demo',
      ...window,
      '--list',
      'users',
      ...args.map((arg) => (arg === 'CACHE' ? join(dir, 'list.duckdb') : arg)),
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^- erin +not active in window$/m);
  });

  it('is no use of the root user in the audit: its finding rests on the credential report alone', async () => {
    const run = await runCli([
      'audit',
      '--config',
      config,
      '--end',
      '2026-10-31',
      '--no-cache',
      '--format',
      'json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    interface Finding {
      readonly findingType: string;
      readonly title: string;
      readonly evidence: readonly { readonly source: string }[];
    }
    const rootUsed = (JSON.parse(run.stdout) as { findings: Finding[] }).findings.filter(
      (finding) => finding.findingType === 'RootUsed',
    );
    // The demo's credential report: root's password last used 2026-09-14T07:31:00+00:00.
    expect(rootUsed.map((finding) => finding.title)).toEqual([
      'the root user of demo was used in the window (last 2026-09-14T07:31:00Z)',
    ]);
    expect(rootUsed[0]?.evidence.map((entry) => entry.source)).toEqual(['credential-report']);
  });

  it('counted as a call by an older cache: the migration forgets its day, which is read again', async () => {
    const list = ['--config', config, '--account', 'demo', ...window, '--list', 'users', '--format', 'json'];
    const cache = join(dir, 'migrated.duckdb');
    expect((await runCli([...list, '--cache', cache])).status).toBe(0);
    // The cache as schema 12 wrote it: the sign-ins counted `ok`.
    const old = join(dir, 'schema-12.duckdb');
    copyFileSync(cache, old);
    await runOnDuckDb(
      old,
      `UPDATE activity SET outcome = 'ok' WHERE event_source = 'signin.amazonaws.com';
      UPDATE actor_days SET outcome = 'ok' WHERE day = '2026-10-20' AND actor_arn LIKE '%:user/erin';
      ALTER TABLE activity DROP COLUMN assumed_role_arn;
      UPDATE meta SET value = '12' WHERE key = 'schema_version'`,
    );
    const migrated = await runCli([...list, '--cache', old]);
    expect(migrated.status, migrated.stderr).toBe(0);
    // And, as from every version before 16, the other days with a successful AssumeRole call (the
    // sign-in's day has one too: forgotten already), those of a role session's and the days after
    // them first.
    expect(assumeRoleDays()).toContain('2026-10-20');
    const { chain, assumeRole } = demoAssumeRoleDaysBefore16(['2026-10-20']);
    expect(chain.length).toBeGreaterThan(0);
    expect(flatten(migrated.stderr)).toContain(
      `the cache ${old} has schema version 12, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost; 1 day(s) with console sign-ins will be read again (a failed sign-in counted as a call before); ${chain.length} day(s) with a role session's AssumeRole call, or the day after one, will be read again (for who began its chain); ${assumeRole.length} day(s) with AssumeRole calls will be read again (for the roles they assumed)${BEFORE_16_NOTICE}${BEFORE_17_NOTICE}`,
    );
    const answer = parseJsonAnswer<{ daysRead: number }>(migrated);
    expect(answer.logs.daysRead).toBe(1 + chain.length + assumeRole.length);
    const erin = (answer as unknown as ListAnswer).identities.find((identity) => identity.name === 'erin');
    expect(erin).toMatchObject({ active: false, failedCalls: 1 });
  });

  it('a schema-13 cache (its sign-ins already told apart) keeps its sign-in days: only its AssumeRole days are read again', async () => {
    const list = ['--config', config, '--account', 'demo', ...window, '--list', 'users', '--format', 'json'];
    const cache = join(dir, 'schema-13.duckdb');
    expect((await runCli([...list, '--cache', cache])).status).toBe(0);
    // The cache as schema 13 wrote it: its Athena ledger without the account (schema 14's), and a
    // sign-in that succeeded (13 tells them apart: its day is not forgotten).
    await runOnDuckDb(
      cache,
      `UPDATE activity SET outcome = 'ok' WHERE event_source = 'signin.amazonaws.com';
      ALTER TABLE athena_resources DROP COLUMN account_id;
      ALTER TABLE athena_queries DROP COLUMN account_id;
      ALTER TABLE activity DROP COLUMN assumed_role_arn;
      UPDATE meta SET value = '13' WHERE key = 'schema_version'`,
    );
    const migrated = await runCli([...list, '--cache', cache]);
    expect(migrated.status, migrated.stderr).toBe(0);
    const { chain, assumeRole } = demoAssumeRoleDaysBefore16();
    expect([...chain, ...assumeRole].sort()).toEqual([...new Set([...assumeRoleDays(), ...chain])].sort());
    expect(flatten(migrated.stderr)).toContain(
      `the cache ${cache} has schema version 13, this iamtrail uses ${CACHE_SCHEMA_VERSION}: migrated it, nothing lost; ${chain.length} day(s) with a role session's AssumeRole call, or the day after one, will be read again (for who began its chain); ${assumeRole.length} day(s) with AssumeRole calls will be read again (for the roles they assumed)${BEFORE_16_NOTICE}${BEFORE_17_NOTICE} `,
    );
    expect(flatten(migrated.stderr)).not.toContain('console sign-ins');
    expect(parseJsonAnswer<{ daysRead: number }>(migrated).logs.daysRead).toBe(
      chain.length + assumeRole.length,
    );
  });
});
