import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

/*
 * `iamtrail boundary rollback` in-process, before any apply: without a snapshot there is nothing
 * to restore, so it stops with a usage error (exit 2) naming the principal, the account and the
 * cache file, before any AWS call (no credentials are set) and without creating the cache.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-boundary-rollback-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('iamtrail boundary rollback', () => {
  it('without any snapshot: exit 2 naming the role, the account and the cache, and no cache created', async () => {
    const config = join(work, 'config.yaml');
    writeFileSync(config, "accounts:\n  - {name: prod, id: '111122223333'}\n");
    const cache = join(work, 'cache.duckdb');
    const run = await runCli([
      'boundary',
      'rollback',
      '--config',
      config,
      '--account',
      'prod',
      '--role',
      'deploy',
      '--cache',
      cache,
      '--yes',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no boundary snapshot of role deploy of account prod (111122223333)');
    expect(run.stderr).toContain(cache);
    expect(run.stdout).toBe('');
    expect(existsSync(cache)).toBe(false);
  });
});
