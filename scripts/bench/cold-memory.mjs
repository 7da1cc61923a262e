#!/usr/bin/env node
// Where the local engine's memory goes during a summary: for each DuckDB statement that takes long
// enough to matter, the process's highest RSS while it ran, and after it DuckDB's own accounting
// (duckdb_memory(), by tag) and the RSS.
// Imports dist/: run `npm run build` first.
//   node scripts/bench/cold-memory.mjs LOGS_DIR START_DAY END_DAY ACCOUNT [SPILL_DIR]
// With SPILL_DIR, the summary goes to a Parquet file there, as the CLI's does, not to JS rows.
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

import { DuckDBConnection } from '@duckdb/node-api';

const dist = new URL('../../dist/', import.meta.url);
const probes = [];
let probing = false;
const readAll = DuckDBConnection.prototype.runAndReadAll;
// The highest RSS seen while each statement ran, sampled every 50 ms (DuckDB runs off the main thread).
let peak = 0;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 50).unref();
const mb = (bytes) => Math.round(Number(bytes) / 1048576);
for (const name of ['run', 'runAndReadAll']) {
  const original = DuckDBConnection.prototype[name];
  DuckDBConnection.prototype[name] = async function (sql, ...rest) {
    const t0 = performance.now();
    if (!probing) peak = process.memoryUsage.rss();
    const result = await original.call(this, sql, ...rest);
    const peakDuring = Math.max(peak, process.memoryUsage.rss());
    const ms = performance.now() - t0;
    if (!probing && ms > 50) {
      probing = true;
      const memory = await readAll.call(
        this,
        'SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 1048576 OR temporary_storage_bytes > 0 ORDER BY memory_usage_bytes DESC',
      );
      probing = false;
      const tags = memory
        .getRows()
        .map(
          ([tag, used, spilled]) =>
            `${tag} ${mb(used)}${Number(spilled) > 0 ? `+${mb(spilled)} spilled` : ''}`,
        );
      probes.push(
        `${(ms / 1000).toFixed(1).padStart(6)} s  peak RSS ${mb(peakDuring)} MB, after ${mb(process.memoryUsage.rss())} MB  duckdb: ${tags.join(', ') || '-'}  <- ${String(sql).replace(/\s+/g, ' ').slice(0, 60)}`,
      );
    }
    return result;
  };
}
const { DuckDbEngine } = await import(new URL('engines/duckdb/duckdb-engine.js', dist));
const [logsDir, startDay, endDay, account, spillDir] = process.argv.slice(2);
const engine = await DuckDbEngine.create({
  logsDir,
  reporter: { warn() {}, progress() {} },
  ...(spillDir === undefined ? {} : { spillDir }),
});
const result = await engine.summarize({ startDay, endDay, accountIds: [account] });
console.log(`rows ${result.rows.length}, RSS after the summary ${mb(process.memoryUsage.rss())} MB`);
await engine.close();
for (const probe of probes) console.log(probe);
