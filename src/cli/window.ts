import { UsageError } from '../errors.js';
import { addDays, daysInWindow, isUtcDay, utcDayOf } from '../trail/utc-days.js';

/** A window of whole UTC days, both ends inclusive. */
export interface DayWindow {
  readonly startDay: string;
  readonly endDay: string;
}

/** Length of the default window, as in CloudTracker: the last 365 days, today included. */
export const DEFAULT_WINDOW_DAYS = 365;

/**
 * Resolves `--start` / `--end` into a window of UTC days. Defaults: `--end` today (UTC),
 * `--start` 364 days before `--end`. Bad or reversed dates are usage errors that quote the value.
 */
export function resolveWindow(
  start: string | undefined,
  end: string | undefined,
  now: Date = new Date(),
): DayWindow {
  for (const [flag, value] of [
    ['--start', start],
    ['--end', end],
  ] as const) {
    if (value !== undefined && !isUtcDay(value)) {
      throw new UsageError(`${flag} "${value}" is not a date`, {
        suggestions: [`Write ${flag} as YYYY-MM-DD, e.g. ${utcDayOf(now)}`],
      });
    }
  }
  const endDay = end ?? utcDayOf(now);
  const startDay = start ?? addDays(endDay, -(DEFAULT_WINDOW_DAYS - 1));
  if (startDay > endDay) {
    throw new UsageError(`--start ${startDay} is after --end ${endDay}`, {
      suggestions: ['Swap the two dates'],
    });
  }
  return { startDay, endDay };
}

/** Human description of a window: `2026-10-01..2026-10-31 (31 days)`. */
export function describeWindow(window: DayWindow): string {
  const days = daysInWindow(window.startDay, window.endDay);
  return `${window.startDay}..${window.endDay} (${days} day${days === 1 ? '' : 's'})`;
}
