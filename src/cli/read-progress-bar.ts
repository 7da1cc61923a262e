import cliProgress from 'cli-progress';

import type { ReadProgress } from '../engines/engine.js';

/** Shows the local engine's progress while it reads the logs. */
export interface ReadProgressRenderer {
  /** Draws the bar at this point (starting it on the first call of a read). */
  update(progress: ReadProgress): void;
  /** Clears the bar's line so that a warning can be written; the next update draws it again. */
  clear(): void;
  /** Removes the bar for good. Safe to call when it never started. */
  stop(): void;
}

/** The stream the bar goes to: stderr, or a test's stand-in. */
export type ProgressStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

const SILENT: ReadProgressRenderer = {
  update: () => undefined,
  clear: () => undefined,
  stop: () => undefined,
};

/** Whether progress is drawn on `stream`: only a terminal, and not under `CI`. */
export function isProgressTerminal(stream: ProgressStream, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return stream.isTTY === true && !ci;
}

/** A cli-progress bar on `stream` with iamtrail's look, showing `format`. */
export function createProgressBar(stream: ProgressStream, format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar({
    stream,
    format,
    barsize: 24,
    clearOnComplete: true,
    hideCursor: null,
    fps: 5,
  });
}

/**
 * A progress bar on `stream` (files and days done, elapsed time, ETA), only when it is a terminal
 * and `CI` is not set: pipes, files, CI logs and tests get no progress noise at all.
 */
export function createReadProgressRenderer(
  stream: ProgressStream,
  env: NodeJS.ProcessEnv,
): ReadProgressRenderer {
  if (!isProgressTerminal(stream, env)) return SILENT;
  const bar = createProgressBar(
    stream,
    'reading logs [{bar}] {value}/{total} files, {daysDone}/{daysTotal} days | {duration_formatted} elapsed | ETA {eta_formatted}',
  );
  let running = false;
  return {
    update(progress) {
      const payload = { daysDone: progress.daysDone, daysTotal: progress.daysTotal };
      // Each engine call (a range of days the cache lacks) reads anew from zero.
      if (!running || progress.filesDone === 0) {
        if (running) bar.stop();
        bar.start(progress.filesTotal, progress.filesDone, payload);
        running = true;
        return;
      }
      bar.setTotal(progress.filesTotal);
      bar.update(progress.filesDone, payload);
    },
    clear() {
      if (running) stream.write('\r\x1b[2K');
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
