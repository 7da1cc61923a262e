// Types of cloudtrail-writer.mjs, for the tests that build log trees with it.

/** A seeded PRNG. */
export interface Random {
  next(): number;
  int(max: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  token(length: number, alphabet?: string): string;
  uuid(): string;
}

/** A CloudTrail `userIdentity`. */
export type UserIdentity = Record<string, unknown> & { readonly type: string; readonly arn?: string };

/** A CloudTrail record. */
export type CloudTrailRecord = Record<string, unknown>;

export function createRandom(seed: number): Random;
export function userIdentity(
  random: Random,
  account: string,
  userName: string,
  accessKeyId?: string,
): UserIdentity;
export function makeRecord(
  random: Random,
  fields: {
    time: Date;
    account: string;
    region: string;
    source: string;
    name: string;
    identity: UserIdentity;
    errorCode?: string;
    requestParameters?: unknown;
    responseElements?: unknown;
    category?: 'Management' | 'Data';
    resources?: readonly { type: string; ARN: string }[];
    readOnly?: boolean;
  },
): CloudTrailRecord;
export function writeLogFiles(
  random: Random,
  root: string,
  orgId: string,
  records: readonly CloudTrailRecord[],
  options?: { bucketMinutes?: number },
): string[];
