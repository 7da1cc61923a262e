import type { FastifyInstance } from 'fastify';

import type { CacheAccess } from './cache-access.js';
import type { UsageRequest } from './principal-usage.js';
import { ARN_PARAMS_SCHEMA, ERROR_SCHEMA, UNAVAILABLE_SCHEMA, USAGE_QUERY_SCHEMA } from './serve-schemas.js';

/**
 * `GET /api/v1/principals/:arn/usage?start=&end=`: the report's JSON document for that user or
 * role (`iamtrail.diff/v1`), from the cache. The report opens the cache itself, so it runs while
 * no other request has it open.
 */
export function registerUsageRoute(
  server: FastifyInstance,
  cache: CacheAccess,
  readUsage: (request: UsageRequest) => Promise<unknown>,
): void {
  server.get<{ Params: { arn: string }; Querystring: { start?: string; end?: string } }>(
    '/api/v1/principals/:arn/usage',
    {
      schema: {
        summary:
          "A user's or role's CloudTrail usage against its grants: the report's JSON (iamtrail.diff/v1), from the cache",
        tags: ['iamtrail'],
        params: ARN_PARAMS_SCHEMA,
        querystring: USAGE_QUERY_SCHEMA,
        response: {
          200: {
            type: 'object',
            description: 'The document of `iamtrail --user/--role NAME --format json` (see the README).',
            additionalProperties: true,
          },
          400: ERROR_SCHEMA,
          503: UNAVAILABLE_SCHEMA,
        },
      },
    },
    (request) =>
      cache.alone(() =>
        readUsage({
          arn: request.params.arn,
          ...(request.query.start === undefined ? {} : { start: request.query.start }),
          ...(request.query.end === undefined ? {} : { end: request.query.end }),
        }),
      ),
  );
}
