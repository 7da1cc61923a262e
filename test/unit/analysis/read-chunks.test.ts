import { describe, expect, it } from 'vitest';

import {
  bytesPerScannedDay,
  chunkDays,
  EXTRA_SCANNED_DAYS,
  maxChunkDays,
  planDayChunks,
  splitAccounts,
} from '../../../src/analysis/read-chunks.js';
import { LOOKBACK_DAYS } from '../../../src/trail/activity-summary.js';
import type { DayChunk } from '../../../src/analysis/read-chunks.js';

/** Every day of some chunks, in order: what the chunks must cover exactly. */
function daysOf(chunks: readonly DayChunk[]): string[] {
  const days: string[] = [];
  for (const chunk of chunks)
    for (
      let time = Date.parse(`${chunk.startDay}T00:00:00Z`);
      time <= Date.parse(`${chunk.endDay}T00:00:00Z`);
      time += 86_400_000
    )
      days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

const cases: {
  name: string;
  ranges: DayChunk[];
  maxDays?: number;
  expected: DayChunk[];
}[] = [
  {
    name: 'a range within one month is one chunk',
    ranges: [{ startDay: '2026-03-05', endDay: '2026-03-20' }],
    expected: [{ startDay: '2026-03-05', endDay: '2026-03-20' }],
  },
  {
    name: '120 days from mid-January cut at each month end (February of a common year has 28 days)',
    // 2026-01-15 + 119 days = 2026-05-14
    ranges: [{ startDay: '2026-01-15', endDay: '2026-05-14' }],
    expected: [
      { startDay: '2026-01-15', endDay: '2026-01-31' },
      { startDay: '2026-02-01', endDay: '2026-02-28' },
      { startDay: '2026-03-01', endDay: '2026-03-31' },
      { startDay: '2026-04-01', endDay: '2026-04-30' },
      { startDay: '2026-05-01', endDay: '2026-05-14' },
    ],
  },
  {
    name: 'a leap February ends on the 29th; a year end is a month end',
    ranges: [{ startDay: '2023-12-30', endDay: '2024-03-01' }],
    expected: [
      { startDay: '2023-12-30', endDay: '2023-12-31' },
      { startDay: '2024-01-01', endDay: '2024-01-31' },
      { startDay: '2024-02-01', endDay: '2024-02-29' },
      { startDay: '2024-03-01', endDay: '2024-03-01' },
    ],
  },
  {
    name: 'separate ranges never share a chunk, even within a month',
    ranges: [
      { startDay: '2026-06-01', endDay: '2026-06-03' },
      { startDay: '2026-06-10', endDay: '2026-07-02' },
    ],
    expected: [
      { startDay: '2026-06-01', endDay: '2026-06-03' },
      { startDay: '2026-06-10', endDay: '2026-06-30' },
      { startDay: '2026-07-01', endDay: '2026-07-02' },
    ],
  },
  {
    name: 'maxDays cuts within a month, restarting at each month start',
    ranges: [{ startDay: '2026-04-25', endDay: '2026-05-12' }],
    maxDays: 5,
    expected: [
      { startDay: '2026-04-25', endDay: '2026-04-29' },
      { startDay: '2026-04-30', endDay: '2026-04-30' },
      { startDay: '2026-05-01', endDay: '2026-05-05' },
      { startDay: '2026-05-06', endDay: '2026-05-10' },
      { startDay: '2026-05-11', endDay: '2026-05-12' },
    ],
  },
  {
    name: 'maxDays 1: one chunk a day',
    ranges: [{ startDay: '2026-02-27', endDay: '2026-03-01' }],
    maxDays: 1,
    expected: [
      { startDay: '2026-02-27', endDay: '2026-02-27' },
      { startDay: '2026-02-28', endDay: '2026-02-28' },
      { startDay: '2026-03-01', endDay: '2026-03-01' },
    ],
  },
  { name: 'no ranges, no chunks', ranges: [], expected: [] },
];

describe('planDayChunks', () => {
  for (const { name, ranges, maxDays, expected } of cases)
    it(name, () => {
      const chunks = planDayChunks(ranges, maxDays);
      expect(chunks).toEqual(expected);
      // The chunks cover exactly the ranges' days, each once.
      expect(daysOf(chunks)).toEqual(daysOf(ranges));
    });

  it('refuses a maxDays that is not a whole number of days ≥ 1', () => {
    expect(() => planDayChunks([{ startDay: '2026-01-01', endDay: '2026-01-02' }], 0)).toThrow(
      'maxDays must be a whole number of days, at least 1, got 0',
    );
    expect(() => planDayChunks([{ startDay: '2026-01-01', endDay: '2026-01-02' }], 1.5)).toThrow('got 1.5');
  });
});

describe('chunkDays', () => {
  it('counts both ends', () => {
    expect(chunkDays({ startDay: '2026-01-15', endDay: '2026-01-31' })).toBe(17);
    expect(chunkDays({ startDay: '2024-02-01', endDay: '2024-02-29' })).toBe(29);
    expect(chunkDays({ startDay: '2026-03-01', endDay: '2026-03-01' })).toBe(1);
  });
});

describe('maxChunkDays', () => {
  const GB = 1024 ** 3;
  it('fits as many days as the budget holds with the two more days every query scans, at least one, none without an estimate', () => {
    // 10 GB a day under a 100 GB budget: 8 days, whose query scans 10 days (100 GB), not 9 (110 GB).
    expect(maxChunkDays(10 * GB, 100 * GB)).toBe(8);
    // 30 GB a day: 1 day (its query scans 3 days, 90 GB).
    expect(maxChunkDays(30 * GB, 100 * GB)).toBe(1);
    // A day larger than the budget: still one day, the smallest chunk.
    expect(maxChunkDays(300 * GB, 100 * GB)).toBe(1);
    expect(maxChunkDays(0, 100 * GB)).toBeUndefined();
  });

  it('measures a day from a chunk as its bytes over its days and the look-back day and the day after', () => {
    // A 3-day chunk's query reads 5 days' partitions.
    expect(bytesPerScannedDay(50 * GB, { startDay: '2026-10-01', endDay: '2026-10-03' })).toBe(10 * GB);
    // The same two days as the summary query reads: the look-back days and the day after.
    expect(EXTRA_SCANNED_DAYS).toBe(LOOKBACK_DAYS + 1);
  });
});

describe('splitAccounts', () => {
  const accounts = Array.from({ length: 10 }, (_, index) => `acct-${index}`);

  it('keeps every account in one group when the query fits', () => {
    // 1,000 + 10 × 100 = 2,000 bytes, exactly the budget.
    expect(splitAccounts(accounts, { baseBytes: 1000, bytesPerAccount: 100 }, 2000)).toEqual([accounts]);
  });

  it('splits into as few, as even groups as the budget allows, in order', () => {
    // (1,450 − 1,000) / 100 = 4 accounts a query: 10 accounts need 3 queries, of 3, 3 and 4.
    const groups = splitAccounts(accounts, { baseBytes: 1000, bytesPerAccount: 100 }, 1450);
    expect(groups).toEqual([accounts.slice(0, 3), accounts.slice(3, 6), accounts.slice(6, 10)]);
    for (const group of groups) expect(1000 + group.length * 100).toBeLessThanOrEqual(1450);
  });

  it('gives one empty group for no accounts, and refuses a budget below one account', () => {
    expect(splitAccounts([], { baseBytes: 1000, bytesPerAccount: 100 }, 1050)).toEqual([[]]);
    expect(() => splitAccounts(accounts, { baseBytes: 1000, bytesPerAccount: 100 }, 1050)).toThrow(
      'a query of 1100 bytes with one account exceeds the budget of 1050 bytes',
    );
  });
});
