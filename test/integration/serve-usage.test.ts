import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.js';
import { diffDocument } from '../contract/json-schemas.js';
import { DEMO_ARGS, parseJsonAnswer, runCli, withoutLogs } from '../helpers/cli.js';
import { usageServer } from '../helpers/usage-server.js';
import type { JsonAnswer } from '../helpers/cli.js';

// `/api/v1/principals/:arn/usage`: the report's document, answered from the cache alone. The cache
// is filled by the CLI reading the demo's logs for the first half of October; the server must give
// the CLI's document for that window, and for the whole month read no log (the second half shows
// as a gap, although the logs hold it).

const work = mkdtempSync(join(tmpdir(), 'iamtrail-serve-usage-'));
const cachePath = join(work, 'cache.duckdb');
const CONFIG = 'examples/demo/config.example.yaml';
const ALICE = 'arn:aws:iam::111111111111:user/alice';

interface Logs {
  readonly engineCalls: number;
  readonly daysRead: number;
  readonly daysFromCache: number;
  readonly complete: boolean;
  readonly coverage: readonly {
    readonly account: { readonly id: string };
    readonly gaps: readonly { readonly startDay: string; readonly endDay: string }[];
  }[];
}

let server: FastifyInstance;
let base: string;
let cli: JsonAnswer<Logs>;

beforeAll(async () => {
  const args = DEMO_ARGS.filter((arg) => arg !== '--no-cache').map((arg) =>
    arg === '2026-10-31' ? '2026-10-15' : arg,
  );
  cli = parseJsonAnswer<Logs>(
    await runCli([...args, '--cache', cachePath, '--account', 'demo', '--user', 'alice', '--format', 'json']),
  );
  const warnings: string[] = [];
  server = await usageServer(cachePath, loadConfig(CONFIG), {
    lockTimeoutMs: 5000,
    warn: (message) => warnings.push(message),
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening');
  base = `http://127.0.0.1:${address.port}/api/v1/principals`;
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; body: JsonAnswer<Logs> & { message?: string } }> {
  const response = await fetch(`${base}${path}`);
  return {
    status: response.status,
    body: (await response.json()) as JsonAnswer<Logs> & { message?: string },
  };
}

describe('/api/v1/principals/:arn/usage', () => {
  it("is the CLI's --user --format json document, from the cache, reading no log", async () => {
    expect(cli.logs.daysRead).toBe(15);
    const { status, body } = await get(`/${encodeURIComponent(ALICE)}/usage?start=2026-10-01&end=2026-10-15`);
    expect(status).toBe(200);
    expect(body.schema).toBe('iamtrail.diff/v1');
    expect(withoutLogs(body)).toEqual(withoutLogs(cli));
    expect(() => diffDocument.parse(body)).not.toThrow();
    expect(body.logs).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: 15 });
  });

  it('days the cache lacks are gaps, not read from the logs', async () => {
    const { status, body } = await get(`/${encodeURIComponent(ALICE)}/usage?start=2026-10-01&end=2026-10-31`);
    expect(status).toBe(200);
    expect(body.logs).toMatchObject({ engineCalls: 0, daysRead: 0, daysFromCache: 15, complete: false });
    expect(body.logs.coverage.find((entry) => entry.account.id === '111111111111')?.gaps).toEqual([
      { startDay: '2026-10-16', endDay: '2026-10-31' },
    ]);
  });

  it('is in /openapi.json when served', async () => {
    const response = await fetch(`${base.replace('/api/v1/principals', '')}/openapi.json`);
    const paths = ((await response.json()) as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toContain('/api/v1/principals/{arn}/usage');
  });

  it.each([
    [
      'a group ARN',
      `/${encodeURIComponent('arn:aws:iam::111111111111:group/admins')}/usage`,
      'is not the ARN of an IAM user or role',
    ],
    [
      'an account the config does not list',
      `/${encodeURIComponent('arn:aws:iam::999999999999:user/alice')}/usage`,
      'the server does not answer the usage of account 999999999999: its --config does not list it with an iam: file',
    ],
    [
      'a day that is not one',
      `/${encodeURIComponent(ALICE)}/usage?start=2026-13-01`,
      'parameter start "2026-13-01" is not a date',
    ],
    [
      'a start after the end',
      `/${encodeURIComponent(ALICE)}/usage?start=2026-10-10&end=2026-10-01`,
      'parameter start 2026-10-10 is after parameter end 2026-10-01',
    ],
    [
      'a day in another format',
      `/${encodeURIComponent(ALICE)}/usage?end=1%2F10%2F2026`,
      'parameter end "1/10/2026": must match pattern',
    ],
  ])(
    '%s is a 400 that says so, naming the query parameter (not a CLI flag)',
    async (_name, path, message) => {
      const { status, body } = await get(path);
      expect(status).toBe(400);
      expect(body.message).toContain(message);
      expect(body.message).not.toMatch(/--(start|end)\b/);
    },
  );

  it("names none of the server's accounts or files to a client that asks for what it lacks", async () => {
    const answers = await Promise.all(
      [
        'arn:aws:iam::999999999999:user/alice',
        'arn:aws:iam::111111111111:user/alicia',
        'arn:aws:iam::111111111111:role/no-such-role',
      ].map((arn) => get(`/${encodeURIComponent(arn)}/usage?start=2026-10-01&end=2026-10-15`)),
    );
    for (const { status, body } of answers) {
      expect(status, body.message).toBe(400);
      for (const secret of ['backup', '222222222222', 'config.example.yaml', 'examples/demo', cachePath])
        expect(body.message, secret).not.toContain(secret);
    }
    // The user it does not know is said, with the closest name of the account's IAM data.
    expect(answers[1]?.body.message).toContain('alicia');
  });
});
