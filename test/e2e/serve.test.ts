import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { writeS3Snapshot } from '../helpers/advisor.js';
import { runBinary } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

// `iamtrail serve` as a user starts it: the built binary on a free loopback port, asked over HTTP,
// stopped with SIGTERM; meanwhile another process uses the same cache.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-serve-e2e-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::000000000000:role/SecurityMonkey';

/**
 * Starts the built binary with `args` and resolves once its stderr matches `marker` (by default,
 * serve's URL line), with what the match captured.
 */
async function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  marker = /listening on (http:\/\/127\.0\.0\.1:\d+)/,
) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/run.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = marker.exec(stderr);
      if (found !== null) resolve(found[1] ?? found[0]);
    });
    child.on('exit', () => {
      reject(new Error(`${args.join(' ')} exited: ${stderr}`));
    });
  });
  return { child, exited, url, stderr: () => stderr };
}

describe('iamtrail serve (the binary)', () => {
  it('prints its URL, answers, lets other processes use the cache, and stops on SIGTERM', async () => {
    const cachePath = join(work, 'cache.duckdb');
    await writeS3Snapshot(cachePath, ROLE);
    const { child, exited, url, stderr } = await start(['serve', '--port', '0', '--cache', cachePath]);
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
    expect(stderr()).toContain('stopping');
    expect(stderr()).not.toContain('warning');
  });

  it("answers only requests naming its own host (DNS rebinding: a page's own name is refused, 421)", async () => {
    const cachePath = join(work, 'hosts.duckdb');
    await writeS3Snapshot(cachePath, ROLE);
    /** GET `path` on `url` with the Host header `host` (fetch cannot set it; a browser page's name). */
    const asHost = (url: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(`${url}/api/1/advisors`, { headers: { host } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, body });
          });
        });
        request.on('error', reject);
        request.end();
      });
    const { child, exited, url } = await start([
      ...['serve', '--port', '0', '--cache', cachePath, '--allow-host', 'iamtrail.internal.example'],
    ]);
    try {
      const port = new URL(url).port;
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `LOCALHOST:${port}`,
        `[::1]:${port}`,
        'iamtrail.internal.example',
      ])
        expect((await asHost(url, host)).status, host).toBe(200);
      for (const host of [
        `rebind.attacker.example:${port}`,
        'localhost.attacker.example',
        `127.0.0.2:${port}`,
      ]) {
        const refused = await asHost(url, host);
        expect(refused.status, host).toBe(421);
        expect(refused.body).not.toContain(ROLE);
        expect(refused.body).not.toContain('attacker');
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('answers 503 while another process holds the cache past --cache-wait, and 200 once it is free', async () => {
    const cachePath = join(work, 'busy.duckdb');
    // A report holding its first day's cache transaction open for a minute.
    const report = await start(
      [
        '--config',
        'examples/demo/config.example.yaml',
        '--account',
        'demo',
        '--list',
        'users',
        '--start',
        '2026-10-01',
        '--end',
        '2026-10-01',
        '--cache',
        cachePath,
      ],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '60000', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '0' },
      /cache: transaction 1 open/,
    );
    const serve = await start(['serve', '--port', '0', '--cache', cachePath, '--cache-wait', '0']);
    try {
      const busy = await fetch(`${serve.url}/api/1/advisors`);
      expect(busy.status).toBe(503);
      const { message } = (await busy.json()) as { message: string };
      // The client reads what keeps it waiting; where the cache lies is for the server's stderr.
      expect(message).toContain(
        `the cache <--cache> is in use by another iamtrail process (PID ${report.child.pid ?? ''})`,
      );
      expect(message).not.toContain(cachePath);
      expect(serve.stderr()).toContain(`the cache ${cachePath} is in use by another iamtrail process`);
      // The CLI's advice (--cache, --no-cache) is no client's to follow.
      expect(message).toContain('Ask again once it has finished');
      expect(message).not.toContain('--no-cache');
      report.child.kill('SIGKILL');
      await report.exited;
      const free = await fetch(`${serve.url}/api/1/advisors`);
      expect(free.status).toBe(200);
      expect(await free.json()).toEqual({ page: 1, total: 0, count: 0 });
    } finally {
      report.child.kill('SIGKILL');
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
  });
});
