import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-skipped-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ACCOUNT = '111111111111';
// Filed under the day of its path, 2026-10-15: the day before a window that starts on the 16th,
// read for its AssumeRole calls.
const FILE = `/logs/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/10/15/${ACCOUNT}_CloudTrail_us-east-1_20261015T0900Z_x.json.gz`;

describe('a skipped file of the day before the window', () => {
  for (const path of [':memory:', join(work, 'cache.duckdb')])
    it(`is listed once however often its days are read again (cache ${path === ':memory:' ? 'in memory' : 'in a file'})`, async () => {
      const store = await CacheStore.open(path);
      try {
        for (let read = 0; read < 3; read += 1)
          await store.writeDays(
            'local',
            ['2026-10-16'],
            [],
            [{ accountId: ACCOUNT, day: '2026-10-16', files: 2 }],
            undefined,
            [{ file: FILE, reason: 'not a valid gzip stream' }],
          );
        expect(
          await store.skippedFiles('local', { startDay: '2026-10-15', endDay: '2026-10-16' }, [ACCOUNT]),
        ).toEqual([{ file: FILE, reason: 'not a valid gzip stream' }]);
        // The day's coverage too: each read replaces the one before.
        expect(await store.coverage('local', { startDay: '2026-10-15', endDay: '2026-10-16' })).toEqual([
          { accountId: ACCOUNT, day: '2026-10-16', files: 2 },
        ]);
      } finally {
        await store.close();
      }
    });
});
