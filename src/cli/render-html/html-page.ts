import { gzipSync } from 'node:zlib';

import { HTML_APP_SCRIPT } from './html-app-script.js';
import { HTML_STYLES } from './html-styles.js';

/*
 * The shell of iamtrail's self-contained HTML pages: one file, no CDN, no request of any kind.
 * The document is embedded as JSON (gzipped when large) in a script element that is never run,
 * and a small inline
 * app (src/browser/, bundled by esbuild at build time: html-app-script.ts) builds the page from it
 * with createElement and textContent only.
 */

/**
 * The page's Content-Security-Policy: only its own inline script and style run, and nothing may
 * be fetched, so a page opened from disk or a mail attachment cannot reach the network.
 */
export const HTML_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The id of the script element holding the embedded JSON document. */
export const HTML_DATA_ELEMENT_ID = 'iamtrail-data';

/** Characters escaped in embedded JSON, and their JSON escapes. */
const EMBED_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON text safe inside a `<script>` element: `<`, `>` and `&` become JSON escapes, so no string
 * of the data can close the element (`</script>`) or open a comment (`<!--`), and U+2028/U+2029
 * are escaped as older parsers read them as line ends. `JSON.parse` of the text gives `value` back.
 */
export function toEmbeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => EMBED_ESCAPES[character] ?? '');
}

/**
 * Above this many characters of JSON in all, the data is embedded gzipped and base64-encoded: a
 * browser reads a file from disk at some tens of MB per second, so the 78 MB of JSON of 100
 * accounts × 1,000 principals would take seconds to load and parse; gzipped they are about 6 MB.
 * Below it, the JSON is embedded as it is, readable in the file.
 */
export const EMBED_PLAIN_LIMIT = 4_000_000;

/**
 * A piece of the document embedded in an element of its own (`iamtrail-data-<id>`), decoded only
 * when the page needs it (an account's principals when its section opens).
 */
export interface EmbeddedPart {
  /** Made by the renderer, never from data: `[a-z0-9-]+`. */
  readonly id: string;
  /** How many items it holds, readable without decoding it (`data-count`). */
  readonly count: number;
  readonly value: unknown;
}

/** The data elements of a page: the document, then its parts; JSON, or gzipped when large. */
export function renderDataElements(
  document: unknown,
  parts: readonly EmbeddedPart[] = [],
  plainLimit = EMBED_PLAIN_LIMIT,
): string {
  const entries = [
    { id: HTML_DATA_ELEMENT_ID, extra: '', value: document },
    ...parts.map((part) => ({
      id: `${HTML_DATA_ELEMENT_ID}-${part.id}`,
      extra: ` data-count="${part.count}"`,
      value: part.value,
    })),
  ].map((entry) => ({ ...entry, json: toEmbeddedJson(entry.value) }));
  const packed = entries.reduce((total, entry) => total + entry.json.length, 0) > plainLimit;
  return entries
    .map((entry) =>
      packed
        ? `<script type="application/octet-stream" id="${entry.id}"${entry.extra} data-encoding="gzip-base64">${gzipSync(JSON.stringify(entry.value), { level: 6 }).toString('base64')}</script>`
        : `<script type="application/json" id="${entry.id}"${entry.extra}>${entry.json}</script>`,
    )
    .join('\n');
}

/** Text for an HTML text node or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** What {@link renderHtmlPage} puts in the page. */
export interface HtmlPageOptions {
  /** The `<title>` (the app may refine it). */
  readonly title: string;
  /** The JSON document the page shows (its `schema` picks the view). */
  readonly document: { readonly schema: string };
  /** Pieces of the document in elements of their own, decoded on demand. */
  readonly parts?: readonly EmbeddedPart[];
}

/** One self-contained HTML file showing `options.document`. */
export function renderHtmlPage(options: HtmlPageOptions): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(HTML_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="iamtrail">`,
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${HTML_STYLES}</style>`,
    '</head>',
    '<body>',
    '<main id="app"><noscript>This report needs JavaScript to show its data.</noscript></main>',
    renderDataElements(options.document, options.parts),
    `<script>${HTML_APP_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
