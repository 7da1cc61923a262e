import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { addDays } from '../../src/trail/utc-days.js';
import { flatten, parseJsonAnswer, runBinary, withoutLogs } from '../helpers/cli.js';
import type { JsonAnswer } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { sortRows } from '../helpers/reference-reader.js';

// Two processes over one cache, and processes killed or interrupted mid-load: these need processes
// of their own, so they run the built binary.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-cache-processes-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
let counter = 0;
const freshCache = (): string => join(work, `cache-${(counter += 1)}.duckdb`);

const A = '111111111111';
const B = '222222222222';

interface Logs {
  engineCalls: number;
  daysRead: number;
  daysFromCache: number;
}
const json = (args: string[]): JsonAnswer<Logs> =>
  parseJsonAnswer<Logs>(runBinary([...args, '--format', 'json']));

/** Starts the built binary in the background and resolves when its stderr shows `marker`. */
function startUntil(args: string[], env: NodeJS.ProcessEnv, marker: string) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/run.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  // 'close' comes after the process exited and its stderr was read to the end.
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      resolve(code);
    }),
  );
  const reached = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(marker)) resolve();
    });
    child.on('exit', () => {
      reject(new Error(`exited before "${marker}": ${stderr}`));
    });
  });
  return { child, reached, exited, stderr: () => stderr };
}

const logsCopy = join(work, 'logs');
cpSync(join(REPO_ROOT, 'examples/demo/logs'), logsCopy, { recursive: true });
const source = `local:${logsCopy}`;
const base = [
  '--config',
  'examples/demo/config.example.yaml',
  '--logs',
  logsCopy,
  '--account',
  'demo',
  '--list',
  'users',
  '--start',
  '2026-10-01',
  '--end',
  '2026-10-31',
];
const WINDOW_DAYS = 31;

/** Expects each day `cache` holds to be whole (as in `reference`) and the other days absent. */
async function expectWholeDaysOnly(cache: string, reference: string, presentDays: readonly string[]) {
  const [partial, whole] = [await CacheStore.open(cache), await CacheStore.open(reference)];
  try {
    const missing = await partial.missingDays(source, [A, B], '2026-10-01', '2026-10-31', '2026-11-22');
    expect(missing).toEqual(
      Array.from({ length: WINDOW_DAYS }, (_, index) => addDays('2026-10-01', index)).filter(
        (day) => !presentDays.includes(day),
      ),
    );
    for (const day of Array.from({ length: WINDOW_DAYS }, (_, index) => addDays('2026-10-01', index))) {
      const window = { startDay: day, endDay: day };
      for (const actor of ['arn:aws:iam::111111111111:user/alice', 'arn:aws:iam::111111111111:user/bob']) {
        // Compared as sets: rows of equal times come back in no set order.
        expect(sortRows(await partial.actorActivity(source, window, actor)), `${day} ${actor}`).toEqual(
          presentDays.includes(day) ? sortRows(await whole.actorActivity(source, window, actor)) : [],
        );
      }
    }
  } finally {
    await partial.close();
    await whole.close();
  }
}

describe('two processes and crashes', () => {
  const reference = freshCache();

  it('a second process waits for the first, up to --cache-wait, then fails clearly', async () => {
    const cache = freshCache();
    const first = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '2500', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '0' },
      'cache: transaction 1 open',
    );
    await first.reached;
    const impatient = runBinary([...base, '--cache', cache, '--cache-wait', '1']);
    expect(impatient.status).toBe(3);
    expect(flatten(impatient.stderr)).toMatch(
      new RegExp(`the cache ${cache} is in use by another iamtrail process \\(PID \\d+\\); waited 1 s`),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // Once the holder is gone, the cache opens and answers.
    const after = runBinary([...base, '--cache', cache, '--format', 'json']);
    expect(after.status).toBe(0);
  });

  it('a question that fails on what it names does not wait for a cache another process holds', async () => {
    const cache = freshCache();
    expect(json([...base, '--cache', cache]).logs.engineCalls).toBe(1);
    // Another process holds the cache open for writing (with nothing written, so no write-ahead
    // log beside it: a question would open it read-only, after waiting for the lock).
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         await DuckDBInstance.create(process.argv[1]);
         process.stderr.write('held\\n');
         setTimeout(() => undefined, 60_000);`,
        cache,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = new Promise((resolve) => holder.on('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stderr.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('held')) resolve();
        });
        holder.on('exit', () => {
          reject(new Error('the holder exited before it held the cache'));
        });
      });
      // The cache's read-only open starts while the IAM data is read; the unknown role ends the
      // run before the cache is read, and the open stops waiting for the lock. Had it waited, the
      // error would come after --cache-wait's 600 s, long after the test's timeout.
      const wrong = runBinary([
        ...base.slice(0, base.indexOf('--list')),
        '--user',
        'alice',
        '--destrole',
        'no-such-role',
        '--start',
        '2026-10-01',
        '--end',
        '2026-10-31',
        '--cache',
        cache,
        '--cache-wait',
        '600',
      ]);
      expect(flatten(wrong.stderr)).toContain('unknown role "no-such-role" in account demo (111111111111)');
      expect(wrong.status).toBe(2);
      // A question that needs the cache does wait for it, up to --cache-wait.
      const patient = runBinary([...base, '--cache', cache, '--cache-wait', '1']);
      expect(patient.status).toBe(3);
      expect(flatten(patient.stderr)).toContain(`the cache ${cache} is in use by another iamtrail process`);
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
  });

  it('a second process with time to wait gets the cache once the first is done, and uses what it loaded', async () => {
    const cache = freshCache();
    const first = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '150', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '0' },
      'cache: transaction 1 open',
    );
    await first.reached;
    const patient = runBinary([...base, '--cache', cache, '--cache-wait', '60', '--format', 'json']);
    expect(await first.exited).toBe(0);
    expect(patient.status, patient.stderr).toBe(0);
    // It read nothing itself: it waited for the first process and answered from what that loaded.
    expect((JSON.parse(patient.stdout) as { logs: Logs }).logs).toMatchObject({
      engineCalls: 0,
      daysFromCache: WINDOW_DAYS,
    });
  });

  it('a process killed with SIGKILL in the middle of a load leaves that day absent, never partial', async () => {
    const cache = freshCache();
    const killed = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '30000', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '5' },
      'cache: transaction 6 open',
    );
    await killed.reached;
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBeNull();

    // The reference: the same days loaded by an uninterrupted run into another cache.
    json([...base, '--cache', reference]);
    // Five transactions committed; the sixth (2026-10-06) was open when the process died.
    const committed = Array.from({ length: 5 }, (_, index) => addDays('2026-10-01', index));
    await expectWholeDaysOnly(cache, reference, committed);
    // The next run loads the rest and answers as an uninterrupted one.
    const resumed = json([...base, '--cache', cache]);
    expect(resumed.logs).toMatchObject({
      engineCalls: 1,
      daysRead: WINDOW_DAYS - committed.length,
      daysFromCache: committed.length,
    });
    expect(withoutLogs(resumed)).toEqual(withoutLogs(json([...base, '--no-cache'])));
  });

  it('Ctrl-C (SIGINT) while the cache is written leaves only whole days', async () => {
    const cache = freshCache();
    const interrupted = startUntil(
      [...base, '--cache', cache],
      { IAMTRAIL_TEST_SLOW_COMMIT_MS: '300', IAMTRAIL_TEST_SLOW_COMMIT_AFTER: '2' },
      'cache: transaction 3 open',
    );
    await interrupted.reached;
    interrupted.child.kill('SIGINT');
    const status = await interrupted.exited;
    expect(interrupted.stderr()).toContain('interrupted: stopping (Ctrl-C again to quit at once)');
    // Once the logs are read, the days are written whole, and then the run stops (130) without an
    // answer, saying they were written.
    expect(status).toBe(130);
    expect(flatten(interrupted.stderr())).toContain(
      `interrupted: the days read were written to the cache ${cache}; no answer was given`,
    );
    json([...base, '--cache', reference]);
    const store = await CacheStore.open(cache);
    let present: string[];
    try {
      present = (await store.status()).flatMap((entry) =>
        entry.ranges.flatMap((range) =>
          Array.from(
            { length: (Date.parse(range.endDay) - Date.parse(range.startDay)) / 86_400_000 + 1 },
            (_, index) => addDays(range.startDay, index),
          ),
        ),
      );
    } finally {
      await store.close();
    }
    // Every day was written, each whole (two had committed before the interrupt).
    expect(new Set(present).size).toBe(WINDOW_DAYS);
    await expectWholeDaysOnly(cache, reference, [...new Set(present)]);
  });
});
