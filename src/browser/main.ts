/*
 * The entry point of the HTML pages' app (bundled by scripts/build-browser.mjs into
 * dist/browser/report-app.js, inlined by src/cli/render-html/html-app-script.ts): reads the
 * embedded document and picks the view from its `schema`.
 */

import type { IdentityListDocument, PrincipalDiffDocument } from '../cli/render-report.js';
import { renderAudit } from './audit-view.js';
import type { EmbeddedAuditDocument } from './audit-view.js';
import { readData } from './data.js';
import { notice } from './dom.js';
import { renderDiff, renderList } from './report-view.js';
import { errorMessage } from './table.js';

type PageDocument = EmbeddedAuditDocument | IdentityListDocument | PrincipalDiffDocument;

function appRoot(): HTMLElement {
  const root = document.getElementById('app');
  if (root === null) throw new Error('no #app element in this file');
  return root;
}

async function main(): Promise<void> {
  const root = appRoot();
  root.textContent = '';
  let doc: PageDocument;
  try {
    doc = (await readData('iamtrail-data')) as PageDocument;
  } catch (error) {
    root.appendChild(
      notice('error', `The data embedded in this file could not be read: ${errorMessage(error)}`, 'data'),
    );
    throw error;
  }
  switch (doc.schema) {
    case 'iamtrail.audit/v1':
      renderAudit(doc, root);
      break;
    case 'iamtrail.list/v1':
      renderList(doc, root);
      break;
    case 'iamtrail.diff/v1':
      renderDiff(doc, root);
      break;
    default: {
      const schema: unknown = (doc as { schema: unknown }).schema;
      root.appendChild(
        notice('error', `This page cannot show documents of schema ${String(schema)}.`, 'data'),
      );
      return;
    }
  }
  performance.mark('iamtrail-ready');
  root.setAttribute('data-ready', 'true');
}

main().catch((error: unknown) => {
  appRoot().appendChild(notice('error', `This page failed: ${errorMessage(error)}`, 'failure'));
  throw error;
});
