import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script, constants } from 'node:vm';

import { defaultCachePath } from '../app/cache/cache-settings.js';

/** What {@link loadCompiledBundle} did with V8's code cache. */
export type CodeCacheUse =
  /** Compiled from the cached code: the source's functions were not parsed again. */
  | 'used'
  /** No cache file yet (or it could not be read): compiled from source, the cache written at exit. */
  | 'written'
  /** A cache file V8 refused (another Node, other flags, a damaged file): compiled, rewritten at exit. */
  | 'rejected'
  /** `NODE_DISABLE_COMPILE_CACHE` set: compiled from source, nothing read or written. */
  | 'disabled';

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

/** Code caches kept per bundle: this run's, and the newest of the others. */
const KEPT_CACHES = 3;

/**
 * The folder of the code caches: `compile-cache/` beside the default cache file
 * (`$XDG_CACHE_HOME/iamtrail/`, else `~/.cache/iamtrail/`), the user's own.
 */
export function codeCacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(defaultCachePath(env)), 'compile-cache');
}

/**
 * Runs a CommonJS bundle (scripts/build-cli-bundle.mjs) with V8's code cache, as Node 22's
 * `module.enableCompileCache()` does for every module (Node 20 has nothing of the kind for ES
 * modules): a cached question's command code is ~1.9 MB, whose compiling was a good part of its
 * start (docs/benchmarks.md). The first run compiles the bundle from source and, at exit, writes
 * what V8 compiled while the command ran (the functions it called, not only the top level) to
 * `<codeCacheFolder>/<bundle>-<contentHash>-<node version>-<arch>.bin` (and removes the bundle's
 * caches but the newest three); later runs hand it to V8,
 * which checks it against its own version and flags and compiles from source when it refuses it.
 * V8 checks the source only by its length, so the file name carries `contentHash`, a hash of the
 * bundle's bytes written into the command's stub by the build: a rebuilt bundle never runs the code
 * of the one before. Any failure to read or write the cache only costs the time it would have saved.
 * `NODE_DISABLE_COMPILE_CACHE=1` (Node's own switch for its compile cache) turns it off.
 */
export function loadCompiledBundle(
  file: string,
  contentHash: string,
  options: { readonly env?: NodeJS.ProcessEnv; readonly saveAtExit?: boolean } = {},
): LoadedBundle {
  const { env = process.env, saveAtExit = true } = options;
  if (!/^[0-9a-f]{8,64}$/.test(contentHash)) throw new Error(`not a content hash: ${contentHash}`);
  const source = readFileSync(file, 'utf8');
  const name = basename(file).replace(/\.c?js$/, '');
  const disabled = env.NODE_DISABLE_COMPILE_CACHE !== undefined && env.NODE_DISABLE_COMPILE_CACHE !== '';
  const folder = disabled ? undefined : codeCacheFolder(env);
  const cacheFile =
    folder === undefined
      ? undefined
      : join(folder, `${name}-${contentHash}-${process.version}-${process.arch}.bin`);
  let cachedData: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  // Node's own CommonJS wrapper: the bundle sees require, module and __filename as a file does.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    // import() of a package the bundle leaves outside (the AWS SDK's) as from the file itself.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
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
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const partial = `${cacheFile}.${process.pid}.partial`;
      writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
      renameSync(partial, cacheFile);
      // The bundle's other caches (earlier builds, other Node versions, another installation):
      // the newest few are kept, so that two installations used in turn do not undo each other.
      const others = readdirSync(folder)
        .filter(
          (other) => other.startsWith(`${name}-`) && other.endsWith('.bin') && other !== basename(cacheFile),
        )
        .map((other) => ({ file: join(folder, other), written: statSync(join(folder, other)).mtimeMs }))
        .sort((a, b) => b.written - a.written);
      for (const { file } of others.slice(KEPT_CACHES - 1)) rmSync(file, { force: true });
      return true;
    } catch {
      return false;
    }
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
