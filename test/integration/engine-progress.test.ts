import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DuckDbEngine } from '../../src/engines/duckdb/duckdb-engine.js';
import type { ReadProgress } from '../../src/engines/engine.js';
import { writeTrail } from '../helpers/trail-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-progress-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the local engine reports its progress', () => {
  it('once before the first file and after each batch, counts rising to the totals', async () => {
    // Two files on 2026-10-01, one on each of the next two days: 4 files, 3 days.
    const logs = writeTrail(join(work, 'logs'), [
      { account: '111111111111', day: '2026-10-01' },
      { account: '111111111111', day: '2026-10-01' },
      { account: '111111111111', day: '2026-10-02' },
      { account: '111111111111', day: '2026-10-03' },
    ]);
    const updates: ReadProgress[] = [];
    const engine = await DuckDbEngine.create({
      logsDir: logs,
      batchFiles: 1,
      reporter: { warn: () => undefined, progress: (update) => void updates.push(update) },
    });
    try {
      const result = await engine.summarize({ startDay: '2026-10-01', endDay: '2026-10-03' });
      expect(result.filesRead).toBe(4);
    } finally {
      await engine.close();
    }
    // Files are read in path order, one a batch: a day is done with its last file.
    expect(updates.map((update) => [update.filesDone, update.daysDone])).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
    expect(updates.every((update) => update.filesTotal === 4 && update.daysTotal === 3)).toBe(true);
  });
});
