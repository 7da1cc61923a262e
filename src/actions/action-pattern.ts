import type { ActionCatalog, CatalogAction } from './action-catalog.js';

/** Why a pattern in a policy matched no action of the catalog. */
export const UNKNOWN_PATTERN_REASONS = ['unknown-service', 'unknown-action', 'malformed'] as const;
/** One of {@link UNKNOWN_PATTERN_REASONS}. */
export type UnknownPatternReason = (typeof UNKNOWN_PATTERN_REASONS)[number];

/** The outcome of expanding one `Action`/`NotAction` pattern. */
export type PatternExpansion =
  | { readonly kind: 'matched'; readonly actions: readonly CatalogAction[] }
  | { readonly kind: 'unknown'; readonly reason: UnknownPatternReason };

/** Compiled globs, by case then pattern: policies repeat a few patterns across many checks. */
const compiled = { sensitive: new Map<string, RegExp>(), insensitive: new Map<string, RegExp>() };
/** Most globs kept compiled per case; past it the map starts over (a bound, not a tuning knob). */
const MAX_COMPILED = 20_000;

/**
 * Turns an IAM policy glob into an anchored regular expression: `*` matches any run of
 * characters, `?` exactly one, everything else literally. Actions match in any case; resource
 * ARNs (`caseSensitive`) do not. Compiled once per pattern (the expression has no `g` flag, so
 * sharing it is safe).
 */
export function globToRegExp(pattern: string, caseSensitive = false): RegExp {
  const cache = caseSensitive ? compiled.sensitive : compiled.insensitive;
  const known = cache.get(pattern);
  if (known !== undefined) return known;
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const expression = new RegExp(`^${body}$`, caseSensitive ? '' : 'i');
  if (cache.size >= MAX_COMPILED) cache.clear();
  cache.set(pattern, expression);
  return expression;
}

/** An IAM action glob as an anchored, case-insensitive regular expression. */
export function toActionRegExp(pattern: string): RegExp {
  return globToRegExp(pattern);
}

/** Whether `action` (any case) matches the IAM glob `pattern`. */
export function actionMatchesPattern(action: string, pattern: string): boolean {
  return toActionRegExp(pattern).test(action);
}

/**
 * Expands an IAM action pattern (`s3:Get*`, `*`, `iam:?etRole`, `S3:LISTBUCKET`) against the
 * catalog. A pattern that matches nothing is returned as `unknown` with a reason rather than as an
 * empty list, so that callers can report it: an audit must not drop what it does not understand.
 */
export function expandActionPattern(catalog: ActionCatalog, pattern: string): PatternExpansion {
  if (pattern === '*') return { kind: 'matched', actions: catalog.actions };
  const colon = pattern.indexOf(':');
  if (colon <= 0 || colon === pattern.length - 1 || /\s/.test(pattern)) {
    return { kind: 'unknown', reason: 'malformed' };
  }
  const prefix = pattern.slice(0, colon);
  const regExp = toActionRegExp(pattern);
  const candidates = /[*?]/.test(prefix)
    ? catalog.actions
    : catalog.hasPrefix(prefix)
      ? catalog.actionsOf(prefix)
      : undefined;
  if (candidates === undefined) return { kind: 'unknown', reason: 'unknown-service' };
  const actions = candidates.filter((action) => regExp.test(action.name));
  if (actions.length === 0) {
    return { kind: 'unknown', reason: /[*?]/.test(prefix) ? 'unknown-service' : 'unknown-action' };
  }
  return { kind: 'matched', actions };
}

/**
 * Whether some action name matches both IAM globs (`*` any run of characters, `?` one, any case):
 * `newsvc:*` and `newsvc:Delete*` do, `s3:Get*` and `s3:Put*` do not. Exact: the two patterns are
 * walked together, a `*` of either taking nothing or one more character of the other.
 */
export function actionPatternsOverlap(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const seen = new Map<number, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = i * (y.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === x.length && j === y.length) result = true;
    else if (x[i] === '*') result = walk(i + 1, j) || (j < y.length && walk(i, j + 1));
    else if (y[j] === '*') result = walk(i, j + 1) || (i < x.length && walk(i + 1, j));
    else if (i < x.length && j < y.length && (x[i] === '?' || y[j] === '?' || x[i] === y[j]))
      result = walk(i + 1, j + 1);
    else result = false;
    seen.set(key, result);
    return result;
  };
  return walk(0, 0);
}

/**
 * Whether every action name the glob `inner` matches is matched by `outer` (any case), as far as
 * can be told simply: `outer` is `*`, the same pattern, or a literal prefix and `*` that `inner`
 * starts with (`s3:*` covers `s3:Future*`). `false` means "not known to cover", never "overlaps
 * not": callers use it only where a wrong `true` would be the unsafe answer.
 */
export function actionPatternCovers(outer: string, inner: string): boolean {
  const o = outer.toLowerCase();
  const i = inner.toLowerCase();
  if (o === '*' || o === i) return true;
  const prefix = o.slice(0, -1);
  return o.endsWith('*') && !/[*?]/.test(prefix) && i.startsWith(prefix);
}
