/** One identity of `--list users|roles`: known to IAM, active in the window or not. */
export interface ActorLine {
  readonly name: string;
  readonly active: boolean;
}

/** The result of {@link diffActors}. */
export interface ActorDiff {
  /** Every identity IAM knows, sorted by name; CloudTracker marks the inactive ones with `-`. */
  readonly known: readonly ActorLine[];
  /** Identities seen in the logs that IAM no longer knows (deleted), sorted. */
  readonly unknown: readonly string[];
}

/** Compares the identities active in the logs with those IAM lists. */
export function diffActors(active: Iterable<string>, known: Iterable<string>): ActorDiff {
  const activeSet = new Set(active);
  const knownSet = new Set(known);
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    known: [...knownSet].sort(byName).map((name) => ({ name, active: activeSet.has(name) })),
    unknown: [...activeSet].filter((name) => !knownSet.has(name)).sort(byName),
  };
}

/** CloudTracker's text: `  name` when active, `- name` when not. */
export function renderActorLines(lines: readonly ActorLine[]): string {
  return lines.map((line) => `${line.active ? ' ' : '-'} ${line.name}\n`).join('');
}
