import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createReadProgressRenderer } from '../../../src/cli/read-progress-bar.js';

/** A stream that records what is written to it, a terminal or not. */
function recorder(isTTY: boolean): PassThrough & { isTTY: boolean; text(): string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

function drive(stream: PassThrough & { isTTY: boolean }, env: NodeJS.ProcessEnv): void {
  const renderer = createReadProgressRenderer(stream, env);
  renderer.update({ filesDone: 0, filesTotal: 4, daysDone: 0, daysTotal: 3 });
  renderer.update({ filesDone: 2, filesTotal: 4, daysDone: 1, daysTotal: 3 });
  renderer.clear();
  renderer.stop();
}

describe('the read progress bar', () => {
  it.each([
    ['not a terminal', false, {}],
    ['a terminal under CI', true, { CI: 'true' }],
  ] as const)('writes nothing when stderr is %s', async (_, isTTY, env) => {
    const stream = recorder(isTTY);
    drive(stream, env);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.text()).toBe('');
  });

  it('draws files and days done on a terminal', async () => {
    const stream = recorder(true);
    drive(stream, {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.text()).toContain('0/4 files, 0/3 days');
  });
});
