import { afterEach, describe, expect, it } from 'vitest';

import { createIamClient } from '../../../src/aws/aws-clients.js';

const KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];
const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));

afterEach(() => {
  for (const key of KEYS)
    if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = saved[key];
});

describe('the IAM client of an account (IAM is global)', () => {
  it('takes us-east-1 when neither the config nor the SDK names a region', async () => {
    for (const key of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'])
      Reflect.deleteProperty(process.env, key);
    process.env.AWS_CONFIG_FILE = '/nonexistent/iamtrail-test-config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/iamtrail-test-credentials';
    const client = await createIamClient(undefined, undefined);
    expect(await client.config.region()).toBe('us-east-1');
    client.destroy();
  });

  it('keeps the region the SDK resolves, and the one given', async () => {
    process.env.AWS_REGION = 'eu-west-3';
    const fromSdk = await createIamClient(undefined, undefined);
    expect(await fromSdk.config.region()).toBe('eu-west-3');
    fromSdk.destroy();
    const given = await createIamClient('ap-south-1', undefined);
    expect(await given.config.region()).toBe('ap-south-1');
    given.destroy();
  });
});
