import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { DuckDBInstance, listValue } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

import { fileNamedIn } from '../../../src/engines/duckdb/duckdb-engine.js';
import type { LogFile } from '../../../src/engines/duckdb/log-files.js';

const folder = mkdtempSync(join(tmpdir(), 'iamtrail-named-'));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function logFile(name: string, bytes: Buffer): LogFile {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return { path, bytes: bytes.length, folderDay: undefined };
}

/** The message of DuckDB's own error when its JSON reader reads `files` together. */
async function duckDbError(files: readonly LogFile[]): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    await connection.run("SELECT count(*) FROM read_json($1, format = 'unstructured', records = true)", [
      listValue(files.map((file) => file.path)),
    ]);
    return '';
  } catch (error) {
    return (error as Error).message;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('fileNamedIn', () => {
  const good = logFile('a.json.gz', gzipSync('{"Records":[{"eventName":"GetObject"}]}'));
  const truncated = logFile('b.json.gz', gzipSync('{"Records":[{"eventName":"GetObject"},').subarray(0, 30));
  const longer = logFile('b.json.gz.json.gz', gzipSync('{"Records":[]}'));
  const plain = logFile('c.json.gz', Buffer.from('not gzip at all\n'));

  // A good file whose path begins with the bad one's: read with it, DuckDB names the bad one.
  it('finds the truncated file in DuckDB’s "Malformed JSON in file" error', async () => {
    const message = await duckDbError([good, truncated, longer]);
    expect(message).toContain(truncated.path);
    expect(fileNamedIn(message, [good, truncated, longer])).toBe(truncated);
  });

  it('finds the file that is not gzip in DuckDB’s "not a GZIP stream" error', async () => {
    const message = await duckDbError([good, plain]);
    expect(message).toContain(plain.path);
    expect(fileNamedIn(message, [good, plain, truncated])).toBe(plain);
  });

  it('prefers the longest path when one path begins another, and names nothing otherwise', () => {
    // '/d/a.json.gz' is followed by a space inside the longer name: both match, the longer wins.
    const short = { path: '/d/a.json.gz', bytes: 1, folderDay: undefined };
    const spaced = { path: '/d/a.json.gz 2.json.gz', bytes: 1, folderDay: undefined };
    const message = `Malformed JSON in file "${spaced.path}", at byte 3`;
    expect(fileNamedIn(message, [short, spaced])).toBe(spaced);
    expect(fileNamedIn(message, [spaced, short])).toBe(spaced);
    expect(fileNamedIn(`Input is not a GZIP stream: ${short.path}\n\nLINE 1: …`, [short, spaced])).toBe(
      short,
    );
    expect(
      fileNamedIn(`Malformed JSON in file "${truncated.path}x", at byte 3`, [truncated]),
    ).toBeUndefined();
    expect(fileNamedIn('Out of Memory Error: failed to allocate', [good, truncated])).toBeUndefined();
  });
});
