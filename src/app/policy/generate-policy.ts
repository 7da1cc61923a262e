import { arnAccount } from '../../analysis/activity-report.js';
import { describeSpans } from '../../analysis/log-coverage.js';
import type { DaySpan } from '../../analysis/log-coverage.js';
import {
  createGrantView,
  dependencyOnlyActions,
  generatePolicies,
  grantEvidenced,
} from '../../analysis/policy-generation.js';
import { selectorsForAccount } from '../../analysis/event-selectors.js';
import type { GeneratedPolicy, ResourceScope, ScopedAction } from '../../analysis/policy-generation.js';
import { compileGenerated, generatedAllowPatterns, replayCalls } from '../../analysis/policy-replay.js';
import type { PolicyReplay } from '../../analysis/policy-replay.js';
import { judgePrincipal } from '../../analysis/principal-verdicts.js';
import { DEFAULT_EXACT_LIMIT } from '../../analysis/resource-patterns.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import { describeWindow } from '../../cli/window.js';
import type { DayWindow } from '../../cli/window.js';
import { findAccount } from '../../config/load-config.js';
import type { Config } from '../../config/load-config.js';
import type { EngineReporter } from '../../engines/engine.js';
import { InputDataError } from '../../errors.js';
import { IAM_LIMITS } from '../../iam/boundary-state.js';
import { compilePolicies } from '../../iam/policy-evaluator.js';
import { resolvePassedRoles } from '../../iam/passed-roles.js';
import { principalPolicies } from '../../iam/principal-policies.js';
import { loadDetails } from '../boundary/plan-boundaries.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import { loadWindow, logFoldersOf, planLogs } from '../report/load-window.js';
import type { EngineName, LogsSummary } from '../report/report-types.js';
import { requirePrincipal } from '../report/require-principal.js';
import type { ResourceUsageRow } from '../../trail/resource-usage.js';
import type { TrailSelectors } from '../../analysis/trail-recording.js';

/*
 * `iamtrail policy generate`: the identity policy a principal needs for what it did in a window,
 * from the cache (the days it lacks read from the logs first): its used actions as the report
 * judges them (successful calls, Access Advisor's settled use), the granted `?` actions unless
 * dropped, scoped to the resources its calls named, never broader than its current policies, and
 * replayed against every successful call of the window. The generation, the fitting and the replay
 * are pure in `analysis/policy-generation` and `analysis/policy-replay`.
 */

/** Managed policies IAM attaches to one user or role by default (IAM and AWS STS quotas). */
const MANAGED_POLICIES_PER_PRINCIPAL = 10;

/** What `policy generate` was asked. */
export interface GeneratePolicyOptions {
  readonly config: Config;
  /** `--account` (name or id). */
  readonly account: string;
  readonly principal: { readonly type: 'user' | 'role'; readonly name: string };
  readonly window: DayWindow;
  /** Keep the granted actions of unknown use (`?`). */
  readonly keepUnknown: boolean;
  readonly resources: ResourceScope;
  readonly logs: string | undefined;
  readonly engine: EngineName | undefined;
  readonly cache: CacheSettings;
  /** `--max-scan-gb` in bytes (see `LoadWindowOptions.maxScanBytes`). */
  readonly maxScanBytes?: number;
  /** `--event-selectors`: what the trail records, exactly; otherwise inferred from the logs. */
  readonly selectors?: TrailSelectors;
  readonly reporter: EngineReporter & { note(message: string): void };
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

/** `iamtrail policy generate --json` (schema `iamtrail.policy-generate/v1`). */
export interface PolicyGenerateDocument {
  readonly schema: 'iamtrail.policy-generate/v1';
  readonly generatedAt: string;
  readonly account: { readonly name: string; readonly id: string };
  readonly principal: { readonly type: 'user' | 'role'; readonly name: string; readonly arn: string };
  readonly window: { readonly startDay: string; readonly endDay: string };
  readonly settings: {
    readonly keepUnknown: boolean;
    readonly resources: ResourceScope;
    readonly maxChars: number;
    readonly exactLimit: number;
  };
  /** What the logs hold of the window for the account. */
  readonly coverage: {
    readonly windowDays: number;
    readonly daysWithLogs: number;
    /** Days without logs: calls made on them are not in the policy. */
    readonly gaps: readonly DaySpan[];
    /** Log files of the window that could not be read: their calls are not in the policy. */
    readonly unreadableFiles: number;
    readonly complete: boolean;
  };
  readonly logs: LogsSummary;
  /** Whether Access Advisor's action-level data decided some use (`applied`), and why not otherwise. */
  readonly accessAdvisor: { readonly state: string; readonly detail: string };
  readonly counts: {
    /** Granted actions used in the window. */
    readonly used: number;
    /** Granted `?` actions kept (with `--keep-unknown`) or dropped. */
    readonly unknownKept: number;
    readonly unknownDropped: number;
    /** Actions used but granted by nothing the identity policies hold (the report's `+`): left out. */
    readonly ungranted: number;
    /** Actions in the policies. */
    readonly actions: number;
    /** Actions left out because the grant allows them on no resource seen. */
    readonly dropped: number;
    /** Actions whose statement lists resources (not `*`). */
    readonly scopedActions: number;
    readonly statements: number;
    readonly policies: number;
    /** Characters (no whitespace) of the whole document before any merge or split. */
    readonly sizeBefore: number;
    /** Resource rows of the window in the cache. */
    readonly resourceRows: number;
  };
  readonly policies: readonly (GeneratedPolicy & { readonly maxChars: number; readonly fits: boolean })[];
  /** Actions scoped narrower than `*`, with how. */
  readonly scoped: readonly ScopedAction[];
  readonly ungranted: readonly string[];
  readonly dropped: readonly { readonly action: string; readonly reason: string }[];
  /** What was done, in sentences: kept `?` actions, narrowing, wildcards, splits, gaps. */
  readonly notes: readonly string[];
  readonly replay: PolicyReplay;
}

/** Generates the policy; usage and input errors (exit 2) before anything is printed. */
export async function generatePolicy(
  options: GeneratePolicyOptions,
  data: ActionData = loadActionData(),
): Promise<PolicyGenerateDocument> {
  const { config, window } = options;
  const account = findAccount(config, options.account);
  const plan = planLogs(config, options.logs, options.engine);
  const details = await loadDetails(account, config);
  const principal = requirePrincipal(details, options.principal, account);
  const about = `${principal.type} ${principal.name} (${principal.arn})`;

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
    ...(options.maxScanBytes === undefined ? {} : { maxScanBytes: options.maxScanBytes }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const { store, source, logs } = loaded;
  try {
    const accountCoverage = loaded.coverage.accounts.find((entry) => entry.account.id === account.id);
    const gaps = accountCoverage?.gaps ?? [{ startDay: window.startDay, endDay: window.endDay }];
    const daysWithLogs = accountCoverage?.daysWithLogs ?? 0;
    if (daysWithLogs === 0)
      throw new InputDataError(
        `no policy for ${about}: the logs hold no day of account ${account.name} (${account.id}) in ${describeWindow(window)}; missing: ${describeSpans(gaps, 8)}`,
        {
          suggestions: [
            'Check --logs/--engine and the window (--start, --end): a policy is never generated from no evidence',
          ],
        },
      );
    // The principal's own rows (of its account's actors, as its ARN names the account), found by
    // its key rather than among every actor's of the account.
    const rows =
      arnAccount(principal.arn) === account.id
        ? await store.actorActivity(source, window, principal.arn)
        : [];
    const accountEvents = await store.accountEvents(source, window, account.id);
    // Not applied: said in the notes (JSON and stderr), since the kept "?" actions follow from it.
    const trail = selectorsForAccount(options.selectors, account, logFoldersOf(config, plan));
    // Its calls to other accounts are logged (and their resources kept) under those accounts.
    const recipients = [...new Set([account.id, ...rows.map((row) => row.accountId)])].sort();
    const loggedRows: ResourceUsageRow[] = [];
    for (const recipient of recipients)
      loggedRows.push(...(await store.resourceUsage(source, window, recipient, principal.arn)));
    // A role passed by name or in an instance profile, as its ARN; what the IAM data does not resolve, apart.
    const passed = resolvePassedRoles(loggedRows, details);
    const resourceRows = passed.rows;
    const snapshot = (await store.advisorSnapshots({ accountIds: [account.id] })).find(
      (entry) => entry.arn.toLowerCase() === principal.arn.toLowerCase(),
    );
    const judged = judgePrincipal({
      details,
      principal,
      actorRows: rows,
      accountEvents,
      mapper: data.mapper,
      catalog: data.catalog,
      ...trail.judged,
      advisor: { snapshot, window },
    });
    const lines = judged.report.actions;
    // A check a call makes only on a resource its dependency names (CopyObject's source) comes
    // from that resource's rows, not as a used action on every resource.
    const dependencyOnly = dependencyOnlyActions(rows, data.mapper);
    const used = lines
      .filter((line) => line.status === 'used' && !(line.possiblyUsed && dependencyOnly.has(line.action)))
      .map((line) => line.action);
    const unknown = lines.filter((line) => line.status === 'unknown').map((line) => line.action);
    const ungranted = lines.filter((line) => line.status === 'ungranted').map((line) => line.action);
    const current = principalPolicies(details, principal, account.id, undefined);
    // Over the policies read: a generated policy can rest on nothing else, and those the IAM data
    // lacks are named in the notes (`current.problems`). Counted as missing, they would leave every
    // Allow inconclusive (one of them may deny).
    const currentEvaluator = compilePolicies({ ...current.policies, incomplete: [] });
    const evidenced = grantEvidenced(used, resourceRows, currentEvaluator);
    if (!evidenced)
      throw new InputDataError(
        `no policy for ${about}: no successful call of it granted by its policies in ${describeWindow(window)} (${daysWithLogs} day(s) with logs${gaps.length > 0 ? `; missing: ${describeSpans(gaps, 8)}` : ''})${ungranted.length > 0 ? `; used but not granted: ${ungranted.join(', ')}` : ''}`,
        { suggestions: ['Pick a window in which it was used: a policy is never generated from no evidence'] },
      );
    const grant = createGrantView(current.policies, currentEvaluator);
    const generation = generatePolicies({
      used,
      unknown: options.keepUnknown ? unknown : [],
      resourceRows,
      mapper: data.mapper,
      catalog: data.catalog,
      resourceTypes: data.resourceTypes,
      grant,
      resources: options.resources,
      name: `iamtrail-${principal.type}-${principal.name}`,
      unresolvedRoleEvents: passed.unresolved.map(
        (entry) => data.mapper.map(entry.eventSource, entry.eventName).event,
      ),
    });
    const replay = replayCalls({
      generated: compileGenerated(generation.policies, principal, account.id),
      current: currentEvaluator,
      activity: rows,
      resourceRows,
      mapper: data.mapper,
      resourceTypes: data.resourceTypes,
      unresolvedRoles: passed.unresolved,
      patterns: {
        generated: generatedAllowPatterns(generation.policies),
        current: grant.allowPatterns,
        resolve: grant.resolve,
      },
    });
    if (generation.actions.length === 0)
      throw new InputDataError(
        `no policy for ${about}: its current policies allow none of what it used on the resources its calls named (${generation.dropped
          .map((entry) => `${entry.action}: ${entry.reason}`)
          .join('; ')}); a policy with no statement is never printed`,
        { suggestions: ['Check the resources its calls named (--json lists them), or use --resources star'] },
      );

    const notes: string[] = [];
    if (trail.skipped !== undefined) notes.push(trail.skipped);
    if (trail.caution !== undefined) notes.push(trail.caution);
    if (gaps.length > 0)
      notes.push(
        `the logs hold no day of ${describeSpans(gaps)} (${loaded.coverage.windowDays - daysWithLogs} of ${loaded.coverage.windowDays} days): calls made then are not in the policy`,
      );
    if (logs.unreadableFiles.length > 0)
      notes.push(
        `${logs.unreadableFiles.length} log file(s) of the window could not be read: the calls they hold are not in the policy`,
      );
    for (const problem of current.problems) notes.push(`current policies: ${problem}`);
    if (unknown.length > 0)
      notes.push(
        options.keepUnknown
          ? `kept ${unknown.length} granted action(s) of unknown use (?): nothing proves them unused (--no-keep-unknown drops them)`
          : `dropped ${unknown.length} granted action(s) of unknown use (?) (--no-keep-unknown)`,
      );
    if (ungranted.length > 0)
      notes.push(
        `left out ${ungranted.length} used action(s) no identity policy grants (allowed by something else, e.g. a resource policy${current.problems.length > 0 ? ', or a policy the IAM data lacks' : ''}): ${ungranted.join(', ')}`,
      );
    if (replay.unmapped.calls > 0)
      notes.push(
        `${replay.unmapped.calls} successful call(s) of ${replay.unmapped.events.length} event(s) no IAM action is known for, so the policy may lack what they need and the replay does not check them: ${replay.unmapped.events
          .map((entry) => `${entry.event} (${entry.calls})`)
          .join(', ')}`,
      );
    for (const entry of replay.unresolvedRoles)
      notes.push(
        `${entry.event} passed ${entry.reference} to a service (${entry.calls} call(s)): ${entry.reason}, so the policy lacks iam:PassRole for its role and the replay does not check it`,
      );
    if (judged.report.federatedSessions > 0)
      notes.push(
        `${principal.name} opened federated sessions (${judged.report.federatedSessions} sts:GetFederationToken call(s)): their calls are logged as the federated user, not in this policy`,
      );
    if (resourceRows.length === 0 && options.resources === 'scoped')
      notes.push('the cache holds no resource of these calls: every action is on *, narrowed to the grant');
    const narrowed = generation.actions.filter((entry) => entry.narrowedToGrant);
    if (narrowed.length > 0)
      notes.push(
        `${narrowed.length} action(s) narrowed to the Resource patterns of the current grant: ${narrowed
          .slice(0, 10)
          .map((entry) => entry.action)
          .join(', ')}${narrowed.length > 10 ? ', …' : ''}`,
      );
    const conditioned = generation.actions.filter((entry) =>
      entry.scopes.some((scope) => scope.condition !== undefined),
    );
    if (conditioned.length > 0)
      notes.push(
        `${conditioned.length} action(s) are granted now only under a Condition, copied into their statements: ${conditioned
          .slice(0, 10)
          .map((entry) => entry.action)
          .join(', ')}${conditioned.length > 10 ? ', …' : ''}`,
      );
    if (generation.denies.length > 0)
      notes.push(
        `copied ${generation.denies.length} Deny statement(s) of the current identity policies that apply to these actions into each policy`,
      );
    for (const entry of generation.droppedPatterns)
      notes.push(`left out ${entry.pattern} for ${entry.action}: ${entry.reason}`);
    for (const entry of generation.dropped) notes.push(`left out ${entry.action}: ${entry.reason}`);
    for (const entry of generation.ungrantedResources)
      notes.push(`${entry.action} on ${entry.resource}: not granted by the current policies, left out`);
    if (generation.wildcards.length > 0)
      notes.push(
        `the document has ${generation.sizeBefore} characters, over the limit of ${generation.maxChars}: merged ${generation.wildcards.reduce((sum, entry) => sum + entry.actions, 0)} action(s) into ${generation.wildcards.length} wildcard(s) that match no action outside them in the catalog`,
      );
    if (generation.policies.length > 1)
      notes.push(
        `still over the limit: split into ${generation.policies.length} policies (${generation.policies.map((policy) => policy.name).join(', ')})`,
      );
    if (generation.policies.length > MANAGED_POLICIES_PER_PRINCIPAL)
      notes.push(
        `${generation.policies.length} policies: more than the ${MANAGED_POLICIES_PER_PRINCIPAL} managed policies IAM attaches to a ${principal.type} by default (a quota increase allows 20); --no-keep-unknown drops the ? actions`,
      );
    if (!generation.fits) notes.push('a statement does not fit the limit even alone: the policy is over it');

    const actions = generation.actions.length;
    const statements = generation.policies.reduce((sum, policy) => sum + policy.document.Statement.length, 0);
    return {
      schema: 'iamtrail.policy-generate/v1',
      generatedAt: (options.now ?? new Date()).toISOString(),
      account: { name: account.name, id: account.id },
      principal: { type: principal.type, name: principal.name, arn: principal.arn },
      window: { startDay: window.startDay, endDay: window.endDay },
      settings: {
        keepUnknown: options.keepUnknown,
        resources: options.resources,
        maxChars: IAM_LIMITS.managedPolicyChars,
        exactLimit: DEFAULT_EXACT_LIMIT,
      },
      coverage: {
        windowDays: loaded.coverage.windowDays,
        daysWithLogs,
        gaps,
        unreadableFiles: logs.unreadableFiles.length,
        complete: gaps.length === 0 && logs.unreadableFiles.length === 0,
      },
      logs,
      accessAdvisor: {
        state: judged.advisor?.state ?? 'no-snapshot',
        detail: judged.advisor?.detail ?? '',
      },
      counts: {
        used: used.length,
        unknownKept: options.keepUnknown ? unknown.length : 0,
        unknownDropped: options.keepUnknown ? 0 : unknown.length,
        ungranted: ungranted.length,
        actions,
        dropped: generation.dropped.length,
        scopedActions: generation.actions.filter((entry) =>
          entry.scopes.some((scope) => !scope.resources.includes('*')),
        ).length,
        statements,
        policies: generation.policies.length,
        sizeBefore: generation.sizeBefore,
        resourceRows: loggedRows.length,
      },
      policies: generation.policies.map((policy) => ({
        ...policy,
        maxChars: generation.maxChars,
        fits: policy.size <= generation.maxChars,
      })),
      scoped: generation.actions.filter((entry) =>
        entry.scopes.some((scope) => !scope.resources.includes('*')),
      ),
      ungranted,
      dropped: generation.dropped,
      notes,
      replay,
    };
  } finally {
    await store.close();
  }
}
