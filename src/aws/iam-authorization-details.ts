import { paginateGetAccountAuthorizationDetails } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';

import { awsCall } from './aws-call.js';
import { InputDataError } from '../errors.js';
import { AuthorizationDetailsError, parseAuthorizationDetails } from '../iam/authorization-details.js';
import type { AuthorizationDetails } from '../iam/authorization-details.js';

/**
 * Reads an account's authorization details from the IAM API (every page of
 * GetAccountAuthorizationDetails: raw API shape, URL-encoded policy documents). Kept in memory
 * for the run only.
 */
export async function fetchAuthorizationDetails(
  client: Pick<IAMClient, 'send'>,
  accountLabel: string,
): Promise<AuthorizationDetails> {
  const pages = await awsCall(`IAM GetAccountAuthorizationDetails in ${accountLabel}`, async () => {
    const collected: unknown[] = [];
    for await (const page of paginateGetAccountAuthorizationDetails({ client: client as IAMClient }, {}))
      collected.push(page);
    return collected;
  });
  try {
    return parseAuthorizationDetails(pages);
  } catch (error) {
    if (error instanceof AuthorizationDetailsError) {
      throw new InputDataError(`IAM API answer for ${accountLabel}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
