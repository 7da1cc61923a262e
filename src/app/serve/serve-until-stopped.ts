import type { FastifyInstance } from 'fastify';

/** Where `serve` listens. */
export interface ListenOptions {
  readonly host: string;
  /** 0: a free port, chosen by the system. */
  readonly port: number;
}

/**
 * Listens on `host:port`, tells `onListening` the URL, and closes the server (answering the
 * requests under way first) once `signal` is aborted.
 */
export async function serveUntilStopped(
  server: FastifyInstance,
  where: ListenOptions,
  signal: AbortSignal,
  onListening: (url: string) => void,
): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
  await server.listen({ host: where.host, port: where.port });
  const address = server.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : where.port;
  onListening(`http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`);
  await stopped;
  await server.close();
}

/** Whether `host` is a loopback address (or `localhost`): only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) ||
    bare === '::ffff:127.0.0.1'
  );
}
