with
  "records" as (
    select
      recipientaccountid as "account_id",
      CASE
        WHEN eventtime >= $1 THEN substr(eventtime, 1, 10)
      END as "day",
      CASE
        WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
        ELSE useridentity.arn
      END as "actor_arn",
      useridentity.type as "actor_type",
      CASE
        WHEN useridentity.type = 'AssumedRole' THEN useridentity.accesskeyid
      END as "session_key",
      useridentity.sessioncontext.sourceidentity as "source_identity",
      eventsource as "event_source",
      eventname as "event_name",
      CASE
        WHEN errorcode IS NULL THEN 'ok'
        WHEN errorcode IN (
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
          'ForbiddenException'
        )
        OR errorcode LIKE '%AccessDenied%'
        OR errorcode LIKE '%UnauthorizedOperation%' THEN 'denied'
        ELSE 'failed'
      END as "outcome",
      CASE
        WHEN errorcode IS NULL
        AND (
          eventsource = 'sts.amazonaws.com'
          AND eventname IN (
            'AssumeRole',
            'AssumeRoleWithSAML',
            'AssumeRoleWithWebIdentity'
          )
        ) THEN json_extract_scalar (responseelements, '$.credentials.accessKeyId')
      END as "issued_key",
      CASE
        WHEN errorcode IS NULL
        AND (
          eventsource = 'sts.amazonaws.com'
          AND eventname IN (
            'AssumeRole',
            'AssumeRoleWithSAML',
            'AssumeRoleWithWebIdentity'
          )
        ) THEN coalesce(
          CASE
            WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
            ELSE useridentity.arn
          END,
          useridentity.invokedby,
          useridentity.type || ':' || useridentity.username
        )
      END as "assumer_arn",
      CASE
        WHEN errorcode IS NULL
        AND (
          eventsource = 'sts.amazonaws.com'
          AND eventname IN (
            'AssumeRole',
            'AssumeRoleWithSAML',
            'AssumeRoleWithWebIdentity'
          )
        ) THEN useridentity.type
      END as "assumer_type",
      CASE
        WHEN errorcode IS NULL
        AND (
          eventsource = 'sts.amazonaws.com'
          AND eventname IN (
            'AssumeRole',
            'AssumeRoleWithSAML',
            'AssumeRoleWithWebIdentity'
          )
        ) THEN useridentity.accesskeyid
      END as "assumer_key",
      CASE
        WHEN (
          eventsource = 'iam.amazonaws.com'
          AND eventname IN (
            'CreateUser',
            'DeleteUser',
            'CreateAccessKey',
            'UpdateAccessKey',
            'DeleteAccessKey',
            'CreateLoginProfile',
            'UpdateLoginProfile',
            'DeleteLoginProfile',
            'AttachUserPolicy',
            'DetachUserPolicy',
            'PutUserPolicy',
            'DeleteUserPolicy',
            'AttachRolePolicy',
            'DetachRolePolicy',
            'PutRolePolicy',
            'DeleteRolePolicy',
            'AttachGroupPolicy',
            'DetachGroupPolicy',
            'PutGroupPolicy',
            'DeleteGroupPolicy',
            'CreateRole',
            'DeleteRole',
            'UpdateAssumeRolePolicy',
            'PutUserPermissionsBoundary',
            'DeleteUserPermissionsBoundary',
            'PutRolePermissionsBoundary',
            'DeleteRolePermissionsBoundary'
          )
        ) THEN eventid
      END as "event_id",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN sourceipaddress
      END as "iam_source_ip",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.userName')
      END as "iam_user_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.roleName')
      END as "iam_role_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.groupName')
      END as "iam_group_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.accessKeyId')
      END as "iam_access_key_id",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN coalesce(
          json_extract_scalar (requestparameters, '$.policyArn'),
          json_extract_scalar (requestparameters, '$.permissionsBoundary')
        )
      END as "iam_policy_arn",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.policyName')
      END as "iam_policy_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.status')
      END as "iam_key_status",
      CASE
        WHEN eventsource = 'iam.amazonaws.com'
        AND eventname = 'CreateAccessKey' THEN json_extract_scalar (responseelements, '$.accessKey.accessKeyId')
      END as "iam_created_key_id",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN errorcode
      END as "iam_error_code",
      CASE
        WHEN errorcode IS NULL
        AND coalesce(len(resources), 0) > 0 THEN list_transform(
          resources,
          record_resource -> CASE
            WHEN record_resource.arn LIKE 'arn:%:s3:::%/%' THEN substr(
              record_resource.arn,
              1,
              strpos(record_resource.arn, '/') + strpos(
                substr(
                  record_resource.arn,
                  strpos(record_resource.arn, '/') + 1
                ),
                '/'
              )
            ) || '*'
            ELSE record_resource.arn
          END
        )
      END as "raw_res_arns",
      CASE
        WHEN errorcode IS NULL
        AND NOT coalesce(len(resources), 0) > 0
        AND eventsource IN (
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
          'sagemaker.amazonaws.com'
        ) THEN CASE eventsource
          WHEN 's3.amazonaws.com' THEN CASE
            WHEN json_extract_scalar (requestparameters, '$.key') IS NOT NULL THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':s3:::' || nullif(
              regexp_extract(
                json_extract_scalar (requestparameters, '$.bucketName') || '/' || json_extract_scalar (requestparameters, '$.key'),
                '(?s)^([^/]+/([^/]*/)?)',
                1
              ),
              ''
            ) || '*'
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':s3:::' || json_extract_scalar (requestparameters, '$.bucketName')
          END
          WHEN 'dynamodb.amazonaws.com' THEN CASE
            WHEN json_extract_scalar (requestparameters, '$.tableName') LIKE 'arn:%' THEN json_extract_scalar (requestparameters, '$.tableName')
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':dynamodb:' || awsregion || ':' || recipientaccountid || ':' || 'table/' || json_extract_scalar (requestparameters, '$.tableName')
          END
          WHEN 'sqs.amazonaws.com' THEN 'arn:' || CASE
            WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
            WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
            ELSE 'aws'
          END || ':sqs:' || awsregion || ':' || nullif(
            regexp_extract(
              json_extract_scalar (requestparameters, '$.queueUrl'),
              '^https?://[^/]+/([0-9]{12})/[^/?#]+',
              1
            ),
            ''
          ) || ':' || nullif(
            regexp_extract(
              json_extract_scalar (requestparameters, '$.queueUrl'),
              '^https?://[^/]+/[0-9]{12}/([^/?#]+)',
              1
            ),
            ''
          )
          WHEN 'sns.amazonaws.com' THEN CASE
            WHEN json_extract_scalar (requestparameters, '$.topicArn') LIKE 'arn:%' THEN json_extract_scalar (requestparameters, '$.topicArn')
          END
          WHEN 'kms.amazonaws.com' THEN CASE
            WHEN json_extract_scalar (requestparameters, '$.keyId') LIKE 'arn:%' THEN json_extract_scalar (requestparameters, '$.keyId')
            WHEN json_extract_scalar (requestparameters, '$.keyId') LIKE 'alias/%' THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':kms:' || awsregion || ':' || recipientaccountid || ':' || json_extract_scalar (requestparameters, '$.keyId')
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':kms:' || awsregion || ':' || recipientaccountid || ':' || 'key/' || json_extract_scalar (requestparameters, '$.keyId')
          END
          WHEN 'lambda.amazonaws.com' THEN CASE
            WHEN json_extract_scalar (requestparameters, '$.functionName') LIKE 'arn:%' THEN nullif(
              regexp_extract(
                json_extract_scalar (requestparameters, '$.functionName'),
                '^(arn:[^:]+:lambda:[^:]+:[0-9]{12}:function:[^:]+)',
                1
              ),
              ''
            )
            WHEN json_extract_scalar (requestparameters, '$.functionName') LIKE '%:function:%' THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':lambda:' || awsregion || ':' || nullif(
              regexp_extract(
                json_extract_scalar (requestparameters, '$.functionName'),
                '^([0-9]{12}):function:[^:]+',
                1
              ),
              ''
            ) || ':function:' || nullif(
              regexp_extract(
                json_extract_scalar (requestparameters, '$.functionName'),
                '^[0-9]{12}:function:([^:]+)',
                1
              ),
              ''
            )
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':lambda:' || awsregion || ':' || recipientaccountid || ':' || 'function:' || nullif(
              regexp_extract(
                json_extract_scalar (requestparameters, '$.functionName'),
                '^([^:]+)',
                1
              ),
              ''
            )
          END
          WHEN 'secretsmanager.amazonaws.com' THEN CASE
            WHEN json_extract_scalar (requestparameters, '$.secretId') LIKE 'arn:%' THEN json_extract_scalar (requestparameters, '$.secretId')
          END
          WHEN 'ssm.amazonaws.com' THEN CASE
            WHEN eventname NOT IN (
              'GetParameter',
              'PutParameter',
              'DeleteParameter',
              'GetParameterHistory',
              'LabelParameterVersion',
              'UnlabelParameterVersion'
            ) THEN NULL
            WHEN json_extract_scalar (requestparameters, '$.name') LIKE 'arn:%' THEN json_extract_scalar (requestparameters, '$.name')
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':ssm:' || awsregion || ':' || recipientaccountid || ':' || 'parameter/' || nullif(
              regexp_extract(
                json_extract_scalar (requestparameters, '$.name'),
                '^/?([^:]+)',
                1
              ),
              ''
            )
          END
        END
      END as "raw_res_target",
      CASE
        WHEN errorcode IS NULL THEN CASE
          WHEN CASE eventsource
            WHEN 'lambda.amazonaws.com' THEN CASE
              WHEN eventname LIKE 'CreateFunction%'
              OR eventname LIKE 'UpdateFunctionConfiguration%' THEN json_extract_scalar (requestparameters, '$.role')
            END
            WHEN 'cloudformation.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.roleARN')
            WHEN 'ecs.amazonaws.com' THEN CASE
              WHEN eventname = 'RegisterTaskDefinition' THEN json_extract_scalar (requestparameters, '$.taskRoleArn')
            END
            WHEN 'glue.amazonaws.com' THEN coalesce(
              json_extract_scalar (requestparameters, '$.role'),
              json_extract_scalar (requestparameters, '$.roleArn')
            )
            WHEN 'sagemaker.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.roleArn')
          END LIKE 'arn:%:iam::%:role/%' THEN CASE eventsource
            WHEN 'lambda.amazonaws.com' THEN CASE
              WHEN eventname LIKE 'CreateFunction%'
              OR eventname LIKE 'UpdateFunctionConfiguration%' THEN json_extract_scalar (requestparameters, '$.role')
            END
            WHEN 'cloudformation.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.roleARN')
            WHEN 'ecs.amazonaws.com' THEN CASE
              WHEN eventname = 'RegisterTaskDefinition' THEN json_extract_scalar (requestparameters, '$.taskRoleArn')
            END
            WHEN 'glue.amazonaws.com' THEN coalesce(
              json_extract_scalar (requestparameters, '$.role'),
              json_extract_scalar (requestparameters, '$.roleArn')
            )
            WHEN 'sagemaker.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.roleArn')
          END
        END
      END as "raw_res_role",
      CASE
        WHEN errorcode IS NULL THEN CASE
          WHEN CASE eventsource
            WHEN 'ecs.amazonaws.com' THEN CASE
              WHEN eventname = 'RegisterTaskDefinition' THEN json_extract_scalar (requestparameters, '$.executionRoleArn')
            END
            WHEN 'sagemaker.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.executionRoleArn')
          END LIKE 'arn:%:iam::%:role/%' THEN CASE eventsource
            WHEN 'ecs.amazonaws.com' THEN CASE
              WHEN eventname = 'RegisterTaskDefinition' THEN json_extract_scalar (requestparameters, '$.executionRoleArn')
            END
            WHEN 'sagemaker.amazonaws.com' THEN json_extract_scalar (requestparameters, '$.executionRoleArn')
          END
        END
      END as "raw_res_second_role",
      CASE
        WHEN errorcode IS NULL THEN CASE
          WHEN eventsource = 's3.amazonaws.com'
          AND eventname IN ('CopyObject', 'UploadPartCopy') THEN 'arn:' || CASE
            WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
            WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
            ELSE 'aws'
          END || ':s3:::' || nullif(
            regexp_extract(
              url_decode (
                nullif(
                  regexp_extract(
                    json_extract_scalar (requestparameters, '$["x-amz-copy-source"]'),
                    '^/?([^?]+)',
                    1
                  ),
                  ''
                )
              ),
              '(?s)^([^/]+/([^/]*/)?)',
              1
            ),
            ''
          ) || '*'
        END
      END as "raw_res_copy_source",
      eventtime as "eventtime",
      "$path" as "log_path",
      CASE
        WHEN eventtime IS NULL THEN "$path"
      END as "log_file",
      CASE
        WHEN eventtime IS NULL THEN has_records
      END as "has_records"
    from
      "cloudtrail"
    where
      (
        (
          eventtime >= $2
          and eventtime < $3
          and (
            eventtime >= $4
            or (
              eventsource = 'sts.amazonaws.com'
              AND eventname IN (
                'AssumeRole',
                'AssumeRoleWithSAML',
                'AssumeRoleWithWebIdentity'
              )
            )
          )
        )
        or eventtime IS NULL
      )
  ),
  "events" as (
    select
      *,
      CASE
        WHEN event_id IS NOT NULL THEN "iam_source_ip"
      END as "source_ip",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_user_name"
      END as "user_name",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_role_name"
      END as "role_name",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_group_name"
      END as "group_name",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_access_key_id"
      END as "access_key_id",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_policy_arn"
      END as "policy_arn",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_policy_name"
      END as "policy_name",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_key_status"
      END as "key_status",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_created_key_id"
      END as "created_key_id",
      CASE
        WHEN event_id IS NOT NULL THEN "iam_error_code"
      END as "error_code",
      CASE
        WHEN day IS NOT NULL THEN "raw_res_arns"
      END as "res_arns",
      CASE
        WHEN day IS NOT NULL THEN "raw_res_target"
      END as "res_target",
      CASE
        WHEN day IS NOT NULL THEN "raw_res_role"
      END as "res_role",
      CASE
        WHEN day IS NOT NULL THEN "raw_res_second_role"
      END as "res_second_role",
      CASE
        WHEN day IS NOT NULL THEN "raw_res_copy_source"
      END as "res_copy_source"
    from
      "records"
  )
select
  "account_id",
  "day",
  "actor_arn",
  "actor_type",
  "session_key",
  "source_identity",
  "event_source",
  "event_name",
  "outcome",
  "event_id",
  "source_ip",
  "user_name",
  "role_name",
  "group_name",
  "access_key_id",
  "policy_arn",
  "policy_name",
  "key_status",
  "created_key_id",
  "error_code",
  "res_arns",
  "res_target",
  "res_role",
  "res_second_role",
  "res_copy_source",
  "issued_key",
  "assumer_arn",
  "assumer_type",
  "assumer_key",
  log_file as "log_file",
  has_records as "has_records",
  "log_path",
  count("eventtime") as "calls",
  min("eventtime") as "first_seen",
  max("eventtime") as "last_seen"
from
  "events"
group by
  GROUPING SETS (
    (
      "account_id",
      "day",
      "actor_arn",
      "actor_type",
      "session_key",
      "source_identity",
      "event_source",
      "event_name",
      "outcome",
      "event_id",
      "source_ip",
      "user_name",
      "role_name",
      "group_name",
      "access_key_id",
      "policy_arn",
      "policy_name",
      "key_status",
      "created_key_id",
      "error_code",
      "res_arns",
      "res_target",
      "res_role",
      "res_second_role",
      "res_copy_source",
      "log_file",
      "has_records"
    ),
    (
      "issued_key",
      "assumer_arn",
      "assumer_type",
      "assumer_key"
    ),
    ("account_id", "day", "log_path")
  )
having
  (
    GROUPING (event_name) = 0
    AND (
      (
        day IS NOT NULL
        AND actor_arn IS NOT NULL
      )
      OR log_file IS NOT NULL
    )
  )
  OR (
    GROUPING (issued_key) = 0
    AND issued_key IS NOT NULL
  )
  OR (
    GROUPING (log_path) = 0
    AND day IS NOT NULL
    AND log_path IS NOT NULL
  )
