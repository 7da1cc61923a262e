import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  compilePrincipalPattern,
  parsePolicyTestFile,
  readPolicyTestFile,
} from '../../../../src/app/policy-tests/read-test-file.js';
import { InputDataError } from '../../../../src/errors.js';
import { REPO_ROOT } from '../../../helpers/paths.js';

/** aws-iam-tester's README example, abridged (its global section, a limit_to test with custom_context). */
const TESTER_EXAMPLE = `user_landing_account: 0123456789 # ID of AWS Account
global_exemptions: # ignored in all tests
- "^arn:aws:iam::(\\\\d{12}):user/(.*)(ADMIN|admin)(.*)$"
- "^arn:aws:iam::(\\\\d{12}):role/AWSCloudFormationStackSetExecutionRole$"
tests:
- actions:
  - "*:*"
  - iam:Create*
  expected_result: fail
  resources:
  - "*"
- actions:
  - iam:*
  expected_result: fail
  resources:
  - "*"
  limit_to:
  - "^arn:aws:iam::(\\\\d*):role/(.*)(ADMIN|admin)(.*)$"
  custom_context:
    - context_key_name: aws:MultiFactorAuthPresent
      context_key_values: false
      context_key_type: boolean
- name: worker-writes
  actions:
  - "secretsmanager:GetSecretValue"
  expected_result: succeed
  resources:
  - "arn:aws:secretsmanager:eu-central-1:{account_id}:secret:my-secret/*"
`;

describe('parsePolicyTestFile', () => {
  it("reads aws-iam-tester's format: globals, tests, limit_to, custom_context, lines", () => {
    const file = parsePolicyTestFile(TESTER_EXAMPLE, 'tests.yaml');
    expect(file.userLandingAccount).toBe('0123456789');
    expect(file.globalExemptions.map((pattern) => [pattern.source, pattern.line])).toEqual([
      ['^arn:aws:iam::(\\d{12}):user/(.*)(ADMIN|admin)(.*)$', 3],
      ['^arn:aws:iam::(\\d{12}):role/AWSCloudFormationStackSetExecutionRole$', 4],
    ]);
    expect(file.tests.map((test) => [test.index, test.name, test.line, test.expected])).toEqual([
      [0, 'test-1', 6, 'fail'],
      [1, 'test-2', 12, 'fail'],
      [2, 'worker-writes', 23, 'succeed'],
    ]);
    expect(file.tests[0]?.actions).toEqual(['*:*', 'iam:Create*']);
    expect(file.tests[1]?.context).toEqual([
      { key: 'aws:MultiFactorAuthPresent', values: ['false'], type: 'boolean' },
    ]);
    expect(file.tests[1]?.limitTo[0]?.regex.test('arn:aws:iam::111111111111:role/team-admin')).toBe(true);
    expect(file.tests[2]?.resources).toEqual([
      'arn:aws:secretsmanager:eu-central-1:{account_id}:secret:my-secret/*',
    ]);
  });

  const CONTEXT_IP =
    'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:SourceIp\n    context_key_values:\n    - 10.0.0.0/8\n    - 10.0.0.300\n    context_key_type: ipList\n';
  const bad: { name: string; text: string; message: string; suggestion?: string }[] = [
    {
      name: 'a misspelt key, with the close match',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_resut: fail\n',
      message: 't.yaml:4: unknown key "expected_resut" in tests[0]',
      suggestion: 'Did you mean "expected_result"?',
    },
    {
      name: 'an unknown top-level key',
      text: 'global_exemption: []\ntests: []\n',
      message: 't.yaml:1: unknown key "global_exemption" in the file',
      suggestion: 'Did you mean "global_exemptions"?',
    },
    {
      name: 'a wrong expected_result',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: denied\n',
      message: 't.yaml:4: tests[0].expected_result "denied" must be fail or succeed',
    },
    {
      name: 'actions not a list',
      text: 'tests:\n- actions: s3:GetObject\n  resources: ["*"]\n  expected_result: fail\n',
      message: 't.yaml:2: tests[0].actions must be a list',
    },
    {
      name: 'a missing resources key',
      text: 'tests:\n- actions: [s3:GetObject]\n  expected_result: fail\n',
      message: 't.yaml:2: tests[0].resources is missing',
    },
    {
      name: 'a placeholder other than {account_id}',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources:\n  - "arn:aws:s3:::{bucket}/*"\n  expected_result: fail\n',
      message: 't.yaml:4: tests[0].resources "arn:aws:s3:::{bucket}/*" holds {bucket}',
    },
    {
      name: 'a Python named group',
      text: 'global_limit_to:\n- "^arn:aws:iam::(?P<id>\\\\d+):role/x"\ntests: []\n',
      message:
        't.yaml:2: global_limit_to regex "^arn:aws:iam::(?P<id>\\\\d+):role/x" uses a Python named group (?P<name>...): write (?<name>...)',
    },
    {
      name: 'a regex that does not compile',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  exemptions:\n  - "role/(x"\n',
      message: 't.yaml:6: tests[0].exemptions regex "role/(x" is not a valid regular expression',
    },
    {
      name: 'an unknown context key type',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:SourceIp\n    context_key_values: 10.0.0.1\n    context_key_type: ipaddress\n',
      message: 't.yaml:8: tests[0].custom_context[0].context_key_type "ipaddress" is not a context key type',
    },
    {
      name: 'YAML that does not parse',
      text: 'tests:\n- actions: [s3:GetObject\n',
      message: 't.yaml:',
    },
    {
      name: "Python's \\A",
      text: 'global_exemptions:\n- "\\\\Aarn:aws:iam::\\\\d{12}:role/admin"\ntests: []\n',
      message:
        't.yaml:2: global_exemptions regex "\\\\Aarn:aws:iam::\\\\d{12}:role/admin" uses Python\'s \\A: write ^',
    },
    {
      name: "Python's \\z",
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  limit_to:\n  - "arn:aws:iam::\\\\d{12}:role/admin\\\\z"\n',
      message:
        't.yaml:6: tests[0].limit_to regex "arn:aws:iam::\\\\d{12}:role/admin\\\\z" uses Python\'s \\z: write $',
    },
    {
      name: 'a resource neither * nor an ARN',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources:\n  - "*"\n  - "demo-app-data/*"\n  expected_result: fail\n',
      message: 't.yaml:5: tests[0].resources "demo-app-data/*" is neither * nor an ARN',
    },
    {
      name: 'an ARN without a resource part',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["arn:aws:iam::{account_id}"]\n  expected_result: fail\n',
      message: 't.yaml:3: tests[0].resources "arn:aws:iam::{account_id}" is neither * nor an ARN',
    },
    {
      name: 'an ip context value that is no address',
      text: CONTEXT_IP,
      message:
        't.yaml:9: tests[0].custom_context[0].context_key_values "10.0.0.300" is not an IP address or CIDR block',
    },
    {
      name: 'a boolean context value that is not true/false',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:X\n    context_key_values: yes\n    context_key_type: boolean\n',
      message: 't.yaml:7: tests[0].custom_context[0].context_key_values "yes" is not a boolean',
    },
    {
      name: 'a numeric context value that is no number',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:X\n    context_key_values: ten\n    context_key_type: numeric\n',
      message: 't.yaml:7: tests[0].custom_context[0].context_key_values "ten" is not a number',
    },
    {
      name: 'a date context value that is no date',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:X\n    context_key_values: 31/10/2026\n    context_key_type: date\n',
      message: 't.yaml:7: tests[0].custom_context[0].context_key_values "31/10/2026" is not a date',
    },
    {
      name: 'a binary context value that is not base64',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: aws:X\n    context_key_values: "not base64!"\n    context_key_type: binary\n',
      message: 't.yaml:7: tests[0].custom_context[0].context_key_values "not base64!" is not base64',
    },
    {
      name: 'an empty context key name',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: " "\n    context_key_values: x\n    context_key_type: string\n',
      message: 't.yaml:6: tests[0].custom_context[0].context_key_name is empty',
    },
    {
      name: 'an action without a service',
      text: 'tests:\n- actions: [GetObject]\n  resources: ["*"]\n  expected_result: fail\n',
      message: 't.yaml:2: tests[0].actions "GetObject" is not an action',
    },
  ];
  for (const { name, text, message, suggestion } of bad)
    it(`refuses ${name}, naming the file and line`, () => {
      let caught: unknown;
      try {
        parsePolicyTestFile(text, 't.yaml');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputDataError);
      expect((caught as InputDataError).message).toContain(message);
      expect((caught as InputDataError).exitCode).toBe(2);
      if (suggestion !== undefined) expect((caught as InputDataError).suggestions).toContain(suggestion);
    });
});

/*
 * aws-iam-tester reads its file with PyYAML's FullLoader, which resolves anchors, aliases and merge
 * keys (https://yaml.org/type/merge.html: the mapping's own keys win over merged ones, and a mapping
 * named earlier in a `<<` list wins over a later one), and lowercases expected_result.
 */
describe('parsePolicyTestFile: YAML as aws-iam-tester reads it', () => {
  it('resolves aliases where they are used: actions, resources, limit_to, a context entry', () => {
    const file = parsePolicyTestFile(
      `global_exemptions: &admins
- "arn:aws:iam::\\\\d{12}:role/admin"
tests:
- actions: &acts
  - s3:GetObject
  - s3:PutObject
  resources: &all ["*"]
  expected_result: fail
  custom_context:
  - &no-mfa
    context_key_name: aws:MultiFactorAuthPresent
    context_key_values: false
    context_key_type: boolean
- actions: *acts
  resources: *all
  expected_result: succeed
  limit_to: *admins
  custom_context:
  - *no-mfa
`,
      't.yaml',
    );
    expect(file.tests[1]?.actions).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(file.tests[1]?.resources).toEqual(['*']);
    expect(file.tests[1]?.limitTo.map((pattern) => pattern.source)).toEqual([
      'arn:aws:iam::\\d{12}:role/admin',
    ]);
    expect(file.tests[1]?.context).toEqual([
      { key: 'aws:MultiFactorAuthPresent', values: ['false'], type: 'boolean' },
    ]);
  });

  it("merges <<: the test's own keys win, then the first mapping named", () => {
    const file = parsePolicyTestFile(
      `tests:
- &base
  name: base
  actions: [s3:GetObject]
  resources: ["*"]
  expected_result: fail
- &other
  name: other
  actions: [iam:CreateUser]
  resources: ["arn:aws:iam::{account_id}:user/x"]
  expected_result: fail
- <<: *base
  name: derived
  expected_result: succeed
- <<: [*other, *base]
  name: both
`,
      't.yaml',
    );
    expect(
      file.tests.map((test) => [test.name, test.line, test.actions, test.resources, test.expected]),
    ).toEqual([
      ['base', 3, ['s3:GetObject'], ['*'], 'fail'],
      ['other', 8, ['iam:CreateUser'], ['arn:aws:iam::{account_id}:user/x'], 'fail'],
      ['derived', 12, ['s3:GetObject'], ['*'], 'succeed'],
      ['both', 15, ['iam:CreateUser'], ['arn:aws:iam::{account_id}:user/x'], 'fail'],
    ]);
  });

  it('reads a mapping merged many times over once (an alias bomb parses at once)', () => {
    const levels = Array.from(
      { length: 12 },
      (_, level) =>
        `- &m${level + 1}\n  <<: [${Array.from({ length: 10 }, () => `*m${level}`).join(', ')}]\n`,
    );
    const text = `tests:\n- &m0\n  actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n${levels.join('')}`;
    const started = Date.now();
    const file = parsePolicyTestFile(text, 't.yaml');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(file.tests).toHaveLength(13);
    expect(file.tests[12]?.actions).toEqual(['s3:GetObject']);
  });

  it('reads expected_result in any case, as the tester lowercases it', () => {
    const file = parsePolicyTestFile(
      'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: Fail\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: SUCCEED\n',
      't.yaml',
    );
    expect(file.tests.map((test) => test.expected)).toEqual(['fail', 'succeed']);
  });

  const refused: { name: string; text: string; message: string }[] = [
    {
      name: 'an unknown key in a merged mapping, at its line',
      text: 'tests:\n- &base\n  actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n  expectd: x\n- <<: *base\n',
      message: 't.yaml:6: unknown key "expectd" in tests[0]',
    },
    {
      name: 'a merge of something that is no mapping',
      text: 'tests:\n- actions: &acts [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n- <<: *acts\n',
      message: 't.yaml:2: << in tests[1] must name a mapping (<<: *anchor)',
    },
    {
      name: 'a mapping merged into itself',
      text: 'tests: &all\n- <<: *all\n',
      message: 't.yaml:2: << in tests[0] merges a mapping into itself',
    },
    {
      name: 'a test merging itself',
      text: 'tests:\n- &t\n  <<: *t\n  actions: [s3:GetObject]\n',
      message: 't.yaml:3: << in tests[0] merges a mapping into itself',
    },
    {
      name: 'an aliased value of the wrong kind, at the line it is written',
      text: 'tests:\n- name: &first first\n  actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: fail\n- actions: *first\n  resources: ["*"]\n  expected_result: fail\n',
      message: 't.yaml:2: tests[1].actions must be a list',
    },
    {
      name: 'an expected_result neither fail nor succeed in any case, quoted as written',
      text: 'tests:\n- actions: [s3:GetObject]\n  resources: ["*"]\n  expected_result: Denied\n',
      message: 't.yaml:4: tests[0].expected_result "Denied" must be fail or succeed',
    },
  ];
  for (const { name, text, message } of refused)
    it(`refuses ${name}`, () => {
      expect(() => parsePolicyTestFile(text, 't.yaml')).toThrow(message);
    });
});

describe("the demo's test file", () => {
  it('parses, with fail tests and a succeed test', () => {
    const file = readPolicyTestFile(join(REPO_ROOT, 'examples/policy-tests/demo.yaml'));
    expect(file.tests.map((test) => [test.name, test.expected])).toEqual([
      ['no-iam-user-management', 'fail'],
      ['no-new-access-keys', 'fail'],
      ['developers-use-app-buckets', 'succeed'],
      ['readonly-needs-mfa', 'fail'],
      ['app-buckets-stay', 'fail'],
    ]);
  });
});

describe('compilePrincipalPattern', () => {
  it("matches at the start only, as Python's re.match", () => {
    const regex = compilePrincipalPattern('arn:aws:iam::\\d{12}:role/admin');
    expect(regex).toBeInstanceOf(RegExp);
    expect((regex as RegExp).test('arn:aws:iam::111111111111:role/admin-2')).toBe(true);
    expect((regex as RegExp).test('x-arn:aws:iam::111111111111:role/admin')).toBe(false);
  });

  it('refuses Python-only syntax with the JavaScript spelling', () => {
    expect(compilePrincipalPattern('role/(?P<n>x)')).toEqual({
      error: 'uses a Python named group (?P<name>...): write (?<name>...)',
    });
    expect(compilePrincipalPattern('role/x\\Z')).toEqual({ error: "uses Python's \\Z: write $" });
    expect(compilePrincipalPattern('role/x\\z')).toEqual({ error: "uses Python's \\z: write $" });
    expect(compilePrincipalPattern('\\Arole/x')).toEqual({
      error: "uses Python's \\A: write ^ (the pattern is anchored at the start anyway)",
    });
  });

  it('takes an escaped backslash before A or z as written', () => {
    // `\\z` is a backslash then the letter z: no Python anchor.
    const regex = compilePrincipalPattern('role/a\\\\z');
    expect(regex).toBeInstanceOf(RegExp);
    expect((regex as RegExp).test('role/a\\z')).toBe(true);
  });

  it('accepts context values of their type', () => {
    const text = (type: string, value: string) =>
      `tests:\n- actions: [s3:GetObject]\n  resources: ["arn:aws:s3:::b-{account_id}/*"]\n  expected_result: fail\n  custom_context:\n  - context_key_name: k\n    context_key_values: ${value}\n    context_key_type: ${type}\n`;
    const accepted: [string, string][] = [
      ['ip', '10.0.0.1'],
      ['ip', '2001:db8::/32'],
      ['boolean', 'TRUE'],
      ['numeric', '-1.5e3'],
      ['date', '2026-10-31T12:00:00Z'],
      ['date', '1793404800'],
      ['binary', 'aGVsbG8='],
      ['string', '"anything at all"'],
    ];
    for (const [type, value] of accepted)
      expect(parsePolicyTestFile(text(type, value), 't.yaml').tests[0]?.context[0]?.type).toBe(type);
  });
});
