#!/usr/bin/env node
// Bundles the HTML pages' browser app (src/browser/, TypeScript checked by tsconfig.browser.json)
// with esbuild into one minified script, dist/browser/report-app.js, which
// src/cli/render-html/html-app-script.ts inlines in every page: no CDN, no request at run time.
// Run by `npm run build` and by test/global-setup.ts after tsc.
//
//   node scripts/build-browser.mjs [--out FILE]     (default: dist/browser/report-app.js)
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outfile =
  outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(repoRoot, 'dist/browser/report-app.js');

await build({
  absWorkingDir: repoRoot,
  entryPoints: ['src/browser/main.ts'],
  tsconfig: 'tsconfig.browser.json',
  outfile,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // Browsers of the last few years: DecompressionStream (Chrome 80, Firefox 113, Safari 16.4).
  target: ['es2022'],
  minify: true,
  // Non-ASCII as escapes: the page is UTF-8, but U+2028/U+2029 and friends stay out of the text.
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
});

// The script is inlined in a <script> element: nothing in it may end that element or open a
// comment (esbuild escapes `</script` in strings; this checks it).
const bundle = readFileSync(outfile, 'utf8');
const unsafe = /<\/script|<!--/i.exec(bundle);
if (unsafe !== null) {
  console.error(`${outfile}: the bundle holds ${unsafe[0]}, which cannot be inlined in a <script> element`);
  process.exit(1);
}
