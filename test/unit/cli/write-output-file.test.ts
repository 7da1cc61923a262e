import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { writeOutputFile } from '../../../src/cli/write-output-file.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-output-file-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('writeOutputFile', () => {
  it('replaces a symbolic link at the path with the file; what it pointed to is left as it was', () => {
    const precious = join(work, 'precious.txt');
    writeFileSync(precious, 'keep me\n');
    const report = join(work, 'report.html');
    symlinkSync(precious, report);
    writeOutputFile(report, '<!DOCTYPE html>\n');
    expect(readFileSync(precious, 'utf8')).toBe('keep me\n');
    expect(lstatSync(report).isSymbolicLink()).toBe(false);
    expect(readFileSync(report, 'utf8')).toBe('<!DOCTYPE html>\n');
  });

  it('writes a file whole and leaves no temporary file beside it', () => {
    const path = join(work, 'junit.xml');
    writeOutputFile(path, 'first');
    writeOutputFile(path, 'second');
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a write that fails leaves no temporary file, and other files as they were', () => {
    const path = join(work, 'policy.json');
    writeOutputFile(path, 'earlier');
    // A folder (not empty) where the file would go: the rename over it fails.
    const taken = join(work, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'inside'), 'x');
    expect(() => {
      writeOutputFile(taken, 'never');
    }).toThrow();
    expect(readFileSync(join(taken, 'inside'), 'utf8')).toBe('x');
    expect(readFileSync(path, 'utf8')).toBe('earlier');
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
