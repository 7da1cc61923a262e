import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { FINDING_TYPES, SEVERITIES } from '../../analysis/audit-findings.js';

/*
 * The inline app of every HTML page: TypeScript in src/browser/ (checked by
 * tsconfig.browser.json), bundled and minified by esbuild at build time
 * (scripts/build-browser.mjs, run by `npm run build`) into dist/browser/report-app.js, which this
 * module reads once and every page inlines: no CDN, nothing fetched at run time.
 */

/**
 * The bundle: beside this module's build (dist/cli/render-html/ → dist/browser/); run from the
 * sources (the tests load src/ directly), the build's, which test/global-setup.ts keeps current.
 */
const BUNDLE = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/browser/report-app.js', import.meta.url)
    : new URL('../../browser/report-app.js', import.meta.url),
);

function readBundle(): string {
  if (!existsSync(BUNDLE)) {
    throw new Error(`The HTML pages' app is not built (${BUNDLE} is missing): run npm run build.`);
  }
  return readFileSync(BUNDLE, 'utf8').trim();
}

/**
 * The bundle in one strict-mode function scope that defines the finding types and severities it
 * reads (src/browser/constants.ts) from the TypeScript constants, so the cards follow the types the
 * audit knows; nothing leaks to `window`.
 */
export const HTML_APP_SCRIPT = [
  '(function () {',
  "'use strict';",
  `const IAMTRAIL_FINDING_TYPES = ${JSON.stringify(FINDING_TYPES)};`,
  `const IAMTRAIL_SEVERITIES = ${JSON.stringify(SEVERITIES)};`,
  readBundle(),
  '})();',
].join('\n');
