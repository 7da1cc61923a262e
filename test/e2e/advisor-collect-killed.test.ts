import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { MOTO_ADVISOR_FIXTURE, startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { REPO_ROOT } from '../helpers/paths.js';

// `advisor collect` killed (SIGKILL) mid-run: each principal's snapshot is one transaction, so
// the cache holds whole principals only. Needs a process of its own to kill.

const FIXTURE = JSON.parse(readFileSync(MOTO_ADVISOR_FIXTURE, 'utf8')) as {
  readonly services: readonly {
    readonly ServiceNamespace: string;
    readonly TrackedActionsLastAccessed?: readonly unknown[];
  }[];
};
const USERS = 150;
const work = mkdtempSync(join(tmpdir(), 'iamtrail-advisor-killed-'));
let moto: MotoServer;

beforeAll(async () => {
  moto = await startMotoAdvisor();
  const iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.credentials });
  const limit = pLimit(8);
  await Promise.all(
    Array.from({ length: USERS }, (_, index) =>
      limit(() => iam.send(new CreateUserCommand({ UserName: `user-${index}` }))),
    ),
  );
  iam.destroy();
}, 120_000);
afterAll(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('advisor collect killed mid-run', () => {
  it('leaves whole principals in the cache, never a partial one', async () => {
    const config = join(work, 'config.yaml');
    writeFileSync(config, 'accounts:\n  - name: main\n    id: "123456789012"\n');
    const cache = join(work, 'killed.duckdb');
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/run.js'), 'advisor', 'collect', '--config', config, '--cache', cache],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...moto.env, NO_COLOR: '1', IAMTRAIL_ADVISOR_POLL_MS: '50' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_, signal) => {
        resolve(signal);
      }),
    );
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('principals listed')) resolve();
      });
      child.on('exit', () => {
        reject(new Error(`exited before listing: ${stderr}`));
      });
    });
    // Let some jobs finish (each takes a few emulator calls), then kill without warning.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = await CacheStore.open(cache);
    try {
      const snapshots = await store.advisorSnapshots();
      expect(snapshots.length).toBeGreaterThan(0);
      expect(snapshots.length).toBeLessThan(USERS);
      const namespaces = FIXTURE.services.map((service) => service.ServiceNamespace).sort();
      const actions = FIXTURE.services.reduce(
        (sum, service) => sum + (service.TrackedActionsLastAccessed?.length ?? 0),
        0,
      );
      for (const snapshot of snapshots) {
        expect(
          snapshot.services.map((service) => service.serviceNamespace),
          snapshot.arn,
        ).toEqual(namespaces);
        expect(
          snapshot.services.reduce((sum, service) => sum + (service.trackedActions?.length ?? 0), 0),
          snapshot.arn,
        ).toBe(actions);
      }
    } finally {
      await store.close();
    }
  });
});
