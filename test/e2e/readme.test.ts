// These tests run the built binary (`runBinary`) and the oclif CLI as processes: `oclif readme` reads
// the built commands, and the README's examples are what a user runs.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { visit } from 'jsonc-parser';
import { format, resolveConfig } from 'prettier';
import { afterAll, describe, expect, it } from 'vitest';

import { DEMO_ARGS, runBinary } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const README_PATH = join(REPO_ROOT, 'README.md');
const README = readFileSync(README_PATH, 'utf8');
const WORK = mkdtempSync(join(tmpdir(), 'iamtrail-readme-'));
afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

interface ManifestFlag {
  readonly type: 'boolean' | 'option';
  readonly allowNo?: boolean;
  readonly hidden?: boolean;
}
/** The commands as oclif sees them (written by the build), flags included. */
const MANIFEST = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
  readonly commands: Record<string, { readonly flags: Record<string, ManifestFlag> }>;
};

/** The text between the end of the line holding `start` and the next line holding `end`. */
function between(text: string, start: string, end: string): string {
  const from = text.indexOf('\n', text.indexOf(start) + start.length) + 1;
  return text.slice(from, text.indexOf(end, from));
}

/** The body of the first fenced block after `marker`. */
function fencedAfter(text: string, marker: string): string {
  const at = text.indexOf(marker);
  expect(at, `README has ${marker}`).toBeGreaterThanOrEqual(0);
  const body = text.indexOf('\n', text.indexOf('```', at)) + 1;
  return text.slice(body, text.indexOf('\n```', body) + 1);
}

describe("README's command reference", () => {
  it('is what `oclif readme` generates from the built commands (run `npm run readme`)', async () => {
    const copy = join(WORK, 'README.md');
    copyFileSync(README_PATH, copy);
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/oclif/bin/run.js'), 'readme', '--no-aliases', '--readme-path', copy],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, COLUMNS: '120', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
        stdio: 'pipe',
      },
    );
    const options = (await resolveConfig(README_PATH)) ?? {};
    const generated = await format(readFileSync(copy, 'utf8'), { ...options, filepath: README_PATH });
    const reference = (text: string): string => between(text, '<!-- commands -->', '<!-- commandsstop -->');
    expect(reference(generated)).toContain('iamtrail iam show');
    expect(reference(README)).toBe(reference(generated));
  });
});

describe("README's flag table of the main job", () => {
  it('has a row for every flag of the report command', () => {
    const section = between(README, '## The main job', '\n## ');
    const table = section
      .split('\n')
      .filter((line) => line.startsWith('| `--'))
      .join('\n');
    const flags = Object.entries(MANIFEST.commands.report?.flags ?? {}).filter(([, flag]) => !flag.hidden);
    expect(flags.length).toBeGreaterThan(10);
    const missing = flags
      .filter(([name, flag]) => {
        const spelled = flag.type === 'boolean' && flag.allowNo === true ? [name, `no-${name}`] : [name];
        return !spelled.some((form) => new RegExp(`\`--${form}[\` ]`).test(table));
      })
      .map(([name]) => `--${name}`);
    expect(missing).toEqual([]);
  });
});

/** Every property path of a JSON or JSONC text (array items as `[]`), tolerating README's `…` placeholders. */
function pathsOfJsonc(text: string): Set<string> {
  const paths = new Set<string>();
  visit(
    text,
    {
      onObjectProperty(property, _offset, _length, _line, _column, pathSupplier) {
        const parent = pathSupplier().map((part) => (typeof part === 'number' ? '[]' : part));
        paths.add([...parent, property].join('.'));
      },
    },
    { allowTrailingComma: true },
  );
  return paths;
}

/** The README's documents in the "JSON documents" block, by schema. */
function readmeDocuments(): Map<string, Set<string>> {
  const documents = new Map<string, Set<string>>();
  for (const part of fencedAfter(README, 'JSON documents (stable').split(/\n(?=\/\/ -)/)) {
    const schema = /schema "([^"]+)"/.exec(part)?.[1];
    if (schema !== undefined) documents.set(schema, pathsOfJsonc(part));
  }
  const iamShow = fencedAfter(README, 'JSON document (`schema: "iamtrail.iam-show/v1"`)');
  documents.set('iamtrail.iam-show/v1', pathsOfJsonc(iamShow));
  return documents;
}

describe("README's examples are what the commands print for the demo", () => {
  const cache = join(WORK, 'cache.duckdb');
  // The demo's month with a cache of this file, so only the first run reads the logs.
  const demoArgs = [...DEMO_ARGS.filter((arg) => arg !== '--no-cache'), '--cache', cache];
  const demo = (args: string): string => {
    const run = runBinary([...demoArgs, ...args.split(' ')]);
    expect(run.status, run.stderr).toBe(0);
    return run.stdout;
  };

  /** The runs whose JSON documents, together, show every field of a schema. */
  const RUNS: Record<string, () => string[]> = {
    'iamtrail.list/v1': () => [
      demo('--account demo --list users --json'),
      demo('--account demo --list roles --json'),
    ],
    'iamtrail.diff/v1': () => [
      demo('--account demo --user alice --json'),
      demo('--account demo --user alice --destrole admin --destaccount backup --json'),
    ],
    'iamtrail.callers/v1': () => [demo('--account backup --destrole admin --json')],
    // The demo's policies name no unknown action and miss no policy: the CLI-shape fixture does both.
    'iamtrail.iam-show/v1': () =>
      ['examples/demo/iam/demo.json', 'test/fixtures/authz-cli-shape.json'].map((file) => {
        const run = runBinary(['iam', 'show', '--iam', file, '--all', '--json']);
        expect(run.status, run.stderr).toBe(0);
        return run.stdout;
      }),
  };

  it('documents the JSON of every schema the commands print', () => {
    expect([...readmeDocuments().keys()].sort()).toEqual(Object.keys(RUNS).sort());
  });

  it.each(Object.keys(RUNS))(
    '%s: the README names only fields the command prints, and every top-level field it prints',
    (schema) => {
      const documented = readmeDocuments().get(schema) ?? new Set<string>();
      const real = new Set((RUNS[schema]?.() ?? []).flatMap((out) => [...pathsOfJsonc(out)]));
      expect(real.size).toBeGreaterThan(5);
      const undocumentedTop = [...real].filter((path) => !path.includes('.') && !documented.has(path));
      const notPrinted = [...documented].filter((path) => !real.has(path));
      expect({ notPrinted, undocumentedTop }).toEqual({ notPrinted: [], undocumentedTop: [] });
    },
    180_000,
  );

  it('every json block parses, and the error document is what an unknown account prints under --json', () => {
    const blocks = README.split('```json\n')
      .slice(1)
      .map((rest) => rest.slice(0, rest.indexOf('\n```')));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(() => JSON.parse(block) as unknown, block.slice(0, 80)).not.toThrow();
    const documented = JSON.parse(fencedAfter(README, '### Errors under `--json`')) as unknown;
    const run = runBinary([
      '--config',
      'examples/demo/config.example.yaml',
      '--account',
      'prod',
      '--user',
      'alice',
      '--json',
    ]);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout.replaceAll(REPO_ROOT, '/…/')) as unknown).toEqual(documented);
  });

  it('the text examples are what the commands print', () => {
    // The callers example: its command line, run as written (plus a cache), prints the lines below it.
    const [command = '', ...printedLines] = fencedAfter(README, '- `--destrole admin` alone lists').split(
      '\n',
    );
    expect(command.startsWith('$ iamtrail ')).toBe(true);
    const argv = command.slice('$ iamtrail '.length).split(' ');
    const run = runBinary([...argv, '--cache', cache]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(printedLines.join('\n'));
    // The roles example is the end of alice's answer.
    const roles = fencedAfter(README, '**Roles a user may assume.**');
    expect(demo('--account demo --user alice')).toContain(roles);
  }, 180_000);

  it('the boundary plan example is what boundary plan prints (its "..." lines elide, a line ending "..." is cut short)', () => {
    const [command = '', ...printedLines] = fencedAfter(README, 'the example below starts after it.').split(
      '\n',
    );
    expect(command.startsWith('$ iamtrail boundary plan ')).toBe(true);
    const run = runBinary([
      ...command.slice('$ iamtrail '.length).split(' '),
      '--cache',
      join(WORK, 'plan.duckdb'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const printed = run.stdout.split('\n');
    let at = 0;
    for (const line of printedLines.filter((candidate) => candidate !== '...')) {
      const matches = (candidate: string): boolean =>
        line.endsWith(', ...') ? candidate.startsWith(line.slice(0, -'...'.length)) : candidate === line;
      const found = printed.findIndex((candidate, index) => index >= at && matches(candidate));
      expect(found, `README line ${JSON.stringify(line)} printed, in order`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  }, 180_000);
});
