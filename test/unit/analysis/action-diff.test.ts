import { describe, expect, it } from 'vitest';

import { diffActions } from '../../../src/analysis/action-diff.js';

/*
 * diffActions takes the grants as any list of names, or as the set or map a report already holds
 * (used as it is, without a copy): the lines are the same for each, sorted by name in any case.
 */
/** Names that can be looked up, kept in a map of their own (as a wrapper of a store would). */
function lookup(names: string[]): { has(name: string): boolean; keys(): Iterable<string> } {
  const byName = new Map(names.map((name) => [name, name.length]));
  return { has: (name) => byName.has(name), keys: () => byName.keys() };
}

describe('diffActions', () => {
  const used = ['s3:GetObject', 'ec2:RunInstances', 'S3:getobject'];
  const granted = [
    's3:PutObject',
    's3:GetObject',
    'iam:PassRole',
    'ec2:DescribeInstances',
    'EC2:describeinstances',
  ];
  const recorded = new Set(['s3:PutObject', 'EC2:describeinstances']);
  const expected = [
    { action: 'EC2:describeinstances', status: 'unused' },
    { action: 'ec2:DescribeInstances', status: 'unknown' },
    { action: 'ec2:RunInstances', status: 'ungranted' },
    { action: 'iam:PassRole', status: 'unknown' },
    { action: 'S3:getobject', status: 'ungranted' },
    { action: 's3:GetObject', status: 'used' },
    { action: 's3:PutObject', status: 'unused' },
  ];

  it.each([
    ['a list', granted],
    ['a set', new Set(granted)],
    ['a map keyed by the names', new Map(granted.map((name) => [name, { grant: name }]))],
    ['an iterator', granted.values()],
    ['names to look up that are no Map or Set', lookup(granted)],
  ])('gives the same lines for grants as %s', (_kind, grants) => {
    const asked: string[] = [];
    const lines = diffActions({
      used,
      granted: grants,
      isRecorded: (action) => {
        asked.push(action);
        return recorded.has(action);
      },
    });
    expect(lines).toEqual(expected);
    // Only the names granted and not used are asked about, once each.
    expect([...asked].sort()).toEqual([
      'EC2:describeinstances',
      'ec2:DescribeInstances',
      'iam:PassRole',
      's3:PutObject',
    ]);
  });

  it('orders names that differ only in case by their code units, whatever order they came in', () => {
    const names = ['iam:GetRole', 'IAM:getrole', 'iam:getRole', 'Iam:GetRole'];
    const lines = (order: string[]) =>
      diffActions({ used: [], granted: order, isRecorded: () => true }).map((line) => line.action);
    expect(lines(names)).toEqual(['IAM:getrole', 'Iam:GetRole', 'iam:GetRole', 'iam:getRole']);
    expect(lines([...names].reverse())).toEqual(lines(names));
  });
});
