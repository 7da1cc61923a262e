import { stringify } from 'csv-stringify/sync';

import type { AdvisorImportDocument } from '../app/advisor/import-advisor.js';
import type { AdvisorDocument, AdvisorPrincipalEntry } from '../app/advisor/query-advisor.js';
import { toPrintable, toPrintableDeep } from './printable.js';

/** `advisor import`'s text: what was imported, per account folder, and where `collectedAt` came from. */
export function renderAdvisorImport(document: AdvisorImportDocument, cachePath: string): string {
  const safe = toPrintableDeep(document);
  const lines = [
    `imported ${safe.imported} Access Advisor snapshot(s) from ${safe.directory} into ${toPrintable(cachePath)}` +
      (safe.alreadyInCache > 0 ? `; ${safe.alreadyInCache} already in the cache` : '') +
      (safe.skipped > 0 ? `; ${safe.skipped} file(s) skipped (warnings above)` : ''),
    ...safe.accounts.map(
      (account) =>
        `  ${account.folder} (${account.accountIds.join(', ') || 'no account'}): ${account.imported} imported` +
        (account.alreadyInCache > 0 ? `, ${account.alreadyInCache} already in the cache` : '') +
        (account.skipped > 0 ? `, ${account.skipped} skipped` : ''),
    ),
    `each snapshot is as of its job's JobCompletionDate (the job file's modification time when it has none)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Options of {@link renderAdvisorText}. */
export interface AdvisorTextOptions {
  /** List each tracked service's actions under it. */
  readonly actions: boolean;
}

/**
 * `advisor`'s text: per principal (and snapshot, with history) its services with their last
 * authentication, `never` when none in the tracking period; with `--unused-days`, what "unused" was
 * measured against; with `--actions`, the tracked actions under their service.
 */
export function renderAdvisorText(document: AdvisorDocument, options: AdvisorTextOptions): string {
  const safe = toPrintableDeep(document);
  if (safe.principals.length === 0)
    return `no Access Advisor snapshot matches${safe.filter.unusedDays === null ? '' : ` with services unused for ${safe.filter.unusedDays} days`}\n`;
  return safe.principals.map((principal) => renderPrincipal(principal, options)).join('\n');
}

function renderPrincipal(principal: AdvisorPrincipalEntry, options: AdvisorTextOptions): string {
  const account =
    principal.accountName === null ? principal.accountId : `${principal.accountName} ${principal.accountId}`;
  const lines = [
    `${principal.arn} (${principal.entityType}, account ${account})`,
    `  as of ${principal.jobCompletedAt ?? principal.collectedAt}, from ${principal.origin}`,
  ];
  if (principal.unused !== null) {
    const granted =
      principal.unused.grantedFrom === 'iam'
        ? 'granted (IAM data)'
        : 'granted (as Access Advisor lists them)';
    lines.push(
      `  ${granted}, not authenticated since ${principal.unused.since} (${principal.unused.days} days):`,
    );
  }
  const width = Math.max(...principal.services.map((service) => service.serviceNamespace.length), 7);
  for (const service of principal.services) {
    const tracked = service.trackedActions;
    const note =
      tracked === null || tracked.length === 0
        ? ''
        : `  ${tracked.length} tracked action(s), ${tracked.filter((action) => action.lastAccessed === null).length} never accessed`;
    lines.push(
      `  ${service.serviceNamespace.padEnd(width)}  ${(service.lastAuthenticated ?? 'never').padEnd(20)}  ${service.serviceName}${note}`,
    );
    if (options.actions && tracked !== null)
      for (const action of tracked)
        lines.push(
          `    ${`${service.serviceNamespace}:${action.actionName}`.padEnd(width + 40)}  ${action.lastAccessed ?? 'never'}`,
        );
  }
  if (principal.unused !== null && principal.unused.notInSnapshot.length > 0)
    lines.push(
      `  granted but not in the snapshot (use unknown): ${principal.unused.notInSnapshot.join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}

/** `advisor`'s CSV: one row per principal × service, or × tracked action for a tracked service. */
export function renderAdvisorCsv(document: AdvisorDocument): string {
  const rows = document.principals.flatMap((principal) =>
    principal.services.flatMap((service) => {
      const base = [
        principal.arn,
        principal.accountId,
        principal.accountName ?? '',
        principal.entityType,
        principal.collectedAt,
        principal.jobCompletedAt ?? '',
        service.serviceNamespace,
        service.serviceName,
        service.lastAuthenticated ?? '',
        service.lastAuthenticatedEntity ?? '',
        service.lastAuthenticatedRegion ?? '',
        service.totalAuthenticatedEntities,
        principal.unused?.since ?? '',
      ];
      const actions = service.trackedActions ?? [];
      return actions.length === 0
        ? [[...base, '', '', '', '']]
        : actions.map((action) => [
            ...base,
            action.actionName,
            action.lastAccessed ?? '',
            action.lastAccessedEntity ?? '',
            action.lastAccessedRegion ?? '',
          ]);
    }),
  );
  return stringify(rows, {
    header: true,
    columns: [
      'arn',
      'account_id',
      'account_name',
      'entity_type',
      'collected_at',
      'job_completed_at',
      'service_namespace',
      'service_name',
      'last_authenticated',
      'last_authenticated_entity',
      'last_authenticated_region',
      'total_authenticated_entities',
      'unused_since',
      'action',
      'action_last_accessed',
      'action_last_accessed_entity',
      'action_last_accessed_region',
    ],
    escape_formulas: true,
  });
}
