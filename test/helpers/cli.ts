import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Console } from 'node:console';

import { Config } from '@oclif/core';
import { Exit, handle } from '@oclif/core/handle';
import { captureOutput, runCommand } from '@oclif/test';
import { expect, inject } from 'vitest';

import { toCommandArgv } from '../../src/cli/root-argv.js';
import { REPO_ROOT } from './paths.js';

/** What a run of iamtrail printed, and the exit code the binary would have ended with. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A cache folder for this module's tests, so tests never touch the user's ~/.cache: in the run's
 * own folder (test/global-setup.ts), removed when the run ends.
 */
const CACHE_HOME = mkdtempSync(join(inject('testRunTmp'), 'iamtrail-cache-home-'));

/** The environment every run starts from: no colour unless asked, the cache in this process's folder. */
const BASE_ENV: NodeJS.ProcessEnv = {
  NO_COLOR: '1',
  FORCE_COLOR: undefined,
  XDG_CACHE_HOME: CACHE_HOME,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

let config: Promise<Config> | undefined;
/** In-process runs share one run at a time: they swap process-wide state (env, stdout). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs iamtrail in this process through `runCommand` (`@oclif/test`), as the built `bin/run.js`
 * would run: the same routing of flags-first arguments to `report`, the same oclif config
 * (`package.json`, the manifest and `dist/`, built by the global setup), and an error printed and
 * mapped to an exit code by oclif's own handler, as the binary's. `env` is set for the run (an
 * `undefined` value removes the variable) and restored after. What needs a process of its own
 * (signals, stdin, a terminal, several processes at once, process-wide limits) runs the binary
 * with {@link runBinary}, in `test/e2e`.
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run = queue.then(() => runInProcess(args, env));
  queue = run.catch(() => undefined);
  return run;
}

async function runInProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  config ??= Config.load({ root: REPO_ROOT });
  const loaded = await config;
  const restoreEnv = setEnv({ ...BASE_ENV, ...env });
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  // oclif prints with console.log/error (--json, --version, errors), which vitest intercepts: a
  // console on the process streams lets runCommand capture it as the binary's output.
  const testConsole = globalThis.console;
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
  // A command that fails with --json prints its error document and sets process.exitCode (see
  // BaseCommand.catch) instead of throwing: the binary ends with that code, and so does this run.
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    const run = await runCommand(toRunCommandArgs(toCommandArgv(args)), loaded, { stripAnsi: false });
    if (run.error === undefined) return { status: exitCodeSet(), stdout: run.stdout, stderr: run.stderr };
    const handled = await handleAsTheBinary(run.error);
    return {
      status: handled.status,
      stdout: run.stdout + handled.stdout,
      stderr: run.stderr + handled.stderr,
    };
  } finally {
    process.exitCode = exitCode;
    globalThis.console = testConsole;
    process.chdir(cwd);
    restoreEnv();
  }
}

/** The exit code the process would end with now (`process.exitCode`, 0 when unset). */
function exitCodeSet(): number {
  return Number(process.exitCode ?? 0);
}

/** What oclif's error handler (the binary's last step) prints for `error`, and the exit code it picks. */
async function handleAsTheBinary(error: Error): Promise<CliRun> {
  let status: number | null = null;
  const exit = Exit.exit.bind(Exit);
  // The handler ends with Exit.exit, oclif's seam for tests.
  Exit.exit = ((code = 0) => {
    status = code;
  }) as typeof Exit.exit;
  try {
    const printed = await captureOutput(() => handle(error), { stripAnsi: false });
    return { status, stdout: printed.stdout, stderr: printed.stderr };
  } finally {
    Exit.exit = exit;
  }
}

/**
 * `runCommand` joins its arguments with spaces and splits them again, honouring double quotes:
 * quote what would not survive that (empty, or holding white space).
 */
function toRunCommandArgs(args: readonly string[]): string[] {
  return args.map((arg) => {
    if (arg !== '' && !/[\s"]/.test(arg)) return arg;
    if (arg.includes('"')) {
      throw new Error(`runCommand cannot pass ${JSON.stringify(arg)}: run it with runBinary`);
    }
    return `"${arg}"`;
  });
}

/** Sets `env` in process.env (`undefined` removes a variable) and returns what restores it. */
export function setEnv(env: NodeJS.ProcessEnv): () => void {
  const saved = Object.entries(env).map(([key]) => [key, process.env[key]] as const);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  };
}

/**
 * Runs the built `bin/run.js` as a user would, in a process of its own without a terminal, with
 * colours off unless asked and the default cache in a folder of this test process. For what needs
 * a process (end-to-end tests in `test/e2e`); everything else uses {@link runCli}.
 */
export function runBinary(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
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

/** A report's JSON document; `logs` says how it was answered (engine calls, days from the cache). */
export interface JsonAnswer<Logs> {
  readonly logs: Logs;
  readonly [key: string]: unknown;
}

/** The run's JSON document, which must have succeeded. */
export function parseJsonAnswer<Logs>(run: CliRun): JsonAnswer<Logs> {
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as JsonAnswer<Logs>;
}

/** A JSON answer without its `logs` summary: what two ways of answering must agree on. */
export function withoutLogs({ logs: _logs, ...rest }: JsonAnswer<unknown>): Record<string, unknown> {
  return rest;
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
 * The demo organisation over its whole month, answered through a cache of this test process: the
 * first run reads the logs into it, later runs of any test answer from it, which takes a fraction
 * of the time (the cache's own tests show that cached and uncached answers are the same). Tests of
 * what reading the logs says (files read, skipped files) use {@link DEMO_ARGS}.
 */
export const DEMO_CACHED_ARGS: readonly string[] = [
  ...DEMO_ARGS.filter((arg) => arg !== '--no-cache'),
  '--cache',
  join(CACHE_HOME, 'demo.duckdb'),
];

/**
 * The lines that end a text answer about the demo account: its logs hold one corrupt file
 * (`..._CorruptedInTransit.json.gz` of 2026-10-15), so its verdicts may miss calls.
 */
export const DEMO_UNREADABLE_NOTE: readonly string[] = [
  '',
  'Note: 1 log file(s) of the window could not be read (JSON: logs.unreadableFiles); "-" and inactivity may miss their calls.',
];

/** `--list users` of the demo account over `start..end` with the Athena engine, a config and a cache. */
export function athenaListUsersArgs(config: string, cache: string, start: string, end: string): string[] {
  return [
    '--config',
    config,
    '--cache',
    cache,
    '--engine',
    'athena',
    '--account',
    'demo',
    '--list',
    'users',
    '--start',
    start,
    '--end',
    end,
  ];
}
