/*
 * The report's pages: `--list users|roles` (`iamtrail.list/v1`) and `--user/--role`
 * (`iamtrail.diff/v1`), from the same JSON documents as `--format json`.
 */

import type { DiffStatus } from '../analysis/action-diff.js';
import type { CallerTally, DeniedAction } from '../analysis/activity-report.js';
import type { LogsSummary } from '../app/report/report-types.js';
import type { IdentityListDocument, PrincipalDiffDocument } from '../cli/render-report.js';
import type { GrantingPolicy } from '../iam/granted-by.js';
import { append, card, facts, h, notice, orDash, plural, shortArn } from './dom.js';
import { createTable } from './table.js';
import type { Column } from './table.js';

function logsNotices(logs: LogsSummary): HTMLElement[] {
  const notices: HTMLElement[] = [];
  for (const entry of logs.coverage) {
    if (entry.gaps.length > 0) {
      const gaps = entry.gaps
        .map((gap) => (gap.startDay === gap.endDay ? gap.startDay : `${gap.startDay}..${gap.endDay}`))
        .join(', ');
      notices.push(
        notice(
          'warn',
          `No logs for account ${entry.account.name} (${entry.account.id}) on ${gaps}: inactivity and "-" rest on the ${plural(entry.daysWithLogs, 'day')} with logs only.`,
          'coverage',
        ),
      );
    }
  }
  if (logs.unreadableFiles.length > 0) {
    notices.push(
      notice(
        'warn',
        `${plural(logs.unreadableFiles.length, 'log file')} of the window could not be read: verdicts may miss their calls.`,
        'unreadable',
      ),
    );
  }
  return notices;
}

function logsFooter(logs: LogsSummary): HTMLElement {
  return h('footer', {
    text: `Logs: ${logs.engine} ${logs.source} \u00b7 ${plural(logs.daysRead, 'day')} read, ${plural(logs.daysFromCache, 'day')} from the cache \u00b7 made by iamtrail; the data is embedded in this file (script #iamtrail-data).`,
  });
}

function reportHeader(doc: IdentityListDocument | PrincipalDiffDocument, title: string): HTMLElement[] {
  document.title = `iamtrail: ${title}`;
  return [
    h('h1', { text: title }),
    h('p', {
      class: 'meta',
      text: `Account ${doc.account.name} (${doc.account.id}) \u00b7 window ${doc.window.start}..${doc.window.end}`,
    }),
  ];
}

/** An identity of the list: in IAM, or in the logs only (fewer fields). */
interface ListIdentity {
  readonly name: string;
  readonly arn: string;
  readonly lastActivity: string | undefined;
  readonly calls: number;
  readonly deniedCalls: number;
  readonly failedCalls: number;
  readonly serviceLinked?: boolean;
  readonly callers?: readonly CallerTally[];
  /** Roles: the successful AssumeRole calls naming it, and the last one's time. */
  readonly assumptions?: number;
  readonly lastAssumed?: string;
  readonly windowIncomplete?: true;
}

interface ListRow {
  readonly mark: string;
  readonly knownTo: 'iam' | 'logs-only';
  readonly identity: ListIdentity;
}

export function renderList(doc: IdentityListDocument, root: HTMLElement): void {
  const kind = doc.type === 'user' ? 'Users' : 'Roles';
  append(root, reportHeader(doc, `${kind} of account ${doc.account.name}`));
  append(root, logsNotices(doc.logs));
  const rows: ListRow[] = [
    ...doc.identities.map((identity): ListRow => ({
      mark: identity.unused ? '-' : ' ',
      knownTo: 'iam',
      identity,
    })),
    ...doc.notInIam.map((identity): ListRow => ({ mark: '!', knownTo: 'logs-only', identity })),
  ];
  const active = doc.identities.filter((identity) => identity.active).length;
  const unused = doc.identities.filter((identity) => identity.unused).length;
  root.appendChild(
    h('div', { class: 'cards', 'data-role': 'totals' }, [
      card({ key: 'identities', label: `${doc.type}s in IAM`, value: doc.identities.length }),
      card({ key: 'active', label: 'active in the window', value: active }),
      card({ key: 'inactive', label: 'not active (-)', value: unused }),
      ...(doc.identities.length - active - unused > 0
        ? [
            card({
              key: 'assumed-only',
              label: 'assumed, no successful call',
              value: doc.identities.length - active - unused,
            }),
          ]
        : []),
      card({ key: 'not-in-iam', label: 'in the logs only (!)', value: doc.notInIam.length }),
    ]),
  );
  const callersText = (row: ListRow): string | null => {
    const callers = row.identity.callers;
    if (!callers || callers.length === 0) return null;
    return callers
      .map(
        (caller) =>
          orDash(shortArn(caller.caller, doc.account.id)) +
          (caller.via ? ` via ${shortArn(caller.via, doc.account.id) ?? ''}` : ''),
      )
      .join(', ');
  };
  root.appendChild(
    createTable<ListRow>({
      id: 'identities',
      label: `${doc.type}s`,
      rows,
      csvName: `${doc.account.name}-${doc.type}s.csv`,
      columns: [
        { key: 'mark', label: '', value: (r) => r.mark, className: 'mono' },
        { key: 'name', label: 'Name', value: (r) => r.identity.name },
        { key: 'arn', label: 'ARN', value: (r) => r.identity.arn, hidden: true },
        { key: 'known_to', label: 'Known to', value: (r) => r.knownTo },
        {
          key: 'last_activity',
          label: 'Last activity',
          value: (r) => r.identity.lastActivity,
          display: (r) =>
            r.identity.lastActivity ||
            (r.knownTo === 'iam' ? 'not active in window' : 'failed or denied calls only'),
        },
        { key: 'calls', label: 'Calls', className: 'num', value: (r) => r.identity.calls },
        { key: 'denied_calls', label: 'Denied', className: 'num', value: (r) => r.identity.deniedCalls },
        { key: 'failed_calls', label: 'Failed', className: 'num', value: (r) => r.identity.failedCalls },
        {
          key: 'service_linked',
          label: 'Service-linked',
          value: (r) => (r.identity.serviceLinked === true ? 'yes' : ''),
        },
        { key: 'callers', label: 'Callers', value: callersText, className: 'mono' },
        ...(doc.type === 'role'
          ? [
              {
                key: 'assumptions',
                label: 'AssumeRole calls',
                className: 'num',
                value: (r: ListRow) => r.identity.assumptions,
              },
              {
                key: 'last_assumed',
                label: 'Last assumed',
                value: (r: ListRow) => r.identity.lastAssumed,
                hidden: true,
              },
            ]
          : []),
        {
          key: 'window_incomplete',
          label: 'Window incomplete',
          value: (r) => (r.identity.windowIncomplete === true ? 'yes' : ''),
          hidden: true,
        },
      ],
      expand: (r) =>
        facts([
          ['ARN', r.identity.arn, 'mono'],
          [
            'Calls',
            `${r.identity.calls} ok, ${r.identity.deniedCalls} denied, ${r.identity.failedCalls} failed`,
          ],
          ['Callers', callersText(r)],
          r.identity.assumptions === undefined || r.identity.assumptions === 0
            ? null
            : [
                'Assumed',
                `${r.identity.assumptions} successful AssumeRole call(s), the last ${r.identity.lastAssumed ?? ''}${
                  r.identity.calls === 0 ? ': not active, but not unused' : ''
                }`,
              ],
          r.identity.windowIncomplete
            ? ['Note', 'not seen on the days with logs; the logs miss days of the window']
            : null,
        ]),
    }).element,
  );
  root.appendChild(logsFooter(doc.logs));
}

const STATUS_LABELS: Readonly<Record<DiffStatus, string>> = {
  used: 'used',
  unused: 'unused (-)',
  unknown: 'unknown (?)',
  ungranted: 'used, not granted (+)',
};
const STATUSES: readonly DiffStatus[] = ['used', 'unused', 'unknown', 'ungranted'];

function grantedByText(entry: GrantingPolicy): string {
  return `${entry.policy} (${entry.type}${entry.via ? ` via ${entry.via}` : ''})`;
}

function simpleTable<Row>(
  id: string,
  label: string,
  rows: readonly Row[],
  columns: readonly Column<Row>[],
): HTMLElement {
  return createTable<Row>({ id, label, rows, csvName: `${id}.csv`, columns }).element;
}

type DiffLine = PrincipalDiffDocument['actions'][number];

interface RoleRow {
  readonly mark: string;
  readonly arn: string;
  readonly account: string;
  readonly calls: number;
  /** Calls of its sessions refused or failed. */
  readonly refused: number;
  /** The principal's own successful AssumeRole calls naming it. */
  readonly assumptions: number;
  readonly lastSeen: string | undefined;
  readonly note: string;
}

export function renderDiff(doc: PrincipalDiffDocument, root: HTMLElement): void {
  const principal = doc.principal;
  append(root, reportHeader(doc, `${principal.type} ${principal.name} of account ${doc.account.name}`));
  root.appendChild(
    facts([
      ['ARN', principal.arn, 'mono'],
      ['Created', principal.createDate],
      doc.destination
        ? [
            'Compared in',
            `sessions of role ${doc.destination.role.arn}${doc.destination.assumable ? '' : ' (its policies do not name this role)'}`,
          ]
        : null,
    ]),
  );
  if (principal.knownTo === 'logs-only')
    root.appendChild(
      notice(
        'warn',
        `${principal.type} ${principal.name} is not in the IAM data, only in the logs: nothing grants it anything here, so every action it used is "+".`,
        'logs-only',
      ),
    );
  if (doc.eventSelectorsNotApplied !== null)
    root.appendChild(notice('warn', doc.eventSelectorsNotApplied, 'event-selectors'));
  if (doc.eventSelectorsCaution !== null)
    root.appendChild(notice('warn', doc.eventSelectorsCaution, 'organization-trail'));
  if (doc.writeOnlySuspected)
    root.appendChild(
      notice(
        'warn',
        'The logs hold management calls but no read-only one: the trail looks write-only, so unused read actions are "?".',
        'write-only',
      ),
    );
  if (doc.readOnlySuspected)
    root.appendChild(
      notice(
        'warn',
        'The logs hold management calls but no write: the trail looks read-only, so unused write actions are "?".',
        'read-only',
      ),
    );
  if (doc.iamDataProblems.length > 0)
    root.appendChild(
      notice(
        'warn',
        `The IAM data lacks part of ${doc.destination?.role.name ?? principal.name}'s policies; the grants here miss what they say: ${doc.iamDataProblems.join('; ')}.`,
        'iam-data',
      ),
    );
  if (doc.federatedSessions > 0)
    root.appendChild(
      notice(
        'warn',
        `${principal.name} opened federated sessions (${doc.federatedSessions} sts:GetFederationToken call(s)); CloudTrail logs their calls as the federated user, which iamtrail does not tie to ${principal.name}: its unused grants are "?", not "-".`,
        'federated',
      ),
    );
  const attempted = doc.actions.filter((line) => line.failedCalls !== undefined);
  if (attempted.length > 0)
    root.appendChild(
      notice(
        'warn',
        `${attempted.length} "?" action(s) were called in the window, each call failing with an error other than access, which may come after the call was authorised: the permission may be needed: ${attempted.map((line) => line.action).join(', ')}.`,
        'failed-calls',
      ),
    );
  append(root, logsNotices(doc.logs));
  if (doc.accessAdvisor !== null)
    root.appendChild(notice('info', `Access Advisor: ${doc.accessAdvisor.detail}`, 'advisor'));
  const filters = [
    doc.filter.showUsed ? '--show-used' : null,
    doc.filter.ignoreBenign ? '--ignore-benign' : null,
    doc.filter.ignoreUnknown ? '--ignore-unknown' : null,
  ].filter(Boolean);
  if (filters.length > 0)
    root.appendChild(
      notice(
        'info',
        `Filtered with ${filters.join(' ')}: the cards count the lines shown; the whole diff is in their notes.`,
        'filter',
      ),
    );

  const counts: Record<DiffStatus, number> = { used: 0, unused: 0, unknown: 0, ungranted: 0 };
  for (const line of doc.actions) counts[line.status] += 1;
  root.appendChild(
    h(
      'div',
      { class: 'cards', 'data-role': 'statuses' },
      STATUSES.map((status) =>
        card({
          key: status,
          label: STATUS_LABELS[status],
          value: counts[status],
          tone: status,
          note: `whole diff: ${doc.totals.all[status]}`,
        }),
      ),
    ),
  );

  root.appendChild(h('h2', { text: 'Actions' }));
  root.appendChild(
    createTable<DiffLine>({
      id: 'actions',
      label: 'actions',
      rows: doc.actions,
      csvName: `${principal.name}-actions.csv`,
      columns: [
        { key: 'symbol', label: '', value: (l) => l.symbol, className: 'mono' },
        {
          key: 'action',
          label: 'Action',
          value: (l) => l.action,
          display: (l) => h('span', { class: l.status, text: l.action }),
          className: 'mono',
        },
        { key: 'status', label: 'Status', value: (l) => l.status },
        { key: 'calls', label: 'Calls', className: 'num', value: (l) => l.calls },
        { key: 'last_seen', label: 'Last seen', value: (l) => l.lastSeen },
        { key: 'recorded', label: 'Recorded', value: (l) => l.recorded },
        { key: 'evidence', label: 'Evidence', value: (l) => l.evidence.kind },
        {
          key: 'evidence_detail',
          label: 'Evidence detail',
          value: (l) => l.evidence.detail,
          hidden: true,
        },
        { key: 'basis', label: 'Basis', value: (l) => l.basis },
        { key: 'limited', label: 'Limited', value: (l) => (l.limited ? 'yes' : '') },
        {
          key: 'window_incomplete',
          label: 'Window incomplete',
          value: (l) => (l.windowIncomplete === true ? 'yes' : ''),
          hidden: true,
        },
        {
          key: 'granted_by',
          label: 'Granted by',
          value: (l) => l.grantedBy.map(grantedByText).join('; '),
          hidden: true,
        },
      ],
      expand: (l) =>
        h('div', null, [
          facts([
            ['Evidence', `${l.evidence.kind}: ${l.evidence.detail}`],
            ['Basis', l.basis],
            ['Possibly used', l.possiblyUsed ? 'yes' : 'no'],
            ['Limited', l.limited ? 'only on some resources or under conditions' : 'no'],
            l.windowIncomplete
              ? ['Note', 'not used on the days with logs; the logs miss days of the window']
              : null,
          ]),
          h('strong', { text: 'Granted by' }),
          l.grantedBy.length === 0
            ? h('p', { text: 'no policy' })
            : h(
                'ul',
                null,
                l.grantedBy.map((entry) => h('li', { class: 'mono', text: grantedByText(entry) })),
              ),
        ]),
    }).element,
  );

  const roles: RoleRow[] = [
    ...(doc.assumableRoles ?? []).map((role): RoleRow => ({
      mark: role.used ? ' ' : '-',
      arn: role.arn,
      account: role.account.name,
      calls: role.calls,
      refused: role.refusedCalls,
      assumptions: role.assumptions,
      lastSeen: role.lastSeen,
      note: role.conditional ? 'conditional' : '',
    })),
    ...(doc.otherRolesUsed ?? []).map((role): RoleRow => ({
      mark: '+',
      arn: role.arn,
      account: '',
      calls: role.calls,
      refused: role.refusedCalls,
      assumptions: role.assumptions,
      lastSeen: role.lastSeen,
      note: 'not named by its policies',
    })),
  ];
  if (roles.length > 0) {
    root.appendChild(h('h2', { text: `Roles ${principal.name} may assume, and their use` }));
    root.appendChild(
      simpleTable<RoleRow>('roles', 'roles', roles, [
        { key: 'mark', label: '', value: (r) => r.mark, className: 'mono' },
        { key: 'role', label: 'Role', value: (r) => r.arn, className: 'mono' },
        { key: 'account', label: 'Account', value: (r) => r.account },
        { key: 'calls', label: 'Calls in its sessions', className: 'num', value: (r) => r.calls },
        { key: 'refused', label: 'Refused', className: 'num', value: (r) => r.refused },
        { key: 'assumed', label: 'AssumeRole calls', className: 'num', value: (r) => r.assumptions },
        { key: 'last_seen', label: 'Last seen', value: (r) => r.lastSeen },
        { key: 'note', label: 'Note', value: (r) => r.note },
      ]),
    );
  }
  const errorColumns: readonly Column<DeniedAction>[] = [
    { key: 'action', label: 'Action', value: (d) => d.action, className: 'mono' },
    { key: 'calls', label: 'Calls', className: 'num', value: (d) => d.calls },
    { key: 'last_seen', label: 'Last seen', value: (d) => d.lastSeen },
  ];
  if (doc.denied.length > 0) {
    root.appendChild(h('h2', { text: 'Denied calls (access errors)' }));
    root.appendChild(simpleTable('denied', 'denied calls', doc.denied, errorColumns));
  }
  if (doc.failed.length > 0) {
    root.appendChild(h('h2', { text: 'Failed calls (other errors)' }));
    root.appendChild(simpleTable('failed', 'failed calls', doc.failed, errorColumns));
  }
  if (doc.unmappedEvents.length > 0) {
    root.appendChild(h('h2', { text: 'Events mapped to no IAM action (not counted)' }));
    root.appendChild(
      simpleTable('unmapped', 'unmapped events', doc.unmappedEvents, [
        { key: 'event', label: 'Event', value: (e) => e.event, className: 'mono' },
        { key: 'calls', label: 'Calls', className: 'num', value: (e) => e.calls },
        { key: 'reason', label: 'Reason', value: (e) => e.reason },
      ]),
    );
  }
  root.appendChild(logsFooter(doc.logs));
}
