import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file the user asked for (`--out`, `--junit`, `--output`) whole: into a new file beside
 * it (created exclusively under a random name, so nothing planted there is written through), then
 * renamed over the path. An interrupted run leaves the earlier file or none, never half of one; a
 * symbolic link at the path is replaced by the file, never followed to where it points; a file
 * replaced keeps its permissions (a 0600 report stays 0600) and, where the process may, its owner.
 * Two kinds of path are written to instead, as a shell's `>` writes: the process's own stdout or
 * stderr, however named (`/dev/stdout`, `/proc/self/fd/1`, a link to one; a file stdout is
 * redirected to gets the text where stdout stands, after what was printed before, and before what
 * is printed after), and what is no file to replace (a device, a pipe, a socket, or a link to one).
 * Throws as `fs` does; the temporary file is gone either way.
 */
export function writeOutputFile(path: string, text: string): void {
  // Follows a link: what `/dev/stdout` or a link to a pipe leads to decides.
  const existing = statSync(path, { throwIfNoEntry: false });
  // A file stdout or stderr is redirected to: written where the stream stands (reopened, it would
  // be written from its start, and what the process prints next would overwrite it).
  const stream = existing?.isFile() === true ? ownStream(existing) : undefined;
  if (stream !== undefined) {
    writeAll(stream, text);
    return;
  }
  // A pipe, a terminal or another device: opened and written to (a pipe has no place to lose).
  if (existing !== undefined && !existing.isFile() && !existing.isDirectory()) {
    writeFileSync(path, text);
    return;
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // A new file's mode, as the umask gives it; the mode of the file it replaces.
    const descriptor = openSync(temporary, 'wx');
    try {
      if (existing?.isFile() === true) {
        fchmodSync(descriptor, existing.mode & 0o777);
        try {
          fchownSync(descriptor, existing.uid, existing.gid);
        } catch {
          // Only a privileged process may give a file away: the writer's own file, as any rewrite.
        }
      }
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

/** 1 or 2 when `target` is the file the process's stdout or stderr writes to, else `undefined`. */
function ownStream(target: Stats): 1 | 2 | undefined {
  for (const descriptor of [1, 2] as const) {
    try {
      const stream = fstatSync(descriptor);
      if (stream.dev === target.dev && stream.ino === target.ino) return descriptor;
    } catch {
      // No such stream (closed): not this one.
    }
  }
  return undefined;
}

/** Writes all of `text` to an open descriptor of a regular file. */
function writeAll(descriptor: number, text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  while (written < bytes.length) written += writeSync(descriptor, bytes, written);
}
