/*
 * The report's pages of the inline app, as browser JavaScript text: `--list users|roles`
 * (`iamtrail.list/v1`) and `--user/--role` (`iamtrail.diff/v1`), from the same JSON documents as
 * `--format json`. No backtick and no `${` in the text: it lives in a template literal.
 */

/** `renderList(doc, root)` and `renderDiff(doc, root)`; needs the components script. */
export const HTML_REPORT_SCRIPT = String.raw`
function logsNotices(logs) {
  const notices = [];
  for (const entry of logs.coverage) {
    if (entry.gaps.length > 0) {
      notices.push(notice('warn', 'No logs for account ' + entry.account.name + ' (' + entry.account.id + ') on ' + entry.gaps.map(function (gap) { return gap.startDay === gap.endDay ? gap.startDay : gap.startDay + '..' + gap.endDay; }).join(', ') + ': inactivity and "-" rest on the ' + plural(entry.daysWithLogs, 'day') + ' with logs only.', 'coverage'));
    }
  }
  if (logs.unreadableFiles.length > 0) {
    notices.push(notice('warn', plural(logs.unreadableFiles.length, 'log file') + ' of the window could not be read: verdicts may miss their calls.', 'unreadable'));
  }
  return notices;
}

function logsFooter(logs) {
  return h('footer', { text: 'Logs: ' + logs.engine + ' ' + logs.source + ' \u00b7 ' + plural(logs.daysRead, 'day') + ' read, ' + plural(logs.daysFromCache, 'day') + ' from the cache \u00b7 made by iamtrail; the data is embedded in this file (script #iamtrail-data).' });
}

function reportHeader(doc, title) {
  document.title = 'iamtrail: ' + title;
  return [
    h('h1', { text: title }),
    h('p', { class: 'meta', text: 'Account ' + doc.account.name + ' (' + doc.account.id + ') \u00b7 window ' + doc.window.start + '..' + doc.window.end }),
  ];
}

function renderList(doc, root) {
  const kind = doc.type === 'user' ? 'Users' : 'Roles';
  append(root, reportHeader(doc, kind + ' of account ' + doc.account.name));
  append(root, logsNotices(doc.logs));
  const rows = doc.identities.map(function (identity) {
    return { mark: identity.active ? ' ' : '-', knownTo: 'iam', identity: identity };
  }).concat(doc.notInIam.map(function (identity) {
    return { mark: '!', knownTo: 'logs-only', identity: identity };
  }));
  const active = doc.identities.filter(function (identity) { return identity.active; }).length;
  root.appendChild(h('div', { class: 'cards', 'data-role': 'totals' }, [
    card({ key: 'identities', label: doc.type + 's in IAM', value: doc.identities.length }),
    card({ key: 'active', label: 'active in the window', value: active }),
    card({ key: 'inactive', label: 'not active (-)', value: doc.identities.length - active }),
    card({ key: 'not-in-iam', label: 'in the logs only (!)', value: doc.notInIam.length }),
  ]));
  const callersText = function (row) {
    const callers = row.identity.callers;
    if (!callers || callers.length === 0) return null;
    return callers.map(function (caller) { return orDash(shortArn(caller.caller, doc.account.id)) + (caller.via ? ' via ' + shortArn(caller.via, doc.account.id) : ''); }).join(', ');
  };
  root.appendChild(createTable({
    id: 'identities',
    label: doc.type + 's',
    rows: rows,
    csvName: doc.account.name + '-' + doc.type + 's.csv',
    columns: [
      { key: 'mark', label: '', value: function (r) { return r.mark; }, className: 'mono' },
      { key: 'name', label: 'Name', value: function (r) { return r.identity.name; } },
      { key: 'arn', label: 'ARN', value: function (r) { return r.identity.arn; }, hidden: true },
      { key: 'known_to', label: 'Known to', value: function (r) { return r.knownTo; } },
      { key: 'last_activity', label: 'Last activity', value: function (r) { return r.identity.lastActivity; }, display: function (r) { return r.identity.lastActivity || (r.knownTo === 'iam' ? 'not active in window' : 'failed or denied calls only'); } },
      { key: 'calls', label: 'Calls', className: 'num', value: function (r) { return r.identity.calls; } },
      { key: 'denied_calls', label: 'Denied', className: 'num', value: function (r) { return r.identity.deniedCalls; } },
      { key: 'failed_calls', label: 'Failed', className: 'num', value: function (r) { return r.identity.failedCalls; } },
      { key: 'service_linked', label: 'Service-linked', value: function (r) { return r.identity.serviceLinked === true ? 'yes' : ''; } },
      { key: 'callers', label: 'Callers', value: callersText, className: 'mono' },
      { key: 'window_incomplete', label: 'Window incomplete', value: function (r) { return r.identity.windowIncomplete === true ? 'yes' : ''; }, hidden: true },
    ],
    expand: function (r) {
      return facts([
        ['ARN', r.identity.arn, 'mono'],
        ['Calls', r.identity.calls + ' ok, ' + r.identity.deniedCalls + ' denied, ' + r.identity.failedCalls + ' failed'],
        ['Callers', callersText(r)],
        r.identity.windowIncomplete ? ['Note', 'not seen on the days with logs; the logs miss days of the window'] : null,
      ]);
    },
  }).element);
  root.appendChild(logsFooter(doc.logs));
}

const STATUS_LABELS = { used: 'used', unused: 'unused (-)', unknown: 'unknown (?)', ungranted: 'used, not granted (+)' };

function grantedByText(entry) {
  return entry.policy + ' (' + entry.type + (entry.via ? ' via ' + entry.via : '') + ')';
}

function simpleTable(id, label, rows, columns) {
  return createTable({ id: id, label: label, rows: rows, csvName: id + '.csv', columns: columns }).element;
}

function renderDiff(doc, root) {
  const principal = doc.principal;
  append(root, reportHeader(doc, principal.type + ' ' + principal.name + ' of account ' + doc.account.name));
  root.appendChild(facts([
    ['ARN', principal.arn, 'mono'],
    ['Created', principal.createDate],
    doc.destination ? ['Compared in', 'sessions of role ' + doc.destination.role.arn + (doc.destination.assumable ? '' : ' (its policies do not name this role)')] : null,
  ]));
  if (principal.knownTo === 'logs-only') root.appendChild(notice('warn', principal.type + ' ' + principal.name + ' is not in the IAM data, only in the logs: nothing grants it anything here, so every action it used is "+".', 'logs-only'));
  if (doc.writeOnlySuspected) root.appendChild(notice('warn', 'The logs hold management calls but no read-only one: the trail looks write-only, so unused read actions are "?".', 'write-only'));
  if (doc.readOnlySuspected) root.appendChild(notice('warn', 'The logs hold management calls but no write: the trail looks read-only, so unused write actions are "?".', 'read-only'));
  append(root, logsNotices(doc.logs));
  if (doc.accessAdvisor !== null) root.appendChild(notice('info', 'Access Advisor: ' + doc.accessAdvisor.detail, 'advisor'));
  const filters = [doc.filter.showUsed ? '--show-used' : null, doc.filter.ignoreBenign ? '--ignore-benign' : null, doc.filter.ignoreUnknown ? '--ignore-unknown' : null].filter(Boolean);
  if (filters.length > 0) root.appendChild(notice('info', 'Filtered with ' + filters.join(' ') + ': the cards count the lines shown; the whole diff is in their notes.', 'filter'));

  const counts = { used: 0, unused: 0, unknown: 0, ungranted: 0 };
  for (const line of doc.actions) counts[line.status] += 1;
  root.appendChild(h('div', { class: 'cards', 'data-role': 'statuses' }, ['used', 'unused', 'unknown', 'ungranted'].map(function (status) {
    return card({ key: status, label: STATUS_LABELS[status], value: counts[status], tone: status, note: 'whole diff: ' + doc.totals.all[status] });
  })));

  root.appendChild(h('h2', { text: 'Actions' }));
  root.appendChild(createTable({
    id: 'actions',
    label: 'actions',
    rows: doc.actions,
    csvName: principal.name + '-actions.csv',
    columns: [
      { key: 'symbol', label: '', value: function (l) { return l.symbol; }, className: 'mono' },
      { key: 'action', label: 'Action', value: function (l) { return l.action; }, display: function (l) { return h('span', { class: l.status, text: l.action }); }, className: 'mono' },
      { key: 'status', label: 'Status', value: function (l) { return l.status; } },
      { key: 'calls', label: 'Calls', className: 'num', value: function (l) { return l.calls; } },
      { key: 'last_seen', label: 'Last seen', value: function (l) { return l.lastSeen; } },
      { key: 'recorded', label: 'Recorded', value: function (l) { return l.recorded; } },
      { key: 'evidence', label: 'Evidence', value: function (l) { return l.evidence.kind; } },
      { key: 'evidence_detail', label: 'Evidence detail', value: function (l) { return l.evidence.detail; }, hidden: true },
      { key: 'basis', label: 'Basis', value: function (l) { return l.basis; } },
      { key: 'limited', label: 'Limited', value: function (l) { return l.limited ? 'yes' : ''; } },
      { key: 'window_incomplete', label: 'Window incomplete', value: function (l) { return l.windowIncomplete === true ? 'yes' : ''; }, hidden: true },
      { key: 'granted_by', label: 'Granted by', value: function (l) { return l.grantedBy.map(grantedByText).join('; '); }, hidden: true },
    ],
    expand: function (l) {
      return h('div', null, [
        facts([
          ['Evidence', l.evidence.kind + ': ' + l.evidence.detail],
          ['Basis', l.basis],
          ['Possibly used', l.possiblyUsed ? 'yes' : 'no'],
          ['Limited', l.limited ? 'only on some resources or under conditions' : 'no'],
          l.windowIncomplete ? ['Note', 'not used on the days with logs; the logs miss days of the window'] : null,
        ]),
        h('strong', { text: 'Granted by' }),
        l.grantedBy.length === 0 ? h('p', { text: 'no policy' }) : h('ul', null, l.grantedBy.map(function (entry) { return h('li', { class: 'mono', text: grantedByText(entry) }); })),
      ]);
    },
  }).element);

  const roles = (doc.assumableRoles || []).map(function (role) { return { mark: role.used ? ' ' : '-', arn: role.arn, account: role.account.name, calls: role.calls, lastSeen: role.lastSeen, note: role.conditional ? 'conditional' : '' }; })
    .concat((doc.otherRolesUsed || []).map(function (role) { return { mark: '+', arn: role.arn, account: '', calls: role.calls, lastSeen: role.lastSeen, note: 'not named by its policies' }; }));
  if (roles.length > 0) {
    root.appendChild(h('h2', { text: 'Roles ' + principal.name + ' may assume, and their use' }));
    root.appendChild(simpleTable('roles', 'roles', roles, [
      { key: 'mark', label: '', value: function (r) { return r.mark; }, className: 'mono' },
      { key: 'role', label: 'Role', value: function (r) { return r.arn; }, className: 'mono' },
      { key: 'account', label: 'Account', value: function (r) { return r.account; } },
      { key: 'calls', label: 'Calls in its sessions', className: 'num', value: function (r) { return r.calls; } },
      { key: 'last_seen', label: 'Last seen', value: function (r) { return r.lastSeen; } },
      { key: 'note', label: 'Note', value: function (r) { return r.note; } },
    ]));
  }
  const errorColumns = [
    { key: 'action', label: 'Action', value: function (d) { return d.action; }, className: 'mono' },
    { key: 'calls', label: 'Calls', className: 'num', value: function (d) { return d.calls; } },
    { key: 'last_seen', label: 'Last seen', value: function (d) { return d.lastSeen; } },
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
    root.appendChild(simpleTable('unmapped', 'unmapped events', doc.unmappedEvents, [
      { key: 'event', label: 'Event', value: function (e) { return e.event; }, className: 'mono' },
      { key: 'calls', label: 'Calls', className: 'num', value: function (e) { return e.calls; } },
      { key: 'reason', label: 'Reason', value: function (e) { return e.reason; } },
    ]));
  }
  root.appendChild(logsFooter(doc.logs));
}
`;
