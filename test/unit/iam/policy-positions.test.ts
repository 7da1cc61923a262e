import { describe, expect, it } from 'vitest';

import { parsePolicyDocument } from '../../../src/iam/policy-document.js';
import { statementSpan } from '../../../src/iam/policy-positions.js';

describe('statementSpan', () => {
  it('finds a statement in the stored text, also when URL-encoded, from its { to its }', () => {
    const text = [
      '{',
      '  "Version": "2012-10-17",',
      '  "Statement": [',
      '    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},',
      '    {',
      '      "Effect": "Deny",',
      '      "Action": "s3:DeleteBucket",',
      '      "Resource": "*"',
      '    }',
      '  ]',
      '}',
    ].join('\n');
    for (const source of [text, encodeURIComponent(text)]) {
      const document = parsePolicyDocument(source, 'doc');
      expect(statementSpan(document, 0)).toEqual({
        start: { line: 4, column: 5 },
        end: { line: 4, column: 58 },
        text: 'stored',
      });
      expect(statementSpan(document, 1)).toEqual({
        start: { line: 5, column: 5 },
        end: { line: 9, column: 5 },
        text: 'stored',
      });
      expect(statementSpan(document, 2)).toBeUndefined();
    }
  });

  it('prints an object document with four-space indentation, as the AWS CLI does, and a single Statement object', () => {
    const document = parsePolicyDocument(
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } },
      'doc',
    );
    // {\n    "Version": "2012-10-17",\n    "Statement": {\n        "Effect": ...\n    }\n}
    expect(statementSpan(document, 0)).toEqual({
      start: { line: 3, column: 18 },
      end: { line: 7, column: 5 },
      text: 'printed',
    });
  });
});
