import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { UsageError } from '../../errors.js';

/** Where `serve` listens. */
export interface ListenOptions {
  readonly host: string;
  /** 0: a free port, chosen by the system. */
  readonly port: number;
}

/**
 * Listens on `host:port`, tells `onListening` the URL, and closes the server (answering the
 * requests under way first) once `signal` is aborted. An address it cannot listen on is a
 * {@link UsageError} naming `--port` or `--host` (see {@link toListenError}).
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
  try {
    await server.listen({ host: where.host, port: where.port });
  } catch (error) {
    throw toListenError(error, where);
  }
  const address = server.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : where.port;
  onListening(`http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`);
  await stopped;
  await server.close();
}

/** The loopback addresses: 127.0.0.0/8, ::1, and the former as IPv4-mapped IPv6 addresses. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** Whether `host` is a loopback address (or `localhost`): only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether `serve --host` listens on loopback addresses only: an address, `localhost`, or a name
 * every address of which is a loopback one (a name of /etc/hosts for 127.0.0.1 gets the same Host
 * check as 127.0.0.1). A name that does not resolve is not (listening on it fails anyway).
 */
export async function listensOnLoopbackOnly(host: string): Promise<boolean> {
  if (isLoopbackHost(host)) return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return false;
  try {
    const addresses = await lookup(bare, { all: true });
    return addresses.length > 0 && addresses.every((entry) => isLoopbackHost(entry.address));
  } catch {
    return false;
  }
}

/**
 * Why `serve` cannot listen on `where`, as the flag to change: a port in use or reserved
 * (`--port`), a host that does not resolve or is not this machine's (`--host`). Any other error
 * comes back as it is.
 */
export function toListenError(error: unknown, where: ListenOptions): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const port = `--port ${where.port}`;
  const host = `--host ${where.host}`;
  switch (code) {
    case 'EADDRINUSE':
      return new UsageError(`${port}: the port is in use on ${where.host} (something else listens there)`, {
        suggestions: ['Pass another --port, or --port 0 for any free one (the URL is printed)'],
        cause: error,
      });
    case 'EACCES':
      return new UsageError(`${port}: not allowed to listen on it (ports below 1024 need privileges)`, {
        suggestions: ['Pass a --port of 1024 or above, or --port 0 for any free one'],
        cause: error,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new UsageError(`${host}: the name does not resolve to an address`, {
        suggestions: ['Pass an address, e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0'],
        cause: error,
      });
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return new UsageError(`${host}: not an address of this machine`, {
        suggestions: [
          'Pass one of its addresses, e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0',
        ],
        cause: error,
      });
    default:
      return error;
  }
}
