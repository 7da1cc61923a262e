import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { awsCall } from './aws-call.js';

/** An object to upload: its key in the bucket, its body and content type. */
export interface S3Object {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
}

/** The SDK's retries (throttling, 5xx), as the other clients. */
const MAX_ATTEMPTS = 8;

/**
 * Uploads objects into a bucket with S3 PutObject, one at a time, and returns their `s3://` URLs.
 * The client uses the SDK's standard configuration (profiles, `AWS_REGION`, `AWS_ENDPOINT_URL`);
 * `region` wins when given, else us-east-1, and S3's region redirects are followed, so a bucket in
 * any region works. A failed call (a missing bucket, AccessDenied) is an EngineError naming the
 * object.
 */
export async function uploadS3Objects(
  region: string | undefined,
  bucket: string,
  objects: readonly S3Object[],
): Promise<string[]> {
  const client = new S3Client({
    region: region ?? (await defaultRegion()),
    maxAttempts: MAX_ATTEMPTS,
    followRegionRedirects: true,
    // A custom endpoint (AWS_ENDPOINT_URL, e.g. a local S3-compatible service) needs path-style addressing.
    forcePathStyle:
      process.env.AWS_ENDPOINT_URL !== undefined || process.env.AWS_ENDPOINT_URL_S3 !== undefined,
  });
  try {
    const written: string[] = [];
    for (const object of objects) {
      const url = `s3://${bucket}/${object.key}`;
      await awsCall(`S3 PutObject ${url}`, () =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: object.key,
            Body: object.body,
            ContentType: object.contentType,
          }),
        ),
      );
      written.push(url);
    }
    return written;
  } finally {
    client.destroy();
  }
}

/** The SDK's own region (`AWS_REGION`, the profile), else us-east-1. */
async function defaultRegion(): Promise<string> {
  const probe = new S3Client({});
  const resolved = await probe.config.region().catch(() => undefined);
  probe.destroy();
  return resolved === undefined || resolved === '' ? 'us-east-1' : resolved;
}
