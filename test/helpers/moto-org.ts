import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  ListUsersCommand,
  TagRoleCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

import type { MotoServer } from './moto.js';

/*
 * A three-account organisation in moto_server, for the audit's AWS flows: Organizations
 * CreateOrganization and CreateAccount, then in each account (STS AssumeRole into it: moto puts
 * the credentials in that account's backend) users with every kind of credential and two roles.
 * What was made is returned, so that tests derive their expectations from it.
 */

/** A user the set-up made, and what it holds. */
export interface MotoOrgUser {
  readonly name: string;
  /** Its access keys, in creation order. */
  readonly keys: readonly {
    readonly accessKeyId: string;
    readonly status: 'Active' | 'Inactive';
    /** A request signed with it was sent (moto then records its last use). */
    readonly used: boolean;
  }[];
  readonly password: boolean;
  readonly mfa: 'virtual' | 'hardware' | 'none';
  readonly tags: Readonly<Record<string, string>>;
}

/** An account of the organisation. */
export interface MotoOrgAccount {
  readonly name: string;
  readonly id: string;
  readonly users: readonly MotoOrgUser[];
  /** Roles the set-up made (moto's CreateAccount adds OrganizationAccountAccessRole besides). */
  readonly roles: readonly {
    readonly name: string;
    readonly assumed: boolean;
    readonly tags: Readonly<Record<string, string>>;
  }[];
}

/** The SDK configuration of a test client talking to `moto`. */
export const motoSdkConfig = (moto: MotoServer) => ({
  region: 'us-east-1',
  endpoint: moto.endpoint,
  credentials: moto.credentials,
});

/** An IAM client of `accountId` of the organisation, through its `set-up` role (the caller destroys it). */
export async function setUpIamOf(moto: MotoServer, accountId: string): Promise<IAMClient> {
  const sts = new STSClient(motoSdkConfig(moto));
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/set-up`, RoleSessionName: 'test' }),
    );
    return new IAMClient({
      ...motoSdkConfig(moto),
      credentials: {
        accessKeyId: answer.Credentials?.AccessKeyId ?? '',
        secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
        sessionToken: answer.Credentials?.SessionToken ?? '',
      },
    });
  } finally {
    sts.destroy();
  }
}

/** Clients made by the set-up, to destroy at the end. */
type Destroyable = { destroy(): void };

/** Credentials of `roleArn`, assumed through moto's STS with `credentials`. */
async function assume(
  moto: MotoServer,
  roleArn: string,
  clients: Destroyable[],
  credentials = moto.credentials,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const sts = new STSClient({ ...motoSdkConfig(moto), credentials });
  clients.push(sts);
  const answer = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'set-up' }));
  return {
    accessKeyId: answer.Credentials?.AccessKeyId ?? '',
    secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
    sessionToken: answer.Credentials?.SessionToken ?? '',
  };
}

/** One signed request with `credentials` (moto records the key's, or the role's, last use). */
async function signOnce(
  moto: MotoServer,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  clients: Destroyable[],
): Promise<void> {
  const iam = new IAMClient({ ...motoSdkConfig(moto), credentials });
  clients.push(iam);
  await iam.send(new ListUsersCommand({}));
}

/**
 * Builds the organisation: accounts `audit-a`, `audit-b`, `audit-c`; account number `i` (0, 1, 2)
 * has `i` plain users besides the same set of credential users, so the counts differ.
 */
export async function buildMotoOrg(moto: MotoServer): Promise<MotoOrgAccount[]> {
  const clients: Destroyable[] = [];
  try {
    const organizations = new OrganizationsClient(motoSdkConfig(moto));
    clients.push(organizations);
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const accounts: MotoOrgAccount[] = [];
    for (const [index, name] of ['audit-a', 'audit-b', 'audit-c'].entries()) {
      const created = await organizations.send(
        new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
      );
      const id = created.CreateAccountStatus?.AccountId ?? '';
      accounts.push(await buildAccount(moto, name, id, index, clients));
    }
    return accounts;
  } finally {
    for (const client of clients) client.destroy();
  }
}

async function buildAccount(
  moto: MotoServer,
  name: string,
  id: string,
  plainUsers: number,
  clients: Destroyable[],
): Promise<MotoOrgAccount> {
  const setUp = await assume(moto, `arn:aws:iam::${id}:role/set-up`, clients);
  const iam = new IAMClient({ ...motoSdkConfig(moto), credentials: setUp });
  clients.push(iam);
  const users: MotoOrgUser[] = [];
  const user = async (
    userName: string,
    options: {
      keys?: readonly ('used' | 'unused' | 'inactive')[];
      password?: boolean;
      mfa?: 'virtual' | 'hardware';
      tags?: Record<string, string>;
    } = {},
  ): Promise<void> => {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const keys: { accessKeyId: string; status: 'Active' | 'Inactive'; used: boolean }[] = [];
    for (const kind of options.keys ?? []) {
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
      const accessKeyId = key?.AccessKeyId ?? '';
      if (kind === 'used')
        await signOnce(moto, { accessKeyId, secretAccessKey: key?.SecretAccessKey ?? '' }, clients);
      if (kind === 'inactive')
        await iam.send(
          new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Inactive' }),
        );
      keys.push({ accessKeyId, status: kind === 'inactive' ? 'Inactive' : 'Active', used: kind === 'used' });
    }
    if (options.password === true)
      await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Not-a-real-1!' }));
    if (options.mfa === 'virtual') {
      const device = await iam.send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${userName}-phone` }),
      );
      await iam.send(
        new EnableMFADeviceCommand({
          UserName: userName,
          SerialNumber: device.VirtualMFADevice?.SerialNumber ?? '',
          AuthenticationCode1: '123456',
          AuthenticationCode2: '654321',
        }),
      );
    }
    if (options.mfa === 'hardware')
      // A TOTP token's serial number is not an ARN.
      await iam.send(
        new EnableMFADeviceCommand({
          UserName: userName,
          SerialNumber: `GAHT${id.slice(-8)}`,
          AuthenticationCode1: '123456',
          AuthenticationCode2: '654321',
        }),
      );
    const tags = options.tags ?? {};
    if (Object.keys(tags).length > 0)
      await iam.send(
        new TagUserCommand({
          UserName: userName,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    users.push({
      name: userName,
      keys,
      password: options.password === true,
      mfa: options.mfa ?? 'none',
      tags,
    });
  };
  await user('key-used', { keys: ['used'], tags: { team: 'payments' } });
  await user('key-unused', { keys: ['unused'] });
  await user('two-keys', { keys: ['unused', 'used'] });
  await user('key-inactive', { keys: ['inactive'] });
  await user('console-no-mfa', { password: true });
  await user('virtual-mfa', { password: true, mfa: 'virtual' });
  await user('hardware-mfa', { password: true, mfa: 'hardware' });
  for (let plain = 1; plain <= plainUsers; plain += 1) await user(`plain-${plain}`);

  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${id}:root` }, Action: 'sts:AssumeRole' }],
  });
  for (const roleName of ['assumed-role', 'never-assumed'])
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
  await iam.send(
    new TagRoleCommand({ RoleName: 'never-assumed', Tags: [{ Key: 'owner', Value: 'nobody' }] }),
  );
  // Assumed and used: moto sets the role's RoleLastUsed when its credentials sign a request.
  await signOnce(moto, await assume(moto, `arn:aws:iam::${id}:role/assumed-role`, clients, setUp), clients);
  return {
    name,
    id,
    users,
    roles: [
      { name: 'assumed-role', assumed: true, tags: {} },
      { name: 'never-assumed', assumed: false, tags: { owner: 'nobody' } },
    ],
  };
}
