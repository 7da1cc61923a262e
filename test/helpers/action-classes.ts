import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './paths.js';

/**
 * The recording class of every action as `data/cloudtrail_supported_actions.tsv` states it, read
 * with a plain split rather than the catalog, so tests check the report against the data file.
 */
export function actionClassesFromTsv(): Map<string, string> {
  const lines = readFileSync(join(REPO_ROOT, 'data/cloudtrail_supported_actions.tsv'), 'utf8')
    .trim()
    .split('\n');
  return new Map(lines.slice(1).map((line) => line.split('\t').slice(0, 2) as [string, string]));
}
