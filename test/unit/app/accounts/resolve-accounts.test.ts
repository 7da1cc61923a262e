import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { resolveAccounts } from '../../../../src/app/accounts/resolve-accounts.js';
import { AwsCallCounts } from '../../../../src/aws/client-instrumentation.js';
import { loadConfig } from '../../../../src/config/load-config.js';
import { UsageError } from '../../../../src/errors.js';
import { REPO_ROOT } from '../../../helpers/paths.js';

const demo = loadConfig(join(REPO_ROOT, 'examples/demo/config.example.yaml'));
const resolve = (request: { accounts?: string[]; org?: boolean; role?: string }, section = 'audit') =>
  resolveAccounts(
    demo,
    { accounts: request.accounts ?? [], org: request.org ?? false, role: request.role },
    'us-east-1',
    new AwsCallCounts(),
    { name: undefined, section },
  );

describe('resolveAccounts (config accounts; --org is covered against moto in test/aws)', () => {
  it("gives the config's accounts with their files, narrowed by --account (name or id), each once", async () => {
    const dir = join(REPO_ROOT, 'examples/demo');
    await expect(resolve({})).resolves.toEqual([
      {
        name: 'demo',
        id: '111111111111',
        roleArn: undefined,
        iamFile: join(dir, 'iam/demo.json'),
        credentialReportFile: join(dir, 'credentials/demo.csv'),
      },
      {
        name: 'backup',
        id: '222222222222',
        roleArn: undefined,
        iamFile: join(dir, 'iam/backup.json'),
        credentialReportFile: join(dir, 'credentials/backup.csv'),
      },
    ]);
    const narrowed = await resolve({ accounts: ['222222222222', 'backup'] });
    expect(narrowed.map((target) => target.name)).toEqual(['backup']);
  });

  it('refuses --role without --org, and --org without a role naming the config section to set', async () => {
    await expect(resolve({ role: 'x' })).rejects.toThrow('--role goes with --org');
    const error = (await resolve({ org: true }).catch((thrown: unknown) => thrown)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.suggestions).toEqual(['Pass --role NAME, or set audit: { role: NAME } in the config']);
    await expect(resolve({ org: true, role: 'arn:aws:iam::1:role/x' })).rejects.toThrow(
      'is not an IAM role name',
    );
  });
});
