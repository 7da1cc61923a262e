import { existsSync } from 'node:fs';

import {
  chooseRollbackSnapshot,
  describeRollbackStep,
  planRollback,
  rollbackPolicyChange,
  whyRefuseSharedPolicy,
  rollbackSnapshotProblem,
} from '../../analysis/boundary-changes.js';
import type { BoundarySnapshot, RollbackStep } from '../../analysis/boundary-changes.js';
import type { Config } from '../../config/load-config.js';
import { InterruptedError, UsageError, messageOf } from '../../errors.js';
import type { BoundaryPrincipal } from '../../iam/boundary-state.js';
import type * as PermissionBoundaries from '../../aws/permission-boundaries.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import {
  resolveBoundaryAccount,
  snapshotTime,
  newSnapshotId,
  openBoundaryTarget,
  openSnapshotStore,
  snapshotCachePath,
} from './boundary-target.js';
import type { BoundaryAccount } from './boundary-target.js';

/*
 * `iamtrail boundary rollback` and `boundary history`. Rollback takes an apply snapshot of the
 * principal (the latest applied one, or `--to`), reads the principal's state now, and restores
 * what the snapshot found (the steps are pure in `analysis/boundary-changes`); once confirmed it
 * writes a snapshot of its own (operation `rollback`) before any change, and marks the restored
 * one `rolled-back`, and with it the principal's apply snapshots after it (restoring what it
 * found undoes them). A rollback that would change the policy's default version is refused, as
 * apply refuses a new version, while the policy is attached to anything as a permissions policy or
 * used by anything else: that change would reach them too. History lists the snapshots of the
 * cache.
 */

/** What `boundary rollback` was asked. */
export interface BoundaryRollbackOptions {
  readonly config: Config;
  /** `--account` (name or id), or the account `--org` resolved. */
  readonly account: BoundaryAccount;
  readonly principal: BoundaryPrincipal;
  /** `--to`: the snapshot to restore; default the principal's latest applied one. */
  readonly to: string | undefined;
  readonly cache: CacheSettings;
  readonly onNotice: (message: string) => void;
  readonly confirm: (preview: BoundaryRollbackDocument) => Promise<boolean>;
  /**
   * `--yes`: with nothing to do, the snapshot is marked rolled back only then (a dry run writes
   * nothing to the cache).
   */
  readonly yes: boolean;
  /** Ctrl-C: checked before the principal's state is read and before its change. */
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

/** `iamtrail boundary rollback --format json` (schema `iamtrail.boundary-rollback/v1`). */
export interface BoundaryRollbackDocument {
  readonly schema: 'iamtrail.boundary-rollback/v1';
  readonly generatedAt: string;
  readonly account: { readonly name: string; readonly id: string };
  readonly principal: { readonly type: 'user' | 'role'; readonly name: string; readonly arn: string };
  /** The snapshot restored. */
  readonly restores: BoundarySnapshot;
  /** `true` when nothing was changed: not confirmed, or refused. */
  readonly dryRun: boolean;
  /** The steps, in words, in the order made (refused: the steps it would have made). */
  readonly steps: readonly string[];
  readonly notes: readonly string[];
  /**
   * `would-roll-back` (dry run), `rolled-back`, `nothing-to-do`, `refused` (its policy is
   * attached to anything as a permissions policy, or used by anything else, and a step would change
   * its default version: nothing changed, the snapshot kept), `failed`.
   */
  readonly status: 'would-roll-back' | 'rolled-back' | 'nothing-to-do' | 'refused' | 'failed';
  /** The rollback's own snapshot. */
  readonly snapshotId: string | null;
  /** Why it failed or was refused. */
  readonly error: string | null;
}

/** Rollback found no snapshot to restore (exit 2; with `--org`, nothing to do in that account). */
export class NoSnapshotError extends UsageError {}

/** Picks the snapshot, computes the steps, asks, and rolls back when confirmed. */
export async function rollbackBoundary(options: BoundaryRollbackOptions): Promise<BoundaryRollbackDocument> {
  const account = resolveBoundaryAccount(options.config, options.account);
  const cachePath = snapshotCachePath(options.cache);
  const who = `${options.principal.kind} ${options.principal.name} of account ${account.name} (${account.id})`;
  if (!existsSync(cachePath))
    throw new NoSnapshotError(`no boundary snapshot of ${who}: the cache ${cachePath} does not exist`, {
      suggestions: ['Pass --cache with the file boundary apply used'],
    });
  const now = options.now ?? new Date();
  const store = await openSnapshotStore(options.cache, options.onNotice);
  try {
    const snapshots = await store.boundarySnapshots({ accountId: account.id, principal: options.principal });
    const { snapshot: restores, note: picked, later } = pickSnapshot(snapshots, options.to, who, cachePath);
    stopIfInterrupted(options.signal, who);
    const aws = await import('../../aws/permission-boundaries.js');
    const target = await openBoundaryTarget(account, options.config);
    try {
      const principal: BoundaryPrincipal = { kind: restores.principal.kind, name: restores.principal.name };
      const current = await aws.readBoundaryState(target, principal, restores.policyArn);
      const plan = planRollback(restores, current, later);
      // Restoring what it found undoes every apply after it: they are marked rolled back with it.
      const undone =
        later.length === 0
          ? []
          : [
              `undoes the later apply snapshot(s) ${later.map((snapshot) => `${snapshot.id} (${snapshot.state})`).join(', ')} too: marked rolled-back with it`,
            ];
      const markRestored = async (): Promise<void> => {
        for (const snapshot of [restores, ...later])
          await store.markBoundarySnapshot(snapshot.id, { state: 'rolled-back' });
      };
      const base = {
        schema: 'iamtrail.boundary-rollback/v1' as const,
        generatedAt: now.toISOString(),
        account: { name: account.name, id: account.id },
        principal: {
          type: principal.kind,
          name: principal.name,
          arn: current.principal.arn || restores.principal.arn,
        },
        restores,
        steps: plan.steps.map(describeRollbackStep),
        notes: [...(picked === null ? [] : [picked]), ...undone, ...plan.notes],
      };
      // The snapshot comes from a file: one apply could not have written is refused, before anything.
      const forged = rollbackSnapshotProblem(restores, { ...principal, arn: base.principal.arn });
      if (forged !== null)
        return {
          ...base,
          steps: [],
          dryRun: true,
          status: 'refused',
          snapshotId: null,
          error: `${forged}: the cache does not hold what apply wrote (a damaged or altered file); nothing was changed`,
        };
      if (plan.steps.length === 0) {
        if (options.yes) await markRestored();
        return { ...base, dryRun: !options.yes, status: 'nothing-to-do', snapshotId: null, error: null };
      }
      const change = rollbackPolicyChange(plan.steps);
      const sharedNow = async (): Promise<string | null> =>
        change === null ? null : whyShared(aws, target, restores.policyArn, principal, change);
      const refused = (why: string): BoundaryRollbackDocument => ({
        ...base,
        dryRun: true,
        status: 'refused',
        snapshotId: null,
        error: `${why}; snapshot ${restores.id} is kept: run rollback again once the policy is detached (a copy of it under another name can take its place there)`,
      });
      const shared = await sharedNow();
      if (shared !== null) return refused(shared);
      const preview: BoundaryRollbackDocument = {
        ...base,
        dryRun: true,
        status: 'would-roll-back',
        snapshotId: null,
        error: null,
      };
      if (!(await options.confirm(preview))) return preview;
      stopIfInterrupted(options.signal, who);
      // Asked at a terminal, the answer can come long after the check: it is made again before any change.
      const sharedSince = await sharedNow();
      if (sharedSince !== null) return refused(`its policy's use changed since the dry run: ${sharedSince}`);

      const restoredTags = plan.steps.flatMap((step) => (step.kind === 'tag' ? step.tags : []));
      const own: BoundarySnapshot = {
        id: newSnapshotId(now, principal.name),
        accountId: account.id,
        principal: { ...principal, arn: base.principal.arn },
        takenAt: snapshotTime(),
        operation: 'rollback',
        previousBoundaryArn: current.boundaryArn,
        previousTags: current.tags,
        policyArn: restores.policyArn,
        policyExisted: current.policy !== null && current.policy !== undefined,
        previousDefaultVersion: current.policy?.defaultVersionId ?? null,
        previousPolicyDocument:
          current.policy?.versions.find((version) => version.id === current.policy?.defaultVersionId)
            ?.document ?? null,
        newVersion: null,
        appliedTags: restoredTags,
        restoresSnapshotId: restores.id,
        message: null,
        state: 'pending',
      };
      await store.writeBoundarySnapshot(own);
      const done: string[] = [];
      const notes = [...base.notes];
      let newVersion: string | null = null;
      try {
        for (const step of plan.steps) {
          const result = await runStep(aws, target, principal, step, notes);
          if (result !== null) newVersion = result;
          done.push(describeRollbackStep(step));
        }
      } catch (error) {
        const message = `${messageOf(error)}; done before the failure: ${done.length === 0 ? 'nothing' : done.join('; ')}`;
        await store.markBoundarySnapshot(own.id, { state: 'failed', newVersion, message });
        return { ...base, notes, dryRun: false, status: 'failed', snapshotId: own.id, error: message };
      }
      await store.markBoundarySnapshot(own.id, {
        state: 'applied',
        newVersion,
        message: notes.length === 0 ? null : notes.join('; '),
      });
      await markRestored();
      return { ...base, notes, dryRun: false, status: 'rolled-back', snapshotId: own.id, error: null };
    } finally {
      target.close();
    }
  } finally {
    await store.close();
  }
}

function pickSnapshot(
  snapshots: readonly BoundarySnapshot[],
  to: string | undefined,
  who: string,
  cachePath: string,
): { snapshot: BoundarySnapshot; note: string | null; later: readonly BoundarySnapshot[] } {
  const choice = chooseRollbackSnapshot(snapshots, to);
  switch (choice.kind) {
    case 'found':
      return choice;
    case 'unknown-id': {
      const applies = snapshots.filter((snapshot) => snapshot.operation === 'apply');
      throw new UsageError(`--to ${to ?? ''}: no snapshot of ${who} has this id in ${cachePath}`, {
        suggestions: [
          applies.length === 0
            ? 'boundary history lists the snapshots'
            : `its apply snapshots: ${applies.map((snapshot) => snapshot.id).join(', ')}`,
        ],
      });
    }
    case 'not-restorable':
      throw new UsageError(`--to ${to ?? ''}: ${choice.why}`);
    case 'none':
      throw new NoSnapshotError(`no applied boundary snapshot of ${who} in ${cachePath}`, {
        suggestions: ['boundary history lists the snapshots'],
      });
  }
}

/** Ctrl-C before the principal's turn: nothing of it is changed. */
function stopIfInterrupted(signal: AbortSignal | undefined, who: string): void {
  if (signal?.aborted === true) throw new InterruptedError(`interrupted: ${who} was not rolled back`);
}

type BoundaryAws = typeof PermissionBoundaries;

/**
 * {@link whyRefuseSharedPolicy} of the policy a rollback step would change, as apply asks it before
 * it writes a version: ListEntitiesForPolicy with `PolicyUsageFilter=PermissionsPolicy` (what it
 * is attached to, the principal included) and without a filter (whatever uses it).
 */
async function whyShared(
  aws: BoundaryAws,
  target: Parameters<BoundaryAws['readBoundaryState']>[0],
  policyArn: string,
  principal: BoundaryPrincipal,
  change: string,
): Promise<string | null> {
  const attached = await aws.policyEntities(target, policyArn, 'PermissionsPolicy');
  const all = await aws.policyEntities(target, policyArn);
  return whyRefuseSharedPolicy(policyArn, { all, attached }, principal, change);
}

/** Makes one step; returns the version made the default, if any. */
async function runStep(
  aws: BoundaryAws,
  target: Parameters<BoundaryAws['readBoundaryState']>[0],
  principal: BoundaryPrincipal,
  step: RollbackStep,
  notes: string[],
): Promise<string | null> {
  switch (step.kind) {
    case 'put-boundary':
      await aws.putPermissionsBoundary(target, principal, step.policyArn);
      return null;
    case 'delete-boundary':
      await aws.deletePermissionsBoundary(target, principal);
      return null;
    case 'untag':
      await aws.untagPrincipal(target, principal, step.keys);
      return null;
    case 'tag':
      await aws.tagPrincipal(target, principal, step.tags);
      return null;
    case 'set-default-version':
      await aws.setDefaultPolicyVersion(target, step.policyArn, step.versionId);
      return step.versionId;
    case 'restore-version':
      return (await aws.addBoundaryPolicyVersion(target, step.policyArn, step.document)).versionId;
    case 'delete-policy-if-unused': {
      const users = await aws.deleteBoundaryPolicyIfUnused(target, step.policyArn);
      if (users.length > 0)
        notes.push(
          `${step.policyArn} is left whole: ${users.join(', ')} use(s) it (as boundary or attached)`,
        );
      return null;
    }
  }
}

/** What `boundary history` was asked. */
export interface BoundaryHistoryOptions {
  readonly config: Config;
  readonly account: string;
  readonly principal: BoundaryPrincipal | undefined;
  readonly cache: CacheSettings;
  readonly onNotice: (message: string) => void;
}

/** `iamtrail boundary history --format json` (schema `iamtrail.boundary-history/v1`). */
export interface BoundaryHistoryDocument {
  readonly schema: 'iamtrail.boundary-history/v1';
  readonly account: { readonly name: string; readonly id: string };
  readonly cache: string;
  /** Oldest first. */
  readonly snapshots: readonly BoundarySnapshot[];
}

/** The snapshots of the account (or of one principal); a cache that does not exist has none (and is not created). */
export async function boundaryHistory(options: BoundaryHistoryOptions): Promise<BoundaryHistoryDocument> {
  const account = resolveBoundaryAccount(options.config, options.account);
  const cachePath = snapshotCachePath(options.cache);
  const base = {
    schema: 'iamtrail.boundary-history/v1' as const,
    account: { name: account.name, id: account.id },
    cache: cachePath,
  };
  if (!existsSync(cachePath)) return { ...base, snapshots: [] };
  const store = await openSnapshotStore(options.cache, options.onNotice);
  try {
    return {
      ...base,
      snapshots: await store.boundarySnapshots({
        accountId: account.id,
        ...(options.principal === undefined ? {} : { principal: options.principal }),
      }),
    };
  } finally {
    await store.close();
  }
}
