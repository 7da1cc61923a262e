import { compareSnapshots } from '../analysis/boundary-changes.js';
import type { BoundarySnapshot, BoundarySnapshotState } from '../analysis/boundary-changes.js';
import type { PrincipalTag } from '../iam/boundary-state.js';
import { InputDataError } from '../errors.js';
import type { CacheConnection } from './cache-connection.js';

/*
 * The boundary snapshots of `boundary apply` and `rollback` (table `boundary_snapshots`): written
 * before any change, then marked with its outcome; what rollback restores from and `boundary
 * history` lists.
 */

function parseTags(text: string, where: string): PrincipalTag[] {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.every(
        (tag: unknown) =>
          typeof tag === 'object' &&
          tag !== null &&
          typeof (tag as PrincipalTag).key === 'string' &&
          typeof (tag as PrincipalTag).value === 'string',
      )
    )
      return (parsed as PrincipalTag[]).map((tag) => ({ key: tag.key, value: tag.value }));
  } catch {
    // said below
  }
  throw new InputDataError(
    `the cache's boundary snapshot ${where} holds tags that are not a JSON list of {key, value}`,
  );
}

/** Writes a snapshot (state `pending` before any change). */
export async function writeBoundarySnapshot(
  cache: CacheConnection,
  snapshot: BoundarySnapshot,
): Promise<void> {
  await cache.db
    .insertInto('boundary_snapshots')
    .values({
      snapshot_id: snapshot.id,
      account_id: snapshot.accountId,
      principal_arn: snapshot.principal.arn,
      principal_type: snapshot.principal.kind,
      principal_name: snapshot.principal.name,
      taken_at: snapshot.takenAt,
      operation: snapshot.operation,
      previous_boundary_arn: snapshot.previousBoundaryArn,
      previous_tags: JSON.stringify(snapshot.previousTags),
      policy_arn: snapshot.policyArn,
      policy_existed: snapshot.policyExisted,
      previous_default_version: snapshot.previousDefaultVersion,
      previous_policy_document: snapshot.previousPolicyDocument,
      new_version: snapshot.newVersion,
      applied_tags: JSON.stringify(snapshot.appliedTags),
      restores_snapshot_id: snapshot.restoresSnapshotId,
      message: snapshot.message,
      state: snapshot.state,
    })
    .execute();
}

/** What becomes of a snapshot's change. */
export interface BoundarySnapshotOutcome {
  readonly state: BoundarySnapshotState;
  readonly newVersion?: string | null;
  readonly message?: string | null;
}

/** Marks a snapshot with its outcome (and the version made the default, and a message). */
export async function markBoundarySnapshot(
  cache: CacheConnection,
  snapshotId: string,
  outcome: BoundarySnapshotOutcome,
): Promise<void> {
  await cache.db
    .updateTable('boundary_snapshots')
    .set({
      state: outcome.state,
      ...(outcome.newVersion === undefined ? {} : { new_version: outcome.newVersion }),
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
    })
    .where('snapshot_id', '=', snapshotId)
    .execute();
}

/** How many boundary snapshots the cache holds, of every account. */
export async function boundarySnapshotCount(cache: CacheConnection): Promise<number> {
  const row = await cache.db
    .selectFrom('boundary_snapshots')
    .select((eb) => eb.fn.countAll<number | bigint>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Which snapshots to list: an account's, optionally one principal's (by type and name, any case). */
export interface BoundarySnapshotQuery {
  readonly accountId: string;
  readonly principal?: { readonly kind: 'role' | 'user'; readonly name: string };
}

/** The snapshots asked for, oldest first ({@link compareSnapshots}: by time, then id). */
export async function boundarySnapshots(
  cache: CacheConnection,
  query: BoundarySnapshotQuery,
): Promise<BoundarySnapshot[]> {
  let select = cache.db
    .selectFrom('boundary_snapshots')
    .selectAll()
    .where('account_id', '=', query.accountId);
  if (query.principal !== undefined)
    select = select
      .where('principal_type', '=', query.principal.kind)
      .where((eb) => eb(eb.fn('lower', ['principal_name']), '=', query.principal?.name.toLowerCase() ?? ''));
  const rows = await select.execute();
  return rows
    .map((row): BoundarySnapshot => ({
      id: row.snapshot_id,
      accountId: row.account_id,
      principal: { kind: row.principal_type, name: row.principal_name, arn: row.principal_arn },
      takenAt: row.taken_at,
      operation: row.operation,
      previousBoundaryArn: row.previous_boundary_arn,
      previousTags: parseTags(row.previous_tags, row.snapshot_id),
      policyArn: row.policy_arn,
      policyExisted: row.policy_existed,
      previousDefaultVersion: row.previous_default_version,
      previousPolicyDocument: row.previous_policy_document,
      newVersion: row.new_version,
      appliedTags: parseTags(row.applied_tags, row.snapshot_id),
      restoresSnapshotId: row.restores_snapshot_id,
      message: row.message,
      state: row.state,
    }))
    .sort(compareSnapshots);
}
