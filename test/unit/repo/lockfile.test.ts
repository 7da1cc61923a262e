import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../../helpers/paths.js';

interface Lock {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }>;
}

// npm ci refuses a lockfile that lacks an optional dependency, and the build machines' registry
// carries only the linux-x64 DuckDB bindings (see scripts/lock-duckdb-platforms.mjs).
describe('package-lock.json', () => {
  it('has an entry for every optional DuckDB platform binding, so npm ci accepts it', () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lock;
    const optional = lock.packages['node_modules/@duckdb/node-bindings']?.optionalDependencies ?? {};
    expect(Object.keys(optional).length).toBeGreaterThan(0);
    for (const [name, version] of Object.entries(optional)) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });
});
