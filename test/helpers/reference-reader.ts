import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import type { EventMapper } from '../../src/actions/event-mapper.js';
import type { ActivityRow, DayCoverage } from '../../src/trail/activity-summary.js';
import { outcomeOf } from '../../src/trail/call-outcome.js';
import { addDays } from '../../src/trail/utc-days.js';
import { REPO_ROOT } from './paths.js';

interface RawRecord {
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  errorCode?: string;
  errorMessage?: string;
  recipientAccountId?: string;
  requestParameters?: { roleArn?: unknown } | null;
  responseElements?: { credentials?: { accessKeyId?: string } } | null;
  userIdentity?: {
    type?: string;
    arn?: string;
    accountId?: string;
    accessKeyId?: string;
    invokedBy?: string;
    userName?: string;
    sessionContext?: { sourceIdentity?: string; sessionIssuer?: { arn?: string } };
  };
}

interface Assumption {
  readonly assumerArn: string | undefined;
  readonly assumerType: string | undefined;
  readonly assumerKey: string | undefined;
}

const ASSUME_ROLE = new Set(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity']);

/** What the plain reader found. */
export interface ReferenceSummary {
  readonly rows: ActivityRow[];
  /** Per (account, day) of the window by the records, the files holding records of it; sorted. */
  readonly coverage: DayCoverage[];
  readonly unreadable: string[];
  /** The log files it read, sorted. */
  readonly read: string[];
  /**
   * The window's successful AssumeRole calls naming a role, once per credentials they issued (a
   * call logged in two accounts is one): who called (the acting identity, and for a role session
   * the identity that began its chain) and the role.
   */
  readonly assumptions: { actorArn: string; callerArn: string | null; roleArn: string; key: string }[];
}

/**
 * A deliberately plain, independent reader of a CloudTrail tree: every `.json`/`.json.gz` file
 * under a `CloudTrail` folder, gunzip, JSON.parse, `Records`, one event at a time. Tests compare
 * the engine's answers with it: two independent paths must agree.
 */
export function readTrailPlainly(root: string, startDay: string, endDay: string): ReferenceSummary {
  const groups = new Map<string, ActivityRow>();
  const assumed = new Map<string, ReferenceSummary['assumptions'][number]>();
  const unreadable: string[] = [];
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!name.startsWith('CloudTrail-')) walk(path);
      } else if (/\.json(\.gz)?$/.test(name)) files.push(path);
    }
  };
  walk(root);
  const events: RawRecord[] = [];
  const filesOf = new Map<string, Set<string>>();
  const read: string[] = [];
  for (const file of files) {
    try {
      const bytes = readFileSync(file);
      const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
      const value = JSON.parse(text) as { Records?: unknown };
      if (!Array.isArray(value.Records)) throw new Error('no Records');
      const records = value.Records as RawRecord[];
      read.push(file);
      events.push(...records);
      for (const record of records) {
        const day = (record.eventTime ?? '').slice(0, 10);
        if (day < startDay || day > endDay || record.recipientAccountId === undefined) continue;
        const key = `${record.recipientAccountId} ${day}`;
        filesOf.set(key, (filesOf.get(key) ?? new Set()).add(file));
      }
    } catch {
      unreadable.push(file);
    }
  }
  // AssumeRole calls of the window and the day before: issued key -> who called.
  const lookback = new Date(Date.parse(`${startDay}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const assumptions = new Map<string, Assumption>();
  for (const record of events) {
    const day = (record.eventTime ?? '').slice(0, 10);
    const key = record.responseElements?.credentials?.accessKeyId;
    if (day < lookback || day > endDay || record.errorCode !== undefined || key === undefined) continue;
    if (record.eventSource !== 'sts.amazonaws.com' || !ASSUME_ROLE.has(record.eventName ?? '')) continue;
    const identity = record.userIdentity ?? {};
    const actor =
      identity.type === 'AssumedRole' ? identity.sessionContext?.sessionIssuer?.arn : identity.arn;
    // The role's account's copy of a call from another account names no caller: the caller's
    // account's copy, when read, says who.
    if (identity.type === 'AWSAccount') {
      if (!assumptions.has(key))
        assumptions.set(key, { assumerArn: undefined, assumerType: undefined, assumerKey: undefined });
      continue;
    }
    assumptions.set(key, {
      assumerArn: actor ?? identity.invokedBy ?? `${identity.type ?? ''}:${identity.userName ?? ''}`,
      assumerType: identity.type,
      assumerKey: identity.accessKeyId,
    });
  }
  const callerOf = (
    sessionKey: string | undefined,
  ): { caller: string | undefined; via: string | undefined } => {
    const chain: Assumption[] = [];
    let next = sessionKey === undefined ? undefined : assumptions.get(sessionKey);
    while (next !== undefined && chain.length < 5) {
      chain.push(next);
      next =
        next.assumerType === 'AssumedRole' && next.assumerKey !== undefined
          ? assumptions.get(next.assumerKey)
          : undefined;
    }
    return { caller: chain.at(-1)?.assumerArn, via: chain.length > 1 ? chain[0]?.assumerArn : undefined };
  };
  for (const record of events) {
    const time = record.eventTime ?? '';
    const day = time.slice(0, 10);
    if (day < startDay || day > endDay) continue;
    const identity = record.userIdentity ?? {};
    const assumedRoleArn = assumedRoleOf(record);
    // An AssumeRole call by an identity without an ARN counts under its assumer's name; the role's
    // account's copy of a call from another account, under that account.
    const actorArn =
      (identity.type === 'AssumedRole' ? identity.sessionContext?.sessionIssuer?.arn : identity.arn) ??
      (assumedRoleArn === null
        ? undefined
        : identity.type === 'AWSAccount' && identity.accountId !== undefined
          ? `AWSAccount:${identity.accountId}`
          : (identity.invokedBy ??
            (identity.type === undefined || identity.userName === undefined
              ? undefined
              : `${identity.type}:${identity.userName}`)));
    if (actorArn === undefined) continue;
    const { caller, via } =
      identity.type === 'AssumedRole'
        ? callerOf(identity.accessKeyId)
        : { caller: undefined, via: undefined };
    const row: ActivityRow = {
      accountId: record.recipientAccountId ?? '',
      day,
      actorArn,
      actorType: identity.type ?? '',
      callerArn: caller ?? identity.sessionContext?.sourceIdentity ?? null,
      viaArn: via ?? null,
      eventSource: record.eventSource ?? '',
      eventName: record.eventName ?? '',
      outcome: outcomeOf(record.errorCode, record.errorMessage),
      calls: 1,
      firstSeen: time,
      lastSeen: time,
      assumedRoleArn,
    };
    const issued = record.responseElements?.credentials?.accessKeyId;
    // Once per issued credentials, under the caller when a copy names it.
    if (
      row.assumedRoleArn !== null &&
      issued !== undefined &&
      (!assumed.has(issued) || assumed.get(issued)?.actorArn.startsWith('AWSAccount:') === true)
    )
      assumed.set(issued, { actorArn, callerArn: row.callerArn, roleArn: row.assumedRoleArn, key: issued });
    const key = groupKey(row);
    const seen = groups.get(key);
    groups.set(
      key,
      seen === undefined
        ? row
        : {
            ...seen,
            calls: seen.calls + 1,
            firstSeen: time < seen.firstSeen ? time : seen.firstSeen,
            lastSeen: time > seen.lastSeen ? time : seen.lastSeen,
          },
    );
  }
  const coverage = [...filesOf]
    .map(([key, set]) => {
      const [accountId = '', day = ''] = key.split(' ');
      return { accountId, day, files: set.size };
    })
    .sort(byAccountAndDay);
  return {
    rows: sortRows([...groups.values()]),
    coverage,
    unreadable: unreadable.sort(),
    read: read.sort(),
    assumptions: [...assumed.values()],
  };
}

/** The summary's group of a row: everything but the counts and times. */
function groupKey(row: ActivityRow): string {
  return [
    row.accountId,
    row.day,
    row.actorArn,
    row.actorType,
    row.callerArn,
    row.viaArn,
    row.eventSource,
    row.eventName,
    row.outcome,
    row.assumedRoleArn,
  ].join('|');
}

/** The role a successful AssumeRole call named, when its parameter is a role's ARN. */
function assumedRoleOf(record: RawRecord): string | null {
  if (record.errorCode !== undefined || record.errorMessage !== undefined) return null;
  if (record.eventSource !== 'sts.amazonaws.com') return null;
  if (!ASSUME_ROLE.has(record.eventName ?? '')) return null;
  const role = record.requestParameters?.roleArn;
  return typeof role === 'string' && /^arn:.*:iam::.*:role\/.*$/s.test(role) ? role : null;
}

/** Rows in a canonical order, for comparisons. */
export function sortRows(rows: readonly ActivityRow[]): ActivityRow[] {
  return [...rows].sort((a, b) => (groupKey(a) < groupKey(b) ? -1 : groupKey(a) > groupKey(b) ? 1 : 0));
}

/** For every actor, the actions its successful calls used, through the shared event mapper. */
export function usedActionsByActor(rows: readonly ActivityRow[], mapper: EventMapper): Map<string, string[]> {
  const byActor = new Map<string, Set<string>>();
  for (const row of rows) {
    if (row.outcome !== 'ok') continue;
    const mapping = mapper.map(row.eventSource, row.eventName);
    const actions = byActor.get(row.actorArn) ?? new Set<string>();
    if (mapping.kind === 'action') for (const action of mapping.actions) actions.add(action);
    byActor.set(row.actorArn, actions);
  }
  return new Map(
    [...byActor.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([actor, actions]) => [actor, [...actions].sort()]),
  );
}

/** Orders coverage entries by account, then day. */
export function byAccountAndDay(a: DayCoverage, b: DayCoverage): number {
  return a.accountId === b.accountId ? a.day.localeCompare(b.day) : a.accountId.localeCompare(b.accountId);
}

let demoMonth: ReferenceSummary | undefined;
/** The demo organisation's month (examples/demo/logs, October 2026), read plainly once per worker. */
export function demoMonthPlainly(): ReferenceSummary {
  demoMonth ??= readTrailPlainly(join(REPO_ROOT, 'examples/demo/logs'), '2026-10-01', '2026-10-31');
  return demoMonth;
}

/**
 * The days of the demo's month a migration from before schema 16 forgets for their AssumeRole
 * calls, in its order, as a plain reader finds them (the days of `forgotten` gone before): each
 * day with a role session's successful AssumeRole call and the day after it (when it has logs),
 * then the other days with a successful AssumeRole call naming a role.
 */
export function demoAssumeRoleDaysBefore16(forgotten: readonly string[] = []): {
  chain: string[];
  assumeRole: string[];
} {
  const month = demoMonthPlainly();
  const gone = new Set(forgotten);
  const withLogs = new Set(month.coverage.map((entry) => entry.day));
  const sessionDays = new Set(
    month.rows
      .filter(
        (row) =>
          row.eventSource === 'sts.amazonaws.com' &&
          ASSUME_ROLE.has(row.eventName) &&
          row.outcome === 'ok' &&
          row.actorType === 'AssumedRole' &&
          !gone.has(row.day),
      )
      .map((row) => row.day),
  );
  const chain = new Set(sessionDays);
  for (const day of sessionDays) {
    const next = addDays(day, 1);
    if (withLogs.has(next) && !gone.has(next)) chain.add(next);
  }
  const assumeRole = new Set(
    month.rows
      .filter((row) => row.assumedRoleArn !== null && !gone.has(row.day) && !chain.has(row.day))
      .map((row) => row.day),
  );
  return { chain: [...chain].sort(), assumeRole: [...assumeRole].sort() };
}

/**
 * What the sessions of `roleArn` opened by one of `callerIds` (first of the chain, by ARN or by
 * sourceIdentity name) did, as the report's "Roles ... may assume" section words it:
 * `N call(s), last T` (successful calls; the last call whatever its outcome).
 */
export function describeRoleSessionUse(
  rows: readonly ActivityRow[],
  roleArn: string,
  callerIds: readonly string[],
): string {
  // Sessions the callers opened, directly or through a chain that came through one of them.
  const sessions = rows.filter(
    (row) =>
      row.actorArn === roleArn &&
      ((row.callerArn !== null && callerIds.includes(row.callerArn)) ||
        (row.viaArn !== null && callerIds.includes(row.viaArn))),
  );
  const calls = sessions.filter((row) => row.outcome === 'ok').reduce((sum, row) => sum + row.calls, 0);
  const refused = sessions.filter((row) => row.outcome !== 'ok').reduce((sum, row) => sum + row.calls, 0);
  const last =
    sessions
      .map((row) => row.lastSeen)
      .sort()
      .at(-1) ?? 'never';
  return `${calls} call(s)${refused > 0 ? `, ${refused} refused` : ''}, last ${last}`;
}
