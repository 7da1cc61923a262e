import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { awsCall } from './aws-call.js';
import { EngineError } from '../errors.js';

/** The bucket and key of an `s3://bucket/key` location; `undefined` when it is not one. */
export function parseS3Location(location: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { bucket: match[1], key: match[2] };
}

/**
 * Streams one S3 object (GetObject) into a local file, never holding it in memory, and returns
 * its size in bytes. A missing object (NoSuchKey) or bucket, and any other failure, is an
 * {@link EngineError} naming the object. Aborting `signal` stops the transfer (the caller tells an
 * interruption from a failure by the signal).
 */
export async function downloadS3Object(
  client: Pick<S3Client, 'send'>,
  location: string,
  file: string,
  signal?: AbortSignal,
): Promise<number> {
  const parsed = parseS3Location(location);
  if (parsed === undefined) throw new EngineError(`${location} is not an s3://bucket/key location`);
  return awsCall(`S3 GetObject ${location}`, async () => {
    let body: unknown;
    try {
      body = (
        await client.send(
          new GetObjectCommand({ Bucket: parsed.bucket, Key: parsed.key }),
          signal === undefined ? {} : { abortSignal: signal },
        )
      ).Body;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound')
        throw new EngineError(`the S3 object ${location} does not exist (${name})`, {
          suggestions: [
            'Athena writes a query result there when the query succeeds; check the workgroup output location and that nothing removed it (a lifecycle rule, `iamtrail athena cleanup`)',
          ],
          cause: error,
        });
      throw error;
    }
    if (!(body instanceof Readable)) throw new EngineError(`S3 GetObject ${location} returned no stream`);
    await pipeline(body, createWriteStream(file), signal === undefined ? {} : { signal });
    return (await stat(file)).size;
  });
}
