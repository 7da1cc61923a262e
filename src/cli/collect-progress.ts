import type { CollectListener } from '../app/advisor/collect-advisor.js';
import { createProgressBar, isProgressTerminal } from './read-progress-bar.js';
import type { ProgressStream } from './read-progress-bar.js';
import { toPrintable } from './printable.js';

/** The collect's listener plus the end of the display. */
export interface CollectProgressRenderer extends CollectListener {
  /** Removes the bar for good. Safe to call when it never started. */
  stop(): void;
}

/**
 * `advisor collect`'s progress on `stream`: on a terminal (and not under `CI`) a bar of
 * principals done/total with accounts done and elapsed time, the account lines printed above it;
 * elsewhere the account lines only, one per line (logs get no bar noise).
 */
export function createCollectProgressRenderer(
  stream: ProgressStream,
  env: NodeJS.ProcessEnv,
): CollectProgressRenderer {
  const plain = (line: string): void => {
    stream.write(`${toPrintable(line)}\n`);
  };
  if (!isProgressTerminal(stream, env))
    return { progress: () => undefined, note: plain, stop: () => undefined };
  const bar = createProgressBar(
    stream,
    'advisor collect [{bar}] {value}/{total} principals, {accountsDone}/{accountsTotal} accounts | {duration_formatted} elapsed',
  );
  let running = false;
  return {
    progress(progress) {
      const payload = { accountsDone: progress.accountsDone, accountsTotal: progress.accountsTotal };
      if (!running) {
        bar.start(progress.principalsTotal, progress.principalsDone, payload);
        running = true;
        return;
      }
      bar.setTotal(progress.principalsTotal);
      bar.update(progress.principalsDone, payload);
    },
    note(line) {
      if (running) stream.write('\r\x1b[2K');
      plain(line);
      if (running) bar.render();
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
