import { tagLimitViolations } from '../iam/boundary-state.js';
import type {
  BoundaryPolicyState,
  BoundaryPrincipal,
  BoundaryState,
  PrincipalTag,
} from '../iam/boundary-state.js';
import { boundaryMatcher, boundaryPolicyArn } from './boundary-plan.js';
import type { BoundaryCounts, BoundaryDocument } from './boundary-plan.js';

/*
 * What `boundary apply` and `boundary rollback` change on a principal, decided before any call:
 * the iamtrail:* tags apply sets (within IAM's limits, never at the cost of the principal's own
 * tags), the snapshot it keeps of what was there before, and the steps a rollback takes from such
 * a snapshot and the principal's state now. Pure: the use cases read IAM and make the calls.
 */

/** The tag keys `boundary apply` sets; every one starts with `iamtrail:`. */
export const BOUNDARY_TAG_KEYS = {
  coverage: 'iamtrail:coverage-percent',
  granted: 'iamtrail:granted',
  unused: 'iamtrail:unused',
  window: 'iamtrail:window',
  appliedAt: 'iamtrail:applied-at',
} as const;

/** What a boundary apply found before it changed a principal, and what became of the change. */
export interface BoundarySnapshot {
  /** `YYYYMMDDTHHMMSSZ-<principal>-<random>`: sorts by time, names the principal. */
  readonly id: string;
  readonly accountId: string;
  readonly principal: BoundaryPrincipal & { readonly arn: string };
  /** ISO-8601 UTC, to the millisecond (older snapshots: to the second); orders the snapshots. */
  readonly takenAt: string;
  readonly operation: 'apply' | 'rollback';
  /** The boundary before (`null`: none). */
  readonly previousBoundaryArn: string | null;
  /** Every tag before, in IAM's order. */
  readonly previousTags: readonly PrincipalTag[];
  /** The iamtrail boundary policy the operation wrote or restored. */
  readonly policyArn: string;
  readonly policyExisted: boolean;
  /** The policy's default version before (`null`: it did not exist). */
  readonly previousDefaultVersion: string | null;
  /** That version's document (JSON text), to write it back should the version be gone. */
  readonly previousPolicyDocument: string | null;
  /** The version the operation made the default (`null`: none yet, or none needed). */
  readonly newVersion: string | null;
  /** The tags the operation set. */
  readonly appliedTags: readonly PrincipalTag[];
  /** A rollback's: the apply snapshot it restored. */
  readonly restoresSnapshotId: string | null;
  /** A failure's error and what had been changed before it; a rollback's notes. */
  readonly message: string | null;
  readonly state: BoundarySnapshotState;
}

/**
 * The order of snapshots: by the time they were taken (parsed, so a time to the second and one to
 * the millisecond compare rightly), then by id. The id's random part never decides between two
 * snapshots of different times.
 */
export function compareSnapshots(a: BoundarySnapshot, b: BoundarySnapshot): number {
  const byTime = Date.parse(a.takenAt) - Date.parse(b.takenAt);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Where a snapshot's change stands. */
export const BOUNDARY_SNAPSHOT_STATES = ['pending', 'applied', 'failed', 'rolled-back'] as const;
/** One of {@link BOUNDARY_SNAPSHOT_STATES}. */
export type BoundarySnapshotState = (typeof BOUNDARY_SNAPSHOT_STATES)[number];

/** The figures apply writes as tags. */
export interface BoundaryTagInput {
  readonly counts: BoundaryCounts;
  /** Granted actions seen unused in the period. */
  readonly unused: number;
  /** The period, `YYYY-MM-DD`. */
  readonly startDay: string;
  readonly endDay: string;
  /** When apply runs. */
  readonly appliedAt: Date;
}

/** The tags apply sets, or why the principal cannot take them. */
export type BoundaryTagPlan =
  | { readonly ok: true; readonly tags: readonly PrincipalTag[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The iamtrail:* tags of a principal whose boundary is applied (coverage, granted and unused
 * counts, the period, the time), checked against IAM's limits with the tags it has: a tag of
 * its own is never dropped to make room, so a principal whose tags would pass 50 is refused.
 */
export function planBoundaryTags(
  existing: readonly PrincipalTag[],
  input: BoundaryTagInput,
): BoundaryTagPlan {
  const tags: PrincipalTag[] = [
    {
      key: BOUNDARY_TAG_KEYS.coverage,
      value: input.counts.coveragePercent === null ? 'none granted' : String(input.counts.coveragePercent),
    },
    { key: BOUNDARY_TAG_KEYS.granted, value: String(input.counts.granted) },
    { key: BOUNDARY_TAG_KEYS.unused, value: String(input.unused) },
    { key: BOUNDARY_TAG_KEYS.window, value: `${input.startDay}/${input.endDay}` },
    { key: BOUNDARY_TAG_KEYS.appliedAt, value: input.appliedAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  ];
  const problems = tagLimitViolations(existing, tags);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tags };
}

/**
 * Why apply must not touch the principal now, or `null`: its boundary is a policy other than its
 * own iamtrail boundary policy (`ownPolicyArn`; a name that merely starts with
 * `iamtrail-boundary-` is not iamtrail's), replaced only with `--replace-boundary`, the snapshot
 * then keeping its ARN.
 */
export function whyRefuseBoundary(
  current: string | null,
  ownPolicyArn: string,
  replaceBoundary: boolean,
): string | null {
  if (current === null || current === ownPolicyArn || replaceBoundary) return null;
  return `its permission boundary is ${current}, which iamtrail did not create: pass --replace-boundary to replace it (rollback restores it)`;
}

/** Who uses a principal's boundary policy (ListEntitiesForPolicy), as `role/NAME`, `user/NAME`, `group/NAME`. */
export interface PolicyUsers {
  /** Every entity that uses it, as boundary or attached (no filter). */
  readonly all: readonly string[];
  /** The entities it is attached to as a permissions policy (`PolicyUsageFilter=PermissionsPolicy`). */
  readonly attached: readonly string[];
}

/**
 * Why apply (or rollback) must not change the principal's boundary policy, or `null`: it is
 * attached to anything as a permissions policy, the principal itself included (there it grants
 * what it allows: a new default version would change those grants, widening them as readily as
 * narrowing), or something other than the principal uses it as boundary (a new default version
 * would change that one's permissions too). `change` names the change in the reason: apply's new
 * version by default, a rollback's step ({@link rollbackPolicyChange}).
 */
export function whyRefuseSharedPolicy(
  policyArn: string,
  users: PolicyUsers,
  principal: BoundaryPrincipal,
  change = 'a new version',
): string | null {
  const self = `${principal.kind}/${principal.name}`.toLowerCase();
  const attached = new Set(users.attached.map((entity) => entity.toLowerCase()));
  const others = users.all.filter(
    (entity) => entity.toLowerCase() !== self && !attached.has(entity.toLowerCase()),
  );
  const reasons = [
    ...(users.attached.length === 0
      ? []
      : [
          `the policy ${policyArn} is attached as a permissions policy to ${users.attached.join(', ')}: there it grants what it allows, so ${change} would change those grants (detach it first)`,
        ]),
    ...(others.length === 0
      ? []
      : [
          `the policy ${policyArn} is used by ${others.join(', ')} (as boundary or attached): ${change} would change their permissions too`,
        ]),
  ];
  return reasons.length === 0 ? null : reasons.join('; ');
}

/**
 * What a principal's current boundary does to its grants (computeGrantedActions' sets), for
 * {@link whyRefuseWidening}.
 */
export interface CurrentBoundaryEffect {
  /** Granted actions the current boundary does not allow at all (`outsideBoundary`). */
  readonly outsideBoundary: readonly string[];
  /**
   * Granted actions (or patterns the catalog does not know) the current boundary allows only on
   * some resources or under conditions (a `limitedBy` statement of the boundary): a scoped or
   * conditional Deny, or an Allow scoped so.
   */
  readonly limitedByBoundary: readonly string[];
}

/**
 * Why `--replace-boundary` must not replace the principal's boundary, or `null`: the new boundary
 * would allow an action its policies grant that the current boundary blocks, wholly
 * (`outsideBoundary`) or on some resources or under conditions (`limitedByBoundary`: the new
 * boundary allows on `*` without conditions, so it would lift that limit): replacing it would widen
 * what the principal can do. `current` is the boundary IAM has now, `known` the one the IAM data
 * describes (what the sets were computed with): when they differ, what the current boundary
 * blocks is unknown.
 */
export function whyRefuseWidening(
  current: string,
  known: string | undefined,
  document: BoundaryDocument,
  effect: CurrentBoundaryEffect,
): string | null {
  if (known !== current)
    return `its permission boundary is ${current} in IAM but ${known ?? 'none'} in the IAM data: what the current boundary blocks is unknown, so replacing it might widen its permissions (refresh the IAM data)`;
  const allows = boundaryMatcher(document);
  const widened = effect.outsideBoundary.filter(allows);
  const lifted = effect.limitedByBoundary.filter(allows);
  if (widened.length === 0 && lifted.length === 0) return null;
  const parts = [
    ...(widened.length === 0
      ? []
      : [
          `the new boundary would allow ${widened.length} granted action(s) its boundary ${current} blocks, widening its permissions: ${widened.join(', ')}`,
        ]),
    ...(lifted.length === 0
      ? []
      : [
          `the new boundary would allow on every resource and without conditions ${lifted.length} granted action(s) its boundary ${current} allows only on some resources or under conditions, widening its permissions: ${lifted.join(', ')}`,
        ]),
  ];
  return parts.join('; ');
}

/** Whether two policy documents (JSON text) say the same: equal once parsed. */
export function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** One change of a rollback, in the order it is made. */
export type RollbackStep =
  | { readonly kind: 'put-boundary'; readonly policyArn: string }
  | { readonly kind: 'delete-boundary' }
  | { readonly kind: 'untag'; readonly keys: readonly string[] }
  | { readonly kind: 'tag'; readonly tags: readonly PrincipalTag[] }
  | { readonly kind: 'set-default-version'; readonly policyArn: string; readonly versionId: string }
  /** The previous default version is gone (deleted to keep five): its document written back as the default. */
  | { readonly kind: 'restore-version'; readonly policyArn: string; readonly document: string }
  /** The policy did not exist before: removed, unless some other principal uses it as boundary (checked then). */
  | { readonly kind: 'delete-policy-if-unused'; readonly policyArn: string };

/** A rollback's steps and what it says about the state found. */
export interface RollbackPlan {
  readonly steps: readonly RollbackStep[];
  readonly notes: readonly string[];
}

const fold = (key: string): string => key.toLowerCase();

/**
 * The steps that bring a principal back to what `snapshot` (an apply's) found: the boundary it
 * had (put back, or removed when it had none) when its boundary is still the policy apply set (a
 * boundary someone set since is left, and so is a policy apply created), the tags (each key apply
 * set removed, or given back its previous value when apply overwrote it; other tags untouched),
 * and the policy's previous default version (made the default again, or written back from the
 * snapshot when that version is gone; a policy apply created is removed when nothing else uses
 * it). What is already as it was needs no step. `current` is the principal's state now, with the
 * policy's; `later` the apply snapshots of the principal taken after `snapshot` that this rollback
 * undoes too ({@link chooseRollbackSnapshot}). A tag is taken back only while its value is still
 * one `snapshot` or a later apply set: a value someone set since is left, and said.
 */
/**
 * Why a snapshot cannot be what `boundary apply` wrote for this principal, or `null`: the cache is
 * only a file, and rollback acts in AWS on what the snapshot says. Apply only ever sets the
 * principal's own iamtrail boundary policy (`iamtrail-boundary-<kind>-<name>`) and tags of the keys
 * `iamtrail:*`, and it replaces a boundary that is a managed policy (of the account, or AWS's).
 * Anything else would make rollback remove, delete or rewrite what iamtrail never set.
 */
export function rollbackSnapshotProblem(
  snapshot: BoundarySnapshot,
  principal: BoundaryPrincipal & { readonly arn: string },
): string | null {
  const own = boundaryPolicyArn({ type: principal.kind, name: principal.name, arn: principal.arn });
  if (snapshot.policyArn !== own)
    return `snapshot ${snapshot.id} names the boundary policy ${snapshot.policyArn}, not ${own}, the only one apply sets on ${principal.kind} ${principal.name}`;
  const foreignTags = snapshot.appliedTags.filter((tag) => !fold(tag.key).startsWith('iamtrail:'));
  if (foreignTags.length > 0)
    return `snapshot ${snapshot.id} says apply set the tag(s) ${foreignTags.map((tag) => tag.key).join(', ')}, but apply sets only keys iamtrail:*`;
  const account = principal.arn.split(':')[4] ?? '';
  if (!/^\d{12}$/.test(account)) return `${principal.arn} is not the ARN of a principal of an account`;
  const previous = snapshot.previousBoundaryArn;
  if (previous !== null && !new RegExp(`^arn:aws[a-z-]*:iam::(?:${account}|aws):policy/\\S+$`).test(previous))
    return `snapshot ${snapshot.id} names ${previous} as the boundary before apply, which is not a managed policy of account ${account} or of AWS`;
  return null;
}

export function planRollback(
  snapshot: BoundarySnapshot,
  current: BoundaryState,
  later: readonly BoundarySnapshot[] = [],
): RollbackPlan {
  const steps: RollbackStep[] = [];
  const notes: string[] = [];
  // Someone set (or removed) the boundary since apply: theirs is kept, and so is the policy.
  const changedSince =
    current.boundaryArn !== snapshot.policyArn && current.boundaryArn !== snapshot.previousBoundaryArn;
  if (changedSince)
    notes.push(
      `its boundary is now ${current.boundaryArn ?? 'none'}, not ${snapshot.policyArn} that apply set: someone changed it since, so rollback leaves the boundary as it is${snapshot.policyExisted ? '' : ` and does not delete ${snapshot.policyArn}`}`,
    );
  else if (current.boundaryArn === snapshot.policyArn) {
    if (snapshot.previousBoundaryArn === null) steps.push({ kind: 'delete-boundary' });
    else steps.push({ kind: 'put-boundary', policyArn: snapshot.previousBoundaryArn });
  }

  const previous = new Map(snapshot.previousTags.map((tag) => [fold(tag.key), tag]));
  const now = new Map(current.tags.map((tag) => [fold(tag.key), tag]));
  // The values each key was given by the restored apply and by those after it.
  const setByApply = new Map<string, Set<string>>();
  for (const applied of [snapshot, ...later.filter((entry) => entry.operation === 'apply')])
    for (const tag of applied.appliedTags) {
      const values = setByApply.get(fold(tag.key)) ?? new Set<string>();
      values.add(tag.value);
      setByApply.set(fold(tag.key), values);
    }
  const untag: string[] = [];
  const retag: PrincipalTag[] = [];
  const left: string[] = [];
  for (const applied of snapshot.appliedTags) {
    const key = fold(applied.key);
    const before = previous.get(key);
    const present = now.get(key);
    if (before !== undefined && present?.value === before.value && present.key === before.key) continue;
    if (present === undefined) {
      // Removed since apply: a previous value is not written back over someone's removal.
      if (before !== undefined)
        left.push(`${before.key} (removed since; it was ${before.value} before apply)`);
      continue;
    }
    if (setByApply.get(key)?.has(present.value) !== true) {
      left.push(`${present.key}=${present.value} (set since apply)`);
      continue;
    }
    if (before === undefined) untag.push(present.key);
    else retag.push(before);
  }
  if (untag.length > 0) steps.push({ kind: 'untag', keys: untag });
  if (retag.length > 0) steps.push({ kind: 'tag', tags: retag });
  if (left.length > 0)
    notes.push(`leaves the tags apply set whose value is not what apply set: ${left.join(', ')}`);

  const policy: BoundaryPolicyState | null | undefined = current.policy;
  if (!snapshot.policyExisted) {
    if (policy !== null && policy !== undefined && !changedSince)
      steps.push({ kind: 'delete-policy-if-unused', policyArn: snapshot.policyArn });
  } else if (policy === null || policy === undefined) {
    notes.push(`the policy ${snapshot.policyArn} no longer exists: its previous version cannot be restored`);
  } else if (
    snapshot.previousDefaultVersion !== null &&
    policy.defaultVersionId !== snapshot.previousDefaultVersion
  ) {
    const kept = policy.versions.find((version) => version.id === snapshot.previousDefaultVersion);
    if (kept !== undefined)
      steps.push({ kind: 'set-default-version', policyArn: snapshot.policyArn, versionId: kept.id });
    else if (snapshot.previousPolicyDocument !== null)
      steps.push({
        kind: 'restore-version',
        policyArn: snapshot.policyArn,
        document: snapshot.previousPolicyDocument,
      });
    else
      notes.push(
        `version ${snapshot.previousDefaultVersion} of ${snapshot.policyArn} is gone and the snapshot holds no document of it`,
      );
  }
  return { steps, notes };
}

/**
 * The change a rollback's steps make to the boundary policy's default version, in words, or
 * `null` when they make none: making an older version the default again, or writing its document
 * back as a new default version. Either changes what the policy allows wherever it is used, so
 * {@link whyRefuseSharedPolicy} must let it first. Deleting a policy apply created is not such a
 * change: that step deletes only a policy nothing uses (and leaves it whole otherwise).
 */
export function rollbackPolicyChange(steps: readonly RollbackStep[]): string | null {
  for (const step of steps) {
    if (step.kind === 'set-default-version') return `making version ${step.versionId} the default again`;
    if (step.kind === 'restore-version')
      return 'writing its previous default document back as a new default version';
  }
  return null;
}

/** A rollback step in words. */
export function describeRollbackStep(step: RollbackStep): string {
  switch (step.kind) {
    case 'put-boundary':
      return `set the permission boundary back to ${step.policyArn}`;
    case 'delete-boundary':
      return 'remove the permission boundary (there was none before)';
    case 'untag':
      return `remove the tags ${step.keys.join(', ')}`;
    case 'tag':
      return `give back the tags ${step.tags.map((tag) => `${tag.key}=${tag.value}`).join(', ')}`;
    case 'set-default-version':
      return `make version ${step.versionId} of ${step.policyArn} the default again`;
    case 'restore-version':
      return `write the previous default document of ${step.policyArn} back as a new default version (its version is gone)`;
    case 'delete-policy-if-unused':
      return `delete ${step.policyArn} (apply created it) unless another principal uses it as boundary`;
  }
}

/** The snapshot a rollback restores, or why there is none. */
export type RollbackChoice =
  | {
      readonly kind: 'found';
      readonly snapshot: BoundarySnapshot;
      readonly note: string | null;
      /**
       * The apply snapshots of the principal taken after it and not rolled back: restoring what
       * it found undoes them too, so they are marked rolled back with it.
       */
      readonly later: readonly BoundarySnapshot[];
    }
  /** `--to` names no snapshot of the principal. */
  | { readonly kind: 'unknown-id' }
  /** `--to` names a rollback's snapshot, or one already rolled back. */
  | { readonly kind: 'not-restorable'; readonly why: string }
  /** No apply snapshot left to roll back. */
  | { readonly kind: 'none' };

/**
 * Which apply snapshot a rollback restores (`snapshots` oldest first): `--to`'s (an applied,
 * failed or pending apply: rollback works from the state now, so an apply that stopped midway
 * is undone as well), else the latest applied one, else the latest pending or failed one (said
 * in `note`). A rolled-back snapshot is never restored again. The apply snapshots after it that
 * are not rolled back are `later`: the rollback undoes them too.
 */
export function chooseRollbackSnapshot(
  snapshots: readonly BoundarySnapshot[],
  to: string | undefined,
): RollbackChoice {
  const laterThan = (chosen: BoundarySnapshot): BoundarySnapshot[] =>
    snapshots.filter(
      (snapshot) =>
        snapshot.operation === 'apply' &&
        snapshot.state !== 'rolled-back' &&
        snapshot.id !== chosen.id &&
        compareSnapshots(snapshot, chosen) > 0,
    );
  if (to !== undefined) {
    const found = snapshots.find((snapshot) => snapshot.id === to);
    if (found === undefined) return { kind: 'unknown-id' };
    if (found.operation !== 'apply')
      return {
        kind: 'not-restorable',
        why: `a ${found.operation} snapshot; rollback restores what an apply found`,
      };
    if (found.state === 'rolled-back') return { kind: 'not-restorable', why: 'it was rolled back already' };
    return {
      kind: 'found',
      snapshot: found,
      note:
        found.state === 'pending'
          ? `snapshot ${found.id} is pending (its apply did not finish): rolling back from the state now`
          : null,
      later: laterThan(found),
    };
  }
  const applies = snapshots.filter((snapshot) => snapshot.operation === 'apply');
  const applied = applies.filter((snapshot) => snapshot.state === 'applied').at(-1);
  if (applied !== undefined)
    return { kind: 'found', snapshot: applied, note: null, later: laterThan(applied) };
  const unfinished = applies
    .filter((snapshot) => snapshot.state === 'pending' || snapshot.state === 'failed')
    .at(-1);
  if (unfinished === undefined) return { kind: 'none' };
  return {
    kind: 'found',
    snapshot: unfinished,
    note: `no applied snapshot: picked the latest ${unfinished.state} one, ${unfinished.id} (taken ${unfinished.takenAt}${unfinished.message === null ? '' : `: ${unfinished.message}`})`,
    later: laterThan(unfinished),
  };
}
