import { describe, expect, it } from 'vitest';

import { countDiffStatuses, describeDiffTotals, describeHidden } from '../../../src/analysis/diff-totals.js';
import type { DiffStatus } from '../../../src/analysis/action-diff.js';

const lines = (statuses: DiffStatus[]) =>
  statuses.map((status, index) => ({ action: `s3:A${index}`, status }));

describe('diff totals', () => {
  it('counts each status, zeros included', () => {
    const totals = countDiffStatuses(lines(['used', 'unused', 'unused', 'ungranted']));
    expect(totals).toEqual({ used: 1, unused: 2, unknown: 0, ungranted: 1 });
    expect(describeDiffTotals(totals)).toBe('1 used, 2 unused, 0 unknown, 1 not granted');
  });

  it('says what the filters hid, and nothing when they hid nothing', () => {
    const all = countDiffStatuses(lines(['used', 'unused', 'unused', 'unknown', 'ungranted']));
    const shown = countDiffStatuses(lines(['used', 'ungranted']));
    expect(describeHidden({ all, shown })).toBe('2 unused, 1 unknown');
    expect(describeHidden({ all, shown: all })).toBeUndefined();
  });
});
