import { RESOURCE_PARAMETER_EVENTS, RESOURCE_PARAMETER_SOURCES } from '../../trail/resource-extraction.js';
import { ASSUME_ROLE_EVENTS } from '../../trail/assume-role-events.js';

/**
 * DuckDB-side SQL that is not part of the shared trail queries: how the `cloudtrail` relation is
 * built from CloudTrail files. Everything here is constant text; file names are bound parameters.
 */

/**
 * The fields of a record a per-actor summary reads (`buildActorStageQuery`: when, which account,
 * its error), besides who (`userIdentity`'s type, ARN and session issuer, typed alike in every
 * reader): its reader's type leaves the others out, and its `cloudtrail` relation has typed nulls
 * for them.
 */
const PER_ACTOR_FIELDS: ReadonlySet<string> = new Set([
  'eventTime',
  'errorCode',
  'errorMessage',
  'recipientAccountId',
]);

/**
 * The fields of a CloudTrail record the shared queries read; everything else in a record is
 * skipped by the JSON reader without being materialised (each field costs time on every event).
 * `requestParameters` (read by the IAM changes and the resource extraction, for the events of
 * their services only) is kept as JSON text, like Athena's column: a struct type would refuse a
 * whole file over one value that is not an object, and costs more on the benchmark's records.
 * `resources` keeps only each entry's ARN; CloudTrail always writes it as a list (a record where
 * it is not makes its file unreadable, skipped with a warning, as a malformed `userIdentity` does).
 *
 * A per-actor summary (`actorsOnly`) names only the fields it reads (the time, account, error and
 * who): every field it leaves out is one the full type reads as text or JSON, which takes any JSON
 * value, so both types refuse the same values (the structs, `userIdentity` and its
 * `sessionContext`, are named alike). DuckDB also refuses a record that repeats a field its type
 * names, which a narrower type would not notice; the engine reads such a file again from a copy
 * that keeps each repeated field's last value (`DuckDbEngine`), so both summaries read it, alike,
 * but for a file whose copy would pass the size limit, which the full summary skips and this one
 * reads when the field it repeats is not one of its own.
 * Naming the unread fields (typed `"NULL"`) cost some 0.2 s of 2.8 at 1,000,000 events
 * (docs/benchmarks.md, twenty-ninth session).
 */
const recordType = (resources: boolean, actorsOnly: boolean): string => {
  const field = (name: string, type: string): string =>
    actorsOnly && !PER_ACTOR_FIELDS.has(name) ? '' : `${name} ${type}, `;
  return `STRUCT(
  ${field('eventTime', 'VARCHAR')}${field('eventSource', 'VARCHAR')}${field('eventName', 'VARCHAR')}${field('errorCode', 'VARCHAR')}${field('errorMessage', 'VARCHAR')}
  ${field('awsRegion', 'VARCHAR')}${field('recipientAccountId', 'VARCHAR')}${field('responseElements', 'JSON')}${field('eventID', 'VARCHAR')}${field('sourceIPAddress', 'VARCHAR')}
  ${field('requestParameters', 'JSON')}${resources ? 'resources STRUCT(ARN VARCHAR)[], ' : ''}
  userIdentity STRUCT(
    "type" VARCHAR, arn VARCHAR, ${field('accountId', 'VARCHAR')}${field('accessKeyId', 'VARCHAR')}${field('userName', 'VARCHAR')}${field('invokedBy', 'VARCHAR')}
    sessionContext STRUCT(${field('sourceIdentity', 'VARCHAR')}sessionIssuer STRUCT(arn VARCHAR))
  )
)`;
};

/**
 * The records whose `requestParameters` the shared queries read, as an SQL condition over `r`
 * (constants only): IAM's (its changes), STS's AssumeRole calls (the role), and with the resources those of
 * {@link RESOURCE_PARAMETER_SOURCES} and the events of {@link RESOURCE_PARAMETER_EVENTS}.
 */
const parameterRecords = (resources: boolean): string => {
  const list = (values: readonly string[]): string => values.map((value) => `'${value}'`).join(', ');
  const sources = `r.eventSource IN (${list(['iam.amazonaws.com', ...(resources ? RESOURCE_PARAMETER_SOURCES : [])])})`;
  const events = Object.entries({
    // The role an AssumeRole call assumed (`roleArn`).
    'sts.amazonaws.com': ASSUME_ROLE_EVENTS,
    ...(resources ? RESOURCE_PARAMETER_EVENTS : {}),
  }).map(([source, names]) => `(r.eventSource = '${source}' AND r.eventName IN (${list(names)}))`);
  return [sources, ...events].join(' OR ');
};

/**
 * A file path as DuckDB's file readers (`read_json`, `read_parquet`, `read_csv`) take it to name
 * that file alone: they expand `*`, `?` and `[...]` anywhere in a path, so `logs/[ab].json` would
 * read `a.json` and `b.json` instead. Each of those characters becomes a class of itself (`[[]`,
 * `[*]`, `[?]`), which matches only it. Paths are still bound as values, never pasted into SQL.
 */
export function duckDbFilePattern(path: string): string {
  return path.replace(/[[*?]/g, (character) => `[${character}]`);
}

/** Binds the batch of files (`$1`, a list of paths) the `cloudtrail` view reads. */
export const SET_LOG_FILES_SQL = 'SET VARIABLE iamtrail_log_files = $1';

/**
 * The `cloudtrail` relation, with the Athena table's column names, streamed from the files bound by
 * {@link SET_LOG_FILES_SQL}. The file of each record, `"$path"` (Athena's hidden column, its S3
 * URI), is here the file's place in the bound list (DuckDB's `file_index`, as text: `"0"`,
 * `"1"`, …), which the engine maps back to the file: the stage groups every record by it, and a
 * short string costs less to hash and compare than a path (at 1,000,000 events the per-actor
 * stage took 2,844 ms against 2,952, 5 alternated runs; docs/benchmarks.md). Each readable file also yields one sentinel row (all columns null but
 * `"$path"` and `has_records`), so the summary query can tell, in the same pass, which files were
 * read and which held no `Records` list; for `actorsOnly` only a file without records does, since
 * its stage tells the other files read from their records. `maxFileBytes` is the largest log file (one JSON
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
  return `CREATE OR REPLACE TEMP VIEW cloudtrail AS\n${cloudTrailRelationSql(maxFileBytes, resources, actorsOnly, "getvariable('iamtrail_log_files')")}`;
}

/**
 * The query a stage query (a kysely query over `cloudtrail`, opening with a `WITH` clause, with
 * `parameters` bound parameters) becomes with the `cloudtrail` relation of
 * {@link createCloudTrailViewSql} as its first CTE, reading the files bound as the next parameter
 * (a list of paths): DuckDB binds the reader over every file once per statement that names it, so
 * a view, and the variable it reads, cost one more binding and one more copy of the list (~50 and
 * ~40 ms for 10,000 files). With `filesAsText` the parameter is one text, the paths separated by
 * line breaks (none may hold one), split inside DuckDB: a list binds one value per path, which
 * took ~45 ms for 10,800 paths against ~23 for the text (docs/benchmarks.md, sixteenth session).
 */
export function withCloudTrailRelation(
  stageSql: string,
  parameters: number,
  maxFileBytes: number,
  resources: boolean,
  actorsOnly: boolean,
  filesAsText = false,
  format: LogFileFormat = 'unstructured',
): string {
  if (!Number.isSafeInteger(parameters) || parameters < 0)
    throw new RangeError(`parameter count ${parameters} is not a whole number`);
  const files = filesAsText ? `string_split($${parameters + 1}, chr(10))` : `$${parameters + 1}`;
  return `WITH cloudtrail AS NOT MATERIALIZED (${cloudTrailRelationSql(maxFileBytes, resources, actorsOnly, files, format)}), ${withoutWith(stageSql)}`;
}

/**
 * How DuckDB's JSON reader finds a file's documents. `unstructured` reads any JSON text, a document
 * over several lines or several on one line; `newline_delimited` takes each line as one document,
 * cutting the text at its line breaks instead of scanning it for the documents' ends, which took
 * ~30 % less time at 1,000,000 events (docs/benchmarks.md, thirty-second session). CloudTrail writes
 * each log file as one line. A file the line reader reads, the other reads alike (the same rows from
 * the same documents, test/integration/duckdb-line-reader.test.ts); a file it refuses (a document
 * over several lines, two on one line, a document without Records, or one DuckDB refuses either
 * way) is read again by the other.
 */
export type LogFileFormat = 'newline_delimited' | 'unstructured';

/** The error a document without Records raises when read one line a document (constant text). */
const WITHOUT_RECORDS = 'a document without a Records list: read the batch as any JSON text';

/** The SELECT of {@link createCloudTrailViewSql}, reading the files of the SQL expression `files`. */
function cloudTrailRelationSql(
  maxFileBytes: number,
  resources: boolean,
  actorsOnly: boolean,
  files: string,
  format: LogFileFormat = 'unstructured',
): string {
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0)
    throw new RangeError(`maximum log file size ${maxFileBytes} is not a positive integer`);
  // A per-actor summary reads only PER_ACTOR_FIELDS: the others are typed nulls here, and left out
  // of the reader's type (see recordType).
  const field = (name: string, type: string): string =>
    actorsOnly && !PER_ACTOR_FIELDS.has(name) ? `CAST(NULL AS ${type})` : `r.${name}`;
  const withResources = resources && !actorsOnly;
  // Its stage (`buildActorStageQuery`) tells the files read from their records: a list is
  // unnested as it is, not copied into a list one longer; only a file without records yields
  // one null record, so that it is known to have been read (`has_records` as above).
  // Read one line a document, a document without a Records list (`null`, `{}`, another object)
  // stops the statement, so that the batch is read as any JSON text: that reader refuses a `null`
  // followed by another document, where the line reader would read the other (the two readers
  // agree on files whose every document holds Records; test/integration/duckdb-line-reader.test.ts).
  const hasRecords =
    format === 'newline_delimited'
      ? `CASE WHEN Records IS NULL THEN error('${WITHOUT_RECORDS}') ELSE true END`
      : 'Records IS NOT NULL';
  const records = actorsOnly
    ? `${hasRecords} AS has_records, unnest(CASE WHEN len(Records) > 0 THEN Records ELSE [NULL] END) AS r`
    : `${hasRecords} AS has_records, unnest(list_append(coalesce(Records, []), NULL)) AS r`;
  return `SELECT ${field('eventTime', 'VARCHAR')} AS eventtime, ${field('eventSource', 'VARCHAR')} AS eventsource, ${field('eventName', 'VARCHAR')} AS eventname,
  ${field('errorCode', 'VARCHAR')} AS errorcode, ${field('errorMessage', 'VARCHAR')} AS errormessage, ${field('awsRegion', 'VARCHAR')} AS awsregion, ${field('recipientAccountId', 'VARCHAR')} AS recipientaccountid,
  ${field('responseElements', 'JSON')} AS responseelements, r.userIdentity AS useridentity,
  ${field('eventID', 'VARCHAR')} AS eventid, ${field('sourceIPAddress', 'VARCHAR')} AS sourceipaddress,
  ${actorsOnly ? 'CAST(NULL AS JSON)' : `CASE WHEN ${parameterRecords(resources)} THEN r.requestParameters END`} AS requestparameters,
  ${withResources ? 'r.resources' : 'CAST(NULL AS STRUCT(arn VARCHAR)[])'} AS resources, CAST(file_index AS VARCHAR) AS "$path", has_records
FROM (
  SELECT file_index, ${records}
  FROM read_json(${files},
    columns = {'Records': '${recordType(withResources, actorsOnly).replace(/\s+/g, ' ')}[]'},
    format = '${format}', records = true, maximum_object_size = ${maxFileBytes})
)`;
}

/**
 * Trino's `json_extract_scalar`, which the shared queries use on `responseelements` and
 * `requestparameters` (a JSON string in the Athena table, a JSON value here). Trino's path
 * `$["x-amz-copy-source"]` (a name with dashes) is DuckDB's `$."x-amz-copy-source"`; paths are
 * constants of the queries, so the rewrite is folded once per query, not run per row.
 */
export const JSON_EXTRACT_SCALAR_MACRO_SQL = `CREATE OR REPLACE TEMP MACRO json_extract_scalar(document, path) AS json_extract_string(document, replace(replace(path, '["', '."'), '"]', '"'))`;

/** The staged rows' columns (`StagedRecord` of `trail/activity-summary.ts`) and their types. */
const STAGED_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ['account_id', 'VARCHAR'],
  ['day', 'VARCHAR'],
  ['actor_arn', 'VARCHAR'],
  ['actor_type', 'VARCHAR'],
  ['session_key', 'VARCHAR'],
  ['source_identity', 'VARCHAR'],
  ['event_source', 'VARCHAR'],
  ['event_name', 'VARCHAR'],
  ['outcome', 'VARCHAR'],
  ['assumed_role_arn', 'VARCHAR'],
  ['issued_key', 'VARCHAR'],
  ['assumer_arn', 'VARCHAR'],
  ['assumer_type', 'VARCHAR'],
  ['assumer_key', 'VARCHAR'],
  ['log_file', 'VARCHAR'],
  ['has_records', 'BOOLEAN'],
  ['log_path', 'VARCHAR'],
  ['calls', 'BIGINT'],
  ['first_seen', 'VARCHAR'],
  ['last_seen', 'VARCHAR'],
  ['res_arns', 'VARCHAR[]'],
  ['res_target', 'VARCHAR'],
  ['res_role', 'VARCHAR'],
  ['res_second_role', 'VARCHAR'],
  ['res_copy_source', 'VARCHAR'],
  ['res_copy_version', 'VARCHAR'],
  ['event_id', 'VARCHAR'],
  ['source_ip', 'VARCHAR'],
  ['user_name', 'VARCHAR'],
  ['role_name', 'VARCHAR'],
  ['group_name', 'VARCHAR'],
  ['access_key_id', 'VARCHAR'],
  ['policy_arn', 'VARCHAR'],
  ['policy_name', 'VARCHAR'],
  ['key_status', 'VARCHAR'],
  ['created_key_id', 'VARCHAR'],
  ['error_code', 'VARCHAR'],
];

/** The columns a per-actor stage (`buildActorStageQuery`) writes: the others are null in its rows. */
const ACTOR_STAGED_COLUMNS: ReadonlySet<string> = new Set([
  'account_id',
  'day',
  'actor_arn',
  'actor_type',
  'event_source',
  'event_name',
  'outcome',
  'log_file',
  'has_records',
  'log_path',
  'calls',
  'first_seen',
  'last_seen',
]);

/**
 * The table each batch's staged rows go into, which the resolve query reads as `staged`: for a
 * per-actor summary a table of the columns its stage writes (`staged_actors`), read through a CTE
 * naming the others as typed nulls, since every column of a table costs its insert even when null
 * (the per-actor stage at 1,000,000 events took ~70 ms less into 13 columns than into 35;
 * docs/benchmarks.md, sixteenth session). Constant text: every name is ours.
 */
export interface StagedTable {
  /** The table the batches are inserted into. */
  readonly name: 'staged' | 'staged_actors';
  /** Creates it (empty). */
  readonly create: string;
  /** Drops it. */
  readonly drop: string;
  /**
   * A query over `staged`, made to read this table: for `staged_actors`, with a first CTE
   * `staged` of every column (a view costs a statement of its own).
   */
  readsStaged(sql: string): string;
  /** How many of the batch's files have a per-file row saying records were read from them. */
  readonly filesRead: string;
  /**
   * The batch's per-file rows, one per file: `has_records` false when a file held no `Records`
   * list. Asked only when {@link filesRead} counts fewer files than the batch has.
   */
  readonly fileRows: string;
  /** Drops a batch's per-file rows from the table once they have been checked. */
  readonly dropFileRows: string;
}

/** The {@link StagedTable} of a summary, per actor (`actorsOnly`) or whole. */
export function stagedTable(actorsOnly: boolean): StagedTable {
  const name = actorsOnly ? 'staged_actors' : 'staged';
  const columns = STAGED_COLUMNS.filter(([column]) => !actorsOnly || ACTOR_STAGED_COLUMNS.has(column));
  const everyColumn = STAGED_COLUMNS.map(([column, type]) =>
    ACTOR_STAGED_COLUMNS.has(column) ? column : `CAST(NULL AS ${type}) AS ${column}`,
  ).join(', ');
  return {
    name,
    create: `CREATE OR REPLACE TEMP TABLE ${name} (${columns.map(([column, type]) => `${column} ${type}`).join(', ')})`,
    drop: `DROP TABLE IF EXISTS ${name}`,
    readsStaged: (sql) => {
      if (!actorsOnly) return sql;
      const staged = `WITH staged AS NOT MATERIALIZED (SELECT ${everyColumn} FROM ${name})`;
      return /^with /i.test(sql) ? `${staged}, ${withoutWith(sql)}` : `${staged} ${sql}`;
    },
    filesRead: `SELECT count(DISTINCT log_file) FILTER (WHERE has_records) AS files FROM ${name} WHERE log_file IS NOT NULL`,
    fileRows: `SELECT log_file, bool_or(has_records) AS has_records FROM ${name} WHERE log_file IS NOT NULL GROUP BY log_file`,
    dropFileRows: `DELETE FROM ${name} WHERE log_file IS NOT NULL`,
  };
}

/** A query opening with a `WITH` clause, without it: its CTEs, to follow others. */
function withoutWith(sql: string): string {
  const opening = /^with /i.exec(sql);
  if (opening === null) throw new Error('the query opens with a WITH clause');
  return sql.slice(opening[0].length);
}
