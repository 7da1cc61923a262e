import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

import { REPO_ROOT } from '../../helpers/paths.js';

/*
 * examples/policy-tests/aws-iam-tester.yaml is aws-iam-tester's README example: it must stay valid
 * YAML and say what the README's snippets say (five tests; the values below are the README's).
 */
describe('examples/policy-tests/aws-iam-tester.yaml', () => {
  const document = parseDocument(
    readFileSync(join(REPO_ROOT, 'examples/policy-tests/aws-iam-tester.yaml'), 'utf8'),
  );
  const file = document.toJS() as {
    global_exemptions: string[];
    global_limit_to?: unknown;
    tests: Record<string, unknown>[];
  };

  it('is valid YAML with the README’s five tests', () => {
    expect(document.errors).toEqual([]);
    expect(file.global_exemptions).toHaveLength(3);
    expect(file.global_limit_to).toBeUndefined();
    expect(file.tests.map((test) => [test.expected_result, (test.actions as string[]).length])).toEqual([
      ['fail', 13],
      ['fail', 13],
      ['fail', 14],
      ['succeed', 1],
      ['succeed', 1],
    ]);
  });

  it('keeps the keys the README’s text lost: custom_context, resources, the exemption list', () => {
    expect(file.tests[1]?.custom_context).toEqual([
      {
        context_key_name: 'aws:MultiFactorAuthPresent',
        context_key_values: false,
        context_key_type: 'boolean',
      },
    ]);
    expect(file.tests[2]?.exemptions).toEqual(['^arn:aws:iam::(\\d{12}):role/(.*)_worker$']);
    expect(file.tests.map((test) => test.resources)).toEqual([
      ['*'],
      ['*'],
      ['*'],
      ['arn:aws:s3:::my_bucket/xyz/*'],
      ['arn:aws:secretsmanager:eu-central-1:{account_id}:secret:my-secret/*'],
    ]);
  });
});
