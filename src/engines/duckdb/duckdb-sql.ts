import { RESOURCE_PARAMETER_SOURCES } from '../../trail/resource-extraction.js';

/**
 * DuckDB-side SQL that is not part of the shared trail queries: how the `cloudtrail` relation is
 * built from CloudTrail files. Everything here is constant text; file names are bound parameters.
 */

/**
 * The fields of a CloudTrail record the shared queries read; everything else in a record is
 * skipped by the JSON reader without being materialised (each field costs time on every event).
 * `requestParameters` (read by the IAM changes and the resource extraction, for the events of
 * their services only) is kept as JSON text, like Athena's column: a struct type would refuse a
 * whole file over one value that is not an object, and costs more on the benchmark's records.
 * `resources` keeps only each entry's ARN; CloudTrail always writes it as a list (a record where
 * it is not makes its file unreadable, skipped with a warning, as a malformed `userIdentity` does).
 */
const recordType = (resources: boolean): string => `STRUCT(
  eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, errorCode VARCHAR, awsRegion VARCHAR,
  recipientAccountId VARCHAR, responseElements JSON, eventID VARCHAR, sourceIPAddress VARCHAR,
  requestParameters JSON,${resources ? ' resources STRUCT(ARN VARCHAR)[],' : ''}
  userIdentity STRUCT(
    "type" VARCHAR, arn VARCHAR, accessKeyId VARCHAR, userName VARCHAR, invokedBy VARCHAR,
    sessionContext STRUCT(sourceIdentity VARCHAR, sessionIssuer STRUCT(arn VARCHAR))
  )
)`;

/**
 * The event sources whose `requestParameters` the shared queries read, as SQL literals (constants):
 * IAM's (its changes), and with the resources those of {@link RESOURCE_PARAMETER_SOURCES}.
 */
const parameterSources = (resources: boolean): string =>
  ['iam.amazonaws.com', ...(resources ? RESOURCE_PARAMETER_SOURCES : [])]
    .map((source) => `'${source}'`)
    .join(', ');

/** Binds the batch of files (`$1`, a list of paths) the `cloudtrail` view reads. */
export const SET_LOG_FILES_SQL = 'SET VARIABLE iamtrail_log_files = $1';

/**
 * The `cloudtrail` relation, with the Athena table's column names (the file of each record is
 * `"$path"`, like Athena's hidden column), streamed from the files bound by
 * {@link SET_LOG_FILES_SQL}. Each readable file also yields one sentinel row (all columns null but
 * `"$path"` and `has_records`), so the summary query can tell, in the same pass, which files were
 * read and which held no `Records` list; not for `actorsOnly`, whose stage tells the files read
 * from their records. `maxFileBytes` is the largest log file (one JSON
 * document) read in one piece: CloudTrail files can exceed DuckDB's default of 16 MiB, and the
 * reader buffers up to twice this much of a file before it gives up. Without `resources` (a
 * summary that does not read them) the records' `resources` lists are not materialised (the
 * column is a typed null) and `requestParameters` is kept for IAM's events only.
 */
export function createCloudTrailViewSql(
  maxFileBytes: number,
  resources: boolean,
  actorsOnly = false,
): string {
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0)
    throw new RangeError(`maximum log file size ${maxFileBytes} is not a positive integer`);
  // A per-actor summary reads none of the other fields: typed nulls. The reader still names them,
  // as every summary's does: DuckDB refuses a file that repeats a field its type names, so the
  // same files are readable whatever the question.
  const field = (name: string, type: string): string => (actorsOnly ? `CAST(NULL AS ${type})` : `r.${name}`);
  const withResources = resources && !actorsOnly;
  // Its stage (`buildActorStageQuery`) needs no sentinel rows: the records are unnested as they
  // are, not copied into a list one longer.
  const records = actorsOnly
    ? 'CAST(NULL AS BOOLEAN) AS has_records, unnest(Records) AS r'
    : 'Records IS NOT NULL AS has_records, unnest(list_append(coalesce(Records, []), NULL)) AS r';
  return `CREATE OR REPLACE TEMP VIEW cloudtrail AS
SELECT r.eventTime AS eventtime, r.eventSource AS eventsource, r.eventName AS eventname,
  r.errorCode AS errorcode, ${field('awsRegion', 'VARCHAR')} AS awsregion, r.recipientAccountId AS recipientaccountid,
  ${field('responseElements', 'JSON')} AS responseelements, r.userIdentity AS useridentity,
  ${field('eventID', 'VARCHAR')} AS eventid, ${field('sourceIPAddress', 'VARCHAR')} AS sourceipaddress,
  ${actorsOnly ? 'CAST(NULL AS JSON)' : `CASE WHEN r.eventSource IN (${parameterSources(resources)}) THEN r.requestParameters END`} AS requestparameters,
  ${withResources ? 'r.resources' : 'CAST(NULL AS STRUCT(arn VARCHAR)[])'} AS resources, filename AS "$path", has_records
FROM (
  SELECT filename, ${records}
  FROM read_json(getvariable('iamtrail_log_files'),
    columns = {'Records': '${recordType(withResources).replace(/\s+/g, ' ')}[]'},
    format = 'unstructured', records = true, filename = true, maximum_object_size = ${maxFileBytes})
)`;
}

/**
 * Trino's `json_extract_scalar`, which the shared queries use on `responseelements` and
 * `requestparameters` (a JSON string in the Athena table, a JSON value here). Trino's path
 * `$["x-amz-copy-source"]` (a name with dashes) is DuckDB's `$."x-amz-copy-source"`; paths are
 * constants of the queries, so the rewrite is folded once per query, not run per row.
 */
export const JSON_EXTRACT_SCALAR_MACRO_SQL = `CREATE OR REPLACE TEMP MACRO json_extract_scalar(document, path) AS json_extract_string(document, replace(replace(path, '["', '."'), '"]', '"'))`;

/** The table each batch's staged rows go into (`StagedRecord` of `trail/activity-summary.ts`). */
export const CREATE_STAGED_SQL = `CREATE OR REPLACE TEMP TABLE staged (
  account_id VARCHAR, day VARCHAR, actor_arn VARCHAR, actor_type VARCHAR, session_key VARCHAR,
  source_identity VARCHAR, event_source VARCHAR, event_name VARCHAR, outcome VARCHAR,
  issued_key VARCHAR, assumer_arn VARCHAR, assumer_type VARCHAR, assumer_key VARCHAR,
  log_file VARCHAR, has_records BOOLEAN, log_path VARCHAR, calls BIGINT, first_seen VARCHAR,
  last_seen VARCHAR, res_arns VARCHAR[], res_target VARCHAR, res_role VARCHAR,
  res_second_role VARCHAR, res_copy_source VARCHAR, event_id VARCHAR, source_ip VARCHAR, user_name VARCHAR, role_name VARCHAR,
  group_name VARCHAR, access_key_id VARCHAR, policy_arn VARCHAR, policy_name VARCHAR,
  key_status VARCHAR, created_key_id VARCHAR, error_code VARCHAR
)`;

/**
 * The files of the batch (bound by {@link SET_LOG_FILES_SQL}) whose per-file rows in the staged
 * table say nothing was read from them: `has_records` false when a file held no `Records` list,
 * null when DuckDB read no row from it. A well-formed batch gives no row: the files read never
 * cross into JavaScript.
 */
export const UNREAD_FILES_SQL = `SELECT b.path AS log_file, bool_or(s.has_records) AS has_records
FROM (SELECT unnest(getvariable('iamtrail_log_files')) AS path) AS b
LEFT JOIN staged AS s ON s.log_file = b.path
GROUP BY b.path
HAVING NOT coalesce(bool_or(s.has_records), false)`;

/** Drops a batch's per-file rows from the staged table once they have been checked. */
export const DROP_FILE_ROWS_SQL = 'DELETE FROM staged WHERE log_file IS NOT NULL';
