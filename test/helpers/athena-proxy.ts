// A loopback HTTP proxy in front of moto_server that plays the part of Athena moto cannot play:
// moto runs the query lifecycle but not SQL, and reports no bytes scanned. The proxy sees every
// request the SDK sends (over HTTP, as AWS would), and for the Athena API:
// - before forwarding a StartQueryExecution, lets the test queue that query's canned result in
//   moto (`beforeStart`, given the query text), the starts being forwarded one at a time so that
//   moto's result queue pairs each query with its own result;
// - lets the test rewrite a GetQueryExecution answer (`rewriteExecution`: still RUNNING, FAILED,
//   the bytes scanned), the failure path moto cannot produce;
// - records each query's start and end (the first answer in a final state), to measure how many
//   ran at once.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One query as the proxy saw it. */
export interface ProxiedQuery {
  readonly sql: string;
  readonly parameters: readonly string[];
  /** The query text's bytes and the bound values' (as StartQueryExecution carried them). */
  readonly sqlBytes: number;
  readonly id: string;
  readonly startedAt: number;
  endedAt: number | undefined;
  /** GetQueryExecution answers so far. */
  polls: number;
}

/** The GetQueryExecution answer's `QueryExecution`, as JSON. */
export interface ExecutionJson {
  Status?: { State?: string; AthenaError?: { ErrorMessage?: string; Retryable?: boolean } };
  Statistics?: { DataScannedInBytes?: number };
  [key: string]: unknown;
}

/** What a test tells the proxy. */
export interface AthenaProxyHooks {
  /** Called before a StartQueryExecution is forwarded (e.g. to queue its result in moto). */
  beforeStart?: (query: { readonly sql: string; readonly parameters: readonly string[] }) => Promise<void>;
  /** Changes a GetQueryExecution answer before the SDK sees it. */
  rewriteExecution?: (query: ProxiedQuery, execution: ExecutionJson) => void;
}

/** A running proxy. */
export interface AthenaProxy {
  readonly endpoint: string;
  /** The environment of a CLI run through the proxy (moto's, with the proxy's endpoint). */
  readonly env: Readonly<Record<string, string>>;
  /** Every StartQueryExecution since the last {@link AthenaProxy.reset}, in start order. */
  readonly queries: ProxiedQuery[];
  hooks: AthenaProxyHooks;
  /** Requests per Athena API (`X-Amz-Target` without its prefix) since the last reset. */
  calls(api: string): number;
  /** The most queries that were running at the same moment (started, not yet in a final state). */
  maxInFlight(): number;
  reset(): void;
  stop(): Promise<void>;
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a proxy to `motoEndpoint` on a free loopback port. */
export async function startAthenaProxy(
  motoEndpoint: string,
  motoEnv: Readonly<Record<string, string>>,
): Promise<AthenaProxy> {
  const queries: ProxiedQuery[] = [];
  const byId = new Map<string, ProxiedQuery>();
  const counts = new Map<string, number>();
  let starts: Promise<unknown> = Promise.resolve();

  const forward = async (request: IncomingMessage, body: Buffer): Promise<Response> => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers))
      if (value !== undefined && name !== 'connection' && name !== 'transfer-encoding')
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    return fetch(`${motoEndpoint}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
  };

  const reply = async (response: ServerResponse, upstream: Response, text?: string): Promise<void> => {
    const payload = text === undefined ? Buffer.from(await upstream.arrayBuffer()) : Buffer.from(text);
    const headers: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
        headers[name] = value;
    });
    headers['content-length'] = String(payload.length);
    response.writeHead(upstream.status, headers);
    response.end(payload);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await bodyOf(request);
    const target = request.headers['x-amz-target'];
    const api =
      typeof target === 'string' && target.startsWith('AmazonAthena.') ? target.slice(13) : undefined;
    if (api !== undefined) counts.set(api, (counts.get(api) ?? 0) + 1);
    if (api === 'StartQueryExecution') {
      const input = JSON.parse(body.toString('utf8')) as {
        QueryString: string;
        ExecutionParameters?: string[];
      };
      const parameters = input.ExecutionParameters ?? [];
      // One start at a time: the result queued for a query is the one moto gives it.
      const started = starts.then(async () => {
        await proxy.hooks.beforeStart?.({ sql: input.QueryString, parameters });
        const upstream = await forward(request, body);
        const text = await upstream.text();
        if (upstream.ok) {
          const id = (JSON.parse(text) as { QueryExecutionId: string }).QueryExecutionId;
          const query: ProxiedQuery = {
            sql: input.QueryString,
            parameters,
            sqlBytes:
              Buffer.byteLength(input.QueryString) +
              parameters.reduce((sum, value) => sum + Buffer.byteLength(value), 0),
            id,
            startedAt: performance.now(),
            endedAt: undefined,
            polls: 0,
          };
          queries.push(query);
          byId.set(id, query);
        }
        return { upstream, text };
      });
      starts = started.catch(() => undefined);
      const { upstream, text } = await started;
      await reply(response, upstream, text);
      return;
    }
    const upstream = await forward(request, body);
    if (api === 'GetQueryExecution' && upstream.ok) {
      const answer = (await upstream.json()) as {
        QueryExecution: ExecutionJson & { QueryExecutionId: string };
      };
      const query = byId.get(answer.QueryExecution.QueryExecutionId);
      if (query !== undefined) {
        query.polls += 1;
        proxy.hooks.rewriteExecution?.(query, answer.QueryExecution);
        if (query.endedAt === undefined && FINAL.has(answer.QueryExecution.Status?.State ?? ''))
          query.endedAt = performance.now();
      }
      await reply(response, upstream, JSON.stringify(answer));
      return;
    }
    await reply(response, upstream);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy: AthenaProxy = {
    endpoint,
    env: { ...motoEnv, AWS_ENDPOINT_URL: endpoint },
    queries,
    hooks: {},
    calls: (api) => counts.get(api) ?? 0,
    maxInFlight() {
      const events = queries.flatMap((query) => [
        { at: query.startedAt, delta: 1 },
        { at: query.endedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
      ]);
      // Ends before starts at the same instant: touching is not overlapping.
      events.sort((a, b) => a.at - b.at || a.delta - b.delta);
      let running = 0;
      let most = 0;
      for (const event of events) {
        running += event.delta;
        most = Math.max(most, running);
      }
      return most;
    },
    reset() {
      queries.length = 0;
      byId.clear();
      counts.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  return proxy;
}
