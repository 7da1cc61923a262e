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
import { DIFF_SYMBOLS, filterDiff } from '../analysis/action-diff.js';
import type { DiffFilter, DiffStatus } from '../analysis/action-diff.js';
import type { LogsSummary, ReportResult } from './run-report.js';

/** `iamtrail --list users|roles` as JSON (schema `iamtrail.list/v1`). */
export interface IdentityListDocument {
  readonly schema: 'iamtrail.list/v1';
  readonly account: { readonly name: string; readonly id: string };
  readonly window: { readonly start: string; readonly end: string };
  readonly type: 'user' | 'role';
  readonly identities: readonly IdentityActivity[];
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
  };
  readonly filter: DiffFilter;
  readonly actions: readonly (ActionUsage & { readonly symbol: string })[];
  readonly denied: readonly DeniedAction[];
  readonly unmappedEvents: readonly EventTally[];
  readonly noPermissionEvents: readonly EventTally[];
  readonly dataEventTypesLogged: readonly string[];
  readonly logs: LogsSummary;
}

/** Either JSON document. */
export type ReportDocument = IdentityListDocument | PrincipalDiffDocument;

/** Builds the JSON document of a report, applying the diff filter to its action lines. */
export function toReportDocument(result: ReportResult, filter: DiffFilter): ReportDocument {
  const account = { name: result.account.name, id: result.account.id };
  const window = { start: result.window.startDay, end: result.window.endDay };
  if (result.kind === 'list') {
    return {
      schema: 'iamtrail.list/v1',
      account,
      window,
      type: result.type,
      identities: result.report.identities,
      notInIam: result.report.notInIam,
      logs: result.logs,
    };
  }
  const kept = new Set(filterDiff(result.report.actions, filter).map((line) => line.action));
  return {
    schema: 'iamtrail.diff/v1',
    account,
    window,
    principal: {
      type: result.principal.type,
      name: result.principal.name,
      arn: result.principal.arn,
      createDate: result.principal.createDate,
    },
    filter,
    actions: result.report.actions
      .filter((line) => kept.has(line.action))
      .map((line) => ({ ...line, symbol: DIFF_SYMBOLS[line.status] })),
    denied: result.report.denied,
    unmappedEvents: result.report.unmappedEvents,
    noPermissionEvents: result.report.noPermissionEvents,
    dataEventTypesLogged: result.report.dataEventTypesLogged,
    logs: result.logs,
  };
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

/** Text output: CloudTracker's lines, coloured when the palette has colours. */
export function renderReportText(document: ReportDocument, palette: ChalkInstance): string {
  if (document.schema === 'iamtrail.list/v1') {
    const width = Math.max(0, ...document.identities.map((identity) => identity.name.length));
    const lines = document.identities.map((identity) => {
      const text = `${identity.active ? ' ' : '-'} ${identity.name.padEnd(width)}  ${identity.lastActivity ?? 'not active in window'}${identity.serviceLinked ? '  [service-linked]' : ''}`;
      return identity.active ? palette.white(text) : palette.red(text);
    });
    if (document.notInIam.length > 0) {
      lines.push(
        '',
        `Seen in the logs but not in the IAM data (deleted, or not this account's ${document.type}s):`,
      );
      const unknownWidth = Math.max(...document.notInIam.map((identity) => identity.name.length));
      for (const identity of document.notInIam)
        lines.push(
          `! ${identity.name.padEnd(unknownWidth)}  ${identity.lastActivity ?? 'denied calls only'}`,
        );
    }
    return lines.map((line) => `${line}\n`).join('');
  }
  return document.actions
    .map((line) => `${palette[STATUS_COLOURS[line.status]](`${line.symbol} ${line.action}`)}\n`)
    .join('');
}

/** CSV output: one row per identity or per action, with a header. */
export function renderReportCsv(document: ReportDocument): string {
  if (document.schema === 'iamtrail.list/v1') {
    return stringify(
      [
        ...document.identities.map((identity) => [
          identity.active ? ' ' : '-',
          identity.name,
          identity.arn,
          'iam',
          identity.active,
          identity.lastActivity ?? '',
          identity.calls,
          identity.deniedCalls,
          identity.serviceLinked,
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
          false,
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
          'service_linked',
        ],
        cast: { boolean: String },
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
    ]),
    {
      header: true,
      columns: ['symbol', 'status', 'action', 'calls', 'last_seen', 'limited', 'possibly_used', 'recorded'],
      cast: { boolean: String },
    },
  );
}
