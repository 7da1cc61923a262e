import { readFileSync } from 'node:fs';

import { EventSelectorsError, parseEventSelectors } from '../analysis/event-selectors.js';
import type { TrailSelectors } from '../analysis/trail-recording.js';
import { InputDataError } from '../errors.js';

const HOW_TO_MAKE = 'aws cloudtrail get-event-selectors --trail-name TRAIL --output json > FILE';

/**
 * Reads `--event-selectors FILE`: the JSON that `aws cloudtrail get-event-selectors` prints. Every
 * failure is an {@link InputDataError} naming the file (exit 2).
 */
export function readEventSelectorsFile(file: string): TrailSelectors {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputDataError(
      `event selectors file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`}`,
      { suggestions: [`Create it with: ${HOW_TO_MAKE}`], cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputDataError(`event selectors file ${file} is not JSON: ${(error as Error).message}`, {
      suggestions: [`Create it with: ${HOW_TO_MAKE}`],
      cause: error,
    });
  }
  try {
    return parseEventSelectors(value, file);
  } catch (error) {
    if (!(error instanceof EventSelectorsError)) throw error;
    throw new InputDataError(`event selectors file ${file}: ${error.message}`, {
      suggestions: [`Create it with: ${HOW_TO_MAKE}`],
      cause: error,
    });
  }
}
