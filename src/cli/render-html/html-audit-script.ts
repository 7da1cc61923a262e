/*
 * The audit page (`iamtrail.audit/v1`) of the inline app, as browser JavaScript text: summary
 * cards per finding type and severity, the findings table, one lazily built section per account
 * with its principals (credentials, findings, used / unused / unknown actions on expand), and the
 * IAM changes timeline. No backtick and no `${` in the text: it lives in a template literal.
 */

/** `renderAudit(doc, root)`; needs the components script and `FINDING_TYPES`/`SEVERITIES`. */
export const HTML_AUDIT_SCRIPT = String.raw`
function severityCell(severity) {
  return h('span', { class: 'sev-' + severity, text: severity });
}

function outcomeText(change) {
  return change.outcome === 'ok' ? 'ok' : change.outcome + (change.errorCode ? ': ' + change.errorCode : '');
}

function changeTarget(change) {
  const parts = [];
  if (change.userName !== null) parts.push('user ' + change.userName);
  if (change.roleName !== null) parts.push('role ' + change.roleName);
  if (change.groupName !== null) parts.push('group ' + change.groupName);
  if (change.accessKeyId !== null) parts.push('key ' + change.accessKeyId);
  if (change.createdAccessKeyId !== null) parts.push('new key ' + change.createdAccessKeyId);
  if (change.policyArn !== null) parts.push('policy ' + change.policyArn);
  if (change.policyName !== null) parts.push('inline policy ' + change.policyName);
  if (change.status !== null) parts.push('status ' + change.status);
  return parts.join(', ');
}

function passwordText(report) {
  if (report.passwordLastUsedState === 'no-password') return report.passwordEnabled === null ? 'n/a' : 'no password';
  if (report.passwordLastUsedState === 'never') return 'never used';
  return report.passwordLastUsed;
}

function keysText(credentials) {
  const active = credentials.accessKeys.filter(function (key) { return key.status === 'Active'; }).length;
  if (credentials.accessKeys.length === 0) return 'none';
  return active + ' active of ' + credentials.accessKeys.length;
}

function findingDetailFacts(detail) {
  const name = Object.keys(detail)[0];
  const body = detail[name];
  const pairs = [];
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (Array.isArray(value)) {
      pairs.push([key, h('ul', null, value.map(function (item) {
        return h('li', { class: 'mono', text: typeof item === 'object' && item !== null ? (item.action || JSON.stringify(item)) + (item.lastAccessed ? ' (last ' + item.lastAccessed + ')' : item.lastAccessed === null ? ' (never)' : '') : String(item) });
      }))]);
    } else {
      pairs.push([key, value === null ? 'null' : String(value)]);
    }
  }
  return [h('strong', { text: name }), facts(pairs)];
}

function findingDetail(finding) {
  return h('div', null, [
    facts([
      ['Resource', finding.resource, 'mono'],
      ['Resource type', finding.resourceType],
      ['Account', finding.accountName + ' (' + finding.resourceOwnerAccount + ')'],
      ['Finding id', finding.id, 'mono'],
    ]),
    h('strong', { text: 'Evidence' }),
    h('ul', null, finding.evidence.map(function (evidence) {
      return h('li', { text: evidence.source + ': ' + evidence.detail + (evidence.lastUsed ? '; last used ' + evidence.lastUsed : '; no use found') + (evidence.covers ? '; covers ' + evidence.covers : '') });
    })),
    finding.findingDetails.map(findingDetailFacts),
  ]);
}

function principalDetail(principal, account, findings, cloudTrailUsed) {
  const parts = [
    facts([
      ['ARN', principal.arn, 'mono'],
      ['Created', principal.createdAt],
      principal.type === 'role' ? ['Role last used (IAM)', principal.roleLastUsed] : null,
      ['Tags', Object.keys(principal.tags).map(function (key) { return key + '=' + principal.tags[key]; }).join(', ')],
    ]),
  ];
  const credentials = principal.credentials;
  if (credentials) {
    const report = credentials.report;
    parts.push(h('strong', { text: 'Credentials' }), facts([
      ['Password', passwordText(report)],
      ['MFA', report.mfaActive ? 'active (' + credentials.mfaType + ')' : 'none'],
    ]));
    if (credentials.accessKeys.length > 0) {
      parts.push(h('table', { 'data-role': 'keys' }, [
        h('thead', null, [h('tr', null, ['Key', 'Id', 'Status', 'Created', 'Last used', 'Service', 'Region'].map(function (label) { return h('th', { text: label }); }))]),
        h('tbody', null, credentials.accessKeys.map(function (key) {
          return h('tr', null, [key.slot, orDash(key.accessKeyId), key.status, key.created, orDash(key.lastUsedDate), orDash(key.lastUsedService), orDash(key.lastUsedRegion)].map(function (text) { return h('td', { text: text }); }));
        })),
      ]));
    }
  }
  parts.push(h('strong', { text: 'Findings (' + findings.length + ')' }));
  parts.push(findings.length === 0 ? h('p', { text: 'None.' }) : h('ul', null, findings.map(function (finding) {
    return h('li', null, [severityCell(finding.severity), ' ' + finding.findingType + ': ' + finding.title]);
  })));
  if (principal.actions) {
    parts.push(actionLists([
      { status: 'used', label: 'Used', symbol: ' ', actions: principal.actions.used },
      { status: 'unused', label: 'Unused (granted, never used)', symbol: '-', actions: principal.actions.unused },
      { status: 'unknown', label: 'Unknown (not knowable from the logs)', symbol: '?', actions: principal.actions.unknown },
    ]));
  } else {
    parts.push(h('p', { class: 'meta', text: cloudTrailUsed ? 'No action data for this principal.' : 'Actions: CloudTrail evidence was not used.' }));
  }
  return h('div', null, parts);
}

function principalsTable(account, findingsByArn, cloudTrailUsed) {
  const findingsOf = function (principal) { return findingsByArn.get(principal.arn) || []; };
  const actionCount = function (status) {
    return function (principal) { return principal.actions ? principal.actions[status].length : null; };
  };
  return createTable({
    id: 'principals-' + account.id,
    label: 'principals of ' + account.name,
    rows: account.principals,
    csvName: 'principals-' + account.id + '.csv',
    sort: { key: 'name', dir: 1 },
    columns: [
      { key: 'type', label: 'Type', value: function (p) { return p.type; } },
      { key: 'name', label: 'Name', value: function (p) { return p.name; } },
      { key: 'arn', label: 'ARN', value: function (p) { return p.arn; }, hidden: true },
      { key: 'findings', label: 'Findings', className: 'num', value: function (p) { return findingsOf(p).length; } },
      { key: 'last_activity', label: 'Last CloudTrail activity', value: function (p) { return p.lastActivity; }, display: function (p) { return p.lastActivity === undefined ? 'n/a' : p.lastActivity === null ? 'none in window' : p.lastActivity; } },
      { key: 'role_last_used', label: 'Role last used', value: function (p) { return p.type === 'role' ? p.roleLastUsed : null; } },
      { key: 'password', label: 'Password', value: function (p) { return p.credentials ? passwordText(p.credentials.report) : null; } },
      { key: 'access_keys', label: 'Access keys', value: function (p) { return p.credentials ? keysText(p.credentials) : null; } },
      { key: 'mfa', label: 'MFA', value: function (p) { return p.credentials ? (p.credentials.report.mfaActive ? p.credentials.mfaType : 'none') : null; } },
      { key: 'used', label: 'Used', className: 'num', value: actionCount('used') },
      { key: 'unused', label: 'Unused', className: 'num', value: actionCount('unused') },
      { key: 'unknown', label: 'Unknown', className: 'num', value: actionCount('unknown') },
      { key: 'created', label: 'Created', value: function (p) { return p.createdAt; } },
    ],
    expand: function (p) { return principalDetail(p, account, findingsOf(p), cloudTrailUsed); },
  }).element;
}

function renderAudit(doc, root) {
  const cloudTrailUsed = doc.cloudTrail.used;
  const accountNames = new Map(doc.accounts.map(function (account) { return [account.id, account.name]; }));
  const audited = doc.accounts.filter(function (account) { return account.status === 'audited'; });
  const failed = doc.accounts.filter(function (account) { return account.status === 'failed'; });
  document.title = 'iamtrail audit ' + doc.window.startDay + '..' + doc.window.endDay;

  append(root, [
    h('h1', { text: 'IAM audit: ' + plural(doc.accounts.length, 'account') }),
    h('p', { class: 'meta', text: 'Window ' + doc.window.startDay + '..' + doc.window.endDay + ' \u00b7 generated ' + doc.generatedAt + ' \u00b7 unused after ' + doc.settings.unusedDays + ' days \u00b7 access keys older than ' + doc.settings.keyMaxAgeDays + ' days' }),
  ]);
  if (!cloudTrailUsed) {
    root.appendChild(notice('warn', 'CloudTrail evidence was not used (' + doc.cloudTrail.reason + '): this audit rests on IAM\'s own evidence (credential report, RoleLastUsed). Findings that need the logs (unused permissions) and the IAM changes are absent, not empty.', 'cloudtrail'));
  } else if (!doc.cloudTrail.logs.complete) {
    root.appendChild(notice('warn', 'The logs do not cover the whole window (or some files could not be read): inactivity and unused verdicts rest on the days with logs only.', 'coverage'));
  }
  root.appendChild(notice('info', doc.accessAdvisor.used ? 'Access Advisor snapshots from the cache were used for ' + plural(doc.accessAdvisor.principals, 'principal') + '.' : 'Access Advisor data was not used.', 'advisor'));
  if (failed.length > 0) {
    root.appendChild(notice('error', failed.length + ' of ' + plural(doc.accounts.length, 'account') + ' could not be audited: their findings are missing from this report.', 'failed'));
    root.appendChild(h('table', { 'data-role': 'failed-accounts' }, [
      h('thead', null, [h('tr', null, ['Account', 'Id', 'Error code', 'Error'].map(function (label) { return h('th', { text: label }); }))]),
      h('tbody', null, failed.map(function (account) {
        return h('tr', null, [account.name, account.id, orDash(account.errorCode), account.error].map(function (text) { return h('td', { class: 'failed', text: text }); }));
      })),
    ]));
  }

  const byType = new Map();
  const bySeverity = new Map();
  const findingsByArn = new Map();
  const findingsByAccount = new Map();
  for (const finding of doc.findings) {
    byType.set(finding.findingType, (byType.get(finding.findingType) || 0) + 1);
    bySeverity.set(finding.severity, (bySeverity.get(finding.severity) || 0) + 1);
    const list = findingsByArn.get(finding.resource);
    if (list) list.push(finding);
    else findingsByArn.set(finding.resource, [finding]);
    findingsByAccount.set(finding.resourceOwnerAccount, (findingsByAccount.get(finding.resourceOwnerAccount) || 0) + 1);
  }
  const principalCount = function (account) {
    if (account.principals) return account.principals.length;
    return Number(document.getElementById('iamtrail-data-' + account.principalsPart).getAttribute('data-count'));
  };
  const principals = audited.reduce(function (sum, account) { return sum + principalCount(account); }, 0);

  root.appendChild(h('h2', { text: 'Summary' }));
  root.appendChild(h('div', { class: 'cards', 'data-role': 'totals' }, [
    card({ key: 'accounts', label: 'accounts audited', value: audited.length }),
    card({ key: 'accounts-failed', label: 'accounts failed', value: failed.length, tone: failed.length > 0 ? 'failed' : '' }),
    card({ key: 'principals', label: 'principals', value: principals }),
    card({ key: 'findings', label: 'findings', value: doc.findings.length }),
  ]));
  let findingsTable = null;
  const showType = function (type) {
    return function () {
      findingsTable.setFilter('type=' + type);
      document.getElementById('findings').scrollIntoView();
    };
  };
  root.appendChild(h('div', { class: 'cards', 'data-role': 'severities' }, SEVERITIES.slice().reverse().map(function (severity) {
    return card({ key: 'severity-' + severity, label: severity, value: bySeverity.get(severity) || 0, tone: 'sev-' + severity });
  })));
  root.appendChild(h('div', { class: 'cards', 'data-role': 'finding-types' }, FINDING_TYPES.map(function (type) {
    const suppressed = doc.suppressed[type] || 0;
    if (type === 'UnusedPermission' && !cloudTrailUsed) {
      return card({ key: type, label: type, value: 'n/a', note: 'needs CloudTrail evidence' });
    }
    return card({ key: type, label: type, value: byType.get(type) || 0, note: suppressed > 0 ? suppressed + ' suppressed' : '', onClick: showType(type), title: 'Show the ' + type + ' findings' });
  })));

  root.appendChild(h('h2', { id: 'findings', text: 'Findings' }));
  findingsTable = createTable({
    id: 'findings',
    label: 'findings',
    rows: doc.findings,
    csvName: 'findings.csv',
    sort: { key: 'severity', dir: -1 },
    columns: [
      { key: 'severity', label: 'Severity', value: function (f) { return f.severity; }, sortValue: function (f) { return SEVERITIES.indexOf(f.severity); }, display: function (f) { return severityCell(f.severity); } },
      { key: 'type', label: 'Type', value: function (f) { return f.findingType; } },
      { key: 'account', label: 'Account', value: function (f) { return f.accountName; } },
      { key: 'account_id', label: 'Account id', value: function (f) { return f.resourceOwnerAccount; } },
      { key: 'resource', label: 'Principal', value: function (f) { return f.resource; }, display: function (f) { return shortArn(f.resource, f.resourceOwnerAccount); }, className: 'mono' },
      { key: 'title', label: 'Finding', value: function (f) { return f.title; } },
      { key: 'id', label: 'Id', value: function (f) { return f.id; }, hidden: true },
    ],
    expand: findingDetail,
    empty: 'No finding.',
  });
  root.appendChild(findingsTable.element);

  root.appendChild(h('h2', { text: 'Accounts' }));
  let first = true;
  for (const account of doc.accounts) {
    if (account.status === 'failed') {
      root.appendChild(lazySection({
        id: 'account-' + account.id,
        summary: [h('span', { class: 'failed', text: account.name + ' (' + account.id + '): not audited' }), h('span', { class: 'summary-note', text: orDash(account.errorCode) })],
        build: function () { return [notice('error', account.error, 'account-error')]; },
      }));
      continue;
    }
    root.appendChild(lazySection({
      id: 'account-' + account.id,
      open: first,
      summary: [
        h('strong', { text: account.name + ' (' + account.id + ')' }),
        h('span', { class: 'summary-note', text: plural(principalCount(account), 'principal') + ', ' + plural(findingsByAccount.get(account.id) || 0, 'finding') + (account.warnings.length > 0 ? ', ' + plural(account.warnings.length, 'warning') : '') }),
      ],
      build: async function () {
        if (!account.principals) account.principals = await readData('iamtrail-data-' + account.principalsPart);
        return [
          account.warnings.map(function (warning) { return notice('warn', warning, 'account-warning'); }),
          h('p', { class: 'meta', text: account.credentialReportGeneratedAt ? 'Credential report generated ' + account.credentialReportGeneratedAt : 'Credential report from a file' }),
          principalsTable(account, findingsByArn, cloudTrailUsed),
        ];
      },
    }));
    first = false;
  }

  root.appendChild(h('h2', { id: 'iam-changes', text: 'IAM changes' }));
  if (doc.iamChanges === null) {
    root.appendChild(notice('warn', 'Not available: CloudTrail evidence was not used.', 'iam-changes'));
  } else {
    const changes = doc.iamChanges;
    root.appendChild(lazySection({
      id: 'iam-changes',
      open: true,
      summary: [h('strong', { text: plural(changes.length, 'change') }), h('span', { class: 'summary-note', text: 'users, keys, passwords, roles and their policies' })],
      build: function () {
        return [createTable({
          id: 'iam-changes',
          label: 'IAM changes',
          rows: changes,
          csvName: 'iam-changes.csv',
          sort: { key: 'time', dir: 1 },
          empty: 'No IAM change in the window.',
          columns: [
            { key: 'time', label: 'Time', value: function (c) { return c.eventTime; } },
            { key: 'account', label: 'Account', value: function (c) { return (accountNames.get(c.accountId) || '?') + ' (' + c.accountId + ')'; } },
            { key: 'event', label: 'Event', value: function (c) { return c.eventName; } },
            { key: 'actor', label: 'Actor', value: function (c) { return c.actorArn; }, display: function (c) { return shortArn(c.actorArn, c.accountId); }, className: 'mono' },
            { key: 'caller', label: 'Caller', value: function (c) { return c.callerArn; }, display: function (c) { return shortArn(c.callerArn, c.accountId); }, className: 'mono' },
            { key: 'source_ip', label: 'Source IP', value: function (c) { return c.sourceIp; } },
            { key: 'target', label: 'Target', value: changeTarget },
            { key: 'outcome', label: 'Outcome', value: outcomeText },
            { key: 'event_id', label: 'Event id', value: function (c) { return c.eventId; }, hidden: true },
          ],
        }).element];
      },
    }));
  }
}
`;
