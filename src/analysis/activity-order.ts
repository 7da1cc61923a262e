import type { IamChangeRow } from '../trail/iam-changes.js';
import type { EventCalls, RoleCallerRow } from './activity-report.js';

/*
 * The order iamtrail shows what the cache returns: the cache answers unordered, and these sort.
 * Text compares by UTF-16 code unit, as DuckDB's default collation does for the ASCII of ARNs,
 * account ids and days.
 */

/** Compares two strings by code unit (not locale), for a stable order of ids and days. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Loaded (account, day) pairs, by account then day. */
export function sortDayCoverage<T extends { readonly accountId: string; readonly day: string }>(
  rows: readonly T[],
): T[] {
  return [...rows].sort((a, b) => compareText(a.accountId, b.accountId) || compareText(a.day, b.day));
}

/**
 * A principal's activity (rows, or sums per event and outcome) by event source, event name and
 * outcome: the order its diff takes them in. The diff's sums and last calls do not depend on it,
 * but the first row of an action decides where it stands among actions that differ only in case.
 * Rows of the same event and outcome keep their order (the sort is stable): none of them comes
 * first for an action that another does not.
 */
export function sortEventCalls<T extends EventCalls>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      compareText(a.eventSource, b.eventSource) ||
      compareText(a.eventName, b.eventName) ||
      compareText(a.outcome, b.outcome),
  );
}

/**
 * Callers of roles by role, then most calls first; among equals, known callers before unknown
 * (`null`) ones, and direct sessions (`via` null) before chains.
 */
export function sortRoleCallers<T extends RoleCallerRow>(rows: readonly T[]): T[] {
  const nullsLast = (a: string | null, b: string | null): number =>
    a === b ? 0 : a === null ? 1 : b === null ? -1 : compareText(a, b);
  const nullsFirst = (a: string | null, b: string | null): number =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : compareText(a, b);
  return [...rows].sort(
    (a, b) =>
      compareText(a.roleArn, b.roleArn) ||
      b.calls - a.calls ||
      nullsLast(a.callerArn, b.callerArn) ||
      nullsFirst(a.viaArn, b.viaArn),
  );
}

/** IAM change events by time, then event id (unique), so the order is total. */
export function sortIamChanges<T extends Pick<IamChangeRow, 'eventTime' | 'eventId'>>(
  rows: readonly T[],
): T[] {
  return [...rows].sort((a, b) => compareText(a.eventTime, b.eventTime) || compareText(a.eventId, b.eventId));
}

/** Files by name. */
export function sortByFile<T extends { readonly file: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => compareText(a.file, b.file));
}
