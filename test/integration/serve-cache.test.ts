import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { toReportDocument } from '../../src/cli/render-report.js';
import { buildServer } from '../../src/app/serve/build-server.js';
import { createCacheAccess } from '../../src/app/serve/cache-access.js';
import { createUsageReader } from '../../src/app/serve/principal-usage.js';
import { CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * `iamtrail serve` is read-only (README "HTTP API"): it reads the cache as it is and never creates,
 * migrates or rebuilds it. A cache it cannot read as it is (missing, empty, of another schema
 * version) is the server's problem: a 503 that says what to do, and the file is left byte for byte.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-serve-cache-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::000000000000:role/SecurityMonkey';

/** A cache holding one Access Advisor snapshot, its schema version then set to `version`. */
async function cacheOfVersion(name: string, version: string): Promise<string> {
  const path = join(work, name);
  const store = await CacheStore.open(path);
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
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(`UPDATE meta SET value = '${version}' WHERE key = 'schema_version'`);
  await connection.run('CHECKPOINT');
  connection.closeSync();
  instance.closeSync();
  return path;
}

async function serverOn(path: string) {
  return buildServer({
    cache: createCacheAccess(path, { lockTimeoutMs: 1000 }),
    usage: createUsageReader({
      config: loadConfig(join(REPO_ROOT, 'examples/demo/config.example.yaml')),
      cache: { path, lockTimeoutMs: 1000 },
      toDocument: toReportDocument,
      warn: () => undefined,
    }),
  });
}

const ROUTES = [
  '/api/1/advisors',
  '/api/v1/principals',
  `/api/v1/principals/${encodeURIComponent(ROLE)}/advisor`,
  `/api/v1/principals/${encodeURIComponent('arn:aws:iam::111111111111:user/alice')}/usage?start=2026-10-01&end=2026-10-02`,
];

describe('serve on a cache of another schema version', () => {
  it.each([
    ['an older one it would migrate', '11', `iamtrail cache status --cache`],
    ['an older one it would rebuild', '6', `iamtrail cache status --cache`],
    ['a newer one', '99', 'written by a newer iamtrail'],
  ])(
    '%s: every route answers 503 saying what to do, and the file is left byte for byte',
    async (_name, version, advice) => {
      const path = await cacheOfVersion(`v${version}.duckdb`, version);
      const before = readFileSync(path);
      const server = await serverOn(path);
      try {
        for (const url of ROUTES) {
          const answer = await server.inject({ method: 'GET', url });
          expect(answer.statusCode, url).toBe(503);
          const message = answer.json<{ message: string }>().message;
          expect(message, url).toContain(
            `the cache ${path} has schema version ${version}${version === '99' ? ', written by a newer iamtrail' : ''}; this iamtrail reads version ${CACHE_SCHEMA_VERSION}`,
          );
          expect(message, url).toContain(advice);
        }
      } finally {
        await server.close();
      }
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(existsSync(`${path}.wal`)).toBe(false);
    },
  );
});

describe('serve on a cache that is not there yet', () => {
  it('a missing file: 503 saying so, and no file is created', async () => {
    const path = join(work, 'missing.duckdb');
    const server = await serverOn(path);
    try {
      for (const url of ROUTES) {
        const answer = await server.inject({ method: 'GET', url });
        expect(answer.statusCode, url).toBe(503);
        expect(answer.json<{ message: string }>().message, url).toContain(`the cache ${path} does not exist`);
      }
    } finally {
      await server.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('an empty file: 503 saying so, and the file stays empty', async () => {
    const path = join(work, 'empty.duckdb');
    writeFileSync(path, '');
    const server = await serverOn(path);
    try {
      const answer = await server.inject({ method: 'GET', url: '/api/1/advisors' });
      expect(answer.statusCode).toBe(503);
      expect(answer.json<{ message: string }>().message).toContain(`the cache ${path} is an empty file`);
    } finally {
      await server.close();
    }
    expect(readFileSync(path).length).toBe(0);
  });
});
