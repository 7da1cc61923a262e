import { readdirSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';

import { addDays } from '../../trail/utc-days.js';

/** One CloudTrail log file found on disk. */
export interface LogFile {
  readonly path: string;
  readonly bytes: number;
  /**
   * Where DuckDB reads the file from when not from `path`: a copy of it, made when DuckDB refused the
   * file itself (`DuckDbEngine`); `bytes` is then the copy's size. Everything else names `path`.
   */
  readonly readFrom?: string;
  /** The UTC day of the folder it lies in (`YYYY-MM-DD`), when it lies in the S3 key layout. */
  readonly folderDay: string | undefined;
}

/** What {@link listLogFiles} found. */
export interface LogFileListing {
  readonly files: readonly LogFile[];
  /** Files outside the window by their folder's day. */
  readonly prunedFiles: number;
  /** Files that are not CloudTrail logs by name or place (digests, Insights, other files). */
  readonly ignoredFiles: number;
  /** Entries that could not be read (permissions, broken or looping links), with why. */
  readonly unreadable: readonly { readonly path: string; readonly reason: string }[];
}

const LOG_NAME = /\.json(\.gz)?$/i;
const YEAR = /^\d{4}$/;
const TWO_DIGITS = /^\d{2}$/;
/** Folders that hold files that are not CloudTrail event logs. */
const NON_LOG_FOLDERS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight', 'CloudTrail-NetworkActivity']);

/**
 * Finds the CloudTrail log files under `root` for a window of days. The tree follows the S3 key
 * layout `[prefix/]AWSLogs/[o-xxxx/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/*.json[.gz]`;
 * folders of days outside the window are not even listed. CloudTrail delivers a file up to about
 * 15 minutes after its last event, so the day after the window is read too (the records' own
 * `eventTime` decides what counts). Files outside that layout are read whatever their place,
 * except digests and Insights files.
 */
export function listLogFiles(root: string, startDay: string, endDay: string): LogFileListing {
  const lastFolderDay = addDays(endDay, 1);
  const files: LogFile[] = [];
  let prunedFiles = 0;
  let ignoredFiles = 0;
  const unreadable: { path: string; reason: string }[] = [];
  // Each real folder once (folderIdentity): a link back up the tree must not make the walk endless.
  const visited = new Set<string>();

  const visit = (dir: string, trail: readonly string[], dirStat: Stats): void => {
    let entries;
    try {
      const identity = folderIdentity(dir, dirStat);
      if (visited.has(identity)) return;
      visited.add(identity);
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch (error) {
      unreadable.push({ path: dir, reason: reasonOf(error) });
      return;
    }
    const cloudTrailIndex = trail.lastIndexOf('CloudTrail');
    // Below CloudTrail/<region>/: year, month and day folders, pruned by the window.
    const depth = cloudTrailIndex >= 0 ? trail.length - cloudTrailIndex - 2 : -1;
    const folderDay =
      depth === 3 ? `${trail.at(-3) ?? ''}-${trail.at(-2) ?? ''}-${trail.at(-1) ?? ''}` : undefined;
    // Below the root, a folder's path is already normalised and an entry's name holds no
    // separator: the path is the two joined by one (what join() gives, without its parsing, which
    // was a tenth of the walk over 10,800 files).
    const prefix = trail.length === 0 ? undefined : `${dir}${sep}`;
    for (const entry of entries) {
      const path = prefix === undefined ? join(dir, entry.name) : `${prefix}${entry.name}`;
      let stat: Stats;
      try {
        stat = statSync(path);
      } catch (error) {
        unreadable.push({ path, reason: reasonOf(error) });
        continue;
      }
      if (stat.isDirectory()) {
        if (NON_LOG_FOLDERS.has(entry.name)) {
          ignoredFiles += countFiles(path);
          continue;
        }
        if (
          depth >= 0 &&
          depth <= 2 &&
          !dateFolderInWindow([...trail.slice(cloudTrailIndex + 2), entry.name], startDay, lastFolderDay)
        ) {
          prunedFiles += countFiles(path);
          continue;
        }
        visit(path, [...trail, entry.name], stat);
        continue;
      }
      if (!LOG_NAME.test(entry.name) || entry.name.includes('CloudTrail-Digest')) {
        ignoredFiles += 1;
        continue;
      }
      files.push({ path, bytes: stat.size, folderDay });
    }
  };
  let rootStat: Stats | undefined;
  try {
    rootStat = statSync(root);
  } catch (error) {
    unreadable.push({ path: root, reason: reasonOf(error) });
  }
  if (rootStat !== undefined) visit(root, [], rootStat);
  return { files, prunedFiles, ignoredFiles, unreadable };
}

/**
 * What tells a folder from every other: its device and inode, from the stat the walk takes of each
 * entry anyway (which follows links). An inode a JavaScript number cannot hold exactly (Windows'
 * 64-bit file ids, which two folders could then share) or none is no identity: such a folder is
 * known by its real path. Throws as `realpath(3)` does.
 */
export function folderIdentity(dir: string, stat: Pick<Stats, 'dev' | 'ino'>): string {
  return Number.isSafeInteger(stat.ino) && stat.ino > 0
    ? `${stat.dev}:${stat.ino}`
    : `path:${realpathSync.native(dir)}`;
}

/** Why an entry could not be read: its error code (`ENOENT`, `EACCES`, `ELOOP`, ...). */
function reasonOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unreadable';
}

/**
 * Whether a partial date path (`[yyyy]`, `[yyyy, MM]`, `[yyyy, MM, dd]`) can hold days in
 * `[first, last]`. Folders not shaped like dates are kept.
 */
function dateFolderInWindow(parts: readonly string[], first: string, last: string): boolean {
  const [year, month, day] = parts;
  if (year === undefined || !YEAR.test(year)) return true;
  if (month !== undefined && !TWO_DIGITS.test(month)) return true;
  if (day !== undefined && !TWO_DIGITS.test(day)) return true;
  const low = [year, month ?? '01', day ?? '01'].join('-');
  const high = [year, month ?? '12', day ?? '31'].join('-');
  return high >= first && low <= last;
}

function countFiles(dir: string): number {
  let count = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      count += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
    }
  } catch {
    // Only a statistic: an unreadable folder counts as empty.
  }
  return count;
}

/** Where a log folder holds an account's logs, by their place in the S3 key layout. */
export interface AccountLogFolders {
  /** In an organization trail's folders, `AWSLogs/o-…/<account>/CloudTrail/`. */
  readonly organization: boolean;
  /** In the account's own, `AWSLogs/<account>/CloudTrail/`, which an organization trail does not write. */
  readonly own: boolean;
}

/** A `CloudTrail` folder of the S3 key layout, with its organization (if any) and account. */
const CLOUDTRAIL_FOLDER = /[\\/]AWSLogs[\\/](?:(o-[a-z0-9]+)[\\/])?(\d{12})[\\/]CloudTrail(?:$|[\\/])/;

/**
 * The accounts whose `AWSLogs/[o-…/]<account>/CloudTrail/` folders lie in `root` (or hold it),
 * each with where: an organization trail's folders, the account's own, or both, at any depth (a
 * trail's S3 prefix may have many parts). Only folders are listed, down to the `CloudTrail` folders
 * (never into them, nor into digest and Insights folders), each real folder once; an unreadable
 * folder is passed over (the listing of the files reports it).
 */
export function accountLogFolders(root: string): ReadonlyMap<string, AccountLogFolders> {
  const found = new Map<string, AccountLogFolders>();
  const visited = new Set<string>();
  const visit = (dir: string): void => {
    const match = CLOUDTRAIL_FOLDER.exec(dir);
    if (match !== null) {
      const account = match[2] ?? '';
      const known = found.get(account) ?? { organization: false, own: false };
      found.set(account, match[1] === undefined ? { ...known, own: true } : { ...known, organization: true });
      return;
    }
    let entries;
    try {
      const stat = statSync(dir);
      const identity = folderIdentity(dir, stat);
      if (!stat.isDirectory() || visited.has(identity)) return;
      visited.add(identity);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if ((entry.isDirectory() || entry.isSymbolicLink()) && !NON_LOG_FOLDERS.has(entry.name))
        visit(join(dir, entry.name));
    }
  };
  visit(resolve(root));
  return found;
}
