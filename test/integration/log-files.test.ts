import { mkdirSync, mkdtempSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { accountLogFolders, folderIdentity, listLogFiles } from '../../src/engines/duckdb/log-files.js';

const root = mkdtempSync(join(tmpdir(), 'iamtrail-tree-'));
const put = (path: string): void => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), '{}');
};
// Organisation trail with a prefix, single-account trail, digests, Insights, other files.
for (const day of [
  '2026/09/30',
  '2026/10/01',
  '2026/10/15',
  '2026/10/31',
  '2026/11/01',
  '2026/11/02',
  '2025/10/15',
]) {
  put(
    `prefix/AWSLogs/o-abc123/111111111111/CloudTrail/us-east-1/${day}/111111111111_CloudTrail_us-east-1_x.json.gz`,
  );
}
put('AWSLogs/222222222222/CloudTrail/eu-west-1/2026/10/10/222222222222_CloudTrail_eu-west-1_y.json');
put(
  'AWSLogs/222222222222/CloudTrail-Digest/eu-west-1/2026/10/10/222222222222_CloudTrail-Digest_eu-west-1_z.json.gz',
);
put('AWSLogs/222222222222/CloudTrail-Insight/eu-west-1/2026/10/10/insight.json.gz');
put('AWSLogs/222222222222/CloudTrail/eu-west-1/2026/10/10/notes.txt');
put('loose/events.json');

describe('listLogFiles', () => {
  it('keeps the days of the window plus the next day, in both layouts, and ignores non-log files', () => {
    const listing = listLogFiles(root, '2026-10-01', '2026-10-31');
    expect(listing.files.map((file) => [relative(root, file.path), file.folderDay])).toEqual([
      [
        'AWSLogs/222222222222/CloudTrail/eu-west-1/2026/10/10/222222222222_CloudTrail_eu-west-1_y.json',
        '2026-10-10',
      ],
      ['loose/events.json', undefined],
      [
        'prefix/AWSLogs/o-abc123/111111111111/CloudTrail/us-east-1/2026/10/01/111111111111_CloudTrail_us-east-1_x.json.gz',
        '2026-10-01',
      ],
      [
        'prefix/AWSLogs/o-abc123/111111111111/CloudTrail/us-east-1/2026/10/15/111111111111_CloudTrail_us-east-1_x.json.gz',
        '2026-10-15',
      ],
      [
        'prefix/AWSLogs/o-abc123/111111111111/CloudTrail/us-east-1/2026/10/31/111111111111_CloudTrail_us-east-1_x.json.gz',
        '2026-10-31',
      ],
      [
        'prefix/AWSLogs/o-abc123/111111111111/CloudTrail/us-east-1/2026/11/01/111111111111_CloudTrail_us-east-1_x.json.gz',
        '2026-11-01',
      ],
    ]);
    expect(listing.prunedFiles).toBe(3);
    expect(listing.ignoredFiles).toBe(3);
  });

  it('names each file by a normalised path, however the root was written', () => {
    const expected = listLogFiles(root, '2026-10-01', '2026-10-31').files.map((file) => file.path);
    expect(expected[0]).toBe(
      join(
        root,
        'AWSLogs/222222222222/CloudTrail/eu-west-1/2026/10/10/222222222222_CloudTrail_eu-west-1_y.json',
      ),
    );
    for (const written of [`${root}/`, `${root}//./`, `${join(root, 'loose', '..')}/../${basename(root)}`])
      expect(listLogFiles(written, '2026-10-01', '2026-10-31').files.map((file) => file.path)).toEqual(
        expected,
      );
    // A relative root stays relative, each path joined as path.join would.
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(listLogFiles('.', '2026-10-01', '2026-10-31').files.map((file) => file.path)).toEqual(
        expected.map((path) => relative(root, path)),
      );
      expect(listLogFiles('./loose/', '2026-10-01', '2026-10-31').files.map((file) => file.path)).toEqual([
        join('loose', 'events.json'),
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('prunes whole years and months', () => {
    expect(listLogFiles(root, '2025-10-15', '2025-10-15').files.map((file) => file.folderDay)).toEqual([
      undefined,
      '2025-10-15',
    ]);
  });
});

describe('listLogFiles on awkward trees', () => {
  it('follows a link back up the tree only once, and reports a dangling link as unreadable', () => {
    const tree = mkdtempSync(join(tmpdir(), 'iamtrail-links-'));
    mkdirSync(join(tree, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/05'), { recursive: true });
    writeFileSync(join(tree, 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/05/a.json'), '{}');
    symlinkSync(tree, join(tree, 'AWSLogs/loop'));
    symlinkSync(join(tree, 'missing'), join(tree, 'AWSLogs/dangling'));
    const listing = listLogFiles(tree, '2026-10-01', '2026-10-31');
    expect(listing.files.map((file) => relative(tree, file.path))).toEqual([
      'AWSLogs/111111111111/CloudTrail/us-east-1/2026/10/05/a.json',
    ]);
    expect(listing.unreadable).toEqual([{ path: join(tree, 'AWSLogs/dangling'), reason: 'ENOENT' }]);
  });
});

describe('folderIdentity', () => {
  it('knows a folder by its device and inode, and by its real path when the inode is no exact number or none', () => {
    const tree = mkdtempSync(join(tmpdir(), 'iamtrail-identity-'));
    const stat = statSync(tree);
    expect(folderIdentity(tree, stat)).toBe(`${stat.dev}:${stat.ino}`);
    // As Windows' 64-bit file ids come: past 2^53, two folders could share the rounded number.
    for (const ino of [2 ** 53 + 2, 0])
      expect(folderIdentity(join(tree, '.'), { dev: stat.dev, ino })).toBe(
        `path:${realpathSync.native(tree)}`,
      );
    expect(() => folderIdentity(join(tree, 'missing'), { dev: 1, ino: 0 })).toThrow(/ENOENT/);
  });
});

describe('accountLogFolders', () => {
  it("tells an organization trail's folders from an account's own, below prefixes", () => {
    expect(Object.fromEntries(accountLogFolders(root))).toEqual({
      '111111111111': { organization: true, own: false },
      '222222222222': { organization: false, own: true },
    });
  });

  it('finds both for an account in both, and works from a folder inside the layout', () => {
    const both = mkdtempSync(join(tmpdir(), 'iamtrail-layout-'));
    mkdirSync(join(both, 'AWSLogs/o-zz9/333333333333/CloudTrail/us-east-1'), { recursive: true });
    mkdirSync(join(both, 'AWSLogs/333333333333/CloudTrail/us-east-1'), { recursive: true });
    // A digest folder alone is no log folder.
    mkdirSync(join(both, 'AWSLogs/444444444444/CloudTrail-Digest/us-east-1'), { recursive: true });
    expect(Object.fromEntries(accountLogFolders(both))).toEqual({
      '333333333333': { organization: true, own: true },
    });
    expect(Object.fromEntries(accountLogFolders(join(both, 'AWSLogs/o-zz9')))).toEqual({
      '333333333333': { organization: true, own: false },
    });
    expect(
      Object.fromEntries(accountLogFolders(join(both, 'AWSLogs/333333333333/CloudTrail/us-east-1'))),
    ).toEqual({
      '333333333333': { organization: false, own: true },
    });
    expect(accountLogFolders(join(both, 'missing')).size).toBe(0);
  });

  it('finds them below a prefix of many parts', () => {
    const deep = mkdtempSync(join(tmpdir(), 'iamtrail-layout-'));
    const prefix = 'a/b/c/d/e/f/g/h/i/j';
    mkdirSync(join(deep, prefix, 'AWSLogs/555555555555/CloudTrail/us-east-1/2026/10/01'), {
      recursive: true,
    });
    mkdirSync(join(deep, prefix, 'AWSLogs/o-deep1/666666666666/CloudTrail/eu-west-1'), { recursive: true });
    expect(Object.fromEntries(accountLogFolders(deep))).toEqual({
      '555555555555': { organization: false, own: true },
      '666666666666': { organization: true, own: false },
    });
  });
});
