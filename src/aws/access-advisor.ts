import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  paginateListGroups,
  paginateListPolicies,
  paginateListRoles,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import type { IAMClient, ServiceLastAccessed } from '@aws-sdk/client-iam';
import pRetry from 'p-retry';

import { awsCall } from './aws-call.js';
import type { AdvisorEntityType } from '../iam/access-advisor.js';

/*
 * IAM Access Advisor from the API: the principals of an account, and one ACTION_LEVEL job per
 * principal, polled until AWS has finished it. A job can only be read with the credentials that
 * started it, so both calls go through the same client.
 */

/** A principal Access Advisor can report on. */
export interface AdvisorPrincipal {
  readonly arn: string;
  readonly entityType: AdvisorEntityType;
}

/**
 * Every role, user, group and customer managed policy of the account (ListRoles, ListUsers,
 * ListGroups, ListPolicies Scope=Local; every page of each), in that order.
 */
export async function listAdvisorPrincipals(
  client: IAMClient,
  accountLabel: string,
): Promise<AdvisorPrincipal[]> {
  return awsCall(`IAM listing of ${accountLabel}`, async () => {
    const principals: AdvisorPrincipal[] = [];
    const add = (entityType: AdvisorEntityType, arn: string | undefined): void => {
      if (arn !== undefined) principals.push({ arn, entityType });
    };
    for await (const page of paginateListRoles({ client }, {}))
      for (const role of page.Roles ?? []) add('role', role.Arn);
    for await (const page of paginateListUsers({ client }, {}))
      for (const user of page.Users ?? []) add('user', user.Arn);
    for await (const page of paginateListGroups({ client }, {}))
      for (const group of page.Groups ?? []) add('group', group.Arn);
    for await (const page of paginateListPolicies({ client }, { Scope: 'Local' }))
      for (const policy of page.Policies ?? []) add('policy', policy.Arn);
    return principals;
  });
}

/** How a job is waited for. */
export interface AdvisorJobOptions {
  /** How long a job may stay IN_PROGRESS before it is reported as not finished. */
  readonly jobTimeoutMs: number;
  /** The first wait before reading the job again; each later one is 1.5 times longer, with jitter. */
  readonly pollDelayMs: number;
  /** The longest wait between two reads. */
  readonly maxPollDelayMs: number;
}

/** AWS's jobs take seconds: read again after 1 s, then up to every 10 s, for 5 minutes at most. */
export const DEFAULT_ADVISOR_JOB_OPTIONS: AdvisorJobOptions = {
  jobTimeoutMs: 300_000,
  pollDelayMs: 1000,
  maxPollDelayMs: 10_000,
};

/** What became of one principal's job. */
export type AdvisorJobResult =
  | {
      readonly kind: 'completed';
      /** Every `ServicesLastAccessed` entry, all Marker pages. */
      readonly services: readonly ServiceLastAccessed[];
      readonly jobCompletedAt: Date | undefined;
    }
  /** AWS ended the job FAILED: its `Error.Message`. */
  | { readonly kind: 'failed'; readonly message: string }
  /** Still IN_PROGRESS after `jobTimeoutMs`. */
  | { readonly kind: 'unfinished'; readonly waitedMs: number }
  /** The principal no longer exists (deleted since it was listed): NoSuchEntity. */
  | { readonly kind: 'no-such-entity'; readonly message: string };

/** Thrown to p-retry while the job is still IN_PROGRESS. */
class JobPending extends Error {}

/**
 * Runs an Access Advisor job for `arn` with `Granularity=ACTION_LEVEL`: GenerateServiceLastAccessedDetails,
 * then GetServiceLastAccessedDetails with backoff until the job leaves IN_PROGRESS, then every
 * Marker page. Any other AWS failure (AccessDenied, throttling past its retries) is thrown.
 */
export async function runAdvisorJob(
  client: IAMClient,
  arn: string,
  options: AdvisorJobOptions = DEFAULT_ADVISOR_JOB_OPTIONS,
): Promise<AdvisorJobResult> {
  const generated = await awsCall(`IAM GenerateServiceLastAccessedDetails for ${arn}`, async () => {
    try {
      const answer = await client.send(
        new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: 'ACTION_LEVEL' }),
      );
      if (answer.JobId === undefined) throw new Error('no JobId in the answer');
      return { jobId: answer.JobId };
    } catch (error) {
      if (isNoSuchEntity(error)) return { noSuchEntity: (error as Error).message };
      throw error;
    }
  });
  if ('noSuchEntity' in generated) return { kind: 'no-such-entity', message: generated.noSuchEntity };
  const id = generated.jobId;
  const started = Date.now();
  const read = (marker: string | undefined) =>
    client.send(
      new GetServiceLastAccessedDetailsCommand({
        JobId: id,
        ...(marker === undefined ? {} : { Marker: marker }),
      }),
    );
  return awsCall(`IAM GetServiceLastAccessedDetails for ${arn} (job ${id})`, async () => {
    let first;
    try {
      first = await pRetry(
        async () => {
          const page = await read(undefined);
          if (page.JobStatus === 'IN_PROGRESS') throw new JobPending(`job ${id} is IN_PROGRESS`);
          return page;
        },
        {
          // The deadline ends the polling; p-retry precomputes its waits, so the count must be finite.
          retries: Math.min(10_000, Math.ceil(options.jobTimeoutMs / options.pollDelayMs) + 1),
          maxRetryTime: options.jobTimeoutMs,
          minTimeout: options.pollDelayMs,
          maxTimeout: options.maxPollDelayMs,
          factor: 1.5,
          randomize: true,
          shouldRetry: (error) => error instanceof JobPending,
          onFailedAttempt: (error) => {
            // p-retry stops on maxRetryTime only after the next attempt: do not wait past the deadline
            // (what onFailedAttempt throws ends the retries as it is).
            if (error instanceof JobPending && Date.now() - started >= options.jobTimeoutMs) throw error;
          },
        },
      );
    } catch (error) {
      if (error instanceof JobPending) return { kind: 'unfinished', waitedMs: Date.now() - started } as const;
      if (isNoSuchEntity(error))
        return { kind: 'no-such-entity', message: (error as Error).message } as const;
      throw error;
    }
    if (first.JobStatus === 'FAILED')
      return { kind: 'failed', message: first.Error?.Message ?? 'the job FAILED without a message' } as const;
    const services = [...(first.ServicesLastAccessed ?? [])];
    let marker = first.IsTruncated === true ? first.Marker : undefined;
    while (marker !== undefined) {
      const page = await read(marker);
      services.push(...(page.ServicesLastAccessed ?? []));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    }
    return { kind: 'completed', services, jobCompletedAt: first.JobCompletionDate } as const;
  });
}

function isNoSuchEntity(error: unknown): boolean {
  return (
    (error as { name?: string } | null)?.name === 'NoSuchEntityException' ||
    (error as { name?: string } | null)?.name === 'NoSuchEntity'
  );
}
