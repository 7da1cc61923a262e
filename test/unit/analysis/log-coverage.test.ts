import { describe, expect, it } from 'vitest';

import { describeSpans, summarizeCoverage } from '../../../src/analysis/log-coverage.js';
import type { DayCoverage } from '../../../src/trail/activity-summary.js';

const DEMO = { name: 'demo', id: '111111111111' };
const BACKUP = { name: 'backup', id: '222222222222' };
const WINDOW = { startDay: '2026-10-01', endDay: '2026-10-05' };

const cases: {
  name: string;
  coverage: DayCoverage[];
  expected: ReturnType<typeof summarizeCoverage>;
}[] = [
  {
    name: 'every day covered: complete, no gap',
    coverage: ['01', '02', '03', '04', '05'].map((d) => ({
      accountId: DEMO.id,
      day: `2026-10-${d}`,
      files: 2,
    })),
    expected: {
      windowDays: 5,
      complete: true,
      accounts: [
        {
          account: DEMO,
          daysWithLogs: 5,
          days: [{ startDay: '2026-10-01', endDay: '2026-10-05' }],
          gaps: [],
          files: 10,
        },
      ],
    },
  },
  {
    name: 'gaps at both ends and inside; other accounts and days outside the window ignored',
    coverage: [
      { accountId: DEMO.id, day: '2026-09-30', files: 1 },
      { accountId: DEMO.id, day: '2026-10-02', files: 3 },
      { accountId: DEMO.id, day: '2026-10-04', files: 1 },
      { accountId: BACKUP.id, day: '2026-10-01', files: 1 },
      { accountId: DEMO.id, day: '2026-10-06', files: 1 },
    ],
    expected: {
      windowDays: 5,
      complete: false,
      accounts: [
        {
          account: DEMO,
          daysWithLogs: 2,
          days: [
            { startDay: '2026-10-02', endDay: '2026-10-02' },
            { startDay: '2026-10-04', endDay: '2026-10-04' },
          ],
          gaps: [
            { startDay: '2026-10-01', endDay: '2026-10-01' },
            { startDay: '2026-10-03', endDay: '2026-10-03' },
            { startDay: '2026-10-05', endDay: '2026-10-05' },
          ],
          files: 4,
        },
      ],
    },
  },
  {
    name: 'no log at all: one gap, the whole window',
    coverage: [],
    expected: {
      windowDays: 5,
      complete: false,
      accounts: [
        {
          account: DEMO,
          daysWithLogs: 0,
          days: [],
          gaps: [{ startDay: '2026-10-01', endDay: '2026-10-05' }],
          files: 0,
        },
      ],
    },
  },
];

describe('summarizeCoverage', () => {
  it.each(cases)('$name', ({ coverage, expected }) => {
    expect(summarizeCoverage(WINDOW, [DEMO], coverage)).toEqual(expected);
  });

  it('is incomplete when any account of the question has a gap', () => {
    const coverage = ['01', '02', '03', '04', '05'].map((d) => ({
      accountId: DEMO.id,
      day: `2026-10-${d}`,
      files: 1,
    }));
    const both = summarizeCoverage(WINDOW, [DEMO, BACKUP], coverage);
    expect(both.complete).toBe(false);
    expect(both.accounts.map((entry) => entry.gaps.length)).toEqual([0, 1]);
  });

  it('describes runs of days, at most four of them', () => {
    const day = (d: number) => ({ startDay: `2026-10-0${d}`, endDay: `2026-10-0${d}` });
    expect(describeSpans([{ startDay: '2026-10-01', endDay: '2026-10-02' }, day(4)])).toBe(
      '2026-10-01..2026-10-02, 2026-10-04',
    );
    expect(describeSpans([day(1), day(3), day(5), day(7), day(9)])).toBe(
      '2026-10-01, 2026-10-03, 2026-10-05, 2026-10-07 and 1 more run(s)',
    );
  });
});
