/*
 * The shared components of the pages' inline app, as browser JavaScript text (the page must run
 * without a build step or a bundler the project does not have). Data reaches the DOM only through
 * textContent, text nodes and setAttribute, never innerHTML. The text must hold no backtick and no
 * `${`: it lives in a template literal.
 */

/**
 * Element building, formatting, cards, lazily built sections, and the table: filterable (every
 * word must match; `column=value` matches one column exactly), sortable (header click), paged (only
 * one page of rows in the DOM), rows expandable on demand, and exported as CSV (the filtered and
 * sorted rows of every page, formula-like cells neutralised as the CLI's CSV does).
 */
export const HTML_COMPONENTS_SCRIPT = String.raw`
function h(tag, props, children) {
  const node = document.createElement(tag);
  if (props) {
    for (const key of Object.keys(props)) {
      const value = props[key];
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  if (children) append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return node;
}

function orDash(value) {
  return value === null || value === undefined || value === '' ? '\u2014' : String(value);
}

function plural(count, word) {
  return count + ' ' + word + (count === 1 ? '' : 's');
}

/** An IAM ARN of the same account as user/alice, of another as 111111111111:user/alice. */
function shortArn(arn, accountId) {
  if (arn === null || arn === undefined) return null;
  const match = /^arn:aws[\w-]*:iam::(\d{12}):(.+)$/.exec(arn);
  if (match === null) return arn;
  return match[1] === accountId ? match[2] : match[1] + ':' + match[2];
}

function notice(tone, text, id) {
  return h('div', { class: 'notice ' + tone, 'data-notice': id, text: text });
}

function facts(pairs) {
  const list = h('dl', { class: 'facts' });
  for (const pair of pairs) {
    if (pair === null) continue;
    append(list, [h('dt', { text: pair[0] }), h('dd', { class: pair[2] }, [pair[1] instanceof Node ? pair[1] : orDash(pair[1])])]);
  }
  return list;
}

function card(options) {
  const clickable = typeof options.onClick === 'function';
  return h(clickable ? 'button' : 'div', {
    class: 'card' + (options.value === 0 ? ' zero' : '') + (options.tone ? ' ' + options.tone : ''),
    type: clickable ? 'button' : undefined,
    'data-card': options.key,
    title: options.title,
    onclick: options.onClick,
  }, [
    h('span', { class: 'card-value', text: options.value }),
    h('span', { class: 'card-label', text: options.label }),
    options.note ? h('span', { class: 'card-note', text: options.note }) : null,
  ]);
}

/**
 * A <details> whose body is built the first time it opens (build may return a promise of nodes);
 * a performance mark iamtrail-built-ID says when it was ready.
 */
function lazySection(options) {
  const body = h('div', { class: 'section-body' });
  const details = h('details', { class: 'section', 'data-section': options.id }, [
    h('summary', null, options.summary),
    body,
  ]);
  let built = false;
  const build = function () {
    if (built) return;
    built = true;
    const content = options.build();
    if (content === null || typeof content.then !== 'function') {
      append(body, content);
      details.setAttribute('data-built', 'true');
      performance.mark('iamtrail-built-' + options.id);
      return;
    }
    const waiting = h('p', { class: 'meta', text: 'Loading\u2026' });
    body.appendChild(waiting);
    content.then(function (nodes) {
      waiting.remove();
      append(body, nodes);
      details.setAttribute('data-built', 'true');
      performance.mark('iamtrail-built-' + options.id);
    }, function (error) {
      waiting.textContent = 'This section could not be read: ' + error.message;
      throw error;
    });
  };
  details.addEventListener('toggle', function () {
    if (details.open) build();
  });
  if (options.open) {
    details.open = true;
    build();
  }
  return details;
}

const CSV_MARKS = new Set([' ', '-', '+', '?', '!']);

function csvCell(text) {
  let value = text;
  if (!CSV_MARKS.has(value) && /^[=+\-@\t\r]/.test(value)) value = "'" + value;
  if (/[",\n\r]/.test(value)) value = '"' + value.replace(/"/g, '""') + '"';
  return value;
}

function downloadText(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: type }));
  const link = h('a', { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(function () {
    URL.revokeObjectURL(url);
  }, 60000);
}

function cellText(column, row) {
  const value = column.value(row);
  return value === null || value === undefined ? '' : String(value);
}

function compareValues(left, right) {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A table over rows. columns: {key, label, value(row), display?(row) -> text or node,
 * sortValue?(row), className?, hidden?: CSV and filter only}.
 */
function createTable(options) {
  const columns = options.columns;
  const shown = columns.filter(function (column) { return !column.hidden; });
  const rows = options.rows;
  const pageSize = options.pageSize || 50;
  const expanded = new Set();
  let searchText = null;
  let view = [];
  let page = 0;
  let sortKey = options.sort ? options.sort.key : null;
  let sortDir = options.sort ? options.sort.dir : 1;

  const input = h('input', { type: 'search', placeholder: 'Filter: words, or column=value', 'aria-label': 'Filter ' + options.label, 'data-role': 'filter' });
  const count = h('span', { class: 'count', 'data-role': 'count' });
  const exportButton = h('button', { type: 'button', 'data-role': 'export', text: 'Export CSV' });
  const headRow = h('tr');
  const tbody = h('tbody');
  const pageLabel = h('span', { 'data-role': 'page' });
  const previous = h('button', { type: 'button', text: 'Previous', 'data-role': 'previous' });
  const next = h('button', { type: 'button', text: 'Next', 'data-role': 'next' });
  const pager = h('div', { class: 'pager' }, [previous, pageLabel, next]);
  const root = h('div', { class: 'table-view', 'data-table': options.id }, [
    h('div', { class: 'toolbar' }, [input, count, exportButton]),
    h('table', null, [h('thead', null, [headRow]), tbody]),
    pager,
  ]);

  if (options.expand) headRow.appendChild(h('th', { 'aria-label': 'expand' }));
  const headers = new Map();
  for (const column of shown) {
    const th = h('th', { 'data-key': column.key, scope: 'col', title: 'Sort by ' + column.label, text: column.label });
    th.addEventListener('click', function () {
      if (sortKey === column.key) sortDir = -sortDir;
      else {
        sortKey = column.key;
        sortDir = 1;
      }
      update(false);
    });
    headers.set(column.key, th);
    headRow.appendChild(th);
  }

  function rowText(index) {
    if (searchText === null) {
      searchText = rows.map(function (row) {
        return columns.map(function (column) { return cellText(column, row); }).join('\t').toLowerCase();
      });
    }
    return searchText[index];
  }

  function matcher(filter) {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const exact = [];
    const loose = [];
    for (const word of words) {
      const at = word.indexOf('=');
      const column = at > 0 ? columns.find(function (c) { return c.key.toLowerCase() === word.slice(0, at); }) : undefined;
      if (column) exact.push({ column: column, value: word.slice(at + 1) });
      else loose.push(word);
    }
    return function (index) {
      for (const term of exact) if (cellText(term.column, rows[index]).toLowerCase() !== term.value) return false;
      if (loose.length === 0) return true;
      const text = rowText(index);
      for (const word of loose) if (text.indexOf(word) < 0) return false;
      return true;
    };
  }

  function update(resetPage) {
    const matches = matcher(input.value);
    view = [];
    for (let index = 0; index < rows.length; index += 1) if (matches(index)) view.push(index);
    const column = columns.find(function (c) { return c.key === sortKey; });
    if (column) {
      const key = column.sortValue || column.value;
      const values = new Map();
      for (const index of view) values.set(index, key(rows[index]));
      view.sort(function (a, b) {
        const left = values.get(a);
        const right = values.get(b);
        const leftMissing = left === null || left === undefined || left === '';
        const rightMissing = right === null || right === undefined || right === '';
        if (leftMissing || rightMissing) return leftMissing === rightMissing ? 0 : leftMissing ? 1 : -1;
        return sortDir * compareValues(left, right);
      });
    }
    for (const entry of headers) {
      if (entry[0] === sortKey) entry[1].setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      else entry[1].removeAttribute('aria-sort');
    }
    if (resetPage) page = 0;
    root.setAttribute('data-filter', input.value);
    renderPage();
  }

  function renderPage() {
    const pages = Math.max(1, Math.ceil(view.length / pageSize));
    page = Math.min(page, pages - 1);
    tbody.textContent = '';
    const span = shown.length + (options.expand ? 1 : 0);
    for (const index of view.slice(page * pageSize, (page + 1) * pageSize)) {
      const row = rows[index];
      const tr = h('tr', { 'data-row': index });
      if (options.expand) {
        const open = expanded.has(index);
        tr.appendChild(h('td', { class: 'expander' }, [
          h('button', {
            type: 'button', 'aria-expanded': open ? 'true' : 'false', title: 'Details', text: open ? '\u25BE' : '\u25B8',
            onclick: function () {
              if (expanded.has(index)) expanded.delete(index);
              else expanded.add(index);
              renderPage();
            },
          }),
        ]));
      }
      for (const column of shown) {
        const shownValue = column.display ? column.display(row) : cellText(column, row);
        tr.appendChild(h('td', { class: column.className, 'data-key': column.key }, [
          shownValue instanceof Node ? shownValue : orDash(shownValue),
        ]));
      }
      tbody.appendChild(tr);
      if (options.expand && expanded.has(index)) {
        tbody.appendChild(h('tr', { class: 'detail', 'data-detail': index }, [h('td', { colspan: span }, [options.expand(row)])]));
      }
    }
    if (view.length === 0) {
      tbody.appendChild(h('tr', null, [h('td', { colspan: span, class: 'empty', text: input.value ? 'No row matches the filter.' : options.empty || 'None.' })]));
    }
    count.textContent = view.length === rows.length ? plural(rows.length, 'row') : view.length + ' of ' + plural(rows.length, 'row');
    pageLabel.textContent = 'Page ' + (page + 1) + ' of ' + pages;
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
    pager.hidden = pages === 1;
  }

  let timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { update(true); }, rows.length > 5000 ? 150 : 0);
  });
  previous.addEventListener('click', function () { page -= 1; renderPage(); });
  next.addEventListener('click', function () { page += 1; renderPage(); });
  exportButton.addEventListener('click', function () {
    const lines = [columns.map(function (column) { return csvCell(column.key); }).join(',')];
    for (const index of view) {
      const row = rows[index];
      lines.push(columns.map(function (column) { return csvCell(cellText(column, row)); }).join(','));
    }
    downloadText(options.csvName, lines.join('\n') + '\n', 'text/csv;charset=utf-8');
  });

  update(true);
  return {
    element: root,
    setFilter: function (text) {
      input.value = text;
      update(true);
    },
  };
}

/** A principal's actions in three lists. */
function actionLists(groups) {
  return h('div', { class: 'actions', 'data-role': 'actions' }, groups.map(function (group) {
    return h('div', { 'data-status': group.status }, [
      h('strong', { class: group.status, text: group.label + ' (' + group.actions.length + ')' }),
      h('ul', null, group.actions.map(function (action) {
        return h('li', { class: group.status, text: group.symbol + ' ' + action });
      })),
    ]);
  }));
}
`;
