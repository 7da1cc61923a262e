import { describe, expect, it } from 'vitest';

import { combineAardvarkServices, splitArnParameter } from '../../../../src/app/serve/aardvark-document.js';
import type { AdvisorSnapshot } from '../../../../src/iam/access-advisor.js';
import { buildServer } from '../../../../src/app/serve/build-server.js';
import { createCacheAccess } from '../../../../src/app/serve/cache-access.js';
import { isLoopbackHost, listensOnLoopbackOnly } from '../../../../src/app/serve/serve-until-stopped.js';

describe('splitArnParameter', () => {
  it.each<{ name: string; input: string[]; expected: string[] }>([
    {
      name: 'repeated',
      input: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
      expected: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
    },
    {
      name: 'comma-separated',
      input: ['arn:aws:iam::1:role/a,arn:aws:iam::1:role/b'],
      expected: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
    },
    // IAM names may hold commas: only a comma before "arn:" separates.
    {
      name: 'a name with a comma',
      input: ['arn:aws:iam::1:role/a,b'],
      expected: ['arn:aws:iam::1:role/a,b'],
    },
    { name: 'empty', input: [''], expected: [] },
  ])('$name', ({ input, expected }) => {
    expect(splitArnParameter(input)).toEqual(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['127.0.0.1.example.com', false],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('%s: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('listensOnLoopbackOnly', () => {
  it('decides an address by its value and a name by every address it resolves to', async () => {
    expect(await listensOnLoopbackOnly('127.0.0.1')).toBe(true);
    expect(await listensOnLoopbackOnly('[0:0:0:0:0:0:0:1]')).toBe(true);
    expect(await listensOnLoopbackOnly('0.0.0.0')).toBe(false);
    // A name that resolves to no address: not loopback (listening on it fails anyway).
    expect(await listensOnLoopbackOnly('no-such-host.invalid')).toBe(false);
  });
});

describe('--allow-host with a port', () => {
  it('answers the name with any port, or none; a bare IPv6 address too', async () => {
    const server = await buildServer({
      cache: createCacheAccess('/nonexistent/iamtrail-cache.duckdb', { lockTimeoutMs: 0 }),
      allowedHosts: ['127.0.0.1', 'proxy.example:8080', '::1', '[fd00::2]:443'],
    });
    try {
      const status = async (host: string) =>
        (await server.inject({ method: 'GET', url: '/openapi.json', headers: { host } })).statusCode;
      for (const host of [
        'proxy.example:8080',
        'proxy.example',
        'PROXY.example:9',
        '[::1]:5000',
        '[fd00::2]',
      ])
        expect(await status(host), host).toBe(200);
      for (const host of ['proxy.example.attacker:8080', 'example:8080', '[fd00::3]'])
        expect(await status(host), host).toBe(421);
    } finally {
      await server.close();
    }
  });
});

describe('combineAardvarkServices', () => {
  const snapshot = (arn: string, last: string | null, total: number): AdvisorSnapshot => ({
    accountId: '1',
    arn,
    entityType: 'role',
    collectedAt: '2026-11-30T00:00:00Z',
    jobCompletedAt: null,
    origin: 'api',
    services: [
      {
        serviceNamespace: 's3',
        serviceName: 'Amazon S3',
        lastAuthenticated: last,
        lastAuthenticatedEntity: last === null ? null : arn,
        lastAuthenticatedRegion: null,
        totalAuthenticatedEntities: total,
      },
    ],
  });
  const now = new Date('2026-12-01T00:00:00Z');

  it('on a tie the first ARN wins (as Aardvark: only a later access replaces), entities summed', () => {
    const combined = combineAardvarkServices(
      [snapshot('arn:a', '2026-11-01T00:00:00Z', 1), snapshot('arn:b', '2026-11-01T00:00:00Z', 2)],
      now,
    );
    expect(combined.s3?.lastAuthenticatedEntity).toBe('arn:a');
    expect(combined.s3?.totalAuthenticatedEntities).toBe(3);
  });

  it('USED_LAST_90_DAYS: after the 90 days before now; never is 0 and false', () => {
    // 2026-09-02T00:00:00Z is exactly 90 days before now: not after it.
    expect(
      combineAardvarkServices([snapshot('arn:a', '2026-09-02T00:00:00Z', 1)], now).s3?.USED_LAST_90_DAYS,
    ).toBe(false);
    expect(
      combineAardvarkServices([snapshot('arn:a', '2026-09-02T00:00:01Z', 1)], now).s3?.USED_LAST_90_DAYS,
    ).toBe(true);
    const never = combineAardvarkServices([snapshot('arn:a', null, 0)], now).s3;
    expect([never?.lastAuthenticated, never?.USED_LAST_90_DAYS]).toEqual([0, false]);
  });
});
