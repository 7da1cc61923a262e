import { distance } from 'fastest-levenshtein';

/**
 * The candidates closest to a mistyped name (edit distance at most a third of its length, at
 * least 2; or sharing a prefix), best first, for "did you mean" hints.
 */
export function closeMatches(name: string, candidates: readonly string[], max = 3): string[] {
  const wanted = name.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  return candidates
    .map((candidate) => ({ candidate, score: distance(wanted, candidate.toLowerCase()) }))
    .filter(({ candidate, score }) => score <= limit || candidate.toLowerCase().startsWith(wanted))
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, max)
    .map(({ candidate }) => candidate);
}
