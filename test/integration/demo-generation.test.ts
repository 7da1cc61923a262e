import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../helpers/paths.js';

const outDir = mkdtempSync(join(tmpdir(), 'iamtrail-demo-'));
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe('scripts/generate-demo.mjs', () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/generate-demo.mjs'), '--out', outDir], {
    stdio: 'pipe',
  });

  it.each(['iam/demo.json', 'iam/backup.json'])(
    'regenerates the committed examples/demo/%s byte for byte',
    (file) => {
      expect(readFileSync(join(outDir, file), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'examples/demo', file), 'utf8'),
      );
    },
  );
});
