#!/usr/bin/env node
// Where the local engine's memory goes during a summary: after each DuckDB statement that takes
// long enough to matter, DuckDB's own accounting (duckdb_memory(), by tag) and the process's RSS.
// Imports dist/: run `npm run build` first.
//   node scripts/bench/cold-memory.mjs LOGS_DIR START_DAY END_DAY ACCOUNT
import { performance } from 'node:perf_hooks';

import { DuckDBConnection } from '@duckdb/node-api';

const dist = new URL('../../dist/', import.meta.url);
const probes = [];
let probing = false;
const readAll = DuckDBConnection.prototype.runAndReadAll;
const mb = (bytes) => Math.round(Number(bytes) / 1048576);
for (const name of ['run', 'runAndReadAll']) {
  const original = DuckDBConnection.prototype[name];
  DuckDBConnection.prototype[name] = async function (sql, ...rest) {
    const t0 = performance.now();
    const result = await original.call(this, sql, ...rest);
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
        `${(ms / 1000).toFixed(1).padStart(6)} s  RSS ${mb(process.memoryUsage.rss())} MB  duckdb: ${tags.join(', ') || '-'}  <- ${String(sql).replace(/\s+/g, ' ').slice(0, 60)}`,
      );
    }
    return result;
  };
}
const { DuckDbEngine } = await import(new URL('engines/duckdb/duckdb-engine.js', dist));
const [logsDir, startDay, endDay, account] = process.argv.slice(2);
const engine = await DuckDbEngine.create({ logsDir, reporter: { warn() {}, progress() {} } });
const result = await engine.summarize({ startDay, endDay, accountIds: [account] });
console.log(`rows ${result.rows.length}, RSS after the summary ${mb(process.memoryUsage.rss())} MB`);
await engine.close();
for (const probe of probes) console.log(probe);
