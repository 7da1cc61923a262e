import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { runBinary } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

// `iamtrail serve` as a user starts it: the built binary on a free loopback port, asked over HTTP,
// stopped with SIGTERM; meanwhile another process uses the same cache.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-serve-e2e-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::000000000000:role/SecurityMonkey';

describe('iamtrail serve (the binary)', () => {
  it('prints its URL, answers, lets other processes use the cache, and stops on SIGTERM', async () => {
    const cachePath = join(work, 'cache.duckdb');
    const store = await CacheStore.open(cachePath);
    try {
      await store.writeAdvisorSnapshot({
        accountId: '000000000000',
        arn: ROLE,
        entityType: 'role',
        collectedAt: '2026-11-30T06:00:00Z',
        jobCompletedAt: '2026-11-30T06:00:00Z',
        origin: 'api',
        services: [
          {
            serviceNamespace: 's3',
            serviceName: 'Amazon S3',
            lastAuthenticated: '2026-11-20T10:00:00Z',
            lastAuthenticatedEntity: ROLE,
            lastAuthenticatedRegion: 'us-east-1',
            totalAuthenticatedEntities: 1,
          },
        ],
      });
    } finally {
      await store.close();
    }
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/run.js'), 'serve', '--port', '0', '--cache', cachePath],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.on('exit', () => {
        reject(new Error(`serve exited: ${stderr}`));
      });
    });
    try {
      const response = await fetch(`${url}/api/1/advisors?phrase=securitymonkey`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        page: 1,
        total: 1,
        count: 1,
        [ROLE]: [
          {
            lastAuthenticated: Date.parse('2026-11-20T10:00:00Z'),
            lastAuthenticatedEntity: ROLE,
            lastUpdated: 'Mon, 30 Nov 2026 06:00:00 GMT',
            serviceName: 'Amazon S3',
            serviceNamespace: 's3',
            totalAuthenticatedEntities: 1,
          },
        ],
      });
      // Between requests the cache is closed: another process opens it without waiting.
      const status = runBinary([
        'cache',
        'status',
        '--cache',
        cachePath,
        '--cache-wait',
        '0',
        '--format',
        'json',
      ]);
      expect(status.status, status.stderr).toBe(0);
      expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopping');
    expect(stderr).not.toContain('warning');
  });
});
