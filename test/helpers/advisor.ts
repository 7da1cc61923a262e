import { CacheStore } from '../../src/cache/cache-store.js';
import type { AdvisorService } from '../../src/iam/access-advisor.js';

/**
 * A service of an Access Advisor snapshot, as `toAdvisorServices` gives it: authenticated at
 * `lastAuthenticated` (`null`: never) in us-east-1 by `entity`, with its tracked actions if given.
 */
export function advisorService(
  namespace: string,
  lastAuthenticated: string | null,
  tracked?: AdvisorService['trackedActions'],
  entity: string | null = null,
): AdvisorService {
  return {
    serviceNamespace: namespace,
    serviceName: namespace,
    lastAuthenticated,
    lastAuthenticatedEntity: lastAuthenticated === null ? null : entity,
    lastAuthenticatedRegion: lastAuthenticated === null ? null : 'us-east-1',
    totalAuthenticatedEntities: lastAuthenticated === null ? 0 : 1,
    ...(tracked === undefined ? {} : { trackedActions: tracked }),
  };
}

/**
 * Writes into the cache at `path` (created if need be) one Access Advisor snapshot of `role` in
 * account 000000000000, job completed 2026-11-30T06:00Z: Amazon S3 last authenticated by the role
 * on 2026-11-20T10:00Z. What `serve`'s tests serve.
 */
export async function writeS3Snapshot(path: string, role: string): Promise<void> {
  const store = await CacheStore.open(path);
  try {
    await store.writeAdvisorSnapshot({
      accountId: '000000000000',
      arn: role,
      entityType: 'role',
      collectedAt: '2026-11-30T06:00:00Z',
      jobCompletedAt: '2026-11-30T06:00:00Z',
      origin: 'api',
      services: [
        {
          serviceNamespace: 's3',
          serviceName: 'Amazon S3',
          lastAuthenticated: '2026-11-20T10:00:00Z',
          lastAuthenticatedEntity: role,
          lastAuthenticatedRegion: 'us-east-1',
          totalAuthenticatedEntities: 1,
        },
      ],
    });
  } finally {
    await store.close();
  }
}
