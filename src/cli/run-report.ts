import type { ActionData } from './action-data.js';
import { loadActionData } from './action-data.js';
import { readAuthorizationDetailsFile } from './iam-file.js';
import { closeMatches } from './suggest.js';
import type { DayWindow } from './window.js';
import { buildIdentityListReport, buildPrincipalDiffReport } from '../analysis/activity-report.js';
import type { IdentityListReport, PrincipalDiffReport } from '../analysis/activity-report.js';
import type { AccountConfig, Config } from '../config/load-config.js';
import { findAccount } from '../config/load-config.js';
import { DuckDbEngine } from '../engines/duckdb/duckdb-engine.js';
import type { EngineReporter, SkippedFile } from '../engines/engine.js';
import { UsageError } from '../errors.js';
import type { AuthorizationDetails, IamPrincipal } from '../iam/authorization-details.js';
import { computeGrantedActions } from '../iam/granted-actions.js';
import { findPrincipal, principalsOf } from '../iam/principals.js';
import type { PrincipalType } from '../iam/principals.js';

/** What the user asked the root command for. */
export type ReportQuestion =
  | { readonly kind: 'list'; readonly type: PrincipalType }
  | { readonly kind: 'principal'; readonly type: PrincipalType; readonly name: string };

/** Inputs of {@link runReport}. */
export interface ReportOptions {
  readonly config: Config;
  readonly account: string;
  readonly question: ReportQuestion;
  readonly window: DayWindow;
  /** `--logs DIR`, overriding the config's `logs:`. */
  readonly logs: string | undefined;
  readonly reporter: EngineReporter;
}

/** What the log side of a report saw. */
export interface LogsSummary {
  readonly engine: string;
  readonly source: string;
  readonly filesRead: number;
  readonly skippedFiles: readonly SkippedFile[];
}

/** The result of a report, ready to render. */
export type ReportResult =
  | {
      readonly kind: 'list';
      readonly type: PrincipalType;
      readonly account: AccountConfig;
      readonly window: DayWindow;
      readonly report: IdentityListReport;
      readonly logs: LogsSummary;
    }
  | {
      readonly kind: 'principal';
      readonly account: AccountConfig;
      readonly window: DayWindow;
      readonly principal: IamPrincipal;
      readonly report: PrincipalDiffReport;
      readonly logs: LogsSummary;
    };

/**
 * Answers the root command's question: resolves the account, reads its IAM data, checks the user
 * or role exists (before any log is read), summarises the window's logs with the engine, and runs
 * the analysis.
 */
export async function runReport(
  options: ReportOptions,
  data: ActionData = loadActionData(),
): Promise<ReportResult> {
  const account = findAccount(options.config, options.account);
  if (account.iam === undefined) {
    throw new UsageError(`account ${account.name} has no iam: file in ${options.config.file}`, {
      suggestions: [
        `Add iam: FILE to it; make FILE with: aws iam get-account-authorization-details --output json > FILE`,
      ],
    });
  }
  const logsDir = options.logs ?? options.config.logs;
  if (logsDir === undefined) {
    throw new UsageError('no log folder: pass --logs DIR or set logs: in the config file', {
      suggestions: ['DIR is the folder that holds AWSLogs/ (a copy of the trail bucket)'],
    });
  }
  const details = readAuthorizationDetailsFile(account.iam);
  const principal =
    options.question.kind === 'principal' ? requirePrincipal(details, options.question, account) : undefined;

  const engine = await DuckDbEngine.create({ logsDir, reporter: options.reporter });
  let summary;
  try {
    summary = await engine.summarize({ startDay: options.window.startDay, endDay: options.window.endDay });
  } finally {
    await engine.close();
  }
  const logs: LogsSummary = {
    engine: engine.name,
    source: engine.source,
    filesRead: summary.filesRead,
    skippedFiles: summary.skippedFiles,
  };

  if (principal === undefined) {
    const type = options.question.type;
    return {
      kind: 'list',
      type,
      account,
      window: options.window,
      report: buildIdentityListReport(principalsOf(details, type), type, account.id, summary.rows),
      logs,
    };
  }
  const report = buildPrincipalDiffReport({
    grants: computeGrantedActions(details, principal, data.catalog),
    actorArn: principal.arn,
    accountId: account.id,
    rows: summary.rows,
    mapper: data.mapper,
    catalog: data.catalog,
  });
  return { kind: 'principal', account, window: options.window, principal, report, logs };
}

function requirePrincipal(
  details: AuthorizationDetails,
  question: { readonly type: PrincipalType; readonly name: string },
  account: AccountConfig,
): IamPrincipal {
  const principal = findPrincipal(details, question.type, question.name);
  if (principal !== undefined) return principal;
  const names = principalsOf(details, question.type).map((candidate) => candidate.name);
  const close = closeMatches(question.name, names);
  throw new UsageError(
    `unknown ${question.type} "${question.name}" in account ${account.name} (${account.id})`,
    {
      suggestions:
        close.length > 0
          ? [`Did you mean: ${close.join(', ')}?`]
          : [`List them with: iamtrail --account ${account.name} --list ${question.type}s`],
    },
  );
}
