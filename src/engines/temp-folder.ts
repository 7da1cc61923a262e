import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { messageOf, UsageError } from '../errors.js';

/**
 * A new folder of this process's own in the system's temporary folder (`$TMPDIR`, `TEMP` on
 * Windows), for what a run spills and stages: `mkdtemp` creates it, readable by this user only
 * (0700), under a name no other process holds. A temporary folder that cannot hold it (missing, a
 * file, not writable) is a usage error that names it and the variable that moves it.
 */
export function makeTempFolder(prefix: string): string {
  const parent = tmpdir();
  try {
    return mkdtempSync(join(parent, prefix));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    throw new UsageError(`cannot create a temporary folder in ${parent} (${reason})`, {
      suggestions: [
        'Set TMPDIR (TEMP on Windows) to a folder you can write to: iamtrail spills and stages there, and removes what it made',
      ],
      cause: error,
    });
  }
}

/**
 * Removes a folder {@link makeTempFolder} made, with what it holds, saying nothing when it cannot
 * (gone already, a file in its place, no right to it): a cleanup must not replace a run's own
 * error, nor fail its exit.
 */
export function removeTempFolder(folder: string): void {
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch {
    // Left where it is: see above.
  }
}
