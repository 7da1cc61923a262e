import { UsageError } from '../errors.js';
import { addDays, daysInWindow, isUtcDay, utcDayOf } from '../trail/utc-days.js';

/** A window of whole UTC days, both ends inclusive. */
export interface DayWindow {
  readonly startDay: string;
  readonly endDay: string;
}

/** A window as resolved from the flags, with what was changed to fit it in the days logs can hold. */
export interface ResolvedWindow extends DayWindow {
  /** One line per end moved into bounds, for stderr. */
  readonly notices: readonly string[];
}

/** Length of the default window, as in CloudTracker: the last 365 days, today included. */
export const DEFAULT_WINDOW_DAYS = 365;

/** CloudTrail's first day (it launched on 13 November 2013; earlier days can hold no log). */
export const CLOUDTRAIL_FIRST_DAY = '2013-11-01';

/** How messages name the two ends: the flags, or (`serve`) the query parameters. */
export interface WindowNames {
  readonly start: string;
  readonly end: string;
}

/**
 * Resolves `--start` / `--end` into a window of UTC days. Defaults: `--end` today (UTC),
 * `--start` 364 days before `--end`. Bad or reversed dates are usage errors that quote the value.
 * Logs can only hold days from {@link CLOUDTRAIL_FIRST_DAY} to tomorrow (UTC, for clocks ahead of
 * this one): an end outside them is moved to the bound with a notice, so `--end 9999-12-31` costs
 * no more than `--end` tomorrow; a window wholly outside them is a usage error. Messages name
 * the ends as `names` says (the flags by default).
 */
export function resolveWindow(
  start: string | undefined,
  end: string | undefined,
  now: Date = new Date(),
  names: WindowNames = { start: '--start', end: '--end' },
): ResolvedWindow {
  for (const [flag, value] of [
    [names.start, start],
    [names.end, end],
  ] as const) {
    if (value !== undefined && !isUtcDay(value)) {
      throw new UsageError(`${flag} "${value}" is not a date`, {
        suggestions: [`Write ${flag} as YYYY-MM-DD, e.g. ${utcDayOf(now)}`],
      });
    }
  }
  let endDay = end ?? utcDayOf(now);
  let startDay = start ?? addDays(endDay, -(DEFAULT_WINDOW_DAYS - 1));
  if (startDay > endDay) {
    throw new UsageError(`${names.start} ${startDay} is after ${names.end} ${endDay}`, {
      suggestions: ['Swap the two dates'],
    });
  }
  const tomorrow = addDays(utcDayOf(now), 1);
  if (endDay < CLOUDTRAIL_FIRST_DAY || startDay > tomorrow) {
    throw new UsageError(
      `the window ${startDay}..${endDay} holds no day CloudTrail can have logged (${CLOUDTRAIL_FIRST_DAY}..${tomorrow})`,
      {
        suggestions: [`Give ${names.start} and ${names.end} between ${CLOUDTRAIL_FIRST_DAY} and ${tomorrow}`],
      },
    );
  }
  const notices: string[] = [];
  if (startDay < CLOUDTRAIL_FIRST_DAY) {
    notices.push(
      `the window starts on ${CLOUDTRAIL_FIRST_DAY}, CloudTrail's first month, not ${startDay}: no log holds earlier days`,
    );
    startDay = CLOUDTRAIL_FIRST_DAY;
  }
  if (endDay > tomorrow) {
    notices.push(
      `the window ends on ${tomorrow} (tomorrow, UTC), not ${endDay}: no log holds later days yet`,
    );
    endDay = tomorrow;
  }
  return { startDay, endDay, notices };
}

/** Human description of a window: `2026-10-01..2026-10-31 (31 days)`. */
export function describeWindow(window: DayWindow): string {
  const days = daysInWindow(window.startDay, window.endDay);
  return `${window.startDay}..${window.endDay} (${days} day${days === 1 ? '' : 's'})`;
}
