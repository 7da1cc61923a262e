import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseJsonAnswer, runCli } from '../helpers/cli.js';
import { DATASETS_DIR } from '../helpers/paths.js';

/*
 * Invictus-IR's published logs (../shared/datasets/invictus-stratus-cloudtrail, MIT) lie under the
 * folder of account 218007301253 while every record says 123837392027: the account a question is
 * about is the records'. A copy of the tree gets one file that cannot be read, in that folder and
 * the window's day. The activity and coverage go by the records' account, and the unreadable file
 * must count for it too: an answer that calls its window complete would let a "-" stand on logs
 * that were not all read.
 */
const RECORDS_ACCOUNT = '123837392027';
const FOLDER_ACCOUNT = '218007301253';

describe('an unreadable log file under a folder named for another account than its records', () => {
  let dir: string;
  let config: string;
  let broken: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iamtrail-foreign-folder-'));
    const logs = join(dir, 'logs');
    cpSync(join(DATASETS_DIR, 'invictus-stratus-cloudtrail', 'AWSLogs'), join(logs, 'AWSLogs'), {
      recursive: true,
    });
    const day = join(logs, 'AWSLogs', FOLDER_ACCOUNT, 'CloudTrail', 'us-east-1', '2023', '07', '10');
    broken = join(day, `${FOLDER_ACCOUNT}_CloudTrail_us-east-1_20230710T1300Z_Truncated.json.gz`);
    writeFileSync(
      broken,
      gzipSync('{"Records": [{"eventVersion": "1.08", "userIdentity": {').subarray(0, 30),
    );
    const user = {
      UserName: 'bert-jan',
      UserId: 'AIDABERTJAN',
      Arn: `arn:aws:iam::${RECORDS_ACCOUNT}:user/bert-jan`,
      CreateDate: '2023-01-01T00:00:00Z',
      UserPolicyList: [
        {
          PolicyName: 'ec2',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }],
          },
        },
      ],
      GroupList: [],
      AttachedManagedPolicies: [],
      Tags: [],
    };
    const iam = join(dir, 'iam.json');
    writeFileSync(
      iam,
      JSON.stringify({ UserDetailList: [user], RoleDetailList: [], GroupDetailList: [], Policies: [] }),
    );
    config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `logs: ${logs}\naccounts:\n  - {name: invictus, id: '${RECORDS_ACCOUNT}', iam: ${iam}}\n`,
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const question = (...args: string[]) =>
    runCli([
      '--config',
      config,
      '--account',
      'invictus',
      '--start',
      '2023-07-10',
      '--end',
      '2023-07-10',
      '--format',
      'json',
      ...args,
    ]);
  interface Logs {
    readonly complete: boolean;
    readonly unreadableFiles: readonly { readonly file: string; readonly reason: string }[];
  }

  it.each([
    ['--user bert-jan, without the cache', ['--user', 'bert-jan', '--no-cache']],
    ['--list users, without the cache (actors only)', ['--list', 'users', '--no-cache']],
    ['--user bert-jan, read into a cache', ['--user', 'bert-jan', '--cache', 'CACHE']],
    ['--user bert-jan, answered from that cache', ['--user', 'bert-jan', '--cache', 'CACHE']],
  ])('%s: the window is incomplete and names the file', async (_name, args) => {
    const run = await question(...args.map((arg) => (arg === 'CACHE' ? join(dir, 'cache.duckdb') : arg)));
    expect(run.status, run.stderr).toBe(0);
    const logs = parseJsonAnswer<Logs>(run).logs;
    expect(logs.unreadableFiles.map((entry) => entry.file)).toEqual([broken]);
    expect(logs.complete).toBe(false);
  });

  it('policy generate says its policy rests on logs not all read', async () => {
    const run = await runCli([
      'policy',
      'generate',
      '--config',
      config,
      '--account',
      'invictus',
      '--user',
      'bert-jan',
      '--start',
      '2023-07-10',
      '--end',
      '2023-07-10',
      '--no-cache',
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as {
      coverage: { unreadableFiles: number; complete: boolean };
      notes: string[];
    };
    expect(document.coverage).toMatchObject({ unreadableFiles: 1, complete: false });
    expect(document.notes.join('\n')).toContain('1 log file(s) of the window could not be read');
  });
});
