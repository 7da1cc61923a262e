import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import type { AdvisorSnapshot } from '../../src/iam/access-advisor.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-advisor-batch-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function snapshot(name: string, serviceName: string | null): AdvisorSnapshot {
  const arn = `arn:aws:iam::111111111111:role/${name}`;
  return {
    accountId: '111111111111',
    arn,
    entityType: 'role',
    collectedAt: '2026-11-01T06:00:00Z',
    jobCompletedAt: '2026-11-01T06:00:00Z',
    origin: 'api',
    services: [
      {
        serviceNamespace: 's3',
        // null breaks the NOT NULL column: the way to make one insert of a batch fail.
        serviceName: serviceName as string,
        lastAuthenticated: '2026-10-30T16:57:14Z',
        lastAuthenticatedEntity: arn,
        lastAuthenticatedRegion: 'us-east-1',
        totalAuthenticatedEntities: 1,
        trackedActions: [
          {
            actionName: 'CreateBucket',
            lastAccessed: null,
            lastAccessedEntity: null,
            lastAccessedRegion: null,
          },
        ],
      },
    ],
  };
}

describe('writeAdvisorSnapshots', () => {
  it('writes a batch whole (1,200 snapshots: more than one slice of each insert), read back equal', async () => {
    const store = await CacheStore.open(join(work, 'whole.duckdb'));
    try {
      const batch = Array.from({ length: 1200 }, (_, at) =>
        snapshot(`r${String(at).padStart(4, '0')}`, 'Amazon S3'),
      );
      const ids = await store.writeAdvisorSnapshots(batch);
      expect(new Set(ids).size).toBe(1200);
      expect(await store.advisorSnapshots()).toEqual(batch);
    } finally {
      await store.close();
    }
  });

  it('writes nothing of a batch when one snapshot fails', async () => {
    const store = await CacheStore.open(join(work, 'none.duckdb'));
    try {
      await expect(
        store.writeAdvisorSnapshots([snapshot('good', 'Amazon S3'), snapshot('bad', null)]),
      ).rejects.toThrow();
      expect(await store.advisorSnapshots()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
