import { describeSpans } from '../../analysis/log-coverage.js';
import type { WindowCoverage } from '../../analysis/log-coverage.js';
import type { DayWindow } from '../../cli/window.js';
import type { EngineReporter } from '../../engines/engine.js';
import { InputDataError } from '../../errors.js';
import type { DayCoverage } from '../../trail/activity-summary.js';

/**
 * Refuses to answer about an account the logs hold nothing of in the whole window: every identity
 * would look inactive and every grant unused. Says where the logs were looked for, what they do
 * hold, and what to check.
 */
export function requireSomeLogs(
  coverage: WindowCoverage,
  held: readonly DayCoverage[],
  context: {
    readonly window: DayWindow;
    readonly today: string;
    readonly where: string;
    readonly check: string;
  },
): void {
  const { window, today } = context;
  const empty = coverage.accounts.find((entry) => entry.daysWithLogs === 0);
  if (empty === undefined) return;
  const span = `${window.startDay}..${window.endDay}`;
  if (window.startDay > today) {
    throw new InputDataError(
      `no CloudTrail log for account ${empty.account.name} (${empty.account.id}) in ${span}: the window starts after today (${today}, UTC), and no log exists yet`,
      { suggestions: [`Pick a window that starts on ${today} or earlier (--start, --end)`] },
    );
  }
  const others = new Map<string, number>();
  for (const entry of held) others.set(entry.accountId, (others.get(entry.accountId) ?? 0) + 1);
  const found =
    others.size === 0
      ? 'no log file there holds a record of any account in that window'
      : `the logs there hold records of ${[...others].map(([id, days]) => `${id} (${days} day(s))`).join(', ')} in that window`;
  throw new InputDataError(
    `no CloudTrail log for account ${empty.account.name} (${empty.account.id}) in ${span} in ${context.where}: ${found}`,
    {
      suggestions: [
        `Check ${context.check}`,
        `Check the dates: the logs must hold events of ${span} (UTC)`,
        `Check the account id of "${empty.account.name}" in the config: records name their account in recipientAccountId`,
      ],
    },
  );
}

/** One warning line per account whose logs leave days of the window uncovered. */
export function warnAboutGaps(
  coverage: WindowCoverage,
  window: DayWindow,
  today: string,
  reporter: EngineReporter,
): void {
  for (const entry of coverage.accounts) {
    if (entry.gaps.length === 0) continue;
    const missing = coverage.windowDays - entry.daysWithLogs;
    const future = window.endDay > today ? ` (days after today, ${today}, have no logs yet)` : '';
    reporter.warn(
      `no logs for account ${entry.account.name} (${entry.account.id}) on ${missing} of ${coverage.windowDays} days: ${describeSpans(entry.gaps)}${future}; "-" and inactivity rest on the other ${entry.daysWithLogs} day(s)`,
    );
  }
}
