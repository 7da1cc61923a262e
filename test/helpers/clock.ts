import { vi } from 'vitest';

/**
 * Runs `body` with the clock set to noon UTC of `day` (and running on from there), so that what
 * iamtrail calls "today" in an in-process run is a fixed day, not the day the test happens to run
 * (a test across midnight would otherwise disagree with itself). Only `Date` is faked: timers,
 * DuckDB and child processes run as usual.
 */
export async function onDay<T>(day: string, body: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: new Date(`${day}T12:00:00Z`) });
  try {
    return await body();
  } finally {
    vi.useRealTimers();
  }
}
