import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ActionCatalog } from '../../../src/actions/action-catalog.js';
import type { CatalogAction } from '../../../src/actions/action-catalog.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const HEADER = 'action\trecorded\tevidence\taccess_level';
const tsv = (...lines: string[]): string => `${[HEADER, ...lines].join('\n')}\n`;

describe('ActionCatalog (parsed per service prefix when first looked up)', () => {
  const catalog = ActionCatalog.fromSupportedActionsTsv(
    tsv(
      'a2c:GetJob\tunknown\tnone:\tRead',
      'S3:GetObject\tdata:AWS::S3::Object\tobserved:flaws\tRead',
      's3:ListBucket\tmanagement\tapi-operation:s3.ListObjects\tList',
      'sts:AssumeRole\tmanagement\tobserved:flaws\tWrite',
    ),
  );

  it('finds an action by name in any case, with its fields as the line gives them', () => {
    expect(catalog.get('s3:getobject')).toEqual({
      name: 'S3:GetObject',
      prefix: 's3',
      recorded: 'data',
      dataResourceType: 'AWS::S3::Object',
      evidence: { kind: 'observed', detail: 'flaws' },
      accessLevel: 'Read',
    });
    expect(catalog.get('STS:ASSUMEROLE')?.name).toBe('sts:AssumeRole');
    expect(catalog.get('s3:PutObject')).toBeUndefined();
    expect(catalog.get('ec2:RunInstances')).toBeUndefined();
    expect(catalog.get('no-colon')).toBeUndefined();
  });

  it('answers a name asked again as the first time: the same action, or none', () => {
    const first = catalog.get('s3:GETOBJECT');
    expect(first?.name).toBe('S3:GetObject');
    expect(catalog.get('s3:GETOBJECT')).toBe(first);
    expect(catalog.get('S3:GetObject')).toBe(first);
    expect(catalog.get('s3:PutObject')).toBeUndefined();
    expect(catalog.get('s3:PutObject')).toBeUndefined();
    expect(catalog.get('no-colon')).toBeUndefined();
    expect(catalog.get('no-colon')).toBeUndefined();
  });

  it('groups a prefix written in two cases, and lists every action in file order', () => {
    expect(catalog.actionsOf('S3').map((action) => action.name)).toEqual(['S3:GetObject', 's3:ListBucket']);
    expect(catalog.actions.map((action) => action.name)).toEqual([
      'a2c:GetJob',
      'S3:GetObject',
      's3:ListBucket',
      'sts:AssumeRole',
    ]);
    expect(catalog.prefixes()).toEqual(['a2c', 's3', 'sts']);
    expect(catalog.hasPrefix('STS')).toBe(true);
    expect(catalog.hasPrefix('ec2')).toBe(false);
    expect(catalog.actionsOf('ec2')).toEqual([]);
  });

  it('gives the same objects whichever way an action is reached (callers compare them by identity)', () => {
    const fresh = ActionCatalog.fromSupportedActionsTsv(
      tsv('s3:GetObject\tmanagement\tnone:\tRead', 'sts:AssumeRole\tmanagement\tnone:\tWrite'),
    );
    const viaGet = fresh.get('s3:GetObject');
    const all = fresh.actions;
    expect(all[0]).toBe(viaGet);
    expect(fresh.actionsOf('s3')[0]).toBe(viaGet);
    expect(fresh.get('sts:AssumeRole')).toBe(all[1]);
  });

  it('refuses a malformed line, naming its line: without a prefix at once, else when its prefix is looked up', () => {
    expect(() =>
      ActionCatalog.fromSupportedActionsTsv(tsv('s3:GetObject\tmanagement\tnone:\tRead', 'broken')),
    ).toThrow('cloudtrail_supported_actions.tsv line 3 is malformed: "broken"');
    const lazy = ActionCatalog.fromSupportedActionsTsv(
      tsv('s3:GetObject\tmanagement\tnone:\tRead', 'sts:AssumeRole\tsometimes\tnone:\tWrite'),
    );
    expect(lazy.get('s3:GetObject')?.recorded).toBe('management');
    expect(() => lazy.get('sts:AssumeRole')).toThrow('cloudtrail_supported_actions.tsv line 3 is malformed');
    expect(() => lazy.actions).toThrow('line 3 is malformed');
  });

  it('holds no action for a file of only its header, or an empty one', () => {
    expect(ActionCatalog.fromSupportedActionsTsv(`${HEADER}\n`).actions).toEqual([]);
    expect(ActionCatalog.fromSupportedActionsTsv('').prefixes()).toEqual([]);
  });

  it('reads the shipped file as a line-by-line parse does', () => {
    const text = readFileSync(join(REPO_ROOT, 'data/cloudtrail_supported_actions.tsv'), 'utf8');
    // The expected values, from the file's own lines with the format documented above.
    const expected = text
      .split('\n')
      .slice(1)
      .filter((line) => line.length > 0)
      .map((line): CatalogAction => {
        const [name = '', recorded = '', evidence = '', accessLevel = ''] = line.split('\t');
        const [kind = '', ...detail] = evidence.split(':');
        return {
          name,
          prefix: (name.split(':')[0] ?? '').toLowerCase(),
          recorded: (recorded.startsWith('data:') ? 'data' : recorded) as CatalogAction['recorded'],
          dataResourceType: recorded.startsWith('data:') ? recorded.slice(5) : undefined,
          evidence: { kind: kind as CatalogAction['evidence']['kind'], detail: detail.join(':') },
          accessLevel,
        };
      });
    const shipped = ActionCatalog.fromSupportedActionsTsv(text);
    // Looked up one prefix first, then all: both ways give the file's actions.
    expect(shipped.actionsOf('iam').map((action) => action.name)).toEqual(
      expected.filter((action) => action.prefix === 'iam').map((action) => action.name),
    );
    expect(shipped.actions).toEqual(expected);
    expect(shipped.prefixes()).toEqual([...new Set(expected.map((action) => action.prefix))].sort());
  });
});

describe('ActionCatalog.fromSortedBytes (a prefix found by a binary search, only its lines decoded)', () => {
  const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');
  const shippedPath = join(REPO_ROOT, 'data/cloudtrail_supported_actions.tsv');
  const shippedText = readFileSync(shippedPath, 'utf8');

  it('finds every prefix of the shipped file, with the actions a reading of the whole text gives', () => {
    const whole = ActionCatalog.fromSupportedActionsTsv(shippedText);
    const found = ActionCatalog.fromSortedBytes(readFileSync(shippedPath));
    const prefixes = whole.prefixes();
    expect(prefixes.length).toBeGreaterThan(400);
    for (const prefix of prefixes) {
      expect(found.hasPrefix(prefix), prefix).toBe(true);
      expect(found.actionsOf(prefix.toUpperCase()), prefix).toEqual(whole.actionsOf(prefix));
    }
    // Prefixes that are the start of others, or between them, or outside the file's range.
    for (const absent of ['', 'a', 'aaa', 'ec', 'ec2-', 'ec2x', 'iam-', 's', 'zzz', '~', '0'])
      expect([absent, found.hasPrefix(absent), found.actionsOf(absent)]).toEqual([absent, false, []]);
    expect(found.actions).toEqual(whole.actions);
    expect(found.prefixes()).toEqual(prefixes);
  });

  it('gives the same objects whichever way an action is reached, before and after reading the whole file', () => {
    const found = ActionCatalog.fromSortedBytes(readFileSync(shippedPath));
    const getObject = found.get('S3:GETOBJECT');
    expect(getObject?.name).toBe('s3:GetObject');
    expect(found.actionsOf('s3')).toContain(getObject);
    const all = found.actions;
    expect(all.find((action) => action.name === 's3:GetObject')).toBe(getObject);
    expect(found.get('s3:GetObject')).toBe(getObject);
    // A prefix looked up only after the whole file was read is parsed once too.
    const passRole = found.get('iam:PassRole');
    expect(all.find((action) => action.name === 'iam:PassRole')).toBe(passRole);
  });

  it('finds the first and the last prefix, prefixes that start others, long lines, and files without lines', () => {
    const long = `x${'y'.repeat(2000)}`;
    const lines = [
      'a:First\tmanagement\tnone:\tRead',
      'ec2-instance-connect:SendKey\tmanagement\tnone:\tWrite',
      'ec2:RunInstances\tmanagement\tnone:\tWrite',
      `ec2:Z${long}\tmanagement\tnone:${long}\tWrite`,
      'ec2x:Other\tunknown\tnone:\tRead',
      ...Array.from(
        { length: 300 },
        (_, index) => `m${String(index).padStart(3, '0')}:Get\tunknown\tnone:\tRead`,
      ),
      'zz:Last\tunknown\tnone:\tList',
    ];
    const found = ActionCatalog.fromSortedBytes(bytesOf(tsv(...lines)));
    const whole = ActionCatalog.fromSupportedActionsTsv(tsv(...lines));
    for (const prefix of ['a', 'ec2-instance-connect', 'ec2', 'ec2x', 'm000', 'm150', 'm299', 'zz'])
      expect(found.actionsOf(prefix), prefix).toEqual(whole.actionsOf(prefix));
    expect(found.actionsOf('ec2').map((action) => action.name)).toEqual(['ec2:RunInstances', `ec2:Z${long}`]);
    expect(found.hasPrefix('m300')).toBe(false);
    expect(ActionCatalog.fromSortedBytes(bytesOf(`${HEADER}\n`)).hasPrefix('a')).toBe(false);
    expect(ActionCatalog.fromSortedBytes(bytesOf('')).actionsOf('a')).toEqual([]);
    expect(
      ActionCatalog.fromSortedBytes(bytesOf(tsv('s3:Only\tunknown\tnone:\tRead'))).get('s3:only')?.name,
    ).toBe('s3:Only');
  });

  it("names a malformed line's number, counted in the file, and refuses a run that holds another prefix", () => {
    const filler = Array.from(
      { length: 40 },
      (_, index) => `a${String(index).padStart(2, '0')}:X\tunknown\tnone:\tRead`,
    );
    const malformed = ActionCatalog.fromSortedBytes(
      bytesOf(tsv(...filler, 's3:GetObject\tmanagement\tnone:\tRead', 's3:Put\tsometimes\tnone:\tWrite')),
    );
    expect(() => malformed.get('s3:GetObject')).toThrow(
      'cloudtrail_supported_actions.tsv line 43 is malformed: "s3:Put\\tsometimes\\tnone:\\tWrite"',
    );
    // A line of another prefix between two of s3's (an unsorted file) is found among s3's lines.
    const shuffled = ActionCatalog.fromSortedBytes(
      bytesOf(tsv('s3:A\tunknown\tnone:\tRead', 'b:X\tunknown\tnone:\tRead', 's3:C\tunknown\tnone:\tRead')),
    );
    expect(() => shuffled.actionsOf('s3')).toThrow('is not sorted by action name');
  });
});
