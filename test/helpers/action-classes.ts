import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './paths.js';

/** The rows of `data/cloudtrail_supported_actions.tsv` (action, class, evidence, access level), split. */
function tsvRows(): string[][] {
  const lines = readFileSync(join(REPO_ROOT, 'data/cloudtrail_supported_actions.tsv'), 'utf8')
    .trim()
    .split('\n');
  return lines.slice(1).map((line) => line.split('\t'));
}

/**
 * The recording class of every action as `data/cloudtrail_supported_actions.tsv` states it, read
 * with a plain split rather than the catalog, so tests check the report against the data file.
 */
export function actionClassesFromTsv(): Map<string, string> {
  return new Map(tsvRows().map(([action = '', recorded = '']) => [action, recorded]));
}

/** The IAM access level of every action as the same file states it (`Read`, `Write`, `List`, …). */
export function accessLevelsFromTsv(): Map<string, string> {
  return new Map(tsvRows().map(([action = '', , , level = '']) => [action, level]));
}
