import { expandActionPattern } from '../../actions/action-pattern.js';
import {
  buildBoundary,
  countBoundary,
  replayBoundary,
  selfLockouts,
  whyNoUseSkip,
  whySkip,
} from '../../analysis/boundary-plan.js';
import type {
  BoundaryCounts,
  BoundaryLevel,
  BoundaryReplay,
  BoundarySkip,
  ObservedResource,
  PlannedBoundary,
  UnmappedCalls,
} from '../../analysis/boundary-plan.js';
import { isUnprovenUnused } from '../../analysis/activity-report.js';
import { selectorsForAccount } from '../../analysis/event-selectors.js';
import { judgePrincipal } from '../../analysis/principal-verdicts.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import type { DayWindow } from '../../cli/window.js';
import type { AccountConfig, Config } from '../../config/load-config.js';
import type { EngineReporter } from '../../engines/engine.js';
import { ConfigError } from '../../errors.js';
import type { AuthorizationDetails, IamPrincipal } from '../../iam/authorization-details.js';
import { computeGrantedActions } from '../../iam/granted-actions.js';
import type { GrantedActions, UnknownGrant } from '../../iam/granted-actions.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import { periodCoverage } from '../audit/run-audit.js';
import { loadWindow, logFoldersOf, planLogs } from '../report/load-window.js';
import type { EngineName, LogsSummary } from '../report/report-types.js';
import { requirePrincipal } from '../report/require-principal.js';
import { resolveBoundaryAccount } from './boundary-target.js';
import type { BoundaryAccount } from './boundary-target.js';
import type { TrailSelectors } from '../../analysis/trail-recording.js';

/*
 * `iamtrail boundary plan`: per principal of one account, the permission boundary a usage-driven
 * run would set (read-only: nothing is written to AWS). The verdicts are the report's and the
 * audit's (`judgePrincipal`, Access Advisor included when collected) over the period the logs
 * must cover whole; the document, its size, the skip rules and the replay are pure in
 * `analysis/boundary-plan`.
 */

/** Which principals a plan is about. */
export type BoundarySelection =
  | { readonly kind: 'role'; readonly name: string }
  | { readonly kind: 'user'; readonly name: string }
  | { readonly kind: 'all-roles' };

/** What the plan was asked. */
export interface BoundaryPlanOptions {
  readonly config: Config;
  /** `--account` (name or id), or the account `--org` resolved. */
  readonly account: BoundaryAccount;
  readonly selection: BoundarySelection;
  /** The period: `--unused-days` days ending `--end`. */
  readonly window: DayWindow;
  readonly unusedDays: number;
  readonly level: BoundaryLevel;
  readonly logs: string | undefined;
  readonly engine: EngineName | undefined;
  readonly cache: CacheSettings;
  readonly reporter: EngineReporter & { note(message: string): void };
  readonly signal?: AbortSignal;
  readonly now?: Date;
  /** `boundary apply --replace-boundary`: a principal whose boundary iamtrail did not create is planned, not skipped. */
  readonly replaceBoundary?: boolean;
  /** `--event-selectors`: what the trail records, exactly; otherwise inferred from the logs. */
  readonly selectors?: TrailSelectors;
}

/** One principal's plan: a boundary, or why it gets none. */
export type BoundaryPrincipalPlan = {
  readonly type: 'user' | 'role';
  readonly name: string;
  readonly arn: string;
  /** The principal's permission boundary now (ARN), or `null`. */
  readonly currentBoundary: string | null;
} & (
  | {
      readonly status: 'planned';
      /** Granted actions used in the period (the report's used lines, Access Advisor's settled use). */
      readonly used: readonly string[];
      /**
       * Actions used but not granted (the report's `+` lines): allowed by something else (a
       * resource policy, a group…); not put in the boundary, which cannot widen a grant.
       */
      readonly ungranted: readonly string[];
      /** Granted actions of unknown use (`?`): kept in the boundary, nothing proves them unused. */
      readonly unknown: readonly string[];
      /** Services Access Advisor says were used with no action of them in the logs: allowed whole. */
      readonly advisorServices: readonly string[];
      /**
       * Granted patterns the action catalog does not know (`newsvc:*`, `s3:FutureAction`): of
       * unknown use, kept in the boundary as written, and counted in `counts` (one each).
       */
      readonly unknownGrants: readonly PlannedUnknownGrant[];
      readonly counts: BoundaryCounts;
      readonly boundary: PlannedBoundary;
      readonly replay: BoundaryReplay;
    }
  | ({ readonly status: 'skipped' } & BoundarySkip)
);

/** A granted pattern the catalog does not know, as the plan names it. */
export type PlannedUnknownGrant = Omit<UnknownGrant, 'limitedBy'>;

/** `iamtrail boundary plan --format json` (schema `iamtrail.boundary-plan/v1`). */
export interface BoundaryPlanDocument {
  readonly schema: 'iamtrail.boundary-plan/v1';
  readonly generatedAt: string;
  readonly account: { readonly name: string; readonly id: string };
  readonly window: { readonly startDay: string; readonly endDay: string };
  readonly settings: {
    readonly unusedDays: number;
    readonly level: BoundaryLevel;
    readonly baseActions: readonly string[];
    readonly exclude: readonly string[];
    /** The `--event-selectors` file the verdicts used for this account, or null. */
    readonly eventSelectors: string | null;
    /** `--event-selectors` given but not applied to this account (another trail's): why; else null. */
    readonly eventSelectorsNotApplied: string | null;
    /** `--organization-trail`, and the account's logs lie in its own folders (`AWSLogs/<account>/`): why a "-" may be wrong; else null. */
    readonly eventSelectorsCaution: string | null;
  };
  /** What the logs of the account hold of the period. */
  readonly coverage: {
    readonly covers: string;
    /** Every day of the period holds logs of the account: the condition for any boundary. */
    readonly coversPeriod: boolean;
    /** Log files of the period that could not be read: their calls are missing from what was used. */
    readonly unreadableFiles: number;
  };
  readonly logs: LogsSummary;
  readonly accessAdvisor: { readonly principals: number };
  readonly principals: readonly BoundaryPrincipalPlan[];
  readonly totals: {
    readonly principals: number;
    readonly planned: number;
    readonly skipped: number;
    readonly notFitting: number;
    readonly replayFailures: number;
  };
}

/** Plans the boundaries; throws a usage or config error (exit 2) before reading any log. */
export async function planBoundaries(
  options: BoundaryPlanOptions,
  data: ActionData = loadActionData(),
): Promise<BoundaryPlanDocument> {
  return (await planBoundariesOf(options, data)).document;
}

/** A plan and the principals it is about, as the IAM data gives them (by ARN), for `boundary apply`'s replay. */
export interface BoundaryPlanWithPrincipals {
  readonly document: BoundaryPlanDocument;
  readonly principals: ReadonlyMap<string, IamPrincipal>;
  /** Per planned principal (by ARN), what `boundary apply` checks before it sets the boundary. */
  readonly evidence: ReadonlyMap<string, ApplyEvidence>;
}

/** What apply's gates need of a planned principal, read with the plan. */
export interface ApplyEvidence {
  /** Actions its policies grant that its current boundary blocks (computeGrantedActions). */
  readonly outsideBoundary: readonly string[];
  /**
   * Granted actions (and granted patterns the catalog does not know) its current boundary allows
   * only on some resources or under conditions (a `limitedBy` statement of the boundary,
   * computeGrantedActions).
   */
  readonly limitedByBoundary: readonly string[];
  /** Its successful calls the mapper cannot map, by event. */
  readonly unmapped: readonly UnmappedCalls[];
  /**
   * The resources its successful calls of the actions the new boundary denies on itself acted on
   * (the cache's resource usage, `target` rows): read only when it was seen making such calls.
   */
  readonly resources: readonly ObservedResource[];
}

/** {@link planBoundaries}, with the principals of the IAM data. */
export async function planBoundariesOf(
  options: BoundaryPlanOptions,
  data: ActionData = loadActionData(),
): Promise<BoundaryPlanWithPrincipals> {
  const { config, window } = options;
  const account = resolveBoundaryAccount(config, options.account);
  const plan = planLogs(config, options.logs, options.engine);
  const baseActions = config.boundary?.base_actions ?? [];
  const exclude = config.boundary?.exclude ?? [];
  for (const [index, pattern] of baseActions.entries()) {
    const expansion = expandActionPattern(data.catalog, pattern);
    if (expansion.kind === 'unknown')
      throw new ConfigError(
        `config file ${config.file}: boundary.base_actions[${index}] ${JSON.stringify(pattern)} matches no IAM action (${expansion.reason})`,
        { suggestions: ['Write actions as iamtrail iam show prints them (ec2:DescribeInstances, s3:List*)'] },
      );
  }
  const details = await loadDetails(account, config);
  const principals: IamPrincipal[] =
    options.selection.kind === 'all-roles'
      ? [...details.roles]
      : [requirePrincipal(details, { type: options.selection.kind, name: options.selection.name }, account)];

  const loaded = await loadWindow({
    config,
    plan,
    cache: options.cache,
    window,
    accounts: [account],
    skipSetup: false,
    reporter: options.reporter,
    noLogs: 'gap',
    // Policies are scoped to the resources the calls used.
    resources: true,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const { store, source, logs } = loaded;
  try {
    // A day counts as covered when the logs hold it; files of it that could not be read are said
    // (their calls are missing from the verdicts), not taken as a missing day.
    const unreadableFiles = (await store.skippedFiles(source, window, [account.id])).length;
    const coverage = {
      ...periodCoverage(
        logs.coverage.find((entry) => entry.account.id === account.id),
        window.startDay,
        window,
        options.unusedDays,
        false,
      ),
      unreadableFiles,
    };
    // Each actor's calls summed per event: what its diff and its unmapped calls read of its rows.
    const rows = await store.accountEventCalls(source, window, account.id);
    const accountEvents = await store.accountEvents(source, window, account.id);
    const trail = selectorsForAccount(options.selectors, account, logFoldersOf(config, plan));
    if (trail.skipped !== undefined) options.reporter.warn(trail.skipped);
    if (trail.caution !== undefined) options.reporter.warn(trail.caution);
    const snapshots = new Map(
      (await store.advisorSnapshots({ accountIds: [account.id] })).map((snapshot) => [
        snapshot.arn.toLowerCase(),
        snapshot,
      ]),
    );
    let advisorPrincipals = 0;
    const grantsOf = new Map<string, GrantedActions>();
    const plans = principals.map((principal): BoundaryPrincipalPlan => {
      const about = {
        type: principal.type,
        name: principal.name,
        arn: principal.arn,
        currentBoundary: principal.permissionsBoundaryArn ?? null,
      };
      const skip = whySkip({
        principal,
        exclude,
        periodStartDay: window.startDay,
        coversPeriod: coverage.coversPeriod,
        covers: coverage.covers,
        unreadableFiles: coverage.unreadableFiles,
        replaceBoundary: options.replaceBoundary === true,
      });
      if (skip !== null) return { ...about, status: 'skipped', ...skip };
      const judged = judgePrincipal({
        details,
        principal,
        actorRows: rows.filter((row) => row.actorArn === principal.arn),
        accountEvents,
        mapper: data.mapper,
        catalog: data.catalog,
        ...trail.judged,
        advisor: { snapshot: snapshots.get(principal.arn.toLowerCase()), window },
      });
      if (judged.advisor?.state === 'applied') advisorPrincipals += 1;
      const lines = judged.report.actions;
      const used = lines.filter((line) => line.status === 'used').map((line) => line.action);
      const ungranted = lines.filter((line) => line.status === 'ungranted').map((line) => line.action);
      // Kept: the granted actions nothing proves unused (the "?" ones, and the "-" ones whose
      // calls failed with another error than access).
      const unknown = lines.filter(isUnprovenUnused).map((line) => line.action);
      const usedServices = new Set(used.map((action) => action.slice(0, action.indexOf(':')).toLowerCase()));
      // "?" lines Access Advisor noted "service used": the service was used, which action is unknown.
      const advisorServices = [
        ...new Set(
          lines
            .filter((line) => line.status === 'unknown' && line.evidence.kind === 'access-advisor:service')
            .map((line) => line.action.slice(0, line.action.indexOf(':')).toLowerCase()),
        ),
      ]
        .filter((service) => !usedServices.has(service))
        .sort();
      const noUse = whyNoUseSkip(used, advisorServices);
      if (noUse !== null) return { ...about, status: 'skipped', ...noUse };
      const grants = computeGrantedActions(details, principal, data.catalog);
      grantsOf.set(principal.arn, grants);
      const unknownGrants = grants.unknownGrants.map(
        ({ limitedBy: _limitedBy, ...grant }): PlannedUnknownGrant => grant,
      );
      const unknownPatterns = unknownGrants.map((grant) => grant.pattern);
      const boundary = buildBoundary({
        principal,
        used,
        unknown,
        advisorServices,
        unknownPatterns,
        baseActions,
        level: options.level,
      });
      const granted = lines.filter((line) => line.status !== 'ungranted').map((line) => line.action);
      return {
        ...about,
        status: 'planned',
        used,
        ungranted,
        unknown,
        advisorServices,
        unknownGrants,
        counts: countBoundary(boundary.document, granted, used, unknown, unknownPatterns),
        boundary,
        replay: replayBoundary(boundary.document, principal, account.id, [
          ...used,
          ...unknown,
          ...unknownPatterns,
        ]),
      };
    });
    const planned = plans.filter((entry) => entry.status === 'planned');
    const byArn = new Map(principals.map((principal) => [principal.arn, principal]));
    const evidence = new Map<string, ApplyEvidence>();
    for (const entry of planned) {
      const principal = byArn.get(entry.arn);
      if (principal === undefined) continue;
      const unmapped = new Map<string, number>();
      for (const row of rows)
        if (row.actorArn === entry.arn && row.outcome === 'ok') {
          const mapping = data.mapper.map(row.eventSource, row.eventName);
          if (mapping.kind === 'unmapped')
            unmapped.set(mapping.event, (unmapped.get(mapping.event) ?? 0) + row.calls);
        }
      const observed = [...entry.used, ...entry.ungranted];
      const resources =
        selfLockouts(entry.boundary.document, observed, []).length === 0
          ? []
          : (await store.resourceUsage(source, window, account.id, entry.arn))
              .filter((row) => row.kind === 'target')
              .flatMap((row) => {
                const mapping = data.mapper.map(row.eventSource, row.eventName);
                return mapping.kind === 'action'
                  ? mapping.actions.map((action) => ({ action, resource: row.resource }))
                  : [];
              });
      const grants = grantsOf.get(entry.arn) ?? computeGrantedActions(details, principal, data.catalog);
      const byBoundary = (grant: { limitedBy: GrantedActions['actions'][number]['limitedBy'] }): boolean =>
        grant.limitedBy.some((ref) => ref.kind === 'boundary');
      evidence.set(entry.arn, {
        outsideBoundary: grants.outsideBoundary,
        limitedByBoundary: [
          ...grants.actions.filter(byBoundary).map((grant) => grant.action),
          ...grants.unknownGrants.filter(byBoundary).map((grant) => grant.pattern),
        ],
        unmapped: [...unmapped]
          .map(([event, calls]) => ({ event, calls }))
          .sort((a, b) => (a.event < b.event ? -1 : 1)),
        resources,
      });
    }
    const document: BoundaryPlanDocument = {
      schema: 'iamtrail.boundary-plan/v1',
      generatedAt: (options.now ?? new Date()).toISOString(),
      account: { name: account.name, id: account.id },
      window: { startDay: window.startDay, endDay: window.endDay },
      settings: {
        unusedDays: options.unusedDays,
        level: options.level,
        baseActions,
        exclude,
        eventSelectors: trail.selectors?.source ?? null,
        eventSelectorsNotApplied: trail.skipped ?? null,
        eventSelectorsCaution: trail.caution ?? null,
      },
      coverage,
      logs,
      accessAdvisor: { principals: advisorPrincipals },
      principals: plans,
      totals: {
        principals: plans.length,
        planned: planned.length,
        skipped: plans.length - planned.length,
        notFitting: planned.filter((entry) => !entry.boundary.fits).length,
        replayFailures: planned.filter((entry) => entry.replay.notAllowed.length > 0).length,
      },
    };
    return { document, principals: byArn, evidence };
  } finally {
    await store.close();
  }
}

/** The account's IAM data: its `iam:` file, else AWS (the SDK loaded only then); shared with `policy generate`. */
export async function loadDetails(account: AccountConfig, config: Config): Promise<AuthorizationDetails> {
  if (account.iam !== undefined) return readAuthorizationDetailsFile(account.iam);
  const [{ createIamClient }, { fetchAuthorizationDetails }] = await Promise.all([
    import('../../aws/aws-clients.js'),
    import('../../aws/iam-authorization-details.js'),
  ]);
  const client = await createIamClient(config.athena?.region, account.role);
  try {
    return await fetchAuthorizationDetails(client, `account ${account.name} (${account.id})`);
  } finally {
    client.destroy();
  }
}
