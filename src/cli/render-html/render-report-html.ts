import type { IdentityListDocument, PrincipalDiffDocument } from '../render-report.js';
import { renderHtmlPage } from './html-page.js';

/** The report documents the HTML page shows (`--list` and `--user/--role`; not the callers). */
export type HtmlReportDocument = IdentityListDocument | PrincipalDiffDocument;

/**
 * `iamtrail --account A --list users|roles --format html` and `--user/--role NAME --format html`:
 * the JSON document of `--format json` (from `toReportDocument`) shown as one self-contained HTML
 * page with the audit's components (cards, filterable table, CSV export).
 */
export function renderReportHtml(document: HtmlReportDocument): string {
  const title =
    document.schema === 'iamtrail.list/v1'
      ? `iamtrail: ${document.type}s of ${document.account.name}`
      : `iamtrail: ${document.principal.type} ${document.principal.name} of ${document.account.name}`;
  return renderHtmlPage({ title, document });
}
