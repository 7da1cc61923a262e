import type { FastifyInstance } from 'fastify';

import { buildServer, serverPlaces } from '../../src/app/serve/build-server.js';
import { createCacheAccess } from '../../src/app/serve/cache-access.js';
import { createUsageReader } from '../../src/app/serve/principal-usage.js';
import { toReportDocument } from '../../src/cli/render-report.js';
import type { Config } from '../../src/config/load-config.js';

/**
 * The server `iamtrail serve --cache PATH --config FILE` builds (not listening): the cache read per
 * request, the usage route answered from `config`, the server's files kept out of its answers.
 */
export function usageServer(
  path: string,
  config: Config,
  options: { readonly lockTimeoutMs?: number; readonly warn?: (message: string) => void } = {},
): Promise<FastifyInstance> {
  const lockTimeoutMs = options.lockTimeoutMs ?? 1000;
  return buildServer({
    cache: createCacheAccess(path, { lockTimeoutMs }),
    privatePlaces: serverPlaces(path, config),
    usage: createUsageReader({
      config,
      cache: { path, lockTimeoutMs },
      toDocument: toReportDocument,
      warn: options.warn ?? (() => undefined),
    }),
  });
}
