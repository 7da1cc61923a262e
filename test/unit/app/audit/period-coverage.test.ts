import { describe, expect, it } from 'vitest';

import { periodCoverage } from '../../../../src/app/audit/run-audit.js';
import type { AccountCoverage } from '../../../../src/analysis/log-coverage.js';

const coverageOf = (days: AccountCoverage['days']): AccountCoverage => ({
  account: { name: 'demo', id: '111111111111' },
  daysWithLogs: 0,
  days,
  gaps: [],
  files: 0,
});

/** The unused period of 7 days ending 2026-10-31 starts 2026-10-25. */
const PERIOD = '2026-10-25';

describe('periodCoverage', () => {
  const cases: {
    name: string;
    days: AccountCoverage['days'];
    window?: { startDay: string; endDay: string };
    unreadable?: boolean;
    expected: { covers: string; coversPeriod: boolean };
  }[] = [
    {
      name: 'logs on every day of the period, and before it',
      days: [{ startDay: '2026-10-01', endDay: '2026-10-31' }],
      window: { startDay: '2026-10-01', endDay: '2026-10-31' },
      expected: { covers: '2026-10-25..2026-10-31 (7 of the 7 days of the period)', coversPeriod: true },
    },
    {
      name: 'a day missing',
      days: [
        { startDay: '2026-10-25', endDay: '2026-10-27' },
        { startDay: '2026-10-29', endDay: '2026-10-31' },
      ],
      expected: {
        covers: '2026-10-25..2026-10-27, 2026-10-29..2026-10-31 (6 of the 7 days of the period)',
        coversPeriod: false,
      },
    },
    {
      name: 'a window shorter than the period',
      days: [{ startDay: '2026-10-26', endDay: '2026-10-31' }],
      window: { startDay: '2026-10-26', endDay: '2026-10-31' },
      expected: { covers: '2026-10-26..2026-10-31 (6 of the 7 days of the period)', coversPeriod: false },
    },
    {
      name: 'no log at all',
      days: [],
      expected: { covers: 'no day with logs (0 of the 7 days of the period)', coversPeriod: false },
    },
    {
      name: 'every day, but a log file unreadable',
      days: [{ startDay: '2026-10-25', endDay: '2026-10-31' }],
      unreadable: true,
      expected: {
        covers: '2026-10-25..2026-10-31 (7 of the 7 days of the period; some log files unreadable)',
        coversPeriod: false,
      },
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      expect(
        periodCoverage(
          coverageOf(entry.days),
          PERIOD,
          entry.window ?? { startDay: PERIOD, endDay: '2026-10-31' },
          7,
          entry.unreadable ?? false,
        ),
      ).toEqual(entry.expected);
    });
});
