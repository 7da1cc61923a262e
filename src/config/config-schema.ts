import * as z from 'zod/mini';

import '../zod.js';

import { FINDING_TYPES } from '../analysis/audit-findings.js';
import { closeMatches } from '../close-matches.js';

/**
 * An AWS account id. CloudTracker's configs write it as a bare YAML number; the file is read with
 * YAML's failsafe schema, so it arrives as the exact digits written, leading zeros included.
 */
const accountId = z.string().check(z.trim(), z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));

/** One entry of `accounts:`. */
const accountSchema = z.strictObject({
  name: z.string().check(z.minLength(1, 'must not be empty')),
  id: accountId,
  iam: z.optional(z.string().check(z.minLength(1))),
  /** The account's credential report as CSV (`aws iam get-credential-report --query Content --output text | base64 -d`), for `audit` from files. */
  credential_report: z.optional(z.string().check(z.minLength(1))),
  /** Role to assume in the account to read its IAM data from the API when `iam` is not set. */
  role: z.optional(
    z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')),
  ),
});

/** Summary queries of a long window run at once by default (`athena.concurrency`). */
export const DEFAULT_ATHENA_CONCURRENCY = 4;

/** An AWS region name (`us-east-1`, `us-gov-west-1`, `us-isob-east-1`); nothing else reaches a projection. */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
/** One value or a list of them: a list either way. */
const list = (item: z.ZodMiniString) =>
  z.union([
    z.array(item),
    z.pipe(
      item,
      z.transform((value: string) => [value]),
    ),
  ]);
/** A string of `pattern`, read as a number (`scan_cap_gb: 100`). */
const numberOf = (pattern: RegExp, message: string) =>
  z.pipe(z.string().check(z.regex(pattern, message)), z.transform(Number));

/**
 * The `athena:` section. CloudTracker's keys (`s3_bucket`, `path`, `org_id`, `output_s3_bucket`,
 * `workgroup`) mean what they meant there; the rest is new. Values arrive as strings (failsafe
 * YAML) and are checked against strict patterns: several end up in SQL text and S3 keys.
 */
export const athenaSchema = z.strictObject({
  // Legacy us-east-1 buckets may hold capitals and underscores (CloudTracker's example: my_log_bucket).
  s3_bucket: z
    .string()
    .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/, 'must be an S3 bucket name')),
  path: z._default(
    z.pipe(
      z
        .string()
        .check(
          z.regex(/^[A-Za-z0-9!_.*'()/-]*$/, "must be an S3 key prefix (letters, digits, / and !_.*'()-)"),
        ),
      z.transform((value: string) => value.replace(/^\/+|\/+$/g, '')),
    ),
    '',
  ),
  org_id: z.optional(
    z.string().check(z.regex(/^o-[a-z0-9]{1,32}$/, 'must be an organization id like o-abc123defg')),
  ),
  output_s3_bucket: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^s3:\/\/[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9](\/[A-Za-z0-9!_.*'()/-]*)?$/,
          'must be an s3://bucket[/prefix] location',
        ),
      ),
  ),
  workgroup: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be an Athena workgroup name')),
    'primary',
  ),
  region: z.optional(z.string().check(z.regex(AWS_REGION_PATTERN, 'must be an AWS region like us-east-1'))),
  database: z._default(
    z.string().check(z.regex(/^[a-z0-9_]{1,255}$/, 'must be lower-case letters, digits and _')),
    'iamtrail',
  ),
  table: z._default(
    z.string().check(z.regex(/^[a-z0-9_]{1,255}$/, 'must be lower-case letters, digits and _')),
    'cloudtrail',
  ),
  regions: z.optional(
    list(z.string().check(z.regex(AWS_REGION_PATTERN, 'must be AWS regions like us-east-1'))),
  ),
  account_projection: z._default(z.enum(['enum', 'injected']), 'enum'),
  date_range_start: z._default(
    z
      .string()
      .check(
        z.regex(
          /^\d{4}\/\d{2}\/\d{2}$|^NOW-\d+(DAYS|MONTHS|YEARS)$/,
          'must be yyyy/MM/dd or NOW-<n>DAYS|MONTHS|YEARS',
        ),
      ),
    '2013/11/01',
  ),
  results_prefix: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9!_.*'()/-]+$/, 'must be an S3 key prefix')),
    'iamtrail-results/',
  ),
  scan_cap_gb: z.optional(numberOf(/^\d+(\.\d+)?$/, 'must be a number of gigabytes')),
  // Summary queries run at once: the account's Athena DML limit is shared with everyone else's.
  concurrency: z._default(
    numberOf(/^\d+$/, 'must be a whole number from 1 to 20').check(
      z.refine((value: number) => value >= 1 && value <= 20, 'must be a whole number from 1 to 20'),
    ),
    DEFAULT_ATHENA_CONCURRENCY,
  ),
  // A chunk of a long window scans about this much at most (default: scan_cap_gb, when set).
  chunk_scan_gb: z.optional(
    numberOf(/^\d+(\.\d+)?$/, 'must be a number of gigabytes').check(
      z.refine((value: number) => value > 0, 'must be more than 0 gigabytes'),
    ),
  ),
});

/** The `athena:` section, validated. */
export type AthenaConfig = z.infer<typeof athenaSchema>;

/** An IAM role name (not an ARN): what `advisor collect --org` assumes in every account. */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** The `advisor:` section: `advisor collect`'s settings. */
export const advisorSchema = z.strictObject({
  /** The role name `advisor collect --org` assumes in every account (`--role` wins). */
  role: z.optional(z.string().check(z.regex(ROLE_NAME_PATTERN, 'must be an IAM role name (not an ARN)'))),
});

/** Whether a string compiles as a JavaScript regular expression in Unicode mode. */
function compilesAsRegExp(value: string): boolean {
  try {
    new RegExp(value, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The message of a pattern that does not compile. */
const notARegExp = {
  error: (issue: { readonly input: unknown }) =>
    `is not a valid regular expression: ${JSON.stringify(issue.input)}`,
};

/** A pattern of `audit.exclude[].arn`: it must compile (JavaScript's RegExp, Unicode mode). */
const arnPattern = z
  .string()
  .check(z.minLength(1, 'must not be empty'), z.refine(compilesAsRegExp, notARegExp));

/** The message of a finding type that is not one: the value, the closest types, and every type. */
const notAFindingType = {
  error: (issue: { readonly input: unknown }) => {
    const close = typeof issue.input === 'string' ? closeMatches(issue.input, FINDING_TYPES) : [];
    return `is not a finding type: ${JSON.stringify(issue.input)} (${close.length > 0 ? `did you mean ${close.join(', ')}? ` : ''}finding types: ${FINDING_TYPES.join(', ')})`;
  },
};

/** The fields of an `audit.exclude` entry. */
const AUDIT_EXCLUDE_FIELDS = ['accounts', 'arn', 'tag', 'findings'] as const;

/** One entry of `audit.exclude`: findings it matches (every field given must match) are hidden and counted. */
const auditExcludeSchema = z
  .strictObject({
    /** Account names or ids. */
    accounts: z.optional(list(z.string().check(z.minLength(1)))),
    /** A regular expression matched against the principal's ARN. */
    arn: z.optional(arnPattern),
    /** A tag the principal carries (the value, when given, must match too). */
    tag: z.optional(z.strictObject({ key: z.string().check(z.minLength(1)), value: z.optional(z.string()) })),
    /** Finding types (`UnusedIAMRole`, ...): a list, or one; each named when it is not one. */
    findings: z.optional(z.pipe(list(z.string()), z.array(z.enum(FINDING_TYPES, notAFindingType)))),
  })
  .check(
    // Every field given must match: an entry that gives none would match, and hide, every finding.
    z.refine(
      (entry: Record<string, unknown>) => AUDIT_EXCLUDE_FIELDS.some((field) => entry[field] !== undefined),
      {
        error: `gives no field (${AUDIT_EXCLUDE_FIELDS.slice(0, -1).join(', ')} or ${AUDIT_EXCLUDE_FIELDS.at(-1) ?? ''}): an empty entry would hide every finding`,
      },
    ),
  );

/** The `audit:` section: `iamtrail audit`'s settings. */
export const auditSchema = z.strictObject({
  /** The role name `audit --org` assumes in every account (`--role` wins). */
  role: z.optional(z.string().check(z.regex(ROLE_NAME_PATTERN, 'must be an IAM role name (not an ARN)'))),
  exclude: z._default(z.array(auditExcludeSchema), []),
});

/** The `audit:` section, validated. */
export type AuditConfig = z.infer<typeof auditSchema>;

/** An IAM action name or pattern (`ec2:DescribeInstances`, `s3:List*`); the catalog check is the plan's. */
const actionPattern = z
  .string()
  .check(
    z.trim(),
    z.regex(
      /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$/,
      'must be an IAM action like ec2:DescribeInstances or s3:List*',
    ),
  );

/**
 * One entry of `boundary.exclude`: a principal name (in any case, as IAM compares them), or, starting with `arn:`, a
 * regular expression the principal's whole ARN must match.
 */
const boundaryExcludeEntry = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.refine((value: string) => !value.startsWith('arn:') || compilesAsRegExp(value), notARegExp),
);

/** The `boundary:` section: `iamtrail boundary plan`'s settings (the sample's base actions and do-not-list). */
export const boundarySchema = z.strictObject({
  /** Actions every boundary allows, used or not (the sample's `base_actions.txt`). */
  base_actions: z._default(list(actionPattern), []),
  /** Principals never given a boundary: names, or `arn:` regular expressions over the whole ARN. */
  exclude: z._default(list(boundaryExcludeEntry), []),
});

/** The `boundary:` section, validated. */
export type BoundaryConfig = z.infer<typeof boundarySchema>;

/**
 * The config file: CloudTracker's keys (`accounts`, `athena`) plus `logs`, the local CloudTrail
 * folder. `athena:` is accepted as CloudTracker wrote it and kept for the Athena engine.
 */
export const configSchema = z.looseObject({
  accounts: z.array(accountSchema).check(z.minLength(1, 'must list at least one account')),
  logs: z.optional(z.string().check(z.minLength(1))),
  athena: z.optional(athenaSchema),
  advisor: z.optional(advisorSchema),
  audit: z.optional(auditSchema),
  boundary: z.optional(boundarySchema),
});

/** The config file as parsed, before paths are resolved. */
export type ConfigFileContent = z.infer<typeof configSchema>;
