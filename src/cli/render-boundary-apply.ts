import type {
  BoundaryApplyDocument,
  BoundaryApplyEntry,
  PolicyChange,
} from '../app/boundary/apply-boundaries.js';
import type { BoundaryOrgDocument } from '../app/boundary/org-fan-out.js';
import type { BoundaryHistoryDocument, BoundaryRollbackDocument } from '../app/boundary/rollback-boundary.js';
import type { PrincipalTag } from '../iam/boundary-state.js';
import { toPrintable } from './printable.js';
import { describeWindow } from './window.js';

/*
 * The text of `boundary apply`, `boundary rollback` and `boundary history` (JSON is the document
 * itself): per principal what is (or would be) done, the refused ones with why, and the dry-run
 * line when nothing was changed.
 */

/** The line a dry run ends with. */
export const DRY_RUN_LINE = 'dry run: nothing changed; run again with --yes to apply';

/**
 * Why an apply changed nothing: a dry run ({@link DRY_RUN_LINE}), or nothing to apply, which
 * `--yes` would not change (every principal skipped, or skipped and refused).
 */
function unchangedLine(totals: BoundaryApplyDocument['totals']): string {
  if (totals.wouldApply > 0 || totals.interrupted > 0) return DRY_RUN_LINE;
  if (totals.skipped === totals.principals) return 'nothing changed: every principal was skipped';
  return 'nothing changed: no principal can be applied (each one was skipped or refused)';
}

const tagsText = (tags: readonly PrincipalTag[]): string =>
  tags.length === 0 ? 'none' : tags.map((tag) => `${tag.key}=${tag.value}`).join(', ');

function policyText(policyArn: string | null, change: PolicyChange | null): string {
  if (policyArn === null || change === null) return '';
  switch (change.kind) {
    case 'create':
      return `create the policy ${policyArn} (v1)`;
    case 'new-version':
      return `add a new default version to ${policyArn} (default now ${change.previousDefault}${change.deletes === null ? '' : `; deletes ${change.deletes}, the oldest that is not the default: IAM keeps five`})`;
    case 'unchanged':
      return `${policyArn} unchanged (its default ${change.defaultVersion} has this document)`;
  }
}

function renderEntry(entry: BoundaryApplyEntry, dryRun: boolean): string[] {
  const head = `  ${entry.type} ${entry.name}`;
  switch (entry.status) {
    case 'skipped':
      return [`${head}: skipped: ${entry.reasons.join('; ')}`];
    case 'refused':
      return [
        `${head}: REFUSED, nothing changed: ${entry.reasons.join('; ')}`,
        ...(entry.denied.length > 0 ? [`    would deny: ${entry.denied.join(', ')}`] : []),
      ];
    case 'failed':
      return [`${head}: FAILED (snapshot ${entry.snapshotId ?? 'none'}): ${entry.reasons.join('; ')}`];
    case 'interrupted':
      return [`${head}: ${entry.reasons.join('; ')}`];
    case 'would-apply':
    case 'applied':
      return [
        `${head}: ${entry.status === 'applied' ? `applied (snapshot ${entry.snapshotId ?? '?'}, policy version ${entry.newVersion ?? '?'})` : dryRun ? 'would apply' : 'not applied'}`,
        `    policy: ${policyText(entry.policyArn, entry.policy)}`,
        `    boundary: ${entry.boundaryBefore ?? 'none'} → ${entry.boundaryAfter ?? 'none'}`,
        `    tags: ${tagsText(entry.tags)}`,
      ];
  }
}

/** The text of a boundary apply (or its dry run). */
export function renderBoundaryApplyText(document: BoundaryApplyDocument): string {
  const { totals } = document;
  const lines = [
    `Boundary apply for account ${document.account.name} (${document.account.id}), ${describeWindow(document.window)}`,
    `Snapshots: ${document.cache}`,
    '',
    ...document.principals.flatMap((entry) => renderEntry(entry, document.dryRun)),
    '',
    document.dryRun
      ? `${totals.wouldApply} would be applied, ${totals.refused} refused, ${totals.skipped} skipped`
      : `${totals.applied} applied, ${totals.failed} failed, ${totals.refused} refused, ${totals.skipped} skipped`,
    ...(totals.interrupted > 0 ? [`${totals.interrupted} not applied (interrupted)`] : []),
  ];
  if (document.dryRun) lines.push(unchangedLine(totals));
  if (totals.applied > 0)
    lines.push('boundary rollback --account … --role|--user NAME undoes one (boundary history lists them)');
  return `${lines.map(toPrintable).join('\n')}\n`;
}

/** The text of a boundary rollback (or its dry run). */
export function renderBoundaryRollbackText(document: BoundaryRollbackDocument): string {
  const { restores } = document;
  const lines = [
    `Boundary rollback of ${document.principal.type} ${document.principal.name} in account ${document.account.name} (${document.account.id})`,
    `Restores snapshot ${restores.id} (${restores.operation} at ${restores.takenAt}, ${restores.state}): boundary ${restores.previousBoundaryArn ?? 'none'}, tags ${tagsText(restores.previousTags)}, ${restores.policyExisted ? `policy default ${restores.previousDefaultVersion ?? '?'}` : 'policy did not exist'}`,
    '',
    ...(document.steps.length === 0 && document.status !== 'refused'
      ? ['  nothing to do: the principal is as the snapshot found it']
      : []),
    ...document.steps.map((step) => `  ${document.dryRun ? 'would ' : ''}${step}`),
    ...document.notes.map((note) => `  note: ${note}`),
    '',
  ];
  if (document.status === 'failed')
    lines.push(`FAILED (snapshot ${document.snapshotId ?? '?'}): ${document.error ?? ''}`);
  else if (document.status === 'refused') lines.push(`REFUSED, nothing changed: ${document.error ?? ''}`);
  else if (document.status === 'rolled-back')
    lines.push(`rolled back (snapshot ${document.snapshotId ?? '?'})`);
  else if (document.dryRun) lines.push(DRY_RUN_LINE.replace('to apply', 'to roll back'));
  return `${lines.map(toPrintable).join('\n')}\n`;
}

/** The text of the boundary history. */
export function renderBoundaryHistoryText(document: BoundaryHistoryDocument): string {
  const lines = [
    `Boundary snapshots of account ${document.account.name} (${document.account.id}) in ${document.cache}: ${document.snapshots.length}`,
  ];
  for (const snapshot of document.snapshots) {
    const after =
      snapshot.operation === 'apply'
        ? `${snapshot.policyArn}${snapshot.newVersion === null ? '' : ` ${snapshot.newVersion}`}`
        : `restores ${snapshot.restoresSnapshotId ?? '?'}`;
    lines.push(
      `  ${snapshot.id}  ${snapshot.takenAt}  ${snapshot.operation}  ${snapshot.principal.kind} ${snapshot.principal.name}  ${snapshot.state}  ${snapshot.previousBoundaryArn ?? 'none'} → ${after}`,
    );
    if (snapshot.message !== null) lines.push(`      ${snapshot.message}`);
  }
  return `${lines.map(toPrintable).join('\n')}\n`;
}

/** The text of a `--org` run: each account's own text, or its error; then how many failed. */
export function renderBoundaryOrgText<T>(
  document: BoundaryOrgDocument<T>,
  renderOne: (one: T) => string,
): string {
  const parts = document.accounts.map((result) =>
    result.status === 'done'
      ? `== account ${result.account.name} (${result.account.id})\n${renderOne(result.document)}`
      : result.status === 'nothing'
        ? `== account ${result.account.name} (${result.account.id}): nothing to do: ${toPrintable(result.reason)}\n`
        : `== account ${result.account.name} (${result.account.id}): FAILED: ${toPrintable(result.error)}\n`,
  );
  const { totals } = document;
  return `${parts.join('\n')}\n${totals.failed} of ${totals.accounts} account(s) failed\n`;
}
