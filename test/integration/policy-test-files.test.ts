import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { PolicyTestDocument } from '../../src/app/policy-tests/policy-test-types.js';
import {
  parseS3Location,
  policyTestFileName,
  writePolicyTestFiles,
} from '../../src/app/policy-tests/write-test-files.js';
import type { PolicyTestSummaryFile } from '../../src/app/policy-tests/write-test-files.js';
import { UsageError } from '../../src/errors.js';
import { policyTestDocument, WORKER_DEV } from '../helpers/policy-test-document.js';

/*
 * `iamtrail test --out DIR`: one JSON file per test and summary.json, in a temporary directory,
 * for the hand-written document of test/helpers/policy-test-document.ts. (The S3 case is
 * test/aws/policy-test-files.test.ts.)
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-policy-test-files-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const NO_REGION = { region: undefined };

function readDocument(path: string): PolicyTestDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as PolicyTestDocument;
}

describe('writePolicyTestFiles into a directory', () => {
  it('writes one file per test, named by position and name, and the summary; creates the directory', async () => {
    const directory = join(work, 'new', 'results');
    const { written } = await writePolicyTestFiles(policyTestDocument(), directory, NO_REGION);
    expect(written).toEqual([
      join(directory, '01-no-iam-writes.json'),
      join(directory, '02-worker-can-put-objects.json'),
      join(directory, 'summary.json'),
    ]);
    // Written through temporary files renamed over: none is left behind.
    expect(readdirSync(directory).sort()).toEqual([
      '01-no-iam-writes.json',
      '02-worker-can-put-objects.json',
      'summary.json',
    ]);
  });

  it("holds in each file that test's report under the run's header", async () => {
    const directory = join(work, 'contents');
    await writePolicyTestFiles(policyTestDocument(), directory, NO_REGION);
    const first = readDocument(join(directory, '01-no-iam-writes.json'));
    expect(first.schema).toBe('iamtrail.test/v1');
    expect(first.tests.map((report) => [report.name, report.outcomes.length])).toEqual([
      ['no IAM writes', 4],
    ]);
    expect(first.summary).toEqual({
      cases: 4,
      pass: 1,
      fail: 2,
      inconclusive: 1,
      contradicted: 1,
      unchecked: 0,
    });
    expect(first.disagreements).toEqual([]);
    expect(first.accounts.map((account) => [account.name, account.status])).toEqual([
      ['prod', 'read'],
      ['dev', 'read'],
      ['sandbox', 'failed'],
    ]);
    expect(first.cloudTrail).toEqual({ used: true, start: '2026-10-01', end: '2026-10-31', warnings: [] });
    const second = readDocument(join(directory, '02-worker-can-put-objects.json'));
    expect(second.tests.map((report) => report.name)).toEqual(['worker can put objects']);
    expect(second.disagreements.map((entry) => entry.principalArn)).toEqual([WORKER_DEV]);
    const summary = JSON.parse(
      readFileSync(join(directory, 'summary.json'), 'utf8'),
    ) as PolicyTestSummaryFile;
    expect(summary.schema).toBe('iamtrail.test-summary/v1');
    expect(summary.summary).toEqual({
      cases: 6,
      pass: 2,
      fail: 3,
      inconclusive: 1,
      contradicted: 1,
      unchecked: 0,
    });
    expect(summary.tests.map((test) => [test.name, test.file, test.summary.fail])).toEqual([
      ['no IAM writes', '01-no-iam-writes.json', 2],
      ['worker can put objects', '02-worker-can-put-objects.json', 1],
    ]);
    expect(summary.testsFile).toBe('tests.yaml');
  });

  it("removes the test files of an earlier run's summary, and nothing else", async () => {
    const directory = join(work, 'rerun');
    await writePolicyTestFiles(policyTestDocument(), directory, NO_REGION);
    writeFileSync(join(directory, 'notes.txt'), 'mine');
    const document = policyTestDocument();
    const firstOnly = policyTestDocument({ tests: document.tests.slice(0, 1) });
    await writePolicyTestFiles(firstOnly, directory, NO_REGION);
    expect(readdirSync(directory).sort()).toEqual(['01-no-iam-writes.json', 'notes.txt', 'summary.json']);
  });

  it('refuses a location that is a file, naming it', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const attempt = writePolicyTestFiles(policyTestDocument(), file, NO_REGION);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(`output location "${file}" is a file, not a directory`);
    const below = join(file, 'sub');
    await expect(writePolicyTestFiles(policyTestDocument(), below, NO_REGION)).rejects.toThrow(
      `output location "${below}" cannot be created`,
    );
  });
});

describe('policyTestFileName', () => {
  const report = policyTestDocument().tests[0];
  if (report === undefined) throw new Error('fixture has tests');
  const cases: { name: string; index: number; count: number; expected: string }[] = [
    { name: 'no IAM writes', index: 0, count: 2, expected: '01-no-iam-writes.json' },
    { name: 'test-7', index: 6, count: 120, expected: '007-test-7.json' },
    { name: 'Ünïcode / s3:Put*  ', index: 9, count: 10, expected: '10-unicode-s3-put.json' },
    { name: '***', index: 0, count: 1, expected: '01-test.json' },
    { name: 'x'.repeat(80), index: 0, count: 1, expected: `01-${'x'.repeat(60)}.json` },
  ];
  for (const entry of cases)
    it(`${JSON.stringify(entry.name)} → ${entry.expected}`, () => {
      expect(policyTestFileName({ ...report, name: entry.name, index: entry.index }, entry.count)).toBe(
        entry.expected,
      );
    });
});

describe('parseS3Location', () => {
  const cases: { location: string; expected: { bucket: string; prefix: string } | undefined | string }[] = [
    { location: 'results', expected: undefined },
    { location: '/tmp/out', expected: undefined },
    { location: 's3://my-bucket', expected: { bucket: 'my-bucket', prefix: '' } },
    { location: 's3://my-bucket/', expected: { bucket: 'my-bucket', prefix: '' } },
    {
      location: 's3://my-bucket/my-prefix/runs/',
      expected: { bucket: 'my-bucket', prefix: 'my-prefix/runs' },
    },
    { location: 's3://', expected: 'output location "s3://" names no bucket' },
    { location: 's3:///prefix', expected: 'output location "s3:///prefix" names no bucket' },
    {
      location: 's3://My_Bucket/x',
      expected: 'output location "s3://My_Bucket/x": "My_Bucket" is not a valid S3 bucket name',
    },
    {
      location: 'https://example.com/x',
      expected:
        'output location "https://example.com/x": only a directory or s3://bucket/prefix is supported',
    },
  ];
  for (const entry of cases)
    it(entry.location, () => {
      if (typeof entry.expected === 'string') {
        expect(() => parseS3Location(entry.location)).toThrow(UsageError);
        expect(() => parseS3Location(entry.location)).toThrow(entry.expected);
      } else expect(parseS3Location(entry.location)).toEqual(entry.expected);
    });
});
