import { readFileSync } from 'node:fs';

import { InputDataError } from '../errors.js';

/**
 * Reads an input file named in the config or a flag. A file that cannot be read is an
 * {@link InputDataError} (exit code 2): `<what> <file> does not exist` (or `is a folder`, or
 * `cannot be read (CODE)`), with how to make it as the suggestion.
 */
export function readInputFile(file: string, what: string, howToMake: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a folder'
          : `cannot be read (${code ?? 'error'})`;
    throw new InputDataError(`${what} ${file} ${why}`, {
      suggestions: [`Create it with: ${howToMake}`],
      cause: error,
    });
  }
}
