with
  "events" as (
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
