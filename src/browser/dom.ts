/*
 * Element building and formatting for the HTML pages' app. Data reaches the DOM only through
 * textContent, text nodes and setAttribute, never innerHTML.
 */

/** What `h` and `append` take as children: nodes, text, nested lists; nothing for the rest. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** An element's properties: `text` (its text), `class`, `on<event>` listeners, other attributes. */
export type Props = Readonly<
  Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>
>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  children?: readonly Child[],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (typeof value === 'function') {
        if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      } else if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = String(value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  if (children) append(node, children);
  return node;
}

export function append<T extends Node>(node: T, children: readonly Child[]): T {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === 'string' || typeof child === 'number')
      node.appendChild(document.createTextNode(String(child)));
    else if (child instanceof Node) node.appendChild(child);
    else append(node, child);
  }
  return node;
}

/** A value shown as text. */
export type Scalar = string | number | boolean | null | undefined;

export function orDash(value: Scalar): string {
  return value === null || value === undefined || value === '' ? '\u2014' : String(value);
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** An IAM ARN of the same account as user/alice, of another as 111111111111:user/alice. */
export function shortArn(arn: string | null | undefined, accountId: string): string | null {
  if (arn === null || arn === undefined) return null;
  const match = /^arn:aws[\w-]*:iam::(\d{12}):(.+)$/.exec(arn);
  if (match === null) return arn;
  return match[1] === accountId ? (match[2] ?? '') : `${match[1] ?? ''}:${match[2] ?? ''}`;
}

export function notice(tone: string, text: string, id: string): HTMLDivElement {
  return h('div', { class: `notice ${tone}`, 'data-notice': id, text });
}

/** A fact: label, value (text or a node), the value's class; null for none. */
export type Fact = readonly [string, Node | Scalar, string?] | null;

export function facts(pairs: readonly Fact[]): HTMLDListElement {
  const list = h('dl', { class: 'facts' });
  for (const pair of pairs) {
    if (pair === null) continue;
    const [label, value, className] = pair;
    append(list, [
      h('dt', { text: label }),
      h('dd', { class: className }, [value instanceof Node ? value : orDash(value)]),
    ]);
  }
  return list;
}

export interface CardOptions {
  readonly key: string;
  readonly label: string;
  readonly value: number | string;
  readonly tone?: string;
  readonly note?: string;
  readonly title?: string;
  readonly onClick?: () => void;
}

export function card(options: CardOptions): HTMLElement {
  const clickable = typeof options.onClick === 'function';
  return h(
    clickable ? 'button' : 'div',
    {
      class: `card${options.value === 0 ? ' zero' : ''}${options.tone ? ` ${options.tone}` : ''}`,
      type: clickable ? 'button' : undefined,
      'data-card': options.key,
      title: options.title,
      onclick: options.onClick,
    },
    [
      h('span', { class: 'card-value', text: options.value }),
      h('span', { class: 'card-label', text: options.label }),
      options.note ? h('span', { class: 'card-note', text: options.note }) : null,
    ],
  );
}

/** A principal's actions in three lists. */
export interface ActionGroup {
  readonly status: string;
  readonly label: string;
  readonly symbol: string;
  readonly actions: readonly string[];
}

export function actionLists(groups: readonly ActionGroup[]): HTMLDivElement {
  return h(
    'div',
    { class: 'actions', 'data-role': 'actions' },
    groups.map((group) =>
      h('div', { 'data-status': group.status }, [
        h('strong', { class: group.status, text: `${group.label} (${group.actions.length})` }),
        h(
          'ul',
          null,
          group.actions.map((action) => h('li', { class: group.status, text: `${group.symbol} ${action}` })),
        ),
      ]),
    ),
  );
}
