import { compareText } from '../../analysis/activity-order.js';
import type { AwsClients } from '../../aws/aws-clients.js';
import type { CacheStore } from '../../cache/cache-store.js';
import type { AthenaQueryRecord, AthenaResource, LedgerEntry } from '../../engines/athena/athena-ledger.js';
import { checkOwnership } from '../../engines/athena/athena-ownership.js';
import type { Ownership } from '../../engines/athena/athena-ownership.js';
import { IAMTRAIL_MARKER } from '../../engines/athena/athena-sql.js';
import {
  removeAthenaResource,
  removeResultObjects,
  resultObjectsOf,
  workgroupArnOf,
} from '../../engines/athena/athena-teardown.js';
import type { CleanupItem } from '../../engines/athena/athena-teardown.js';
import { EngineError, messageOf } from '../../errors.js';

/** What `iamtrail athena cleanup` removed (or would remove), kept, and failed to remove. */
export interface CleanupResult {
  readonly dryRun: boolean;
  readonly removed: readonly CleanupItem[];
  readonly kept: readonly (CleanupItem & { readonly reason: string })[];
  /** Removals that failed; they stay recorded in the cache, so the next cleanup tries again. */
  readonly failed: readonly (CleanupItem & { readonly error: string })[];
}

/** Where cleanup says what it does, and asks before removing. */
export interface CleanupReporter {
  log(line: string): void;
  warn(line: string): void;
  /**
   * Asks to go on with removing `count` items, showing what they are with `showPlan` first; throws
   * to stop (before showing anything when it cannot ask).
   */
  confirm(count: number, showPlan: () => void): Promise<void>;
}

/** Which ledger entries cleanup acts on, beyond those of the account of its credentials. */
export interface CleanupScope {
  /**
   * Also the entries recorded without their account (by an iamtrail before cache schema 14): the
   * caller says they were created with these credentials.
   */
  readonly includeUnattributed: boolean;
}

const NOT_OURS = `it no longer carries iamtrail's marker (${IAMTRAIL_MARKER}): someone else recreated it under this name`;

/** Athena's query execution ids (UUIDs). */
const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a query's recorded result location is the object Athena writes for it under the results
 * location iamtrail uses (`athena.output_s3_bucket`/`results_prefix`): `<location><query id>.csv`
 * (`.txt` for a statement without rows). The ledger is only a file: a location it names elsewhere
 * is not removed.
 */
export function isOwnResultLocation(
  query: { readonly queryId: string; readonly outputLocation: string },
  resultsLocation: string,
): boolean {
  const base = resultsLocation.endsWith('/') ? resultsLocation : `${resultsLocation}/`;
  return (
    QUERY_ID.test(query.queryId) &&
    (query.outputLocation === `${base}${query.queryId}.csv` ||
      query.outputLocation === `${base}${query.queryId}.txt`)
  );
}

/**
 * Removes what iamtrail created and only that: the result objects of the queries it ran, its
 * table, its database and its workgroup, as recorded in the cache with the account of the
 * credentials that created them, and each object only while it still carries iamtrail's marker.
 * Only the entries of the account of the current credentials are acted on: a marked object of the
 * same name in that account may be another install's (entries of other accounts, and those
 * recorded without an account unless `scope` includes them, are kept and stay recorded). One
 * failure does not stop the rest; when anything could not be removed, an {@link EngineError} (exit
 * code 3) follows once the rest is done.
 */
export async function cleanUpAthena(
  clients: AwsClients,
  cachePath: string,
  dryRun: boolean,
  openStore: () => Promise<CacheStore>,
  reporter: CleanupReporter,
  scope: CleanupScope & {
    /** Where iamtrail's query results go (`athenaOutputLocation`): only results there are removed. */
    readonly resultsLocation: string;
  },
): Promise<CleanupResult> {
  const store = await openStore();
  try {
    const allQueries = await store.athenaQueries(clients.region);
    const allResources = await store.athenaResources(clients.region);
    if (allQueries.length === 0 && allResources.length === 0) {
      reporter.log(
        `nothing to clean up in ${clients.region}: the cache ${cachePath} records no Athena object or query of iamtrail`,
      );
      return { dryRun, removed: [], kept: [], failed: [] };
    }
    const account = await clients.account();
    const ours = (entry: { readonly account: string | null }): boolean =>
      entry.account === account || (entry.account === null && scope.includeUnattributed);
    const ownQueries = allQueries.filter(ours);
    const foreignResults = ownQueries.filter(
      (query) =>
        query.outputLocation !== null &&
        !isOwnResultLocation({ ...query, outputLocation: query.outputLocation }, scope.resultsLocation),
    );
    const queries = ownQueries.filter((query) => !foreignResults.includes(query));
    const strayResults = foreignResults.map((query) => ({
      kind: 'result-object' as const,
      name: query.outputLocation ?? '',
      reason: `not the result object of query ${query.queryId} under the results location ${scope.resultsLocation} (${query.queryId}.csv): not removed, and it stays recorded`,
    }));
    for (const stray of strayResults)
      reporter.warn(`${dryRun ? 'would keep' : 'kept'} ${stray.kind} ${stray.name}: ${stray.reason}`);
    const resources = order(allResources.filter(ours));
    const elsewhere = keptElsewhere(
      allQueries.filter((query) => !ours(query)),
      allResources.filter((resource) => !ours(resource)),
      account,
      reporter,
      dryRun,
    );
    const objects = resultObjectsOf(queries);
    if (objects.length === 0 && resources.length === 0) {
      reporter.log(
        `nothing to clean up in ${clients.region} for account ${account}: the cache ${cachePath} records no Athena object or query of iamtrail made there`,
      );
      return { dryRun, removed: [], kept: [...strayResults, ...elsewhere], failed: [] };
    }

    // Ownership is read before anything is asked or removed, so a dry run tells the truth too.
    const workgroupArn = workgroupArnOf(clients);
    const removed: CleanupItem[] = [];
    const kept: (CleanupItem & { reason: string })[] = [];
    const failed: (CleanupItem & { error: string })[] = [];
    const plan: { resource: LedgerEntry<AthenaResource>; ownership: Ownership }[] = [];
    for (const resource of resources) {
      try {
        plan.push({ resource, ownership: await checkOwnership(clients, resource, workgroupArn) });
      } catch (error) {
        failed.push({ kind: resource.kind, name: resource.name, error: messageOf(error) });
      }
    }
    const toRemove: CleanupItem[] = [
      ...objects.map((name) => ({ kind: 'result-object' as const, name })),
      ...plan
        .filter((step) => step.ownership === 'owned')
        .map(({ resource }) => ({ kind: resource.kind, name: resource.name })),
    ];
    const showPlan = (): void => {
      for (const item of toRemove)
        reporter.log(`${dryRun ? 'would remove' : 'remove'} ${item.kind} ${item.name}`);
    };
    if (dryRun) showPlan();
    for (const { resource, ownership } of plan) {
      if (ownership === 'foreign')
        reporter.warn(`${dryRun ? 'would keep' : 'kept'} ${resource.kind} ${resource.name}: ${NOT_OURS}`);
      if (ownership === 'gone') reporter.log(`${resource.kind} ${resource.name} is already gone`);
    }
    if (dryRun) {
      reportFailures(failed, reporter);
      return {
        dryRun,
        removed: toRemove,
        kept: [
          ...plan
            .filter((step) => step.ownership === 'foreign')
            .map(({ resource }) => ({ kind: resource.kind, name: resource.name, reason: NOT_OURS })),
          ...strayResults,
          ...elsewhere,
        ],
        failed,
      };
    }
    if (toRemove.length > 0) await reporter.confirm(toRemove.length, showPlan);

    const cleared = await removeResultObjects(clients, objects, removed, failed, (message) => {
      reporter.warn(message);
    });
    await store.forgetAthenaQueries(
      queries
        .filter(
          (query) =>
            query.outputLocation === null ||
            (cleared.has(query.outputLocation) && cleared.has(`${query.outputLocation}.metadata`)),
        )
        .map((query) => query.queryId),
    );
    for (const { resource, ownership } of plan) {
      const item = { kind: resource.kind, name: resource.name };
      if (ownership === 'foreign') {
        // No longer iamtrail's: kept, and no longer on record as created by iamtrail.
        kept.push({ ...item, reason: NOT_OURS });
        await store.forgetAthenaResource(resource);
        continue;
      }
      if (ownership === 'gone') {
        await store.forgetAthenaResource(resource);
        continue;
      }
      try {
        const why = await removeAthenaResource(clients, resource);
        if (why === undefined) {
          removed.push(item);
          await store.forgetAthenaResource(resource);
        } else {
          kept.push({ ...item, reason: why });
          reporter.warn(`kept ${item.kind} ${item.name}: ${why}`);
        }
      } catch (error) {
        failed.push({ ...item, error: messageOf(error) });
      }
    }
    reporter.log(`removed ${removed.length} item(s)`);
    reportFailures(failed, reporter);
    return { dryRun: false, removed, kept: [...kept, ...strayResults, ...elsewhere], failed };
  } finally {
    await store.close();
  }
}

/**
 * The entries cleanup leaves alone, as kept items with why, each group said once: those recorded in
 * another account, and those recorded without one. They stay recorded.
 */
function keptElsewhere(
  queries: readonly LedgerEntry<AthenaQueryRecord>[],
  resources: readonly LedgerEntry<AthenaResource>[],
  account: string,
  reporter: CleanupReporter,
  dryRun: boolean,
): (CleanupItem & { reason: string })[] {
  const kept: (CleanupItem & { reason: string })[] = [];
  const accounts = [...new Set([...queries, ...resources].map((entry) => entry.account))].sort((a, b) =>
    a === null ? 1 : b === null ? -1 : compareText(a, b),
  );
  for (const other of accounts) {
    const reason =
      other === null
        ? `recorded without the account it was created in (by an iamtrail before cache schema 14): it may be another account's; pass --include-unattributed if it was created with these credentials (account ${account})`
        : `recorded in account ${other}, not in ${account} (the account of these credentials): run cleanup with account ${other}'s credentials to remove it`;
    const items: CleanupItem[] = [
      ...resultObjectsOf(queries.filter((query) => query.account === other)).map((name) => ({
        kind: 'result-object' as const,
        name,
      })),
      ...order(resources.filter((resource) => resource.account === other)).map((resource) => ({
        kind: resource.kind,
        name: resource.name,
      })),
    ];
    const objects = items.filter((item) => item.kind === 'result-object').length;
    const named = items
      .filter((item) => item.kind !== 'result-object')
      .map((item) => `${item.kind} ${item.name}`);
    const what = [...named, ...(objects > 0 ? [`${objects} query result object(s)`] : [])].join(', ');
    reporter.warn(`${dryRun ? 'would keep' : 'kept'} ${what}: ${reason}`);
    kept.push(...items.map((item) => ({ ...item, reason })));
  }
  return kept;
}

/** Warns about each failed removal, then fails the command (exit 3) if there was any. */
function reportFailures(
  failed: readonly (CleanupItem & { error: string })[],
  reporter: CleanupReporter,
): void {
  if (failed.length === 0) return;
  for (const item of failed) reporter.warn(`could not remove ${item.kind} ${item.name}: ${item.error}`);
  throw new EngineError(
    `cleanup incomplete: ${failed.length} item(s) could not be removed or checked; the rest was done`,
    {
      suggestions: [
        'What failed stays recorded in the cache: fix the cause (see the warnings above) and run cleanup again',
        'Run `iamtrail permissions` for the IAM policy cleanup needs',
      ],
    },
  );
}

/** Tables before databases, so a database is empty when its turn comes; by name within a kind. */
function order<T extends AthenaResource>(resources: readonly T[]): T[] {
  const rank = { table: 0, workgroup: 1, database: 2 } as const;
  return [...resources].sort((a, b) => rank[a.kind] - rank[b.kind] || compareText(a.name, b.name));
}
