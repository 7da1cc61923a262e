import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createCollectProgressRenderer } from '../../../src/cli/collect-progress.js';

/** A stream that records what is written to it, a terminal or not. */
function recorder(isTTY: boolean): PassThrough & { isTTY: boolean; text(): string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

async function drive(isTTY: boolean, env: NodeJS.ProcessEnv): Promise<string> {
  const stream = recorder(isTTY);
  const renderer = createCollectProgressRenderer(stream, env);
  renderer.progress({
    accountsDone: 0,
    accountsTotal: 2,
    principalsDone: 0,
    principalsTotal: 0,
    elapsedMs: 0,
  });
  renderer.note('account a (111111111111): 3 principals listed');
  renderer.progress({
    accountsDone: 1,
    accountsTotal: 2,
    principalsDone: 2,
    principalsTotal: 3,
    elapsedMs: 900,
  });
  renderer.note('arn:aws:iam::111111111111:role/\u001b[31mx: skipped');
  renderer.stop();
  await new Promise((resolve) => setImmediate(resolve));
  return stream.text();
}

describe('the collect progress', () => {
  it.each([
    ['not a terminal', false, {}],
    ['a terminal under CI', true, { CI: 'true' }],
  ] as const)('is plain lines, escaped, when stderr is %s', async (_, isTTY, env) => {
    expect(await drive(isTTY, env)).toBe(
      'account a (111111111111): 3 principals listed\narn:aws:iam::111111111111:role/\\x1b[31mx: skipped\n',
    );
  });

  it('draws principals done/total and accounts on a terminal, with the lines above the bar', async () => {
    const text = await drive(true, {});
    expect(text).toContain('2/3 principals, 1/2 accounts');
    expect(text).toContain('account a (111111111111): 3 principals listed\n');
  });
});
