import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PolicyTestDocument } from '../../src/app/policy-tests/policy-test-types.js';
import { writePolicyTestFiles } from '../../src/app/policy-tests/write-test-files.js';
import type { PolicyTestSummaryFile } from '../../src/app/policy-tests/write-test-files.js';
import { EngineError } from '../../src/errors.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { policyTestDocument } from '../helpers/policy-test-document.js';

/*
 * `iamtrail test --out s3://bucket/prefix` against moto_server's S3 over HTTP: the bucket is made
 * here, the files are uploaded by the code under test (its client from the SDK's standard
 * environment, as in production), then listed and read back with a client of the test's own.
 */

const BUCKET = 'policy-test-results';
let moto: MotoServer;
let s3: S3Client;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  moto = await startMoto();
  for (const [key, value] of Object.entries(moto.env)) {
    savedEnv[key] = process.env[key];
    process.env[key] = value;
  }
  s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: moto.credentials,
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 120_000);
afterAll(async () => {
  s3.destroy();
  for (const [key, value] of Object.entries(savedEnv))
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  await moto.stop();
});

async function readObject(key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await answer.Body?.transformToString()) ?? '';
}

describe('writePolicyTestFiles to S3 (moto)', () => {
  it('uploads one object per test and the summary under the prefix', async () => {
    const { written } = await writePolicyTestFiles(policyTestDocument(), `s3://${BUCKET}/ci/run-1/`, {
      region: undefined,
    });
    const keys = [
      'ci/run-1/01-no-iam-writes.json',
      'ci/run-1/02-worker-can-put-objects.json',
      'ci/run-1/summary.json',
    ];
    expect(written).toEqual(keys.map((key) => `s3://${BUCKET}/${key}`));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'ci/run-1/' }));
    expect((listed.Contents ?? []).map((object) => object.Key).sort()).toEqual(keys);
    const first = JSON.parse(await readObject(keys[0] ?? '')) as PolicyTestDocument;
    expect(first.tests.map((report) => [report.name, report.outcomes.length])).toEqual([
      ['no IAM writes', 4],
    ]);
    const summary = JSON.parse(await readObject(keys[2] ?? '')) as PolicyTestSummaryFile;
    expect(summary.tests.map((test) => test.file)).toEqual([
      '01-no-iam-writes.json',
      '02-worker-can-put-objects.json',
    ]);
    const head = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys[2] ?? '' }));
    expect(head.ContentType).toBe('application/json');
  });

  it('uploads at the top of the bucket without a prefix', async () => {
    const { written } = await writePolicyTestFiles(policyTestDocument(), `s3://${BUCKET}`, {
      region: 'us-east-1',
    });
    expect(written.at(-1)).toBe(`s3://${BUCKET}/summary.json`);
    expect(JSON.parse(await readObject('summary.json'))).toMatchObject({
      schema: 'iamtrail.test-summary/v1',
    });
  });

  it('fails clearly when the bucket does not exist (exit 3, the object and the S3 error named)', async () => {
    const attempt = writePolicyTestFiles(policyTestDocument(), 's3://no-such-bucket-here/x', {
      region: undefined,
    });
    await expect(attempt).rejects.toThrow(EngineError);
    await expect(attempt).rejects.toThrow(
      /^S3 PutObject s3:\/\/no-such-bucket-here\/x\/01-no-iam-writes\.json failed: NoSuchBucket: /,
    );
  });
});
