import { describe, expect, it } from 'vitest';

import { transactionGroups } from '../../../src/cache/activity-writes.js';

const days = ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05'];
const covered = new Map(days.map((day) => [day, [{ accountId: '111111111111' }]]));

describe('transactionGroups', () => {
  it('puts every day in one transaction while their rows fit', () => {
    const rows = new Map(days.map((day, index) => [day, index * 10]));
    expect(transactionGroups(days, rows, covered)).toEqual([days]);
  });

  it('starts a new transaction before the day that would pass the limit, never splitting a day', () => {
    // 40 + 50 > 60: the third day starts the second group; the fourth (70) alone passes the limit.
    const rows = new Map([
      ['2026-10-01', 10],
      ['2026-10-02', 30],
      ['2026-10-03', 50],
      ['2026-10-04', 70],
      ['2026-10-05', 0],
    ]);
    expect(transactionGroups(days, rows, covered, 60)).toEqual([
      ['2026-10-01', '2026-10-02'],
      ['2026-10-03'],
      ['2026-10-04', '2026-10-05'],
    ]);
  });

  it('with one row a transaction, gives each day with rows its own; quiet days ride along', () => {
    const rows = new Map([
      ['2026-10-01', 0],
      ['2026-10-02', 3],
      ['2026-10-03', 0],
      ['2026-10-04', 5],
      ['2026-10-05', 1],
    ]);
    expect(transactionGroups(days, rows, covered, 1)).toEqual([
      ['2026-10-01', '2026-10-02', '2026-10-03'],
      ['2026-10-04'],
      ['2026-10-05'],
    ]);
  });

  it('leaves out days without rows and without coverage, and holds at most 1000 days', () => {
    const many = Array.from({ length: 2500 }, (_, index) => `day-${String(index).padStart(4, '0')}`);
    const groups = transactionGroups(many, new Map(), new Map(many.map((day) => [day, [{}]])));
    expect(groups.map((group) => group.length)).toEqual([1000, 1000, 500]);
    expect(transactionGroups(days, new Map([['2026-10-02', 4]]), new Map())).toEqual([['2026-10-02']]);
  });
});
