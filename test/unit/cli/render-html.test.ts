import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { gunzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { HTML_APP_SCRIPT } from '../../../src/cli/render-html/html-app-script.js';
import { HTML_CSP, renderDataElements } from '../../../src/cli/render-html/html-page.js';
import { renderAuditHtml } from '../../../src/cli/render-html/render-audit-html.js';
import { renderReportHtml } from '../../../src/cli/render-html/render-report-html.js';
import type { IdentityListDocument } from '../../../src/cli/render-report.js';
import { AUDIT_DOCUMENT, HOSTILE_NAME } from '../../fixtures/audit/audit-document.js';

/** The data elements of a page, decoded (JSON, or gzipped JSON in base64), by element id. */
function dataElements(html: string): Map<string, unknown> {
  const elements = new Map<string, unknown>();
  const pattern =
    /<script type="application\/(json|octet-stream)" id="(iamtrail-data[a-z0-9-]*)"[^>]*?( data-encoding="gzip-base64")?>([^<]*)<\/script>/g;
  for (const match of html.matchAll(pattern)) {
    const [, , id = '', packed, text = ''] = match;
    elements.set(
      id,
      JSON.parse(packed === undefined ? text : gunzipSync(Buffer.from(text, 'base64')).toString('utf8')),
    );
  }
  return elements;
}

/** The audit document a page embeds, its accounts' principals put back from their elements. */
function embeddedAudit(html: string): unknown {
  const elements = dataElements(html);
  const main = elements.get('iamtrail-data') as { accounts: Record<string, unknown>[] };
  return {
    ...main,
    accounts: main.accounts.map(({ principalsPart, ...account }) =>
      typeof principalsPart === 'string'
        ? { ...account, principals: elements.get(`iamtrail-data-${principalsPart}`) }
        : account,
    ),
  };
}

const LIST: IdentityListDocument = {
  schema: 'iamtrail.list/v1',
  account: { name: 'demo<!--', id: '111111111111' },
  window: { start: '2026-10-25', end: '2026-10-31' },
  type: 'user',
  identities: [
    {
      name: `${HOSTILE_NAME}\u2028\u2029&amp;`,
      arn: 'arn:aws:iam::111111111111:user/x',
      active: true,
      unused: false,
      lastActivity: '2026-10-30',
      calls: 3,
      deniedCalls: 0,
      failedCalls: 0,
      serviceLinked: false,
    },
  ],
  notInIam: [],
  logs: {
    engine: 'local',
    source: 'local:/logs',
    cache: null,
    engineCalls: 1,
    daysRead: 7,
    daysFromCache: 0,
    filesRead: 1,
    skippedFiles: [],
    unreadableFiles: [],
    coverage: [],
    complete: true,
  },
};

describe('the HTML pages', () => {
  const audit = renderAuditHtml(AUDIT_DOCUMENT);
  const accountsAudited = AUDIT_DOCUMENT.accounts.filter((account) => account.status === 'audited').length;

  it('embed the audit document so that it reads back equal, one element per audited account', () => {
    expect(dataElements(audit).size).toBe(1 + accountsAudited);
    expect(embeddedAudit(audit)).toEqual(AUDIT_DOCUMENT);
  });

  it('keep markup in the data as text: no data closes a script or opens a tag or a comment', () => {
    for (const html of [audit, renderReportHtml(LIST)]) {
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<!--');
      expect(html).not.toContain('\u2028');
      // Every </script> closes one of the page's own elements: the data ones and the app.
      expect(html.split('</script>').length - 1).toBe(html.split('<script').length - 1);
    }
    expect(audit.split('<script').length - 1).toBe(1 + accountsAudited + 1);
    expect(dataElements(renderReportHtml(LIST)).get('iamtrail-data')).toEqual(LIST);
    expect(renderReportHtml(LIST)).toContain('<title>iamtrail: users of demo&lt;!--</title>');
  });

  it('embed large data gzipped and base64-encoded, reading back equal', () => {
    const packed = renderDataElements(LIST, [{ id: 'part-0', count: 2, value: ['a', '</script>'] }], 0);
    expect(packed).toContain('data-encoding="gzip-base64"');
    expect(packed).toContain('data-count="2"');
    expect([...dataElements(packed).values()]).toEqual([LIST, ['a', '</script>']]);
  });

  it('allow no request: the CSP allows only the inline script and style, and no markup loads anything', () => {
    expect(audit).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`);
    expect(HTML_CSP).toMatch(
      /^default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:(;|$)/,
    );
    const markup = audit
      .replace(/<script[^>]*>[^<]*<\/script>/g, '')
      .replace(/<script>[\s\S]*?<\/script>/, '');
    expect(markup).toContain('<main id="app">');
    expect(markup).not.toMatch(/\bsrc=|href=|<link|https?:\/\//);
  });

  it('carry an app script that compiles and uses no innerHTML or eval', () => {
    // The script is esbuild's bundle of src/browser/ (built by the global setup), wrapped.
    const bundle = readFileSync(new URL('../../../dist/browser/report-app.js', import.meta.url), 'utf8');
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(HTML_APP_SCRIPT).toContain(bundle.trim());
    expect(() => new Script(HTML_APP_SCRIPT)).not.toThrow();
    expect(HTML_APP_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
    );
  });
});
