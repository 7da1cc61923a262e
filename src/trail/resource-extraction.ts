import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/*
 * Which resources a successful call used, as SQL over the record's own fields (`resources`,
 * `requestParameters`, `awsRegion`, `recipientAccountId`): one list per event, computed while the
 * events are staged, so nothing larger than the list is carried past the first stage. Every JSON
 * path and pattern below is a constant of this file; no value read from a log becomes SQL text.
 */

/**
 * The SQL dialect a query is compiled for, where the list functions differ: Trino's (Athena)
 * `transform` and `cardinality` are DuckDB's `list_transform` and `len`. Everything else the
 * extraction calls is spelled alike in both (`filter`, `regexp_extract`, `url_decode`,
 * `json_extract_scalar`, which DuckDB's engine defines as a macro).
 */
export type ListDialect = 'trino' | 'duckdb';

/**
 * The event sources whose `requestParameters` the extraction reads; the local engine keeps
 * `requestParameters` for these (and IAM's) only.
 */
export const RESOURCE_PARAMETER_SOURCES = [
  's3.amazonaws.com',
  'dynamodb.amazonaws.com',
  'sqs.amazonaws.com',
  'sns.amazonaws.com',
  'kms.amazonaws.com',
  'lambda.amazonaws.com',
  'secretsmanager.amazonaws.com',
  'ssm.amazonaws.com',
  'cloudformation.amazonaws.com',
  'ecs.amazonaws.com',
  'glue.amazonaws.com',
  'sagemaker.amazonaws.com',
] as const;

/**
 * The events of other sources whose `requestParameters` the extraction reads too: the few that pass
 * a role (EC2's with an instance profile, Step Functions' state machines). Events, not sources:
 * EC2 logs many calls, and keeping every one's parameters would cost every read with resources.
 */
export const RESOURCE_PARAMETER_EVENTS: Readonly<Record<string, readonly string[]>> = {
  'ec2.amazonaws.com': [
    'RunInstances',
    'AssociateIamInstanceProfile',
    'ReplaceIamInstanceProfileAssociation',
  ],
  'states.amazonaws.com': ['CreateStateMachine', 'UpdateStateMachine'],
};

/** The SSM calls whose `name` is a parameter's (CreateDocument and others name documents). */
const SSM_PARAMETER_EVENTS = [
  'GetParameter',
  'PutParameter',
  'DeleteParameter',
  'GetParameterHistory',
  'LabelParameterVersion',
  'UnlabelParameterVersion',
] as const;

/** The S3 calls that read another object (`x-amz-copy-source`), which S3 checks as `s3:GetObject` on it. */
const S3_COPY_EVENTS = ['CopyObject', 'UploadPartCopy'] as const;

const literals = (values: readonly string[]) => sql.join(values.map((value) => sql.lit(value)));

/** A string field of `requestParameters` (`$.a.b`, or `$["x-amz-copy-source"]` for a name with dashes). */
function parameter(path: string): RawBuilder<string | null> {
  if (!/^(\$(\.[A-Za-z]+)+|\$\["[a-z-]+"\])$/.test(path)) throw new Error(`invalid JSON path ${path}`);
  return sql<string | null>`json_extract_scalar(requestparameters, ${sql.lit(path)})`;
}

/**
 * `regexp_extract(value, pattern, 1)`, null when the pattern does not match or captures nothing:
 * Trino answers null and DuckDB an empty string for no match, so both are read as null.
 */
function capture(value: RawBuilder<unknown>, pattern: string): RawBuilder<string | null> {
  return sql<string | null>`nullif(regexp_extract(${value}, ${sql.lit(pattern)}, 1), '')`;
}

/** The ARN partition of the record's region (`aws-cn` in China, `aws-us-gov` in GovCloud). */
const PARTITION = sql<string>`CASE WHEN awsregion LIKE 'cn-%' THEN 'aws-cn' WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov' ELSE 'aws' END`;

/** `arn:<partition>:<service>:<region>:<account>:`, the record's region and account. */
function regionalArn(service: string): RawBuilder<string> {
  return sql<string>`'arn:' || ${PARTITION} || ${sql.lit(`:${service}:`)} || awsregion || ':' || recipientaccountid || ':'`;
}

/**
 * An S3 object ARN (`arn:aws:s3:::bucket/key`) as the pattern of its key's top folder
 * (`arn:aws:s3:::bucket/dir/*` for `bucket/dir/sub/file`; `arn:aws:s3:::bucket/*` at the root), any
 * other ARN as it is. Rows per top folder, not per object nor per deeper folder: keys with
 * generated folders (a date, a request id) made one row per object, and on the benchmark's trail
 * (random folders under a prefix) the resource rows outnumbered the activity rows; the policies
 * `policy generate` writes are scoped to `bucket/dir/*`, the issue's own example.
 * String functions, not a pattern: this runs inside a lambda, where DuckDB compiles a regular
 * expression again for every list (it cost more than reading the logs on the benchmark).
 */
function folderOfArn(arn: RawBuilder<unknown>): RawBuilder<string | null> {
  // The ARN's first `/` ends the bucket (`arn:aws:s3:::bucket` has none); the next one, the top folder.
  const afterBucket = sql`substr(${arn}, strpos(${arn}, '/') + 1)`;
  return sql<
    string | null
  >`CASE WHEN ${arn} LIKE 'arn:%:s3:::%/%' THEN substr(${arn}, 1, strpos(${arn}, '/') + strpos(${afterBucket}, '/')) || '*' ELSE ${arn} END`;
}

/** The pattern of an object `bucket/key`'s top folder (a key without a folder: `bucket/*`). */
function folderOfObject(object: RawBuilder<unknown>): RawBuilder<string | null> {
  return sql<
    string | null
  >`'arn:' || ${PARTITION} || ':s3:::' || ${capture(object, '(?s)^([^/]+/([^/]*/)?)')} || '*'`;
}

/**
 * Whether the call read an index of a DynamoDB table (Query, Scan with `indexName`; its parameters
 * read for DynamoDB's events only, as the CASE evaluates them for those alone): DynamoDB
 * authorises it on the index's ARN, `table/T/index/I`, which its `resources` (the table) do not
 * name (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-data-crud.html: Query and Scan on `table/Books/index/*`).
 */
const DYNAMODB_INDEX = sql<boolean>`CASE WHEN eventsource = 'dynamodb.amazonaws.com' THEN ${parameter('$.indexName')} IS NOT NULL ELSE false END`;

/**
 * The target named by `requestParameters`, for the services whose parameters name it (a DynamoDB
 * table's index: the index).
 */
function parameterTarget(): RawBuilder<string | null> {
  const bucket = parameter('$.bucketName');
  const key = parameter('$.key');
  const table = parameter('$.tableName');
  const queueUrl = parameter('$.queueUrl');
  const topic = parameter('$.topicArn');
  const keyId = parameter('$.keyId');
  const fn = parameter('$.functionName');
  const secret = parameter('$.secretId');
  const name = parameter('$.name');
  return sql<string | null>`CASE eventsource
    WHEN 's3.amazonaws.com' THEN CASE WHEN ${key} IS NOT NULL THEN ${folderOfObject(sql`${bucket} || '/' || ${key}`)} ELSE 'arn:' || ${PARTITION} || ':s3:::' || ${bucket} END
    WHEN 'dynamodb.amazonaws.com' THEN CASE WHEN ${table} LIKE 'arn:%' THEN ${table} ELSE ${regionalArn('dynamodb')} || 'table/' || ${table} END || coalesce('/index/' || ${parameter('$.indexName')}, '')
    WHEN 'sqs.amazonaws.com' THEN 'arn:' || ${PARTITION} || ':sqs:' || awsregion || ':' || ${capture(queueUrl, '^https?://[^/]+/([0-9]{12})/[^/?#]+')} || ':' || ${capture(queueUrl, '^https?://[^/]+/[0-9]{12}/([^/?#]+)')}
    WHEN 'sns.amazonaws.com' THEN CASE WHEN ${topic} LIKE 'arn:%' THEN ${topic} END
    WHEN 'kms.amazonaws.com' THEN CASE WHEN ${keyId} LIKE 'arn:%' THEN ${keyId} WHEN ${keyId} LIKE 'alias/%' THEN ${regionalArn('kms')} || ${keyId} ELSE ${regionalArn('kms')} || 'key/' || ${keyId} END
    WHEN 'lambda.amazonaws.com' THEN CASE
      WHEN ${fn} LIKE 'arn:%' THEN ${capture(fn, '^(arn:[^:]+:lambda:[^:]+:[0-9]{12}:function:[^:]+)')}
      WHEN ${fn} LIKE '%:function:%' THEN 'arn:' || ${PARTITION} || ':lambda:' || awsregion || ':' || ${capture(fn, '^([0-9]{12}):function:[^:]+')} || ':function:' || ${capture(fn, '^[0-9]{12}:function:([^:]+)')}
      ELSE ${regionalArn('lambda')} || 'function:' || ${capture(fn, '^([^:]+)')} END
    WHEN 'secretsmanager.amazonaws.com' THEN CASE WHEN ${secret} LIKE 'arn:%' THEN ${secret} END
    WHEN 'ssm.amazonaws.com' THEN CASE WHEN eventname NOT IN (${literals(SSM_PARAMETER_EVENTS)}) THEN NULL WHEN ${name} LIKE 'arn:%' THEN ${name} ELSE ${regionalArn('ssm')} || 'parameter/' || ${capture(name, '^/?([^:]+)')} END
  END`;
}

/** A value a call passed as its role: null when absent or empty. */
function reference(value: RawBuilder<string | null>): RawBuilder<string | null> {
  return sql<string | null>`nullif(${value}, '')`;
}

/**
 * The instance profile an EC2 call passed (its role is what is passed): its ARN as given, or built
 * from its name in the record's account (`…:instance-profile/NAME`; a profile with a path is found
 * by name when the IAM data resolves it).
 */
function instanceProfile(arn: string, name: string): RawBuilder<string | null> {
  return sql<
    string | null
  >`coalesce(${reference(parameter(arn))}, 'arn:' || ${PARTITION} || ':iam::' || recipientaccountid || ':instance-profile/' || ${reference(parameter(name))})`;
}

/**
 * The roles a call passed to a service (`iam:PassRole`), first and second, as the call named them:
 * a role's ARN, its name (ECS's `role`, Glue's `role` may be one), or an EC2 instance profile's ARN,
 * which `policy generate` resolves to the role with the IAM data. Lambda's function role
 * (CreateFunction, UpdateFunctionConfiguration), CloudFormation's stack role (`roleARN`), ECS's
 * service role (CreateService, UpdateService `role`) and task and execution roles
 * (RegisterTaskDefinition), Glue's and SageMaker's job roles (`role`, `roleArn`,
 * `executionRoleArn`), Step Functions' state machine role (`roleArn`), EC2's instance profile
 * (RunInstances `iamInstanceProfile`, AssociateIamInstanceProfile and
 * ReplaceIamInstanceProfileAssociation `IamInstanceProfile`).
 */
function passedRoles(): [RawBuilder<string | null>, RawBuilder<string | null>] {
  const first = sql<string | null>`CASE eventsource
    WHEN 'lambda.amazonaws.com' THEN CASE WHEN eventname LIKE 'CreateFunction%' OR eventname LIKE 'UpdateFunctionConfiguration%' THEN ${parameter('$.role')} END
    WHEN 'cloudformation.amazonaws.com' THEN ${parameter('$.roleARN')}
    WHEN 'ecs.amazonaws.com' THEN CASE eventname WHEN 'RegisterTaskDefinition' THEN ${parameter('$.taskRoleArn')} WHEN 'CreateService' THEN ${parameter('$.role')} WHEN 'UpdateService' THEN ${parameter('$.role')} END
    WHEN 'glue.amazonaws.com' THEN coalesce(${parameter('$.role')}, ${parameter('$.roleArn')})
    WHEN 'sagemaker.amazonaws.com' THEN ${parameter('$.roleArn')}
    WHEN 'states.amazonaws.com' THEN CASE WHEN eventname IN ('CreateStateMachine', 'UpdateStateMachine') THEN ${parameter('$.roleArn')} END
    WHEN 'ec2.amazonaws.com' THEN CASE eventname
      WHEN 'RunInstances' THEN ${instanceProfile('$.iamInstanceProfile.arn', '$.iamInstanceProfile.name')}
      WHEN 'AssociateIamInstanceProfile' THEN ${instanceProfile('$.AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn', '$.AssociateIamInstanceProfileRequest.IamInstanceProfile.Name')}
      WHEN 'ReplaceIamInstanceProfileAssociation' THEN ${instanceProfile('$.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Arn', '$.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name')}
    END
  END`;
  const second = sql<string | null>`CASE eventsource
    WHEN 'ecs.amazonaws.com' THEN CASE WHEN eventname = 'RegisterTaskDefinition' THEN ${parameter('$.executionRoleArn')} END
    WHEN 'sagemaker.amazonaws.com' THEN ${parameter('$.executionRoleArn')}
  END`;
  return [reference(first), reference(second)];
}

/**
 * The object a copy read: `x-amz-copy-source` (`bucket/key`, maybe with a leading slash, URL-encoded
 * and with `?versionId=`), as its folder's pattern; `versioned`: of the copies that name a version
 * of it (`?versionId=`, which S3 checks as `s3:GetObjectVersion`), else of those that do not
 * (`s3:GetObject`). The header is URL-encoded, so a `?` in it is the query's.
 */
function copySource(versioned: boolean): RawBuilder<string | null> {
  const source = parameter('$["x-amz-copy-source"]');
  const version = sql<boolean>`coalesce(strpos(${source}, '?versionId=') > 0, false)`;
  return sql<
    string | null
  >`CASE WHEN eventsource = 's3.amazonaws.com' AND eventname IN (${literals(S3_COPY_EVENTS)}) THEN CASE WHEN ${versioned ? version : sql`NOT ${version}`} THEN ${folderOfObject(sql`url_decode(${capture(source, '^/?([^?]+)')})`)} END END`;
}

/**
 * The columns a staged row holds of the resources its calls used, computed per event as scalars
 * and one plain list (nested lists and lambdas cost DuckDB far more per event than per staged
 * row): `res_arns` the record's `resources` ARNs (S3 objects as their folders; entries may be
 * null), `res_target` else the target its `requestParameters` name, `res_role` and
 * `res_second_role` the roles it passed, `res_copy_source` the object it copied,
 * `res_copy_version` the object it copied a version of. All null for a
 * call that failed or used none the logs name. Keys of the activity grouping: calls of one actor
 * and event with the same resources are one staged row. {@link resourceUsesSql} pairs them with
 * their kinds.
 */
export const RESOURCE_USE_COLUMNS = [
  'res_arns',
  'res_target',
  'res_role',
  'res_second_role',
  'res_copy_source',
  'res_copy_version',
] as const;

/** One of {@link RESOURCE_USE_COLUMNS}. */
export type ResourceUseColumn = (typeof RESOURCE_USE_COLUMNS)[number];

const listFunctions = (dialect: ListDialect) =>
  dialect === 'trino'
    ? { transform: sql.raw('transform'), cardinality: sql.raw('cardinality') }
    : { transform: sql.raw('list_transform'), cardinality: sql.raw('len') };

/**
 * {@link RESOURCE_USE_COLUMNS} as SQL over the `cloudtrail` relation, computed when `applies` (a
 * successful call of the window): the record's `resources` when it has any, else the target of its
 * `requestParameters` (see {@link RESOURCE_PARAMETER_SOURCES}); the passed roles and copy source
 * of the few calls that have them.
 */
export function resourceUseColumnsSql(
  dialect: ListDialect,
  applies: RawBuilder<boolean>,
): Record<ResourceUseColumn, RawBuilder<unknown>> {
  const { transform, cardinality } = listFunctions(dialect);
  const [role, secondRole] = passedRoles();
  // The record's resources, but for a read of a DynamoDB index, which they name as its table.
  const listed = sql<boolean>`(NOT coalesce(${DYNAMODB_INDEX}, false) AND coalesce(${cardinality}(resources), 0) > 0)`;
  return {
    res_arns: sql<
      string[] | null
    >`CASE WHEN ${applies} AND ${listed} THEN ${transform}(resources, record_resource -> ${folderOfArn(sql`record_resource.arn`)}) END`,
    res_target: sql<
      string | null
    >`CASE WHEN ${applies} AND NOT ${listed} AND eventsource IN (${literals(RESOURCE_PARAMETER_SOURCES)}) THEN ${parameterTarget()} END`,
    res_role: sql<string | null>`CASE WHEN ${applies} THEN ${role} END`,
    res_second_role: sql<string | null>`CASE WHEN ${applies} THEN ${secondRole} END`,
    res_copy_source: sql<string | null>`CASE WHEN ${applies} THEN ${copySource(false)} END`,
    res_copy_version: sql<string | null>`CASE WHEN ${applies} THEN ${copySource(true)} END`,
  };
}

/**
 * The resources a staged row's calls used, to unnest with their positions: a flat list (no
 * nesting, no lambda: the resolve stage builds it once a staged row) of `res_arns` (else
 * `res_target`), then the two passed roles, the copy source and the copied version's source, null
 * entries left for the caller to drop; `[NULL]` for a row with none. `kindAt` gives the `ResourceUseKind` of the entry at a
 * 1-based position. `column` names a staged column.
 */
export function resourceUsesSql(
  dialect: ListDialect,
  column: (name: ResourceUseColumn) => RawBuilder<unknown>,
): { list: RawBuilder<(string | null)[]>; kindAt: (position: RawBuilder<unknown>) => RawBuilder<string> } {
  const { cardinality } = listFunctions(dialect);
  const any = sql.join(
    RESOURCE_USE_COLUMNS.map((name) => sql`${column(name)} IS NOT NULL`),
    sql` OR `,
  );
  const targets = sql`coalesce(${cardinality}(${column('res_arns')}), 1)`;
  return {
    list: sql<
      (string | null)[]
    >`CASE WHEN ${any} THEN coalesce(${column('res_arns')}, ARRAY[${column('res_target')}]) || ARRAY[${column('res_role')}, ${column('res_second_role')}, ${column('res_copy_source')}, ${column('res_copy_version')}] ELSE ARRAY[CAST(NULL AS VARCHAR)] END`,
    kindAt: (position) =>
      sql<string>`CASE WHEN ${position} <= ${targets} THEN 'target' WHEN ${position} <= ${targets} + 2 THEN 'passed_role' WHEN ${position} = ${targets} + 3 THEN 'copy_source' ELSE 'copy_source_version' END`,
  };
}
