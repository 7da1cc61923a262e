import { addDays } from '../trail/utc-days.js';

/** A contiguous run of loaded days. */
export interface DayRange {
  readonly startDay: string;
  readonly endDay: string;
}

/** Contiguous ranges of sorted `YYYY-MM-DD` days. */
export function toRanges(days: readonly string[]): DayRange[] {
  const ranges: DayRange[] = [];
  for (const day of [...days].sort()) {
    const last = ranges.at(-1);
    if (last !== undefined && addDays(last.endDay, 1) === day)
      ranges[ranges.length - 1] = { startDay: last.startDay, endDay: day };
    else if (last?.endDay !== day) ranges.push({ startDay: day, endDay: day });
  }
  return ranges;
}
