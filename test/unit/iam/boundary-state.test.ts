import { describe, expect, it } from 'vitest';

import { sortPolicyVersions, tagLimitViolations, versionToDelete } from '../../../src/iam/boundary-state.js';
import type { PrincipalTag } from '../../../src/iam/boundary-state.js';

const version = (id: string, isDefault = false) => ({ id, isDefault });
const tags = (count: number, prefix: string): PrincipalTag[] =>
  Array.from({ length: count }, (_, index) => ({ key: `${prefix}${index}`, value: 'x' }));

describe('versionToDelete', () => {
  const cases: {
    name: string;
    versions: { id: string; isDefault: boolean }[];
    expected: string | undefined;
  }[] = [
    {
      name: 'none below five versions',
      versions: [version('v1', true), version('v2'), version('v3'), version('v4')],
      expected: undefined,
    },
    {
      name: 'the oldest when it is not the default',
      versions: [version('v1'), version('v2'), version('v3'), version('v4'), version('v5', true)],
      expected: 'v1',
    },
    {
      name: 'the next oldest when the oldest is the default',
      versions: [version('v1', true), version('v2'), version('v3'), version('v4'), version('v5')],
      expected: 'v2',
    },
    {
      name: 'by version number, not by the order listed nor as text (v10 after v9)',
      versions: [version('v10'), version('v12', true), version('v9'), version('v11'), version('v13')],
      expected: 'v9',
    },
  ];
  it.each(cases)('$name', ({ versions, expected }) => {
    expect(versionToDelete(versions)?.id).toBe(expected);
  });

  it('sorts versions oldest first by number', () => {
    expect(
      sortPolicyVersions([version('v10'), version('v2'), version('v9')]).map((entry) => entry.id),
    ).toEqual(['v2', 'v9', 'v10']);
  });
});

describe('tagLimitViolations', () => {
  const cases: { name: string; existing: PrincipalTag[]; added: PrincipalTag[]; expected: string[] }[] = [
    { name: 'nothing wrong', existing: tags(10, 'a'), added: tags(40, 'b'), expected: [] },
    {
      name: 'one tag too many, counting the existing ones',
      existing: tags(10, 'a'),
      added: tags(41, 'b'),
      expected: ['51 tags once added (10 kept of 10 existing, 41 added); IAM allows 50'],
    },
    {
      name: 'a key already there, in another case, replaces it (IAM keys of users and roles ignore case)',
      existing: tags(50, 'a'),
      added: [{ key: 'A0', value: 'new' }],
      expected: [],
    },
    {
      name: 'the longest key and value IAM allows',
      existing: [],
      added: [{ key: 'k'.repeat(128), value: 'v'.repeat(256) }],
      expected: [],
    },
    {
      name: 'a key and a value one character too long',
      existing: [],
      added: [{ key: 'k'.repeat(129), value: 'v'.repeat(257) }],
      expected: [
        `tag key "${'k'.repeat(129)}" has 129 characters (IAM allows 128)`,
        `the value of tag "${'k'.repeat(129)}" has 257 characters (IAM allows 256)`,
      ],
    },
    {
      name: 'one key twice, without case',
      existing: [],
      added: [
        { key: 'iamtrail:window', value: 'a' },
        { key: 'IAMTRAIL:WINDOW', value: 'b' },
      ],
      expected: ['tag key "IAMTRAIL:WINDOW" is given twice'],
    },
    {
      name: 'an empty key, a reserved key, characters IAM refuses',
      existing: [],
      added: [
        { key: '', value: 'x' },
        { key: 'AWS:cloudformation', value: 'x' },
        { key: 'iamtrail:granted', value: 's3,ec2' },
      ],
      expected: [
        'a tag key is empty',
        'tag key "AWS:cloudformation" starts with "aws:", which AWS reserves',
        'the value of tag "iamtrail:granted" ("s3,ec2") has a character IAM does not allow (letters, digits, spaces, _.:/=+-@)',
      ],
    },
    {
      name: 'the characters IAM allows, an empty value, and letters of any script',
      existing: [],
      added: [
        { key: 'iamtrail:window', value: '2026-09-01T00:00Z/2026-11-30 +@_=.' },
        { key: 'équipe', value: '' },
      ],
      expected: [],
    },
  ];
  it.each(cases)('$name', ({ existing, added, expected }) => {
    expect(tagLimitViolations(existing, added)).toEqual(expected);
  });
});
