import { describe, expect, it } from 'vitest';

import { snapshotTime } from '../../../../src/app/boundary/boundary-target.js';

/* The snapshots' times: what orders them in the cache (`boundary history`, rollback's default). */

describe('snapshotTime', () => {
  it('is ISO to the millisecond and strictly later each time, even within one millisecond', () => {
    const at = new Date('2030-01-01T00:00:00.000Z');
    const first = snapshotTime(at);
    const second = snapshotTime(at);
    expect(first).toBe('2030-01-01T00:00:00.000Z');
    expect(second).toBe('2030-01-01T00:00:00.001Z');
    expect(snapshotTime(new Date('2030-01-01T00:00:05.250Z'))).toBe('2030-01-01T00:00:05.250Z');
  });
});
