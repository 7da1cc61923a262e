import { describe, expect, it } from 'vitest';

import { describeWindow, resolveWindow } from '../../../src/cli/window.js';
import { UsageError } from '../../../src/errors.js';

const now = new Date('2026-11-22T18:00:00Z');

describe('resolveWindow', () => {
  it('defaults to the last 365 days, today included (UTC)', () => {
    expect(resolveWindow(undefined, undefined, now)).toEqual({
      startDay: '2025-11-23',
      endDay: '2026-11-22',
      notices: [],
    });
    expect(describeWindow(resolveWindow(undefined, undefined, now))).toBe(
      '2025-11-23..2026-11-22 (365 days)',
    );
  });
  it('takes whole days, both ends inclusive', () => {
    expect(resolveWindow('2026-10-01', '2026-10-01', now)).toEqual({
      startDay: '2026-10-01',
      endDay: '2026-10-01',
      notices: [],
    });
    expect(describeWindow({ startDay: '2026-10-01', endDay: '2026-10-01' })).toBe(
      '2026-10-01..2026-10-01 (1 day)',
    );
    expect(resolveWindow(undefined, '2026-10-31', now).startDay).toBe('2025-11-01');
  });
  it.each([
    ['2026-13-01', undefined, '--start "2026-13-01" is not a date'],
    [undefined, '2026-02-30', '--end "2026-02-30" is not a date'],
    ['yesterday', undefined, '--start "yesterday" is not a date'],
    ['2026-10-31', '2026-10-01', '--start 2026-10-31 is after --end 2026-10-01'],
    [
      '2000-01-01',
      '2013-10-31',
      'the window 2000-01-01..2013-10-31 holds no day CloudTrail can have logged (2013-11-01..2026-11-23)',
    ],
    [
      '2026-11-24',
      '9999-12-31',
      'the window 2026-11-24..9999-12-31 holds no day CloudTrail can have logged (2013-11-01..2026-11-23)',
    ],
  ])('rejects start=%s end=%s', (start, end, message) => {
    expect(() => resolveWindow(start, end, now)).toThrow(UsageError);
    expect(() => resolveWindow(start, end, now)).toThrow(message);
  });
});

describe('resolveWindow bounds', () => {
  // `now` is 2026-11-22T18:00Z: tomorrow (UTC) is 2026-11-23.
  it.each([
    [
      '2000-01-01',
      '2026-10-31',
      '2013-11-01',
      '2026-10-31',
      [
        "the window starts on 2013-11-01, CloudTrail's first month, not 2000-01-01: no log holds earlier days",
      ],
    ],
    [
      '2026-10-01',
      '9999-12-31',
      '2026-10-01',
      '2026-11-23',
      ['the window ends on 2026-11-23 (tomorrow, UTC), not 9999-12-31: no log holds later days yet'],
    ],
    [
      undefined,
      '2014-01-31',
      '2013-11-01',
      '2014-01-31',
      [
        "the window starts on 2013-11-01, CloudTrail's first month, not 2013-02-01: no log holds earlier days",
      ],
    ],
    ['2013-11-01', '2026-11-23', '2013-11-01', '2026-11-23', []],
  ])('moves start=%s end=%s to %s..%s with a notice', (start, end, startDay, endDay, notices) => {
    expect(resolveWindow(start, end, now)).toEqual({ startDay, endDay, notices });
  });

  it('follows the clock it is given, near midnight UTC', () => {
    const late = new Date('2026-11-22T23:59:59Z');
    expect(resolveWindow('2026-11-01', '2026-11-30', late).endDay).toBe('2026-11-23');
    expect(resolveWindow('2026-11-01', '2026-11-30', new Date('2026-11-23T00:00:00Z')).endDay).toBe(
      '2026-11-24',
    );
  });
});
