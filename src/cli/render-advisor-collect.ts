import type { CollectAdvisorDocument } from '../app/advisor/collect-advisor.js';
import { toPrintable } from './printable.js';

/**
 * `advisor collect`'s text output: per account what was collected, skipped and failed (with the
 * reasons), then the totals and the AWS calls made.
 */
export function renderCollectText(document: CollectAdvisorDocument): string {
  const lines: string[] = [];
  for (const account of document.accounts) {
    const head = `${account.name} (${account.id})`;
    if (account.status === 'failed') {
      lines.push(`${head}: FAILED: ${account.error ?? ''}`);
      continue;
    }
    lines.push(
      `${head}: ${account.collected.length} of ${account.listed} principals collected, ${account.skipped.length} skipped, ${account.failed.length} failed`,
    );
    for (const skipped of account.skipped) lines.push(`  skipped ${skipped.arn}: ${skipped.reason}`);
    for (const failed of account.failed) lines.push(`  failed  ${failed.arn}: ${failed.reason}`);
  }
  const { totals } = document;
  lines.push(
    `total: ${totals.collected} of ${totals.listed} principals collected in ${totals.accounts - totals.accountsFailed} of ${totals.accounts} accounts, ${totals.skipped} skipped, ${totals.failed} failed, in ${(document.elapsedMs / 1000).toFixed(1)} s`,
  );
  lines.push(
    `AWS calls: ${document.awsCallsTotal} (${Object.entries(document.awsCalls)
      .map(([api, count]) => `${api} ${count}`)
      .join(', ')})`,
  );
  lines.push(`cache: ${document.cache}`);
  return `${lines.map(toPrintable).join('\n')}\n`;
}
