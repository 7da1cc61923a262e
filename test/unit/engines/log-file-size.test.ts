import { describe, expect, it } from 'vitest';

import {
  DEFAULT_MAX_LOG_FILE_BYTES,
  parseMaxLogFileBytes,
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
