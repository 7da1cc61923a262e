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
