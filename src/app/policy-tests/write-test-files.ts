import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { messageOf, UsageError } from '../../errors.js';
import type { PolicyTestDocument, PolicyTestReport, PolicyTestSummary } from './policy-test-types.js';
import { writeOutputFile } from '../../cli/write-output-file.js';

/*
 * `iamtrail test --out DIR|s3://bucket/prefix`: one JSON file per test, as aws-iam-tester writes
 * its results to a directory or S3, and a summary.
 */

/** The name of the summary file written next to the tests' files. */
export const SUMMARY_FILE = 'summary.json';

/**
 * `summary.json`: the run's header (the result document without its tests), the whole run's
 * summary, and per test its counts and the file that holds its outcomes.
 */
export interface PolicyTestSummaryFile extends Omit<PolicyTestDocument, 'schema' | 'tests'> {
  readonly schema: 'iamtrail.test-summary/v1';
  readonly tests: readonly {
    readonly index: number;
    readonly name: string;
    readonly line: number;
    readonly expected: PolicyTestReport['expected'];
    readonly principals: number;
    readonly summary: PolicyTestSummary;
    /** The file name, relative to the summary. */
    readonly file: string;
  }[];
}

/** One file to write: its name and its JSON text. */
interface OutputFile {
  readonly name: string;
  readonly text: string;
}

/**
 * The file name of a test: its position from 1 (two digits at least, so names sort in test order)
 * and its name as a slug: `03-no-iam-writes.json`.
 */
export function policyTestFileName(report: PolicyTestReport, testCount: number): string {
  const width = Math.max(2, String(testCount).length);
  const slug =
    report.name
      .normalize('NFKD')
      // The combining marks NFKD splits off (`ü` → `u` + U+0308).
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'test';
  return `${String(report.index + 1).padStart(width, '0')}-${slug}.json`;
}

/**
 * The files of a run: per test, the result document narrowed to that test (the same schema,
 * `iamtrail.test/v1`: its `tests` holds the one report, `disagreements` and `summary` are that
 * test's), then {@link SUMMARY_FILE}.
 */
export function policyTestFiles(document: PolicyTestDocument): OutputFile[] {
  const { tests, disagreements, summary, ...header } = document;
  const files = tests.map((report) => {
    const name = policyTestFileName(report, tests.length);
    const single: PolicyTestDocument = {
      ...header,
      tests: [report],
      disagreements: disagreements.filter((entry) => entry.test === report.index),
      summary: report.summary,
    };
    return { name, report, text: `${JSON.stringify(single, null, 2)}\n` };
  });
  const summaryFile: PolicyTestSummaryFile = {
    ...header,
    schema: 'iamtrail.test-summary/v1',
    tests: files.map(({ name, report }) => ({
      index: report.index,
      name: report.name,
      line: report.line,
      expected: report.expected,
      principals: report.principals,
      summary: report.summary,
      file: name,
    })),
    disagreements,
    summary,
  };
  return [
    ...files.map(({ name, text }) => ({ name, text })),
    { name: SUMMARY_FILE, text: `${JSON.stringify(summaryFile, null, 2)}\n` },
  ];
}

/** `s3://bucket/prefix` split, or `undefined` for a local path. */
export function parseS3Location(location: string): { bucket: string; prefix: string } | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1];
  if (scheme === undefined) return undefined;
  if (scheme.toLowerCase() !== 's3')
    throw new UsageError(
      `output location "${location}": only a directory or s3://bucket/prefix is supported`,
    );
  const rest = location.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (bucket === '')
    throw new UsageError(`output location "${location}" names no bucket`, {
      suggestions: ['Give it as s3://bucket or s3://bucket/prefix'],
    });
  // S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new UsageError(`output location "${location}": "${bucket}" is not a valid S3 bucket name`);
  return { bucket, prefix };
}

/**
 * Writes one JSON file per test (and a summary) into a directory, or under `s3://bucket/prefix`;
 * returns the paths or URLs written. A directory is created when missing and each file is written
 * atomically (a temporary file renamed over it); test files an earlier run's summary lists that
 * this run does not write are removed, so the directory holds one run. A location that cannot be
 * used (a file, `s3://` without a bucket) is a UsageError naming it; an S3 failure an EngineError.
 */
export async function writePolicyTestFiles(
  document: PolicyTestDocument,
  location: string,
  options: { readonly region: string | undefined },
): Promise<{ readonly written: readonly string[] }> {
  const files = policyTestFiles(document);
  const s3 = parseS3Location(location);
  if (s3 !== undefined) {
    // The AWS SDK is loaded for an S3 location only.
    const { uploadS3Objects } = await import('../../aws/s3-upload.js');
    const written = await uploadS3Objects(
      options.region,
      s3.bucket,
      files.map((file) => ({
        key: s3.prefix === '' ? file.name : `${s3.prefix}/${file.name}`,
        body: file.text,
        contentType: 'application/json',
      })),
    );
    return { written };
  }
  return { written: writeDirectory(location, files) };
}

function writeDirectory(location: string, files: readonly OutputFile[]): string[] {
  const directory = resolve(location);
  if (existsSync(directory) && !statSync(directory).isDirectory())
    throw new UsageError(`output location "${location}" is a file, not a directory`);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new UsageError(`output location "${location}" cannot be created: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const stale = earlierFiles(directory);
  const written: string[] = [];
  for (const file of files) {
    const path = join(directory, file.name);
    try {
      writeOutputFile(path, file.text);
    } catch (error) {
      throw new UsageError(`cannot write "${path}": ${messageOf(error)}`, { cause: error });
    }
    written.push(path);
  }
  const names = new Set(files.map((file) => file.name));
  for (const name of stale) if (!names.has(name)) rmSync(join(directory, name), { force: true });
  return written;
}

/** The test files an earlier run's summary in the directory lists (only names this module writes). */
function earlierFiles(directory: string): string[] {
  const path = join(directory, SUMMARY_FILE);
  if (!existsSync(path)) return [];
  try {
    const summary = JSON.parse(readFileSync(path, 'utf8')) as { schema?: unknown; tests?: unknown };
    if (summary.schema !== 'iamtrail.test-summary/v1' || !Array.isArray(summary.tests)) return [];
    return (summary.tests as readonly { file?: unknown }[])
      .map((test) => test.file)
      .filter((file): file is string => typeof file === 'string' && /^\d{2,}-[a-z0-9-]+\.json$/.test(file));
  } catch {
    // Not a summary this module wrote: nothing in the directory is removed.
    return [];
  }
}
