import { describe, expect, it } from 'vitest';

import { diffActions, sortGrants } from '../../../src/analysis/action-diff.js';

/*
 * diffActions takes the grants as any list of names, or sorted once (sortGrants) from the set or
 * map a report already holds: the lines are the same for each, sorted by name in any case.
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
    ['an iterator', granted.values()],
    ['a set, sorted', sortGrants(new Set(granted))],
    ['a map keyed by the names, sorted', sortGrants(new Map(granted.map((name) => [name, { grant: name }])))],
    ['names to look up that are no Map or Set, sorted', sortGrants(lookup(granted))],
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

  it('merges the "+" lines into the granted ones wherever they fall: first, between, last, in any case', () => {
    // A small pseudo-random generator (mulberry32): the same names at each run.
    let seed = 7;
    const random = (below: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * below);
    };
    const letters = ['a', 'B', 'b', 'c', 'Z', 'z', '_', '0'];
    const name = (): string =>
      `${['s3', 'S3', 'ec2', 'iam'][random(4)]}:${Array.from({ length: 1 + random(3) }, () => letters[random(letters.length)]).join('')}`;
    // The diff's order as the README states it: by name in any case, then by code unit.
    const reference = (a: string, b: string): number =>
      a.toLowerCase() === b.toLowerCase()
        ? a < b
          ? -1
          : a > b
            ? 1
            : 0
        : a.toLowerCase() < b.toLowerCase()
          ? -1
          : 1;
    for (let round = 0; round < 200; round++) {
      const granted = Array.from({ length: random(12) }, name);
      const used = Array.from({ length: random(8) }, name);
      const isRecorded = (action: string): boolean => action.length % 2 === 0;
      const expected = [...new Set([...granted, ...used])].sort(reference).map((action) => ({
        action,
        status: used.includes(action)
          ? granted.includes(action)
            ? 'used'
            : 'ungranted'
          : isRecorded(action)
            ? 'unused'
            : 'unknown',
      }));
      expect(diffActions({ used, granted, isRecorded }), JSON.stringify({ granted, used })).toEqual(expected);
      expect(diffActions({ used, granted: sortGrants(new Set(granted)), isRecorded })).toEqual(expected);
    }
  });
});
