import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';
import { stringify } from 'csv-stringify/sync';

import type {
  ActionUsage,
  DeniedAction,
  EventTally,
  IdentityActivity,
  UnknownIdentity,
} from '../analysis/activity-report.js';
import { DIFF_SYMBOLS } from '../analysis/action-diff.js';
import type { DiffFilter, DiffStatus } from '../analysis/action-diff.js';
import { describeDiffTotals, describeHidden } from '../analysis/diff-totals.js';
import type { DiffTotalsReport } from '../analysis/diff-totals.js';
import { describeSpans } from '../analysis/log-coverage.js';
import type { AdvisorUse } from '../analysis/advisor-evidence.js';
import type { RoleCaller } from '../cache/activity-queries.js';
import type {
  AssumableRoleUsage,
  LogsSummary,
  OtherRoleUsed,
  ReportResult,
} from '../app/report/report-types.js';
import { describeGrantingPolicy } from '../iam/granted-by.js';

/** `iamtrail --list users|roles` as JSON (schema `iamtrail.list/v1`). */
export interface IdentityListDocument {
  readonly schema: 'iamtrail.list/v1';
  readonly account: { readonly name: string; readonly id: string };
  readonly window: { readonly start: string; readonly end: string };
  readonly type: 'user' | 'role';
  /**
   * Identities, in the analysis's order. An inactive one carries `windowIncomplete: true` when the
   * logs miss days of the window (see `logs.coverage`): it was not seen on the days with logs.
   */
  readonly identities: readonly (IdentityActivity & { readonly windowIncomplete?: true })[];
  readonly notInIam: readonly UnknownIdentity[];
  readonly logs: LogsSummary;
}

/** `iamtrail --user|--role NAME` as JSON (schema `iamtrail.diff/v1`). */
export interface PrincipalDiffDocument {
  readonly schema: 'iamtrail.diff/v1';
  readonly account: { readonly name: string; readonly id: string };
  readonly window: { readonly start: string; readonly end: string };
  readonly principal: {
    readonly type: 'user' | 'role';
    readonly name: string;
    readonly arn: string;
    readonly createDate: string | undefined;
    /**
     * `iam` for a user or role of the IAM data; `logs-only` for one seen only in the logs (the `!`
     * list of `--list`): nothing grants it anything, so every action it used is `+`.
     */
    readonly knownTo: 'iam' | 'logs-only';
  };
  readonly filter: DiffFilter;
  /** Lines per status: of the whole diff (`all`, before the filters) and of those shown. */
  readonly totals: DiffTotalsReport;
  /**
   * Action lines. An `unused` (`-`) one carries `windowIncomplete: true` when the logs miss days
   * of the window (see `logs.coverage`): it was not used on the days with logs (not one Access
   * Advisor decided: its evidence does not rest on the logs).
   */
  readonly actions: readonly (ActionUsage & { readonly symbol: string; readonly windowIncomplete?: true })[];
  /** Actions whose calls were refused for access (`AccessDenied`, `UnauthorizedOperation`, ...). */
  readonly denied: readonly DeniedAction[];
  /** Actions whose calls failed with another error (`NoSuchKey`, throttling, ...). */
  readonly failed: readonly DeniedAction[];
  readonly unmappedEvents: readonly EventTally[];
  readonly noPermissionEvents: readonly EventTally[];
  readonly dataEventTypesLogged: readonly string[];
  /** The logs hold management calls but no read-only one: unused read actions are `?`. */
  readonly writeOnlySuspected: boolean;
  /** The logs hold management calls but no write: unused write actions are `?`. */
  readonly readOnlySuspected: boolean;
  /** The `--event-selectors` file that decided what the trail records, or `null`. */
  readonly eventSelectors: string | null;
  /** `--event-selectors` given but not applied to the account judged, and why; else null. */
  readonly eventSelectorsNotApplied: string | null;
  /** `--organization-trail`, and the judged account's logs lie in its own folders (`AWSLogs/<account>/`): why a "-" may be wrong; else null. */
  readonly eventSelectorsCaution: string | null;
  /**
   * What the IAM data lacks of the principal's policies (an attached managed policy, a group, its
   * permissions boundary), one message each: the grants, and so the `-` and `+` lines, miss what
   * those policies say.
   */
  readonly iamDataProblems: readonly string[];
  /**
   * Successful `sts:GetFederationToken` calls of the principal in the window: its federated
   * sessions' calls are logged as the federated user, so no unused grant is `-` (all are `?`).
   */
  readonly federatedSessions: number;
  /**
   * With `--destrole`: the role whose sessions (opened by the principal) were compared with the
   * role's grants, and whether the principal's own policies allow assuming it.
   */
  readonly destination?: {
    readonly account: { readonly name: string; readonly id: string };
    readonly role: { readonly name: string; readonly arn: string };
    readonly assumable: boolean;
  };
  /** Without `--destrole`: the roles the principal's policies let it assume, and their use. */
  readonly assumableRoles?: readonly AssumableRoleUsage[];
  /** Roles the principal opened sessions of that its own policies do not name. */
  readonly otherRolesUsed?: readonly OtherRoleUsed[];
  /** The Access Advisor snapshot that settled `?` lines, or why none did; `null` with `--no-advisor`. */
  readonly accessAdvisor: AdvisorUse | null;
  readonly logs: LogsSummary;
}

/** `iamtrail --destrole ROLE` without `--user`/`--role` as JSON (schema `iamtrail.callers/v1`). */
export interface RoleCallersDocument {
  readonly schema: 'iamtrail.callers/v1';
  readonly account: { readonly name: string; readonly id: string };
  readonly window: { readonly start: string; readonly end: string };
  readonly role: { readonly name: string; readonly arn: string };
  /** One entry per (caller, via); `caller: null` gathers sessions nothing in the logs attributes. */
  readonly callers: readonly RoleCaller[];
  readonly logs: LogsSummary;
}

/** Any JSON document. */
export type ReportDocument = IdentityListDocument | PrincipalDiffDocument | RoleCallersDocument;

/** Builds the JSON document of a report (a principal's diff comes filtered by the application). */
export function toReportDocument(result: ReportResult): ReportDocument {
  const account = { name: result.account.name, id: result.account.id };
  const window = { start: result.window.startDay, end: result.window.endDay };
  if (result.kind === 'list') {
    return {
      schema: 'iamtrail.list/v1',
      account,
      window,
      type: result.type,
      identities: result.report.identities.map((identity) =>
        identity.unused && !result.logs.complete
          ? { ...identity, windowIncomplete: true as const }
          : identity,
      ),
      notInIam: result.report.notInIam,
      logs: result.logs,
    };
  }
  if (result.kind === 'callers') {
    return {
      schema: 'iamtrail.callers/v1',
      account,
      window,
      role: { name: result.role.name, arn: result.role.arn },
      callers: result.callers,
      logs: result.logs,
    };
  }
  return {
    schema: 'iamtrail.diff/v1',
    account,
    window,
    principal: {
      type: result.principal.type,
      name: result.principal.name,
      arn: result.principal.arn,
      createDate: result.principal.createDate,
      knownTo: result.logsOnly === true ? 'logs-only' : 'iam',
    },
    filter: result.filter,
    totals: result.report.totals,
    actions: result.report.actions.map((line) => ({
      ...line,
      symbol: DIFF_SYMBOLS[line.status],
      ...(line.status === 'unused' &&
      !result.logs.complete &&
      !line.evidence.kind.startsWith('access-advisor:')
        ? { windowIncomplete: true as const }
        : {}),
    })),
    denied: result.report.denied,
    failed: result.report.failed,
    unmappedEvents: result.report.unmappedEvents,
    noPermissionEvents: result.report.noPermissionEvents,
    dataEventTypesLogged: result.report.dataEventTypesLogged,
    writeOnlySuspected: result.report.writeOnlySuspected,
    readOnlySuspected: result.report.readOnlySuspected,
    eventSelectors: result.report.eventSelectors,
    eventSelectorsNotApplied: result.eventSelectorsNotApplied ?? null,
    eventSelectorsCaution: result.eventSelectorsCaution ?? null,
    iamDataProblems: result.report.iamDataProblems,
    federatedSessions: result.report.federatedSessions,
    ...(result.destination === undefined
      ? {}
      : {
          destination: {
            account: { name: result.destination.account.name, id: result.destination.account.id },
            role: { name: result.destination.role.name, arn: result.destination.role.arn },
            assumable: result.destination.assumable,
          },
        }),
    ...(result.assumableRoles === undefined ? {} : { assumableRoles: result.assumableRoles }),
    ...(result.otherRolesUsed === undefined ? {} : { otherRolesUsed: result.otherRolesUsed }),
    accessAdvisor: result.accessAdvisor,
    logs: result.logs,
  };
}

/**
 * A caller as text: an IAM ARN of the same account shortened to `user/alice`, of another account
 * to `111111111111:user/alice`; service names and sourceIdentity values as they are.
 */
export function shortIdentity(identity: string | null, accountId: string): string {
  if (identity === null) return '(unknown caller)';
  const match = /^arn:aws[\w-]*:iam::(\d{12}):(.+)$/.exec(identity);
  if (match === null) return identity;
  return match[1] === accountId ? (match[2] ?? identity) : `${match[1] ?? ''}:${match[2] ?? ''}`;
}

function describeCaller(caller: string | null, via: string | null, accountId: string): string {
  return `${shortIdentity(caller, accountId)}${via === null ? '' : ` via ${shortIdentity(via, accountId)}`}`;
}

/** What the sessions of a role assumed but not active did: refused calls, or none logged. */
function refusedOnly(refusedCalls: number): string {
  return refusedCalls > 0
    ? `its sessions' ${refusedCalls} call(s) were all refused`
    : 'no logged call in its sessions';
}

/** `, 2 refused` after a count of successful calls, or nothing when none was refused. */
function refused(count: number): string {
  return count > 0 ? `, ${count} refused` : '';
}

/**
 * A role's use in the window: the calls of its sessions, or, when they made none the trail logs,
 * the principal's AssumeRole calls that opened them.
 */
function describeRoleUse(role: {
  readonly calls: number;
  readonly refusedCalls: number;
  readonly assumptions: number;
  readonly lastSeen: string | undefined;
}): string {
  const last = `last ${role.lastSeen ?? ''}`;
  if (role.calls + role.refusedCalls === 0 && role.assumptions > 0)
    return `assumed ${role.assumptions} time(s), no logged call in its sessions, ${last}`;
  return `${role.calls} call(s)${refused(role.refusedCalls)}, ${last}`;
}

function renderAssumableRoles(document: PrincipalDiffDocument, palette: ChalkInstance): string[] {
  const roles = document.assumableRoles ?? [];
  const others = document.otherRolesUsed ?? [];
  if (roles.length === 0 && others.length === 0) return [];
  const lines = [
    '',
    `Roles ${document.principal.name} may assume (sts:AssumeRole in its policies) and their use in the window:`,
  ];
  const label = (role: AssumableRoleUsage): string =>
    role.account.id === document.account.id ? role.name : `${role.name} (${role.account.name})`;
  const rows = [
    ...roles.map((role) => ({
      symbol: role.used ? ' ' : '-',
      name: label(role),
      detail: role.used ? describeRoleUse(role) : 'not assumed in the window',
      suffix: role.conditional ? '  [conditional]' : '',
    })),
    ...others.map((role) => ({
      symbol: '+',
      name: shortIdentity(role.arn, document.account.id),
      detail: `${describeRoleUse(role)}; not named by its policies`,
      suffix: '',
    })),
  ];
  if (roles.length === 0) lines.push('  (none)');
  const width = Math.max(...rows.map((row) => row.name.length));
  for (const row of rows) {
    const text = `${row.symbol} ${row.name.padEnd(width)}  ${row.detail}${row.suffix}`;
    lines.push(row.symbol === '-' ? palette.red(text) : row.symbol === '+' ? palette.green(text) : text);
  }
  return lines;
}

/** ` (2 denied, 1 failed)` after a call count, or nothing when every call succeeded. */
function describeErrors(denied: number, failed: number): string {
  const parts = [...(denied > 0 ? [`${denied} denied`] : []), ...(failed > 0 ? [`${failed} failed`] : [])];
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** Creates the colouring used for text output: CloudTracker's four basic colours, or none. */
export function createPalette(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

const STATUS_COLOURS: Readonly<Record<DiffStatus, 'white' | 'green' | 'red' | 'yellow'>> = {
  used: 'white',
  ungranted: 'green',
  unused: 'red',
  unknown: 'yellow',
};

/**
 * The note under a text report whose window the logs do not wholly cover: the `-` and inactive
 * verdicts above it rest only on the days with logs.
 */
function renderIncompleteNote(logs: LogsSummary): string[] {
  if (logs.complete) return [];
  const lines = [''];
  const gaps = logs.coverage.filter((entry) => entry.gaps.length > 0);
  if (gaps.length > 0)
    lines.push(
      'Note: the logs do not cover the whole window; "-" and inactivity rest on the days with logs only.',
    );
  for (const entry of gaps) {
    lines.push(
      `  no logs for account ${entry.account.name} (${entry.account.id}) on ${describeSpans(entry.gaps)}; logs on ${entry.daysWithLogs} day(s)`,
    );
  }
  if (logs.unreadableFiles.length > 0)
    lines.push(
      `Note: ${logs.unreadableFiles.length} log file(s) of the window could not be read (JSON: logs.unreadableFiles); "-" and inactivity may miss their calls.`,
    );
  return lines;
}

/** Options of {@link renderReportText}. */
export interface TextOptions {
  /** `--explain`: under each action line, the policies that grant it. */
  readonly explain: boolean;
}

/**
 * The totals line of a diff, for stderr (stdout keeps CloudTracker's lines only): the lines of the
 * whole diff per status, and what the filters hid, e.g. `Totals (whole diff): 12 used, 340
 * unused, 65 unknown, 2 not granted (--show-used: 340 unused, 65 unknown not shown)`.
 */
export function renderDiffTotals(document: PrincipalDiffDocument): string {
  const hidden = describeHidden(document.totals);
  const filters = [
    ...(document.filter.showUsed ? ['--show-used'] : []),
    ...(document.filter.ignoreBenign ? ['--ignore-benign'] : []),
    ...(document.filter.ignoreUnknown ? ['--ignore-unknown'] : []),
  ];
  const note = hidden === undefined ? '' : ` (${filters.join(' ')}: ${hidden} not shown)`;
  return `Totals (whole diff): ${describeDiffTotals(document.totals.all)}${note}\n`;
}

/** The `--explain` lines under an action: who grants it, or that nothing does. */
function explainLines(line: PrincipalDiffDocument['actions'][number]): string[] {
  if (line.grantedBy.length === 0) return ['    granted by: no policy'];
  return [
    ...line.grantedBy.map((entry) => `    granted by: ${describeGrantingPolicy(entry)}`),
    // A Deny or the boundary may narrow it, or every grant names resources or conditions.
    ...(line.limited
      ? ['    limited: only on some resources or under conditions (see `iamtrail iam show`)']
      : []),
  ];
}

/** Text output: CloudTracker's lines, coloured when the palette has colours. */
export function renderReportText(
  document: ReportDocument,
  palette: ChalkInstance,
  options: Partial<TextOptions> = {},
): string {
  if (document.schema === 'iamtrail.list/v1') {
    const width = Math.max(0, ...document.identities.map((identity) => identity.name.length));
    const lines = document.identities.map((identity) => {
      const callers =
        identity.callers === undefined || identity.callers.length === 0
          ? ''
          : `  callers: ${identity.callers.map((caller) => describeCaller(caller.caller, caller.via, document.account.id)).join(', ')}`;
      const used = !identity.unused;
      const assumed =
        (identity.assumptions ?? 0) > 0
          ? `assumed ${identity.assumptions ?? 0} time(s), last ${identity.lastAssumed ?? ''}: `
          : '';
      const activity =
        identity.lastActivity ??
        (used
          ? `not active in window; ${assumed}${refusedOnly(identity.deniedCalls + identity.failedCalls)}`
          : 'not active in window');
      const text = `${used ? ' ' : '-'} ${identity.name.padEnd(width)}  ${activity}${identity.serviceLinked ? '  [service-linked]' : ''}${callers}`;
      return used ? palette.white(text) : palette.red(text);
    });
    if (document.notInIam.length > 0) {
      lines.push(
        '',
        `Seen in the logs but not in the IAM data (deleted, or not this account's ${document.type}s):`,
      );
      const unknownWidth = Math.max(...document.notInIam.map((identity) => identity.name.length));
      for (const identity of document.notInIam)
        lines.push(
          `! ${identity.name.padEnd(unknownWidth)}  ${identity.lastActivity ?? 'failed or denied calls only'}`,
        );
    }
    lines.push(...renderIncompleteNote(document.logs));
    return lines.map((line) => `${line}\n`).join('');
  }
  if (document.schema === 'iamtrail.callers/v1') {
    if (document.callers.length === 0) return '';
    const rows = document.callers.map((caller) => ({
      mark: caller.callerArn === null ? '?' : ' ',
      who: describeCaller(caller.callerArn, caller.viaArn, document.account.id),
      detail: `${caller.calls} call(s)${describeErrors(caller.denied, caller.failed)} on ${caller.days} day(s), last ${caller.lastSeen}`,
    }));
    const width = Math.max(...rows.map((row) => row.who.length));
    return rows.map((row) => `${row.mark} ${row.who.padEnd(width)}  ${row.detail}\n`).join('');
  }
  const lines = document.actions.flatMap((line) => [
    palette[STATUS_COLOURS[line.status]](`${line.symbol} ${line.action}`),
    ...(options.explain === true ? explainLines(line) : []),
  ]);
  lines.push(...renderAssumableRoles(document, palette));
  lines.push(...renderIncompleteNote(document.logs));
  const attempted = document.actions.filter((line) => line.failedCalls !== undefined);
  if (attempted.length > 0)
    lines.push(
      '',
      `Note: ${attempted.length} "?" action(s) were called in the window, each call failing with an error other than access, which may come after the call was authorised: the permission may be needed (JSON: failedCalls): ${attempted
        .slice(0, 5)
        .map((line) => `${line.action} (${line.failedCalls ?? 0})`)
        .join(', ')}${attempted.length > 5 ? ', …' : ''}.`,
    );
  if (document.federatedSessions > 0)
    lines.push(
      '',
      `Note: ${document.principal.name} opened federated sessions (${document.federatedSessions} sts:GetFederationToken call(s)); CloudTrail logs their calls as the federated user, which iamtrail does not tie to ${document.principal.name}: its unused grants are "?", not "-".`,
    );
  if (document.iamDataProblems.length > 0)
    lines.push(
      '',
      `Note: the IAM data lacks part of ${document.destination?.role.name ?? document.principal.name}'s policies (JSON: iamDataProblems); the grants above are read without them:`,
      ...document.iamDataProblems.map((problem) => `  ${problem}`),
    );
  return lines.map((line) => `${line}\n`).join('');
}

/** The fixed marks of the first column (`mark`, `symbol`): iamtrail's own, never data. */
const CSV_MARKS = new Set([' ', '-', '+', '?', '!']);

/**
 * CSV options for data from IAM files and logs: a cell that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, tab or CR; OWASP's list) gets a leading `'`, except the
 * fixed marks of the first column, which stay machine-readable.
 */
const CSV_SAFETY = {
  escape_formulas: true,
  cast: {
    string: (value: string, context: { column?: number | string }) =>
      context.column === 0 && CSV_MARKS.has(value) ? { value, escape_formulas: false } : value,
  },
} as const;

/**
 * CSV output: one row per identity or per action, with a header. Cells that look like
 * spreadsheet formulas are neutralised ({@link CSV_SAFETY}).
 */
export function renderReportCsv(document: ReportDocument): string {
  if (document.schema === 'iamtrail.list/v1') {
    const roles = document.type === 'role';
    return stringify(
      [
        ...document.identities.map((identity) => [
          identity.unused ? '-' : ' ',
          identity.name,
          identity.arn,
          'iam',
          identity.active,
          identity.lastActivity ?? '',
          identity.calls,
          identity.deniedCalls,
          identity.failedCalls,
          identity.serviceLinked,
          identity.windowIncomplete === true,
          ...(roles ? [identity.assumptions ?? 0, identity.lastAssumed ?? ''] : []),
        ]),
        ...document.notInIam.map((identity) => [
          '!',
          identity.name,
          identity.arn,
          'logs-only',
          identity.calls > 0,
          identity.lastActivity ?? '',
          identity.calls,
          identity.deniedCalls,
          identity.failedCalls,
          false,
          false,
          ...(roles ? [0, ''] : []),
        ]),
      ],
      {
        header: true,
        columns: [
          'mark',
          'name',
          'arn',
          'known_to',
          'active',
          'last_activity',
          'calls',
          'denied_calls',
          'failed_calls',
          'service_linked',
          'window_incomplete',
          // A role's successful AssumeRole calls: what keeps one not active from being "-".
          ...(roles ? ['assumptions', 'last_assumed'] : []),
        ],
        ...CSV_SAFETY,
        cast: { ...CSV_SAFETY.cast, boolean: String },
      },
    );
  }
  if (document.schema === 'iamtrail.callers/v1') {
    return stringify(
      document.callers.map((caller) => [
        document.role.arn,
        caller.callerArn ?? '',
        caller.viaArn ?? '',
        caller.calls,
        caller.denied,
        caller.failed,
        caller.days,
        caller.firstSeen,
        caller.lastSeen,
      ]),
      {
        header: true,
        columns: [
          'role',
          'caller',
          'via',
          'calls',
          'denied_calls',
          'failed_calls',
          'days',
          'first_seen',
          'last_seen',
        ],
        ...CSV_SAFETY,
      },
    );
  }
  return stringify(
    document.actions.map((line) => [
      line.symbol,
      line.status,
      line.action,
      line.calls,
      line.lastSeen ?? '',
      line.limited,
      line.possiblyUsed,
      line.recorded,
      line.evidence.kind,
      line.evidence.detail,
      line.basis,
      line.windowIncomplete === true,
      line.grantedBy.map((entry) => describeGrantingPolicy(entry, { full: true })).join(';'),
    ]),
    {
      header: true,
      columns: [
        'symbol',
        'status',
        'action',
        'calls',
        'last_seen',
        'limited',
        'possibly_used',
        'recorded',
        'evidence',
        'evidence_detail',
        'basis',
        'window_incomplete',
        'granted_by',
      ],
      ...CSV_SAFETY,
      cast: { ...CSV_SAFETY.cast, boolean: String },
    },
  );
}
