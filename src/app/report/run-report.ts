import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { DEFAULT_DIFF_FILTER } from '../../analysis/action-diff.js';
import type { DiffFilter } from '../../analysis/action-diff.js';
import {
  buildIdentityListReport,
  buildPrincipalDiffReport,
  filterDiffReport,
  findLogsOnlyIdentity,
} from '../../analysis/activity-report.js';
import type { PrincipalDiffReport } from '../../analysis/activity-report.js';
import { settleWithAdvisor } from '../../analysis/advisor-evidence.js';
import type { AdvisorUse } from '../../analysis/advisor-evidence.js';
import {
  sortActivityRows,
  sortByFile,
  sortDayCoverage,
  sortRoleCallers,
} from '../../analysis/activity-order.js';
import { summarizeCoverage } from '../../analysis/log-coverage.js';
import { toRanges } from '../../cache/day-ranges.js';
import { CacheStore } from '../../cache/cache-store.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import { findAccount } from '../../config/load-config.js';
import type { AccountConfig } from '../../config/load-config.js';
import { createEngine } from '../../engines/create-engine.js';
import type { EngineSpec } from '../../engines/create-engine.js';
import type { SkippedFile, SummaryResult } from '../../engines/engine.js';
import { UsageError } from '../../errors.js';
import type { AuthorizationDetails, IamPrincipal } from '../../iam/authorization-details.js';
import { assumableRoles } from '../../iam/assumable-roles.js';
import { computeGrantedActions } from '../../iam/granted-actions.js';
import { createLogsOnlyPrincipal, findPrincipal, principalsOf } from '../../iam/principals.js';
import type { ActivityRow, DayCoverage } from '../../trail/activity-summary.js';
import { addDays, utcDayOf } from '../../trail/utc-days.js';
import { defaultCachePath } from '../cache/cache-settings.js';
import { requireSomeLogs, warnAboutGaps } from './coverage-checks.js';
import { knownRolesOf } from './known-roles.js';
import type { EngineName, LogsSummary, ReportOptions, ReportResult } from './report-types.js';
import { namesInLogs, requirePrincipal, unknownPrincipalError } from './require-principal.js';

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
      ? await (await import('../../aws/aws-clients.js')).createAwsClients(athena?.region)
      : undefined;
  const loadDetails = async (target: AccountConfig): Promise<AuthorizationDetails> => {
    if (target.iam !== undefined) return readAuthorizationDetailsFile(target.iam);
    const [{ createIamClient }, { fetchAuthorizationDetails }] = await Promise.all([
      import('../../aws/aws-clients.js'),
      import('../../aws/iam-authorization-details.js'),
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
    /** What the engine is built from, once the cache says days are missing. */
    let engineSpec: () => EngineSpec;
    let source: string;
    /** Where the logs were looked for, and what to check there, for the no-log error. */
    let where: { readonly text: string; readonly check: string };
    if (aws !== undefined && athena !== undefined) {
      const [{ setUpAthena }, { athenaOutputLocation, trailLocation }, { describeTrailRegions }] =
        await Promise.all([
          import('../athena/set-up-athena.js'),
          import('../../engines/athena/athena-sql.js'),
          import('../../engines/athena/athena-regions.js'),
        ]);
      const outputLocation = athenaOutputLocation(athena);
      const accountIds = options.config.accounts.map((entry) => entry.id);
      if (!options.skipSetup) {
        await setUpAthena(
          aws,
          athena,
          accountIds,
          (resource) => store.recordAthenaResource(resource),
          (trail) => {
            // The standard list misses opt-in regions: calls made there would be invisible, so say so.
            if (trail.source === 'standard')
              options.reporter.warn(
                `${describeTrailRegions(trail)}; calls in other (opt-in) regions are not read: set athena.regions to be sure`,
              );
            else if (trail.source !== 'config') options.reporter.note(describeTrailRegions(trail));
          },
        );
      }
      source = `athena:${aws.region}:${athena.database}.${athena.table}`;
      const root = trailLocation(athena).root;
      where = {
        text: `the Athena table ${athena.database}.${athena.table} (${aws.region}), over ${root}`,
        check: `that the trail delivers to ${root}<account>/CloudTrail/ (athena: s3_bucket, path and org_id in ${options.config.file})`,
      };
      engineSpec = () => ({
        kind: 'athena',
        athena,
        region: aws.region,
        accountIds,
        client: aws.athena,
        outputLocation,
        reporter: options.reporter,
      });
    } else {
      const folder = resolve(logsDir ?? '.');
      source = `local:${folder}`;
      where = {
        text: `the folder ${folder}`,
        check:
          'that the folder holds AWSLogs/[o-xxxx/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/ (pass --logs with the folder above AWSLogs/)',
      };
      engineSpec = () => {
        // The summary reaches the cache as a Parquet file, DuckDB to DuckDB; removed below.
        spillDir = mkdtempSync(join(tmpdir(), 'iamtrail-summary-'));
        return { kind: 'local', logsDir: folder, reporter: options.reporter, spillDir };
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
    // Cache only (`serve`): the days the cache lacks stay unread, and the coverage shows them as gaps.
    const toRead = options.cacheOnly === true ? [] : missing;
    const ranges = toRanges(toRead);
    let filesRead = 0;
    const skippedFiles: SkippedFile[] = [];
    let athenaCost: LogsSummary['athena'];
    if (ranges.length > 0) {
      // The cache file stays closed while the logs are read, so other processes can use it.
      if (options.cache.enabled) await store.close();
      const loaded: {
        days: string[];
        rows: readonly ActivityRow[] | { readonly file: string };
        changes: SummaryResult['changes'];
        coverage: readonly DayCoverage[];
        skipped: readonly SkippedFile[];
      }[] = [];
      const engine = await createEngine(engineSpec());
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
            changes: summary.changes,
            coverage: summary.coverage,
            skipped: summary.skippedFiles,
          });
        }
      } finally {
        await engine.close();
        if (options.cache.enabled) store = await openStore();
        // An engine that bills by data scanned (Athena) reports its queries: the ledger for
        // cleanup, and the cost line.
        if (engine.costReport !== undefined) {
          const queries = engine.costReport.queries();
          for (const query of queries) await store.recordAthenaQuery(query);
          athenaCost = { queries: queries.length, ...engine.costReport.cost() };
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
          range.changes,
        );
    }
    const held = sortDayCoverage(await store.coverage(source, window));
    const coverage = summarizeCoverage(window, questionAccounts, held);
    requireSomeLogs(coverage, held, { window, today, where: where.text, check: where.check });
    warnAboutGaps(coverage, window, today, options.reporter);
    // Files skipped when a day was read, in this run or an earlier one (the cache keeps them): the
    // verdicts may miss their calls, cached or not.
    const unreadableFiles = sortByFile(
      await store.skippedFiles(
        source,
        window,
        questionAccounts.map((entry) => entry.id),
      ),
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
      daysRead: toRead.length,
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

    if (question.kind === 'callers') {
      if (destRole === undefined) throw new Error('a callers question names its role');
      const callers = sortRoleCallers(await store.roleCallers(source, window, { roleArn: destRole.arn }));
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
        type === 'role'
          ? sortRoleCallers(await store.roleCallers(source, window, { accountId: account.id }))
          : [];
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
    const self = principal;
    const logsOnly = principal === principalInIam ? {} : { logsOnly: true as const };
    const filter: DiffFilter = { ...DEFAULT_DIFF_FILTER, ...options.filter };
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
      knownRoles.filter((role) => role.arn !== self.arn),
    ).roles;
    /** The diff of `grantee`'s grants against the rows of `actorArn`, with the evidence of its account. */
    const diffOf = async (
      grantsOf: AuthorizationDetails,
      grantee: IamPrincipal,
      evidenceAccount: AccountConfig,
      actorRows: readonly ActivityRow[],
      grantsVia?: string,
    ): Promise<PrincipalDiffReport> =>
      buildPrincipalDiffReport({
        grants: computeGrantedActions(grantsOf, grantee, data.catalog),
        ...(grantsVia === undefined ? {} : { grantsVia }),
        actorRows: sortActivityRows(actorRows),
        accountEvents: await store.accountEvents(source, window, evidenceAccount.id),
        mapper: data.mapper,
        catalog: data.catalog,
        ...(options.selectors === undefined ? {} : { selectors: options.selectors }),
      });
    const answered = { kind: 'principal', account, window, principal, ...logsOnly, filter, logs } as const;
    const useAdvisor = options.advisor ?? true;
    if (destRole !== undefined) {
      // The role's Access Advisor data counts every session of the role, not only those this
      // principal opened: it cannot settle what the principal did in them.
      const accessAdvisor: AdvisorUse | null = useAdvisor
        ? {
            state: 'not-applicable',
            collectedAt: null,
            jobCompletedAt: null,
            origin: null,
            detail: `with --destrole, Access Advisor data of role ${destRole.name} counts all its sessions, not only those ${principal.name} opened`,
            settled: { unused: 0, used: 0 },
            serviceUsed: 0,
          }
        : null;
      return {
        ...answered,
        destination: {
          account: destAccount,
          role: destRole,
          assumable: assumable.some((role) => role.arn === destRole.arn),
        },
        report: filterDiffReport(
          await diffOf(
            destDetails,
            destRole,
            destAccount,
            await store.actorActivity(source, window, destRole.arn, callerIds),
            destRole.name,
          ),
          filter,
        ),
        accessAdvisor,
      };
    }
    const plainReport = await diffOf(
      details,
      principal,
      account,
      await store.actorActivity(source, window, principal.arn),
    );
    // Access Advisor settles "?" lines before the filters, so --ignore-unknown and the totals see
    // the settled statuses.
    const settled = useAdvisor
      ? settleWithAdvisor(plainReport, (await store.advisorSnapshots({ arns: [principal.arn] }))[0], window)
      : undefined;
    const report = filterDiffReport(settled?.report ?? plainReport, filter);
    const used = sortRoleCallers(await store.roleCallers(source, window, { callers: callerIds }));
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
      ...answered,
      report,
      assumableRoles: filter.showUsed ? assumableRolesUsage.filter((role) => role.used) : assumableRolesUsage,
      otherRolesUsed,
      accessAdvisor: settled?.advisor ?? null,
    };
  } finally {
    await store.close();
    if (spillDir !== undefined) rmSync(spillDir, { recursive: true, force: true });
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
