import { open } from 'node:fs/promises';

import type { DuckDBConnection } from '@duckdb/node-api';

import { duckDbFilePattern } from '../duckdb/duckdb-sql.js';
import { EngineError, messageOf } from '../../errors.js';
import { SUMMARY_RESULT_COLUMNS } from '../../trail/activity-summary.js';
import type { SummaryColumnType } from '../../trail/activity-summary.js';

/*
 * The summary's result, read from the object Athena wrote to S3 rather than through
 * GetQueryResults: DuckDB reads the downloaded CSV with the summary's column types and writes the
 * Parquet file the cache loads, so no row crosses into JavaScript.
 *
 * Why the query's own CSV object and not UNLOAD … TO 's3://…' WITH (format = 'PARQUET'): Athena
 * documents that UNLOAD takes execution parameters (as SELECT, INSERT INTO and CTAS do), so the
 * bound values would not stop it. But every SELECT already writes `<OutputLocation>/<id>.csv`,
 * one object at a known name that the ledger records and cleanup removes; UNLOAD writes several
 * files in parallel under a prefix that must be empty, found through its manifest or an S3
 * listing, plus the manifest and metadata, all of which cleanup would have to learn. The CSV is
 * larger to download (uncompressed text, about three times the Parquet), which is the price.
 * See docs/athena-results.md.
 */

/** Longest header line read: the summary's column names take a few hundred bytes. */
const MAX_HEADER_BYTES = 64 * 1024;

/** How a result's columns differ from the summary's contract. */
export interface ColumnMismatch {
  /** Contract columns the result lacks. */
  readonly missing: readonly string[];
  /** Result columns the contract does not know. */
  readonly extra: readonly string[];
  /** Columns named more than once. */
  readonly repeated: readonly string[];
}

/**
 * Compares a result's column names with the contract's; `undefined` when they are the same set.
 * Order does not matter: the result is read by name.
 */
export function compareColumns(
  names: readonly string[],
  contract: Readonly<Record<string, SummaryColumnType>> = SUMMARY_RESULT_COLUMNS,
): ColumnMismatch | undefined {
  const expected = Object.keys(contract);
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  const missing = expected.filter((name) => !seen.has(name));
  const extra = names.filter((name) => !(name in contract));
  if (missing.length === 0 && extra.length === 0 && repeated.size === 0) return undefined;
  return { missing, extra: [...new Set(extra)], repeated: [...repeated] };
}

/**
 * The column names of an Athena CSV header line: every name quoted (`"account_id","day",…`), a
 * quote inside doubled. `undefined` when the line is not such a header.
 */
export function parseCsvHeader(line: string): string[] | undefined {
  const names: string[] = [];
  const text = line.replace(/\r?\n$/, '');
  let index = 0;
  for (;;) {
    if (text[index] !== '"') return undefined;
    let name = '';
    index += 1;
    for (;;) {
      const quote = text.indexOf('"', index);
      if (quote < 0) return undefined;
      name += text.slice(index, quote);
      if (text[quote + 1] === '"') {
        name += '"';
        index = quote + 2;
        continue;
      }
      index = quote + 1;
      break;
    }
    names.push(name);
    if (index === text.length) return names;
    if (text[index] !== ',') return undefined;
    index += 1;
  }
}

/** Reads the first line of a file (at most {@link MAX_HEADER_BYTES}). */
async function readFirstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_HEADER_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

/** A DuckDB string literal. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A DuckDB identifier. */
function identifier(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/**
 * Converts the CSV result object of a summary query (downloaded to `csvFile`) into the Parquet
 * file `parquetFile`, inside DuckDB, with the contract's column types. Athena's CSV quotes every
 * value and writes NULL as an empty unquoted field, so `""` is an empty string and an empty field
 * NULL. A header that lacks a contract column or has one more, or a value that does not parse as
 * its type, is an {@link EngineError} naming `location` (the S3 object). Returns the rows written.
 */
export async function convertResultCsv(
  connection: Pick<DuckDBConnection, 'run' | 'runAndReadAll'>,
  csvFile: string,
  parquetFile: string,
  location: string,
  contract: Readonly<Record<string, SummaryColumnType>> = SUMMARY_RESULT_COLUMNS,
): Promise<number> {
  const header = parseCsvHeader(await readFirstLine(csvFile));
  if (header === undefined)
    throw new EngineError(
      `the Athena result ${location} does not start with a header line of quoted column names`,
      { permanent: true },
    );
  const mismatch = compareColumns(header, contract);
  if (mismatch !== undefined) {
    const parts = [
      mismatch.missing.length > 0 ? `lacks column(s) ${mismatch.missing.join(', ')}` : undefined,
      mismatch.extra.length > 0
        ? `has column(s) the summary does not (${mismatch.extra.join(', ')})`
        : undefined,
      mismatch.repeated.length > 0 ? `repeats column(s) ${mismatch.repeated.join(', ')}` : undefined,
    ].filter((part) => part !== undefined);
    throw new EngineError(`the Athena result ${location} ${parts.join('; ')}`, {
      permanent: true,
      suggestions: [
        'The query and the result object disagree: was the object written by another iamtrail version?',
      ],
    });
  }
  // Read by the header's order, typed by name; written in the contract's order.
  const columns = header
    .map((name) => `${literal(name)}: ${literal(contract[name] ?? 'VARCHAR')}`)
    .join(', ');
  const select = Object.keys(contract).map(identifier).join(', ');
  const source = `read_csv($1, columns = {${columns}}, header = true, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, auto_detect = false, strict_mode = true)`;
  try {
    const reader = await connection.runAndReadAll(
      `COPY (SELECT ${select} FROM ${source}) TO $2 (FORMAT parquet)`,
      // The files are bound; the column names were checked against the contract above.
      [duckDbFilePattern(csvFile), parquetFile],
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } catch (error) {
    const detail = messageOf(error)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(0, 3)
      .join(' ');
    throw new EngineError(
      `the Athena result ${location} does not match the summary's column types: ${detail}`,
      {
        cause: error,
        permanent: true,
      },
    );
  }
}
