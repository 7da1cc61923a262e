import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { flatten, runBinary } from '../helpers/cli.js';

/*
 * The jobs load the AWS SDK only for what they read from AWS: importing its clients takes about
 * half a second (docs/benchmarks.md), which a run over the config's files and the cache never
 * needs. Each command below runs under a module hook that refuses to load any @aws-sdk or @smithy
 * module: it must answer as it does without the hook. A command that does need AWS shows that the
 * hook refuses.
 */
const work = mkdtempSync(join(tmpdir(), 'iamtrail-sdk-loading-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const REFUSAL = 'an AWS SDK module was loaded';
const hook = join(work, 'refuse-aws-sdk.mjs');
writeFileSync(
  hook,
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (/\\\\/node_modules\\\\/@(aws-sdk|smithy)\\\\//.test(resolved.url)) throw new Error('${REFUSAL}: ' + resolved.url);
  return resolved;
}\`));
`,
);
const underHook = (args: string[]) =>
  runBinary(args, { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` });
/** An answer without the time it was made (JSON documents say when). */
const withoutTimes = (stdout: string) => stdout.replace(/"generatedAt": "[^"]*"/g, '"generatedAt": "…"');
const CONFIG = ['--config', 'examples/demo/config.example.yaml'];
const WINDOW = ['--start', '2026-10-01', '--end', '2026-10-31'];

describe('the AWS SDK is loaded only to read from AWS', () => {
  it.each([
    [
      'audit over the config files',
      ['audit', ...CONFIG, '--end', '2026-10-31', '--no-cache', '--format', 'json'],
    ],
    [
      'test over the config files',
      [
        'test',
        ...CONFIG,
        '--tests',
        'examples/policy-tests/demo.yaml',
        ...WINDOW,
        '--no-cache',
        '--format',
        'json',
      ],
    ],
    ['the report', [...CONFIG, '--account', 'demo', '--user', 'alice', ...WINDOW, '--no-cache']],
    [
      'policy generate',
      ['policy', 'generate', ...CONFIG, '--account', 'demo', '--user', 'alice', ...WINDOW, '--no-cache'],
    ],
    [
      'boundary plan',
      [
        'boundary',
        'plan',
        ...CONFIG,
        '--account',
        'demo',
        '--role',
        'admin',
        '--end',
        '2026-10-31',
        '--no-cache',
      ],
    ],
  ])('%s', (_name, args) => {
    const run = underHook(args);
    expect(run.stderr).not.toContain(REFUSAL);
    // The same answer as without the hook (the demo's policy tests include failing ones: exit 1).
    const plain = runBinary(args);
    expect(run.status, run.stderr).toBe(plain.status);
    expect(withoutTimes(run.stdout)).toBe(withoutTimes(plain.stdout));
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  it('refuses it where AWS is read (the hook works): the organisation listed for audit --org', () => {
    const run = underHook([
      'audit',
      ...CONFIG,
      '--org',
      '--role',
      'iamtrail-audit',
      '--end',
      '2026-10-31',
      '--no-cache',
    ]);
    expect(run.status).not.toBe(0);
    expect(flatten(run.stderr)).toContain(REFUSAL);
  });
});
