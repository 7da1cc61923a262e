/**
 * How a principal's use of an action compares with its grants, with CloudTracker's symbols:
 * `used` (` `), granted and `unused` although CloudTrail would have recorded it (`-`), granted and
 * `unknown` because these logs cannot show it (`?`), used but `ungranted` (`+`).
 */
export const DIFF_STATUSES = ['used', 'unused', 'unknown', 'ungranted'] as const;
/** One of {@link DIFF_STATUSES}. */
export type DiffStatus = (typeof DIFF_STATUSES)[number];

/** The symbol CloudTracker prints for each status. */
export const DIFF_SYMBOLS: Readonly<Record<DiffStatus, string>> = {
  used: ' ',
  unused: '-',
  unknown: '?',
  ungranted: '+',
};

/** One line of the diff. */
export interface ActionDiffLine {
  readonly action: string;
  readonly status: DiffStatus;
}

/** Inputs of {@link diffActions}. */
export interface ActionDiffInput {
  /** Actions the principal used (successful calls only), canonical names. */
  readonly used: Iterable<string>;
  /**
   * Actions the principal is granted, canonical names: as a list (or a set, or any iterable of
   * names; not a map, whose entries are pairs), or already in the diff's order ({@link sortGrants}:
   * made once for the principals granted the same names).
   */
  readonly granted: Iterable<string> | SortedGrants;
  /** Whether these logs would show a call authorised by the action, had it been made. */
  readonly isRecorded: (action: string) => boolean;
}

/**
 * Granted names in the diff's order, each lowered, and looked up by name: made by
 * {@link sortGrants}, whose `has` is true of exactly the names in `names` (a used name it is true of
 * but `names` lacks would be on no line).
 */
export interface SortedGrants {
  /** The names, by name in any case, then by code unit. */
  readonly names: readonly string[];
  /** Each name of `names` in lower case, at its index. */
  readonly lowered: readonly string[];
  has(name: string): boolean;
}

/**
 * The names of `byName` (a set, or a map keyed by them, used as it is) sorted for
 * {@link diffActions}. Sorting is the diff's only cost that grows faster than the grants: a
 * principal granted `*` has some 22,000 lines, and the principals granted the same policies are
 * granted the same names, sorted once for all of them.
 */
export function sortGrants(byName: { has(name: string): boolean; keys(): Iterable<string> }): SortedGrants {
  const sorted = inDiffOrder(byName.keys());
  return { ...sorted, has: (name) => byName.has(name) };
}

/** Names in the diff's order, each with its lower-case form. */
function inDiffOrder(names: Iterable<string>): Pick<SortedGrants, 'names' | 'lowered'> {
  // Each name lowered once, not at each comparison (and once per process: see lowered).
  const entries = [...names].map((name) => ({ name, lower: lowered(name) }));
  entries.sort((a, b) => compareLowered(a.lower, a.name, b.lower, b.name));
  return { names: entries.map((entry) => entry.name), lowered: entries.map((entry) => entry.lower) };
}

/** CloudTracker's output filters. */
export interface DiffFilter {
  /** Only used and ungranted lines (`--show-used`). */
  readonly showUsed: boolean;
  /** Drop `List*` and `Describe*` actions everywhere (`--ignore-benign`). */
  readonly ignoreBenign: boolean;
  /** Drop `?` lines (`--ignore-unknown`). */
  readonly ignoreUnknown: boolean;
}

/** No filtering: every line. */
export const DEFAULT_DIFF_FILTER: DiffFilter = { showUsed: false, ignoreBenign: false, ignoreUnknown: false };

/**
 * Compares used and granted actions. Lines are sorted by action name ignoring case, so output is
 * stable whatever order the inputs came in.
 */
export function diffActions(input: ActionDiffInput): ActionDiffLine[] {
  const used = new Set(input.used);
  const granted = isSortedGrants(input.granted) ? input.granted : sortGrants(new Set(input.granted));
  // The "+" lines, sorted, merged with the granted names (sorted already): one order for both.
  const ungranted = inDiffOrder([...used].filter((action) => !granted.has(action)));
  const lines: ActionDiffLine[] = [];
  let next = 0;
  for (const [index, action] of granted.names.entries()) {
    const lower = granted.lowered[index] ?? '';
    for (; next < ungranted.names.length; next++) {
      const other = ungranted.names[next] ?? '';
      if (compareLowered(ungranted.lowered[next] ?? '', other, lower, action) > 0) break;
      lines.push({ action: other, status: 'ungranted' });
    }
    const status = used.has(action) ? 'used' : input.isRecorded(action) ? 'unused' : 'unknown';
    lines.push({ action, status });
  }
  for (; next < ungranted.names.length; next++)
    lines.push({ action: ungranted.names[next] ?? '', status: 'ungranted' });
  return lines;
}

/** Whether grants are sorted already (a list or a set is not). */
function isSortedGrants(granted: ActionDiffInput['granted']): granted is SortedGrants {
  return Array.isArray((granted as Partial<SortedGrants>).lowered);
}

/** Action names lowered, kept: the principals of an account are granted the same names again and again. */
const LOWERED = new Map<string, string>();
/** Names kept at most (the catalog holds some 22,000; names from logs or policies add to them). */
const LOWERED_KEPT = 100_000;

/** `name` in lower case. */
function lowered(name: string): string {
  let lower = LOWERED.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWERED.size >= LOWERED_KEPT) LOWERED.clear();
    LOWERED.set(name, lower);
  }
  return lower;
}

/**
 * Applies CloudTracker's `--show-used`, `--ignore-benign` and `--ignore-unknown` filters to the lines
 * of a diff (or anything carrying an action and its status), keeping their order.
 */
export function filterDiff<T extends ActionDiffLine>(lines: readonly T[], filter: Partial<DiffFilter>): T[] {
  const { showUsed, ignoreBenign, ignoreUnknown } = { ...DEFAULT_DIFF_FILTER, ...filter };
  return lines.filter((line) => {
    if (ignoreBenign && isBenign(line.action)) return false;
    if (showUsed) return line.status === 'used' || line.status === 'ungranted';
    return !(ignoreUnknown && line.status === 'unknown');
  });
}

/** CloudTracker's "benign" actions: those whose name starts with `List` or `Describe`. */
export function isBenign(action: string): boolean {
  const name = action.slice(action.indexOf(':') + 1).toLowerCase();
  return name.startsWith('list') || name.startsWith('describe');
}

/** Names in any case (`x`, `y` lowered), then by code unit. */
function compareLowered(x: string, a: string, y: string, b: string): number {
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
