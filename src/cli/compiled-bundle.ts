import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

import { defaultCachePath } from '../app/cache/cache-settings.js';

/** What {@link loadCompiledBundle} can do with V8's code cache (see {@link CodeCacheUse}). */
export const CODE_CACHE_USES = ['used', 'written', 'rejected', 'disabled'] as const;
/**
 * `used`: compiled from the cached code, the source's functions not parsed again; `written`: no
 * usable cache file yet, compiled from source and the cache written at exit; `rejected`: a cache
 * file V8 refused (another Node, other flags, a damaged file), compiled and rewritten at exit;
 * `disabled`: `NODE_DISABLE_COMPILE_CACHE` set, or no folder of the user's own to keep it in.
 */
export type CodeCacheUse = (typeof CODE_CACHE_USES)[number];

/** A bundle loaded by {@link loadCompiledBundle}. */
export interface LoadedBundle {
  /** What the bundle exports (its `module.exports`). */
  readonly exports: Record<string, unknown>;
  readonly codeCache: CodeCacheUse;
  /** The cache file read or to be written; `undefined` when disabled. */
  readonly cacheFile: string | undefined;
  /** Writes V8's code cache of the bundle now (what the `exit` handler does); false if it could not. */
  saveCodeCache(): boolean;
}

/** Options of {@link loadCompiledBundle}. */
export interface CompiledBundleOptions {
  /** Where `XDG_CACHE_HOME`, `HOME` and `NODE_DISABLE_COMPILE_CACHE` are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Writes the cache at the process's exit when there was none to use (tests write it themselves). */
  readonly saveAtExit: boolean;
}

export const DEFAULT_COMPILED_BUNDLE_OPTIONS: CompiledBundleOptions = { env: process.env, saveAtExit: true };

/**
 * How a bundle opens: the build writes it as the function Node wraps a CommonJS module in (its
 * `banner`; `})` closes it), so that the file is compiled as it is read, not copied into a wrapper.
 */
export const COMMONJS_WRAPPER = '(function (exports, require, module, __filename, __dirname) {';

/** Code caches kept per bundle: this run's, and the newest of the others. */
const KEPT_CACHES = 3;

/**
 * The folder of the code caches: `compile-cache/` beside the default cache file
 * (`$XDG_CACHE_HOME/iamtrail/`, else `~/.cache/iamtrail/`).
 */
export function codeCacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(defaultCachePath(env)), 'compile-cache');
}

/**
 * Whether a file or folder may hold code this process runs: its own user's, and writable by nobody
 * else. V8 checks a code cache only against its version, its flags and the length of the source:
 * whoever can write the cache can run code in iamtrail. Windows has no user ids here and its mode
 * bits do not show its access lists: there the folder in the user's profile is taken as theirs.
 */
function isPrivate(stats: Stats): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  return stats.uid === uid && (stats.mode & 0o022) === 0;
}

/** `O_NOFOLLOW` where the system has it (not on Windows, whose links a user cannot make unasked). */
const NO_FOLLOW = (fsConstants as Partial<typeof fsConstants>).O_NOFOLLOW ?? 0;

/** The cache file's bytes, if it is a regular file (not followed through a link) of the user's own. */
function readPrivateFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | NO_FOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    return stats.isFile() && isPrivate(stats) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a CommonJS bundle (scripts/build-cli-bundle.mjs: ASCII, wrapped in {@link COMMONJS_WRAPPER}
 * by the build) with V8's code cache, as Node 22's
 * `module.enableCompileCache()` does for every module (Node 20 has nothing of the kind for ES
 * modules): the report's code is 1.2 MB, whose compiling was a good part of a cached question's
 * start (docs/benchmarks.md). The first run compiles the bundle from source and, at exit, writes
 * what V8 compiled while the command ran (the functions it called, not only the top level) to
 * `<codeCacheFolder>/<bundle>-<contentHash>-<node version>-<arch>.bin`, removing the bundle's
 * other caches but the newest two; later runs hand it to V8, which checks it against its own
 * version and flags and compiles from source when it refuses it.
 *
 * V8 checks the source only by its length, so the file name carries `contentHash`, a hash of the
 * bundle's bytes written into the command's stub by the build: a rebuilt bundle never runs the
 * code of the one before. And since whoever can write the cache can run code here, the cache is
 * kept only in a folder given by an absolute path, of the user's own and writable by nobody else
 * (created with mode 0700), and read only from a regular file of the same kind (mode 0600). Any
 * failure to read or write it only costs the time it would have saved.
 * `NODE_DISABLE_COMPILE_CACHE=1` (Node's own switch for its compile cache) turns it off.
 */
export function loadCompiledBundle(
  file: string,
  contentHash: string,
  overrides: Partial<CompiledBundleOptions> = {},
): LoadedBundle {
  const { env, saveAtExit } = { ...DEFAULT_COMPILED_BUNDLE_OPTIONS, ...overrides };
  if (!/^[0-9a-f]{8,64}$/.test(contentHash)) throw new Error(`not a content hash: ${contentHash}`);
  // ASCII (the build checks it): read as Latin-1, one byte a character, without UTF-8's decoding.
  const source = readFileSync(file, 'latin1');
  const name = basename(file).replace(/\.c?js$/, '');
  const disabled = env.NODE_DISABLE_COMPILE_CACHE !== undefined && env.NODE_DISABLE_COMPILE_CACHE !== '';
  const folder = disabled ? undefined : codeCacheFolder(env);
  const cacheFile =
    folder === undefined || !isAbsolute(folder)
      ? undefined
      : join(folder, `${name}-${contentHash}-${process.version}-${process.arch}.bin`);
  const folderIsPrivate = (): boolean => {
    try {
      const stats = statSync(folder ?? '');
      return stats.isDirectory() && isPrivate(stats);
    } catch {
      return false;
    }
  };
  const cachedData = cacheFile !== undefined && folderIsPrivate() ? readPrivateFile(cacheFile) : undefined;
  if (!source.startsWith(COMMONJS_WRAPPER))
    throw new Error(
      `${file} is not a bundle of scripts/build-cli-bundle.mjs: it does not open with Node's CommonJS wrapper`,
    );
  // The file is compiled as it is: the function that runs the bundle with its require, module and
  // __filename, as Node runs a CommonJS file (its import() calls are requires: the build leaves
  // none, whose loading vm would need).
  const script = new Script(source, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const codeCache: CodeCacheUse =
    cacheFile === undefined
      ? 'disabled'
      : cachedData === undefined
        ? 'written'
        : script.cachedDataRejected === true
          ? 'rejected'
          : 'used';
  const saveCodeCache = (): boolean => {
    if (folder === undefined || cacheFile === undefined) return false;
    const partial = `${cacheFile}.${randomUUID()}.partial`;
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      // A folder made before, by anyone: used only if it is the user's own, as a file read is.
      if (!folderIsPrivate()) return false;
      // `wx`: a new file, never one (or a link) already there.
      writeFileSync(partial, script.createCachedData(), { mode: 0o600, flag: 'wx' });
      renameSync(partial, cacheFile);
    } catch {
      removeQuietly(partial);
      return false;
    }
    // The bundle's other caches (earlier builds, other Node versions, another installation): the
    // newest few are kept, so that two installations used in turn do not undo each other.
    try {
      const others = readdirSync(folder)
        .filter((other) => other.startsWith(`${name}-`) && other !== basename(cacheFile))
        .map((other) => ({ file: join(folder, other), written: statSync(join(folder, other)).mtimeMs }))
        .sort((a, b) => b.written - a.written);
      const stale = [
        // What an interrupted write left (not another process's write under way).
        ...others.filter((other) => other.file.endsWith('.partial') && other.written < Date.now() - 60_000),
        ...others.filter((other) => other.file.endsWith('.bin')).slice(KEPT_CACHES - 1),
      ];
      for (const { file: old } of stale) removeQuietly(old);
    } catch {
      // The cache is written; what could not be tidied stays for the next write.
    }
    return true;
  };
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
    filename: string,
    dirname: string,
  ) => void;
  run(module.exports, createRequire(file), module, file, dirname(file));
  // Written at exit, when V8 has compiled what the command called.
  if (saveAtExit && (codeCache === 'written' || codeCache === 'rejected'))
    process.once('exit', () => saveCodeCache());
  return { exports: module.exports, codeCache, cacheFile, saveCodeCache };
}

/** Removes a file if it can; a cache file that stays only takes room. */
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // A folder that is not one, a file of someone else's: left as it is.
  }
}
