import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { COMMONJS_WRAPPER, codeCacheFolder, loadCompiledBundle } from '../../../src/cli/compiled-bundle.js';
import { REPO_ROOT } from '../../helpers/paths.js';

/** The module the commands' stubs import, as the build wrote it (test/global-setup.ts builds dist/). */
const COMPILED_BUNDLE_MODULE = join(REPO_ROOT, 'dist/cli/compiled-bundle.js');

let work: string;
let env: NodeJS.ProcessEnv;
let bundle: string;

/** A CommonJS module as the build writes one: it requires, knows its file, and loads lazily. */
const MODULE = `
const { basename } = require('node:path');
function triple(value) { return value * 3; }
module.exports = {
  name: basename(__filename),
  folder: __dirname,
  triple,
  platform: () => Promise.resolve().then(() => require('node:os').platform()),
};
// A line comment last: the wrapper's close must come on a line of its own
`;
/** The module in the wrapper the build puts it in. */
const BUNDLE = `${COMMONJS_WRAPPER}${MODULE}})`;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'iamtrail-compiled-'));
  env = { XDG_CACHE_HOME: join(work, 'cache-home'), NODE_DISABLE_COMPILE_CACHE: '' };
  bundle = join(work, 'commands-demo.cjs');
  writeFileSync(bundle, BUNDLE);
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Loads the bundle in a process of its own (the built module), as the command's stub does. */
function inProcess(): unknown {
  const script = `import { loadCompiledBundle } from ${JSON.stringify(COMPILED_BUNDLE_MODULE)};
const loaded = loadCompiledBundle(${JSON.stringify(bundle)}, '0123456789abcdef');
process.stdout.write(JSON.stringify({ codeCache: loaded.codeCache, tripled: loaded.exports.triple(2) }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env, NODE_DISABLE_COMPILE_CACHE: '' },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as unknown;
}

const load = (hash = '0123456789abcdef', options: { env?: NodeJS.ProcessEnv } = {}) =>
  loadCompiledBundle(bundle, hash, { env: options.env ?? env, saveAtExit: false });

describe('loadCompiledBundle', () => {
  it('runs a CommonJS bundle with its require, __filename and __dirname', async () => {
    const loaded = load();
    const exports = loaded.exports as {
      name: string;
      folder: string;
      triple: (value: number) => number;
      platform: () => Promise<string>;
    };
    expect(exports.name).toBe('commands-demo.cjs');
    expect(exports.folder).toBe(work);
    expect(exports.triple(14)).toBe(42);
    expect(await exports.platform()).toBe(process.platform);
  });

  it('refuses a file that is not such a bundle (a CommonJS module as it is), naming it', () => {
    writeFileSync(bundle, MODULE);
    expect(() => load()).toThrow(`${bundle} is not a bundle of scripts/build-cli-bundle.mjs`);
  });

  // V8 keeps what a process compiled: whether it takes the cache file shows only in a new process.
  it('writes the code cache at exit, private to the user, and a new process compiles from it', () => {
    const first = inProcess();
    expect(first).toEqual({ codeCache: 'written', tripled: 6 });
    const cacheFile = join(
      codeCacheFolder(env),
      `commands-demo-0123456789abcdef-${process.version}-${process.arch}.bin`,
    );
    expect(statSync(cacheFile).size).toBeGreaterThan(0);
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(statSync(codeCacheFolder(env)).mode & 0o777).toBe(0o700);
    expect(inProcess()).toEqual({ codeCache: 'used', tripled: 6 });
  });

  it('compiles from source when V8 refuses the cache file, runs the same code, and rewrites it', () => {
    inProcess();
    const [cacheFile = ''] = readdirSync(codeCacheFolder(env));
    writeFileSync(join(codeCacheFolder(env), cacheFile), 'not a code cache');
    expect(inProcess()).toEqual({ codeCache: 'rejected', tripled: 6 });
    expect(inProcess()).toEqual({ codeCache: 'used', tripled: 6 });
  });

  it("names the cache by the bundle's content hash, and keeps the bundle's newest three caches", () => {
    const cacheOf = (name: string, hash: string) => `${name}-${hash}-${process.version}-${process.arch}.bin`;
    const otherBundle = join(work, 'commands-other.cjs');
    writeFileSync(otherBundle, BUNDLE);
    loadCompiledBundle(otherBundle, 'cccccccccccccccc', { env, saveAtExit: false }).saveCodeCache();
    // Three builds, written one after the other (their times set apart: a file system may round them).
    ['aaaaaaaaaaaaaaa1', 'aaaaaaaaaaaaaaa2', 'aaaaaaaaaaaaaaa3'].forEach((hash, index) => {
      expect(load(hash).saveCodeCache()).toBe(true);
      const time = new Date(Date.UTC(2026, 0, 1, 0, index));
      utimesSync(join(codeCacheFolder(env), cacheOf('commands-demo', hash)), time, time);
    });
    // A new build of the same length (V8's only check of the source) runs its own code, not the
    // cached code of the build before.
    writeFileSync(bundle, BUNDLE.replace('value * 3', 'value * 4'));
    const rebuilt = load('bbbbbbbbbbbbbbbb');
    expect(rebuilt.codeCache).toBe('written');
    expect((rebuilt.exports as { triple: (value: number) => number }).triple(2)).toBe(8);
    rebuilt.saveCodeCache();
    expect(readdirSync(codeCacheFolder(env)).sort()).toEqual([
      cacheOf('commands-demo', 'aaaaaaaaaaaaaaa2'),
      cacheOf('commands-demo', 'aaaaaaaaaaaaaaa3'),
      cacheOf('commands-demo', 'bbbbbbbbbbbbbbbb'),
      cacheOf('commands-other', 'cccccccccccccccc'),
    ]);
  });

  it('reads and writes nothing with NODE_DISABLE_COMPILE_CACHE', () => {
    const loaded = load(undefined, { env: { ...env, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(loaded.codeCache).toBe('disabled');
    expect(loaded.cacheFile).toBeUndefined();
    expect(loaded.saveCodeCache()).toBe(false);
    expect(() => readdirSync(codeCacheFolder(env))).toThrow(/ENOENT/);
  });

  it('only costs the time when the cache folder cannot be written', () => {
    // A file where the cache folder would be.
    writeFileSync(join(work, 'cache-home'), '');
    const loaded = load();
    expect(loaded.codeCache).toBe('written');
    expect(loaded.saveCodeCache()).toBe(false);
    expect((loaded.exports as { triple: (value: number) => number }).triple(1)).toBe(3);
  });

  it('never runs a cache that someone else could have written: a shared folder, a file others may write, a link', () => {
    inProcess();
    const folder = codeCacheFolder(env);
    const [cacheFile = ''] = readdirSync(folder);
    const path = join(folder, cacheFile);
    expect(inProcess()).toEqual({ codeCache: 'used', tripled: 6 });
    // A folder others may write to: neither read nor written.
    chmodSync(folder, 0o777);
    expect(inProcess()).toEqual({ codeCache: 'written', tripled: 6 });
    expect(load().saveCodeCache()).toBe(false);
    chmodSync(folder, 0o700);
    // A cache file others may write to.
    chmodSync(path, 0o666);
    expect(inProcess()).toEqual({ codeCache: 'written', tripled: 6 });
    // A link to a cache file elsewhere: not followed (and the write replaces the link).
    const elsewhere = join(work, 'elsewhere.bin');
    renameSync(path, elsewhere);
    chmodSync(elsewhere, 0o600);
    symlinkSync(elsewhere, path);
    expect(inProcess()).toEqual({ codeCache: 'written', tripled: 6 });
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
  });

  it('keeps no cache where XDG_CACHE_HOME is a relative path (a folder of the current directory)', () => {
    const loaded = load(undefined, { env: { ...env, XDG_CACHE_HOME: 'cache-home' } });
    expect(loaded.codeCache).toBe('disabled');
    expect(loaded.saveCodeCache()).toBe(false);
  });

  it('refuses a content hash that is not one', () => {
    expect(() => load('../../etc')).toThrow(/not a content hash/);
  });
});
