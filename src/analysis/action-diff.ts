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
   * Actions the principal is granted, canonical names: as a list, or as names that can be looked
   * up (a set, a map keyed by them), used as they are, without a copy.
   */
  readonly granted: Iterable<string> | GrantedNames;
  /** Whether these logs would show a call authorised by the action, had it been made. */
  readonly isRecorded: (action: string) => boolean;
}

/** Names to look up and go through: a `Set`, or a `Map` keyed by them (its values unread). */
export interface GrantedNames {
  has(name: string): boolean;
  keys(): Iterable<string>;
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
  const granted = isGrantedNames(input.granted) ? input.granted : new Set(input.granted);
  // Each name lowered once, not at each comparison (and once per process: see lowered).
  const lines: { readonly line: ActionDiffLine; readonly lower: string }[] = [];
  for (const action of used)
    lines.push({
      line: { action, status: granted.has(action) ? 'used' : 'ungranted' },
      lower: lowered(action),
    });
  for (const action of granted.keys()) {
    if (used.has(action)) continue;
    const status = input.isRecorded(action) ? 'unused' : 'unknown';
    lines.push({ line: { action, status }, lower: lowered(action) });
  }
  return lines
    .sort((a, b) => compareLowered(a.lower, a.line.action, b.lower, b.line.action))
    .map(({ line }) => line);
}

/** Whether grants can be looked up as they are (a list has no `has`). */
function isGrantedNames(granted: ActionDiffInput['granted']): granted is GrantedNames {
  return typeof (granted as Partial<GrantedNames>).has === 'function';
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
