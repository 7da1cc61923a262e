import { DIFF_STATUSES } from './action-diff.js';
import type { DiffStatus } from './action-diff.js';

/** How many lines of a diff have each status. */
export type DiffTotals = Readonly<Record<DiffStatus, number>>;

/** The totals of a diff: of every line, and of the lines the display filters kept. */
export interface DiffTotalsReport {
  /** Every line of the diff, before `--show-used`, `--ignore-benign`, `--ignore-unknown`. */
  readonly all: DiffTotals;
  /** The lines shown (equal to `all` without filters). */
  readonly shown: DiffTotals;
}

/** Counts the lines of each status. */
export function countDiffStatuses(lines: Iterable<{ readonly status: DiffStatus }>): DiffTotals {
  const totals: Record<DiffStatus, number> = { used: 0, unused: 0, unknown: 0, ungranted: 0 };
  for (const line of lines) totals[line.status] += 1;
  return totals;
}

/** The words of the totals line for each status, in CloudTracker's order of symbols. */
const TOTAL_WORDS: Readonly<Record<DiffStatus, string>> = {
  used: 'used',
  unused: 'unused',
  unknown: 'unknown',
  ungranted: 'not granted',
};

/** `12 used, 340 unused, 65 unknown, 2 not granted` (every status, zeros included). */
export function describeDiffTotals(totals: DiffTotals): string {
  return DIFF_STATUSES.map((status) => `${totals[status]} ${TOTAL_WORDS[status]}`).join(', ');
}

/**
 * The lines the filters hid, by status, as words (`340 unused, 65 unknown`), or `undefined` when
 * nothing was hidden.
 */
export function describeHidden(report: DiffTotalsReport): string | undefined {
  const hidden = DIFF_STATUSES.filter((status) => report.all[status] > report.shown[status]).map(
    (status) => `${report.all[status] - report.shown[status]} ${TOTAL_WORDS[status]}`,
  );
  return hidden.length === 0 ? undefined : hidden.join(', ');
}
