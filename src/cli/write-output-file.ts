import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file the user asked for (`--out`, `--junit`, `--output`) whole: into a new file beside
 * it (created exclusively under a random name, so nothing planted there is written through), then
 * renamed over the path. An interrupted run leaves the earlier file or none, never half of one; a
 * symbolic link at the path is replaced by the file, never followed to where it points. Throws as
 * `fs` does; the temporary file is gone either way.
 */
export function writeOutputFile(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
