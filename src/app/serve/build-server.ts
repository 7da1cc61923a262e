import { isIP } from 'node:net';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { Config } from '../../config/load-config.js';
import { isIamtrailError, UsageError } from '../../errors.js';
import { mapStringsDeep } from '../../map-strings.js';
import { registerAardvarkRoute } from './aardvark-route.js';
import type { CacheAccess } from './cache-access.js';
import { registerPrincipalRoutes } from './principal-routes.js';
import type { UsageRequest } from './principal-usage.js';
import { registerUsageRoute } from './usage-route.js';

/** Options of {@link buildServer}. */
export interface ServeOptions {
  /** How routes open the cache (see `cache-access.ts`). */
  readonly cache: CacheAccess;
  /**
   * A principal's CloudTrail usage (the report's document), when a config was given; without it
   * `/api/v1/principals/:arn/usage` is not served.
   */
  readonly usage?: (request: UsageRequest) => Promise<unknown>;
  /** The current time, for Aardvark's `USED_LAST_90_DAYS`. */
  readonly now: () => Date;
  /** The version `/openapi.json` states. */
  readonly version: string;
  /**
   * The host names a request's `Host` header may name (any case, any port); another one is a 421.
   * A page of another site whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its
   * own name there. Undefined: any (behind a proxy, which checks it).
   */
  readonly allowedHosts?: readonly string[] | undefined;
  /**
   * The server's own files (its cache, config, IAM files, logs folder), which an answer names only
   * by their role (`<--cache>`): a client learns what is wrong, the operator where, on stderr.
   */
  readonly privatePlaces?: readonly PrivatePlace[];
}

/**
 * A text of the server's that no answer names (a path, or an account's id), and what answers say
 * instead. An account's id (`account`) is named in errors about that account only, and left in a
 * document.
 */
export interface PrivatePlace {
  readonly path: string;
  readonly label: string;
  /** The id of the account this place is (an error about it may name it). */
  readonly account?: string;
}

/** `path` as given, resolved, and as the file system has it (links followed), where it differs. */
function pathForms(path: string): string[] {
  const resolved = resolve(path);
  let real: string | undefined;
  try {
    real = realpathSync.native(resolved);
  } catch {
    // Not there (yet): its folder's real path, if that is there.
    try {
      real = join(realpathSync.native(dirname(resolved)), basename(resolved));
    } catch {
      real = undefined;
    }
  }
  return [...new Set([path, resolved, ...(real === undefined ? [] : [real])])];
}

/**
 * The server's files an answer must not name: the cache, and with a config its file, its logs
 * folder and its accounts' IAM files, each as given, as resolved and with links followed; and the
 * config's account ids, which an error names only about the account asked for.
 */
export function serverPlaces(cachePath: string, config: Config | undefined): PrivatePlace[] {
  const files = [
    { path: cachePath, label: '<--cache>' },
    ...(config === undefined
      ? []
      : [
          { path: config.file, label: '<--config>' },
          ...(config.logs === undefined
            ? []
            : [{ path: config.logs, label: '<the logs: folder of --config>' }]),
          ...config.accounts.flatMap((account) =>
            account.iam === undefined
              ? []
              : [{ path: account.iam, label: `<the iam: file of account ${account.id} in --config>` }],
          ),
        ]),
  ];
  return [
    ...files.flatMap((place) => pathForms(place.path).map((path) => ({ path, label: place.label }))),
    ...(config?.accounts ?? []).map((account) => ({
      path: account.id,
      label: '<another account of --config>',
      account: account.id,
    })),
  ];
}

/**
 * `message` with every private place replaced by its label, the longest paths first (a cache's
 * write-ahead log `CACHE.wal` reads `<--cache>.wal`), as written and as a JSON string holds it.
 */
export function withoutPrivatePlaces(message: string, places: readonly PrivatePlace[]): string {
  const forms = places
    .flatMap((place) => [
      { text: place.path, label: place.label },
      { text: JSON.stringify(place.path).slice(1, -1), label: place.label },
    ])
    .filter((form) => form.text.length > 1)
    .sort((a, b) => b.text.length - a.text.length);
  return forms.reduce((text, form) => text.split(form.text).join(form.label), message);
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), lower case, without its port. */
export function hostNameOf(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('['))
    return value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/** Defaults of {@link ServeOptions}. */
export const DEFAULT_SERVE_OPTIONS: Pick<ServeOptions, 'now' | 'version'> = {
  now: () => new Date(),
  version: '0.0.0',
};

/**
 * The HTTP API of `iamtrail serve`, read-only (only GET routes, and Aardvark's POST query): Aardvark's
 * `/api/1/advisors`, iamtrail's `/api/v1/...` and the OpenAPI document of both at `/openapi.json`.
 * Every parameter is checked against its route's JSON Schema; a bad one is a 400 with a JSON
 * message naming it and quoting the value. Not listening yet: the caller calls `listen`.
 */
export async function buildServer(
  options: Partial<ServeOptions> & Pick<ServeOptions, 'cache'>,
): Promise<FastifyInstance> {
  const { cache, usage, now, version, allowedHosts, privatePlaces } = {
    ...DEFAULT_SERVE_OPTIONS,
    ...options,
  };
  const server = Fastify({ logger: false });
  if (allowedHosts !== undefined) {
    // Each a name or address, with or without a port (`proxy.example:8080`, `[::1]:5000`); a bare
    // IPv6 address (`::1`) has no port to take off.
    const allowed = new Set(allowedHosts.map((host) => hostNameOf(isIP(host) === 6 ? `[${host}]` : host)));
    server.addHook('onRequest', (request, reply, done) => {
      const name = hostNameOf(request.headers.host ?? '');
      if (allowed.has(name)) {
        done();
        return;
      }
      void reply.code(421).send({
        statusCode: 421,
        error: 'Misdirected Request',
        message: `this server answers requests for ${[...allowed].join(', ')}, not for the host this request names (pass --allow-host NAME to serve it under another name)`,
      });
    });
  }
  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'iamtrail',
        version,
        description:
          "Access Advisor data and CloudTrail usage from iamtrail's cache, read-only. /api/1/advisors answers as Netflix's Aardvark does.",
      },
      tags: [
        { name: 'aardvark', description: "Aardvark's API, unchanged for its clients (Repokid)" },
        { name: 'iamtrail', description: "iamtrail's own API" },
      ],
    },
    transformObject: (generated) =>
      'openapiObject' in generated ? withOptionalBodies(generated.openapiObject) : generated.swaggerObject,
  });
  server.setErrorHandler((error: FastifyError, request, reply) => {
    // An error about a principal's account may name that account, no other of the config.
    const asked = (request.params as { arn?: unknown } | undefined)?.arn;
    const account = typeof asked === 'string' ? asked.split(':')[4] : undefined;
    return toErrorReply(
      error,
      request,
      reply,
      (privatePlaces ?? []).filter((place) => place.account === undefined || place.account !== account),
    );
  });
  server.addHook('preValidation', (request, _reply, done) => {
    try {
      checkQueryText(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''} (this API is read-only: see /openapi.json)`,
    }),
  );
  registerAardvarkRoute(server, cache, now);
  registerPrincipalRoutes(server, cache);
  // The report's document names the cache and log files read: by their role only. Account ids
  // stay: the document is of the account asked about.
  const files = (privatePlaces ?? []).filter((place) => place.account === undefined);
  if (usage !== undefined)
    registerUsageRoute(server, cache, async (request) =>
      mapStringsDeep(await usage(request), (text) => withoutPrivatePlaces(text, files)),
    );
  server.get('/openapi.json', { schema: { hide: true } }, () => server.swagger());
  return server;
}

/**
 * What the schema's validation cannot see, since it coerces the query string first: a parameter
 * given twice (validation would blame its first value), and an integer not written in digits (a
 * blank would be 0, `1e400` Infinity, `0x10` 16). Each a usage error naming the parameter (a 400).
 */
function checkQueryText(request: FastifyRequest): void {
  const schema = request.routeOptions.schema?.querystring as
    { readonly properties?: Record<string, { readonly type?: unknown }> } | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    const value = query?.[name];
    if (value === undefined) continue;
    if (property.type !== 'array' && Array.isArray(value))
      throw new UsageError(
        `parameter ${name} is given ${value.length} times (${value.map((entry) => JSON.stringify(entry)).join(', ')}): give it once`,
      );
    // The query string parser gives strings (or lists of them, refused above).
    if (property.type === 'integer' && (typeof value !== 'string' || !/^[+-]?\d+$/.test(value)))
      throw new UsageError(`parameter ${name} ${JSON.stringify(value)}: must be integer (digits)`);
  }
}

/**
 * The OpenAPI document with every request body optional: @fastify/swagger marks a route's body
 * required, but Aardvark's POST (the only route with one) answers without a body too.
 */
function withOptionalBodies<T>(document: T): T {
  const paths = (
    document as { paths?: Record<string, Record<string, { requestBody?: { required?: boolean } }>> }
  ).paths;
  for (const operations of Object.values(paths ?? {}))
    for (const operation of Object.values(operations))
      if (operation.requestBody !== undefined) operation.requestBody.required = false;
  return document;
}

/** HTTP status names of the errors this API answers with. */
const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Errors as JSON: a parameter that fails its schema, or an iamtrail usage error (a regex that does
 * not compile) is a 400; what the client cannot mend (the cache busy, broken or unreadable as it is,
 * the server's config or IAM files) is a 503; Fastify's own client errors keep their status (a body
 * that is not JSON). An iamtrail error's answer names no file of the server's (`places`); a 503's
 * whole message goes to the server's stderr, for its operator. Anything else is a 500 that says no
 * more than that (its detail on stderr).
 */
function toErrorReply(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  places: readonly PrivatePlace[],
): FastifyReply {
  let statusCode: number;
  let message = error.message;
  // As a JSON string: no control character of a message reaches the terminal raw.
  const logged = (text: string): void => {
    process.stderr.write(
      `iamtrail serve: ${request.method} ${JSON.stringify(request.url.split('?')[0] ?? '')}: ${JSON.stringify(text)}\n`,
    );
  };
  if (error.validation !== undefined) {
    statusCode = 400;
    message = describeValidation(error, request);
  } else if (isIamtrailError(error)) {
    statusCode = error.kind === 'usage' ? 400 : 503;
    if (error.suggestions.length > 0) message = `${message}. ${error.suggestions.join('. ')}`;
    if (statusCode === 503) logged(message);
    message = withoutPrivatePlaces(message, places);
  } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    statusCode = error.statusCode;
  } else {
    // What went wrong inside (a DuckDB message naming files, say) is the operator's to read, on
    // the server's stderr; the client learns only that it did.
    statusCode = 500;
    logged(error.message);
    message = "internal error: the server's output says what went wrong";
  }
  return reply.code(statusCode).send({
    statusCode,
    error: STATUS_NAMES[statusCode] ?? 'Error',
    message,
  });
}

/** `parameter page "0": must be >= 1`, from the first schema error and the value sent. */
function describeValidation(error: FastifyError, request: FastifyRequest): string {
  const [first] = error.validation ?? [];
  if (first === undefined) return error.message;
  const context = error.validationContext ?? 'querystring';
  const where = context === 'body' ? 'body field' : context === 'params' ? 'path parameter' : 'parameter';
  const source: unknown =
    context === 'body' ? request.body : context === 'params' ? request.params : request.query;
  const path = first.instancePath.split('/').filter((part) => part !== '');
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  const name = path.length > 0 ? path.join('.') : (missing ?? context);
  // The query string as sent (validation coerces it in place: "0" became 0).
  const sent =
    context === 'querystring' && path[0] !== undefined
      ? new URL(request.url, 'http://serve').searchParams.getAll(path[0])
      : [];
  const value = path.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    source,
  );
  const raw = sent.length === 0 ? value : sent[path[1] === undefined ? 0 : Number(path[1])];
  // A JSON number too large for a double is Infinity, which JSON.stringify would call null.
  const quoted =
    raw === undefined
      ? ''
      : ` ${typeof raw === 'number' && !Number.isFinite(raw) ? String(raw) : JSON.stringify(raw)}`;
  return `${where} ${name}${quoted}: ${first.message ?? 'is not valid'}`;
}
