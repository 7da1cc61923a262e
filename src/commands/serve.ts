import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { cachePathFlag, cachePathOf, cacheWaitFlag, configFlag } from '../cli/flags.js';
import { toReportDocument } from '../cli/render-report.js';
import { buildServer, serverPlaces } from '../app/serve/build-server.js';
import { checkServedCache, createCacheAccess } from '../app/serve/cache-access.js';
import { createUsageReader } from '../app/serve/principal-usage.js';
import { listensOnLoopbackOnly, serveUntilStopped } from '../app/serve/serve-until-stopped.js';
import { planLogs } from '../app/report/load-window.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { duckDbMemoryLimitBytes, duckDbThreads } from '../engines/duckdb/log-file-size.js';

/** `iamtrail serve`: the cache over HTTP, read-only, until SIGINT or SIGTERM. */
export default class Serve extends BaseCommand {
  static override enableJsonFlag = false;
  static override summary =
    "Serve the cache over HTTP, read-only: Aardvark's /api/1/advisors, iamtrail's /api/v1 and /openapi.json.";
  static override description =
    'Listens on 127.0.0.1:5000 by default. There is no authentication: bound to another address, anyone who ' +
    'can reach it reads the Access Advisor data, so put it behind a proxy that authenticates. With --config, ' +
    '/api/v1/principals/{arn}/usage answers the report of a user or role from the cache (no log is read). ' +
    'The cache is opened for each request and closed after it, so other iamtrail commands can use it between requests ' +
    '(while `advisor collect` holds it, requests wait up to --cache-wait, then answer 503). ' +
    'Stops on Ctrl-C or SIGTERM.';
  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 8080 --cache /tmp/iamtrail.duckdb',
    'curl "localhost:5000/api/1/advisors?phrase=SecurityMonkey"',
  ];
  static override flags = {
    host: Flags.string({
      default: '127.0.0.1',
      helpValue: 'ADDRESS',
      description: 'Address to listen on (a warning when it is not a loopback address).',
    }),
    'allow-host': Flags.string({
      multiple: true,
      helpValue: 'NAME',
      description:
        "Also answer requests whose Host header names NAME (a proxy's name). On a loopback address only localhost, 127.0.0.1, ::1 and --host are answered (DNS rebinding); on another address, any unless this is given.",
    }),
    port: Flags.integer({
      default: 5000,
      min: 0,
      max: 65535,
      helpValue: 'PORT',
      description: 'Port to listen on (0: any free port).',
    }),
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    config: configFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const warn = (message: string): void => {
      this.warnLine(message);
    };
    const config = flags.config === undefined ? undefined : loadConfig(flags.config);
    // The cache opens per request: a bad IAMTRAIL_DUCKDB_THREADS or IAMTRAIL_DUCKDB_MEMORY_MB is
    // refused now, not in every answer.
    duckDbThreads();
    duckDbMemoryLimitBytes();
    for (const key of config?.unknownKeys ?? [])
      warn(`config file ${flags.config ?? ''}: unknown key "${key}" ignored`);
    // The usage route answers from the days cached from the config's logs: a config naming none
    // could never answer it.
    if (config !== undefined)
      try {
        planLogs(config, undefined, undefined);
      } catch (error) {
        throw new ConfigError(
          `--config ${config.file}: neither logs: nor athena: is set, so /api/v1/principals/{arn}/usage has no cached logs to answer from`,
          {
            suggestions: [
              'Set logs: (or athena:) as for the report, or leave --config out to serve Access Advisor data only',
            ],
            cause: error,
          },
        );
      }
    const cachePath = cachePathOf(flags);
    // A --cache serve cannot read as it is stops it now (exit 2), not every request after it listens.
    await checkServedCache(cachePath, warn);
    const cache = createCacheAccess(cachePath, { lockTimeoutMs: flags['cache-wait'] * 1000 });
    const allowHost = flags['allow-host'] ?? [];
    const loopback = await listensOnLoopbackOnly(flags.host);
    const server = await buildServer({
      cache,
      version: this.config.version,
      privatePlaces: serverPlaces(cachePath, config),
      allowedHosts: loopback
        ? ['localhost', '127.0.0.1', '::1', flags.host, ...allowHost]
        : allowHost.length > 0
          ? [flags.host, ...allowHost]
          : undefined,
      ...(config === undefined
        ? {}
        : {
            usage: createUsageReader({
              config,
              cache: { path: flags.cache, lockTimeoutMs: flags['cache-wait'] * 1000 },
              toDocument: toReportDocument,
              warn,
            }),
          }),
    });
    const stop = new AbortController();
    const onSignal = (): void => {
      process.stderr.write('stopping\n');
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await serveUntilStopped(server, { host: flags.host, port: flags.port }, stop.signal, (url) => {
        if (!loopback)
          warn(
            `listening on ${flags.host}, not a loopback address: anyone who can reach it reads the cache without authentication; put it behind a proxy that authenticates`,
          );
        process.stderr.write(`iamtrail serve: listening on ${url} (read-only; Ctrl-C stops)\n`);
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
}
