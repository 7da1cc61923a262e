import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runBinary } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * The inputs the benchmark's job lines derive from a generated tree (scripts/bench/job-inputs.mjs):
 * on a small tree of the same generator, `iamtrail test` with the derived test file must find every
 * case as the IAM files say (the bench fails on its exit code otherwise), and `audit` with the
 * derived config must read every account from files, the credential reports included, without AWS.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-bench-jobs-'));
const tree = join(work, 'tree');
const WINDOW = ['--start', '2026-10-01', '--end', '2026-10-02'];
/** Any AWS call goes to a closed port: an account read from AWS would fail. */
const NO_AWS = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'example',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
let inputs: { config: string; tests: string; principals: number; testCount: number };

/** Every user and role ARN of the tree's IAM files, read here. */
function principalArns(): string[] {
  const arns: string[] = [];
  for (const id of ['100000000001', '100000000002', '100000000003', '100000000004', '100000000005']) {
    const details = JSON.parse(readFileSync(join(tree, 'iam', `${id}.json`), 'utf8')) as {
      UserDetailList: { Arn: string }[];
      RoleDetailList: { Arn: string }[];
    };
    arns.push(
      ...details.UserDetailList.map((user) => user.Arn),
      ...details.RoleDetailList.map((role) => role.Arn),
    );
  }
  return arns.sort();
}

beforeAll(() => {
  const generated = spawnSync(
    process.execPath,
    ['scripts/generate-trail.mjs', '--events', '2000', '--out', tree, '--days', '2', '--start', '2026-10-01'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  expect(generated.status, generated.stderr).toBe(0);
  const written = spawnSync(process.execPath, ['scripts/bench/job-inputs.mjs', tree, '2026-10-02'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(written.status, written.stderr).toBe(0);
  inputs = JSON.parse(written.stdout) as typeof inputs;
}, 120_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the benchmark job inputs', () => {
  it('give `test` two tests per principal that all pass, none contradicted by CloudTrail', () => {
    const run = runBinary(
      [
        'test',
        '--config',
        join(tree, 'config.yaml'),
        '--tests',
        inputs.tests,
        ...WINDOW,
        '--no-cache',
        '--json',
      ],
      NO_AWS,
    );
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as {
      summary: Record<string, number>;
      tests: { outcomes: { principalArn: string }[] }[];
    };
    // The generator's principals per account: 60 users (granted s3:* and ec2:Describe*, among
    // others: 2 probes to succeed, 3 to fail), 5 roles granted "*" (6 probes, no fail test) and 10
    // granted ec2:* and ssm:* (2 to succeed, 3 to fail).
    expect(inputs.principals).toBe(5 * 75);
    expect(inputs.testCount).toBe(5 * (60 * 2 + 5 + 10 * 2));
    expect(document.summary).toEqual({
      cases: 5 * (60 * 5 + 5 * 6 + 10 * 5),
      pass: 5 * (60 * 5 + 5 * 6 + 10 * 5),
      fail: 0,
      inconclusive: 0,
      contradicted: 0,
      unchecked: 0,
    });
    const tested = new Set(
      document.tests.flatMap((test) => test.outcomes.map((outcome) => outcome.principalArn)),
    );
    expect([...tested].sort()).toEqual(principalArns());
  });

  it('give `audit` every account from files: the credential reports say every user has one old key', () => {
    const run = runBinary(['audit', '--config', inputs.config, ...WINDOW, '--no-cache', '--json'], NO_AWS);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as {
      accounts: { id: string; status: string }[];
      findings: { findingType: string; resource: string }[];
    };
    expect(document.accounts.map((account) => [account.id, account.status])).toEqual(
      ['100000000001', '100000000002', '100000000003', '100000000004', '100000000005'].map((id) => [
        id,
        'audited',
      ]),
    );
    // Each report's users hold key 1, active, rotated at their creation (2025-01-01): more than
    // 90 days before the window's end.
    const notRotated = document.findings
      .filter((finding) => finding.findingType === 'AccessKeyNotRotated')
      .map((finding) => finding.resource)
      .sort();
    expect(notRotated).toEqual(principalArns().filter((arn) => arn.includes(':user/')));
  });
});
