import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { awsCall } from './aws-call.js';
import { instrumentClient } from './client-instrumentation.js';
import type { AwsCallCounts, ThrottlingRetryOptions } from './client-instrumentation.js';
import { UsageError } from '../errors.js';

/** The AWS clients iamtrail uses, for one region. */
export interface AwsClients {
  readonly region: string;
  readonly athena: AthenaClient;
  readonly glue: GlueClient;
  readonly s3: S3Client;
  /**
   * The account of the credentials (STS GetCallerIdentity, asked once, when first needed): what
   * the Athena ledger records each object and query under, so that cleanup acts in that account
   * only.
   */
  account(): Promise<string>;
}

/** SDK retries: throttling and TooManyRequests (concurrent query limit) back off and retry. */
const MAX_ATTEMPTS = 8;

/**
 * Creates the clients with the SDK's standard configuration (profiles, `AWS_REGION`,
 * `AWS_ENDPOINT_URL`, SSO, ...); `region` from the config wins when given. Credentials are
 * never read or printed by iamtrail itself.
 */
export async function createAwsClients(region: string | undefined): Promise<AwsClients> {
  const probe = new AthenaClient({ ...(region === undefined ? {} : { region }) });
  const resolved = await probe.config.region().catch(() => undefined);
  probe.destroy();
  if (resolved === undefined || resolved === '') {
    throw new UsageError(
      'no AWS region: set athena.region in the config, or AWS_REGION, or a region in your AWS profile',
    );
  }
  const common = { region: resolved, maxAttempts: MAX_ATTEMPTS };
  let account: Promise<string> | undefined;
  return {
    region: resolved,
    account: () => (account ??= callerAccount(resolved)),
    athena: new AthenaClient(common),
    glue: new GlueClient(common),
    // A custom endpoint (AWS_ENDPOINT_URL, e.g. a local S3-compatible service) needs path-style addressing.
    s3: new S3Client({
      ...common,
      forcePathStyle:
        process.env.AWS_ENDPOINT_URL !== undefined || process.env.AWS_ENDPOINT_URL_S3 !== undefined,
    }),
  };
}

/** The account of the SDK's credentials, from STS GetCallerIdentity (which needs no permission). */
async function callerAccount(region: string): Promise<string> {
  return awsCall('STS GetCallerIdentity', async () => {
    const sts = new STSClient({ region, maxAttempts: MAX_ATTEMPTS });
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      if (identity.Account === undefined || !/^[0-9]{12}$/.test(identity.Account))
        throw new Error(`no account in the answer (${String(identity.Account)})`);
      return identity.Account;
    } finally {
      sts.destroy();
    }
  });
}

/** Instrumentation for the clients of a long fan-out: see {@link instrumentClient}. */
export interface ClientInstrumentation {
  readonly counts: AwsCallCounts;
  readonly retry?: ThrottlingRetryOptions;
}

/**
 * An IAM client for an account, assuming `roleArn` first when one is configured. With
 * `instrumentation`, its calls (and the AssumeRole) are counted and throttling is retried by
 * iamtrail (see {@link instrumentClient}) instead of the SDK.
 */
export async function createIamClient(
  region: string | undefined,
  roleArn: string | undefined,
  instrumentation?: ClientInstrumentation,
): Promise<IAMClient> {
  const base = {
    region: await globalServiceRegion(region),
    maxAttempts: instrumentation === undefined ? MAX_ATTEMPTS : 1,
  };
  const instrument = <C extends IAMClient | STSClient>(client: C): C => {
    if (instrumentation !== undefined)
      instrumentClient(client, instrumentation.counts, instrumentation.retry);
    return client;
  };
  if (roleArn === undefined) return instrument(new IAMClient(base));
  const sts = instrument(new STSClient(base));
  const assumed = await awsCall(`STS AssumeRole ${roleArn}`, () =>
    // An hour: the longest a role allows unless its MaxSessionDuration says more (and the limit of
    // a chained role); the credentials are not refreshed, so one account's work must fit in it.
    sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'iamtrail', DurationSeconds: 3600 })),
  );
  sts.destroy();
  const credentials = assumed.Credentials;
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new UsageError(`STS AssumeRole ${roleArn} returned no credentials`);
  }
  const identity = {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken === undefined ? {} : { sessionToken: credentials.SessionToken }),
  };
  return instrument(new IAMClient({ ...base, credentials: identity }));
}

/**
 * An Organizations client (for `advisor collect --org`), counted and retried as
 * {@link createIamClient} with `instrumentation`. Loaded lazily: only `--org` needs it.
 */
export async function createOrganizationsClient(
  region: string | undefined,
  instrumentation: ClientInstrumentation,
): Promise<OrganizationsClient> {
  const { OrganizationsClient } = await import('@aws-sdk/client-organizations');
  const client = new OrganizationsClient({ region: await globalServiceRegion(region), maxAttempts: 1 });
  instrumentClient(client, instrumentation.counts, instrumentation.retry);
  return client;
}

/**
 * The region for a global service (IAM, STS's global endpoint, Organizations): the one given, else
 * the SDK's own (`AWS_REGION`, the profile), else us-east-1, where these services live: a caller
 * without a configured region can still audit.
 */
async function globalServiceRegion(region: string | undefined): Promise<string> {
  if (region !== undefined) return region;
  const probe = new IAMClient({});
  const resolved = await probe.config.region().catch(() => undefined);
  probe.destroy();
  return resolved === undefined || resolved === '' ? 'us-east-1' : resolved;
}
