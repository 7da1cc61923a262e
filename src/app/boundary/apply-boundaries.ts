import {
  planBoundaryTags,
  sameDocument,
  whyRefuseBoundary,
  whyRefuseSharedPolicy,
  whyRefuseWidening,
} from '../../analysis/boundary-changes.js';
import type { BoundarySnapshot, BoundaryTagInput } from '../../analysis/boundary-changes.js';
import { replayBoundary, selfLockouts, unmappedOutsideBoundary } from '../../analysis/boundary-plan.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import { InterruptedError, isInterrupted, messageOf } from '../../errors.js';
import { versionToDelete } from '../../iam/boundary-state.js';
import type { BoundaryState, PrincipalTag } from '../../iam/boundary-state.js';
import {
  resolveBoundaryAccount,
  snapshotTime,
  newSnapshotId,
  openBoundaryTarget,
  openSnapshotStore,
  snapshotCachePath,
} from './boundary-target.js';
import type { OpenTarget } from './boundary-target.js';
import { planBoundariesOf } from './plan-boundaries.js';
import type { ApplyEvidence, BoundaryPlanOptions, BoundaryPrincipalPlan } from './plan-boundaries.js';

/*
 * `iamtrail boundary apply`: the plan of `boundary plan`, then per planned principal: the replay
 * of its observed calls (used and ungranted actions of the period) against the new boundary (a
 * call it would deny refuses the principal), its state read from IAM, and, once confirmed
 * (`--yes`, or the question at a terminal), a snapshot written to the cache before any change,
 * the policy iamtrail-boundary-<role|user>-<name> created (refused when anything else uses it) or given a new default version, set as its
 * boundary, and the iamtrail:* tags; the snapshot is then marked applied or failed. Without
 * confirmation nothing is changed: the result says what would be. Only the principals asked
 * about and only policies named iamtrail-boundary-* are touched; a boundary iamtrail did not
 * create is replaced only with `--replace-boundary`.
 */

/** What `boundary apply` was asked. */
export interface BoundaryApplyOptions extends BoundaryPlanOptions {
  readonly replaceBoundary: boolean;
  /**
   * Asked once the dry run is known: `true` applies it. `--yes` answers yes; the command asks at
   * a terminal; without one nothing is applied.
   */
  readonly confirm: (preview: BoundaryApplyDocument) => Promise<boolean>;
}

/** What apply does, or would do, to the policy. */
export type PolicyChange =
  | { readonly kind: 'create' }
  | { readonly kind: 'new-version'; readonly previousDefault: string; readonly deletes: string | null }
  | { readonly kind: 'unchanged'; readonly defaultVersion: string };

/** One principal's outcome. */
export interface BoundaryApplyEntry {
  readonly type: 'user' | 'role';
  readonly name: string;
  readonly arn: string;
  /**
   * `skipped` (the plan gives none), `refused` (replay denies an observed call, a boundary
   * iamtrail did not create, tags over IAM's limits, a document over the size limit), `would-apply`
   * (dry run), `applied`, `failed` (an AWS call or the snapshot's write failed: the reason says
   * what was changed before, or "changed nothing"), `interrupted` (Ctrl-C came before its turn:
   * not applied).
   */
  readonly status: 'skipped' | 'refused' | 'would-apply' | 'applied' | 'failed' | 'interrupted';
  /** Why skipped or refused, the error of a failure. */
  readonly reasons: readonly string[];
  /** Observed actions the new boundary would deny (refused). */
  readonly denied: readonly string[];
  readonly policyArn: string | null;
  /** The boundary before (ARN or `null`) and after. */
  readonly boundaryBefore: string | null;
  readonly boundaryAfter: string | null;
  readonly policy: PolicyChange | null;
  readonly tags: readonly PrincipalTag[];
  /** The snapshot written before the change. */
  readonly snapshotId: string | null;
  /** The policy's default version once applied. */
  readonly newVersion: string | null;
}

/** `iamtrail boundary apply --format json` (schema `iamtrail.boundary-apply/v1`). */
export interface BoundaryApplyDocument {
  readonly schema: 'iamtrail.boundary-apply/v1';
  readonly generatedAt: string;
  readonly account: { readonly name: string; readonly id: string };
  readonly window: { readonly startDay: string; readonly endDay: string };
  /**
   * `true` when nothing was changed: not confirmed, or nothing to apply (every principal skipped
   * or refused: `totals` say which; `--yes` would change nothing either).
   */
  readonly dryRun: boolean;
  /** The cache file holding the snapshots. */
  readonly cache: string;
  readonly principals: readonly BoundaryApplyEntry[];
  readonly totals: {
    readonly principals: number;
    readonly skipped: number;
    readonly refused: number;
    readonly wouldApply: number;
    readonly applied: number;
    readonly failed: number;
    readonly interrupted: number;
  };
}

/** The reason of a principal Ctrl-C came before. */
export const INTERRUPTED_REASON = 'not applied (interrupted)';

type Planned = Extract<BoundaryPrincipalPlan, { status: 'planned' }>;

const policyDocumentText = (entry: Planned): string => JSON.stringify(entry.boundary.document);

/** Computes the dry run, asks, and applies when confirmed. */
export async function applyBoundaries(
  options: BoundaryApplyOptions,
  data: ActionData = loadActionData(),
): Promise<BoundaryApplyDocument> {
  const cachePath = snapshotCachePath(options.cache);
  const account = resolveBoundaryAccount(options.config, options.account);
  const { document: plan, principals, evidence } = await planBoundariesOf(options, data);
  const now = options.now ?? new Date();
  // No AWS call (nor AssumeRole) when the plan gives no principal a boundary.
  if (plan.principals.every((planned) => planned.status === 'skipped'))
    return documentOf(
      plan,
      plan.principals.map((planned) =>
        unchanged(
          { type: planned.type, name: planned.name, arn: planned.arn },
          'skipped',
          planned.detail,
          planned.currentBoundary,
        ),
      ),
      true,
      cachePath,
      now,
    );
  const target = await openBoundaryTarget(account, options.config);
  try {
    const entries: BoundaryApplyEntry[] = [];
    const ready: {
      entry: BoundaryApplyEntry;
      planned: Planned;
      tagInput: BoundaryTagInput;
      gate: StateGate;
    }[] = [];
    for (const planned of plan.principals) {
      const about = { type: planned.type, name: planned.name, arn: planned.arn };
      if (planned.status === 'skipped') {
        entries.push(unchanged(about, 'skipped', planned.detail, planned.currentBoundary));
        continue;
      }
      if (isInterrupted(options.signal)) {
        entries.push(unchanged(about, 'interrupted', INTERRUPTED_REASON, planned.currentBoundary));
        continue;
      }
      const principal = principals.get(planned.arn);
      const observed = [...planned.used, ...planned.ungranted];
      const replay =
        principal === undefined
          ? planned.replay
          : replayBoundary(planned.boundary.document, principal, account.id, observed);
      const denied = [...new Set([...replay.notAllowed, ...planned.replay.notAllowed])].sort();
      const proof = evidence.get(planned.arn);
      const reasons: string[] = [];
      if (!planned.boundary.fits)
        reasons.push(
          `the boundary document has ${planned.boundary.size} characters; IAM allows ${planned.boundary.maxChars}`,
        );
      if (denied.length > 0)
        reasons.push(
          `the new boundary would deny ${denied.length} action(s) it was seen using in the period`,
        );
      const unmapped = unmappedOutsideBoundary(planned.boundary.document, proof?.unmapped ?? []);
      if (unmapped.length > 0)
        reasons.push(
          `it made successful calls the action tables cannot map, of services the new boundary does not allow whole (it might deny them): ${unmapped.map((entry) => `${entry.event} (${entry.calls} call(s))`).join(', ')}`,
        );
      for (const lockout of selfLockouts(planned.boundary.document, observed, proof?.resources ?? []))
        reasons.push(`it would lock itself out: ${lockout.why}`);
      const gate = {
        replaceBoundary: options.replaceBoundary,
        known: principal?.permissionsBoundaryArn,
        proof,
      };
      let state: BoundaryState;
      try {
        state = await readState(target, planned);
        reasons.push(...(await stateReasons(target, planned, state, gate)));
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        // A principal the IAM data names that IAM no longer has, or a read IAM refused: this one alone.
        entries.push(
          unchanged(about, 'failed', `${messageOf(error)}; changed nothing`, planned.currentBoundary),
        );
        continue;
      }
      const tagInput: BoundaryTagInput = {
        counts: planned.counts,
        // The ? actions and the patterns the catalog does not know are of unknown use, not unused.
        unused:
          planned.counts.granted -
          planned.counts.usedGranted -
          planned.unknown.length -
          planned.unknownGrants.length,
        startDay: plan.window.startDay,
        endDay: plan.window.endDay,
        appliedAt: now,
      };
      const tagPlan = planBoundaryTags(state.tags, tagInput);
      if (!tagPlan.ok) reasons.push(`its tags would break IAM's limits: ${tagPlan.problems.join('; ')}`);
      const entry: BoundaryApplyEntry = {
        ...about,
        status: reasons.length > 0 ? 'refused' : 'would-apply',
        reasons,
        denied,
        policyArn: planned.boundary.policyArn,
        boundaryBefore: state.boundaryArn,
        boundaryAfter: reasons.length > 0 ? state.boundaryArn : planned.boundary.policyArn,
        policy: policyChange(state, policyDocumentText(planned)),
        tags: tagPlan.ok ? tagPlan.tags : [],
        snapshotId: null,
        newVersion: null,
      };
      entries.push(entry);
      if (reasons.length === 0) ready.push({ entry, planned, tagInput, gate });
    }
    if (isInterrupted(options.signal)) {
      // Ctrl-C before the question: none of them is applied.
      for (const { entry } of ready)
        entries[entries.indexOf(entry)] = {
          ...entry,
          status: 'interrupted',
          reasons: [INTERRUPTED_REASON],
          boundaryAfter: entry.boundaryBefore,
        };
      return documentOf(plan, entries, true, cachePath, now);
    }
    const preview = documentOf(plan, entries, true, cachePath, now);
    if (ready.length === 0 || !(await options.confirm(preview))) return preview;

    const store = await openSnapshotStore(options.cache, (message) => {
      options.reporter.warn(message);
    });
    try {
      const context = {
        accountId: account.id,
        accountName: account.name,
        now,
        replaceBoundary: options.replaceBoundary,
      };
      for (const { entry, planned, tagInput, gate } of ready) {
        const at = entries.indexOf(entry);
        if (isInterrupted(options.signal)) {
          entries[at] = {
            ...entry,
            status: 'interrupted',
            reasons: [INTERRUPTED_REASON],
            boundaryAfter: entry.boundaryBefore,
          };
          continue;
        }
        try {
          entries[at] = await applyOne(target, store, context, { entry, planned, tagInput, gate });
        } catch (error) {
          // Before its snapshot was written (its state read again, the snapshot's write): nothing changed.
          entries[at] = {
            ...entry,
            status: 'failed',
            reasons: [`${messageOf(error)}; changed nothing`],
            boundaryAfter: entry.boundaryBefore,
          };
        }
      }
    } finally {
      await store.close();
    }
    return documentOf(plan, entries, false, cachePath, now);
  } finally {
    target.close();
  }
}

/** An entry of a principal nothing was done to: skipped, interrupted, or failed before any change. */
function unchanged(
  about: { type: 'user' | 'role'; name: string; arn: string },
  status: 'skipped' | 'interrupted' | 'failed',
  reason: string,
  boundary: string | null,
): BoundaryApplyEntry {
  return {
    ...about,
    status,
    reasons: [reason],
    denied: [],
    policyArn: null,
    boundaryBefore: boundary,
    boundaryAfter: boundary,
    policy: null,
    tags: [],
    snapshotId: null,
    newVersion: null,
  };
}

/** What the checks of the principal's state need besides it. */
interface StateGate {
  readonly replaceBoundary: boolean;
  /** The boundary the IAM data gives the principal. */
  readonly known: string | undefined;
  readonly proof: ApplyEvidence | undefined;
}

/**
 * Why the principal's state in IAM refuses it: a boundary iamtrail did not create (unless
 * replaced, and then only when the new boundary allows nothing it blocks), or a policy something
 * else uses.
 */
async function stateReasons(
  target: OpenTarget,
  planned: Planned,
  state: BoundaryState,
  gate: StateGate,
): Promise<string[]> {
  const reasons: string[] = [];
  const own = planned.boundary.policyArn;
  const refusal = whyRefuseBoundary(state.boundaryArn, own, gate.replaceBoundary);
  if (refusal !== null) reasons.push(refusal);
  else if (state.boundaryArn !== null && state.boundaryArn !== own) {
    const widening = whyRefuseWidening(
      state.boundaryArn,
      gate.known,
      planned.boundary.document,
      gate.proof ?? { outsideBoundary: [], limitedByBoundary: [] },
    );
    if (widening !== null) reasons.push(widening);
  }
  const shared = await whyShared(target, planned, state);
  if (shared !== null) reasons.push(shared);
  return reasons;
}

/**
 * {@link whyRefuseSharedPolicy} of the principal's policy, when it exists: ListEntitiesForPolicy
 * with `PolicyUsageFilter=PermissionsPolicy` (what it is attached to, the principal included) and
 * without a filter (whatever uses it).
 */
async function whyShared(target: OpenTarget, planned: Planned, state: BoundaryState): Promise<string | null> {
  if (state.policy === null || state.policy === undefined) return null;
  const { policyEntities } = await import('../../aws/permission-boundaries.js');
  const policyArn = planned.boundary.policyArn;
  const attached = await policyEntities(target, policyArn, 'PermissionsPolicy');
  const all = await policyEntities(target, policyArn);
  return whyRefuseSharedPolicy(policyArn, { all, attached }, { kind: planned.type, name: planned.name });
}

async function readState(target: OpenTarget, planned: Planned): Promise<BoundaryState> {
  const { readBoundaryState } = await import('../../aws/permission-boundaries.js');
  return readBoundaryState(target, { kind: planned.type, name: planned.name }, planned.boundary.policyArn);
}

function policyChange(state: BoundaryState, document: string): PolicyChange {
  const policy = state.policy;
  if (policy === null || policy === undefined) return { kind: 'create' };
  const current = policy.versions.find((version) => version.id === policy.defaultVersionId);
  if (current !== undefined && sameDocument(current.document, document))
    return { kind: 'unchanged', defaultVersion: policy.defaultVersionId };
  return {
    kind: 'new-version',
    previousDefault: policy.defaultVersionId,
    deletes: versionToDelete(policy.versions)?.id ?? null,
  };
}

function documentOf(
  plan: { account: { name: string; id: string }; window: { startDay: string; endDay: string } },
  entries: readonly BoundaryApplyEntry[],
  dryRun: boolean,
  cache: string,
  now: Date,
): BoundaryApplyDocument {
  const count = (status: BoundaryApplyEntry['status']): number =>
    entries.filter((entry) => entry.status === status).length;
  return {
    schema: 'iamtrail.boundary-apply/v1',
    generatedAt: now.toISOString(),
    account: plan.account,
    window: plan.window,
    dryRun,
    cache,
    principals: entries,
    totals: {
      principals: entries.length,
      skipped: count('skipped'),
      refused: count('refused'),
      wouldApply: count('would-apply'),
      applied: count('applied'),
      failed: count('failed'),
      interrupted: count('interrupted'),
    },
  };
}

interface ApplyContext {
  readonly accountId: string;
  readonly accountName: string;
  readonly now: Date;
  readonly replaceBoundary: boolean;
}

/**
 * Applies one principal's boundary: state read again (it may have changed since the dry run),
 * snapshot written `pending`, policy, boundary, tags; the snapshot marked `applied` with the new
 * default version, or `failed` with the error and what had been changed before it.
 */
async function applyOne(
  target: OpenTarget,
  store: Awaited<ReturnType<typeof openSnapshotStore>>,
  context: ApplyContext,
  {
    entry,
    planned,
    tagInput,
    gate,
  }: { entry: BoundaryApplyEntry; planned: Planned; tagInput: BoundaryTagInput; gate: StateGate },
): Promise<BoundaryApplyEntry> {
  const aws = await import('../../aws/permission-boundaries.js');
  const principal = { kind: planned.type, name: planned.name };
  const policyArn = planned.boundary.policyArn;
  const document = policyDocumentText(planned);
  const state = await aws.readBoundaryState(target, principal, policyArn);
  const refusals = await stateReasons(target, planned, state, gate);
  const tagPlan = planBoundaryTags(state.tags, tagInput);
  if (refusals.length > 0 || !tagPlan.ok)
    return {
      ...entry,
      status: 'refused',
      reasons: ['its state changed since the dry run', ...refusals, ...(tagPlan.ok ? [] : tagPlan.problems)],
    };
  const policy = state.policy ?? null;
  const previousDefault = policy?.versions.find((version) => version.id === policy.defaultVersionId);
  const snapshot: BoundarySnapshot = {
    id: newSnapshotId(context.now, planned.name),
    accountId: context.accountId,
    principal: { ...principal, arn: state.principal.arn || planned.arn },
    takenAt: snapshotTime(),
    operation: 'apply',
    previousBoundaryArn: state.boundaryArn,
    previousTags: state.tags,
    policyArn,
    policyExisted: policy !== null,
    previousDefaultVersion: policy?.defaultVersionId ?? null,
    previousPolicyDocument: previousDefault?.document ?? null,
    newVersion: null,
    appliedTags: tagPlan.tags,
    restoresSnapshotId: null,
    message: null,
    state: 'pending',
  };
  await store.writeBoundarySnapshot(snapshot);
  const done: string[] = [];
  let newVersion: string | null = policy?.defaultVersionId ?? null;
  try {
    const change = policyChange(state, document);
    if (change.kind === 'create') {
      const written = await aws.createBoundaryPolicy(target, {
        name: planned.boundary.policyName,
        document,
        description: `iamtrail boundary of ${planned.type} ${planned.name}: what it used from ${tagInput.startDay} to ${tagInput.endDay}`,
      });
      newVersion = written.versionId;
      done.push(`created the policy ${policyArn} (${written.versionId})`);
    } else if (change.kind === 'new-version') {
      const written = await aws.addBoundaryPolicyVersion(target, policyArn, document);
      newVersion = written.versionId;
      done.push(
        `added version ${written.versionId} of ${policyArn} as the default${written.deleted === null ? '' : ` (deleted version ${written.deleted.id}: IAM keeps five)`}`,
      );
    }
    if (state.boundaryArn !== policyArn) {
      await aws.putPermissionsBoundary(target, principal, policyArn);
      done.push(`set the boundary to ${policyArn}`);
    }
    await aws.tagPrincipal(target, principal, tagPlan.tags, state.tags);
    done.push('tagged it');
    const marked = await markQuietly(store, snapshot.id, { state: 'applied', newVersion });
    return {
      ...entry,
      status: 'applied',
      snapshotId: snapshot.id,
      newVersion,
      tags: tagPlan.tags,
      reasons: marked === null ? [] : [marked],
    };
  } catch (error) {
    const lost = error instanceof aws.PolicyVersionLostError ? error.deleted : null;
    const message =
      `${messageOf(error)}; changed before the failure: ${done.length === 0 ? 'nothing' : done.join('; ')}` +
      (lost === null
        ? ''
        : `; version ${lost.id} of ${policyArn} was deleted to make room: its document was ${lost.document}`) +
      (done.length === 0
        ? ''
        : `; to undo: iamtrail boundary rollback --account ${context.accountName} --${planned.type} ${planned.name} --to ${snapshot.id} --yes`);
    const marked = await markQuietly(store, snapshot.id, { state: 'failed', newVersion, message });
    return {
      ...entry,
      status: 'failed',
      reasons: [message, ...(marked === null ? [] : [marked])],
      snapshotId: snapshot.id,
      newVersion,
    };
  }
}

/**
 * Marks a snapshot; a failure to is said (returned), never thrown: the change it records is made
 * and the result must say so.
 */
async function markQuietly(
  store: Awaited<ReturnType<typeof openSnapshotStore>>,
  snapshotId: string,
  outcome: Parameters<Awaited<ReturnType<typeof openSnapshotStore>>['markBoundarySnapshot']>[1],
): Promise<string | null> {
  try {
    await store.markBoundarySnapshot(snapshotId, outcome);
    return null;
  } catch (error) {
    return `the snapshot ${snapshotId} could not be marked ${outcome.state} in the cache (${messageOf(error)}): it still says pending`;
  }
}
