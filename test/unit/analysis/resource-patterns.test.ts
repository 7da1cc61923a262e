import { describe, expect, it } from 'vitest';

import {
  generaliseResources,
  globCovers,
  globsIntersect,
  longestCommonPrefix,
  toGlob,
  toPolicyResource,
} from '../../../src/analysis/resource-patterns.js';

const TABLE = 'arn:aws:dynamodb:us-east-1:111122223333:table';
const BUCKETS = [
  'alpha',
  'billing',
  'customer-pii',
  'dev',
  'etl',
  'finance',
  'growth',
  'hr',
  'infra',
  'jobs',
  'kpi',
].map((name) => `arn:aws:s3:::${name}`);

const CASES: readonly {
  name: string;
  input: readonly string[];
  limit?: number;
  expected: readonly string[];
}[] = [
  { name: 'nothing seen: everything', input: [], expected: ['*'] },
  {
    name: 'S3 folders of one bucket: their common folder',
    input: [
      'arn:aws:s3:::logs-bucket/app/2026/10/*',
      'arn:aws:s3:::logs-bucket/app/2026/11/*',
      'arn:aws:s3:::logs-bucket/app/2025/*',
    ],
    expected: ['arn:aws:s3:::logs-bucket/app/*'],
  },
  {
    name: 'S3 folders sharing a name prefix but no folder: the folder above',
    input: ['arn:aws:s3:::b/logs-a/*', 'arn:aws:s3:::b/logs-b/*'],
    expected: ['arn:aws:s3:::b/*'],
  },
  {
    name: 'S3: one pattern per bucket, bucket ARNs as they are',
    input: ['arn:aws:s3:::one/x/y/*', 'arn:aws:s3:::two/*', 'arn:aws:s3:::one', 'arn:aws:s3:::one/x/z/*'],
    expected: ['arn:aws:s3:::one', 'arn:aws:s3:::one/x/*', 'arn:aws:s3:::two/*'],
  },
  {
    name: 'up to the limit: exactly, sorted, once each',
    input: [`${TABLE}/orders`, `${TABLE}/carts`, `${TABLE}/orders`],
    expected: [`${TABLE}/carts`, `${TABLE}/orders`],
  },
  {
    name: 'over the limit: the common prefix cut at a / boundary',
    input: [`${TABLE}/app-orders`, `${TABLE}/app-carts`, `${TABLE}/app-users`],
    limit: 2,
    expected: [`${TABLE}/*`],
  },
  {
    name: 'over the limit across regions: the region stays exact, one pattern per region',
    input: [
      'arn:aws:lambda:us-east-1:111122223333:function:a',
      'arn:aws:lambda:us-east-1:111122223333:function:b',
      'arn:aws:lambda:us-west-2:111122223333:function:c',
    ],
    limit: 1,
    expected: [
      'arn:aws:lambda:us-east-1:111122223333:function:*',
      'arn:aws:lambda:us-west-2:111122223333:function:c',
    ],
  },
  {
    name: 'over the limit across accounts: the account stays exact',
    input: [
      'arn:aws:sqs:us-east-1:111111111111:q1',
      'arn:aws:sqs:us-east-1:111111111111:q2',
      'arn:aws:sqs:us-east-1:222222222222:q3',
      'arn:aws:sqs:us-east-1:222222222222:q4',
    ],
    limit: 3,
    expected: ['arn:aws:sqs:us-east-1:111111111111:*', 'arn:aws:sqs:us-east-1:222222222222:*'],
  },
  {
    name: 'over the limit: one pattern per resource type, a type of one resource exact',
    input: [
      'arn:aws:lambda:us-east-1:111122223333:function:fn1',
      'arn:aws:lambda:us-east-1:111122223333:function:fn2',
      'arn:aws:lambda:us-east-1:111122223333:layer:l1:3',
    ],
    limit: 2,
    expected: [
      'arn:aws:lambda:us-east-1:111122223333:function:*',
      'arn:aws:lambda:us-east-1:111122223333:layer:l1:3',
    ],
  },
  {
    name: 'over the limit: the prefix shared after the type, cut at its last /',
    input: [`${TABLE}/app/orders`, `${TABLE}/app/carts`, `${TABLE}/app/users`],
    limit: 2,
    expected: [`${TABLE}/app/*`],
  },
  {
    name: 'over the limit: S3 buckets stay exact (a pattern of bucket names would match objects)',
    input: [...BUCKETS, 'arn:aws:s3:::alpha/data/*'],
    limit: 10,
    expected: [...BUCKETS.slice(0, 1), 'arn:aws:s3:::alpha/data/*', ...BUCKETS.slice(1)],
  },
  { name: 'a * seen: everything', input: ['*', `${TABLE}/a`], expected: ['*'] },
];

describe('generaliseResources', () => {
  for (const entry of CASES)
    it(entry.name, () => {
      expect(generaliseResources(entry.input, entry.limit)).toEqual(entry.expected);
    });

  it('the longest common prefix', () => {
    expect(longestCommonPrefix(['abcd', 'abce', 'abx'])).toBe('ab');
    expect(longestCommonPrefix([])).toBe('');
  });
});

describe('toPolicyResource and toGlob', () => {
  // IAM's literal forms of `*`, `?` and `$` in a Resource (Version 2012-10-17):
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
  it.each([
    ['arn:aws:s3:::b-star/we*rd/*', 'arn:aws:s3:::b-star/we${*}rd/*'],
    ['arn:aws:s3:::b-q/q?/*', 'arn:aws:s3:::b-q/q${?}/*'],
    ['arn:aws:s3:::b-var/${aws:username}/*', 'arn:aws:s3:::b-var/${$}{aws:username}/*'],
    ['arn:aws:s3:::b-dollar/cost$/*', 'arn:aws:s3:::b-dollar/cost${$}/*'],
    // An object at the root: the row's `*` is the wildcard of the bucket's objects.
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/*'],
    ['arn:aws:s3:::b', 'arn:aws:s3:::b'],
    [
      'arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST',
      'arn:aws:lambda:us-east-1:111122223333:function:f:${$}LATEST',
    ],
  ])('%s is written %s', (resource, pattern) => {
    expect(toPolicyResource(resource)).toBe(pattern);
  });

  it('a pattern as a glob: the escapes as their characters, a wildcard where they were a * or ?', () => {
    expect(toGlob('arn:aws:s3:::b-star/we${*}rd/*')).toBe('arn:aws:s3:::b-star/we*rd/*');
    expect(toGlob('arn:aws:s3:::b-var/${$}{aws:username}/*')).toBe('arn:aws:s3:::b-var/${aws:username}/*');
  });
});

describe('globCovers and globsIntersect', () => {
  it('a glob covers another when its wildcards absorb the other one’s', () => {
    expect(globCovers('arn:aws:s3:::b/*', 'arn:aws:s3:::b/logs/*')).toBe(true);
    expect(globCovers('arn:aws:s3:::b/logs/*', 'arn:aws:s3:::b/*')).toBe(false);
    // `?` is one character; the `*` of the other may be none or many.
    expect(globCovers('arn:aws:s3:::b/logs/?', 'arn:aws:s3:::b/logs/*')).toBe(false);
    expect(globCovers('arn:aws:s3:::b/logs/?', 'arn:aws:s3:::b/logs/?')).toBe(true);
    expect(globCovers('a*', '*')).toBe(false);
    expect(globCovers('*', '*')).toBe(true);
    expect(globCovers('arn:aws:s3:::b/x', 'arn:aws:s3:::b/?')).toBe(false);
  });

  it('two globs intersect when some string matches both', () => {
    expect(globsIntersect('arn:aws:s3:::a/x/?', 'arn:aws:s3:::a/*')).toBe(true);
    expect(globsIntersect('arn:aws:s3:::a/x/*', 'arn:aws:s3:::a/y/*')).toBe(false);
    expect(globsIntersect('*x', 'y*')).toBe(true);
    expect(globsIntersect('a?c', 'ab')).toBe(false);
  });
});
