import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

import { sortByFile, sortDayCoverage } from '../../analysis/activity-order.js';
import { describeSpans, summarizeCoverage } from '../../analysis/log-coverage.js';
import type { WindowCoverage } from '../../analysis/log-coverage.js';
import { toRanges } from '../../cache/day-ranges.js';
import type { DayRange } from '../../cache/day-ranges.js';
import { CacheStore } from '../../cache/cache-store.js';
import type { WriteCommits } from '../../cache/activity-writes.js';
import type { DayWindow } from '../../cli/window.js';
import type { Config } from '../../config/load-config.js';
import { createEngine } from '../../engines/create-engine.js';
import { accountLogFolders } from '../../engines/duckdb/log-files.js';
import type { LogFolderPlaces } from '../../analysis/event-selectors.js';
import type { EngineSpec } from '../../engines/create-engine.js';
import type { EngineReporter, SkippedFile, SummaryResult } from '../../engines/engine.js';
import { makeTempFolder } from '../../engines/temp-folder.js';
import { InterruptedError, UsageError } from '../../errors.js';
import type { AwsClients } from '../../aws/aws-clients.js';
import type { AthenaConfig } from '../../config/config-schema.js';
import type { AthenaQueryRecord } from '../../engines/athena/athena-ledger.js';
import type { CleanupItem } from '../../engines/athena/athena-teardown.js';
import type { setUpAthena as SetUpAthena } from '../athena/set-up-athena.js';
import type { ActivityRow, DayCoverage } from '../../trail/activity-summary.js';
import { addDays, utcDayOf } from '../../trail/utc-days.js';
import { defaultCachePath } from '../cache/cache-settings.js';
import { readInChunks } from './read-in-chunks.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import { requireSomeLogs, warnAboutGaps } from './coverage-checks.js';
import type { EngineName, LogsSummary } from './report-types.js';

/*
 * The log side shared by the report and the audit: which engine reads which logs, the cache brought
 * up to date for a window (the engine reads only the days the cache lacks, one call per contiguous
 * range), and what the logs cover.
 */

/** Where the logs are read from, decided from the flags and the config before anything is read. */
export interface LogPlan {
  readonly engineName: EngineName;
  /** The local log folder (`--logs`, else the config's `logs:`); `undefined` for Athena. */
  readonly logsDir: string | undefined;
}

/**
 * The engine and log folder of a run: `--engine`, else local when a log folder is configured
 * (`--logs` or `logs:`) and Athena when only `athena:` is. A local engine without a folder, or
 * Athena without its section, is a usage error.
 */
export function planLogs(config: Config, logs: string | undefined, engine: EngineName | undefined): LogPlan {
  const logsDir = logs ?? config.logs;
  const engineName: EngineName =
    engine ?? (logsDir !== undefined || config.athena === undefined ? 'local' : 'athena');
  if (engineName === 'local' && logsDir === undefined) {
    throw new UsageError(
      'no log folder: pass --logs DIR or set logs: in the config file (or configure athena: and use --engine athena)',
      {
        suggestions: ['DIR is the folder that holds AWSLogs/ (a copy of the trail bucket)'],
      },
    );
  }
  if (engineName === 'athena' && config.athena === undefined) {
    throw new UsageError(`--engine athena needs an athena: section in ${config.file}`, {
      suggestions: ['See "Athena" in the README'],
    });
  }
  return { engineName, logsDir };
}

/**
 * Where each account's logs lie, as the plan reads them (for `--organization-trail`'s check, see
 * `selectorsForAccount`): locally the folder's `AWSLogs/[o-…/]<account>/CloudTrail/` folders,
 * looked for on first use; on Athena every account alike, by the table's location (`athena.org_id`
 * set: an organization trail's folders). `undefined` for an account the folder has no such place of.
 */
export function logFoldersOf(
  config: Config,
  plan: LogPlan,
): (accountId: string) => LogFolderPlaces | undefined {
  if (plan.engineName === 'athena') {
    const places = {
      organization: config.athena?.org_id !== undefined,
      own: config.athena?.org_id === undefined,
    };
    return () => places;
  }
  let found: ReadonlyMap<string, LogFolderPlaces> | undefined;
  return (accountId) => {
    found ??= accountLogFolders(resolve(plan.logsDir ?? '.'));
    return found.get(accountId);
  };
}

/** Inputs of {@link loadWindow}. */
export interface LoadWindowOptions {
  readonly config: Config;
  readonly plan: LogPlan;
  readonly cache: CacheSettings;
  readonly window: DayWindow;
  /** The accounts the answer rests on: their days are read and their coverage summarized. */
  readonly accounts: readonly { readonly name: string; readonly id: string }[];
  /** Athena: the accounts its table projects (default: the config's). */
  readonly athenaAccountIds?: readonly string[];
  readonly skipSetup: boolean;
  readonly reporter: EngineReporter & { note(message: string): void };
  readonly signal?: AbortSignal;
  /** The current time, for which days may still receive logs. */
  readonly now?: Date;
  /**
   * `--max-scan-gb` in bytes: with an engine that reads in chunks (Athena), no chunk starts once
   * the run has scanned this much; the run then fails naming what is cached. A usage error with
   * the local engine, which scans nothing billed.
   */
  readonly maxScanBytes?: number;
  /** Read no log: days the cache lacks are gaps of the coverage (`serve`). */
  readonly cacheOnly?: boolean;
  /**
   * An account without any log in the window: `error` (the report: every verdict would rest on
   * nothing) or `gap` (the audit: the account's findings then rest on IAM's evidence alone).
   */
  readonly noLogs?: 'error' | 'gap';
  /**
   * Also read the resources of the calls (`policy generate`, `boundary`): days the cache holds
   * without them are read again.
   */
  readonly resources?: boolean;
  /**
   * The question reads only each actor's calls per account, day and outcome (`--list users`):
   * without the cache (nothing kept), the engine may read only that (see
   * `SummaryRequest.actorsOnly`). A cache always gets every row, for whatever question comes next.
   */
  readonly actorsOnly?: boolean;
  /**
   * The caller only reads the store (the report): a local run's cache that holds a current
   * schema is first opened read-only, and opened for writing only if days must be read.
   */
  readonly readOnly?: boolean;
  /** That read-only open, started by {@link openCacheEarly} while the caller read its inputs. */
  readonly early?: EarlyCacheOpen;
}

/** A read-only open of the cache under way: see {@link openCacheEarly}. */
export interface EarlyCacheOpen {
  readonly store: Promise<CacheStore | undefined>;
  /** Closes what the open gives, for a caller that fails before {@link loadWindow} takes it. */
  discard(): Promise<void>;
}

/**
 * Starts the read-only open of {@link loadWindow} (for a local run that only reads the cache)
 * before the caller reads its other inputs (IAM data): DuckDB opens the file on a thread of its
 * own meanwhile. `undefined` when loadWindow would not open it read-only. Whoever starts it passes
 * it to loadWindow, or discards it.
 */
export function openCacheEarly(
  options: Pick<LoadWindowOptions, 'plan' | 'cache' | 'readOnly'>,
): EarlyCacheOpen | undefined {
  if (!opensReadOnly(options)) return undefined;
  const waiting = new AbortController();
  const store = CacheStore.openReadOnly(cachePathOf(options.cache), {
    lockTimeoutMs: options.cache.lockTimeoutMs,
    signal: waiting.signal,
  });
  // Its failure is the caller's to report when it awaits it, after its own inputs' errors.
  store.catch(() => undefined);
  return {
    store,
    discard: () => {
      // No wait for another process's lock: an open under way finishes and is closed.
      waiting.abort(new Error('the question failed before the cache was read'));
      // The question's own error is the one to report, not one from closing.
      return store.then((opened) => opened?.close()).catch(() => undefined);
    },
  };
}

/**
 * What the cache holds of the window for the answer's report: the (account, day) pairs loaded, and
 * the files of the accounts' days that could not be read when they were, both sorted. Handled: a
 * failure is the caller's to report when it awaits the result.
 */
function heldBefore(
  store: CacheStore,
  source: string,
  window: DayRange,
  accountIds: readonly string[],
): Promise<[DayCoverage[], SkippedFile[], string[]]> {
  const held = Promise.all([
    store.coverage(source, window).then(sortDayCoverage),
    store.skippedFiles(source, window, accountIds).then(sortByFile),
    store.daysReadBefore17(source, window),
  ]);
  held.catch(() => undefined);
  return held;
}

/** Whether {@link loadWindow} first opens the cache read-only: a local run that only reads it. */
function opensReadOnly(options: Pick<LoadWindowOptions, 'plan' | 'cache' | 'readOnly'>): boolean {
  return (
    options.readOnly === true &&
    options.plan.engineName === 'local' &&
    options.cache.enabled &&
    !options.cache.refresh
  );
}

/** The cache file of a run, or `:memory:` without the cache. */
function cachePathOf(cache: CacheSettings): string {
  return cache.enabled ? resolve(cache.path ?? defaultCachePath()) : ':memory:';
}

/** The cache, up to date for the window, and what the logs cover. */
export interface LoadedWindow {
  /** Open: the caller closes it. */
  readonly store: CacheStore;
  /** The cache's key for these logs (`local:/path`, `athena:region:db.table`). */
  readonly source: string;
  readonly logs: LogsSummary;
  readonly coverage: WindowCoverage;
}

/**
 * {@link loadWindow} for a fan-out over accounts (`audit`, `test`): the accounts read, Athena's
 * table projecting them and the config's, and an account without logs a gap, not an error.
 */
export function loadAccountsWindow(
  options: Pick<
    LoadWindowOptions,
    'config' | 'plan' | 'cache' | 'window' | 'accounts' | 'reporter' | 'signal' | 'now' | 'maxScanBytes'
  >,
): Promise<LoadedWindow> {
  return loadWindow({
    ...options,
    athenaAccountIds: [
      ...new Set([
        ...options.config.accounts.map((entry) => entry.id),
        ...options.accounts.map((entry) => entry.id),
      ]),
    ],
    skipSetup: false,
    noLogs: 'gap',
  });
}

/**
 * Opens the cache, reads the days of the window it lacks for `accounts` with the engine (local
 * DuckDB or Athena), writes them, and summarizes the coverage. The store is returned open; on
 * failure it is closed.
 */
export async function loadWindow(options: LoadWindowOptions): Promise<LoadedWindow> {
  const { config, plan, window } = options;
  const athena = config.athena;
  if (options.maxScanBytes !== undefined && plan.engineName !== 'athena')
    throw new UsageError(
      '--max-scan-gb limits what Athena scans: it applies with --engine athena only (the local engine reads files, billed by nobody)',
    );
  // The AWS SDK is loaded only for questions that call AWS: local runs start faster without it.
  const aws =
    plan.engineName === 'athena'
      ? await (await import('../../aws/aws-clients.js')).createAwsClients(athena?.region)
      : undefined;
  const cachePath = cachePathOf(options.cache);
  const openStore = (): Promise<CacheStore> =>
    CacheStore.open(cachePath, {
      lockTimeoutMs: options.cache.lockTimeoutMs,
      onNotice: (message) => {
        options.reporter.warn(message);
      },
    });

  // Athena's set-up writes its resources to the cache: read-only is for local runs.
  const readOnly = opensReadOnly(options);
  // An early open this run will not use (it opens for writing) is closed first.
  if (!readOnly || options.cacheOnly === true) await options.early?.discard();
  // Cache only (`serve`): the cache is read as it is, whatever the engine, never opened for writing
  // (a read-write open would migrate it, or replay a pending write-ahead log into the file).
  let store =
    options.cacheOnly === true
      ? await CacheStore.openAsIs(cachePath, { lockTimeoutMs: options.cache.lockTimeoutMs })
      : ((readOnly
          ? await (options.early?.store ??
              CacheStore.openReadOnly(cachePath, { lockTimeoutMs: options.cache.lockTimeoutMs }))
          : undefined) ?? (await openStore()));
  /** The account of the Athena engine's credentials (see below), for the ledger. */
  let athenaAccount: string | undefined;
  let spillDir: string | undefined;
  /** The window's coverage and unreadable files, asked early of a cache opened read-only (below). */
  let held: Promise<[DayCoverage[], SkippedFile[], string[]]> | undefined;
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
      const accountIds = [...(options.athenaAccountIds ?? config.accounts.map((entry) => entry.id))];
      // The account of the credentials, before anything is created or run: the ledger records
      // each object and query under it, and cleanup acts only in that account.
      const account = await aws.account();
      athenaAccount = account;
      if (!options.skipSetup) {
        // The ledger `athena cleanup` removes from lives in the cache: without one, nothing would
        // record an object set-up creates, so set-up may only bring existing ones up to date.
        if (!options.cache.enabled) await refuseUnrecordedSetup(setUpAthena, aws, athena, accountIds);
        await setUpAthena(
          aws,
          athena,
          accountIds,
          (resource) => store.recordAthenaResource(resource, account),
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
        check: `that the trail delivers to ${root}<account>/CloudTrail/ (athena: s3_bucket, path and org_id in ${config.file})`,
      };
      engineSpec = () => {
        // The summary goes from its S3 result object to a Parquet file, then to the cache, DuckDB
        // to DuckDB, never through GetQueryResults; removed below.
        spillDir = makeTempFolder('iamtrail-summary-');
        return {
          kind: 'athena',
          athena,
          region: aws.region,
          accountIds,
          client: aws.athena,
          s3: aws.s3,
          outputLocation,
          reporter: options.reporter,
          spillDir,
        };
      };
    } else {
      const folder = resolve(plan.logsDir ?? '.');
      source = `local:${folder}`;
      where = {
        text: `the folder ${folder}`,
        check:
          'that the folder holds AWSLogs/[o-xxxx/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/ (pass --logs with the folder above AWSLogs/)',
      };
      engineSpec = () => {
        // The summary reaches the cache as a Parquet file, DuckDB to DuckDB; removed below.
        spillDir = makeTempFolder('iamtrail-summary-');
        return { kind: 'local', logsDir: folder, reporter: options.reporter, spillDir };
      };
    }

    const today = utcDayOf(options.now ?? new Date());
    const accountIds = options.accounts.map((entry) => entry.id);
    // Days after today have no logs yet and are never read.
    const readableDays = allDays({
      startDay: window.startDay,
      endDay: window.endDay < today ? window.endDay : today,
    });
    // A cached question's (a cache opened to be read only) coverage and unreadable files are asked
    // at the same time as the days it lacks, each on a connection of its own: when no day is
    // missing, as for any repeat question, they are the answer's, and the cache is not asked
    // again; when some are, they are asked again once those days are written.
    held = readOnly ? heldBefore(store, source, window, accountIds) : undefined;
    const missing = options.cache.refresh
      ? readableDays
      : await store.missingDays(
          source,
          accountIds,
          window.startDay,
          window.endDay,
          today,
          options.resources === true,
        );
    // Cache only (`serve`): the days the cache lacks stay unread, and the coverage shows them as gaps.
    const toRead = options.cacheOnly === true ? [] : missing;
    const ranges = toRanges(toRead);
    let filesRead = 0;
    let engineCalls = ranges.length;
    const skippedFiles: SkippedFile[] = [];
    let athenaCost: LogsSummary['athena'];
    if (ranges.length > 0) {
      // No query of the store runs when it closes.
      await held?.catch(() => undefined);
      // The cache file stays closed while the logs are read, so other processes can use it.
      if (options.cache.enabled) await store.close();
      const loaded: {
        days: string[];
        rows: readonly ActivityRow[] | { readonly file: string };
        changes: SummaryResult['changes'];
        resources: SummaryResult['resources'];
        coverage: readonly DayCoverage[];
        skipped: readonly SkippedFile[];
        actorsOnly: boolean;
      }[] = [];
      const engine = await createEngine(engineSpec());
      const { chunking } = engine;
      try {
        if (chunking !== undefined) {
          // Each chunk goes to the cache as soon as it is read, one write at a time; the cache
          // file is open only while a chunk is written.
          const read = await readInChunks({
            engine,
            chunking,
            ranges,
            resources: options.resources === true,
            reporter: options.reporter,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            ...(options.maxScanBytes === undefined ? {} : { maxScanBytes: options.maxScanBytes }),
            write: async (chunk) => {
              const writer = options.cache.enabled ? await openStore() : store;
              try {
                await writer.writeDays(
                  source,
                  chunk.days,
                  chunk.rows,
                  chunk.coverage,
                  commitsForTests(),
                  chunk.skipped,
                  chunk.changes,
                  chunk.resources,
                  options.resources === true,
                );
              } finally {
                if (options.cache.enabled) await writer.close();
              }
              if ('file' in chunk.rows) rmSync(chunk.rows.file, { force: true });
            },
          });
          engineCalls = read.chunks;
          filesRead += read.filesRead;
          skippedFiles.push(...read.skippedFiles);
        } else {
          // Never for a cache: its rows answer whatever question comes next.
          const actorsOnly = options.actorsOnly === true && !options.cache.enabled;
          for (const range of ranges) {
            const summary = await engine.summarize({
              startDay: range.startDay,
              endDay: range.endDay,
              resources: options.resources === true,
              ...(actorsOnly ? { actorsOnly } : {}),
              ...(options.signal === undefined ? {} : { signal: options.signal }),
            });
            filesRead += summary.filesRead;
            skippedFiles.push(...summary.skippedFiles);
            loaded.push({
              days: allDays(range),
              rows: summary.rowsFile === undefined ? summary.rows : { file: summary.rowsFile },
              changes: summary.changes,
              resources: summary.resources,
              coverage: summary.coverage,
              skipped: summary.skippedFiles,
              actorsOnly,
            });
          }
        }
      } finally {
        await engine.close();
        if (options.cache.enabled) store = await openStore();
        // An engine that bills by data scanned (Athena) reports its queries: the ledger for
        // cleanup, and the cost line.
        if (engine.costReport !== undefined) {
          const queries = engine.costReport.queries();
          for (const query of queries) await store.recordAthenaQuery(query, athenaAccount ?? null);
          athenaCost = { queries: queries.length, ...engine.costReport.cost() };
          // Without a cache nothing records them for cleanup: this run's results go with it.
          if (!options.cache.enabled && aws !== undefined)
            await removeRunResults(aws, queries, options.reporter);
        }
      }
      // A Ctrl-C once the logs are read stops the run before it writes them, or (below) once
      // they are written whole: never with an answer, as if nothing had been asked.
      if (loaded.length > 0 && options.signal?.aborted === true)
        throw new InterruptedError(
          'interrupted: stopped before writing the logs read; nothing of this run was cached',
        );
      for (const range of loaded)
        await store.writeDays(
          source,
          range.days,
          range.rows,
          range.coverage,
          commitsForTests(),
          range.skipped,
          range.changes,
          range.resources,
          options.resources === true,
          range.actorsOnly,
        );
      if (options.signal?.aborted === true)
        throw new InterruptedError(
          options.cache.enabled
            ? `interrupted: the days read were written to the cache ${cachePath}; no answer was given`
            : 'interrupted: the logs were read; no answer was given',
        );
    }
    const [heldDays, heldSkips, readBefore17] =
      held !== undefined && ranges.length === 0
        ? await held
        : await heldBefore(store, source, window, accountIds);
    const coverage = summarizeCoverage(window, options.accounts, heldDays);
    if (options.noLogs !== 'gap')
      requireSomeLogs(coverage, heldDays, { window, today, where: where.text, check: where.check });
    warnAboutGaps(coverage, window, today, options.reporter);
    // Files skipped when a day was read, in this run or an earlier one (the cache keeps them): the
    // verdicts may miss their calls, cached or not.
    const unreadableFiles = heldSkips;
    const skippedNow = new Set(skippedFiles.map((entry) => entry.file));
    const skippedBefore = unreadableFiles.filter((entry) => !skippedNow.has(entry.file)).length;
    if (skippedBefore > 0)
      options.reporter.warn(
        `${skippedBefore} log file(s) of the window could not be read when their days were loaded (the cache remembers them): "-" and inactivity may miss their calls`,
      );
    // Days an iamtrail before cache schema 17 read: told on every question over them, until read
    // again (the migration's notice is printed once).
    if (readBefore17.length > 0)
      options.reporter.warn(
        `${readBefore17.length} day(s) of the window (${describeSpans(toRanges(readBefore17))}) were read into the cache ${cachePath} by an iamtrail before cache schema 17, which kept no role's account's copy of an AssumeRole call from another account: a role assumed on those days only from accounts whose logs are not read may show "-" (--refresh reads them again)`,
      );
    const logs: LogsSummary = {
      engine: plan.engineName,
      source,
      cache: options.cache.enabled ? cachePath : null,
      engineCalls,
      daysRead: toRead.length,
      daysFromCache: readableDays.length - missing.length,
      filesRead,
      // In the order of the files, whatever the order the engine met them in.
      skippedFiles: sortByFile(skippedFiles),
      unreadableFiles,
      coverage: coverage.accounts,
      complete: coverage.complete && unreadableFiles.length === 0,
      ...(athenaCost === undefined ? {} : { athena: athenaCost }),
    };
    return { store, source, logs, coverage };
  } catch (error) {
    // The store closes only once no query of it is running.
    await held?.catch(() => undefined);
    await store.close();
    throw error;
  } finally {
    // The summary's Parquet file is in the cache now (or the run failed): it is not needed again.
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
 * Test seam for the crash test: with `IAMTRAIL_TEST_SLOW_COMMIT_MS`, each day with rows is
 * written in a transaction of its own (a day without rows joins its neighbour's) and, once `IAMTRAIL_TEST_SLOW_COMMIT_AFTER` (default 0) transactions
 * have committed, each is held open that long before it commits, so a test can kill the process
 * mid-transaction.
 */
function commitsForTests(): WriteCommits {
  const ms = Number(process.env.IAMTRAIL_TEST_SLOW_COMMIT_MS ?? 0);
  if (!(ms > 0)) return {};
  const after = Number(process.env.IAMTRAIL_TEST_SLOW_COMMIT_AFTER ?? 0);
  return {
    rowsPerTransaction: 1,
    beforeCommit: async () => {
      commitsSeen += 1;
      if (commitsSeen > after) {
        process.stderr.write(`cache: transaction ${commitsSeen} open\n`);
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    },
  };
}

/**
 * `--no-cache` with the Athena engine: refuses (exit 2), before anything is created, when set-up
 * would create an object (database, table, workgroup), which no ledger would record for `athena
 * cleanup`; bringing existing ones up to date is left to set-up.
 */
async function refuseUnrecordedSetup(
  setUpAthena: typeof SetUpAthena,
  aws: AwsClients,
  athena: AthenaConfig,
  accountIds: readonly string[],
): Promise<void> {
  const { plan } = await setUpAthena(aws, athena, accountIds, undefined);
  const creates = plan.steps.filter((step) => step.action.startsWith('create-'));
  if (creates.length === 0) return;
  const what = creates.map((step) => `${step.action.slice('create-'.length)} ${step.target}`).join(', ');
  throw new UsageError(
    `--no-cache with the Athena engine would create ${what}, and nothing would record it for iamtrail athena cleanup (its ledger is in the cache)`,
    {
      suggestions: [
        'Run iamtrail athena setup first (it records what it creates in the cache), then ask again with --no-cache',
        'Or ask with the cache (drop --no-cache)',
      ],
    },
  );
}

/**
 * Removes the result objects of a `--no-cache` run's Athena queries, which nothing records for
 * cleanup; what cannot be removed is named on stderr.
 */
async function removeRunResults(
  aws: AwsClients,
  queries: readonly AthenaQueryRecord[],
  reporter: EngineReporter,
): Promise<void> {
  const { removeResultObjects, resultObjectsOf } = await import('../../engines/athena/athena-teardown.js');
  const objects = resultObjectsOf(queries);
  if (objects.length === 0) return;
  const failed: (CleanupItem & { error: string })[] = [];
  await removeResultObjects(aws, objects, [], failed, (message) => {
    reporter.warn(message);
  });
  for (const item of failed)
    reporter.warn(
      `--no-cache: could not remove the query result ${item.name} (${item.error}), which nothing records: remove it yourself`,
    );
}
