/*
 * What the stub of a command that opens a DuckDB database runs before the command's code loads
 * (scripts/build-cli-bundle.mjs): DuckDB builds the process's instance on a thread of its own
 * meanwhile. Kept apart from the commands so that loading it loads DuckDB's API and nothing else.
 */
export { startHostInstance } from '../engines/duckdb/duckdb-host.js';
