import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The demo organisation with an IAM file that lacks three policies grants come from: the group
 * policy DeveloperAccess (alice, through the group developers), charlie's permissions boundary
 * DeveloperBoundary and role admin's AdministratorAccess. A report must say so, not pass the missing grants off
 * as "not granted".
 */
describe('a report over IAM data that lacks some of the principal’s policies', () => {
  let dir: string;
  let config: string;
  /** The demo's IAM data, to be changed and written by {@link writeConfig}. */
  const demoDetails = (): unknown =>
    JSON.parse(readFileSync(join(REPO_ROOT, 'examples/demo/iam/demo.json'), 'utf8'));
  /** A config of the demo account, its logs and credential report, with `details` as its IAM file. */
  const writeConfig = (name: string, details: unknown): string => {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(details));
    const path = join(dir, `${name}.yaml`);
    writeFileSync(
      path,
      `logs: ${join(REPO_ROOT, 'examples/demo/logs')}\naccounts:\n  - {name: demo, id: '111111111111', iam: ${join(dir, `${name}.json`)}, credential_report: ${join(REPO_ROOT, 'examples/demo/credentials/demo.csv')}}\n`,
    );
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iamtrail-iam-problems-'));
    const details = demoDetails() as { Policies: { PolicyName: string }[] };
    details.Policies = details.Policies.filter(
      (policy) =>
        !['DeveloperAccess', 'DeveloperBoundary', 'AdministratorAccess'].includes(policy.PolicyName),
    );
    config = writeConfig('demo', details);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  /** The demo account's October, through the IAM file that lacks them (or `configPath`'s). */
  const report = (...args: string[]) => reportOf(config, ...args);
  const reportOf = (configPath: string, ...args: string[]) =>
    runCli([
      '--config',
      configPath,
      '--account',
      'demo',
      '--start',
      '2026-10-01',
      '--end',
      '2026-10-31',
      '--no-cache',
      ...args,
    ]);

  it('names the missing group policy in JSON and under the text', async () => {
    const json = await report('--user', 'alice', '--format', 'json');
    expect(json.status).toBe(0);
    const document = JSON.parse(json.stdout) as { iamDataProblems: string[] };
    expect(document.iamDataProblems).toEqual([
      'managed policy arn:aws:iam::111111111111:policy/DeveloperAccess is attached to group developers but not in the file; its grants are missing',
    ]);
    const text = await report('--user', 'alice');
    expect(text.status).toBe(0);
    expect(flatten(text.stderr)).toContain(
      'IAM data of arn:aws:iam::111111111111:user/alice: managed policy arn:aws:iam::111111111111:policy/DeveloperAccess is attached to group developers but not in the file',
    );
    expect(flatten(text.stdout)).toContain(
      "Note: the IAM data lacks part of alice's policies (JSON: iamDataProblems); the grants above are read without them: managed policy arn:aws:iam::111111111111:policy/DeveloperAccess is attached to group developers",
    );
  });

  it('with --destrole, names the role whose policies are missing', async () => {
    const text = await report('--user', 'alice', '--destrole', 'admin');
    expect(text.status, text.stderr).toBe(0);
    expect(flatten(text.stdout)).toContain(
      "Note: the IAM data lacks part of admin's policies (JSON: iamDataProblems); the grants above are read without them: managed policy arn:aws:iam::aws:policy/AdministratorAccess is attached but not in the file",
    );
    expect(flatten(text.stderr)).toContain(
      'IAM data of arn:aws:iam::111111111111:role/admin: managed policy',
    );
  });

  it('names the missing permissions boundary, and judges by the identity policies alone', async () => {
    interface Diff {
      iamDataProblems: string[];
      actions: { action: string; symbol: string }[];
    }
    const json = await report('--user', 'charlie', '--format', 'json');
    expect(json.status).toBe(0);
    const document = JSON.parse(json.stdout) as Diff;
    expect(document.iamDataProblems).toEqual([
      'permissions boundary arn:aws:iam::111111111111:policy/DeveloperBoundary is not in the file; the grants are those of the identity policies, which it may narrow',
    ]);
    // What the boundary allows is unknown: the verdicts are those of charlie without a boundary
    // (its calls succeeded, so none of them is "+" for lack of a boundary that was never read).
    const details = demoDetails() as {
      UserDetailList: { UserName: string; PermissionsBoundary?: unknown }[];
    };
    const charlie = details.UserDetailList.find((user) => user.UserName === 'charlie');
    delete charlie?.PermissionsBoundary;
    const unbounded = await reportOf(
      writeConfig('unbounded', details),
      '--user',
      'charlie',
      '--format',
      'json',
    );
    expect(unbounded.status, unbounded.stderr).toBe(0);
    const symbols = (diff: Diff) => diff.actions.map((line) => `${line.symbol} ${line.action}`);
    expect(symbols(document)).toEqual(symbols(JSON.parse(unbounded.stdout) as Diff));
    expect(symbols(document).some((line) => line.startsWith('+'))).toBe(false);
  });

  it('the audit warns of each principal whose "-" rest on partial IAM data', async () => {
    // Its last week, which the demo's logs cover (the corrupt file is of 2026-10-15).
    const audit = await runCli([
      'audit',
      '--config',
      config,
      '--end',
      '2026-10-31',
      '--unused-days',
      '7',
      '--no-cache',
      '--format',
      'json',
    ]);
    expect(audit.status, audit.stderr).toBe(0);
    expect(flatten(audit.stderr)).toContain(
      'IAM data of arn:aws:iam::111111111111:user/alice: managed policy arn:aws:iam::111111111111:policy/DeveloperAccess is attached to group developers but not in the file',
    );
    expect(flatten(audit.stderr)).toContain(
      'IAM data of arn:aws:iam::111111111111:user/charlie: permissions boundary arn:aws:iam::111111111111:policy/DeveloperBoundary is not in the file',
    );
  });

  it('policy generate rests on the policies read, and names the one missing', async () => {
    // The demo's IAM data whole, but for one more managed policy attached to alice and not in the file.
    const details = demoDetails() as {
      UserDetailList: {
        UserName: string;
        AttachedManagedPolicies: { PolicyName: string; PolicyArn: string }[];
      }[];
    };
    const alice = details.UserDetailList.find((entry) => entry.UserName === 'alice');
    alice?.AttachedManagedPolicies.push({
      PolicyName: 'NotInTheFile',
      PolicyArn: 'arn:aws:iam::111111111111:policy/NotInTheFile',
    });
    const attached = writeConfig('attached', details);
    const generated = await runCli([
      'policy',
      'generate',
      '--config',
      attached,
      '--account',
      'demo',
      '--user',
      'alice',
      '--start',
      '2026-10-16',
      '--end',
      '2026-10-31',
      '--no-cache',
    ]);
    expect(generated.status, generated.stderr).toBe(0);
    expect(JSON.parse(generated.stdout)).toMatchObject({ Version: '2012-10-17' });
    expect(flatten(generated.stderr)).toContain(
      'current policies: managed policy arn:aws:iam::111111111111:policy/NotInTheFile is attached but not in the file',
    );
  });

  it('says nothing of the kind when the IAM data is whole', async () => {
    const json = await reportOf('examples/demo/config.example.yaml', '--user', 'alice', '--format', 'json');
    expect((JSON.parse(json.stdout) as { iamDataProblems: string[] }).iamDataProblems).toEqual([]);
    expect(json.stdout).not.toContain('lacks part of');
  });
});
