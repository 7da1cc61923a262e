import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/**
 * How a call ended: `ok` (no `errorCode` and no `errorMessage`, or a dry run's error that says the
 * call was authorised, {@link AUTHORISED_DRY_RUN_CODES}), `denied` (an access error: IAM, an
 * SCP, a resource or session policy refused it) or `failed` (any other error: a missing resource,
 * throttling, a bad parameter, a failed sign-in). Only `ok` counts as use; `denied` says what a
 * principal tried without the right; `failed` calls were authorised or never reached
 * authorisation, so they say neither. A failed console sign-in is recorded with an `errorMessage`
 * ("Failed authentication") and `responseElements.ConsoleLogin: "Failure"` but no `errorCode`, and
 * a root user's carries the root ARN
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html):
 * a record with an `errorMessage` and no `errorCode` is `failed`, never use.
 */
export const OUTCOMES = ['ok', 'denied', 'failed'] as const;
/** One of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[number];

/**
 * The `errorCode` values that mean access was refused: `exact` names, and `containing` fragments
 * for the families that services spell with prefixes or suffixes (`Client.UnauthorizedOperation`,
 * `AccessDeniedException`). CloudTrail records refused calls with the service's error code
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
 * `errorCode`; ../shared/notes/cloudtrail-coverage-facts.md §5). Seen in ../shared/datasets:
 * `AccessDenied` (S3, STS: 21 calls), `Client.UnauthorizedOperation` (EC2: 90 calls); every other
 * code there (ThrottlingException, NoSuchBucketPolicy, Client.InvalidVpcID.NotFound,
 * InvalidAccessException of Security Hub's "not subscribed", ...) is `failed`. The others are the
 * services' documented access errors: `AccessDeniedException` (JSON APIs),
 * `UnauthorizedOperation` (EC2 API reference, "Common client error codes"),
 * `AuthorizationError`/`AuthorizationErrorException` (SNS), `NotAuthorized` and
 * `UnauthorizedAccess` (query APIs), `Forbidden`/`ForbiddenException` (HTTP 403 APIs).
 */
export const ACCESS_ERROR_CODES = {
  exact: [
    'AccessDenied',
    'AccessDeniedException',
    'UnauthorizedOperation',
    'Client.UnauthorizedOperation',
    'UnauthorizedAccess',
    'UnauthorizedException',
    'NotAuthorized',
    'NotAuthorizedException',
    'AuthorizationError',
    'AuthorizationErrorException',
    'Forbidden',
    'ForbiddenException',
  ],
  containing: ['AccessDenied', 'UnauthorizedOperation'],
} as const;

/**
 * The `errorCode` values of a dry run that AWS authorised: the call was checked and would have
 * succeeded, so it is a use of its permission and activity of its caller (`ok`). EC2: "If you have
 * the required permissions, the error response is DryRunOperation. Otherwise, it is
 * UnauthorizedOperation" (every EC2 API reference page, `DryRun`; CloudTrail logs it as
 * `Client.DryRunOperation`, as it logs `Client.UnauthorizedOperation`); KMS:
 * `DryRunOperationException`, "the request would have succeeded if DryRun had not been specified"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/programming-dryrun.html, where a refused one
 * is `AccessDeniedException`).
 */
export const AUTHORISED_DRY_RUN_CODES = [
  'DryRunOperation',
  'Client.DryRunOperation',
  'DryRunOperationException',
] as const;

// The codes are pasted into the query as literals (Athena's and DuckDB's SQL alike): only these
// characters, checked once, so no constant can break out of its quotes.
const SAFE_CODE = /^[A-Za-z.]+$/;
for (const code of [
  ...ACCESS_ERROR_CODES.exact,
  ...ACCESS_ERROR_CODES.containing,
  ...AUTHORISED_DRY_RUN_CODES,
]) {
  if (!SAFE_CODE.test(code)) throw new Error(`access error code ${JSON.stringify(code)} is not a plain name`);
}

/** The outcome of a call with this `errorCode` and `errorMessage` (`null` or absent: none). */
export function outcomeOf(errorCode: string | null | undefined, errorMessage?: string | null): Outcome {
  if (errorCode === null || errorCode === undefined)
    return errorMessage === null || errorMessage === undefined ? 'ok' : 'failed';
  const dryRun: readonly string[] = AUTHORISED_DRY_RUN_CODES;
  if (dryRun.includes(errorCode)) return 'ok';
  const exact: readonly string[] = ACCESS_ERROR_CODES.exact;
  if (exact.includes(errorCode)) return 'denied';
  return ACCESS_ERROR_CODES.containing.some((fragment) => errorCode.includes(fragment)) ? 'denied' : 'failed';
}

/**
 * {@link outcomeOf} as SQL over the columns holding the `errorCode` and `errorMessage`, for every
 * engine: the codes are iamtrail's constants, never data. A dry run's code is `ok` however its
 * message reads. `LIKE` is case-sensitive on DuckDB and
 * Athena alike, as `includes` is. A record with a message and no code falls through to `failed`
 * (`NULL IN (...)` and `NULL LIKE ...` are not true).
 */
export function outcomeSql(
  errorCode: RawBuilder<unknown>,
  errorMessage: RawBuilder<unknown>,
): RawBuilder<Outcome> {
  const exact = sql.join(ACCESS_ERROR_CODES.exact.map((code) => sql.lit(code)));
  const dryRun = sql.join(AUTHORISED_DRY_RUN_CODES.map((code) => sql.lit(code)));
  const containing = ACCESS_ERROR_CODES.containing.map(
    (fragment) => sql`${errorCode} LIKE ${sql.lit(`%${fragment}%`)}`,
  );
  return sql<Outcome>`CASE WHEN ${errorCode} IS NULL AND ${errorMessage} IS NULL THEN 'ok' WHEN ${errorCode} IN (${dryRun}) THEN 'ok' WHEN ${errorCode} IN (${exact}) OR ${sql.join(containing, sql` OR `)} THEN 'denied' ELSE 'failed' END`;
}
