import { describe, expect, it } from 'vitest';

import { expandTestActions } from '../../../../src/app/policy-tests/expand-test-actions.js';
import type { PolicyTestCase } from '../../../../src/app/policy-tests/policy-test-types.js';
import { parsePolicyTestFile } from '../../../../src/app/policy-tests/read-test-file.js';
import { loadActionData } from '../../../../src/cli/action-data.js';
import { InputDataError } from '../../../../src/errors.js';

const { catalog } = loadActionData();
function testOf(actions: string): PolicyTestCase {
  const [test] = parsePolicyTestFile(
    `# line 1\ntests:\n- actions: ${actions}\n  resources: ["*"]\n  expected_result: fail\n`,
    't.yaml',
  ).tests;
  if (test === undefined) throw new Error('no test parsed');
  return test;
}

describe('expandTestActions', () => {
  it("expands wildcards to the catalog's actions, in its spelling", () => {
    const { patterns, warnings } = expandTestActions(
      catalog,
      testOf('["iam:CreateAccessKe?", "IAM:DELETEUSER"]'),
      't.yaml',
    );
    expect(patterns).toEqual([
      { pattern: 'iam:CreateAccessKe?', actions: ['iam:CreateAccessKey'] },
      { pattern: 'IAM:DELETEUSER', actions: ['iam:DeleteUser'] },
    ]);
    expect(warnings).toEqual([]);
  });

  it("reads aws-iam-tester's *:* as every action", () => {
    const { patterns } = expandTestActions(catalog, testOf('["*:*"]'), 't.yaml');
    expect(patterns[0]?.actions.length).toBe(catalog.actions.length);
  });

  it('evaluates an unknown concrete action as written, with a warning', () => {
    const { patterns, warnings } = expandTestActions(catalog, testOf('["iam:MadeUpAction"]'), 't.yaml');
    expect(patterns).toEqual([{ pattern: 'iam:MadeUpAction', actions: ['iam:MadeUpAction'] }]);
    expect(warnings).toEqual([
      "t.yaml:3: test-1: action iam:MadeUpAction is not in iamtrail's action data (unknown-action): evaluated as written",
    ]);
  });

  it('refuses a wildcard that matches nothing, naming the line', () => {
    expect(() => expandTestActions(catalog, testOf('["nosuchservice:Get*"]'), 't.yaml')).toThrow(
      InputDataError,
    );
    expect(() => expandTestActions(catalog, testOf('["nosuchservice:Get*"]'), 't.yaml')).toThrow(
      't.yaml:3: test-1: action pattern "nosuchservice:Get*" matches no known action (unknown-service)',
    );
  });
});
