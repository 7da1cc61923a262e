// Every test here needs the built binary as a process (`runBinary`): the flags-first routing of
// bin/run.js, the help class, the plugins and the command_not_found hook are wired by bin/run.js and
// package.json, and "no terminal" is a property of the process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { ErrorDocument } from '../../src/cli/error-document.js';
import { flatten, runBinary } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface ManifestCommand {
  readonly examples?: readonly string[];
  readonly hidden?: boolean;
  readonly flags: Record<
    string,
    { readonly type: string; readonly allowNo?: boolean; readonly hidden?: boolean }
  >;
}
/** The commands as oclif sees them (written by the build). */
const MANIFEST = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
  readonly commands: Record<string, ManifestCommand>;
};
const REPORT = MANIFEST.commands.report;
const DEMO_CONFIG = ['--config', 'examples/demo/config.example.yaml'];
const WORK = mkdtempSync(join(tmpdir(), 'iamtrail-cli-help-'));
afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

/** Whitespace collapsed, so lines oclif wrapped compare equal to the one-line originals. */
const squeeze = (text: string): string => text.replace(/\s+/g, ' ');

/** Asserts that a help text shows the report command's usage, every flag and every example. */
function expectReportHelp(stdout: string): void {
  expect(REPORT).toBeDefined();
  const text = squeeze(stdout);
  expect(text).toContain(
    '$ iamtrail --account NAME (--list users|roles | --user NAME | --role NAME | --destrole ROLE)',
  );
  expect(text).toContain('$ iamtrail report --account NAME');
  const flags = Object.entries(REPORT?.flags ?? {}).filter(([, flag]) => !flag.hidden);
  expect(flags.length).toBeGreaterThan(10);
  const missing = flags
    .map(([name, flag]) =>
      flag.type === 'boolean' && flag.allowNo === true ? `--[no-]${name}` : `--${name}`,
    )
    .filter((label) => !new RegExp(`(^|\\s)${label.replace(/[[\]]/g, '\\$&')}[=\\s]`).test(stdout));
  expect(missing).toEqual([]);
  for (const example of REPORT?.examples ?? []) {
    expect(text).toContain(squeeze(example.replace('<%= config.bin %>', '$ iamtrail')));
  }
}

describe('help', () => {
  it.each([[['--help']], [['help']], [['-h']]])(
    'iamtrail %j shows the main job, then the other commands',
    (argv) => {
      const run = runBinary(argv);
      expect(run.status, run.stderr).toBe(0);
      expectReportHelp(run.stdout);
      expect(squeeze(run.stdout)).toContain('$ iamtrail COMMAND');
      // Every other command is listed: top-level ones by name, the others under their topic.
      const topLevel = new Set(
        Object.entries(MANIFEST.commands)
          .filter(([, command]) => command.hidden !== true)
          .map(([id]) => id.split(':')[0] ?? id),
      );
      for (const name of [...topLevel, 'help', 'autocomplete']) {
        expect(run.stdout, name).toMatch(new RegExp(`^ {2}${name} {2,}\\S`, 'm'));
      }
    },
  );

  it.each([[['report', '--help']], [['--account', 'demo', '--help']]])(
    'iamtrail %j shows the report command in both forms',
    (argv) => {
      const run = runBinary(argv);
      expect(run.status, run.stderr).toBe(0);
      expectReportHelp(run.stdout);
      expect(run.stdout).not.toContain('$ iamtrail COMMAND');
    },
  );
});

describe('mistyped commands, without a terminal', () => {
  it.each([
    ['reprot', 'Did you mean "iamtrail report"?'],
    ['cahce status', 'Did you mean "iamtrail cache status"?'],
    ['iam shwo', 'Did you mean "iamtrail iam show"?'],
  ])('iamtrail %s suggests the closest command and exits 2 without asking', (typed, suggestion) => {
    const run = runBinary(typed.split(' '));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const stderr = flatten(run.stderr);
    expect(stderr).toContain(`"${typed}" is not an iamtrail command`);
    expect(stderr).toContain(suggestion);
    expect(stderr).not.toContain('(Y/n)');
  });

  it('says where to look when nothing is close', () => {
    const run = runBinary(['frobnicate']);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).not.toContain('Did you mean');
    expect(flatten(run.stderr)).toContain('Run "iamtrail help" for the list of commands');
  });
});

describe('mistyped flags', () => {
  it.each([
    [[...DEMO_CONFIG, '--acount', 'demo', '--user', 'alice'], '--account', '--acount'],
    [[...DEMO_CONFIG, '--account', 'demo', '--usr', 'alice'], '--user', '--usr'],
    [[...DEMO_CONFIG, '--account', 'demo', '--user', 'alice', '--show-use'], '--show-used', '--show-use'],
    [['iam', 'show', '--iam', 'examples/demo/iam/demo.json', '--rol', 'admin'], '--role', '--rol'],
  ])('%j: did you mean %s', (argv, meant, typed) => {
    const run = runBinary(argv);
    expect(run.status).toBe(2);
    const stderr = flatten(run.stderr);
    expect(stderr).toContain(`Nonexistent flag: ${typed}`);
    expect(stderr).toContain(`Did you mean ${meant} (not ${typed})?`);
  });
});

describe('--account not in the config', () => {
  it('suggests the closest configured account, as for users', () => {
    const run = runBinary([...DEMO_CONFIG, '--account', 'bakup', '--user', 'alice', '--no-cache']);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain('unknown account "bakup"');
    expect(flatten(run.stderr)).toContain('Did you mean: backup?');
  });
});

describe('errors under --json', () => {
  const notIamtrails = join(WORK, 'not-a-cache.txt');
  writeFileSync(notIamtrails, 'someone else’s notes\n');
  const cases: [string, string[]][] = [
    ['unknown account', [...DEMO_CONFIG, '--account', 'prod', '--user', 'alice', '--no-cache']],
    ['unknown user', [...DEMO_CONFIG, '--account', 'demo', '--user', 'alicia', '--no-cache']],
    ['missing config file', ['--config', join(WORK, 'missing.yaml'), '--account', 'demo', '--list', 'users']],
    [
      'bad date',
      [...DEMO_CONFIG, '--account', 'demo', '--list', 'users', '--start', '2026-13-45', '--no-cache'],
    ],
    ['mistyped flag', [...DEMO_CONFIG, '--acount', 'demo', '--list', 'users']],
    ['missing required flag', [...DEMO_CONFIG, '--list', 'users']],
    ['missing IAM file', ['iam', 'show', '--iam', join(WORK, 'none.json'), '--user', 'alice']],
    ['a cache file iamtrail did not make', ['cache', 'status', '--cache', notIamtrails]],
    ['mistyped command', ['reprot', '--account', 'demo']],
  ];

  it.each(cases)(
    '%s: one JSON error document on stdout, the same exit code as without --json',
    (_name, argv) => {
      const plain = runBinary(argv);
      const json = runBinary([...argv, '--json']);
      expect(plain.status).not.toBe(0);
      expect(json.status).toBe(plain.status);
      const document = JSON.parse(json.stdout) as ErrorDocument;
      expect(Object.keys(document)).toEqual(['error']);
      expect(Object.keys(document.error).sort()).toEqual(['code', 'exitCode', 'message', 'suggestions']);
      expect(document.error.exitCode).toBe(plain.status);
      expect(document.error.code).toMatch(/^IAMTRAIL_[A-Z]+$/);
      // The message is the one printed without --json (where oclif wraps and marks its lines).
      expect(flatten(plain.stderr)).toContain(squeeze(document.error.message).slice(0, 40));
      expect(json.stderr).not.toContain('Error:');
    },
  );

  it.each([
    [
      ['--format', 'csv'],
      [...DEMO_CONFIG, '--account', 'demo', '--list', 'users', '--no-cache'],
    ],
    [
      ['--format', 'text'],
      ['iam', 'show', '--iam', 'examples/demo/iam/demo.json', '--user', 'alice'],
    ],
  ])('%j with --json is a usage error (exit 2)', (format, argv) => {
    const run = runBinary([...argv, ...format, '--json']);
    expect(run.status).toBe(2);
    const document = JSON.parse(run.stdout) as ErrorDocument;
    expect(document.error.code).toBe('IAMTRAIL_USAGE');
    expect(document.error.message).toBe(
      `--json prints JSON; it does not go with --format ${format[1] ?? ''}`,
    );
  });

  it('--format json with --json is the document, not an error', () => {
    const run = runBinary([
      'iam',
      'show',
      '--iam',
      'examples/demo/iam/demo.json',
      '--user',
      'alice',
      '--format',
      'json',
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { schema: string }).schema).toBe('iamtrail.iam-show/v1');
  });
});

describe('shell completion', () => {
  it.each(['bash', 'zsh', 'powershell'])('iamtrail autocomplete %s says how to install it', (shell) => {
    const run = runBinary(['autocomplete', shell]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`iamtrail autocomplete script ${shell}`);
  });

  it('completes every command, and every flag of report (bash)', () => {
    const home = join(WORK, 'completion');
    const run = runBinary(['autocomplete', '--refresh-cache'], { XDG_CACHE_HOME: home });
    expect(run.status, run.stderr).toBe(0);
    const script = readFileSync(join(home, 'iamtrail/autocomplete/functions/bash/iamtrail.bash'), 'utf8');
    const visible = Object.entries(MANIFEST.commands).filter(([, command]) => command.hidden !== true);
    for (const [id] of visible) expect(script).toMatch(new RegExp(`^${id} `, 'm'));
    const reportLine = script.split('\n').find((line) => line.startsWith('report '));
    const flags = Object.keys(REPORT?.flags ?? {}).map((name) => `--${name}`);
    expect(flags.filter((flag) => !(reportLine ?? '').split(' ').includes(flag))).toEqual([]);
  });
});
