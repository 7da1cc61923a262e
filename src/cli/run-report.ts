import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { ActionData } from './action-data.js';
import { loadActionData } from './action-data.js';
import { readAuthorizationDetailsFile } from './iam-file.js';
import { closeMatches } from './suggest.js';
import type { DayWindow } from './window.js';
import {
  buildIdentityListReport,
  buildPrincipalDiffReport,
  findLogsOnlyIdentity,
} from '../analysis/activity-report.js';
import type { IdentityListReport, PrincipalDiffReport } from '../analysis/activity-report.js';
import type { TrailSelectors } from '../analysis/trail-recording.js';
import { describeSpans, summarizeCoverage } from '../analysis/log-coverage.js';
import type { AccountCoverage, WindowCoverage } from '../analysis/log-coverage.js';
import { CacheStore, toRanges } from '../cache/cache-store.js';
import type { RoleCaller } from '../cache/cache-store.js';
import type { AccountConfig, Config } from '../config/load-config.js';
import { findAccount } from '../config/load-config.js';
import type { AthenaConfig } from '../config/config-schema.js';
import type { AthenaEngine } from '../engines/athena/athena-engine.js';
import { DuckDbEngine } from '../engines/duckdb/duckdb-engine.js';
import type { Engine, EngineReporter, SkippedFile } from '../engines/engine.js';
import { InputDataError, UsageError } from '../errors.js';
import type { AuthorizationDetails, IamPrincipal } from '../iam/authorization-details.js';
import { assumableRoles } from '../iam/assumable-roles.js';
import type { KnownRole } from '../iam/assumable-roles.js';
import { computeGrantedActions } from '../iam/granted-actions.js';
import { createLogsOnlyPrincipal, findPrincipal, principalsOf } from '../iam/principals.js';
import type { PrincipalType } from '../iam/principals.js';
import type { ActivityRow, DayCoverage } from '../trail/activity-summary.js';
import { addDays, utcDayOf } from '../trail/utc-days.js';

/** What the user asked the root command for. */
export type ReportQuestion =
  | { readonly kind: 'list'; readonly type: PrincipalType }
  | {
      readonly kind: 'principal';
      readonly type: PrincipalType;
      readonly name: string;
      /** `--destrole`: what the principal did in this role's sessions, against this role's grants. */
      readonly destRole?: string;
      /** `--destaccount`: the destination role's account (default: the principal's). */
      readonly destAccount?: string;
    }
  | { readonly kind: 'callers'; readonly destRole: string; readonly destAccount?: string };

/** A role the principal's policies let it assume, and whether it did in the window. */
export interface AssumableRoleUsage {
  readonly name: string;
  readonly arn: string;
  readonly account: { readonly name: string; readonly id: string };
  /** Only under a Condition of the policy. */
  readonly conditional: boolean;
  readonly used: boolean;
  /** Calls made in its sessions that the principal opened (directly or through a chain). */
  readonly calls: number;
  readonly lastSeen: string | undefined;
}

/** A role the principal opened sessions of that its own policies do not name (trust policy, SCP, other account). */
export interface OtherRoleUsed {
  readonly arn: string;
  readonly calls: number;
  readonly lastSeen: string;
}

/** How the report uses the cache. */
export interface CacheSettings {
  /** The cache file; `undefined` for the default location. */
  readonly path: string | undefined;
  /** `false` for `--no-cache`: an in-memory store for this run only. */
  readonly enabled: boolean;
  /** `--refresh`: read the whole window from the logs again. */
  readonly refresh: boolean;
  /** How long to wait for another process that has the cache open. */
  readonly lockTimeoutMs: number;
}

/** Which engine reads the logs. */
export const ENGINE_NAMES = ['local', 'athena'] as const;
/** One of {@link ENGINE_NAMES}. */
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Inputs of {@link runReport}. */
export interface ReportOptions {
  readonly config: Config;
  readonly account: string;
  readonly question: ReportQuestion;
  readonly window: DayWindow;
  /** `--logs DIR`, overriding the config's `logs:`. */
  readonly logs: string | undefined;
  readonly cache: CacheSettings;
  /** `--engine`; default: local when a log folder is configured, else athena. */
  readonly engine: EngineName | undefined;
  /** `--skip-setup`: do not check or create the Athena table first. */
  readonly skipSetup: boolean;
  readonly reporter: EngineReporter & { note(message: string): void };
  /** `--event-selectors`: what the trail records, exactly; otherwise inferred from the logs. */
  readonly selectors?: TrailSelectors;
  /** The current time, for which days may still receive logs. */
  readonly now?: Date;
  /** Aborted on Ctrl-C: the engine stops (Athena stops its query) and nothing more is cached. */
  readonly signal?: AbortSignal;
}

/** What the log side of a report did. */
export interface LogsSummary {
  readonly engine: string;
  readonly source: string;
  /** The cache file, or `null` with `--no-cache`. */
  readonly cache: string | null;
  /** Calls made to the engine: one per contiguous range of days missing from the cache. */
  readonly engineCalls: number;
  /**
   * Days read from the logs in this run, and days answered from the cache; days after today are
   * neither (they have no logs yet: see `coverage`).
   */
  readonly daysRead: number;
  readonly daysFromCache: number;
  readonly filesRead: number;
  readonly skippedFiles: readonly SkippedFile[];
  /**
   * Every log file of the window that could not be read, in this run or when the cache loaded its
   * day: while there is one, the window is incomplete.
   */
  readonly unreadableFiles: readonly SkippedFile[];
  /**
   * Per account of the question (`--account`, and `--destaccount`), the days of the window with
   * logs and the gaps, from what this run read and what the cache holds alike.
   */
  readonly coverage: readonly AccountCoverage[];
  /**
   * Whether the logs cover every day of the window for those accounts; when not, inactivity and
   * `-` rest only on the days with logs.
   */
  readonly complete: boolean;
  /** Athena only: queries run, data scanned and its price at $5 per TB. */
  readonly athena?: { readonly queries: number; readonly bytesScanned: number; readonly dollars: number };
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
      /** The principal is not in the IAM data, only in the logs: it is granted nothing. */
      readonly logsOnly?: true;
      /** With `--destrole`: the role whose sessions were compared, and its account. */
      readonly destination?: {
        readonly account: AccountConfig;
        readonly role: IamPrincipal;
        /** Whether the principal's own policies allow it to assume the role. */
        readonly assumable: boolean;
      };
      readonly report: PrincipalDiffReport;
      /** Without `--destrole`: the roles its policies let it assume, used or not. */
      readonly assumableRoles?: readonly AssumableRoleUsage[];
      readonly otherRolesUsed?: readonly OtherRoleUsed[];
      readonly logs: LogsSummary;
    }
  | {
      readonly kind: 'callers';
      readonly account: AccountConfig;
      readonly window: DayWindow;
      readonly role: IamPrincipal;
      readonly callers: readonly RoleCaller[];
      readonly logs: LogsSummary;
    };

/**
 * The default cache file: `$XDG_CACHE_HOME/iamtrail/cache.duckdb`, or `~/.cache/iamtrail/...`.
 */
export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache');
  return join(base, 'iamtrail', 'cache.duckdb');
}

/**
 * Answers the root command's question: resolves the account, reads its IAM data, checks the user
 * or role exists (before any log is read), brings the cache up to date for the window (the engine
 * reads only the days the cache lacks, one call per contiguous range), and runs the analysis on
 * what the cache holds.
 */
export async function runReport(
  options: ReportOptions,
  data: ActionData = loadActionData(),
): Promise<ReportResult> {
  const account = findAccount(options.config, options.account);
  const logsDir = options.logs ?? options.config.logs;
  const engineName: EngineName =
    options.engine ?? (logsDir !== undefined || options.config.athena === undefined ? 'local' : 'athena');
  if (engineName === 'local' && logsDir === undefined) {
    throw new UsageError(
      'no log folder: pass --logs DIR or set logs: in the config file (or configure athena: and use --engine athena)',
      {
        suggestions: ['DIR is the folder that holds AWSLogs/ (a copy of the trail bucket)'],
      },
    );
  }
  const athena = options.config.athena;
  if (engineName === 'athena' && athena === undefined) {
    throw new UsageError(`--engine athena needs an athena: section in ${options.config.file}`, {
      suggestions: ['See "Athena" in the README'],
    });
  }
  // The AWS SDK is loaded only for questions that call AWS: local runs start faster without it.
  const aws =
    engineName === 'athena'
      ? await (await import('./aws-clients.js')).createAwsClients(athena?.region)
      : undefined;
  const loadDetails = async (target: AccountConfig): Promise<AuthorizationDetails> => {
    if (target.iam !== undefined) return readAuthorizationDetailsFile(target.iam);
    const [{ createIamClient }, { fetchAuthorizationDetails }] = await Promise.all([
      import('./aws-clients.js'),
      import('./iam-api.js'),
    ]);
    return fetchAuthorizationDetails(
      await createIamClient(athena?.region, target.role),
      `account ${target.name} (${target.id})`,
    );
  };
  const { question } = options;
  const details = await loadDetails(account);
  // Everything the question names is checked before any log is read, but for a user or role
  // the IAM data lacks: the logs may hold it (see below).
  const principalInIam =
    question.kind === 'principal' ? findPrincipal(details, question.type, question.name) : undefined;
  const destRoleName = question.kind === 'list' ? undefined : question.destRole;
  const destAccount =
    question.kind === 'list' || question.destAccount === undefined
      ? account
      : findAccount(options.config, question.destAccount);
  const destDetails = destAccount === account ? details : await loadDetails(destAccount);
  const destRole =
    destRoleName === undefined
      ? undefined
      : requirePrincipal(destDetails, { type: 'role', name: destRoleName }, destAccount);

  const cachePath = options.cache.enabled ? resolve(options.cache.path ?? defaultCachePath()) : ':memory:';
  const openStore = (): Promise<CacheStore> =>
    CacheStore.open(cachePath, {
      lockTimeoutMs: options.cache.lockTimeoutMs,
      onNotice: (message) => {
        options.reporter.warn(message);
      },
    });
  const { window } = options;

  let store = await openStore();
  let spillDir: string | undefined;
  try {
    let createEngine: () => Promise<Engine>;
    let source: string;
    /** Where the logs were looked for, and what to check there, for the no-log error. */
    let where: { readonly text: string; readonly check: string };
    let athenaEngine: AthenaEngine | undefined;
    if (aws !== undefined && athena !== undefined) {
      const [
        { AthenaEngine },
        { applyAthenaSetup, planAthenaSetup },
        { buildCloudTrailTableInput, trailLocation },
        { describeTrailRegions, resolveTrailRegions },
      ] = await Promise.all([
        import('../engines/athena/athena-engine.js'),
        import('../engines/athena/athena-setup.js'),
        import('../engines/athena/athena-table.js'),
        import('../engines/athena/athena-regions.js'),
      ]);
      const outputLocation = athenaOutputLocation(athena);
      const accountIds = options.config.accounts.map((entry) => entry.id);
      if (!options.skipSetup) {
        const trail = await resolveTrailRegions(aws, athena, accountIds, aws.region);
        // The standard list misses opt-in regions: calls made there would be invisible, so say so.
        if (trail.source === 'standard')
          options.reporter.warn(
            `${describeTrailRegions(trail)}; calls in other (opt-in) regions are not read: set athena.regions to be sure`,
          );
        else if (trail.source !== 'config') options.reporter.note(describeTrailRegions(trail));
        const plan = await planAthenaSetup(
          aws,
          athena,
          buildCloudTrailTableInput({ ...athena, regions: [...trail.regions] }, accountIds),
        );
        await applyAthenaSetup(aws, athena, plan, outputLocation, aws.region, (resource) =>
          store.recordAthenaResource(resource),
        );
      }
      source = `athena:${aws.region}:${athena.database}.${athena.table}`;
      const root = trailLocation(athena).root;
      where = {
        text: `the Athena table ${athena.database}.${athena.table} (${aws.region}), over ${root}`,
        check: `that the trail delivers to ${root}<account>/CloudTrail/ (athena: s3_bucket, path and org_id in ${options.config.file})`,
      };
      createEngine = () => {
        athenaEngine = new AthenaEngine({
          athena,
          region: aws.region,
          accountIds,
          client: aws.athena,
          outputLocation,
          reporter: options.reporter,
        });
        return Promise.resolve(athenaEngine);
      };
    } else {
      const folder = resolve(logsDir ?? '.');
      source = `local:${folder}`;
      where = {
        text: `the folder ${folder}`,
        check:
          'that the folder holds AWSLogs/[o-xxxx/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/ (pass --logs with the folder above AWSLogs/)',
      };
      createEngine = async () => {
        // The summary reaches the cache as a Parquet file, DuckDB to DuckDB; removed below.
        spillDir = mkdtempSync(join(tmpdir(), 'iamtrail-summary-'));
        return DuckDbEngine.create({ logsDir: folder, reporter: options.reporter, spillDir });
      };
    }

    const today = utcDayOf(options.now ?? new Date());
    // The accounts whose logs the answer rests on; days after today have no logs yet and are
    // never read.
    const questionAccounts = [account, ...(destAccount.id === account.id ? [] : [destAccount])];
    const readableDays = allDays({
      startDay: window.startDay,
      endDay: window.endDay < today ? window.endDay : today,
    });
    const missing = options.cache.refresh
      ? readableDays
      : await store.missingDays(
          source,
          questionAccounts.map((entry) => entry.id),
          window.startDay,
          window.endDay,
          today,
        );
    const ranges = toRanges(missing);
    let filesRead = 0;
    const skippedFiles: SkippedFile[] = [];
    let athenaCost: LogsSummary['athena'];
    if (ranges.length > 0) {
      // The cache file stays closed while the logs are read, so other processes can use it.
      if (options.cache.enabled) await store.close();
      const loaded: {
        days: string[];
        rows: readonly ActivityRow[] | { readonly file: string };
        coverage: readonly DayCoverage[];
        skipped: readonly SkippedFile[];
      }[] = [];
      const engine = await createEngine();
      try {
        for (const range of ranges) {
          const summary = await engine.summarize({
            startDay: range.startDay,
            endDay: range.endDay,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
          filesRead += summary.filesRead;
          skippedFiles.push(...summary.skippedFiles);
          loaded.push({
            days: allDays(range),
            rows: summary.rowsFile === undefined ? summary.rows : { file: summary.rowsFile },
            coverage: summary.coverage,
            skipped: summary.skippedFiles,
          });
        }
      } finally {
        await engine.close();
        if (options.cache.enabled) store = await openStore();
        if (athenaEngine !== undefined) {
          for (const query of athenaEngine.queries) await store.recordAthenaQuery(query);
          const cost = athenaEngine.cost();
          athenaCost = { queries: athenaEngine.queries.length, ...cost };
        }
      }
      for (const range of loaded)
        await store.writeDays(
          source,
          range.days,
          range.rows,
          range.coverage,
          slowCommitForTests,
          range.skipped,
        );
    }
    const held = await store.coverage(source, window);
    const coverage = summarizeCoverage(window, questionAccounts, held);
    requireSomeLogs(coverage, held, { window, today, where: where.text, check: where.check });
    warnAboutGaps(coverage, window, today, options.reporter);
    // Files skipped when a day was read, in this run or an earlier one (the cache keeps them): the
    // verdicts may miss their calls, cached or not.
    const unreadableFiles = await store.skippedFiles(
      source,
      window,
      questionAccounts.map((entry) => entry.id),
    );
    const skippedNow = new Set(skippedFiles.map((entry) => entry.file));
    const skippedBefore = unreadableFiles.filter((entry) => !skippedNow.has(entry.file)).length;
    if (skippedBefore > 0)
      options.reporter.warn(
        `${skippedBefore} log file(s) of the window could not be read when their days were loaded (the cache remembers them): "-" and inactivity may miss their calls`,
      );
    const logs: LogsSummary = {
      engine: engineName,
      source,
      cache: options.cache.enabled ? cachePath : null,
      engineCalls: ranges.length,
      daysRead: missing.length,
      daysFromCache: readableDays.length - missing.length,
      filesRead,
      skippedFiles,
      unreadableFiles,
      coverage: coverage.accounts,
      complete: coverage.complete && unreadableFiles.length === 0,
      ...(athenaCost === undefined ? {} : { athena: athenaCost }),
    };

    // A name the IAM data lacks may be one the logs hold (the "!" list of --list): asked about, it
    // gets the diff of its calls, all "+"; a name in neither is the usual error.
    let principal = principalInIam;
    if (question.kind === 'principal' && principal === undefined) {
      const actors = await store.actorRollup(
        source,
        window,
        account.id,
        question.type === 'user' ? 'IAMUser' : 'AssumedRole',
      );
      const seen = findLogsOnlyIdentity(
        principalsOf(details, question.type),
        question.type,
        account.id,
        actors,
        question.name,
      );
      if (seen === undefined) throw unknownPrincipalError(details, question, account, namesInLogs(actors));
      principal = createLogsOnlyPrincipal(question.type, seen.name, seen.arn);
    }
    const logsOnly =
      principal !== undefined && principal !== principalInIam ? { logsOnly: true as const } : {};

    if (question.kind === 'callers') {
      if (destRole === undefined) throw new Error('a callers question names its role');
      const callers = await store.roleCallers(source, window, { roleArn: destRole.arn });
      return { kind: 'callers', account: destAccount, window, role: destRole, callers, logs };
    }
    if (question.kind === 'list') {
      const type = question.type;
      const rows = await store.actorRollup(
        source,
        window,
        account.id,
        type === 'user' ? 'IAMUser' : 'AssumedRole',
      );
      const callers =
        type === 'role' ? await store.roleCallers(source, window, { accountId: account.id }) : [];
      return {
        kind: 'list',
        type,
        account,
        window,
        report: buildIdentityListReport(principalsOf(details, type), type, account.id, rows, callers),
        logs,
      };
    }
    if (principal === undefined) throw new Error('a principal question names its principal');
    // The identities a role session opened by this principal may carry: its ARN, or its name as
    // the session's sourceIdentity.
    const callerIds = principal.type === 'user' ? [principal.arn, principal.name] : [principal.arn];
    const knownRoles = knownRolesOf(options.config, [
      [account, details],
      [destAccount, destDetails],
    ]);
    const assumable = assumableRoles(
      details,
      principal,
      knownRoles.filter((role) => role.arn !== principal.arn),
    ).roles;
    if (destRole !== undefined) {
      const report = buildPrincipalDiffReport({
        grants: computeGrantedActions(destDetails, destRole, data.catalog),
        grantsVia: destRole.name,
        actorRows: await store.actorActivity(source, window, destRole.arn, callerIds),
        accountEvents: await store.accountEvents(source, window, destAccount.id),
        mapper: data.mapper,
        catalog: data.catalog,
        ...(options.selectors === undefined ? {} : { selectors: options.selectors }),
      });
      return {
        kind: 'principal',
        account,
        window,
        principal,
        ...logsOnly,
        destination: {
          account: destAccount,
          role: destRole,
          assumable: assumable.some((role) => role.arn === destRole.arn),
        },
        report,
        logs,
      };
    }
    const report = buildPrincipalDiffReport({
      grants: computeGrantedActions(details, principal, data.catalog),
      actorRows: await store.actorActivity(source, window, principal.arn),
      accountEvents: await store.accountEvents(source, window, account.id),
      mapper: data.mapper,
      catalog: data.catalog,
      ...(options.selectors === undefined ? {} : { selectors: options.selectors }),
    });
    const used = await store.roleCallers(source, window, { callers: callerIds });
    const usage = new Map<string, { calls: number; lastSeen: string }>();
    for (const entry of used) {
      const seen = usage.get(entry.roleArn);
      usage.set(entry.roleArn, {
        calls: (seen?.calls ?? 0) + entry.calls - entry.denied - entry.failed,
        lastSeen: seen === undefined || entry.lastSeen > seen.lastSeen ? entry.lastSeen : seen.lastSeen,
      });
    }
    const assumableRolesUsage = assumable.map((role) => {
      const seen = usage.get(role.arn);
      return {
        name: role.name,
        arn: role.arn,
        account: { name: role.accountName, id: role.accountId },
        conditional: role.conditional,
        used: seen !== undefined && seen.calls > 0,
        calls: seen?.calls ?? 0,
        lastSeen: seen?.lastSeen,
      };
    });
    const named = new Set(assumable.map((role) => role.arn));
    const otherRolesUsed = [...usage]
      .filter(([arn]) => !named.has(arn))
      .map(([arn, seen]) => ({ arn, ...seen }))
      .sort((a, b) => (a.arn < b.arn ? -1 : 1));
    return {
      kind: 'principal',
      account,
      window,
      principal,
      ...logsOnly,
      report,
      assumableRoles: assumableRolesUsage,
      otherRolesUsed,
      logs,
    };
  } finally {
    await store.close();
    if (spillDir !== undefined) rmSync(spillDir, { recursive: true, force: true });
  }
}

/**
 * The roles assumable-role analysis expands wildcards against: those of every account whose IAM
 * data is a file, and of the accounts already loaded for this question (read through the API);
 * service-linked roles aside.
 */
function knownRolesOf(
  config: Config,
  loaded: readonly (readonly [AccountConfig, AuthorizationDetails])[],
): KnownRole[] {
  const byAccount = new Map<string, { account: AccountConfig; details: AuthorizationDetails }>();
  for (const [account, details] of loaded) byAccount.set(account.id, { account, details });
  for (const account of config.accounts) {
    if (byAccount.has(account.id) || account.iam === undefined) continue;
    try {
      byAccount.set(account.id, { account, details: readAuthorizationDetailsFile(account.iam) });
    } catch {
      // Another account's unreadable IAM file does not stop this question; it is reported when asked about.
    }
  }
  return [...byAccount.values()].flatMap(({ account, details }) =>
    // Service-linked roles trust only their AWS service: no user or role can assume them.
    details.roles
      .filter((role) => !role.serviceLinked)
      .map((role) => ({
        arn: role.arn,
        name: role.name,
        accountId: account.id,
        accountName: account.name,
      })),
  );
}

/** Where iamtrail's Athena results go: `output_s3_bucket` (or the log bucket) plus iamtrail's prefix. */
export function athenaOutputLocation(athena: AthenaConfig): string {
  const base = (athena.output_s3_bucket ?? `s3://${athena.s3_bucket}`).replace(/\/+$/, '');
  return `${base}/${athena.results_prefix.replace(/^\/+/, '').replace(/\/*$/, '/')}`;
}

/**
 * Refuses to answer about an account the logs hold nothing of in the whole window: every identity
 * would look inactive and every grant unused. Says where the logs were looked for, what they do
 * hold, and what to check.
 */
function requireSomeLogs(
  coverage: WindowCoverage,
  held: readonly DayCoverage[],
  context: {
    readonly window: DayWindow;
    readonly today: string;
    readonly where: string;
    readonly check: string;
  },
): void {
  const { window, today } = context;
  const empty = coverage.accounts.find((entry) => entry.daysWithLogs === 0);
  if (empty === undefined) return;
  const span = `${window.startDay}..${window.endDay}`;
  if (window.startDay > today) {
    throw new InputDataError(
      `no CloudTrail log for account ${empty.account.name} (${empty.account.id}) in ${span}: the window starts after today (${today}, UTC), and no log exists yet`,
      { suggestions: [`Pick a window that starts on ${today} or earlier (--start, --end)`] },
    );
  }
  const others = new Map<string, number>();
  for (const entry of held) others.set(entry.accountId, (others.get(entry.accountId) ?? 0) + 1);
  const found =
    others.size === 0
      ? 'no log file there holds a record of any account in that window'
      : `the logs there hold records of ${[...others].map(([id, days]) => `${id} (${days} day(s))`).join(', ')} in that window`;
  throw new InputDataError(
    `no CloudTrail log for account ${empty.account.name} (${empty.account.id}) in ${span} in ${context.where}: ${found}`,
    {
      suggestions: [
        `Check ${context.check}`,
        `Check the dates: the logs must hold events of ${span} (UTC)`,
        `Check the account id of "${empty.account.name}" in the config: records name their account in recipientAccountId`,
      ],
    },
  );
}

/** One warning line per account whose logs leave days of the window uncovered. */
function warnAboutGaps(
  coverage: WindowCoverage,
  window: DayWindow,
  today: string,
  reporter: EngineReporter,
): void {
  for (const entry of coverage.accounts) {
    if (entry.gaps.length === 0) continue;
    const missing = coverage.windowDays - entry.daysWithLogs;
    const future = window.endDay > today ? ` (days after today, ${today}, have no logs yet)` : '';
    reporter.warn(
      `no logs for account ${entry.account.name} (${entry.account.id}) on ${missing} of ${coverage.windowDays} days: ${describeSpans(entry.gaps)}${future}; "-" and inactivity rest on the other ${entry.daysWithLogs} day(s)`,
    );
  }
}

/** Every day of a window. */
function allDays(window: { readonly startDay: string; readonly endDay: string }): string[] {
  const days: string[] = [];
  for (let day = window.startDay; day <= window.endDay; day = addDays(day, 1)) days.push(day);
  return days;
}

let commitsSeen = 0;

/**
 * Test seam for the crash test: with `IAMTRAIL_TEST_SLOW_COMMIT_MS`, once
 * `IAMTRAIL_TEST_SLOW_COMMIT_AFTER` (default 0) days have committed, each day's cache transaction
 * is held open that long before it commits, so a test can kill the process mid-transaction.
 */
async function slowCommitForTests(): Promise<void> {
  const ms = Number(process.env.IAMTRAIL_TEST_SLOW_COMMIT_MS ?? 0);
  const after = Number(process.env.IAMTRAIL_TEST_SLOW_COMMIT_AFTER ?? 0);
  commitsSeen += 1;
  if (ms > 0 && commitsSeen > after) {
    process.stderr.write(`cache: transaction ${commitsSeen} open\n`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function requirePrincipal(
  details: AuthorizationDetails,
  question: { readonly type: PrincipalType; readonly name: string },
  account: AccountConfig,
): IamPrincipal {
  const principal = findPrincipal(details, question.type, question.name);
  if (principal !== undefined) return principal;
  throw unknownPrincipalError(details, question, account);
}

/** The names (last ARN part) of actors of the logs. */
function namesInLogs(actors: readonly ActivityRow[]): string[] {
  return actors.map((actor) => actor.actorArn.slice(actor.actorArn.lastIndexOf('/') + 1));
}

/** A user or role neither in the IAM data nor in `seenInLogs`, with the close names of both. */
function unknownPrincipalError(
  details: AuthorizationDetails,
  question: { readonly type: PrincipalType; readonly name: string },
  account: AccountConfig,
  seenInLogs: readonly string[] = [],
): UsageError {
  const names = [
    ...new Set([...principalsOf(details, question.type).map((candidate) => candidate.name), ...seenInLogs]),
  ];
  const close = closeMatches(question.name, names);
  return new UsageError(
    `unknown ${question.type} "${question.name}" in account ${account.name} (${account.id})`,
    {
      suggestions:
        close.length > 0
          ? [`Did you mean: ${close.join(', ')}?`]
          : [`List them with: iamtrail --account ${account.name} --list ${question.type}s`],
    },
  );
}
