import type { BoundaryPlanDocument, BoundaryPrincipalPlan } from '../app/boundary/plan-boundaries.js';
import { toPrintable } from './printable.js';
import { describeWindow } from './window.js';

/*
 * `iamtrail boundary plan`'s text output (JSON is the document itself): per principal granted →
 * proposed, coverage, size and replay, the `?` actions kept and the `+` ones left out, then the
 * skipped principals with their reason.
 */

/** The text of a boundary plan. */
export function renderBoundaryPlanText(document: BoundaryPlanDocument): string {
  const lines: string[] = [];
  const { settings, totals } = document;
  lines.push(
    `Boundary plan for account ${document.account.name} (${document.account.id}), ${describeWindow(document.window)}, ${settings.level} level`,
  );
  lines.push(
    `Logs: ${document.logs.source}: ${document.coverage.covers}${document.coverage.coversPeriod ? '' : ': no boundary is planned from a partial period'}`,
  );
  if (document.coverage.unreadableFiles > 0)
    lines.push(
      `Warning: ${document.coverage.unreadableFiles} log file(s) of the period could not be read: the calls they hold are unknown, so no boundary is planned`,
    );
  if (document.accessAdvisor.principals > 0)
    lines.push(
      `Access Advisor: snapshots of ${document.accessAdvisor.principals} principal(s) from the cache`,
    );
  lines.push(
    `Base actions: ${settings.baseActions.length === 0 ? 'none (boundary.base_actions)' : settings.baseActions.join(', ')}`,
  );
  if (settings.eventSelectors !== null) lines.push(`Event selectors: ${settings.eventSelectors}`);
  if (settings.eventSelectorsNotApplied !== null) lines.push(`Warning: ${settings.eventSelectorsNotApplied}`);
  if (settings.eventSelectorsCaution !== null) lines.push(`Warning: ${settings.eventSelectorsCaution}`);
  lines.push('');
  const planned = document.principals.filter((entry) => entry.status === 'planned');
  const skipped = document.principals.filter((entry) => entry.status === 'skipped');
  lines.push(`Planned: ${totals.planned} of ${totals.principals} principal(s)`);
  for (const entry of planned) lines.push(...renderPlanned(entry));
  if (skipped.length > 0) {
    lines.push('');
    lines.push(`Skipped: ${totals.skipped}`);
    for (const entry of skipped)
      lines.push(`  ${entry.type} ${entry.name}: ${entry.reason}: ${entry.detail}`);
  }
  lines.push('');
  lines.push(
    `Nothing was changed in AWS. ${totals.notFitting} boundary(ies) over the size limit; ${totals.replayFailures} with a used or kept action not allowed.`,
  );
  return `${lines.map(toPrintable).join('\n')}\n`;
}

function renderPlanned(entry: BoundaryPrincipalPlan): string[] {
  if (entry.status !== 'planned') return [];
  const { counts, boundary, replay } = entry;
  const coverage = counts.coveragePercent === null ? 'n/a' : `${counts.coveragePercent}%`;
  const lines = [
    `  ${entry.type} ${entry.name}: granted ${counts.granted} → proposed ${counts.proposed} action(s), coverage ${coverage} (${counts.usedGranted} used of ${counts.granted} granted)`,
    `    policy ${boundary.policyName}: ${boundary.size} of ${boundary.maxChars} characters${boundary.fits ? '' : ': DOES NOT FIT the managed-policy limit'}`,
    `    replay: ${replay.allowed} of ${replay.total} used or kept ? action(s) allowed by the proposed boundary`,
  ];
  if (replay.notAllowed.length > 0) lines.push(`    NOT ALLOWED (a bug): ${replay.notAllowed.join(', ')}`);
  if (entry.unknown.length > 0)
    lines.push(
      `    kept ${counts.unknownKept} granted action(s) of unknown use (?): nothing proves them unused`,
    );
  if (entry.unknownGrants.length > 0)
    lines.push(
      `    kept ${counts.unknownPatternsKept} granted pattern(s) the action catalog does not know, of unknown use: ${entry.unknownGrants.map((grant) => grant.pattern).join(', ')}`,
    );
  if (entry.ungranted.length > 0)
    lines.push(`    ungranted used (not in the boundary): ${entry.ungranted.join(', ')}`);
  if (boundary.fallbackServices.length > 0)
    lines.push(
      `    action level did not fit: allowed whole (service level): ${boundary.fallbackServices.map((service) => `${service}:*`).join(', ')}`,
    );
  if (entry.advisorServices.length > 0)
    lines.push(
      `    Access Advisor saw used, with no action of them in the logs: ${entry.advisorServices.join(', ')} (allowed whole)`,
    );
  const allow = boundary.document.Statement.filter((statement) => statement.Effect === 'Allow');
  for (const statement of allow) lines.push(`    allow ${statement.Action.join(', ')}`);
  return lines;
}
