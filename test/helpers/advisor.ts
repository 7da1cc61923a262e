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
