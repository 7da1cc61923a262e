import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder of this test run's own, removed when it ends (test/helpers/cli.ts's cache homes). */
    testRunTmp: string;
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));
/** Touched by `npm run build` and by this setup after a build; a build is current while nothing it reads is newer. */
const STAMP = join(root, 'dist/.build-stamp');

/** The newest modification time of a file or folder under `path` (a deletion touches its folder). */
function newestUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestUnder(join(path, name))),
    stat.mtimeMs,
  );
}

function isBuildCurrent(): boolean {
  try {
    const built = statSync(STAMP).mtimeMs;
    statSync(join(root, 'oclif.manifest.json'));
    const inputs = [
      'src',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'tsconfig.browser.json',
      'scripts/build-browser.mjs',
      'scripts/build-cli-bundle.mjs',
    ];
    return inputs.every((input) => newestUnder(join(root, input)) < built);
  } catch {
    return false;
  }
}

/**
 * Builds dist/ (with the HTML pages' bundled app and the bundled commands) and
 * oclif.manifest.json before the suite (unless the build is newer than every source), so the in-process runs (which load commands as
 * oclif does, from the manifest and dist/) and the end-to-end tests run the code under test, not a
 * stale build.
 */
export default function setup(project: TestProject): () => void {
  // The workers end without their process's 'exit' event: what they leave in this folder goes with
  // the run.
  const runTmp = mkdtempSync(join(tmpdir(), 'iamtrail-test-run-'));
  project.provide('testRunTmp', runTmp);
  const teardown = (): void => {
    rmSync(runTmp, { recursive: true, force: true });
  };
  if (isBuildCurrent()) return teardown;
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // The HTML pages' app (src/browser/), bundled by esbuild into dist/browser/report-app.js.
  execFileSync(process.execPath, [`${root}scripts/build-browser.mjs`], { cwd: root, stdio: 'inherit' });
  // The commands bundled by esbuild into dist/bundle/ (what bin/run.js and oclif load), after tsc.
  execFileSync(process.execPath, [`${root}scripts/build-cli-bundle.mjs`], { cwd: root, stdio: 'inherit' });
  // oclif reads commands' flags from the manifest: rewrite it with the build (`oclif manifest`,
  // without its check for a newer oclif on the registry).
  execFileSync(process.execPath, [`${root}node_modules/oclif/bin/run.js`, 'manifest'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return teardown;
}
