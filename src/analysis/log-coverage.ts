import type { DayCoverage } from '../trail/activity-summary.js';
import { addDays, daysInWindow } from '../trail/utc-days.js';

/** A run of whole UTC days, both ends inclusive. */
export interface DaySpan {
  readonly startDay: string;
  readonly endDay: string;
}

/** How much of a window the logs cover for one account of the question. */
export interface AccountCoverage {
  readonly account: { readonly name: string; readonly id: string };
  /** Days of the window whose logs hold records of the account. */
  readonly daysWithLogs: number;
  /** Those days, as runs. */
  readonly days: readonly DaySpan[];
  /**
   * Days of the window without any log of the account, as runs (days after today included: they
   * have no logs yet). Nothing is known of them: they are neither activity nor inactivity.
   */
  readonly gaps: readonly DaySpan[];
  /** Log files holding its records, counted once per day they hold records of. */
  readonly files: number;
}

/** The coverage of a window for the accounts of a question. */
export interface WindowCoverage {
  /** Days in the window. */
  readonly windowDays: number;
  readonly accounts: readonly AccountCoverage[];
  /** No account has a gap: every verdict rests on every day of the window. */
  readonly complete: boolean;
}

/**
 * Sets the (account, day) pairs the logs hold against a window, for the accounts a question is
 * about: per account, the runs of days with logs and the gaps between and around them. An
 * inactivity or `-` verdict about an account with gaps rests only on its days with logs.
 */
export function summarizeCoverage(
  window: DaySpan,
  accounts: readonly { readonly name: string; readonly id: string }[],
  coverage: readonly DayCoverage[],
): WindowCoverage {
  const summaries = accounts.map((account) => {
    const files = new Map<string, number>();
    for (const entry of coverage) {
      if (entry.accountId === account.id && entry.day >= window.startDay && entry.day <= window.endDay)
        files.set(entry.day, (files.get(entry.day) ?? 0) + entry.files);
    }
    const days: DaySpan[] = [];
    const gaps: DaySpan[] = [];
    for (let day = window.startDay; day <= window.endDay; day = addDays(day, 1)) {
      const runs = files.has(day) ? days : gaps;
      const last = runs.at(-1);
      if (last !== undefined && addDays(last.endDay, 1) === day)
        runs[runs.length - 1] = { ...last, endDay: day };
      else runs.push({ startDay: day, endDay: day });
    }
    return {
      account: { name: account.name, id: account.id },
      daysWithLogs: files.size,
      days,
      gaps,
      files: [...files.values()].reduce((sum, count) => sum + count, 0),
    };
  });
  return {
    windowDays: daysInWindow(window.startDay, window.endDay),
    accounts: summaries,
    complete: summaries.every((summary) => summary.gaps.length === 0),
  };
}

/** A run of days as text: `2026-10-24` or `2026-10-24..2026-10-25`. */
export function describeSpan(span: DaySpan): string {
  return span.startDay === span.endDay ? span.startDay : `${span.startDay}..${span.endDay}`;
}

/** Runs of days as text, the first `limit` of them and how many more. */
export function describeSpans(spans: readonly DaySpan[], limit = 4): string {
  const shown = spans.slice(0, limit).map(describeSpan).join(', ');
  return spans.length > limit ? `${shown} and ${spans.length - limit} more run(s)` : shown;
}
