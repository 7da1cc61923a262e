import { DuckDbEngine } from './dist/engines/duckdb/duckdb-engine.js';
const e = await DuckDbEngine.create({ logsDir: process.argv[2], reporter: { warn: (m) => console.error('WARN', m) } });
const t = Date.now();
const r = await e.summarize({ startDay: '2023-07-10', endDay: '2023-07-10' });
console.log(Date.now() - t, 'ms', r.filesRead, r.skippedFiles.length, r.rows.length, r.rows.reduce((a, x) => a + x.calls, 0));
console.log(r.rows.slice(0, 3));
await e.close();
