import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DEMO_ARGS, flatten, runBinary, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { writeDemoConfig, writeTrail } from '../helpers/trail-fixture.js';

// What only the built binary in a process of its own can show: bin/run.js's routing, oclif's
// help and version, exit codes as the shell sees them, colour from the environment, a closed
// stdin, a path that would hang a process; and that the in-process runner of `npm test` answers
// as the binary does.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-e2e-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const pjson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  oclif: { topics: Record<string, { description: string }> };
};
const demo = (...args: string[]) => runBinary([...DEMO_ARGS, ...args]);

describe('bin/run.js', () => {
  it('--help lists every topic of package.json with its description', () => {
    const result = runBinary(['--help']);
    expect(result.status).toBe(0);
    // Help wraps long descriptions: compare with white space runs as one space.
    const text = result.stdout.replace(/\s+/g, ' ');
    for (const [topic, { description }] of Object.entries(pjson.oclif.topics)) {
      expect(text).toContain(` ${topic} ${description}`);
    }
  });

  it('--version prints the package version', () => {
    const result = runBinary(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith(`iamtrail/${pjson.version} `)).toBe(true);
  });

  it('routes flags first to the report command, as CloudTracker took them', () => {
    const viaRoot = demo('--account', 'demo', '--user', 'charlie');
    const viaCommand = runBinary(['report', ...DEMO_ARGS, '--account', 'demo', '--user', 'charlie']);
    expect(viaRoot.status).toBe(0);
    expect(viaRoot.stdout).toBe(viaCommand.stdout);
    expect(viaRoot.stdout).toContain('+ kms:Decrypt');
  });

  it('answers as the in-process runner of npm test does (stdout, stderr and exit code)', async () => {
    for (const args of [
      [...DEMO_ARGS, '--account', 'demo', '--list', 'roles'],
      [...DEMO_ARGS, '--account', 'prod', '--list', 'users'],
      [...DEMO_ARGS, '--account', 'demo', '--list', 'groups'],
      ['iam', 'show', '--iam', 'test/fixtures/authz-cli-shape.json', '--user', 'alcie'],
    ]) {
      const binary = runBinary(args);
      const inProcess = await runCli(args);
      expect(inProcess, args.join(' ')).toEqual(binary);
    }
  });
});

describe('exit codes as the shell sees them', () => {
  const logs = writeTrail(join(work, 'trail'), [{ account: '111111111111', day: '2026-10-05' }]);
  const config = writeDemoConfig(join(work, 'config.yaml'), logs, ['demo']);
  const question = ['--config', config, '--account', 'demo', '--list', 'users'];
  const window = ['--start', '2026-10-01', '--end', '2026-10-31'];

  it.each([
    { name: 'an answer', args: [...question, ...window, '--no-cache'], status: 0 },
    { name: 'a flag value oclif rejects', args: [...question, '--list', 'groups'], status: 2 },
    { name: 'an unknown account', args: [...DEMO_ARGS, '--account', 'prod', '--list', 'users'], status: 2 },
    { name: 'a bad date', args: [...question, '--start', '2026-10-32', '--no-cache'], status: 2 },
  ])('$status for $name', ({ args, status }) => {
    expect(runBinary(args).status).toBe(status);
  });

  it('3 for a damaged cache (an engine failure)', () => {
    const cache = join(work, 'damaged.duckdb');
    expect(runBinary([...question, ...window, '--cache', cache]).status).toBe(0);
    truncateSync(cache, Math.floor(statSync(cache).size / 2));
    const result = runBinary([...question, ...window, '--cache', cache]);
    expect(result.status).toBe(3);
    expect(flatten(result.stderr)).toContain(`the cache ${cache} is damaged`);
  });

  it('2 at once for --cache /proc/x/y, whose folder cannot be created', () => {
    // Node's recursive mkdir spins forever on this path: the time limit turns a hang into a signal.
    const result = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin/run.js'), ...question, ...window, '--cache', '/proc/x/y'],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 45_000 },
    );
    expect(result.signal).toBeNull();
    expect(result.status).toBe(2);
    expect(flatten(result.stderr)).toContain('cannot create the folder /proc/x for the cache /proc/x/y');
  });

  // The demo's audit JSON is megabytes, far over a pipe's 64 KiB: all of it is printed whether
  // the run ends in an error exit (--fail-on low makes it exit 1) or exits early after success.
  it.each([
    ['after success', [], 0],
    ['before a non-zero exit code', ['--fail-on', 'low'], 1],
  ])('prints a whole piped output longer than the pipe buffer %s', (_when, extra, status) => {
    const result = runBinary([
      'audit',
      '--config',
      'examples/demo/config.example.yaml',
      '--end',
      '2026-10-31',
      '--no-cache',
      '--format',
      'json',
      ...extra,
    ]);
    expect(result.status, result.stderr).toBe(status);
    expect(result.stdout.length).toBeGreaterThan(1 << 16);
    const document = JSON.parse(result.stdout) as { schema: string };
    expect(document.schema).toBe('iamtrail.audit/v1');
  });

  it("runs the report's code from V8's code cache once a first run wrote it, with the same answer", () => {
    const home = join(work, 'code-cache-home');
    const folder = join(home, 'iamtrail', 'compile-cache');
    const ask = (env: NodeJS.ProcessEnv = {}) =>
      runBinary([...DEMO_ARGS, '--account', 'demo', '--user', 'alice', '--no-cache'], {
        XDG_CACHE_HOME: home,
        ...env,
      });
    const disabled = ask({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(disabled.status, disabled.stderr).toBe(0);
    expect(existsSync(folder)).toBe(false);
    const first = ask();
    const [cacheFile, ...others] = readdirSync(folder);
    expect(others).toEqual([]);
    expect(cacheFile).toMatch(
      new RegExp(`^commands-report-[0-9a-f]{16}-${process.version}-${process.arch}\\.bin$`),
    );
    const written = statSync(join(folder, cacheFile ?? '')).mtimeMs;
    const second = ask();
    // Read, not rewritten; and the three answers are one.
    expect(statSync(join(folder, cacheFile ?? '')).mtimeMs).toBe(written);
    for (const run of [first, second]) {
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toBe(disabled.stdout);
      expect(run.stderr).toBe(disabled.stderr);
    }
    expect(first.stdout).toContain('+ ec2:DescribeInstances');
  });

  it('answers with stdin closed, as under CI', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/run.js'), ...question, ...window], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(work, 'cache-home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}alice +2026-10-05$/m);
  });
});

describe('colour', () => {
  it("colours lines with CloudTracker's colours when forced, and not with --no-color or NO_COLOR", () => {
    const forced = { NO_COLOR: undefined, FORCE_COLOR: '1' };
    const coloured = runBinary([...DEMO_ARGS, '--account', 'demo', '--user', 'alice', '--show-used'], forced);
    expect(coloured.stdout).toContain('\u001b[32m+ ec2:DescribeInstances\u001b[39m');
    expect(coloured.stdout).toContain('\u001b[37m  s3:GetObject\u001b[39m');
    const unused = runBinary([...DEMO_ARGS, '--account', 'demo', '--role', 'readonly'], forced).stdout;
    expect(unused).toContain('\u001b[31m- ec2:Describe');
    expect(unused).toContain('\u001b[33m? ');
    const noColor = runBinary([...DEMO_ARGS, '--account', 'demo', '--user', 'alice', '--no-color'], forced);
    expect(noColor.stdout).not.toContain('\u001b[');
    const envNoColor = runBinary([...DEMO_ARGS, '--account', 'demo', '--user', 'alice'], {
      FORCE_COLOR: '1',
    });
    expect(envNoColor.stdout).not.toContain('\u001b[');
  });
});

describe("the README's quick start", () => {
  it('runs the main job on the demo organisation as written', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'));
    const first = /^\$ (.*)$/m.exec(quickStart)?.[1] ?? '';
    // The install step is CI's (.ci/run runs the line whole); here the binary is already built.
    const command = first.replace(/^npm ci && /, '');
    expect(command).toMatch(/^\.\/bin\/run\.js /);
    const result = spawnSync('bash', ['-c', command], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(work, 'quick-start-cache') },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}s3:GetObject$/m);
    expect(result.stdout).toMatch(/^\+ ec2:DescribeInstances$/m);
  });
});

describe('the command bundle (dist/bundle)', () => {
  it('ships the licence of every third-party package whose code it holds, and not esbuild’s metafile', () => {
    // The packages the bundle holds, from the JavaScript files of the bundle themselves: esbuild
    // leaves a `// node_modules/<package>/...` comment before each module it copies.
    const bundleDir = join(REPO_ROOT, 'dist/bundle');
    const held = new Set<string>();
    for (const name of readdirSync(bundleDir).filter((file) => file.endsWith('.js')))
      for (const match of readFileSync(join(bundleDir, name), 'utf8').matchAll(
        /^\/\/ (?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm,
      ))
        held.add(match[1] ?? '');
    expect(held.size).toBeGreaterThan(5);
    const notices = readFileSync(join(bundleDir, 'THIRD_PARTY_NOTICES'), 'utf8');
    for (const name of held)
      expect(notices, name).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `, 'm'));
    expect(notices).not.toContain('(no licence file in the package)');
    expect(existsSync(join(bundleDir, 'metafile.json'))).toBe(false);
  });

  it("starts DuckDB's instance before a command's code loads, loading DuckDB's API and no other package", () => {
    const bundleDir = join(REPO_ROOT, 'dist/bundle');
    // The audit's stub imports the start first, then the command, one after the other.
    const stub = readFileSync(join(REPO_ROOT, 'dist/commands/audit.js'), 'utf8').split('\n');
    expect(stub[1]).toBe("(await import('../bundle/start-duckdb.js')).startHostInstance();");
    expect(stub[2]).toBe("export default (await import('../bundle/commands-audit.js')).default;");
    // What loading the start loads: its file and the chunks it imports statically, theirs, ...
    const loaded = new Set<string>();
    const visit = (name: string): void => {
      if (loaded.has(name)) return;
      loaded.add(name);
      for (const match of readFileSync(join(bundleDir, name), 'utf8').matchAll(
        /^import .*?"\.\/(chunk-\w+\.js)";$/gms,
      ))
        visit(match[1] ?? '');
    };
    visit('start-duckdb.js');
    const packages = new Set<string>();
    for (const name of loaded)
      for (const match of readFileSync(join(bundleDir, name), 'utf8').matchAll(
        /^\/\/ (?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm,
      ))
        packages.add(match[1] ?? '');
    expect([...packages]).toEqual(['@duckdb/node-api']);
  });

  it("runs the report from its CommonJS bundle through the code cache, DuckDB's start before the command's modules", () => {
    const stub = readFileSync(join(REPO_ROOT, 'dist/commands/report.js'), 'utf8');
    const hash =
      /'\.\.\/bundle\/commands-report\.cjs', import\.meta\.url\)\), '([0-9a-f]{16})'\)\.exports\.default;/.exec(
        stub,
      )?.[1];
    expect(stub).toContain("import { loadCompiledBundle } from '../cli/compiled-bundle.js';");
    // The hash in the stub is the bundle's own: a rebuilt bundle never meets an older cache.
    const bundle = readFileSync(join(REPO_ROOT, 'dist/bundle/commands-report.cjs'));
    expect(hash).toBe(createHash('sha256').update(bundle).digest('hex').slice(0, 16));
    // No import(): in a script run through node:vm it would need a loader Node 20 warns about.
    expect(bundle.toString('utf8')).not.toMatch(/\bimport\(/);
    // Every module of the command is evaluated when required, after the start (esbuild's names),
    // in the wrapper the loader compiles as it is; ASCII, which the loader reads as Latin-1.
    expect(bundle.toString('utf8').trimEnd()).toMatch(
      /^\(function \(exports, require, module, __filename, __dirname\) \{\n[^]*\(init_start_duckdb\(\),__toCommonJS\(start_duckdb_exports\)\)\.startHostInstance\(\);module\.exports=\(init_report\(\),__toCommonJS\(report_exports\)\);\n\}\)$/,
    );
    expect(bundle.every((byte) => byte < 0x80)).toBe(true);
  });
});
