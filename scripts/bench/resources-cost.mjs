#!/usr/bin/env node
// What reading the resources of the calls costs the local engine: the summary of a benchmark tree
// read by DuckDbEngine (dist/) without them (every question but policy generate and boundary) and
// with them, each in a process of its own (for its peak RSS, GNU time), alternating, in the same
// run; prints seconds and peak RSS of each, and the ratios. Build first (`npm run build`).
//   node scripts/bench/resources-cost.mjs LOGS_DIR START_DAY END_DAY [RUNS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [logs, startDay, endDay, runsArg, mode] = process.argv.slice(2);
if (logs === undefined || startDay === undefined || endDay === undefined) {
  console.error('usage: node scripts/bench/resources-cost.mjs LOGS_DIR START_DAY END_DAY [RUNS]');
  process.exit(2);
}

if (mode !== undefined) {
  // A child: one summary, spilled to Parquet as a cached question reads it.
  const { DuckDbEngine } = await import('../../dist/engines/duckdb/duckdb-engine.js');
  const spillDir = mkdtempSync(join(tmpdir(), 'iamtrail-resources-cost-'));
  const engine = await DuckDbEngine.create({ logsDir: logs, reporter: { warn: () => undefined }, spillDir });
  try {
    await engine.summarize({ startDay, endDay, resources: mode === 'with' });
  } finally {
    await engine.close();
    rmSync(spillDir, { recursive: true, force: true });
  }
  process.exit(0);
}

const runs = Number(runsArg ?? 3);
const results = { without: [], with: [] };
for (let run = 0; run < runs; run += 1)
  for (const which of ['without', 'with']) {
    const started = process.hrtime.bigint();
    const child = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, fileURLToPath(import.meta.url), logs, startDay, endDay, '1', which],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rssMb = Number(child.stderr.trim().split('\n').at(-1)) / 1024;
    results[which].push({ seconds, rssMb });
  }
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = Object.fromEntries(
  Object.entries(results).map(([which, list]) => [
    which,
    { seconds: median(list.map((r) => r.seconds)), rssMb: median(list.map((r) => r.rssMb)) },
  ]),
);
for (const [which, list] of Object.entries(results))
  console.log(
    `${which} resources: ${list.map((r) => r.seconds.toFixed(2)).join(' / ')} s, peak ${list.map((r) => r.rssMb.toFixed(0)).join(' / ')} MB`,
  );
console.log(
  `with / without: ${(summary.with.seconds / summary.without.seconds).toFixed(2)}x the time, ${(summary.with.rssMb / summary.without.rssMb).toFixed(2)}x the peak RSS (medians of ${runs})`,
);
