/*
 * Lazily built sections, and the table: filterable (every word must match; `column=value` matches
 * one column exactly), sortable (header click), paged (only one page of rows in the DOM), rows
 * expandable on demand, and exported as CSV (the filtered and sorted rows of every page,
 * formula-like cells neutralised as the CLI's CSV does).
 */

import { append, h, orDash, plural } from './dom.js';
import type { Child, Scalar } from './dom.js';

export interface LazySectionOptions {
  readonly id: string;
  readonly summary: readonly Child[];
  readonly open?: boolean;
  /** The body, or a promise of it; built the first time the section opens. */
  readonly build: () => readonly Child[] | Promise<readonly Child[]>;
}

/** A <details> whose body is built the first time it opens; mark iamtrail-built-ID when ready. */
export function lazySection(options: LazySectionOptions): HTMLDetailsElement {
  const body = h('div', { class: 'section-body' });
  const details = h('details', { class: 'section', 'data-section': options.id }, [
    h('summary', null, options.summary),
    body,
  ]);
  let built = false;
  const done = (): void => {
    details.setAttribute('data-built', 'true');
    performance.mark(`iamtrail-built-${options.id}`);
  };
  const build = (): void => {
    if (built) return;
    built = true;
    const content = options.build();
    if (!(content instanceof Promise)) {
      append(body, content);
      done();
      return;
    }
    const waiting = h('p', { class: 'meta', text: 'Loading\u2026' });
    body.appendChild(waiting);
    content.then(
      (nodes) => {
        waiting.remove();
        append(body, nodes);
        done();
      },
      (error: unknown) => {
        waiting.textContent = `This section could not be read: ${errorMessage(error)}`;
        throw error;
      },
    );
  };
  details.addEventListener('toggle', () => {
    if (details.open) build();
  });
  if (options.open) {
    details.open = true;
    build();
  }
  return details;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const CSV_MARKS = new Set([' ', '-', '+', '?', '!']);

function csvCell(text: string): string {
  let value = text;
  if (!CSV_MARKS.has(value) && /^[=+\-@\t\r]/.test(value)) value = `'${value}`;
  if (/[",\n\r]/.test(value)) value = `"${value.replace(/"/g, '""')}"`;
  return value;
}

function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60000);
}

/** What a cell holds. */
export type CellValue = Scalar;

export interface Column<Row> {
  readonly key: string;
  readonly label: string;
  readonly value: (row: Row) => CellValue;
  /** What the cell shows, when not its value's text. */
  readonly display?: (row: Row) => Node | CellValue;
  readonly sortValue?: (row: Row) => CellValue;
  readonly className?: string;
  /** In the CSV and the filter only. */
  readonly hidden?: boolean;
}

export interface TableOptions<Row> {
  readonly id: string;
  readonly label: string;
  readonly rows: readonly Row[];
  readonly columns: readonly Column<Row>[];
  readonly csvName: string;
  readonly sort?: { readonly key: string; readonly dir: number };
  readonly pageSize?: number;
  readonly expand?: (row: Row) => Node;
  readonly empty?: string;
}

export interface Table {
  readonly element: HTMLElement;
  setFilter(text: string): void;
}

function cellText<Row>(column: Column<Row>, row: Row): string {
  const value = column.value(row);
  return value === null || value === undefined ? '' : String(value);
}

function compareValues(left: CellValue, right: CellValue): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

function isMissing(value: CellValue): boolean {
  return value === null || value === undefined || value === '';
}

export function createTable<Row>(options: TableOptions<Row>): Table {
  const columns = options.columns;
  const shown = columns.filter((column) => column.hidden !== true);
  const rows = options.rows;
  const pageSize = options.pageSize ?? 50;
  const expand = options.expand;
  const expanded = new Set<number>();
  let searchText: string[] | null = null;
  let view: number[] = [];
  let page = 0;
  let sortKey = options.sort ? options.sort.key : null;
  let sortDir = options.sort ? options.sort.dir : 1;

  const input = h('input', {
    type: 'search',
    placeholder: 'Filter: words, or column=value',
    'aria-label': `Filter ${options.label}`,
    'data-role': 'filter',
  });
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

  if (expand) headRow.appendChild(h('th', { 'aria-label': 'expand' }));
  const headers = new Map<string, HTMLTableCellElement>();
  for (const column of shown) {
    const th = h('th', {
      'data-key': column.key,
      scope: 'col',
      title: `Sort by ${column.label}`,
      text: column.label,
    });
    th.addEventListener('click', () => {
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

  function rowText(index: number): string {
    searchText ??= rows.map((row) =>
      columns
        .map((column) => cellText(column, row))
        .join('\t')
        .toLowerCase(),
    );
    return searchText[index] ?? '';
  }

  function matcher(filter: string): (index: number) => boolean {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const exact: { column: Column<Row>; value: string }[] = [];
    const loose: string[] = [];
    for (const word of words) {
      const at = word.indexOf('=');
      const column =
        at > 0 ? columns.find((candidate) => candidate.key.toLowerCase() === word.slice(0, at)) : undefined;
      if (column) exact.push({ column, value: word.slice(at + 1) });
      else loose.push(word);
    }
    return (index) => {
      const row = rows[index] as Row;
      for (const term of exact) if (cellText(term.column, row).toLowerCase() !== term.value) return false;
      if (loose.length === 0) return true;
      const text = rowText(index);
      for (const word of loose) if (!text.includes(word)) return false;
      return true;
    };
  }

  function update(resetPage: boolean): void {
    const matches = matcher(input.value);
    view = [];
    for (let index = 0; index < rows.length; index += 1) if (matches(index)) view.push(index);
    const column = columns.find((candidate) => candidate.key === sortKey);
    if (column) {
      const key = column.sortValue ?? column.value;
      const values = new Map<number, CellValue>();
      for (const index of view) values.set(index, key(rows[index] as Row));
      view.sort((a, b) => {
        const left = values.get(a);
        const right = values.get(b);
        const leftMissing = isMissing(left);
        const rightMissing = isMissing(right);
        if (leftMissing || rightMissing) return leftMissing === rightMissing ? 0 : leftMissing ? 1 : -1;
        return sortDir * compareValues(left, right);
      });
    }
    for (const [key, th] of headers) {
      if (key === sortKey) th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    if (resetPage) page = 0;
    root.setAttribute('data-filter', input.value);
    renderPage();
  }

  function renderPage(): void {
    const pages = Math.max(1, Math.ceil(view.length / pageSize));
    page = Math.min(page, pages - 1);
    tbody.textContent = '';
    const span = shown.length + (expand ? 1 : 0);
    for (const index of view.slice(page * pageSize, (page + 1) * pageSize)) {
      const row = rows[index] as Row;
      const tr = h('tr', { 'data-row': index });
      if (expand) {
        const open = expanded.has(index);
        tr.appendChild(
          h('td', { class: 'expander' }, [
            h('button', {
              type: 'button',
              'aria-expanded': open ? 'true' : 'false',
              title: 'Details',
              text: open ? '\u25BE' : '\u25B8',
              onclick: () => {
                if (expanded.has(index)) expanded.delete(index);
                else expanded.add(index);
                renderPage();
              },
            }),
          ]),
        );
      }
      for (const column of shown) {
        const shownValue = column.display ? column.display(row) : cellText(column, row);
        tr.appendChild(
          h('td', { class: column.className, 'data-key': column.key }, [
            shownValue instanceof Node ? shownValue : orDash(shownValue),
          ]),
        );
      }
      tbody.appendChild(tr);
      if (expand && expanded.has(index)) {
        tbody.appendChild(
          h('tr', { class: 'detail', 'data-detail': index }, [h('td', { colspan: span }, [expand(row)])]),
        );
      }
    }
    if (view.length === 0) {
      tbody.appendChild(
        h('tr', null, [
          h('td', {
            colspan: span,
            class: 'empty',
            text: input.value ? 'No row matches the filter.' : (options.empty ?? 'None.'),
          }),
        ]),
      );
    }
    count.textContent =
      view.length === rows.length
        ? plural(rows.length, 'row')
        : `${view.length} of ${plural(rows.length, 'row')}`;
    pageLabel.textContent = `Page ${page + 1} of ${pages}`;
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
    pager.hidden = pages === 1;
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        update(true);
      },
      rows.length > 5000 ? 150 : 0,
    );
  });
  previous.addEventListener('click', () => {
    page -= 1;
    renderPage();
  });
  next.addEventListener('click', () => {
    page += 1;
    renderPage();
  });
  exportButton.addEventListener('click', () => {
    const lines = [columns.map((column) => csvCell(column.key)).join(',')];
    for (const index of view) {
      const row = rows[index] as Row;
      lines.push(columns.map((column) => csvCell(cellText(column, row))).join(','));
    }
    downloadText(options.csvName, `${lines.join('\n')}\n`, 'text/csv;charset=utf-8');
  });

  update(true);
  return {
    element: root,
    setFilter(text: string): void {
      input.value = text;
      update(true);
    },
  };
}
