import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { askYes } from '../../../src/cli/boundary-flags.js';
import { InterruptedError } from '../../../src/errors.js';

/*
 * The question `boundary apply` and `rollback` ask at a terminal (a stand-in terminal here: what
 * the user types is written to its input). Ctrl-C at it is an interruption (exit code 130), not
 * a "no" and not a question left waiting.
 */

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  return { streams: { input, output, terminal: true }, input };
}

describe('askYes', () => {
  it('is yes for y or yes, no otherwise', async () => {
    const yes = terminal();
    const asked = askYes('Apply?', yes.streams);
    yes.input.write('yes\r');
    expect(await asked).toBe(true);
    const no = terminal();
    const refused = askYes('Apply?', no.streams);
    no.input.write('n\r');
    expect(await refused).toBe(false);
  });

  it('throws an InterruptedError (exit code 130) on Ctrl-C', async () => {
    const { streams, input } = terminal();
    const asked = askYes('Apply?', streams);
    input.write('\x03');
    const error = await asked.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
  });
});
