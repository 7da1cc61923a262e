import type { Config } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import { advisorEntityTypeOf } from '../../iam/access-advisor.js';
import { resolveWindow } from '../../cli/window.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import { runReport } from '../report/run-report.js';
import type { ReportResult } from '../report/report-types.js';

/** What `GET /api/v1/principals/:arn/usage` asks. */
export interface UsageRequest {
  readonly arn: string;
  /** First UTC day, `YYYY-MM-DD`; default 364 days before `end`. */
  readonly start?: string;
  /** Last UTC day; default today. */
  readonly end?: string;
}

/** Options of {@link createUsageReader}. */
export interface UsageReaderOptions<D> {
  readonly config: Config;
  /** The cache `serve` reads (never `--no-cache`, never a refresh). */
  readonly cache: Pick<CacheSettings, 'path' | 'lockTimeoutMs'>;
  /** The report's JSON document (the CLI's `--format json`), from its result. */
  readonly toDocument: (result: ReportResult) => D;
  /** Told what the report warns about (gaps in the logs, an unreadable file). */
  readonly warn: (message: string) => void;
}

/**
 * A user's or role's CloudTrail usage as the report computes it (`--user/--role NAME --format
 * json`, schema `iamtrail.diff/v1`), answered from the cache alone: no log is read, and days the
 * cache lacks show as gaps of `logs.coverage`. The account is the ARN's, which the config must
 * list with an `iam:` file (the HTTP API never calls AWS).
 */
export function createUsageReader<D>(options: UsageReaderOptions<D>): (request: UsageRequest) => Promise<D> {
  return async (request) => {
    const principal = parsePrincipalArn(request.arn);
    // An anonymous request never makes iamtrail call AWS: the account's IAM data must be a file.
    // What the server's config lists is its operator's: an account it lacks, and one it lists
    // without an IAM file, get the same answer.
    const account = options.config.accounts.find((entry) => entry.id === principal.accountId);
    if (account?.iam === undefined)
      throw new UsageError(
        `the server does not answer the usage of account ${principal.accountId}: its --config does not list it with an iam: file (the HTTP API never reads IAM data from AWS)`,
      );
    // The client sent query parameters, not the CLI's --start and --end.
    const window = resolveWindow(request.start, request.end, new Date(), {
      start: 'parameter start',
      end: 'parameter end',
    });
    const result = await runReport({
      config: options.config,
      account: principal.accountId,
      question: { kind: 'principal', type: principal.type, name: principal.name },
      window,
      logs: undefined,
      engine: undefined,
      skipSetup: true,
      cacheOnly: true,
      cache: {
        path: options.cache.path,
        enabled: true,
        refresh: false,
        lockTimeoutMs: options.cache.lockTimeoutMs,
      },
      reporter: { warn: options.warn, note: () => undefined, progress: () => undefined },
    });
    return options.toDocument(result);
  };
}

/** The account, type and name of a user's or role's ARN; anything else is a usage error. */
export function parsePrincipalArn(arn: string): {
  readonly accountId: string;
  readonly type: 'user' | 'role';
  readonly name: string;
} {
  const type = advisorEntityTypeOf(arn);
  const name = arn.split('/').at(-1) ?? '';
  if ((type !== 'user' && type !== 'role') || name === '')
    throw new UsageError(
      `${JSON.stringify(arn)} is not the ARN of an IAM user or role (arn:aws:iam::123456789012:role/NAME)`,
    );
  return { accountId: arn.split(':')[4] ?? '', type, name };
}
