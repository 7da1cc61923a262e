import type { FastifyInstance, FastifyReply } from 'fastify';

import type { AdvisorEntityType, AdvisorSnapshot } from '../../iam/access-advisor.js';
import type { CacheAccess } from './cache-access.js';
import { pageOfSnapshots } from './cache-access.js';
import {
  ARN_PARAMS_SCHEMA,
  ERROR_SCHEMA,
  PRINCIPALS_QUERY_SCHEMA,
  PRINCIPAL_SUMMARY_SCHEMA,
  SNAPSHOT_SCHEMA,
  UNAVAILABLE_SCHEMA,
} from './serve-schemas.js';

/** `GET /api/v1/principals` (schema `iamtrail.advisor-principals/v1`). */
export interface PrincipalsDocument {
  readonly schema: 'iamtrail.advisor-principals/v1';
  readonly page: number;
  /** Principals matching the filters. */
  readonly total: number;
  readonly principals: readonly PrincipalSummary[];
}

/** A principal's latest snapshot, summed up. */
export interface PrincipalSummary {
  readonly arn: string;
  readonly accountId: string;
  readonly entityType: AdvisorEntityType;
  readonly collectedAt: string;
  readonly services: number;
  readonly servicesAuthenticated: number;
  readonly lastAuthenticated: string | null;
}

/** `GET /api/v1/principals/:arn/advisor` (schema `iamtrail.advisor-snapshot/v1`). */
export interface SnapshotDocument {
  readonly schema: 'iamtrail.advisor-snapshot/v1';
  readonly snapshot: AdvisorSnapshot;
}

/** `GET /api/v1/principals/:arn/advisor/history` (schema `iamtrail.advisor-history/v1`), oldest first. */
export interface HistoryDocument {
  readonly schema: 'iamtrail.advisor-history/v1';
  readonly arn: string;
  readonly snapshots: readonly AdvisorSnapshot[];
}

interface PrincipalsQuery {
  readonly account?: string[];
  readonly type?: AdvisorEntityType[];
  readonly phrase?: string;
  readonly regex?: string;
  readonly arn?: string[];
  readonly page: number;
  readonly count: number;
}

/** iamtrail's own Access Advisor routes: the principals, one's latest snapshot, its history. */
export function registerPrincipalRoutes(server: FastifyInstance, cache: CacheAccess): void {
  server.get<{ Querystring: PrincipalsQuery }>(
    '/api/v1/principals',
    {
      schema: {
        summary: 'Principals with Access Advisor data (their latest snapshot, summed up)',
        tags: ['iamtrail'],
        querystring: PRINCIPALS_QUERY_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['schema', 'page', 'total', 'principals'],
            properties: {
              schema: { type: 'string', const: 'iamtrail.advisor-principals/v1' },
              page: { type: 'integer' },
              total: { type: 'integer' },
              principals: { type: 'array', items: PRINCIPAL_SUMMARY_SCHEMA },
            },
          },
          400: ERROR_SCHEMA,
          503: UNAVAILABLE_SCHEMA,
        },
      },
    },
    async (request): Promise<PrincipalsDocument> => {
      const { query } = request;
      const { total, snapshots } = await cache.read((store) =>
        pageOfSnapshots(
          store,
          {
            ...(query.account === undefined ? {} : { accountIds: query.account }),
            ...(query.type === undefined ? {} : { entityTypes: query.type }),
            ...(query.phrase === undefined ? {} : { phrase: query.phrase }),
            ...(query.regex === undefined ? {} : { regex: query.regex }),
            ...(query.arn === undefined ? {} : { arns: query.arn }),
          },
          query,
        ),
      );
      return {
        schema: 'iamtrail.advisor-principals/v1',
        page: query.page,
        total,
        principals: snapshots.map(toSummary),
      };
    },
  );

  server.get<{ Params: { arn: string } }>(
    '/api/v1/principals/:arn/advisor',
    {
      schema: {
        summary: "A principal's latest Access Advisor snapshot, with action-level data",
        tags: ['iamtrail'],
        params: ARN_PARAMS_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['schema', 'snapshot'],
            properties: {
              schema: { type: 'string', const: 'iamtrail.advisor-snapshot/v1' },
              snapshot: SNAPSHOT_SCHEMA,
            },
          },
          404: ERROR_SCHEMA,
          503: UNAVAILABLE_SCHEMA,
        },
      },
    },
    async (request, reply): Promise<SnapshotDocument | undefined> => {
      const [latest] = await cache.read((store) => store.advisorSnapshots({ arns: [request.params.arn] }));
      if (latest === undefined) return notFound(reply, request.params.arn);
      return { schema: 'iamtrail.advisor-snapshot/v1', snapshot: latest };
    },
  );

  server.get<{ Params: { arn: string } }>(
    '/api/v1/principals/:arn/advisor/history',
    {
      schema: {
        summary: 'Every Access Advisor snapshot of a principal, oldest first',
        tags: ['iamtrail'],
        params: ARN_PARAMS_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['schema', 'arn', 'snapshots'],
            properties: {
              schema: { type: 'string', const: 'iamtrail.advisor-history/v1' },
              arn: { type: 'string' },
              snapshots: { type: 'array', items: SNAPSHOT_SCHEMA },
            },
          },
          404: ERROR_SCHEMA,
          503: UNAVAILABLE_SCHEMA,
        },
      },
    },
    async (request, reply): Promise<HistoryDocument | undefined> => {
      const snapshots = await cache.read((store) =>
        store.advisorSnapshots({ arns: [request.params.arn], history: true }),
      );
      const first = snapshots[0];
      if (first === undefined) return notFound(reply, request.params.arn);
      return { schema: 'iamtrail.advisor-history/v1', arn: first.arn, snapshots };
    },
  );
}

function toSummary(snapshot: AdvisorSnapshot): PrincipalSummary {
  const authenticated = snapshot.services.flatMap((service) =>
    service.lastAuthenticated === null ? [] : [service.lastAuthenticated],
  );
  return {
    arn: snapshot.arn,
    accountId: snapshot.accountId,
    entityType: snapshot.entityType,
    collectedAt: snapshot.collectedAt,
    services: snapshot.services.length,
    servicesAuthenticated: authenticated.length,
    // ISO-8601 UTC strings of one format sort as their times.
    lastAuthenticated: authenticated.length === 0 ? null : authenticated.reduce((a, b) => (b > a ? b : a)),
  };
}

/** A 404 that names the ARN the cache holds no snapshot of. */
async function notFound(reply: FastifyReply, arn: string): Promise<undefined> {
  await reply.code(404).send({
    statusCode: 404,
    error: 'Not Found',
    message: `the cache holds no Access Advisor snapshot of ${JSON.stringify(arn)}`,
  });
  return undefined;
}
