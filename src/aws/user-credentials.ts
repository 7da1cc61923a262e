import {
  paginateListAccessKeys,
  paginateListMFADevices,
  paginateListVirtualMFADevices,
} from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';

import { awsCall } from './aws-call.js';

/*
 * A user's credentials beyond the credential report: the access key ids (ListAccessKeys) and the
 * MFA devices (ListMFADevices), asked only for users whose report row shows a key or `mfa_active`.
 */

/** An access key as ListAccessKeys lists it. */
export interface ListedAccessKey {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive';
  /** ISO-8601 UTC, to the second (the report's `last_rotated` is). */
  readonly createDate: string | null;
}

const toSecond = (date: Date | undefined): string | null =>
  date === undefined ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The access keys of `userName` (every page). */
export async function listAccessKeys(
  client: Pick<IAMClient, 'send'>,
  userName: string,
  accountLabel: string,
): Promise<ListedAccessKey[]> {
  return awsCall(`IAM ListAccessKeys for ${userName} in ${accountLabel}`, async () => {
    const keys: ListedAccessKey[] = [];
    for await (const page of paginateListAccessKeys({ client: client as IAMClient }, { UserName: userName }))
      for (const key of page.AccessKeyMetadata ?? [])
        if (key.AccessKeyId !== undefined)
          keys.push({
            accessKeyId: key.AccessKeyId,
            status: key.Status === 'Inactive' ? 'Inactive' : 'Active',
            createDate: toSecond(key.CreateDate),
          });
    return keys;
  });
}

/** The serial numbers of the MFA devices of `userName` (every page). */
export async function listMfaSerials(
  client: Pick<IAMClient, 'send'>,
  userName: string,
  accountLabel: string,
): Promise<string[]> {
  return awsCall(`IAM ListMFADevices for ${userName} in ${accountLabel}`, async () => {
    const serials: string[] = [];
    for await (const page of paginateListMFADevices({ client: client as IAMClient }, { UserName: userName }))
      for (const device of page.MFADevices ?? [])
        if (device.SerialNumber !== undefined) serials.push(device.SerialNumber);
    return serials;
  });
}

/**
 * The ARNs of the users (the root user: `arn:aws:iam::<id>:root`) that have a virtual MFA device
 * assigned: the only way to tell the root user's MFA type (ListMFADevices lists the caller's).
 */
export async function listVirtualMfaUsers(
  client: Pick<IAMClient, 'send'>,
  accountLabel: string,
): Promise<string[]> {
  return awsCall(`IAM ListVirtualMFADevices in ${accountLabel}`, async () => {
    const users: string[] = [];
    for await (const page of paginateListVirtualMFADevices(
      { client: client as IAMClient },
      { AssignmentStatus: 'Assigned' },
    ))
      for (const device of page.VirtualMFADevices ?? [])
        if (device.User?.Arn !== undefined) users.push(device.User.Arn);
    return users;
  });
}
