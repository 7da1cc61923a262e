import type { AuditDocument } from '../../app/audit/audit-types.js';
import { renderHtmlPage } from './html-page.js';
import type { EmbeddedPart } from './html-page.js';

/**
 * `iamtrail audit --format html`: one self-contained HTML file (no network, the document embedded)
 * with summary cards per finding type, the findings, a filterable and sortable table per account
 * built when its section opens, each principal's used / unused / unknown actions, the IAM changes
 * timeline, and CSV export of any filtered table. It shows the same document as `--format json`:
 * each audited account's `principals` sit in an element of their own (`iamtrail-data-principals-N`,
 * named by the account's `principalsPart`), decoded when its section opens, so a page of 100
 * accounts × 1,000 principals loads in a second or two.
 */
export function renderAuditHtml(document: AuditDocument): string {
  const parts: EmbeddedPart[] = [];
  const accounts = document.accounts.map((account, index) => {
    if (account.status !== 'audited') return account;
    const { principals, ...rest } = account;
    const id = `principals-${index}`;
    parts.push({ id, count: principals.length, value: principals });
    return { ...rest, principalsPart: id };
  });
  const embedded = { ...document, accounts };
  return renderHtmlPage({
    title: `iamtrail audit ${document.window.startDay}..${document.window.endDay}`,
    document: embedded,
    parts,
  });
}
