import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Paths that name no file of the user's to replace: devices (`/dev/stdout`) and the process's own. */
const SYSTEM_FILES = /^\/(dev|proc)\//;

/**
 * Writes a file the user asked for (`--out`, `--junit`, `--output`) whole: into a new file beside
 * it (created exclusively under a random name, so nothing planted there is written through), then
 * renamed over the path. An interrupted run leaves the earlier file or none, never half of one; a
 * symbolic link at the path is replaced by the file, never followed to where it points; a file
 * replaced keeps its permissions (a 0600 report stays 0600). A path that is no file to replace —
 * a device, a pipe or a socket, or a link to one (`/dev/stdout`, a FIFO a reader waits on) — is
 * written to, as is any path in `/dev` or `/proc`. Throws as `fs` does; the temporary file is gone
 * either way.
 */
export function writeOutputFile(path: string, text: string): void {
  // Follows a link: a link to a pipe is written through. `/dev/stdout` leads to whatever stdout is
  // (a regular file when redirected to one): a path in /dev or /proc is written through always.
  const existing = statSync(path, { throwIfNoEntry: false });
  if (
    SYSTEM_FILES.test(resolve(path)) ||
    (existing !== undefined && !existing.isFile() && !existing.isDirectory())
  ) {
    // Appended: stdout redirected to a file keeps what was printed before.
    writeFileSync(path, text, { flag: 'a' });
    return;
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // A new file's mode, as the umask gives it; the mode of the file it replaces.
    const descriptor = openSync(temporary, 'wx');
    try {
      if (existing?.isFile() === true) fchmodSync(descriptor, existing.mode & 0o777);
      writeFileSync(descriptor, text);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
