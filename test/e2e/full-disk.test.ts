import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { flatten, runBinary } from '../helpers/cli.js';

// A full disk is a property of the machine: this mounts a small tmpfs and runs the built binary.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-full-disk-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const REPORT = [
  '--config',
  'examples/demo/config.example.yaml',
  '--account',
  'demo',
  '--user',
  'alice',
  '--start',
  '2026-10-01',
  '--end',
  '2026-10-31',
];

describe('a full disk', () => {
  // A small tmpfs is a real full disk; mounting one needs root, so elsewhere this is skipped.
  const disk = join(work, 'small-disk');
  mkdirSync(disk);
  const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', disk]).status === 0;
  afterAll(() => {
    if (canMount) spawnSync('umount', [disk]);
  });

  it.runIf(canMount)(
    'fails with exit code 3 and "no space left on device" on a full disk, never "cannot rollback", and leaves no half-written cache',
    () => {
      const path = join(disk, 'cache.duckdb');
      // 300 KiB: not even the empty cache fits; nothing is left at the path.
      const tooSmall = runBinary([...REPORT, '--cache', path]);
      expect(tooSmall.status).toBe(3);
      expect(flatten(tooSmall.stderr)).toContain(`no space left on device to write the cache ${path}`);
      expect(tooSmall.stderr).not.toContain('cannot rollback');
      expect(readdirSync(disk)).toEqual([]);

      // 896 KiB: the cache (schema 9: its empty tables take about 800 KiB) is created, and the disk
      // fills while days are written.
      expect(spawnSync('mount', ['-o', 'remount,size=896k', disk]).status).toBe(0);
      const midway = runBinary([...REPORT, '--cache', path]);
      expect(midway.status).toBe(3);
      expect(flatten(midway.stderr)).toContain(`no space left on device to write the cache ${path}`);
      expect(midway.stderr).not.toContain('cannot rollback');
      expect(existsSync(path)).toBe(true);

      // With room again, the same cache answers as a run without any cache: no day is half there.
      expect(spawnSync('mount', ['-o', 'remount,size=16m', disk]).status).toBe(0);
      const resumed = runBinary([...REPORT, '--cache', path, '--format', 'json']);
      expect(resumed.status, resumed.stderr).toBe(0);
      const uncached = runBinary([...REPORT, '--no-cache', '--format', 'json']);
      const withoutLogs = (stdout: string): unknown => ({
        ...(JSON.parse(stdout) as object),
        logs: undefined,
      });
      expect(withoutLogs(resumed.stdout)).toEqual(withoutLogs(uncached.stdout));
    },
  );
});
