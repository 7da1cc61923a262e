import pLimit from 'p-limit';

import { DEFAULT_THROTTLING_RETRY } from '../../aws/client-instrumentation.js';
import type { AwsCallCounts } from '../../aws/client-instrumentation.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import { messageOf } from '../../errors.js';
import type { AuthorizationDetails } from '../../iam/authorization-details.js';
import type { AccountTarget } from './resolve-accounts.js';

/*
 * The IAM data (GetAccountAuthorizationDetails) of each account of a fan-out (`iamtrail test`,
 * `iamtrail access`): the config's `iam:` file when the account has one, else AWS (assuming the
 * account's role). Files are read first, so a bad file stops the run (exit code 2) before AWS is
 * asked anything; an AWS failure makes that account a `failed` entry and the others go on.
 */

/** One account's IAM data, or why it could not be read. */
export type AccountDetails =
  | {
      readonly status: 'read';
      readonly account: AccountTarget;
      readonly details: AuthorizationDetails;
      /** `file`: the config's `iam:` file; `aws`: GetAccountAuthorizationDetails. */
      readonly source: 'file' | 'aws';
    }
  | { readonly status: 'failed'; readonly account: AccountTarget; readonly error: string };

/** How the IAM data is read. */
export interface AccountDetailsOptions {
  /** Accounts read from AWS at once. */
  readonly concurrency: number;
  /** The SDK region (`undefined`: the SDK's own resolution). */
  readonly region: string | undefined;
  /** Where every AWS call is counted. */
  readonly counts: AwsCallCounts;
  /** One line per account read or failed. */
  readonly note?: (line: string) => void;
}

/** Reads the IAM data of every target, in the targets' order. */
export async function loadAccountDetails(
  targets: readonly AccountTarget[],
  options: AccountDetailsOptions,
): Promise<AccountDetails[]> {
  const files = targets.map((target) =>
    target.iamFile === undefined ? undefined : readAuthorizationDetailsFile(target.iamFile),
  );
  const limit = pLimit(options.concurrency);
  return Promise.all(
    targets.map((target, index) =>
      limit(async (): Promise<AccountDetails> => {
        const label = `${target.name} (${target.id})`;
        const file = files[index];
        let result: AccountDetails;
        if (file !== undefined) result = { status: 'read', account: target, details: file, source: 'file' };
        else {
          // The AWS SDK is loaded for an account read from AWS only: one read from a file needs none of it.
          const [{ createIamClient }, { fetchAuthorizationDetails }] = await Promise.all([
            import('../../aws/aws-clients.js'),
            import('../../aws/iam-authorization-details.js'),
          ]);
          const client = await createIamClient(options.region, target.roleArn, {
            counts: options.counts,
            retry: DEFAULT_THROTTLING_RETRY,
          }).catch((error: unknown) => error as Error);
          try {
            if (client instanceof Error) throw client;
            const details = await fetchAuthorizationDetails(client, label);
            result = { status: 'read', account: target, details, source: 'aws' };
          } catch (error) {
            result = { status: 'failed', account: target, error: messageOf(error) };
          } finally {
            if (!(client instanceof Error)) client.destroy();
          }
        }
        options.note?.(
          result.status === 'failed'
            ? `account ${label}: failed: ${result.error}`
            : `account ${label}: ${result.details.users.length} users, ${result.details.roles.length} roles (${result.source === 'file' ? (target.iamFile ?? '') : 'AWS'})`,
        );
        return result;
      }),
    ),
  );
}
