import type { AuditDocument } from '../../src/app/audit/audit-types.js';
import { renderAuditHtml } from '../../src/cli/render-html/render-audit-html.js';
import { AUDIT_DOCUMENT } from '../fixtures/audit/audit-document.js';

/** An audit document and the HTML page rendered from it, for the browser tests. */
export interface AuditReport {
  readonly document: AuditDocument;
  readonly html: string;
}

/**
 * The audit the HTML tests load. Today the hand-written fixture; once `iamtrail audit` exists,
 * this becomes the demo organisation's `audit --format json` and `--format html` output.
 */
export function loadAuditReport(): AuditReport {
  return { document: AUDIT_DOCUMENT, html: renderAuditHtml(AUDIT_DOCUMENT) };
}
