import { FINDING_TYPES, SEVERITIES } from '../../analysis/audit-findings.js';
import { HTML_AUDIT_SCRIPT } from './html-audit-script.js';
import { HTML_COMPONENTS_SCRIPT } from './html-components-script.js';
import { HTML_REPORT_SCRIPT } from './html-report-script.js';

/** The entry point: reads the embedded document and picks the view from its `schema`. */
const MAIN_SCRIPT = String.raw`
function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** An embedded data element: JSON, or gzipped JSON in base64 (large documents). Nothing is fetched. */
async function readData(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error('no data element ' + id + ' in this file');
  if (element.getAttribute('data-encoding') !== 'gzip-base64') return JSON.parse(element.textContent);
  const stream = new Blob([decodeBase64(element.textContent.trim())]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text());
}

async function main() {
  const root = document.getElementById('app');
  root.textContent = '';
  const views = { 'iamtrail.audit/v1': renderAudit, 'iamtrail.list/v1': renderList, 'iamtrail.diff/v1': renderDiff };
  let doc;
  try {
    doc = await readData('iamtrail-data');
  } catch (error) {
    root.appendChild(notice('error', 'The data embedded in this file could not be read: ' + error.message, 'data'));
    throw error;
  }
  const view = views[doc.schema];
  if (view === undefined) {
    root.appendChild(notice('error', 'This page cannot show documents of schema ' + doc.schema + '.', 'data'));
    return;
  }
  view(doc, root);
  performance.mark('iamtrail-ready');
  root.setAttribute('data-ready', 'true');
}
main().catch(function (error) {
  document.getElementById('app').appendChild(notice('error', 'This page failed: ' + error.message, 'failure'));
  throw error;
});
`;

/**
 * The inline app of every HTML page: the components, the audit and report views, and `main`,
 * in one strict-mode function scope (nothing leaks to `window`). Finding types and severities come
 * from the TypeScript constants, so the cards follow the types the audit knows.
 */
export const HTML_APP_SCRIPT = [
  '(function () {',
  "'use strict';",
  `const FINDING_TYPES = ${JSON.stringify(FINDING_TYPES)};`,
  `const SEVERITIES = ${JSON.stringify(SEVERITIES)};`,
  HTML_COMPONENTS_SCRIPT,
  HTML_AUDIT_SCRIPT,
  HTML_REPORT_SCRIPT,
  MAIN_SCRIPT,
  '})();',
].join('\n');
