import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { UsageError } from '../../src/errors.js';
import type { AdvisorSnapshot } from '../../src/iam/access-advisor.js';
import { advisorEntityTypeOf, toAdvisorServices } from '../../src/iam/access-advisor.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-advisor-store-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::111111111111:role/SecurityMonkey';
const USER = 'arn:aws:iam::222222222222:user/alice';

/** A snapshot shaped as GetServiceLastAccessedDetails answers (ACTION_LEVEL, S3 tracked). */
function snapshot(arn: string, collectedAt: string, s3Last: string | undefined): AdvisorSnapshot {
  return {
    accountId: arn.split(':')[4] ?? '',
    arn,
    entityType: advisorEntityTypeOf(arn) ?? 'role',
    collectedAt,
    jobCompletedAt: collectedAt,
    origin: 'api',
    // Services in namespace order, as the cache returns them.
    services: toAdvisorServices([
      { ServiceName: 'AWS Lambda', ServiceNamespace: 'lambda', TotalAuthenticatedEntities: 0 },
      {
        ServiceName: 'Amazon S3',
        ServiceNamespace: 's3',
        LastAuthenticated: s3Last === undefined ? undefined : new Date(s3Last),
        LastAuthenticatedEntity: s3Last === undefined ? undefined : arn,
        LastAuthenticatedRegion: s3Last === undefined ? undefined : 'us-east-1',
        TotalAuthenticatedEntities: s3Last === undefined ? 0 : 1,
        TrackedActionsLastAccessed: [
          { ActionName: 'CreateBucket' },
          {
            ActionName: 'GetObject',
            LastAccessedTime: s3Last,
            LastAccessedEntity: arn,
            LastAccessedRegion: 'us-east-1',
          },
        ],
      },
    ]),
  };
}

describe('Access Advisor snapshots in the cache', () => {
  it('appends snapshots and reads the latest of each ARN, or the history', async () => {
    const store = await CacheStore.open(join(work, 'history.duckdb'));
    try {
      await store.writeAdvisorSnapshot(snapshot(ROLE, '2026-11-01T00:00:00Z', undefined));
      await store.writeAdvisorSnapshot(snapshot(ROLE, '2026-11-02T00:00:00Z', '2026-11-01T10:00:00Z'));
      await store.writeAdvisorSnapshot(snapshot(USER, '2026-11-01T00:00:00Z', undefined));
      const latest = await store.advisorSnapshots();
      expect(latest.map((entry) => [entry.arn, entry.collectedAt])).toEqual([
        [ROLE, '2026-11-02T00:00:00Z'],
        [USER, '2026-11-01T00:00:00Z'],
      ]);
      expect(latest[0]).toEqual(snapshot(ROLE, '2026-11-02T00:00:00Z', '2026-11-01T10:00:00Z'));
      // Lambda is not tracked at action level: no trackedActions, not an empty list.
      expect(latest[0]?.services.find((service) => service.serviceNamespace === 'lambda')).not.toHaveProperty(
        'trackedActions',
      );
      const history = await store.advisorSnapshots({ arns: [ROLE.toUpperCase()], history: true });
      expect(history.map((entry) => entry.collectedAt)).toEqual([
        '2026-11-01T00:00:00Z',
        '2026-11-02T00:00:00Z',
      ]);
    } finally {
      await store.close();
    }
  });

  it('takes the latest snapshot by time, not by text, one per principal whatever the case of its ARN', async () => {
    const store = await CacheStore.open(':memory:');
    try {
      // Within one second, '…:03.127Z' is after '…:03Z' although it sorts before it as text.
      await store.writeAdvisorSnapshot(snapshot(ROLE, '2026-11-02T06:00:03.127Z', '2026-11-01T10:00:00Z'));
      await store.writeAdvisorSnapshot(snapshot(ROLE, '2026-11-02T06:00:03Z', undefined));
      // The same principal written in another case, at the same time as another snapshot: one answer.
      await store.writeAdvisorSnapshot(snapshot(USER, '2026-11-01T00:00:00Z', undefined));
      await store.writeAdvisorSnapshot({
        ...snapshot(USER, '2026-11-01T00:00:00Z', undefined),
        arn: USER.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam'),
      });
      const latest = await store.advisorSnapshots();
      expect(latest.map((entry) => entry.collectedAt)).toEqual([
        '2026-11-02T06:00:03.127Z',
        '2026-11-01T00:00:00Z',
      ]);
      expect(await store.advisorArns()).toHaveLength(2);
      const history = await store.advisorSnapshots({ arns: [ROLE], history: true });
      expect(history.map((entry) => entry.collectedAt)).toEqual([
        '2026-11-02T06:00:03Z',
        '2026-11-02T06:00:03.127Z',
      ]);
    } finally {
      await store.close();
    }
  });

  it('filters as Aardvark does: arn (any case), phrase, regex; account and type', async () => {
    const store = await CacheStore.open(':memory:');
    try {
      for (const arn of [ROLE, USER])
        await store.writeAdvisorSnapshot(snapshot(arn, '2026-11-01T00:00:00Z', undefined));
      const arns = async (filter: Parameters<CacheStore['advisorSnapshots']>[0]) =>
        (await store.advisorSnapshots(filter)).map((entry) => entry.arn);
      expect(await arns({ arns: [ROLE.toLowerCase()] })).toEqual([ROLE]);
      expect(await arns({ arns: [] })).toEqual([]);
      expect(await arns({ phrase: 'securitymonkey' })).toEqual([ROLE]);
      expect(await arns({ regex: '^.*Monkey$' })).toEqual([ROLE]);
      expect(await arns({ accountIds: ['222222222222'] })).toEqual([USER]);
      expect(await arns({ entityTypes: ['user'] })).toEqual([USER]);
      // A phrase is data, never SQL.
      expect(await arns({ phrase: "' OR 1=1 --" })).toEqual([]);
      await expect(store.advisorSnapshots({ regex: '(' })).rejects.toBeInstanceOf(UsageError);
    } finally {
      await store.close();
    }
  });
});
