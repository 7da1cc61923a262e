import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildServer } from '../../src/app/serve/build-server.js';
import { createCacheAccess } from '../../src/app/serve/cache-access.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import type { AdvisorSnapshot } from '../../src/iam/access-advisor.js';
import { toAdvisorServices } from '../../src/iam/access-advisor.js';

// `iamtrail serve`'s routes, over real HTTP against a server listening on 127.0.0.1 (a free port),
// on a cache filled with the hand-written snapshots below: every expected value is read off them.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-serve-'));
const cachePath = join(work, 'cache.duckdb');

const MONKEY_A = 'arn:aws:iam::000000000000:role/SecurityMonkey';
const MONKEY_B = 'arn:aws:iam::111111111111:role/SecurityMonkey';
const ADMINS = 'arn:aws:iam::222222222222:group/admins';
const TRAINER = 'arn:aws:iam::222222222222:role/MonkeyTrainer';
const ALICE = 'arn:aws:iam::222222222222:user/alice';
const READONLY = 'arn:aws:iam::333333333333:role/securitymonkey-readonly';
/** Every principal, in ARN order (as the cache and Aardvark's pages list them). */
const ALL = [MONKEY_A, MONKEY_B, ADMINS, TRAINER, ALICE, READONLY];

/** "Now" for USED_LAST_90_DAYS: 90 days before is 2026-09-02. */
const NOW = new Date('2026-12-01T00:00:00Z');

interface ServiceFixture {
  readonly ns: string;
  readonly name: string;
  readonly last?: string;
  readonly total: number;
  readonly actions?: readonly { readonly name: string; readonly last?: string }[];
}

function snapshot(arn: string, collectedAt: string, services: readonly ServiceFixture[]): AdvisorSnapshot {
  const type = arn.split(':')[5]?.split('/')[0] ?? '';
  return {
    accountId: arn.split(':')[4] ?? '',
    arn,
    entityType: type as AdvisorSnapshot['entityType'],
    collectedAt,
    jobCompletedAt: collectedAt,
    origin: 'api',
    services: toAdvisorServices(
      services.map((service) => ({
        ServiceNamespace: service.ns,
        ServiceName: service.name,
        LastAuthenticated: service.last,
        LastAuthenticatedEntity: service.last === undefined ? undefined : arn,
        LastAuthenticatedRegion: service.last === undefined ? undefined : 'us-east-1',
        TotalAuthenticatedEntities: service.total,
        TrackedActionsLastAccessed: service.actions?.map((action) => ({
          ActionName: action.name,
          LastAccessedTime: action.last,
          LastAccessedEntity: action.last === undefined ? undefined : arn,
          LastAccessedRegion: action.last === undefined ? undefined : 'us-east-1',
        })),
      })),
    ),
  };
}

// Services in namespace order, as the cache returns them.
const A = snapshot(MONKEY_A, '2026-11-30T06:00:00Z', [
  { ns: 'ec2', name: 'Amazon EC2', last: '2026-06-01T00:00:00Z', total: 1 },
  { ns: 'iam', name: 'AWS Identity and Access Management', total: 0 },
  { ns: 's3', name: 'Amazon S3', last: '2026-11-20T10:00:00Z', total: 1 },
]);
const B_OLD = snapshot(MONKEY_B, '2026-10-01T07:00:00Z', [
  { ns: 's3', name: 'Amazon S3', last: '2026-09-15T00:00:00Z', total: 1 },
]);
const B = snapshot(MONKEY_B, '2026-11-30T07:00:00Z', [
  { ns: 'ec2', name: 'Amazon EC2', total: 0 },
  { ns: 'lambda', name: 'AWS Lambda', last: '2026-11-29T00:00:00Z', total: 1 },
  { ns: 's3', name: 'Amazon S3', last: '2026-11-25T12:30:00Z', total: 2 },
]);
const GROUP = snapshot(ADMINS, '2026-11-30T08:00:00Z', [
  { ns: 'iam', name: 'AWS Identity and Access Management', total: 0 },
]);
const TRAINER_SNAPSHOT = snapshot(TRAINER, '2026-11-30T08:00:00Z', []);
const ALICE_SNAPSHOT = snapshot(ALICE, '2026-11-30T09:00:00Z', [
  {
    ns: 's3',
    name: 'Amazon S3',
    last: '2026-11-28T09:15:00Z',
    total: 1,
    actions: [{ name: 'CreateBucket' }, { name: 'GetObject', last: '2026-11-28T09:15:00Z' }],
  },
  { ns: 'sts', name: 'AWS Security Token Service', last: '2026-08-01T00:00:00Z', total: 1 },
]);
const READONLY_SNAPSHOT = snapshot(READONLY, '2026-11-30T10:00:00Z', [
  { ns: 's3', name: 'Amazon S3', last: '2026-11-01T00:00:00Z', total: 1 },
]);

let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  const store = await CacheStore.open(cachePath);
  try {
    for (const entry of [A, B_OLD, B, GROUP, TRAINER_SNAPSHOT, ALICE_SNAPSHOT, READONLY_SNAPSHOT])
      await store.writeAdvisorSnapshot(entry);
  } finally {
    await store.close();
  }
  server = await buildServer({
    cache: createCacheAccess(cachePath, { lockTimeoutMs: 5000 }),
    now: () => NOW,
    version: '9.9.9',
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function get(path: string): Promise<Answer> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function post(path: string, body: string, contentType = 'application/json'): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The ARN keys of an Aardvark page, in order. */
const arnsOf = (body: Record<string, unknown>): string[] =>
  Object.keys(body).filter((key) => !['page', 'total', 'count'].includes(key));

/** A fixture service in Aardvark's shape, written out from its fixture. */
function aardvark(arn: string, collectedAt: string, service: ServiceFixture & { lastUpdated: string }) {
  return {
    lastAuthenticated: service.last === undefined ? 0 : Date.parse(service.last),
    lastAuthenticatedEntity: service.last === undefined ? null : arn,
    lastUpdated: service.lastUpdated,
    serviceName: service.name,
    serviceNamespace: service.ns,
    totalAuthenticatedEntities: service.total,
  };
}

describe("Aardvark's /api/1/advisors", () => {
  it('with no parameter: the first page of 30, every principal, its latest snapshot', async () => {
    const { status, body } = await get('/api/1/advisors');
    expect(status).toBe(200);
    expect(body.page).toBe(1);
    expect(body.total).toBe(6);
    expect(body.count).toBe(6);
    expect(arnsOf(body)).toEqual(ALL);
    // MONKEY_B's latest snapshot (2026-11-30), not the one of 2026-10-01.
    expect(body[MONKEY_B]).toEqual([
      aardvark(MONKEY_B, B.collectedAt, {
        ns: 'ec2',
        name: 'Amazon EC2',
        total: 0,
        lastUpdated: 'Mon, 30 Nov 2026 07:00:00 GMT',
      }),
      aardvark(MONKEY_B, B.collectedAt, {
        ns: 'lambda',
        name: 'AWS Lambda',
        last: '2026-11-29T00:00:00Z',
        total: 1,
        lastUpdated: 'Mon, 30 Nov 2026 07:00:00 GMT',
      }),
      aardvark(MONKEY_B, B.collectedAt, {
        ns: 's3',
        name: 'Amazon S3',
        last: '2026-11-25T12:30:00Z',
        total: 2,
        lastUpdated: 'Mon, 30 Nov 2026 07:00:00 GMT',
      }),
    ]);
    expect(body[TRAINER]).toEqual([]);
  });

  it('?phrase=SecurityMonkey: a case-insensitive substring of the ARN', async () => {
    const { body } = await get('/api/1/advisors?phrase=SecurityMonkey');
    expect(arnsOf(body)).toEqual([MONKEY_A, MONKEY_B, READONLY]);
    expect(body.total).toBe(3);
  });

  it('?arn=...&arn=...: exact ARNs in any case; also comma-separated, as Aardvark 0.3 reads them', async () => {
    const repeated = await get(`/api/1/advisors?arn=${MONKEY_A}&arn=${MONKEY_B.toLowerCase()}`);
    expect(arnsOf(repeated.body)).toEqual([MONKEY_A, MONKEY_B]);
    const commas = await get(`/api/1/advisors?arn=${MONKEY_A},${ALICE}`);
    expect(arnsOf(commas.body)).toEqual([MONKEY_A, ALICE]);
    // A prefix is not an ARN.
    expect((await get('/api/1/advisors?arn=arn:aws:iam::000000000000:role/Security')).body.total).toBe(0);
  });

  it('?regex=^.*Monkey$: a regular expression on the ARN (case-sensitive)', async () => {
    const { body } = await get(`/api/1/advisors?regex=${encodeURIComponent('^.*Monkey$')}`);
    expect(arnsOf(body)).toEqual([MONKEY_A, MONKEY_B]);
  });

  it('pages: count ARNs a page, total the ARNs matching, count those on the page; 0 is all', async () => {
    const second = await get('/api/1/advisors?count=2&page=2');
    expect({ page: second.body.page, total: second.body.total, count: second.body.count }).toEqual({
      page: 2,
      total: 6,
      count: 2,
    });
    expect(arnsOf(second.body)).toEqual([ADMINS, TRAINER]);
    const last = await get('/api/1/advisors?count=4&page=2');
    expect(arnsOf(last.body)).toEqual([ALICE, READONLY]);
    const beyond = await get('/api/1/advisors?count=2&page=4');
    expect(beyond.body).toEqual({ page: 4, total: 6, count: 0 });
    const all = await get('/api/1/advisors?count=0');
    expect(arnsOf(all.body)).toEqual(ALL);
  });

  it('combine=true merges the services of the page: latest access wins, entities summed, USED_LAST_90_DAYS', async () => {
    const { status, body } = await get(
      `/api/1/advisors?regex=${encodeURIComponent('^.*Monkey$')}&combine=True`,
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      // A's June access beats B's never; one entity (A's) in all.
      ec2: {
        ...aardvark(MONKEY_A, A.collectedAt, {
          ns: 'ec2',
          name: 'Amazon EC2',
          last: '2026-06-01T00:00:00Z',
          total: 1,
          lastUpdated: 'Mon, 30 Nov 2026 06:00:00 GMT',
        }),
        USED_LAST_90_DAYS: false,
      },
      iam: {
        ...aardvark(MONKEY_A, A.collectedAt, {
          ns: 'iam',
          name: 'AWS Identity and Access Management',
          total: 0,
          lastUpdated: 'Mon, 30 Nov 2026 06:00:00 GMT',
        }),
        USED_LAST_90_DAYS: false,
      },
      lambda: {
        ...aardvark(MONKEY_B, B.collectedAt, {
          ns: 'lambda',
          name: 'AWS Lambda',
          last: '2026-11-29T00:00:00Z',
          total: 1,
          lastUpdated: 'Mon, 30 Nov 2026 07:00:00 GMT',
        }),
        USED_LAST_90_DAYS: true,
      },
      // B's 25 November beats A's 20 November; 1 + 2 entities.
      s3: {
        ...aardvark(MONKEY_B, B.collectedAt, {
          ns: 's3',
          name: 'Amazon S3',
          last: '2026-11-25T12:30:00Z',
          total: 3,
          lastUpdated: 'Mon, 30 Nov 2026 07:00:00 GMT',
        }),
        USED_LAST_90_DAYS: true,
      },
    });
  });

  it('combine=true is a 400 when the page does not hold every ARN that matches, as in Aardvark', async () => {
    const { status, body } = await get('/api/1/advisors?phrase=SecurityMonkey&combine=true&count=2');
    expect(status).toBe(400);
    expect(body.message).toBe('Error: Please specify a count of at least 3.');
  });

  it('POST with a JSON body (as Repokid: filters in the body, page and count in the query)', async () => {
    const paged = await post('/api/1/advisors?count=1&page=2', JSON.stringify({ phrase: 'securitymonkey' }));
    expect(paged.status).toBe(200);
    expect(paged.body).toMatchObject({ page: 2, total: 3, count: 1 });
    expect(arnsOf(paged.body)).toEqual([MONKEY_B]);
    const arns = await post('/api/1/advisors', JSON.stringify({ arn: [ALICE.toUpperCase(), READONLY] }));
    expect(arns.body).toMatchObject({ page: 1, total: 2, count: 2 });
    expect(arnsOf(arns.body)).toEqual([ALICE, READONLY]);
    const combined = await post('/api/1/advisors', JSON.stringify({ arn: [ALICE], combine: true }));
    expect(Object.keys(combined.body)).toEqual(['s3', 'sts']);
    // No body at all: the query string alone.
    const bare = await fetch(`${base}/api/1/advisors?arn=${ALICE}`, { method: 'POST' });
    expect(bare.status).toBe(200);
    expect(arnsOf((await bare.json()) as Record<string, unknown>)).toEqual([ALICE]);
  });

  it.each([
    ['/api/1/advisors?page=0', 'parameter page "0": must be >= 1'],
    ['/api/1/advisors?count=-1', 'parameter count "-1": must be >= 0'],
    ['/api/1/advisors?count=abc', 'parameter count "abc": must be integer'],
    ['/api/1/advisors?page=1.5', 'parameter page "1.5": must be integer'],
    ['/api/1/advisors?combine=yes', 'parameter combine "yes": must match pattern'],
  ])('GET %s is a 400 naming the parameter and its value', async (path, message) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error).toBe('Bad Request');
    expect(body.message).toContain(message);
  });

  it('a regex that does not compile is a 400 that quotes it', async () => {
    const { status, body } = await get(`/api/1/advisors?regex=${encodeURIComponent('([a-z')}`);
    expect(status).toBe(400);
    expect(body.message).toContain('the regular expression "([a-z" does not compile');
  });

  it('page and count: digits within bounds, given once; anything else a 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['page=Infinity', 'parameter page "Infinity": must be integer (digits)'],
      ['page=1e400', 'parameter page "1e400": must be integer (digits)'],
      ['count=1e400', 'parameter count "1e400": must be integer (digits)'],
      ['count=%20', 'parameter count " ": must be integer (digits)'],
      ['count=0x10', 'parameter count "0x10": must be integer (digits)'],
      ['page=1000001', 'parameter page "1000001": must be <= 1000000'],
      ['count=10001', 'parameter count "10001": must be <= 10000'],
      ['count=1&count=2', 'parameter count is given 2 times ("1", "2"): give it once'],
      ['phrase=a&phrase=b', 'parameter phrase is given 2 times ("a", "b"): give it once'],
    ];
    for (const route of ['/api/1/advisors', '/api/v1/principals'])
      for (const [query, message] of cases) {
        const { status, body } = await get(`${route}?${query}`);
        expect([status, body.message], `${route}?${query}`).toEqual([400, message]);
      }
    const highest = await get('/api/1/advisors?page=1000000&count=10000');
    expect(highest.body).toEqual({ page: 1000000, total: 6, count: 0 });
    const posted = await post('/api/1/advisors', '{"count": 1e400}');
    expect([posted.status, posted.body.message]).toEqual([400, 'body field count Infinity: must be integer']);
  });

  it('POST: a body that is not JSON, or a bad field, is a 400', async () => {
    const broken = await post('/api/1/advisors', '{"phrase": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('Bad Request');
    const negative = await post('/api/1/advisors', JSON.stringify({ count: -1 }));
    expect(negative.status).toBe(400);
    expect(negative.body.message).toBe('body field count -1: must be >= 0');
    const combine = await post('/api/1/advisors', JSON.stringify({ combine: 'maybe' }));
    expect(combine.status).toBe(400);
    expect(combine.body.message).toContain('body field combine "maybe"');
  });
});

describe("iamtrail's /api/v1", () => {
  it('/api/v1/principals: every principal summed up, filtered by account and type', async () => {
    const { status, body } = await get('/api/v1/principals?account=222222222222');
    expect(status).toBe(200);
    expect(body).toEqual({
      schema: 'iamtrail.advisor-principals/v1',
      page: 1,
      total: 3,
      principals: [
        {
          arn: ADMINS,
          accountId: '222222222222',
          entityType: 'group',
          collectedAt: GROUP.collectedAt,
          services: 1,
          servicesAuthenticated: 0,
          lastAuthenticated: null,
        },
        {
          arn: TRAINER,
          accountId: '222222222222',
          entityType: 'role',
          collectedAt: TRAINER_SNAPSHOT.collectedAt,
          services: 0,
          servicesAuthenticated: 0,
          lastAuthenticated: null,
        },
        {
          arn: ALICE,
          accountId: '222222222222',
          entityType: 'user',
          collectedAt: ALICE_SNAPSHOT.collectedAt,
          services: 2,
          servicesAuthenticated: 2,
          // S3's 28 November is later than STS's 1 August.
          lastAuthenticated: '2026-11-28T09:15:00Z',
        },
      ],
    });
    const users = await get('/api/v1/principals?type=user&type=group');
    expect((users.body.principals as { arn: string }[]).map((entry) => entry.arn)).toEqual([ADMINS, ALICE]);
    const paged = await get('/api/v1/principals?count=2&page=3');
    expect(paged.body.total).toBe(6);
    expect((paged.body.principals as { arn: string }[]).map((entry) => entry.arn)).toEqual([ALICE, READONLY]);
  });

  it('/api/v1/principals/:arn/advisor: the latest snapshot with its action-level data', async () => {
    const { status, body } = await get(`/api/v1/principals/${encodeURIComponent(ALICE)}/advisor`);
    expect(status).toBe(200);
    expect(body).toEqual({ schema: 'iamtrail.advisor-snapshot/v1', snapshot: ALICE_SNAPSHOT });
    const s3 = ALICE_SNAPSHOT.services[0];
    expect(s3?.trackedActions?.map((action) => action.actionName)).toEqual(['CreateBucket', 'GetObject']);
  });

  it('/api/v1/principals/:arn/advisor/history: every snapshot, oldest first', async () => {
    const { status, body } = await get(`/api/v1/principals/${encodeURIComponent(MONKEY_B)}/advisor/history`);
    expect(status).toBe(200);
    expect(body).toEqual({ schema: 'iamtrail.advisor-history/v1', arn: MONKEY_B, snapshots: [B_OLD, B] });
  });

  it('an ARN the cache has no snapshot of is a 404 naming it', async () => {
    const unknown = 'arn:aws:iam::999999999999:role/nobody';
    for (const path of ['advisor', 'advisor/history']) {
      const { status, body } = await get(`/api/v1/principals/${encodeURIComponent(unknown)}/${path}`);
      expect(status).toBe(404);
      expect(body.message).toBe(`the cache holds no Access Advisor snapshot of "${unknown}"`);
    }
  });

  it('bad filters are 400s naming the value', async () => {
    const account = await get('/api/v1/principals?account=12');
    expect(account.status).toBe(400);
    expect(account.body.message).toContain('parameter account.0 "12": must match pattern');
    const type = await get('/api/v1/principals?type=robot');
    expect(type.status).toBe(400);
    expect(type.body.message).toContain(
      'parameter type.0 "robot": must be equal to one of the allowed values',
    );
  });

  it('has no write route: POST, PUT and DELETE are 404s', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(`${base}/api/v1/principals`, { method });
      expect(response.status, method).toBe(404);
      expect(((await response.json()) as { message: string }).message).toContain('read-only');
    }
    const remove = await fetch(`${base}/api/1/advisors`, { method: 'DELETE' });
    expect(remove.status).toBe(404);
  });

  it('/api/v1/principals/:arn/usage is not served without a config', async () => {
    const { status } = await get(`/api/v1/principals/${encodeURIComponent(ALICE)}/usage`);
    expect(status).toBe(404);
  });
});

describe('/openapi.json', () => {
  it('is an OpenAPI 3 document of every route, generated from their schemas', async () => {
    const { status, body } = await get('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.0.3');
    expect((body.info as { version: string }).version).toBe('9.9.9');
    const paths = body.paths as Record<string, Record<string, { parameters?: { name: string }[] }>>;
    expect(Object.keys(paths).sort()).toEqual([
      '/api/1/advisors',
      '/api/v1/principals',
      '/api/v1/principals/{arn}/advisor',
      '/api/v1/principals/{arn}/advisor/history',
    ]);
    expect(Object.keys(paths['/api/1/advisors'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(paths['/api/1/advisors']?.get?.parameters?.map((parameter) => parameter.name).sort()).toEqual([
      'arn',
      'combine',
      'count',
      'page',
      'phrase',
      'regex',
    ]);
  });

  it('says the POST body is optional, and every status a route answers with: 503 everywhere, 413 and 415 for the POST', async () => {
    const paths = (await get('/openapi.json')).body.paths as Record<
      string,
      Record<string, { requestBody?: { required: boolean }; responses: Record<string, unknown> }>
    >;
    const documented = paths['/api/1/advisors']?.post;
    expect(documented?.requestBody?.required).toBe(false);
    expect(Object.keys(documented?.responses ?? {}).sort()).toEqual(['200', '400', '413', '415', '503']);
    for (const [path, operations] of Object.entries(paths))
      for (const [method, operation] of Object.entries(operations))
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain('503');
    // A POST without a body is answered (Repokid may send one without).
    const response = await fetch(`${base}/api/1/advisors?count=1`, { method: 'POST' });
    expect(response.status).toBe(200);
    // What the document promises for 413 and 415 is what a POST gets.
    const large = await post('/api/1/advisors', JSON.stringify({ phrase: 'x'.repeat(1024 * 1024) }));
    expect(large.status).toBe(413);
    const form = await post('/api/1/advisors', 'phrase=x', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
  });
});
