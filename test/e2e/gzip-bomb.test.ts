import { cpSync, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { runBinary } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

// Peak memory is a property of a process: this runs the built binary.

const work = mkdtempSync(join(tmpdir(), 'iamtrail-gzip-bomb-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DEMO = join(REPO_ROOT, 'examples/demo');
const WINDOW = ['--start', '2026-10-01', '--end', '2026-10-31', '--no-cache'];

/** A config file of the demo organisation whose logs are `logs`. */
function writeConfig(name: string, logs: string): string {
  const file = join(work, name);
  writeFileSync(
    file,
    [
      `logs: ${logs}`,
      'accounts:',
      '  - name: demo',
      '    id: "111111111111"',
      `    iam: ${join(DEMO, 'iam/demo.json')}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Runs the built binary and reads its peak resident set size (which counts DuckDB's memory too). */
function runMeasured(args: readonly string[]): CliRun & { peakRssMb: number } {
  const preload = join(work, 'peak-rss.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\\n`));\n",
  );
  const run = runBinary(args, { NODE_OPTIONS: `--require ${preload}` });
  const kilobytes = /peak-rss-kb (\d+)/.exec(run.stderr)?.[1];
  expect(kilobytes).toBeDefined();
  return { ...run, peakRssMb: Number(kilobytes) / 1024 };
}

describe('a gzip bomb in the log folder', () => {
  it('is skipped with a warning, the other results unchanged, at no cost in memory', async () => {
    const logs = join(work, 'bomb-logs');
    cpSync(join(DEMO, 'logs'), logs, { recursive: true });
    const config = writeConfig('bomb.yaml', logs);
    const args = ['--config', config, '--account', 'demo', '--list', 'users', ...WINDOW];
    const before = runMeasured(args);
    expect(before.status).toBe(0);

    // 300 MiB of CloudTrail-shaped JSON, past the default limit of 256 MiB, written as a stream.
    const inflatedBytes = 300 * 1024 * 1024;
    const record = JSON.stringify({ eventTime: '2026-10-05T10:00:00Z', eventName: 'GetObject' });
    const chunk = `${record},`.repeat(1000);
    function* bombText(): Generator<string> {
      yield '{"Records": [';
      for (let written = 0; written < inflatedBytes; written += chunk.length) yield chunk;
    }
    const bomb = join(logs, 'AWSLogs/o-demo12345/111111111111/CloudTrail/us-east-1/2026/10/05/bomb.json.gz');
    await pipeline(Readable.from(bombText()), createGzip(), createWriteStream(bomb));

    const after = runMeasured(args);
    expect(after.status).toBe(0);
    // Reading the bomb, or even DuckDB buffering it up to the limit, would cost 256 MiB or more.
    expect(after.peakRssMb - before.peakRssMb).toBeLessThan(64);
    // The same answer, but one more file the window could not read (the demo holds one already).
    expect(before.stdout).toContain('Note: 1 log file(s) of the window could not be read');
    expect(after.stdout).toBe(before.stdout.replace('Note: 1 log file(s)', 'Note: 2 log file(s)'));
    expect(after.stderr).toContain(
      `warning: skipped ${bomb}: inflates past 256 MB (the limit for one log file; IAMTRAIL_MAX_LOG_FILE_MB raises it)\n`,
    );
  });
});
