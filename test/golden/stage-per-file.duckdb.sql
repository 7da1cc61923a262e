with
  "records" as (
    select
      recipientaccountid as "account_id",
      CASE
        WHEN eventtime >= $1 THEN substr(eventtime, 1, 10)
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
        AND json_extract_scalar (requestparameters, '$.roleArn') LIKE 'arn:%:iam::%:role/%' THEN CASE
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
        AND json_extract_scalar (requestparameters, '$.roleArn') LIKE 'arn:%:iam::%:role/%' THEN json_extract_scalar (requestparameters, '$.roleArn')
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
      END as "error_code"
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
  CAST(NULL AS VARCHAR[]) as "res_arns",
  CAST(NULL AS VARCHAR) as "res_target",
  CAST(NULL AS VARCHAR) as "res_role",
  CAST(NULL AS VARCHAR) as "res_second_role",
  CAST(NULL AS VARCHAR) as "res_copy_source",
  CAST(NULL AS VARCHAR) as "res_copy_version",
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
