import { afterEach, describe, expect, it } from 'vitest';

import { toIsoTime } from '../../../src/iam/access-advisor.js';

describe('toIsoTime', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    process.env.TZ = zone;
  });

  it('reads AWS times in every form files hold them, as UTC', () => {
    expect(toIsoTime('2026-10-31T07:52:34Z')).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime('2026-10-31T07:52:34+00:00')).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime('2026-10-31T09:52:34+02:00')).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime('2026-10-31T07:52:34.127Z')).toBe('2026-10-31T07:52:34.127Z');
    // Epoch seconds (some tools write them).
    expect(toIsoTime(Date.UTC(2026, 9, 31, 7, 52, 34) / 1000)).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime(new Date(Date.UTC(2026, 9, 31, 7, 52, 34)))).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime(undefined)).toBeNull();
    expect(() => toIsoTime('yesterday')).toThrow('not a time');
  });

  it('reads a time without a zone as UTC, whatever the local time zone', () => {
    // Node reads TZ again when it changes: a local reading would give 11:52:34Z here.
    process.env.TZ = 'America/New_York';
    expect(toIsoTime('2026-10-31T07:52:34')).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime('2026-10-31T07:52:34.5')).toBe('2026-10-31T07:52:34.500Z');
    // With a space for the T, as Python's str() of a datetime writes it.
    expect(toIsoTime('2026-10-31 07:52:34')).toBe('2026-10-31T07:52:34Z');
    expect(toIsoTime('2026-10-31 07:52:34.127')).toBe('2026-10-31T07:52:34.127Z');
    expect(toIsoTime('2026-10-31 07:52:34+00:00')).toBe('2026-10-31T07:52:34Z');
  });
});
