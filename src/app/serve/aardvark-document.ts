import type { AdvisorSnapshot } from '../../iam/access-advisor.js';

/*
 * Aardvark's `/api/1/advisors` answer, built from iamtrail's snapshots, as Netflix-Skunkworks/
 * aardvark's `get_role_data` and `_combine_results` (aardvark/persistence/sqlalchemy/
 * sa_persistence.py) shape it, so that its clients (Repokid) read it unchanged.
 */

/** One service of one ARN, in Aardvark's field names. */
export interface AardvarkService {
  /** Milliseconds since the epoch; 0 when never authenticated in the tracking period. */
  readonly lastAuthenticated: number;
  readonly lastAuthenticatedEntity: string | null;
  /**
   * When the data was collected, as Flask's `jsonify` writes a datetime (an HTTP date:
   * `Tue, 01 Dec 2026 11:09:03 GMT`); Aardvark's `aws_iam_object.lastUpdated`.
   */
  readonly lastUpdated: string;
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly totalAuthenticatedEntities: number;
}

/** A combined service (`combine=true`): the latest access across the ARNs, entities summed. */
export interface AardvarkCombinedService extends AardvarkService {
  /** Whether `lastAuthenticated` falls within the 90 days before the answer. */
  readonly USED_LAST_90_DAYS: boolean;
}

/** A page: `page`, `total` (ARNs matching), `count` (ARNs on this page), then one key per ARN. */
export type AardvarkPage = { readonly page: number; readonly total: number; readonly count: number } & {
  readonly [arn: string]: number | readonly AardvarkService[];
};

/** The parameters of `/api/1/advisors` once read and checked. */
export interface AardvarkQuery {
  /** 1-based. */
  readonly page: number;
  /** ARNs per page; 0 means all of them, as in Aardvark (whose `limit` is then unset). */
  readonly count: number;
  readonly combine: boolean;
  readonly phrase?: string;
  readonly regex?: string;
  readonly arns?: readonly string[];
}

/** The ninety days of Aardvark's `USED_LAST_90_DAYS`. */
const NINETY_DAYS_MS = 90 * 24 * 60 * 60 * 1000;

/** The snapshots of the requested page (`snapshots` are all that match, in ARN order). */
export function pageOf<T>(snapshots: readonly T[], query: Pick<AardvarkQuery, 'page' | 'count'>): T[] {
  if (query.count === 0) return [...snapshots];
  const offset = (query.page - 1) * query.count;
  return snapshots.slice(offset, offset + query.count);
}

/** The page in Aardvark's shape: one key per ARN holding its services. */
export function toAardvarkPage(
  page: number,
  total: number,
  snapshots: readonly AdvisorSnapshot[],
): AardvarkPage {
  const document: Record<string, number | readonly AardvarkService[]> = {
    page,
    total,
    count: snapshots.length,
  };
  for (const snapshot of snapshots) document[snapshot.arn] = toAardvarkServices(snapshot);
  return document as AardvarkPage;
}

/** A snapshot's services in Aardvark's field names. */
export function toAardvarkServices(snapshot: AdvisorSnapshot): AardvarkService[] {
  const lastUpdated = new Date(snapshot.collectedAt).toUTCString();
  return snapshot.services.map((service) => ({
    lastAuthenticated: service.lastAuthenticated === null ? 0 : Date.parse(service.lastAuthenticated),
    lastAuthenticatedEntity: service.lastAuthenticatedEntity,
    lastUpdated,
    serviceName: service.serviceName,
    serviceNamespace: service.serviceNamespace,
    totalAuthenticatedEntities: service.totalAuthenticatedEntities,
  }));
}

/**
 * `combine=true`: the page's services merged by namespace, keyed by namespace. Per namespace the
 * entry with the latest `lastAuthenticated` wins (the first seen on a tie), its
 * `totalAuthenticatedEntities` the sum over the ARNs, and `USED_LAST_90_DAYS` says whether that
 * latest access is within 90 days of `now`.
 */
export function combineAardvarkServices(
  snapshots: readonly AdvisorSnapshot[],
  now: Date,
): Record<string, AardvarkCombinedService> {
  const usage = new Map<string, AardvarkService>();
  for (const snapshot of snapshots) {
    for (const service of toAardvarkServices(snapshot)) {
      const seen = usage.get(service.serviceNamespace);
      if (seen === undefined) {
        usage.set(service.serviceNamespace, service);
        continue;
      }
      const winner = service.lastAuthenticated > seen.lastAuthenticated ? service : seen;
      usage.set(service.serviceNamespace, {
        ...winner,
        totalAuthenticatedEntities: seen.totalAuthenticatedEntities + service.totalAuthenticatedEntities,
      });
    }
  }
  const since = now.getTime() - NINETY_DAYS_MS;
  return Object.fromEntries(
    [...usage].map(([namespace, service]) => [
      namespace,
      { ...service, USED_LAST_90_DAYS: service.lastAuthenticated > since },
    ]),
  );
}

/**
 * The `arn` parameter's values: repeated (`arn=A&arn=B`, as Aardvark's first API and Repokid's
 * JSON list) or comma-separated (`arn=A,B`, as Aardvark 0.3 splits it). A comma splits only
 * before `arn:`, so a name holding a comma (IAM allows them) stays whole.
 */
export function splitArnParameter(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(/,(?=arn:)/)).filter((value) => value !== '');
}
