import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { flatten, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/authz-cli-shape.json');
const work = mkdtempSync(join(tmpdir(), 'iamtrail-cli-'));

/** What test/fixtures/authz-cli-shape.json grants alice, read from its policies by hand. */
const ALICE_ACTIONS = [
  'cloudwatch:DescribeAlarms',
  'cloudwatch:GetDashboard',
  'ec2:DescribeInstances',
  'ec2:StartInstances',
  's3:GetBucketAcl',
  's3:ListBucket',
  'sts:AssumeRole',
];

const run = (...args: string[]): Promise<CliRun> => runCli(args);

describe('iamtrail iam show', () => {
  it('prints exactly one canonical action per line, sorted, and nothing else on stdout', async () => {
    const result = await run('iam', 'show', '--iam', FIXTURE, '--user', 'alice');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe([...ALICE_ACTIONS, ''].join('\n'));
    expect(result.stderr).toContain('"nosuchservice:Do*", which matches no known action (unknown-service)');
  });

  it('reads gzipped files and finds names case-insensitively', async () => {
    const gz = join(work, 'authz.json.gz');
    writeFileSync(
      gz,
      gzipSync(
        Buffer.from(
          JSON.stringify(
            JSON.parse(
              '{"RoleDetailList":[{"RoleName":"Admin","Arn":"arn:aws:iam::1:role/Admin","RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Statement":{"Effect":"Allow","Action":"sts:get*","Resource":"*"}}}]}]}',
            ),
          ),
        ),
      ),
    );
    const result = await run('iam', 'show', '--iam', gz, '--role', 'admin');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'sts:GetAccessKeyInfo',
      'sts:GetCallerIdentity',
      'sts:GetDelegatedAccessToken',
      'sts:GetFederationToken',
      'sts:GetServiceBearerToken',
      'sts:GetSessionToken',
      'sts:GetWebIdentityToken',
    ]);
  });

  it('--format json gives the documented schema with provenance and unknown actions', async () => {
    const result = await run('iam', 'show', '--iam', FIXTURE, '--user', 'alice', '--format', 'json');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as {
      schema: string;
      actionCatalog: { version: string };
      principals: {
        name: string;
        grantedCount: number;
        actions: { action: string; limited: boolean }[];
        unknownPatterns: { pattern: string }[];
      }[];
    };
    expect(document.schema).toBe('iamtrail.iam-show/v1');
    expect(document.actionCatalog.version).toBe('0.21.202609261');
    expect(document.principals[0]?.actions.map((a) => a.action)).toEqual(ALICE_ACTIONS);
    expect(document.principals[0]?.grantedCount).toBe(ALICE_ACTIONS.length);
    expect(document.principals[0]?.actions.find((a) => a.action === 'sts:AssumeRole')?.limited).toBe(true);
    expect(document.principals[0]?.unknownPatterns.map((u) => u.pattern)).toEqual(['nosuchservice:Do*']);
  });

  it('--json gives the same document as --format json', async () => {
    const viaFlag = JSON.parse(
      (await run('iam', 'show', '--iam', FIXTURE, '--user', 'alice', '--json')).stdout,
    ) as unknown;
    const viaFormat = JSON.parse(
      (await run('iam', 'show', '--iam', FIXTURE, '--user', 'alice', '--format', 'json')).stdout,
    ) as unknown;
    expect(viaFlag).toEqual(viaFormat);
  });

  it('--all prints one summary row per principal', async () => {
    const result = await run('iam', 'show', '--iam', FIXTURE, '--all');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TYPE +NAME +GRANTED +LIMITED +UNKNOWN +PROBLEMS$/);
    // Derived from the fixture's policies and the action list (data/aws_actions.txt, one a line):
    // alice: s3:GetBucketAcl, s3:ListBucket, sts:AssumeRole, ec2:DescribeInstances,
    // ec2:StartInstances, and of auditors' cloudwatch:Describe* and GetDashboard only what its
    // Deny NotAction spares (DescribeAlarms, GetDashboard); lambda:Invoke* falls to that Deny.
    // bob: everything but iam:* and organizations:*, within his boundary (s3:* and
    // sqs:SendMessage, less the boundary's Deny of s3:DeleteBucket): every s3 action.
    // admin: "*", every action.
    const actions = readFileSync(join(REPO_ROOT, 'data/aws_actions.txt'), 'utf8').trim().split('\n');
    const s3 = actions.filter((action) => action.toLowerCase().startsWith('s3:')).length;
    expect(lines.slice(1).map((line) => line.split(/ +/).slice(0, 3))).toEqual([
      ['user', 'alice', '7'],
      ['user', 'bob', String(s3 - 1 + 1)],
      ['role', 'admin', String(actions.length)],
      ['role', 'AWSServiceRoleForSupport', '0'],
    ]);
  });

  describe('bad input: exit code 2 and a message that names the problem', () => {
    const badJson = join(work, 'truncated.json');
    writeFileSync(badJson, '{"UserDetailList": [{"UserName": "a",');
    const badPolicy = join(work, 'bad-policy.json');
    writeFileSync(
      badPolicy,
      JSON.stringify({
        UserDetailList: [
          {
            UserName: 'a',
            Arn: 'arn:aws:iam::1:user/a',
            UserPolicyList: [
              { PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'allow', Action: '*' }] } },
            ],
          },
        ],
      }),
    );
    const notGzip = join(work, 'broken.json.gz');
    writeFileSync(notGzip, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]));

    it.each([
      {
        name: 'a missing file',
        args: ['--iam', join(work, 'nope.json'), '--user', 'a'],
        message: `IAM file ${join(work, 'nope.json')} does not exist`,
      },
      { name: 'a folder', args: ['--iam', work, '--user', 'a'], message: `IAM file ${work} is a folder` },
      { name: 'truncated JSON', args: ['--iam', badJson, '--user', 'a'], message: 'invalid JSON at line 1' },
      {
        name: 'a bad Effect',
        args: ['--iam', badPolicy, '--user', 'a'],
        message:
          'UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Effect: expected "Allow" or "Deny", got "allow"',
      },
      { name: 'broken gzip', args: ['--iam', notGzip, '--user', 'a'], message: 'is not valid gzip' },
      {
        name: 'an unknown user',
        args: ['--iam', FIXTURE, '--user', 'alcie'],
        message: 'unknown user "alcie"',
      },
      {
        name: 'no principal flag',
        args: ['--iam', FIXTURE],
        message: 'Exactly one of the following must be provided: --all, --role, --user',
      },
      {
        name: 'a bad format',
        args: ['--iam', FIXTURE, '--all', '--format', 'xml'],
        message: 'Expected --format=xml to be one of: text, json',
      },
    ])('$name', async ({ args, message }) => {
      const result = await run('iam', 'show', ...args);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(flatten(result.stderr)).toContain(message);
    });

    it('suggests close names for an unknown user', async () => {
      const result = await run('iam', 'show', '--iam', FIXTURE, '--user', 'alcie');
      expect(result.stderr).toContain('Did you mean: alice?');
    });
  });
});
