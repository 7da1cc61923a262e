import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { writeOutputFile } from '../../../src/cli/write-output-file.js';
import { REPO_ROOT } from '../../helpers/paths.js';

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

  it('a file it replaces keeps its permissions', () => {
    const path = join(work, 'audit.json');
    writeFileSync(path, 'earlier');
    chmodSync(path, 0o600);
    writeOutputFile(path, 'findings');
    expect(readFileSync(path, 'utf8')).toBe('findings');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.platform === 'win32')(
    'writes into a pipe at the path, or a link to one, as a shell does, and leaves it a pipe',
    async () => {
      const fifo = join(work, 'fifo');
      const made = spawn('mkfifo', [fifo]);
      expect(await new Promise((resolve) => made.on('close', resolve))).toBe(0);
      const link = join(work, 'to-fifo');
      symlinkSync(fifo, link);
      for (const path of [fifo, link]) {
        // The reader: a process that prints what the pipe gives it.
        const reader = spawn('cat', [fifo]);
        let read = '';
        reader.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
        // A pipe replaced by a file would leave the reader waiting: it is stopped, and reads nothing.
        const stop = setTimeout(() => reader.kill(), 5000);
        const closed = new Promise((resolve) => reader.on('close', resolve));
        writeOutputFile(path, `through ${path}\n`);
        await closed;
        clearTimeout(stop);
        expect(read).toBe(`through ${path}\n`);
      }
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    },
  );

  it.skipIf(process.platform !== 'linux')(
    '--out /dev/stdout (or a link to it) with stdout redirected to a file: written where stdout stands, between what is printed before and after; the links stay links',
    () => {
      const link = join(work, 'to-stdout');
      symlinkSync('/dev/stdout', link);
      const module = pathToFileURL(join(REPO_ROOT, 'dist/cli/write-output-file.js')).href;
      for (const path of ['/dev/stdout', link]) {
        const out = join(work, 'stdout.txt');
        const descriptor = openSync(out, 'w');
        const child = spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `process.stdout.write('before\\n'); const { writeOutputFile } = await import(${JSON.stringify(module)}); writeOutputFile(${JSON.stringify(path)}, 'report\\n'); process.stdout.write('after\\n');`,
          ],
          { stdio: ['ignore', descriptor, 'pipe'] },
        );
        closeSync(descriptor);
        expect(child.status, child.stderr.toString()).toBe(0);
        expect(readFileSync(out, 'utf8'), path).toBe('before\nreport\nafter\n');
      }
      expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
    },
  );

  it.skipIf(!existsSync('/dev/shm'))(
    'a regular file under /dev (tmpfs) is replaced whole, as any file',
    () => {
      const path = join('/dev/shm', `iamtrail-output-${process.pid}.json`);
      try {
        writeOutputFile(path, '{"a":1}\n');
        writeOutputFile(path, '{"a":2}\n');
        expect(readFileSync(path, 'utf8')).toBe('{"a":2}\n');
      } finally {
        rmSync(path, { force: true });
      }
    },
  );
});
