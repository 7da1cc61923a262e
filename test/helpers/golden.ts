import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect } from 'vitest';

import { REPO_ROOT } from './paths.js';

/**
 * Compares text with `test/golden/NAME`. With `UPDATE_GOLDEN=1` the file is rewritten instead, for
 * a reviewed change of a contract (generated SQL, table definitions).
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(REPO_ROOT, 'test/golden', name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
