import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadAccountDetails } from '../../src/app/accounts/account-details.js';
import { AwsCallCounts } from '../../src/aws/client-instrumentation.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { buildMotoOrg } from '../helpers/moto-org.js';
import type { MotoOrgAccount } from '../helpers/moto-org.js';

/*
 * The IAM data of `iamtrail test` and `iamtrail access` per account, from AWS (the account's role
 * assumed, GetAccountAuthorizationDetails) or from the config's file, against the three-account
 * organisation of test/helpers/moto-org.ts: each account's users are the ones the set-up made there.
 */

let moto: MotoServer;
let org: MotoOrgAccount[];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  moto = await startMoto();
  org = await buildMotoOrg(moto);
  for (const [key, value] of Object.entries(moto.env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
}, 120_000);
afterAll(async () => {
  for (const [key, value] of Object.entries(saved))
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  await moto.stop();
});

describe('loadAccountDetails', () => {
  it("reads each account's IAM data through its role, and a file where the config gives one", async () => {
    const targets = [
      ...org.map((account) => ({
        name: account.name,
        id: account.id,
        roleArn: `arn:aws:iam::${account.id}:role/iamtrail-test`,
      })),
      { name: 'demo', id: '111111111111', roleArn: undefined, iamFile: 'examples/demo/iam/demo.json' },
    ];
    const notes: string[] = [];
    const counts = new AwsCallCounts();
    const read = await loadAccountDetails(targets, {
      concurrency: 2,
      region: 'us-east-1',
      counts,
      note: (line) => notes.push(line),
    });
    expect(
      read.map((entry) => [entry.account.id, entry.status, entry.status === 'read' ? entry.source : null]),
    ).toEqual([...org.map((account) => [account.id, 'read', 'aws']), ['111111111111', 'read', 'file']]);
    for (const [index, account] of org.entries()) {
      const entry = read[index];
      const users = entry?.status === 'read' ? entry.details.users.map((user) => user.arn).sort() : [];
      expect(users).toEqual(
        account.users.map((user) => `arn:aws:iam::${account.id}:user/${user.name}`).sort(),
      );
    }
    expect(notes).toHaveLength(4);
  });
});
