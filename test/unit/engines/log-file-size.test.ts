import { describe, expect, it } from 'vitest';

import {
  DEFAULT_MAX_LOG_FILE_BYTES,
  defaultMemoryLimitBytes,
  parseMaxLogFileBytes,
  parseDuckDbThreads,
  parseMemoryLimitBytes,
  readerObjectBytes,
} from '../../../src/engines/duckdb/log-file-size.js';
import { UsageError } from '../../../src/errors.js';

describe('parseMaxLogFileBytes', () => {
  it.each([
    [undefined, DEFAULT_MAX_LOG_FILE_BYTES],
    ['', DEFAULT_MAX_LOG_FILE_BYTES],
    ['512', 512 * 1024 * 1024],
    ['0.5', 512 * 1024],
  ])('reads IAMTRAIL_MAX_LOG_FILE_MB=%s as %i bytes', (value, bytes) => {
    expect(parseMaxLogFileBytes(value === undefined ? {} : { IAMTRAIL_MAX_LOG_FILE_MB: value })).toBe(bytes);
  });

  it.each(['0', '-1', 'lots', 'Infinity'])('refuses IAMTRAIL_MAX_LOG_FILE_MB=%s, quoting it', (value) => {
    const parse = (): number => parseMaxLogFileBytes({ IAMTRAIL_MAX_LOG_FILE_MB: value });
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(`IAMTRAIL_MAX_LOG_FILE_MB="${value}" is not a positive number of MB`);
  });

  it('defaults to 256 MiB', () => {
    expect(DEFAULT_MAX_LOG_FILE_BYTES).toBe(268_435_456);
  });
});

describe("the JSON reader's largest object for a batch", () => {
  const MiB = 1024 * 1024;
  const limit = 256 * MiB;
  it('bounds every file of the batch without inflating it: 1032 times a gzip file, a plain file its size', () => {
    // 20 KB of gzip may inflate to 20,640 KB: the next power of two from 16 MiB holds it.
    expect(readerObjectBytes([{ path: 'a.json.gz', bytes: 20_000 }], limit)).toBe(32 * MiB);
    expect(readerObjectBytes([{ path: 'a.json', bytes: 20 * MiB }], limit)).toBe(32 * MiB);
    // A gzip file read from a plain copy (a record that repeated a field): the copy's size bounds it.
    expect(
      readerObjectBytes([{ path: 'a.json.gz', bytes: 20 * MiB, readFrom: '/tmp/copy/log.json' }], limit),
    ).toBe(32 * MiB);
    for (const [files, expected] of [
      [[{ path: 'small.json.gz', bytes: 1_000 }], 16 * MiB],
      [
        [
          { path: 'small.json.gz', bytes: 1_000 },
          { path: 'large.json.gz', bytes: 100_000 },
        ],
        128 * MiB,
      ],
      [[{ path: 'huge.json.gz', bytes: 10 * MiB }], limit],
    ] as const) {
      const size = readerObjectBytes(files, limit);
      expect(size).toBe(expected);
      // Never smaller than the largest inflated size a file of the batch can have, up to the limit.
      for (const file of files)
        expect(size).toBeGreaterThanOrEqual(
          Math.min(limit, file.path.endsWith('.gz') ? file.bytes * 1032 : file.bytes),
        );
    }
  });

  it('is never more than the limit on one log file, however small', () => {
    expect(readerObjectBytes([{ path: 'a.json.gz', bytes: 1_000 }], 4 * MiB)).toBe(4 * MiB);
  });
});

describe("the local engine's DuckDB memory limit", () => {
  const MiB = 1024 * 1024;
  it('is a quarter of the machine, from 512 MiB to 4 GiB', () => {
    expect(defaultMemoryLimitBytes(24 * 1024 * MiB)).toBe(4096 * MiB);
    expect(defaultMemoryLimitBytes(6 * 1024 * MiB)).toBe(1536 * MiB);
    expect(defaultMemoryLimitBytes(1024 * MiB)).toBe(512 * MiB);
  });

  it('is set by IAMTRAIL_DUCKDB_MEMORY_MB, and a bad value is a usage error naming it', () => {
    expect(parseMemoryLimitBytes({ IAMTRAIL_DUCKDB_MEMORY_MB: '2048' }, 1024 * MiB)).toBe(2048 * MiB);
    expect(parseMemoryLimitBytes({}, 1024 * MiB)).toBe(512 * MiB);
    for (const value of ['lots', '0', '128'])
      expect(() => parseMemoryLimitBytes({ IAMTRAIL_DUCKDB_MEMORY_MB: value }, 1024 * MiB)).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: `IAMTRAIL_DUCKDB_MEMORY_MB="${value}" is not a number of MiB of at least 256`,
        }),
      );
  });
});

describe("the threads of iamtrail's DuckDB databases", () => {
  it('are one per core unless IAMTRAIL_DUCKDB_THREADS says, and a bad value is a usage error naming it', () => {
    expect(parseDuckDbThreads({}, 8)).toBe(8);
    expect(parseDuckDbThreads({ IAMTRAIL_DUCKDB_THREADS: '' }, 2)).toBe(2);
    expect(parseDuckDbThreads({ IAMTRAIL_DUCKDB_THREADS: '1' }, 8)).toBe(1);
    expect(parseDuckDbThreads({ IAMTRAIL_DUCKDB_THREADS: '16' }, 2)).toBe(16);
    for (const value of ['two', '0', '-1', '1.5'])
      expect(() => parseDuckDbThreads({ IAMTRAIL_DUCKDB_THREADS: value }, 2)).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: `IAMTRAIL_DUCKDB_THREADS="${value}" is not a whole number of threads of at least 1`,
        }),
      );
  });
});
