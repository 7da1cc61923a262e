import type { FastifyInstance } from 'fastify';

import { UsageError } from '../../errors.js';
import { combineAardvarkServices, splitArnParameter, toAardvarkPage } from './aardvark-document.js';
import type { AardvarkQuery } from './aardvark-document.js';
import type { CacheAccess } from './cache-access.js';
import { pageOfSnapshots } from './cache-access.js';
import {
  AARDVARK_BODY_SCHEMA,
  AARDVARK_QUERY_SCHEMA,
  AARDVARK_RESPONSE_SCHEMA,
  ERROR_SCHEMA,
  UNAVAILABLE_SCHEMA,
} from './serve-schemas.js';

/** The query string after validation (defaults applied). */
interface AardvarkQueryString {
  readonly page: number;
  readonly count: number;
  readonly combine: string;
  readonly phrase?: string;
  readonly regex?: string;
  readonly arn?: string[];
}

/** The JSON body of a POST, when there is one. */
type AardvarkBody = Partial<Omit<AardvarkQueryString, 'combine'> & { combine: boolean | string }> | null;

/**
 * `GET` and `POST /api/1/advisors`, Aardvark's API: the latest snapshot of each principal that
 * matches `phrase`, `arn` and `regex`, a page of `count` ARNs at a time. A POST may carry the
 * parameters in a JSON body too (Repokid puts `phrase` or `arn` there, `page` and `count` in the
 * query); the body's win.
 */
export function registerAardvarkRoute(server: FastifyInstance, cache: CacheAccess, now: () => Date): void {
  const schema = {
    summary: "Aardvark's advisors: Access Advisor data per ARN",
    tags: ['aardvark'],
    querystring: AARDVARK_QUERY_SCHEMA,
    response: { 200: AARDVARK_RESPONSE_SCHEMA, 400: ERROR_SCHEMA, 503: UNAVAILABLE_SCHEMA },
  };
  const answer = async (query: AardvarkQuery) => {
    const { total, snapshots } = await cache.read((store) =>
      pageOfSnapshots(
        store,
        {
          ...(query.phrase === undefined ? {} : { phrase: query.phrase }),
          ...(query.regex === undefined ? {} : { regex: query.regex }),
          ...(query.arns === undefined ? {} : { arns: query.arns }),
        },
        query,
      ),
    );
    if (!query.combine) return toAardvarkPage(query.page, total, snapshots);
    if (total > snapshots.length) throw new UsageError(`Error: Please specify a count of at least ${total}.`);
    return combineAardvarkServices(snapshots, now());
  };
  server.get<{ Querystring: AardvarkQueryString }>('/api/1/advisors', { schema }, (request) =>
    answer(toAardvarkQuery(request.query, null)),
  );
  server.post<{ Querystring: AardvarkQueryString; Body: AardvarkBody }>(
    '/api/1/advisors',
    {
      schema: {
        ...schema,
        body: AARDVARK_BODY_SCHEMA,
        response: {
          ...schema.response,
          413: { ...ERROR_SCHEMA, description: 'The body is larger than 1 MiB.' },
          415: {
            ...ERROR_SCHEMA,
            description: 'The content-type is neither application/json nor text/plain.',
          },
        },
      },
    },
    (request) => answer(toAardvarkQuery(request.query, request.body ?? null)),
  );
}

/** The query string and the body merged, the body's values first. */
function toAardvarkQuery(query: AardvarkQueryString, body: AardvarkBody): AardvarkQuery {
  const combine = body?.combine ?? query.combine;
  const phrase = body?.phrase ?? query.phrase;
  const regex = body?.regex ?? query.regex;
  const arns = body?.arn ?? query.arn;
  return {
    page: body?.page ?? query.page,
    count: body?.count ?? query.count,
    combine: typeof combine === 'boolean' ? combine : combine.toLowerCase() === 'true',
    // Empty filters filter nothing, as in Aardvark (`if phrase:`).
    ...(phrase === undefined || phrase === '' ? {} : { phrase }),
    ...(regex === undefined || regex === '' ? {} : { regex }),
    ...(arns === undefined || splitArnParameter(arns).length === 0 ? {} : { arns: splitArnParameter(arns) }),
  };
}
