import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { downloadS3Object, parseS3Location } from '../../../src/aws/s3-download.js';
import { EngineError } from '../../../src/errors.js';

// Failure paths only (the happy path runs against moto in test/aws/athena-s3-results.test.ts).
const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
const LOCATION = 's3://results/iamtrail-results/q-1.csv';

afterAll(() => {
  s3.restore();
});
beforeEach(() => {
  s3.reset();
});

describe('parseS3Location', () => {
  it('splits bucket and key, and refuses what is not s3://bucket/key', () => {
    expect(parseS3Location(LOCATION)).toEqual({ bucket: 'results', key: 'iamtrail-results/q-1.csv' });
    expect(parseS3Location('s3://results/')).toBeUndefined();
    expect(parseS3Location('https://results/q.csv')).toBeUndefined();
  });
});

describe('downloadS3Object failures', () => {
  const failures: { name: string; error: Error; message: string }[] = [
    {
      name: 'a missing object',
      error: Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
      message: `the S3 object ${LOCATION} does not exist (NoSuchKey)`,
    },
    {
      name: 'a missing bucket',
      error: Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }),
      message: `the S3 object ${LOCATION} does not exist (NoSuchBucket)`,
    },
    {
      name: 'a refused read',
      error: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
      message: `S3 GetObject ${LOCATION} failed: AccessDenied: Access Denied`,
    },
  ];
  for (const { name, error, message } of failures)
    it(`names the object on ${name} (exit code 3)`, async () => {
      s3.on(GetObjectCommand, { Bucket: 'results', Key: 'iamtrail-results/q-1.csv' }).rejects(error);
      const caught = await downloadS3Object(client, LOCATION, '/nonexistent/never-written.csv').catch(
        (thrown: unknown) => thrown,
      );
      expect(caught).toBeInstanceOf(EngineError);
      expect((caught as EngineError).message).toBe(message);
      expect((caught as EngineError).exitCode).toBe(3);
    });

  it('refuses a location that is not s3://bucket/key before any call', async () => {
    const caught = await downloadS3Object(client, 'results/q.csv', '/nonexistent/x').catch(
      (thrown: unknown) => thrown,
    );
    expect((caught as EngineError).message).toBe('results/q.csv is not an s3://bucket/key location');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('stops the transfer when the signal is aborted (Ctrl-C)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'iamtrail-s3-download-'));
    try {
      // A body that never ends, as a large object still arriving.
      const endless = new Readable({
        read() {
          setTimeout(() => this.push('"a"\n'), 5);
        },
      });
      s3.on(GetObjectCommand).resolves({ Body: endless as never });
      const controller = new AbortController();
      setTimeout(() => {
        controller.abort();
      }, 50);
      const caught = await downloadS3Object(client, LOCATION, join(work, 'q.csv'), controller.signal).catch(
        (thrown: unknown) => thrown,
      );
      expect(caught).toBeInstanceOf(Error);
      expect(controller.signal.aborted).toBe(true);
      expect(endless.destroyed).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
