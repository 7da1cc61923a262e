import { describe, expect, it } from 'vitest';

import { describeWindow, resolveWindow } from '../../../src/cli/window.js';
import { UsageError } from '../../../src/errors.js';

const now = new Date('2026-11-22T18:00:00Z');

describe('resolveWindow', () => {
  it('defaults to the last 365 days, today included (UTC)', () => {
    expect(resolveWindow(undefined, undefined, now)).toEqual({
      startDay: '2025-11-23',
      endDay: '2026-11-22',
    });
    expect(describeWindow(resolveWindow(undefined, undefined, now))).toBe(
      '2025-11-23..2026-11-22 (365 days)',
    );
  });
  it('takes whole days, both ends inclusive', () => {
    expect(resolveWindow('2026-10-01', '2026-10-01', now)).toEqual({
      startDay: '2026-10-01',
      endDay: '2026-10-01',
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
  ])('rejects start=%s end=%s', (start, end, message) => {
    expect(() => resolveWindow(start, end, now)).toThrow(UsageError);
    expect(() => resolveWindow(start, end, now)).toThrow(message);
  });
});
