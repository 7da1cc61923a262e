import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { flatten, runBinary } from '../helpers/cli.js';

/*
 * Bad input to `iamtrail test` and `iamtrail access`, through the built binary: each is refused
 * with exit code 2 and a message that names the file, the line or the value, before any
 * evaluation.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-policy-tests-bad-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const CONFIG = ['--config', 'examples/demo/config.example.yaml'];
/** stderr without oclif's wrapping, and without spaces, so a wrapped path still matches. */
const squeezed = (stderr: string): string => flatten(stderr).replace(/\s+/g, '');
const squeeze = (text: string): string => text.replace(/\s+/g, '');
const file = (name: string, text: string): string => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};

describe('iamtrail test, bad input', () => {
  it('refuses a misspelt key of the test file with its line and the close match', () => {
    const tests = file(
      'typo.yaml',
      'tests:\n- actions: [iam:CreateUser]\n  resources: ["*"]\n  expected_resul: fail\n',
    );
    const run = runBinary(['test', ...CONFIG, '--tests', tests, '--no-trail']);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(squeeze(`${tests}:4: unknown key "expected_resul" in tests[0]`));
    expect(squeezed(run.stderr)).toContain(squeeze('Did you mean "expected_result"?'));
  });

  it('refuses a wildcard that matches no action, naming the line', () => {
    const tests = file(
      'wild.yaml',
      '# tests\ntests:\n- actions: ["nosuch:Get*"]\n  resources: ["*"]\n  expected_result: fail\n',
    );
    const run = runBinary(['test', ...CONFIG, '--tests', tests, '--no-trail']);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(
      squeeze(`${tests}:3: test-1: action pattern "nosuch:Get*" matches no known action`),
    );
  });

  it('refuses an SCP file that does not place an account tested', () => {
    const scps = file(
      'scps.json',
      JSON.stringify({
        policies: [
          {
            id: 'p-FullAWSAccess',
            content: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
            targets: ['r-ab12', '111111111111'],
          },
        ],
        accounts: { '111111111111': ['r-ab12'] },
      }),
    );
    const run = runBinary([
      'test',
      ...CONFIG,
      '--tests',
      'examples/policy-tests/demo.yaml',
      '--scps',
      scps,
      '--no-trail',
    ]);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(squeeze('account 222222222222 is not under accounts:'));
  });

  it('refuses an account id in an SCP path, naming accounts.<id>', () => {
    const scps = file(
      'scps-path.json',
      JSON.stringify({
        policies: [
          {
            id: 'p-FullAWSAccess',
            content: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
            targets: ['r-ab12'],
          },
        ],
        accounts: { '111111111111': ['r-ab12', '222222222222'] },
      }),
    );
    const run = runBinary([
      'test',
      ...CONFIG,
      '--tests',
      'examples/policy-tests/demo.yaml',
      '--scps',
      scps,
      '--no-trail',
    ]);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(squeeze('$.accounts.111111111111:'));
    expect(squeezed(run.stderr)).toContain(squeeze('"222222222222" is not an OU id'));
  });

  it('refuses a context value not of its type and a resource that is no ARN, with file:line', () => {
    const context = file(
      'context.yaml',
      'tests:\n- actions: [iam:CreateUser]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:MultiFactorAuthPresent\n    context_key_values: maybe\n    context_key_type: boolean\n',
    );
    const run = runBinary(['test', ...CONFIG, '--tests', context, '--no-trail']);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(
      squeeze(`${context}:7: tests[0].custom_context[0].context_key_values "maybe" is not a boolean`),
    );
    const resource = file(
      'resource.yaml',
      'tests:\n- actions: [s3:GetObject]\n  resources:\n  - "s3://demo-app-data/*"\n  expected_result: fail\n',
    );
    const bad = runBinary(['test', ...CONFIG, '--tests', resource, '--no-trail']);
    expect(bad.status).toBe(2);
    expect(squeezed(bad.stderr)).toContain(
      squeeze(`${resource}:4: tests[0].resources "s3://demo-app-data/*" is neither * nor an ARN`),
    );
  });

  it('refuses a missing test file', () => {
    const run = runBinary(['test', ...CONFIG, '--tests', join(work, 'none.yaml'), '--no-trail']);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(squeeze('test file'));
    expect(squeezed(run.stderr)).toContain(squeeze('does not exist'));
  });
});

describe('iamtrail access, bad input', () => {
  it('refuses an action with a wildcard and a malformed --context', () => {
    const wildcard = runBinary(['access', ...CONFIG, '--account', 'demo', '--action', 's3:Get*']);
    expect(wildcard.status).toBe(2);
    expect(squeezed(wildcard.stderr)).toContain(squeeze('--action s3:Get*: give one action'));
    const context = runBinary([
      'access',
      ...CONFIG,
      '--account',
      'demo',
      '--action',
      's3:GetObject',
      '--context',
      'aws:SourceIp',
    ]);
    expect(context.status).toBe(2);
    expect(squeezed(context.stderr)).toContain(squeeze('--context "aws:SourceIp" is not KEY=VALUE[:TYPE]'));
    const typed = runBinary([
      'access',
      ...CONFIG,
      '--account',
      'demo',
      '--action',
      's3:GetObject',
      '--context',
      'aws:SourceIp=10.0.0.256:ip',
    ]);
    expect(typed.status).toBe(2);
    expect(squeezed(typed.stderr)).toContain(
      squeeze('--context "aws:SourceIp=10.0.0.256:ip": "10.0.0.256" is not an IP address or CIDR block'),
    );
  });

  it('needs --account when the config lists several', () => {
    const run = runBinary(['access', ...CONFIG, '--action', 's3:GetObject']);
    expect(run.status).toBe(2);
    expect(squeezed(run.stderr)).toContain(
      squeeze('--account is needed: the config lists 2 accounts (demo, backup)'),
    );
  });
});
