/*
 * The JSON Schemas of `iamtrail serve`'s routes: Fastify validates parameters with them (a value
 * that does not fit is a 400 naming it) and @fastify/swagger builds `/openapi.json` from them.
 */

/** `true` or `false` in any case, as Aardvark reads `combine` (`"True"` counts). */
const TRUE_OR_FALSE = '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$';

/** The highest page asked for: far past any cache's principals at any count. */
const MAX_PAGE = 1_000_000;

/** The most principals a page holds (but Aardvark's `count=0`, all of them). */
const MAX_COUNT = 10_000;

/** Every error answer: the HTTP status, its name, and what was wrong, quoting the value. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

/** A 503: the cache is in use past --cache-wait, or cannot be read as it is (the message says what to do). */
export const UNAVAILABLE_SCHEMA = {
  ...ERROR_SCHEMA,
  description:
    'The cache is in use by another process past --cache-wait, or cannot be read as it is (missing, of another schema version, damaged), or the server cannot answer from its config: the message says what to do.',
} as const;

const AARDVARK_SERVICE_PROPERTIES = {
  lastAuthenticated: { type: 'integer', description: 'Milliseconds since the epoch; 0: never.' },
  lastAuthenticatedEntity: { type: ['string', 'null'] },
  lastUpdated: { type: 'string', description: 'When iamtrail collected it, as an HTTP date.' },
  serviceName: { type: 'string' },
  serviceNamespace: { type: 'string' },
  totalAuthenticatedEntities: { type: 'integer' },
} as const;

const AARDVARK_FILTER_DESCRIPTIONS = {
  phrase: 'A case-insensitive substring of the ARN.',
  regex: 'A regular expression (RE2) the ARN matches.',
  arn: 'ARNs, case-insensitive and exact: repeat the parameter, or separate them with commas.',
} as const;

/** `/api/1/advisors`'s query string (Aardvark's parameters). */
export const AARDVARK_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1, description: 'Page, from 1.' },
    count: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_COUNT,
      default: 30,
      description: 'ARNs per page (0: all, as in Aardvark).',
    },
    combine: {
      type: 'string',
      pattern: TRUE_OR_FALSE,
      default: 'false',
      description: "true: merge the services of the page's ARNs (400 when the page does not hold them all).",
    },
    phrase: { type: 'string', description: AARDVARK_FILTER_DESCRIPTIONS.phrase },
    regex: { type: 'string', description: AARDVARK_FILTER_DESCRIPTIONS.regex },
    arn: { type: 'array', items: { type: 'string' }, description: AARDVARK_FILTER_DESCRIPTIONS.arn },
  },
} as const;

/** `POST /api/1/advisors`'s JSON body (Repokid sends the filters here, page and count in the query). */
export const AARDVARK_BODY_SCHEMA = {
  type: ['object', 'null'],
  properties: {
    page: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
    count: { type: 'integer', minimum: 0, maximum: MAX_COUNT },
    combine: { anyOf: [{ type: 'boolean' }, { type: 'string', pattern: TRUE_OR_FALSE }] },
    phrase: { type: 'string', description: AARDVARK_FILTER_DESCRIPTIONS.phrase },
    regex: { type: 'string', description: AARDVARK_FILTER_DESCRIPTIONS.regex },
    arn: { type: 'array', items: { type: 'string' }, description: AARDVARK_FILTER_DESCRIPTIONS.arn },
  },
} as const;

/** `/api/1/advisors`'s answer: `page`, `total`, `count` and one key per ARN; or, combined, one key per namespace. */
export const AARDVARK_RESPONSE_SCHEMA = {
  type: 'object',
  description:
    'page, total (ARNs matching), count (ARNs on this page), and for each ARN its services; with combine=true, one key per service namespace instead.',
  properties: {
    page: { type: 'integer' },
    total: { type: 'integer' },
    count: { type: 'integer' },
  },
  additionalProperties: {
    anyOf: [
      { type: 'array', items: { type: 'object', properties: AARDVARK_SERVICE_PROPERTIES } },
      {
        type: 'object',
        properties: { ...AARDVARK_SERVICE_PROPERTIES, USED_LAST_90_DAYS: { type: 'boolean' } },
      },
    ],
  },
} as const;

const NULLABLE_STRING = { type: ['string', 'null'] } as const;

/** An {@link AdvisorSnapshot} (src/iam/access-advisor.ts), action-level data included. */
export const SNAPSHOT_SCHEMA = {
  type: 'object',
  required: ['accountId', 'arn', 'entityType', 'collectedAt', 'jobCompletedAt', 'origin', 'services'],
  properties: {
    accountId: { type: 'string' },
    arn: { type: 'string' },
    entityType: { type: 'string', enum: ['user', 'role', 'group', 'policy'] },
    collectedAt: { type: 'string', format: 'date-time' },
    jobCompletedAt: NULLABLE_STRING,
    origin: { type: 'string', description: '"api", or "import:<file>".' },
    services: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'serviceNamespace',
          'serviceName',
          'lastAuthenticated',
          'lastAuthenticatedEntity',
          'lastAuthenticatedRegion',
          'totalAuthenticatedEntities',
        ],
        properties: {
          serviceNamespace: { type: 'string' },
          serviceName: { type: 'string' },
          lastAuthenticated: { ...NULLABLE_STRING, description: 'ISO-8601 UTC; null: never.' },
          lastAuthenticatedEntity: NULLABLE_STRING,
          lastAuthenticatedRegion: NULLABLE_STRING,
          totalAuthenticatedEntities: { type: 'integer' },
          trackedActions: {
            type: 'array',
            description: 'Only for the services AWS tracks at action level.',
            items: {
              type: 'object',
              required: ['actionName', 'lastAccessed', 'lastAccessedEntity', 'lastAccessedRegion'],
              properties: {
                actionName: { type: 'string' },
                lastAccessed: NULLABLE_STRING,
                lastAccessedEntity: NULLABLE_STRING,
                lastAccessedRegion: NULLABLE_STRING,
              },
            },
          },
        },
      },
    },
  },
} as const;

/** The `:arn` of `/api/v1/principals/:arn/...` (URL-encoded: `encodeURIComponent(arn)`). */
export const ARN_PARAMS_SCHEMA = {
  type: 'object',
  required: ['arn'],
  properties: { arn: { type: 'string', minLength: 1, description: "The principal's ARN, URL-encoded." } },
} as const;

/** `GET /api/v1/principals`'s filters and paging. */
export const PRINCIPALS_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    account: { type: 'array', items: { type: 'string', pattern: '^\\d{12}$' }, description: 'Account ids.' },
    type: {
      type: 'array',
      items: { type: 'string', enum: ['user', 'role', 'group', 'policy'] },
      description: 'Entity types.',
    },
    phrase: { type: 'string', description: AARDVARK_FILTER_DESCRIPTIONS.phrase },
    regex: { type: 'string', description: AARDVARK_FILTER_DESCRIPTIONS.regex },
    arn: { type: 'array', items: { type: 'string' }, description: 'ARNs, case-insensitive and exact.' },
    page: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 },
    count: { type: 'integer', minimum: 1, maximum: MAX_COUNT, default: 100 },
  },
} as const;

/** One principal of `GET /api/v1/principals`: its latest snapshot, summed up. */
export const PRINCIPAL_SUMMARY_SCHEMA = {
  type: 'object',
  required: [
    'arn',
    'accountId',
    'entityType',
    'collectedAt',
    'services',
    'servicesAuthenticated',
    'lastAuthenticated',
  ],
  properties: {
    arn: { type: 'string' },
    accountId: { type: 'string' },
    entityType: { type: 'string' },
    collectedAt: { type: 'string' },
    services: { type: 'integer', description: 'Services its policies allow.' },
    servicesAuthenticated: {
      type: 'integer',
      description: 'Of those, authenticated in the tracking period.',
    },
    lastAuthenticated: { ...NULLABLE_STRING, description: 'Its latest authentication to any service.' },
  },
} as const;

/** `GET /api/v1/principals/:arn/usage`'s window. */
export const USAGE_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    start: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'First UTC day (default: 364 days before end).',
    },
    end: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Last UTC day (default: today).' },
  },
} as const;
