import { describe, expect, it } from 'vitest';

import type { AccessDocument } from '../../../src/app/policy-tests/check-access.js';
import { renderAccessText } from '../../../src/cli/render-access.js';

/*
 * `iamtrail access` over an account whose IAM data misses a policy: the principals not allowed are
 * not listed, so what is missing must be said, or "nobody may" would rest on data never read.
 */

const DEV = 'arn:aws:iam::333333333333:user/dev';
const MISSING = 'managed policy arn:aws:iam::333333333333:policy/Gone is attached but not in the file';

const document: AccessDocument = {
  schema: 'iamtrail.access/v1',
  account: { name: 't', id: '333333333333' },
  iamSource: 'file',
  scpsFile: null,
  action: 'iam:CreateUser',
  knownAction: true,
  resource: '*',
  context: [],
  scope: 'account',
  results: [],
  evaluated: 1,
  warnings: [`${DEV}: ${MISSING}`],
};

describe('renderAccessText', () => {
  it("says what limits an account's answer, the principals not listed included", () => {
    expect(renderAccessText(document).split('\n')).toEqual([
      'Account t (333333333333): 0 of 1 principal(s) allowed or inconclusive for iam:CreateUser on *',
      '',
      'What limits the answer (IAM data):',
      `  ${DEV}: ${MISSING}`,
      '',
      'Not considered: resource-based policies (a bucket, key or queue policy may allow the request, or deny it), session policies and resource control policies (they may deny it).',
      '',
    ]);
  });

  it('prints no such section when the IAM data is complete', () => {
    expect(renderAccessText({ ...document, warnings: [] })).not.toContain('What limits');
  });
});

describe('renderAccessText for one principal', () => {
  it('an implicit deny says what it rests on and what the evaluator does not read', () => {
    const text = renderAccessText({
      ...document,
      scope: 'principal',
      warnings: [],
      results: [
        {
          principalArn: DEV,
          principalType: 'user',
          name: 'dev',
          decision: 'implicitDeny',
          missingContextKeys: [],
          problems: [],
          deciding: [],
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      `Source:   ${DEV}`,
      'Action:   iam:CreateUser',
      'Resource: *',
      'Result:   implicitDeny',
      '',
      'No statement applies: nothing in its identity policies, permissions boundary or SCPs allows the request.',
      '',
      'Not considered: resource-based policies (a bucket, key or queue policy may allow the request, or deny it), session policies and resource control policies (they may deny it).',
      '',
    ]);
  });
});
