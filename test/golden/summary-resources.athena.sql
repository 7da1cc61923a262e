with
  "records" as (
    select
      recipientaccountid as "account_id",
      CASE
        WHEN eventtime >= ? THEN substr(eventtime, 1, 10)
      END as "day",
      CASE
        WHEN errorcode IS NULL
        AND (
          eventsource = 'sts.amazonaws.com'
          AND eventname IN (
            'AssumeRole',
            'AssumeRoleWithSAML',
            'AssumeRoleWithWebIdentity'
          )
        )
        AND errormessage IS NULL
        AND json_extract_scalar(requestparameters, '$.roleArn') LIKE 'arn:%:iam::%:role/%' THEN CASE
          WHEN useridentity.type = 'AWSAccount' THEN 'AWSAccount:' || useridentity.accountid
          ELSE coalesce(
            CASE
              WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
              ELSE useridentity.arn
            END,
            useridentity.invokedby,
            useridentity.type || ':' || useridentity.username
          )
        END
        ELSE CASE
          WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
          ELSE useridentity.arn
        END
      END as "actor_arn",
      useridentity.type as "actor_type",
      CASE
        WHEN useridentity.type = 'AssumedRole' THEN useridentity.accesskeyid
      END as "session_key",
      useridentity.sessioncontext.sourceidentity as "source_identity",
      eventsource as "event_source",
      eventname as "event_name",
      CASE
        WHEN errorcode IS NULL
        AND errormessage IS NULL THEN 'ok'
        WHEN errorcode IN (
          'DryRunOperation',
          'Client.DryRunOperation',
          'DryRunOperationException'
        ) THEN 'ok'
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
        )
        AND errormessage IS NULL
        AND json_extract_scalar(requestparameters, '$.roleArn') LIKE 'arn:%:iam::%:role/%' THEN json_extract_scalar(requestparameters, '$.roleArn')
      END as "assumed_role_arn",
      CASE
        WHEN errorcode IS NULL
        AND (
          eventsource = 'sts.amazonaws.com'
          AND eventname IN (
            'AssumeRole',
            'AssumeRoleWithSAML',
            'AssumeRoleWithWebIdentity'
          )
        ) THEN json_extract_scalar(responseelements, '$.credentials.accessKeyId')
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
        ) THEN CASE
          WHEN useridentity.type = 'AWSAccount' THEN NULL
          ELSE coalesce(
            CASE
              WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
              ELSE useridentity.arn
            END,
            useridentity.invokedby,
            useridentity.type || ':' || useridentity.username
          )
        END
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
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.userName')
      END as "iam_user_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.roleName')
      END as "iam_role_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.groupName')
      END as "iam_group_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.accessKeyId')
      END as "iam_access_key_id",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN coalesce(
          json_extract_scalar(requestparameters, '$.policyArn'),
          json_extract_scalar(requestparameters, '$.permissionsBoundary')
        )
      END as "iam_policy_arn",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.policyName')
      END as "iam_policy_name",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.status')
      END as "iam_key_status",
      CASE
        WHEN eventsource = 'iam.amazonaws.com'
        AND eventname = 'CreateAccessKey' THEN json_extract_scalar(responseelements, '$.accessKey.accessKeyId')
      END as "iam_created_key_id",
      CASE
        WHEN eventsource = 'iam.amazonaws.com' THEN errorcode
      END as "iam_error_code",
      CASE
        WHEN errorcode IS NULL
        AND (
          NOT coalesce(
            CASE
              WHEN eventsource = 'dynamodb.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.indexName') IS NOT NULL
              ELSE false
            END,
            false
          )
          AND coalesce(cardinality(resources), 0) > 0
        ) THEN transform(
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
        AND NOT (
          NOT coalesce(
            CASE
              WHEN eventsource = 'dynamodb.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.indexName') IS NOT NULL
              ELSE false
            END,
            false
          )
          AND coalesce(cardinality(resources), 0) > 0
        )
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
            WHEN json_extract_scalar(requestparameters, '$.key') IS NOT NULL THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':s3:::' || nullif(
              regexp_extract(
                json_extract_scalar(requestparameters, '$.bucketName') || '/' || json_extract_scalar(requestparameters, '$.key'),
                '(?s)^([^/]+/([^/]*/)?)',
                1
              ),
              ''
            ) || '*'
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':s3:::' || json_extract_scalar(requestparameters, '$.bucketName')
          END
          WHEN 'dynamodb.amazonaws.com' THEN CASE
            WHEN json_extract_scalar(requestparameters, '$.tableName') LIKE 'arn:%' THEN json_extract_scalar(requestparameters, '$.tableName')
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':dynamodb:' || awsregion || ':' || recipientaccountid || ':' || 'table/' || json_extract_scalar(requestparameters, '$.tableName')
          END || coalesce(
            '/index/' || json_extract_scalar(requestparameters, '$.indexName'),
            ''
          )
          WHEN 'sqs.amazonaws.com' THEN 'arn:' || CASE
            WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
            WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
            ELSE 'aws'
          END || ':sqs:' || awsregion || ':' || nullif(
            regexp_extract(
              json_extract_scalar(requestparameters, '$.queueUrl'),
              '^https?://[^/]+/([0-9]{12})/[^/?#]+',
              1
            ),
            ''
          ) || ':' || nullif(
            regexp_extract(
              json_extract_scalar(requestparameters, '$.queueUrl'),
              '^https?://[^/]+/[0-9]{12}/([^/?#]+)',
              1
            ),
            ''
          )
          WHEN 'sns.amazonaws.com' THEN CASE
            WHEN json_extract_scalar(requestparameters, '$.topicArn') LIKE 'arn:%' THEN json_extract_scalar(requestparameters, '$.topicArn')
          END
          WHEN 'kms.amazonaws.com' THEN CASE
            WHEN json_extract_scalar(requestparameters, '$.keyId') LIKE 'arn:%' THEN json_extract_scalar(requestparameters, '$.keyId')
            WHEN json_extract_scalar(requestparameters, '$.keyId') LIKE 'alias/%' THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':kms:' || awsregion || ':' || recipientaccountid || ':' || json_extract_scalar(requestparameters, '$.keyId')
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':kms:' || awsregion || ':' || recipientaccountid || ':' || 'key/' || json_extract_scalar(requestparameters, '$.keyId')
          END
          WHEN 'lambda.amazonaws.com' THEN CASE
            WHEN json_extract_scalar(requestparameters, '$.functionName') LIKE 'arn:%' THEN nullif(
              regexp_extract(
                json_extract_scalar(requestparameters, '$.functionName'),
                '^(arn:[^:]+:lambda:[^:]+:[0-9]{12}:function:[^:]+)',
                1
              ),
              ''
            )
            WHEN json_extract_scalar(requestparameters, '$.functionName') LIKE '%:function:%' THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':lambda:' || awsregion || ':' || nullif(
              regexp_extract(
                json_extract_scalar(requestparameters, '$.functionName'),
                '^([0-9]{12}):function:[^:]+',
                1
              ),
              ''
            ) || ':function:' || nullif(
              regexp_extract(
                json_extract_scalar(requestparameters, '$.functionName'),
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
                json_extract_scalar(requestparameters, '$.functionName'),
                '^([^:]+)',
                1
              ),
              ''
            )
          END
          WHEN 'secretsmanager.amazonaws.com' THEN CASE
            WHEN json_extract_scalar(requestparameters, '$.secretId') LIKE 'arn:%' THEN json_extract_scalar(requestparameters, '$.secretId')
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
            WHEN json_extract_scalar(requestparameters, '$.name') LIKE 'arn:%' THEN json_extract_scalar(requestparameters, '$.name')
            ELSE 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':ssm:' || awsregion || ':' || recipientaccountid || ':' || 'parameter/' || nullif(
              regexp_extract(
                json_extract_scalar(requestparameters, '$.name'),
                '^/?([^:]+)',
                1
              ),
              ''
            )
          END
        END
      END as "raw_res_target",
      CASE
        WHEN errorcode IS NULL THEN nullif(
          CASE eventsource
            WHEN 'lambda.amazonaws.com' THEN CASE
              WHEN eventname LIKE 'CreateFunction%'
              OR eventname LIKE 'UpdateFunctionConfiguration%' THEN json_extract_scalar(requestparameters, '$.role')
            END
            WHEN 'cloudformation.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.roleARN')
            WHEN 'ecs.amazonaws.com' THEN CASE eventname
              WHEN 'RegisterTaskDefinition' THEN json_extract_scalar(requestparameters, '$.taskRoleArn')
              WHEN 'CreateService' THEN json_extract_scalar(requestparameters, '$.role')
              WHEN 'UpdateService' THEN json_extract_scalar(requestparameters, '$.role')
            END
            WHEN 'glue.amazonaws.com' THEN coalesce(
              json_extract_scalar(requestparameters, '$.role'),
              json_extract_scalar(requestparameters, '$.roleArn')
            )
            WHEN 'sagemaker.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.roleArn')
            WHEN 'states.amazonaws.com' THEN CASE
              WHEN eventname IN ('CreateStateMachine', 'UpdateStateMachine') THEN json_extract_scalar(requestparameters, '$.roleArn')
            END
            WHEN 'ec2.amazonaws.com' THEN CASE eventname
              WHEN 'RunInstances' THEN coalesce(
                nullif(
                  json_extract_scalar(requestparameters, '$.iamInstanceProfile.arn'),
                  ''
                ),
                'arn:' || CASE
                  WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
                  WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
                  ELSE 'aws'
                END || ':iam::' || recipientaccountid || ':instance-profile/' || nullif(
                  json_extract_scalar(requestparameters, '$.iamInstanceProfile.name'),
                  ''
                )
              )
              WHEN 'AssociateIamInstanceProfile' THEN coalesce(
                nullif(
                  json_extract_scalar(
                    requestparameters,
                    '$.AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn'
                  ),
                  ''
                ),
                'arn:' || CASE
                  WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
                  WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
                  ELSE 'aws'
                END || ':iam::' || recipientaccountid || ':instance-profile/' || nullif(
                  json_extract_scalar(
                    requestparameters,
                    '$.AssociateIamInstanceProfileRequest.IamInstanceProfile.Name'
                  ),
                  ''
                )
              )
              WHEN 'ReplaceIamInstanceProfileAssociation' THEN coalesce(
                nullif(
                  json_extract_scalar(
                    requestparameters,
                    '$.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Arn'
                  ),
                  ''
                ),
                'arn:' || CASE
                  WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
                  WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
                  ELSE 'aws'
                END || ':iam::' || recipientaccountid || ':instance-profile/' || nullif(
                  json_extract_scalar(
                    requestparameters,
                    '$.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name'
                  ),
                  ''
                )
              )
            END
          END,
          ''
        )
      END as "raw_res_role",
      CASE
        WHEN errorcode IS NULL THEN nullif(
          CASE eventsource
            WHEN 'ecs.amazonaws.com' THEN CASE
              WHEN eventname = 'RegisterTaskDefinition' THEN json_extract_scalar(requestparameters, '$.executionRoleArn')
            END
            WHEN 'sagemaker.amazonaws.com' THEN json_extract_scalar(requestparameters, '$.executionRoleArn')
          END,
          ''
        )
      END as "raw_res_second_role",
      CASE
        WHEN errorcode IS NULL THEN CASE
          WHEN eventsource = 's3.amazonaws.com'
          AND eventname IN ('CopyObject', 'UploadPartCopy') THEN CASE
            WHEN NOT coalesce(
              strpos(
                json_extract_scalar(requestparameters, '$["x-amz-copy-source"]'),
                '?versionId='
              ) > 0,
              false
            ) THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':s3:::' || nullif(
              regexp_extract(
                url_decode(
                  nullif(
                    regexp_extract(
                      json_extract_scalar(requestparameters, '$["x-amz-copy-source"]'),
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
        END
      END as "raw_res_copy_source",
      CASE
        WHEN errorcode IS NULL THEN CASE
          WHEN eventsource = 's3.amazonaws.com'
          AND eventname IN ('CopyObject', 'UploadPartCopy') THEN CASE
            WHEN coalesce(
              strpos(
                json_extract_scalar(requestparameters, '$["x-amz-copy-source"]'),
                '?versionId='
              ) > 0,
              false
            ) THEN 'arn:' || CASE
              WHEN awsregion LIKE 'cn-%' THEN 'aws-cn'
              WHEN awsregion LIKE 'us-gov-%' THEN 'aws-us-gov'
              ELSE 'aws'
            END || ':s3:::' || nullif(
              regexp_extract(
                url_decode(
                  nullif(
                    regexp_extract(
                      json_extract_scalar(requestparameters, '$["x-amz-copy-source"]'),
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
        END
      END as "raw_res_copy_version",
      eventtime as "eventtime",
      "$path" as "log_path"
    from
      "cloudtrail"
    where
      (
        eventtime >= ?
        and eventtime < ?
        and (
          eventtime >= ?
          or (
            eventsource = 'sts.amazonaws.com'
            AND eventname IN (
              'AssumeRole',
              'AssumeRoleWithSAML',
              'AssumeRoleWithWebIdentity'
            )
          )
        )
        and recipientaccountid IN (?, ?)
        and "date" >= '2026/09/30'
        and "date" <= '2026/11/01'
        and "account" IN ('111111111111', '222222222222')
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
      END as "res_copy_source",
      CASE
        WHEN day IS NOT NULL THEN "raw_res_copy_version"
      END as "res_copy_version"
    from
      "records"
  ),
  "staged" as (
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
      "assumed_role_arn",
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
      "res_copy_version",
      "issued_key",
      "assumer_arn",
      "assumer_type",
      "assumer_key",
      CAST(NULL AS VARCHAR) as "log_file",
      CAST(NULL AS BOOLEAN) as "has_records",
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
          "assumed_role_arn",
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
          "res_copy_version"
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
  ),
  "assumptions" as (
    select
      "issued_key",
      min("assumer_arn") as "assumer_arn",
      min("assumer_type") filter(
        where
          "assumer_arn" is not null
      ) as "assumer_type",
      min("assumer_key") filter(
        where
          "assumer_arn" is not null
      ) as "assumer_key"
    from
      "staged"
    where
      "issued_key" is not null
    group by
      "issued_key"
  ),
  "sessions" as (
    select
      "s"."session_key",
      coalesce(
        "a5"."assumer_arn",
        "a4"."assumer_arn",
        "a3"."assumer_arn",
        "a2"."assumer_arn",
        "a1"."assumer_arn"
      ) as "caller_arn",
      CASE
        WHEN a2.issued_key IS NOT NULL THEN a1.assumer_arn
      END as "via_arn"
    from
      (
        select distinct
          "session_key"
        from
          "staged"
        where
          "session_key" is not null
          and "day" is not null
      ) as "s"
      inner join "assumptions" as "a1" on "a1"."issued_key" = "s"."session_key"
      left join "assumptions" as "a2" on "a1"."assumer_type" = 'AssumedRole'
      AND "a2"."issued_key" = "a1"."assumer_key"
      left join "assumptions" as "a3" on "a2"."assumer_type" = 'AssumedRole'
      AND "a3"."issued_key" = "a2"."assumer_key"
      left join "assumptions" as "a4" on "a3"."assumer_type" = 'AssumedRole'
      AND "a4"."issued_key" = "a3"."assumer_key"
      left join "assumptions" as "a5" on "a4"."assumer_type" = 'AssumedRole'
      AND "a5"."issued_key" = "a4"."assumer_key"
  ),
  "resolved" as (
    select
      "st"."account_id" as "account_id",
      "st"."day" as "day",
      "st"."actor_arn" as "actor_arn",
      "st"."actor_type" as "actor_type",
      coalesce(se.caller_arn, st.source_identity) as "caller_arn",
      "se"."via_arn" as "via_arn",
      "st"."event_source" as "event_source",
      "st"."event_name" as "event_name",
      "st"."outcome" as "outcome",
      "st"."assumed_role_arn" as "assumed_role_arn",
      CASE
        WHEN u.use_index = 1 THEN st.calls
      END as "calls",
      "st"."first_seen",
      "st"."last_seen",
      "st"."log_path",
      "st"."event_id",
      "st"."source_ip",
      "st"."user_name",
      "st"."role_name",
      "st"."group_name",
      "st"."access_key_id",
      "st"."policy_arn",
      "st"."policy_name",
      "st"."key_status",
      "st"."created_key_id",
      "st"."error_code",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."account_id"
      END as "change_account_id",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."day"
      END as "change_day",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."actor_arn"
      END as "change_actor_arn",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."actor_type"
      END as "change_actor_type",
      CASE
        WHEN st.event_id IS NOT NULL THEN coalesce(se.caller_arn, st.source_identity)
      END as "change_caller_arn",
      CASE
        WHEN st.event_id IS NOT NULL THEN "se"."via_arn"
      END as "change_via_arn",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."event_source"
      END as "change_event_source",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."event_name"
      END as "change_event_name",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."outcome"
      END as "change_outcome",
      CASE
        WHEN st.event_id IS NOT NULL THEN "st"."assumed_role_arn"
      END as "change_assumed_role_arn",
      CASE
        WHEN u.resource IS NOT NULL THEN "st"."account_id"
      END as "use_account_id",
      CASE
        WHEN u.resource IS NOT NULL THEN "st"."day"
      END as "use_day",
      CASE
        WHEN u.resource IS NOT NULL THEN "st"."actor_arn"
      END as "use_actor_arn",
      CASE
        WHEN u.resource IS NOT NULL THEN "st"."event_source"
      END as "use_event_source",
      CASE
        WHEN u.resource IS NOT NULL THEN "st"."event_name"
      END as "use_event_name",
      CASE
        WHEN u.resource IS NOT NULL THEN CASE
          WHEN u.use_index <= coalesce(cardinality("st"."res_arns"), 1) THEN 'target'
          WHEN u.use_index <= coalesce(cardinality("st"."res_arns"), 1) + 2 THEN 'passed_role'
          WHEN u.use_index = coalesce(cardinality("st"."res_arns"), 1) + 3 THEN 'copy_source'
          ELSE 'copy_source_version'
        END
      END as "use_kind",
      u.resource as "use_resource",
      st.calls as "use_calls"
    from
      "staged" as "st"
      left join "sessions" as "se" on "se"."session_key" = "st"."session_key"
      cross join UNNEST (
        CASE
          WHEN "st"."res_arns" IS NOT NULL
          OR "st"."res_target" IS NOT NULL
          OR "st"."res_role" IS NOT NULL
          OR "st"."res_second_role" IS NOT NULL
          OR "st"."res_copy_source" IS NOT NULL
          OR "st"."res_copy_version" IS NOT NULL THEN coalesce("st"."res_arns", ARRAY["st"."res_target"]) || ARRAY[
            "st"."res_role",
            "st"."res_second_role",
            "st"."res_copy_source",
            "st"."res_copy_version"
          ]
          ELSE ARRAY[CAST(NULL AS VARCHAR)]
        END
      )
    WITH
      ORDINALITY as u (resource, use_index)
    where
      "st"."day" is not null
  )
select
  coalesce(
    "account_id",
    "change_account_id",
    "use_account_id"
  ) as "account_id",
  coalesce("day", "change_day", "use_day") as "day",
  coalesce("actor_arn", "change_actor_arn", "use_actor_arn") as "actor_arn",
  coalesce("actor_type", "change_actor_type") as "actor_type",
  coalesce("caller_arn", "change_caller_arn") as "caller_arn",
  coalesce("via_arn", "change_via_arn") as "via_arn",
  coalesce(
    "event_source",
    "change_event_source",
    "use_event_source"
  ) as "event_source",
  coalesce(
    "event_name",
    "change_event_name",
    "use_event_name"
  ) as "event_name",
  coalesce("outcome", "change_outcome") as "outcome",
  coalesce("assumed_role_arn", "change_assumed_role_arn") as "assumed_role_arn",
  CAST(
    CASE
      WHEN GROUPING (use_resource) = 0 THEN sum(use_calls)
      ELSE sum(calls)
    END AS BIGINT
  ) as "calls",
  min(first_seen) as "first_seen",
  max(last_seen) as "last_seen",
  CAST(count(log_path) AS BIGINT) as "log_files",
  "event_id" as "event_id",
  "source_ip" as "source_ip",
  "user_name" as "user_name",
  "role_name" as "role_name",
  "group_name" as "group_name",
  "access_key_id" as "access_key_id",
  "policy_arn" as "policy_arn",
  "policy_name" as "policy_name",
  "key_status" as "key_status",
  "created_key_id" as "created_key_id",
  "error_code" as "error_code",
  use_kind as "kind",
  use_resource as "resource"
from
  "resolved"
group by
  GROUPING SETS (
    (
      "account_id",
      "day",
      "actor_arn",
      "actor_type",
      "caller_arn",
      "via_arn",
      "event_source",
      "event_name",
      "outcome",
      "assumed_role_arn"
    ),
    (
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
      "change_account_id",
      "change_day",
      "change_actor_arn",
      "change_actor_type",
      "change_caller_arn",
      "change_via_arn",
      "change_event_source",
      "change_event_name",
      "change_outcome",
      "change_assumed_role_arn"
    ),
    (
      "use_account_id",
      "use_day",
      "use_actor_arn",
      "use_event_source",
      "use_event_name",
      "use_kind",
      "use_resource"
    )
  )
having
  (
    GROUPING (event_id) = 1
    AND GROUPING (use_resource) = 1
  )
  OR event_id IS NOT NULL
  OR use_resource IS NOT NULL
