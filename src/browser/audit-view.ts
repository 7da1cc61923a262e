/*
 * The audit page (`iamtrail.audit/v1`): summary cards per finding type and severity, the findings
 * table, one lazily built section per account with its principals (credentials, findings, used /
 * unused / unknown actions on expand), and the IAM changes timeline.
 */

import type { Finding, FindingDetail, FindingType, Severity } from '../analysis/audit-findings.js';
import type {
  AuditAccount,
  AuditDocument,
  AuditPrincipal,
  UserCredentials,
} from '../app/audit/audit-types.js';
import type { CredentialReportRow } from '../iam/credential-report.js';
import type { IamChangeRow } from '../trail/iam-changes.js';
import { FINDING_TYPES, SEVERITIES } from './constants.js';
import { readData } from './data.js';
import { actionLists, append, card, facts, h, notice, orDash, plural, shortArn } from './dom.js';
import type { Child, Fact, Scalar } from './dom.js';
import { createTable, lazySection } from './table.js';
import type { CellValue, Table } from './table.js';

type AuditedAccount = Extract<AuditAccount, { status: 'audited' }>;

/** An audited account as embedded: its principals in an element of their own until read. */
type EmbeddedAudited = Omit<AuditedAccount, 'principals'> & {
  principals?: readonly AuditPrincipal[];
  readonly principalsPart?: string;
};

/** The audit document as the page embeds it (src/cli/render-html/render-audit-html.ts). */
export type EmbeddedAuditDocument = Omit<AuditDocument, 'accounts'> & {
  readonly accounts: readonly (Extract<AuditAccount, { status: 'failed' }> | EmbeddedAudited)[];
};

function severityCell(severity: Severity): HTMLSpanElement {
  return h('span', { class: `sev-${severity}`, text: severity });
}

function outcomeText(change: IamChangeRow): string {
  return change.outcome === 'ok' ? 'ok' : change.outcome + (change.errorCode ? `: ${change.errorCode}` : '');
}

function changeTarget(change: IamChangeRow): string {
  const parts: string[] = [];
  if (change.userName !== null) parts.push(`user ${change.userName}`);
  if (change.roleName !== null) parts.push(`role ${change.roleName}`);
  if (change.groupName !== null) parts.push(`group ${change.groupName}`);
  if (change.accessKeyId !== null) parts.push(`key ${change.accessKeyId}`);
  if (change.createdAccessKeyId !== null) parts.push(`new key ${change.createdAccessKeyId}`);
  if (change.policyArn !== null) parts.push(`policy ${change.policyArn}`);
  if (change.policyName !== null) parts.push(`inline policy ${change.policyName}`);
  if (change.status !== null) parts.push(`status ${change.status}`);
  return parts.join(', ');
}

function passwordText(report: CredentialReportRow): string | null {
  if (report.passwordLastUsedState === 'no-password')
    return report.passwordEnabled === null ? 'n/a' : 'no password';
  if (report.passwordLastUsedState === 'never') return 'never used';
  return report.passwordLastUsed;
}

function keysText(credentials: UserCredentials): string {
  const active = credentials.accessKeys.filter((key) => key.status === 'Active').length;
  if (credentials.accessKeys.length === 0) return 'none';
  return `${active} active of ${credentials.accessKeys.length}`;
}

function detailItemText(item: unknown): string {
  if (typeof item !== 'object' || item === null) return String(item);
  const entry = item as { action?: string; lastAccessed?: string | null };
  const lastAccessed = entry.lastAccessed
    ? ` (last ${entry.lastAccessed})`
    : entry.lastAccessed === null
      ? ' (never)'
      : '';
  return (entry.action ?? JSON.stringify(item)) + lastAccessed;
}

function findingDetailFacts(detail: FindingDetail): Child[] {
  const [name = '', body = {}] = Object.entries(detail)[0] ?? [];
  const pairs: Fact[] = [];
  const fields = body as Readonly<Record<string, Scalar | readonly unknown[]>>;
  for (const [key, value] of Object.entries(fields)) {
    if (Array.isArray(value)) {
      pairs.push([
        key,
        h(
          'ul',
          null,
          value.map((item: unknown) => h('li', { class: 'mono', text: detailItemText(item) })),
        ),
      ]);
    } else {
      pairs.push([key, value === null ? 'null' : String(value)]);
    }
  }
  return [h('strong', { text: name }), facts(pairs)];
}

function findingDetail(finding: Finding): HTMLDivElement {
  return h('div', null, [
    facts([
      ['Resource', finding.resource, 'mono'],
      ['Resource type', finding.resourceType],
      ['Account', `${finding.accountName} (${finding.resourceOwnerAccount})`],
      ['Finding id', finding.id, 'mono'],
    ]),
    h('strong', { text: 'Evidence' }),
    h(
      'ul',
      null,
      finding.evidence.map((evidence) =>
        h('li', {
          text: `${evidence.source}: ${evidence.detail}${evidence.lastUsed ? `; last used ${evidence.lastUsed}` : '; no use found'}${evidence.covers ? `; covers ${evidence.covers}` : ''}`,
        }),
      ),
    ),
    finding.findingDetails.map(findingDetailFacts),
  ]);
}

function principalDetail(
  principal: AuditPrincipal,
  findings: readonly Finding[],
  cloudTrailUsed: boolean,
): HTMLDivElement {
  const parts: Child[] = [
    facts([
      ['ARN', principal.arn, 'mono'],
      ['Created', principal.createdAt],
      principal.type === 'role' ? ['Role last used (IAM)', principal.roleLastUsed] : null,
      [
        'Tags',
        Object.entries(principal.tags)
          .map(([key, value]) => `${key}=${value}`)
          .join(', '),
      ],
    ]),
  ];
  const credentials = principal.credentials;
  if (credentials) {
    const report = credentials.report;
    parts.push(
      h('strong', { text: 'Credentials' }),
      facts([
        ['Password', passwordText(report)],
        ['MFA', report.mfaActive ? `active (${credentials.mfaType})` : 'none'],
      ]),
    );
    if (credentials.accessKeys.length > 0) {
      parts.push(
        h('table', { 'data-role': 'keys' }, [
          h('thead', null, [
            h(
              'tr',
              null,
              ['Key', 'Id', 'Status', 'Created', 'Last used', 'Service', 'Region'].map((label) =>
                h('th', { text: label }),
              ),
            ),
          ]),
          h(
            'tbody',
            null,
            credentials.accessKeys.map((key) =>
              h(
                'tr',
                null,
                [
                  key.slot,
                  orDash(key.accessKeyId),
                  key.status,
                  key.created,
                  orDash(key.lastUsedDate),
                  orDash(key.lastUsedService),
                  orDash(key.lastUsedRegion),
                ].map((text) => h('td', { text })),
              ),
            ),
          ),
        ]),
      );
    }
  }
  parts.push(h('strong', { text: `Findings (${findings.length})` }));
  parts.push(
    findings.length === 0
      ? h('p', { text: 'None.' })
      : h(
          'ul',
          null,
          findings.map((finding) =>
            h('li', null, [severityCell(finding.severity), ` ${finding.findingType}: ${finding.title}`]),
          ),
        ),
  );
  if (principal.actions) {
    parts.push(
      actionLists([
        { status: 'used', label: 'Used', symbol: ' ', actions: principal.actions.used },
        {
          status: 'unused',
          label: 'Unused (granted, never used)',
          symbol: '-',
          actions: principal.actions.unused,
        },
        {
          status: 'unknown',
          label: 'Unknown (not knowable from the logs)',
          symbol: '?',
          actions: principal.actions.unknown,
        },
      ]),
    );
  } else {
    parts.push(
      h('p', {
        class: 'meta',
        text: cloudTrailUsed
          ? 'No action data for this principal.'
          : 'Actions: CloudTrail evidence was not used.',
      }),
    );
  }
  return h('div', null, parts);
}

function principalsTable(
  account: EmbeddedAudited,
  principals: readonly AuditPrincipal[],
  findingsByArn: ReadonlyMap<string, Finding[]>,
  cloudTrailUsed: boolean,
): HTMLElement {
  const findingsOf = (principal: AuditPrincipal): readonly Finding[] =>
    findingsByArn.get(principal.arn) ?? [];
  const actionCount =
    (status: 'used' | 'unused' | 'unknown') =>
    (principal: AuditPrincipal): CellValue =>
      principal.actions ? principal.actions[status].length : null;
  return createTable<AuditPrincipal>({
    id: `principals-${account.id}`,
    label: `principals of ${account.name}`,
    rows: principals,
    csvName: `principals-${account.id}.csv`,
    sort: { key: 'name', dir: 1 },
    columns: [
      { key: 'type', label: 'Type', value: (p) => p.type },
      { key: 'name', label: 'Name', value: (p) => p.name },
      { key: 'arn', label: 'ARN', value: (p) => p.arn, hidden: true },
      { key: 'findings', label: 'Findings', className: 'num', value: (p) => findingsOf(p).length },
      {
        key: 'last_activity',
        label: 'Last CloudTrail activity',
        value: (p) => p.lastActivity,
        display: (p) =>
          p.lastActivity === undefined ? 'n/a' : p.lastActivity === null ? 'none in window' : p.lastActivity,
      },
      {
        key: 'role_last_used',
        label: 'Role last used',
        value: (p) => (p.type === 'role' ? p.roleLastUsed : null),
      },
      {
        key: 'password',
        label: 'Password',
        value: (p) => (p.credentials ? passwordText(p.credentials.report) : null),
      },
      {
        key: 'access_keys',
        label: 'Access keys',
        value: (p) => (p.credentials ? keysText(p.credentials) : null),
      },
      {
        key: 'mfa',
        label: 'MFA',
        value: (p) =>
          p.credentials ? (p.credentials.report.mfaActive ? p.credentials.mfaType : 'none') : null,
      },
      { key: 'used', label: 'Used', className: 'num', value: actionCount('used') },
      { key: 'unused', label: 'Unused', className: 'num', value: actionCount('unused') },
      { key: 'unknown', label: 'Unknown', className: 'num', value: actionCount('unknown') },
      { key: 'created', label: 'Created', value: (p) => p.createdAt },
    ],
    expand: (p) => principalDetail(p, findingsOf(p), cloudTrailUsed),
  }).element;
}

function increment<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export function renderAudit(doc: EmbeddedAuditDocument, root: HTMLElement): void {
  const cloudTrail = doc.cloudTrail;
  const cloudTrailUsed = cloudTrail.used;
  const accountNames = new Map(doc.accounts.map((account) => [account.id, account.name]));
  const audited = doc.accounts.filter((account) => account.status === 'audited');
  const failed = doc.accounts.filter((account) => account.status === 'failed');
  document.title = `iamtrail audit ${doc.window.startDay}..${doc.window.endDay}`;

  append(root, [
    h('h1', { text: `IAM audit: ${plural(doc.accounts.length, 'account')}` }),
    h('p', {
      class: 'meta',
      text: `Window ${doc.window.startDay}..${doc.window.endDay} \u00b7 generated ${doc.generatedAt} \u00b7 unused after ${doc.settings.unusedDays} days \u00b7 access keys older than ${doc.settings.keyMaxAgeDays} days`,
    }),
  ]);
  if (!cloudTrail.used) {
    root.appendChild(
      notice(
        'warn',
        `CloudTrail evidence was not used (${cloudTrail.reason}): this audit rests on IAM's own evidence (credential report, RoleLastUsed). Findings that need the logs (unused permissions) and the IAM changes are absent, not empty.`,
        'cloudtrail',
      ),
    );
  } else if (!cloudTrail.logs.complete) {
    root.appendChild(
      notice(
        'warn',
        'The logs do not cover the whole window (or some files could not be read): inactivity and unused verdicts rest on the days with logs only.',
        'coverage',
      ),
    );
  }
  const selectors = doc.settings.eventSelectors;
  if (selectors !== null && selectors.notAppliedTo.length > 0)
    root.appendChild(
      notice(
        'warn',
        `The event selectors ${selectors.file} were not applied to ${selectors.notAppliedTo.map((account) => `${account.name} (${account.id})`).join(', ')}: those accounts are judged from their logs alone.`,
        'event-selectors',
      ),
    );
  if (selectors !== null && selectors.ownFoldersOnly.length > 0) {
    const one = selectors.ownFoldersOnly.length === 1;
    const named = selectors.ownFoldersOnly.map((account) => `${account.name} (${account.id})`).join(', ');
    root.appendChild(
      notice(
        'warn',
        `--organization-trail: ${named} ${one ? 'has its' : 'have their'} logs only in AWSLogs/<account>/, not in an organization trail's folders, yet ${selectors.file} judged ${one ? 'its' : 'their'} data actions: if that trail does not log ${one ? 'it' : 'them'}, a "-" for a data action may be wrong.`,
        'organization-trail',
      ),
    );
  }
  root.appendChild(
    notice(
      'info',
      doc.accessAdvisor.used
        ? `Access Advisor snapshots from the cache were used for ${plural(doc.accessAdvisor.principals, 'principal')}.`
        : 'Access Advisor data was not used.',
      'advisor',
    ),
  );
  if (failed.length > 0) {
    root.appendChild(
      notice(
        'error',
        `${failed.length} of ${plural(doc.accounts.length, 'account')} could not be audited: their findings are missing from this report.`,
        'failed',
      ),
    );
    root.appendChild(
      h('table', { 'data-role': 'failed-accounts' }, [
        h('thead', null, [
          h(
            'tr',
            null,
            ['Account', 'Id', 'Error code', 'Error'].map((label) => h('th', { text: label })),
          ),
        ]),
        h(
          'tbody',
          null,
          failed.map((account) =>
            h(
              'tr',
              null,
              [account.name, account.id, orDash(account.errorCode), account.error].map((text) =>
                h('td', { class: 'failed', text }),
              ),
            ),
          ),
        ),
      ]),
    );
  }

  const byType = new Map<FindingType, number>();
  const bySeverity = new Map<Severity, number>();
  const findingsByArn = new Map<string, Finding[]>();
  const findingsByAccount = new Map<string, number>();
  for (const finding of doc.findings) {
    increment(byType, finding.findingType);
    increment(bySeverity, finding.severity);
    const list = findingsByArn.get(finding.resource);
    if (list) list.push(finding);
    else findingsByArn.set(finding.resource, [finding]);
    increment(findingsByAccount, finding.resourceOwnerAccount);
  }
  const principalCount = (account: EmbeddedAudited): number => {
    if (account.principals) return account.principals.length;
    return Number(
      document.getElementById(`iamtrail-data-${account.principalsPart ?? ''}`)?.getAttribute('data-count'),
    );
  };
  const principals = audited.reduce((sum, account) => sum + principalCount(account), 0);

  root.appendChild(h('h2', { text: 'Summary' }));
  root.appendChild(
    h('div', { class: 'cards', 'data-role': 'totals' }, [
      card({ key: 'accounts', label: 'accounts audited', value: audited.length }),
      card({
        key: 'accounts-failed',
        label: 'accounts failed',
        value: failed.length,
        tone: failed.length > 0 ? 'failed' : '',
      }),
      card({ key: 'principals', label: 'principals', value: principals }),
      card({ key: 'findings', label: 'findings', value: doc.findings.length }),
    ]),
  );
  let findingsTable: Table | null = null;
  const showType = (type: FindingType) => (): void => {
    findingsTable?.setFilter(`type=${type}`);
    document.getElementById('findings')?.scrollIntoView();
  };
  root.appendChild(
    h(
      'div',
      { class: 'cards', 'data-role': 'severities' },
      SEVERITIES.slice()
        .reverse()
        .map((severity) =>
          card({
            key: `severity-${severity}`,
            label: severity,
            value: bySeverity.get(severity) ?? 0,
            tone: `sev-${severity}`,
          }),
        ),
    ),
  );
  root.appendChild(
    h(
      'div',
      { class: 'cards', 'data-role': 'finding-types' },
      FINDING_TYPES.map((type) => {
        const suppressed = doc.suppressed[type] ?? 0;
        if (type === 'UnusedPermission' && !cloudTrailUsed) {
          return card({ key: type, label: type, value: 'n/a', note: 'needs CloudTrail evidence' });
        }
        return card({
          key: type,
          label: type,
          value: byType.get(type) ?? 0,
          note: suppressed > 0 ? `${suppressed} suppressed` : '',
          onClick: showType(type),
          title: `Show the ${type} findings`,
        });
      }),
    ),
  );

  root.appendChild(h('h2', { id: 'findings', text: 'Findings' }));
  findingsTable = createTable<Finding>({
    id: 'findings',
    label: 'findings',
    rows: doc.findings,
    csvName: 'findings.csv',
    sort: { key: 'severity', dir: -1 },
    columns: [
      {
        key: 'severity',
        label: 'Severity',
        value: (f) => f.severity,
        sortValue: (f) => SEVERITIES.indexOf(f.severity),
        display: (f) => severityCell(f.severity),
      },
      { key: 'type', label: 'Type', value: (f) => f.findingType },
      { key: 'account', label: 'Account', value: (f) => f.accountName },
      { key: 'account_id', label: 'Account id', value: (f) => f.resourceOwnerAccount },
      {
        key: 'resource',
        label: 'Principal',
        value: (f) => f.resource,
        display: (f) => shortArn(f.resource, f.resourceOwnerAccount),
        className: 'mono',
      },
      { key: 'title', label: 'Finding', value: (f) => f.title },
      { key: 'id', label: 'Id', value: (f) => f.id, hidden: true },
    ],
    expand: findingDetail,
    empty: 'No finding.',
  });
  root.appendChild(findingsTable.element);

  root.appendChild(h('h2', { text: 'Accounts' }));
  let first = true;
  for (const account of doc.accounts) {
    if (account.status === 'failed') {
      root.appendChild(
        lazySection({
          id: `account-${account.id}`,
          summary: [
            h('span', { class: 'failed', text: `${account.name} (${account.id}): not audited` }),
            h('span', { class: 'summary-note', text: orDash(account.errorCode) }),
          ],
          build: () => [notice('error', account.error, 'account-error')],
        }),
      );
      continue;
    }
    root.appendChild(
      lazySection({
        id: `account-${account.id}`,
        open: first,
        summary: [
          h('strong', { text: `${account.name} (${account.id})` }),
          h('span', {
            class: 'summary-note',
            text: `${plural(principalCount(account), 'principal')}, ${plural(findingsByAccount.get(account.id) ?? 0, 'finding')}${account.warnings.length > 0 ? `, ${plural(account.warnings.length, 'warning')}` : ''}`,
          }),
        ],
        build: async () => {
          account.principals ??= (await readData(
            `iamtrail-data-${account.principalsPart ?? ''}`,
          )) as readonly AuditPrincipal[];
          return [
            account.warnings.map((warning) => notice('warn', warning, 'account-warning')),
            h('p', {
              class: 'meta',
              text: account.credentialReportGeneratedAt
                ? `Credential report generated ${account.credentialReportGeneratedAt}`
                : 'Credential report from a file',
            }),
            principalsTable(account, account.principals, findingsByArn, cloudTrailUsed),
          ];
        },
      }),
    );
    first = false;
  }

  root.appendChild(h('h2', { id: 'iam-changes', text: 'IAM changes' }));
  if (doc.iamChanges === null) {
    root.appendChild(notice('warn', 'Not available: CloudTrail evidence was not used.', 'iam-changes'));
  } else {
    const changes = doc.iamChanges;
    root.appendChild(
      lazySection({
        id: 'iam-changes',
        open: true,
        summary: [
          h('strong', { text: plural(changes.length, 'change') }),
          h('span', {
            class: 'summary-note',
            text: 'users, keys, passwords, roles and their policies',
          }),
        ],
        build: () => [
          createTable<IamChangeRow>({
            id: 'iam-changes',
            label: 'IAM changes',
            rows: changes,
            csvName: 'iam-changes.csv',
            sort: { key: 'time', dir: 1 },
            empty: 'No IAM change in the window.',
            columns: [
              { key: 'time', label: 'Time', value: (c) => c.eventTime },
              {
                key: 'account',
                label: 'Account',
                value: (c) => `${accountNames.get(c.accountId) ?? '?'} (${c.accountId})`,
              },
              { key: 'event', label: 'Event', value: (c) => c.eventName },
              {
                key: 'actor',
                label: 'Actor',
                value: (c) => c.actorArn,
                display: (c) => shortArn(c.actorArn, c.accountId),
                className: 'mono',
              },
              {
                key: 'caller',
                label: 'Caller',
                value: (c) => c.callerArn,
                display: (c) => shortArn(c.callerArn, c.accountId),
                className: 'mono',
              },
              { key: 'source_ip', label: 'Source IP', value: (c) => c.sourceIp },
              { key: 'target', label: 'Target', value: changeTarget },
              { key: 'outcome', label: 'Outcome', value: outcomeText },
              { key: 'event_id', label: 'Event id', value: (c) => c.eventId, hidden: true },
            ],
          }).element,
        ],
      }),
    );
  }
}
