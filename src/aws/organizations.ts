import { paginateListAccounts } from '@aws-sdk/client-organizations';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';

import { awsCall } from './aws-call.js';

/** An account of the organisation. */
export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
}

/**
 * The ACTIVE accounts of the organisation (Organizations ListAccounts, every page), in the order
 * AWS lists them. AWS is replacing `Status` with `State`: either one saying ACTIVE counts.
 */
export async function listActiveAccounts(client: OrganizationsClient): Promise<OrganizationAccount[]> {
  return awsCall('Organizations ListAccounts', async () => {
    const accounts: OrganizationAccount[] = [];
    for await (const page of paginateListAccounts({ client }, {}))
      for (const account of page.Accounts ?? []) {
        const state = account.State ?? account.Status;
        if (account.Id !== undefined && state === 'ACTIVE')
          accounts.push({ id: account.Id, name: account.Name ?? account.Id });
      }
    return accounts;
  });
}
