/**
 * DuckDB-side SQL that is not part of the shared trail queries: how the `cloudtrail` relation is
 * built from CloudTrail files. Everything here is constant text; file names are bound parameters.
 */

/** The fields of a CloudTrail record the engine reads; everything else in a record is skipped. */
const RECORD_TYPE = `STRUCT(
  eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, errorCode VARCHAR, awsRegion VARCHAR,
  recipientAccountId VARCHAR, eventCategory VARCHAR,
  userIdentity STRUCT(
    "type" VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, accessKeyId VARCHAR,
    userName VARCHAR, invokedBy VARCHAR,
    sessionContext STRUCT(
      sourceIdentity VARCHAR,
      sessionIssuer STRUCT("type" VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR)
    )
  )
)`;

/** Largest JSON document (one log file) read in one piece; CloudTrail files can exceed 16 MiB. */
export const MAXIMUM_OBJECT_SIZE = 1 << 30;

/**
 * Loads a batch of files (`$1`, a list of paths) into `ct_batch`: one row per file with its
 * `Records` list, NULL when the file has none.
 */
export const LOAD_BATCH_SQL = `CREATE OR REPLACE TEMP TABLE ct_batch AS
SELECT filename, Records
FROM read_json($1, columns = {'Records': '${RECORD_TYPE.replace(/\s+/g, ' ')}[]'},
  format = 'unstructured', records = true, filename = true, maximum_object_size = ${MAXIMUM_OBJECT_SIZE})`;

/** Which files of the batch produced a row, and whether it had a `Records` list. */
export const BATCH_FILES_SQL = `SELECT filename, bool_or(Records IS NOT NULL) AS has_records FROM ct_batch GROUP BY filename`;

/** The `cloudtrail` relation over the loaded batch, with the Athena table's column names. */
export const CLOUDTRAIL_VIEW_SQL = `CREATE OR REPLACE TEMP VIEW cloudtrail AS
SELECT r.eventTime AS eventtime, r.eventSource AS eventsource, r.eventName AS eventname,
  r.errorCode AS errorcode, r.awsRegion AS awsregion, r.recipientAccountId AS recipientaccountid,
  r.eventCategory AS eventcategory, r.userIdentity AS useridentity
FROM (SELECT unnest(Records) AS r FROM ct_batch)`;
