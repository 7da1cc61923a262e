import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds dist/ and oclif.manifest.json once before the suite, so end-to-end tests run the code under test, not a stale build. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // oclif reads commands' flags from the manifest: rewrite it with the build (`oclif manifest`,
  // without its check for a newer oclif on the registry).
  execFileSync(process.execPath, [`${root}node_modules/oclif/bin/run.js`, 'manifest'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
  });
}
