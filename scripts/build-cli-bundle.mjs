#!/usr/bin/env node
// Bundles the commands tsc compiled into dist/commands/ with esbuild into dist/bundle/ (one file a
// command, the code commands share in chunks beside them), and replaces each dist/commands/ file
// with a one-line stub that re-exports its bundle, so oclif (which imports dist/commands/<id>.js)
// loads a few files instead of some 800 (kysely alone is 262 ES modules, DuckDB's API 182):
// module loading was most of a cached question's time (docs/benchmarks.md, "Start-up of a cached
// question"). Run by `npm run build` and by test/global-setup.ts, after tsc.
//
// What stays outside the bundles: @oclif/* (bin/run.js and the commands must share one oclif, whose
// errors are classes), the AWS SDK and Fastify (loaded lazily where a question needs them),
// DuckDB's native bindings. The rest of dist/ stays as tsc wrote it (scripts import it).
//
// The commands that answer from the cache at interactive speed (COMPILED_COMMANDS: the report) are
// bundled instead as one minified CommonJS file each, which their stub runs through V8's code
// cache (src/cli/compiled-bundle.ts): Node 20 caches no compiled ES module, and compiling the
// report's code was a good part of a cached question's start (docs/benchmarks.md).
//
//   node scripts/build-cli-bundle.mjs
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import { COMMONJS_WRAPPER } from '../dist/cli/compiled-bundle.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repoRoot, 'dist');
const commandsDir = join(dist, 'commands');
const bundleDir = join(dist, 'bundle');
/** First line of a stub: a second run must bundle tsc's output, never its own stubs. */
const STUB_MARK = '// iamtrail: the bundled command (scripts/build-cli-bundle.mjs)';

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.js') ? [path] : [];
  });
// A command whose source is gone leaves its stub behind (tsc deletes nothing): removed, not bundled.
const sourceOf = (file) => join(repoRoot, 'src', relative(dist, file)).replace(/\.js$/, '.ts');
const commandFiles = walk(commandsDir).filter((file) => {
  if (existsSync(sourceOf(file))) return true;
  rmSync(file, { force: true });
  return false;
});
for (const file of commandFiles) {
  if (readFileSync(file, 'utf8').startsWith(STUB_MARK)) {
    console.error(`${relative(repoRoot, file)} is already a stub: run tsc -p tsconfig.build.json first`);
    process.exit(1);
  }
}
/** dist/commands/iam/show.js → commands-iam-show: every output in one folder (see below). */
const bundleName = (file) => relative(dist, file).slice(0, -'.js'.length).split(sep).join('-');

/** The commands (ids as oclif names them, `report` for dist/commands/report.js) bundled as CommonJS too. */
const COMPILED_COMMANDS = ['report'];

/**
 * Modules that find files from `import.meta.url` (data/, sql/, dist/browser/) expect their place
 * in dist/; bundled, the code sits in dist/bundle/ instead. Every output file is in that one
 * folder, so each module's `import.meta.url` is rewritten to its dist/ file's URL, relative to it:
 * to the bundle's own URL in an ES module, to its `__filename`'s in a CommonJS bundle (which has no
 * `import.meta`).
 */
const importMetaUrlOfDistFile = (format) => ({
  name: 'import-meta-url-of-dist-file',
  setup(builder) {
    const bundleUrl = format === 'cjs' ? "require('node:url').pathToFileURL(__filename)" : 'import.meta.url';
    builder.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromBundle = relative(bundleDir, args.path).split(sep).join('/');
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(fromBundle)}, ${bundleUrl}).href`,
        ),
        loader: 'js',
      };
    });
  },
});

/**
 * zod re-exports its 40-odd message locales (`z.locales`), half its size; iamtrail's messages are
 * English (zod's default, which zod imports on its own) and nothing here reads `z.locales`, so the
 * bundles get a locales module of English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * What a command that opens a DuckDB database runs first (src/cli/start-duckdb.ts): DuckDB builds
 * its instance on a thread of its own while the command's code loads.
 */
const startDuckDbFile = join(dist, 'cli', 'start-duckdb.js');
/** The module every opening of a DuckDB database goes through (its instance is the process's). */
const duckDbHostInput = 'dist/engines/duckdb/duckdb-host.js';

/** What both builds share. */
const common = {
  absWorkingDir: repoRoot,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Packages that ship both: the ES module build (jsonc-parser's main is UMD, which requires at run time).
  mainFields: ['module', 'main'],
  external: ['@oclif/*', '@aws-sdk/*', '@smithy/*', '@duckdb/node-bindings', 'fastify', '@fastify/*'],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  keepNames: true,
};
const compiledId = (file) => relative(commandsDir, file).slice(0, -'.js'.length).split(sep).join(':');
const compiledFiles = commandFiles.filter((file) => COMPILED_COMMANDS.includes(compiledId(file)));
if (compiledFiles.length !== COMPILED_COMMANDS.length) {
  console.error(`COMPILED_COMMANDS names a command tsc did not compile: ${COMPILED_COMMANDS.join(', ')}`);
  process.exit(1);
}

rmSync(bundleDir, { recursive: true, force: true });
const result = await build({
  ...common,
  entryPoints: [
    ...commandFiles
      .filter((file) => !compiledFiles.includes(file))
      .map((file) => ({ in: file, out: bundleName(file) })),
    { in: startDuckDbFile, out: 'start-duckdb' },
  ],
  outdir: bundleDir,
  chunkNames: 'chunk-[hash]',
  splitting: true,
  format: 'esm',
  // CommonJS packages in the bundle (DuckDB's API) require the native bindings.
  banner: {
    js: "import { createRequire as __iamtrailCreateRequire } from 'node:module';\nconst require = __iamtrailCreateRequire(import.meta.url);",
  },
  plugins: [importMetaUrlOfDistFile('esm'), zodEnglishOnly],
});

/** The CommonJS bundle and the hash of its bytes, for each compiled command file. */
const compiledBundles = new Map();
const compiledInputs = [];
for (const file of compiledFiles) {
  const outfile = join(bundleDir, `${bundleName(file)}.cjs`);
  const compiled = await build({
    ...common,
    // DuckDB's API and the start of its instance first, then the command's modules (required, so
    // that esbuild evaluates them here and not before): DuckDB builds its instance on a thread of
    // its own while they are evaluated.
    stdin: {
      contents: `require(${JSON.stringify(startDuckDbFile)}).startHostInstance();\nmodule.exports = require(${JSON.stringify(file)});\n`,
      resolveDir: dirname(file),
      sourcefile: `${bundleName(file)}-entry.js`,
      loader: 'js',
    },
    outfile,
    format: 'cjs',
    // import() of a package left outside (the AWS SDK's) as a require: in a script run through
    // node:vm, import() needs a loader Node 20 marks experimental (a warning on stderr).
    supported: { 'dynamic-import': false },
    minifyWhitespace: true,
    minifySyntax: true,
    // The file is the function Node wraps a CommonJS module in (COMMONJS_WRAPPER), compiled as it
    // is read: no 1.2 MB copy to wrap it at each start.
    banner: { js: COMMONJS_WRAPPER },
    footer: { js: '})' },
    // esbuild's default, said here because the loader reads the file as Latin-1 (checked below).
    charset: 'ascii',
    plugins: [importMetaUrlOfDistFile('cjs'), zodEnglishOnly],
  });
  compiledInputs.push(...Object.keys(compiled.metafile.inputs));
  if (compiled.metafile.inputs[duckDbHostInput] === undefined) {
    console.error(`${relative(repoRoot, outfile)} does not hold ${duckDbHostInput}: has it moved?`);
    process.exit(1);
  }
  const bytes = readFileSync(outfile);
  const nonAscii = bytes.findIndex((byte) => byte > 0x7f);
  if (nonAscii !== -1) {
    console.error(
      `${relative(repoRoot, outfile)} holds a byte past ASCII at offset ${nonAscii}: its loader reads it as Latin-1`,
    );
    process.exit(1);
  }
  const text = bytes.toString('latin1');
  if (!text.startsWith(`${COMMONJS_WRAPPER}\n`) || !text.endsWith('\n})\n')) {
    console.error(
      `${relative(repoRoot, outfile)} is not inside Node's CommonJS wrapper, on lines of its own`,
    );
    process.exit(1);
  }
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  compiledBundles.set(file, { outfile, hash });
}

/** The output files `output` loads before it runs (its static imports, theirs, and so on). */
const staticClosure = (output) => {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const entry of result.metafile.outputs[path]?.imports ?? [])
      if (entry.kind === 'import-statement' && !entry.external) visit(entry.path);
  };
  visit(output);
  return seen;
};
const outputOf = (file) =>
  relative(repoRoot, join(bundleDir, `${bundleName(file)}.js`))
    .split(sep)
    .join('/');
/** Whether the command's code, as it loads, holds the module that opens DuckDB databases. */
const opensDuckDb = (file) =>
  [...staticClosure(outputOf(file))].some(
    (output) => result.metafile.outputs[output]?.inputs[duckDbHostInput] !== undefined,
  );
const importPath = (from, to) => {
  const path = relative(dirname(from), to).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
};
let starting = 0;
for (const file of commandFiles) {
  const target = importPath(file, join(bundleDir, `${bundleName(file)}.js`));
  const compiled = compiledBundles.get(file);
  if (compiled !== undefined) {
    // Its CommonJS bundle, run with V8's code cache; the bundle starts DuckDB's instance itself.
    writeFileSync(
      file,
      `${STUB_MARK}\nimport { fileURLToPath } from 'node:url';\nimport { loadCompiledBundle } from '${importPath(file, join(dist, 'cli', 'compiled-bundle.js'))}';\nexport default loadCompiledBundle(fileURLToPath(new URL('${importPath(file, compiled.outfile)}', import.meta.url)), '${compiled.hash}').exports.default;\n`,
    );
  } else if (opensDuckDb(file)) {
    // Loaded one after the other, as dynamic imports: a static import of the command would have
    // Node compile all of its code before running the first line of either.
    const start = importPath(file, join(bundleDir, 'start-duckdb.js'));
    writeFileSync(
      file,
      `${STUB_MARK}\n(await import('${start}')).startHostInstance();\nexport default (await import('${target}')).default;\n`,
    );
    starting += 1;
  } else {
    writeFileSync(file, `${STUB_MARK}\nexport { default } from '${target}';\n`);
  }
  rmSync(`${file}.map`, { force: true });
}
if (starting === 0) {
  console.error(`no command bundle holds ${duckDbHostInput}: has it moved?`);
  process.exit(1);
}
if (!existsSync(join(bundleDir, `${bundleName(join(commandsDir, 'report.js'))}.cjs`))) {
  console.error('the report command was not bundled');
  process.exit(1);
}
// What each bundle holds, for `npx esbuild --analyze`-style looks (esbuild.github.io/analyze):
// beside dist/, not in the package.
mkdirSync(join(repoRoot, 'build'), { recursive: true });
writeFileSync(join(repoRoot, 'build/cli-bundle-metafile.json'), JSON.stringify(result.metafile));
rmSync(join(bundleDir, 'metafile.json'), { force: true });

// The bundle holds copies of third-party packages: their names, versions and licences, with each
// one's licence text, go with it (dist/bundle/THIRD_PARTY_NOTICES).
const packageDirs = new Set();
for (const input of [...Object.keys(result.metafile.inputs), ...compiledInputs]) {
  // `namespace:path` for the inputs of a plugin; a path relative to the repository otherwise.
  const path = resolve(repoRoot, input.replace(/^[a-z-]+:(?=\/)/, ''))
    .split(sep)
    .join('/');
  const match = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (match?.[1] !== undefined) packageDirs.add(match[1]);
}
const notices = [...packageDirs]
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenceFile = readdirSync(dir).find((name) => /^(licen[cs]e|copying)([.-]|$)/i.test(name));
    const text =
      licenceFile === undefined
        ? '(no licence file in the package)'
        : readFileSync(join(dir, licenceFile), 'utf8').trim();
    return { name: manifest.name, version: manifest.version, license: manifest.license ?? 'see text', text };
  })
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
writeFileSync(
  join(bundleDir, 'THIRD_PARTY_NOTICES'),
  `The files of this folder bundle code of these packages (esbuild), each under its licence:\n\n${notices
    .map((entry) => `${entry.name} ${entry.version} (${entry.license})\n\n${entry.text}\n`)
    .join('\n---\n\n')}`,
);
const outputs = Object.keys(result.metafile.outputs);
console.error(
  `bundled ${commandFiles.length} commands into ${relative(repoRoot, bundleDir)}/ (${outputs.length} files)`,
);
