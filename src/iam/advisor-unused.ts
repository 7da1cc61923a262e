import type { AdvisorService, AdvisorSnapshot } from './access-advisor.js';

/** Where the services a principal is granted came from: the IAM data, or Access Advisor's own list. */
export const GRANTED_FROM = ['iam', 'access-advisor'] as const;
/** One of {@link GRANTED_FROM}. */
export type GrantedFrom = (typeof GRANTED_FROM)[number];

/** The services of one snapshot that were granted and not authenticated for `days` days. */
export interface AdvisorUnused {
  readonly days: number;
  /** The time the snapshot's data is as of: AWS's JobCompletionDate, else when it was collected. */
  readonly asOf: string;
  /** `asOf` minus `days`: a service last authenticated before this (or never) is unused. */
  readonly since: string;
  readonly grantedFrom: GrantedFrom;
  /** Granted services not authenticated since `since`, by namespace. */
  readonly services: readonly AdvisorService[];
  /** Services the IAM data grants that the snapshot does not list: nothing is known of their use. */
  readonly notInSnapshot: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What `advisor --unused-days N` reports for one snapshot. `grantedServices` are the service
 * namespaces the IAM data grants the principal; `undefined` when there is no IAM data for it, and
 * then the services Access Advisor lists (it lists those its policies allow) count as granted.
 * Access Advisor ignores permissions boundaries, so with IAM data a service only it lists is not
 * granted and not reported.
 */
export function findUnusedServices(
  snapshot: AdvisorSnapshot,
  days: number,
  grantedServices: ReadonlySet<string> | undefined,
): AdvisorUnused {
  const asOf = snapshot.jobCompletedAt ?? snapshot.collectedAt;
  const sinceMs = Date.parse(asOf) - days * DAY_MS;
  const since = new Date(sinceMs).toISOString().replace('.000Z', 'Z');
  const granted = (namespace: string): boolean =>
    grantedServices === undefined || grantedServices.has(namespace.toLowerCase());
  const listed = new Set(snapshot.services.map((service) => service.serviceNamespace.toLowerCase()));
  return {
    days,
    asOf,
    since,
    grantedFrom: grantedServices === undefined ? 'access-advisor' : 'iam',
    services: snapshot.services.filter(
      (service) =>
        granted(service.serviceNamespace) &&
        (service.lastAuthenticated === null || Date.parse(service.lastAuthenticated) < sinceMs),
    ),
    notInSnapshot:
      grantedServices === undefined ? [] : [...grantedServices].filter((name) => !listed.has(name)).sort(),
  };
}
