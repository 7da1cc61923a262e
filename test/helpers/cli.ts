import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './paths.js';

/** What a run of the built binary printed. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A cache folder for this test process, so tests never touch the user's ~/.cache. */
const CACHE_HOME = mkdtempSync(join(tmpdir(), 'iamtrail-cache-home-'));
process.on('exit', () => {
  rmSync(CACHE_HOME, { recursive: true, force: true });
});

/**
 * Runs the built `bin/run.js` as a user would, without a terminal, with colours off unless asked
 * and the default cache in a folder of this test process.
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: CACHE_HOME };
  delete baseEnv.FORCE_COLOR;
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/run.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd: REPO_ROOT,
    env: { ...baseEnv, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** stderr with oclif's wrapping and `›` markers undone, for matching messages. */
export function flatten(text: string): string {
  return text.replace(/\s*\n\s*›?\s*/g, ' ');
}

/**
 * The demo organisation over its whole month, without the cache: every test that uses it reads
 * the logs, whatever ran before it (the cache has its own tests).
 */
export const DEMO_ARGS: readonly string[] = [
  '--config',
  'examples/demo/config.example.yaml',
  '--start',
  '2026-10-01',
  '--end',
  '2026-10-31',
  '--no-cache',
];

/**
 * The lines that end a text answer about the demo account: its logs hold one corrupt file
 * (`..._CorruptedInTransit.json.gz` of 2026-10-15), so its verdicts may miss calls.
 */
export const DEMO_UNREADABLE_NOTE: readonly string[] = [
  '',
  'Note: 1 log file(s) of the window could not be read (JSON: logs.unreadableFiles); "-" and inactivity may miss their calls.',
];
