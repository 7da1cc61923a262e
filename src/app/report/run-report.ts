import { DEFAULT_DIFF_FILTER } from '../../analysis/action-diff.js';
import type { DiffFilter } from '../../analysis/action-diff.js';
import {
  buildIdentityListReport,
  filterDiffReport,
  findLogsOnlyIdentity,
} from '../../analysis/activity-report.js';
import type { AdvisorUse } from '../../analysis/advisor-evidence.js';
import { sortRoleCallers } from '../../analysis/activity-order.js';
import { selectorsForAccount } from '../../analysis/event-selectors.js';
import { judgeGrants } from '../../analysis/principal-verdicts.js';
import type { PrincipalVerdicts } from '../../analysis/principal-verdicts.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import { findAccount } from '../../config/load-config.js';
import type { AccountConfig } from '../../config/load-config.js';
import type { AuthorizationDetails, IamPrincipal } from '../../iam/authorization-details.js';
import { assumableRoles } from '../../iam/assumable-roles.js';
import { computeGrantedActions } from '../../iam/granted-actions.js';
import type { GrantedActions } from '../../iam/granted-actions.js';
import type { AssumableRole, KnownRole } from '../../iam/assumable-roles.js';
import { createLogsOnlyPrincipal, findPrincipal, principalsOf } from '../../iam/principals.js';
import { listedRoles } from '../../cache/activity-queries.js';
import { knownRolesOf } from './known-roles.js';
import { loadWindow, logFoldersOf, openCacheEarly, planLogs } from './load-window.js';
import type { LoadedWindow } from './load-window.js';
import type { ReportOptions, ReportResult } from './report-types.js';
import { namesInLogs, requirePrincipal, unknownPrincipalError } from './require-principal.js';

/**
 * Answers the root command's question: resolves the account, reads its IAM data, checks the user
 * or role exists (before any log is read), brings the cache up to date for the window (the engine
 * reads only the days the cache lacks, one call per contiguous range), and runs the analysis on
 * what the cache holds. The action data (`data/`, by default) is loaded only for a user or role's
 * diff: a list or the callers of a role need none of it.
 */
export async function runReport(options: ReportOptions, data?: ActionData): Promise<ReportResult> {
  const account = findAccount(options.config, options.account);
  // Flags and config are checked before anything is read.
  const plan = planLogs(options.config, options.logs, options.engine);
  const athena = options.config.athena;
  const { window } = options;
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
  // The cache opens (on a DuckDB thread) while the IAM data is read from its file; never while
  // it is fetched from AWS, which may take long enough for a read lock to hold up other processes.
  const early =
    account.iam !== undefined && (question.kind === 'list' || question.destAccount === undefined)
      ? openCacheEarly({ plan, cache: options.cache, readOnly: true })
      : undefined;
  let details: AuthorizationDetails;
  let destAccount: AccountConfig;
  let destDetails: AuthorizationDetails;
  let destRole: IamPrincipal | undefined;
  let principalInIam: IamPrincipal | undefined;
  let loaded: LoadedWindow;
  try {
    details = await loadDetails(account);
    // Everything the question names is checked before any log is read, but for a user or role
    // the IAM data lacks: the logs may hold it (see below).
    principalInIam =
      question.kind === 'principal' ? findPrincipal(details, question.type, question.name) : undefined;
    const destRoleName = question.kind === 'list' ? undefined : question.destRole;
    destAccount =
      question.kind === 'list' || question.destAccount === undefined
        ? account
        : findAccount(options.config, question.destAccount);
    destDetails = destAccount === account ? details : await loadDetails(destAccount);
    destRole =
      destRoleName === undefined
        ? undefined
        : requirePrincipal(destDetails, { type: 'role', name: destRoleName }, destAccount);

    loaded = await loadWindow({
      config: options.config,
      plan,
      cache: options.cache,
      ...(early === undefined ? {} : { early }),
      window,
      // The accounts whose logs the answer rests on.
      accounts: [account, ...(destAccount.id === account.id ? [] : [destAccount])],
      skipSetup: options.skipSetup,
      reporter: options.reporter,
      // The report writes nothing to the cache but the days it reads.
      readOnly: true,
      // --list users reads each user's calls per day and outcome, never a caller nor an event.
      ...(question.kind === 'list' && question.type === 'user' ? { actorsOnly: true } : {}),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.cacheOnly === undefined ? {} : { cacheOnly: options.cacheOnly }),
      ...(options.maxScanBytes === undefined ? {} : { maxScanBytes: options.maxScanBytes }),
    });
  } catch (error) {
    // loadWindow closes the store it took; one it never took is closed here.
    await early?.discard();
    throw error;
  }
  const { store, source, logs } = loaded;
  try {
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
      // A role's rows and its callers from one read of the account's role sessions; then who
      // assumed its roles.
      const { rows, callers, assumptions } =
        type === 'role'
          ? {
              ...listedRoles(await store.accountRoleSessions(source, window, account.id)),
              // After the sessions, on the same connection: at once, it would open another.
              assumptions: await store.accountRoleAssumptions(source, window, account.id),
            }
          : {
              rows: await store.actorRollup(source, window, account.id, 'IAMUser'),
              callers: [],
              assumptions: [],
            };
      return {
        kind: 'list',
        type,
        account,
        window,
        report: buildIdentityListReport(
          principalsOf(details, type),
          type,
          account.id,
          rows,
          sortRoleCallers(callers),
          assumptions,
        ),
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
    const useAdvisor = options.advisor ?? true;
    // The evidence's queries are asked at once, before the JavaScript that needs none of their
    // rows (the roles this principal may assume, the action data), so that they run on DuckDB's
    // threads while the action data loads: on a cache opened read-only each on a connection of its
    // own, at once, else one after the other; each step of a query waits for a turn of the event
    // loop (docs/benchmarks.md).
    const evidence =
      destRole === undefined
        ? allSettled([
            store.actorEventCalls(source, window, principal.arn),
            store.accountEvents(source, window, account.id),
            useAdvisor ? store.advisorSnapshots({ arns: [principal.arn] }) : Promise.resolve([]),
            store.roleCallers(source, window, { callers: callerIds }),
            store.assumedRoles(source, window, principal.arn, callerIds),
          ] as const)
        : allSettled([
            store.actorEventCalls(source, window, destRole.arn, callerIds),
            store.accountEvents(source, window, destAccount.id),
            Promise.resolve([]),
            Promise.resolve([]),
            Promise.resolve([]),
          ] as const);
    // Handled from now on: a query that fails while the steps below run is not an unhandled rejection.
    evidence.catch(() => undefined);
    let actionData: ActionData;
    let assumable: AssumableRole[];
    let knownRoles: KnownRole[];
    let grants: GrantedActions;
    try {
      // A turn of the event loop between the steps lets the first query go on to its next step
      // (sent, prepared, run): the longest step, the action data, runs while DuckDB runs it.
      await nextTurn();
      knownRoles = knownRolesOf(options.config, [
        [account, details],
        [destAccount, destDetails],
      ]);
      assumable = assumableRoles(
        details,
        principal,
        knownRoles.filter((role) => role.arn !== self.arn),
      ).roles;
      await nextTurn();
      actionData = data ?? loadActionData();
      // The grants compared, while the queries run: with --destrole the role's, else the
      // principal's own.
      await nextTurn();
      grants =
        destRole === undefined
          ? computeGrantedActions(details, principal, actionData.catalog)
          : computeGrantedActions(destDetails, destRole, actionData.catalog);
    } catch (error) {
      // The store closes only once no query of it is running.
      await evidence.catch(() => undefined);
      throw error;
    }
    const [actorRows, accountEvents, snapshots, used, assumed] = await evidence;
    // The selectors of the trail whose logs are judged: the account of the events read.
    const judgedAccount = destRole === undefined ? account : destAccount;
    const trail = selectorsForAccount(options.selectors, judgedAccount, logFoldersOf(options.config, plan));
    if (trail.skipped !== undefined) options.reporter.warn(trail.skipped);
    if (trail.caution !== undefined) options.reporter.warn(trail.caution);
    /** The diff of the grants against `actorRows`, with the evidence of its account. */
    const diffOf = (advisor: boolean, grantsVia?: string): PrincipalVerdicts =>
      judgeGrants({
        grants,
        actorRows,
        accountEvents,
        mapper: actionData.mapper,
        catalog: actionData.catalog,
        ...trail.judged,
        ...(grantsVia === undefined ? {} : { grantsVia }),
        ...(advisor ? { advisor: { snapshot: snapshots[0], window, createdAt: principal.createDate } } : {}),
      });
    const answered = {
      kind: 'principal',
      account,
      window,
      principal,
      ...logsOnly,
      filter,
      logs,
      ...(trail.skipped === undefined ? {} : { eventSelectorsNotApplied: trail.skipped }),
      ...(trail.caution === undefined ? {} : { eventSelectorsCaution: trail.caution }),
    } as const;
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
        report: filterDiffReport(diffOf(false, destRole.name).report, filter),
        accessAdvisor,
      };
    }
    // Access Advisor settles "?" lines before the filters, so --ignore-unknown and the totals see
    // the settled statuses.
    const settled = diffOf(useAdvisor);
    const report = filterDiffReport(settled.report, filter);
    // A session's call, refused or not, shows that the role was assumed: AssumeRole succeeded. So
    // does the principal's own successful AssumeRole call naming the role, whose session may have
    // made no call the trail logs (S3 object reads without data events).
    const usage = new Map<
      string,
      { calls: number; refusedCalls: number; assumptions: number; lastSeen: string }
    >();
    const noUse = { calls: 0, refusedCalls: 0, assumptions: 0, lastSeen: '' };
    for (const entry of sortRoleCallers(used)) {
      const seen = usage.get(entry.roleArn) ?? noUse;
      usage.set(entry.roleArn, {
        ...seen,
        calls: seen.calls + entry.calls - entry.denied - entry.failed,
        refusedCalls: seen.refusedCalls + entry.denied + entry.failed,
        lastSeen: entry.lastSeen > seen.lastSeen ? entry.lastSeen : seen.lastSeen,
      });
    }
    for (const entry of assumed) {
      const seen = usage.get(entry.roleArn) ?? noUse;
      usage.set(entry.roleArn, {
        ...seen,
        assumptions: entry.assumptions,
        lastSeen: entry.lastSeen > seen.lastSeen ? entry.lastSeen : seen.lastSeen,
      });
    }
    // A role it used that the loaded IAM data does not list (of an account not in the config or
    // without an iam: file, or one the account's IAM file lacks): its own policies are asked about
    // that role too, so that one they name is not a "+" (a role its policies do not name).
    const known = new Set(knownRoles.map((role) => role.arn));
    const unknownUsed = [...usage.keys()].filter((arn) => !known.has(arn) && arn !== self.arn);
    const assumableOrUsed =
      unknownUsed.length === 0
        ? assumable
        : [
            ...assumable,
            ...assumableRoles(
              details,
              principal,
              unknownUsed.map((arn) => {
                const accountId = arn.split(':')[4] ?? '';
                const configured = options.config.accounts.find((entry) => entry.id === accountId);
                return {
                  arn,
                  name: arn.slice(arn.lastIndexOf('/') + 1),
                  accountId,
                  accountName: configured?.name ?? accountId,
                };
              }),
            ).roles,
          ].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
    const assumableRolesUsage = assumableOrUsed.map((role) => {
      const seen = usage.get(role.arn);
      return {
        name: role.name,
        arn: role.arn,
        account: { name: role.accountName, id: role.accountId },
        conditional: role.conditional,
        used: seen !== undefined,
        calls: seen?.calls ?? 0,
        refusedCalls: seen?.refusedCalls ?? 0,
        assumptions: seen?.assumptions ?? 0,
        lastSeen: seen?.lastSeen,
      };
    });
    const named = new Set(assumableOrUsed.map((role) => role.arn));
    const otherRolesUsed = [...usage]
      .filter(([arn]) => !named.has(arn))
      .map(([arn, seen]) => ({ arn, ...seen }))
      .sort((a, b) => (a.arn < b.arn ? -1 : 1));
    return {
      ...answered,
      report,
      assumableRoles: filter.showUsed ? assumableRolesUsage.filter((role) => role.used) : assumableRolesUsage,
      otherRolesUsed,
      accessAdvisor: settled.advisor,
    };
  } finally {
    await store.close();
  }
}

/**
 * The values of `pending` once every one has settled, or the first error: unlike `Promise.all`,
 * never while one of them still runs (a store must not close under its queries).
 */
export async function allSettled<T extends readonly unknown[]>(pending: {
  readonly [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Resolves after the event loop's next turn: what DuckDB finished meanwhile goes on. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}
