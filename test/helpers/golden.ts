import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { format } from 'sql-formatter';
import { expect } from 'vitest';

import { REPO_ROOT } from './paths.js';

/**
 * SQL as the golden files hold it: one clause a line (sql-formatter), so a change to the
 * generated SQL shows in review as the lines it changes. Only white space differs from `sql`.
 */
export function formatGoldenSql(name: string, sql: string): string {
  const language = name.endsWith('.athena.sql') ? 'trino' : 'duckdb';
  return `${format(sql, { language })}\n`;
}

/**
 * Compares text with `test/golden/NAME` (`.sql` files formatted first, see {@link formatGoldenSql}).
 * With `UPDATE_GOLDEN=1` the file is rewritten instead, for a reviewed change of a contract
 * (generated SQL, table definitions).
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(REPO_ROOT, 'test/golden', name);
  const text = name.endsWith('.sql') ? formatGoldenSql(name, actual) : actual;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}
