import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../helpers/paths.js';

// `npm run data:build` runs its scripts (Node and Python) in processes of their own: so does this.

const GENERATED = [
  'aws_actions.txt',
  'cloudtrail_supported_actions.tsv',
  'resource_types.json',
  'SOURCES.json',
];
const outDir = mkdtempSync(join(tmpdir(), 'iamtrail-data-'));
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe('data/ regeneration', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build-data.mjs'), '--out', outDir], {
      stdio: 'pipe',
    });
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'scripts/extract-observed-events.mjs'), '--out', join(outDir, 'observed_events.json')],
      { stdio: 'pipe' },
    );
    execFileSync(
      'python3',
      [join(REPO_ROOT, 'scripts/extract-api-operations.py'), '--out', join(outDir, 'api_operations.json')],
      {
        stdio: 'pipe',
      },
    );
  }, 60_000);
  it.each([...GENERATED, 'observed_events.json', 'api_operations.json'])(
    'npm run data:build would not change %s',
    (file) => {
      expect(readFileSync(join(outDir, file), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'data', file), 'utf8'),
      );
    },
  );
});
