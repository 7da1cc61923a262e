import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../helpers/paths.js';

const outDir = mkdtempSync(join(tmpdir(), 'iamtrail-demo-'));
const committed = join(REPO_ROOT, 'examples/demo');
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(root, path));
    }
  };
  walk(root);
  return found.sort();
}

/** A file's content; gzip members are compared decompressed, since zlib builds may compress differently. */
function contentOf(path: string): string {
  const bytes = readFileSync(path);
  if (!path.endsWith('.gz')) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch {
    return `corrupt gzip of ${bytes.length} bytes`;
  }
}

describe('scripts/generate-demo.mjs', () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/generate-demo.mjs'), '--out', outDir], {
    stdio: 'pipe',
  });

  it('regenerates the committed examples/demo file for file', () => {
    expect(filesUnder(outDir)).toEqual(filesUnder(committed));
    for (const file of filesUnder(committed))
      expect(contentOf(join(outDir, file)), file).toBe(contentOf(join(committed, file)));
  });

  it('stays under 2 MB', () => {
    const bytes = filesUnder(committed).reduce((sum, file) => sum + statSync(join(committed, file)).size, 0);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });
});
