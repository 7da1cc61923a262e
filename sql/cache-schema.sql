-- iamtrail cache: the activity summary and what of it is loaded. Readable reference of the schema
-- src/cache/cache-store.ts creates; CACHE_SCHEMA_VERSION there changes whenever this does.

-- No primary keys: rows are replaced by DELETE then INSERT in one transaction, which DuckDB's
-- unique indexes do not allow within a transaction.

-- Bookkeeping: application = 'iamtrail' (the mark of iamtrail's own cache), schema_version,
-- created_at.
CREATE TABLE IF NOT EXISTS meta (
  key VARCHAR NOT NULL,
  value VARCHAR NOT NULL
);

-- Which days of a source are loaded, per account: a row says that the load of the day found log
-- files holding records of the account (how many). An account's day without a row is read again
-- by the next question about that account: a day without logs is never a day without activity.
-- Days after the day of the load are never loaded. `resources`: the load also read the resources
-- of the day's calls (resource_usage), which only `policy generate` and `boundary` need; a
-- question that needs them reads a day loaded without them again.
CREATE TABLE IF NOT EXISTS coverage (
  source VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  loaded_at VARCHAR NOT NULL,
  files BIGINT NOT NULL,
  resources BOOLEAN NOT NULL
);

-- Log files a load could not read (bad gzip, a gzip bomb, not CloudTrail), by the day and
-- account of their path (account null: a path outside CloudTrail's layout, which counts for all): the verdicts of a window that holds any rest on incomplete logs, whether the day was read
-- in this run or an earlier one. Replaced with the day.
CREATE TABLE IF NOT EXISTS skipped_files (
  source VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  account_id VARCHAR,
  file VARCHAR NOT NULL,
  reason VARCHAR NOT NULL
);

-- The activity summary of DESIGN.md, one row per (source, account, day, actor, caller, event,
-- outcome). A day's rows and its coverage rows are written in one transaction, and replaced
-- together when the day is read again.
CREATE TABLE IF NOT EXISTS activity (
  source VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  actor_arn VARCHAR NOT NULL,
  actor_type VARCHAR NOT NULL,
  caller_arn VARCHAR,
  via_arn VARCHAR,
  event_source VARCHAR NOT NULL,
  event_name VARCHAR NOT NULL,
  outcome VARCHAR NOT NULL,
  calls BIGINT NOT NULL,
  first_seen VARCHAR NOT NULL,
  last_seen VARCHAR NOT NULL,
  -- actor_arn as a number (actorKey in src/cache/cache-schema.ts): the actor's account times 2^23
  -- plus 23 bits of the ARN's MD5. Rows are stored in its order, so that DuckDB's min/max of it
  -- skip the other actors' rows (its string statistics keep 8 bytes, "arn:aws:" for every ARN).
  actor_key BIGINT NOT NULL,
  -- For a successful AssumeRole (WithSAML, WithWebIdentity) call, the role it assumed
  -- (requestParameters.roleArn); null for every other call. Last, as schema 16 added it to 15's.
  assumed_role_arn VARCHAR
);

-- Each actor's calls per (source, account, day, caller, outcome): the activity rolled up over its
-- events, written with the day's activity in its transaction and replaced (or cleared) with it.
-- What `--list users`, `--list roles` and a role's callers read: a few rows an actor a day instead
-- of a row an event.
CREATE TABLE IF NOT EXISTS actor_days (
  source VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  actor_arn VARCHAR NOT NULL,
  actor_type VARCHAR NOT NULL,
  caller_arn VARCHAR,
  via_arn VARCHAR,
  outcome VARCHAR NOT NULL,
  calls BIGINT NOT NULL,
  first_seen VARCHAR NOT NULL,
  last_seen VARCHAR NOT NULL,
  -- As in activity, and stored in its order.
  actor_key BIGINT NOT NULL
);

-- The events logged in each account per (source, day), by anyone: the activity's distinct
-- (account_id, day, event_source, event_name), written with the day's activity in its transaction
-- and replaced (or cleared) with it. What tells which data events an account logs, without reading
-- every actor's rows.
CREATE TABLE IF NOT EXISTS account_events (
  source VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  event_source VARCHAR NOT NULL,
  event_name VARCHAR NOT NULL
);

-- The successful AssumeRole (WithSAML, WithWebIdentity) calls per (source, day, actor, caller,
-- role they assumed): the activity's rows that name a role (assumed_role_arn) rolled up, each call
-- once (CloudTrail logs a call across accounts in both: the count of the account that logged the
-- most), written with the day's activity in its transaction and replaced (or cleared) with it.
-- What shows a role assumed whose sessions made no logged call, without reading every actor's rows.
CREATE TABLE IF NOT EXISTS role_assumptions (
  source VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  actor_arn VARCHAR NOT NULL,
  caller_arn VARCHAR,
  role_arn VARCHAR NOT NULL,
  calls BIGINT NOT NULL,
  last_seen VARCHAR NOT NULL
);

-- IAM change events (trail/iam-changes.ts), one row per (source, account, event id): who created,
-- changed or removed a user, a key, a password, a role or a policy, and with what outcome. Read in
-- the same pass as the activity, written in the day's transaction with it, and replaced (or
-- cleared) with the day.
CREATE TABLE IF NOT EXISTS iam_changes (
  source VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  event_time VARCHAR NOT NULL,
  event_id VARCHAR NOT NULL,
  event_name VARCHAR NOT NULL,
  actor_arn VARCHAR NOT NULL,
  actor_type VARCHAR NOT NULL,
  caller_arn VARCHAR,
  source_ip VARCHAR,
  user_name VARCHAR,
  role_name VARCHAR,
  group_name VARCHAR,
  access_key_id VARCHAR,
  policy_arn VARCHAR,
  policy_name VARCHAR,
  key_status VARCHAR,
  created_key_id VARCHAR,
  outcome VARCHAR NOT NULL,
  error_code VARCHAR
);

-- The resources of successful calls (trail/resource-usage.ts), one row per (source, account, day,
-- actor, event, kind, resource): `kind` 'target' is the resource the call acted on (from the
-- record's `resources` list or the ARNs of its requestParameters), 'passed_role' a role the call
-- passed (iam:PassRole), 'copy_source' the object a copy read. `resource` is an ARN, or for S3
-- objects the ARN of the object's folder ending in `/*`. Read in the same pass as the activity,
-- written in the day's transaction with it, and replaced (or cleared) with the day.
CREATE TABLE IF NOT EXISTS resource_usage (
  source VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  day VARCHAR NOT NULL,
  actor_arn VARCHAR NOT NULL,
  event_source VARCHAR NOT NULL,
  event_name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  resource VARCHAR NOT NULL,
  calls BIGINT NOT NULL
);

-- What `boundary apply` (operation 'apply') or `boundary rollback` ('rollback') found before it
-- changed a principal: its permission boundary (null: none), its tags (JSON [{key, value}]), and
-- the iamtrail boundary policy's default version and document before (null: the policy did not
-- exist); the tags it set (JSON [{key, value}]: apply's iamtrail:* tags, rollback's restored
-- values), the version it made the default, the apply snapshot a rollback restored, and what
-- happened (the error of a failed change, with what had been changed before it). Written before
-- any change (state 'pending'), then marked 'applied' or 'failed'; an applied apply that was
-- rolled back becomes 'rolled-back'. Never emptied by a migration: the logs cannot give it back.
CREATE TABLE IF NOT EXISTS boundary_snapshots (
  snapshot_id VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  principal_arn VARCHAR NOT NULL,
  principal_type VARCHAR NOT NULL,
  principal_name VARCHAR NOT NULL,
  taken_at VARCHAR NOT NULL,
  operation VARCHAR NOT NULL,
  previous_boundary_arn VARCHAR,
  previous_tags VARCHAR NOT NULL,
  policy_arn VARCHAR NOT NULL,
  policy_existed BOOLEAN NOT NULL,
  previous_default_version VARCHAR,
  previous_policy_document VARCHAR,
  new_version VARCHAR,
  applied_tags VARCHAR NOT NULL,
  restores_snapshot_id VARCHAR,
  message VARCHAR,
  state VARCHAR NOT NULL
);

-- Athena objects iamtrail created (database, table, workgroup): cleanup removes exactly these,
-- and only those of the account of its credentials. account_id is the account of the credentials
-- that created it (null: recorded before schema 14, which did not note it).
CREATE TABLE IF NOT EXISTS athena_resources (
  kind VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  created_at VARCHAR NOT NULL,
  account_id VARCHAR
);

-- Athena queries iamtrail ran, with where their results were written and what they scanned, and
-- the account of the credentials that ran them (null as above).
CREATE TABLE IF NOT EXISTS athena_queries (
  query_id VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  workgroup VARCHAR NOT NULL,
  output_location VARCHAR,
  submitted_at VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  bytes_scanned BIGINT NOT NULL,
  account_id VARCHAR
);

-- IAM Access Advisor, appended: one row per collect (or import) of a principal (user, role,
-- group, customer managed policy). A snapshot and its services and actions are written in one
-- transaction: a killed collect leaves whole principals or nothing. Queries read the latest
-- snapshot of each ARN unless they ask for history.
CREATE TABLE IF NOT EXISTS advisor_snapshots (
  snapshot_id VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  arn VARCHAR NOT NULL,
  entity_type VARCHAR NOT NULL,
  collected_at VARCHAR NOT NULL,
  job_completed_at VARCHAR,
  origin VARCHAR NOT NULL
);

-- The services of a snapshot; last_authenticated null: not in the tracking period.
CREATE TABLE IF NOT EXISTS advisor_services (
  snapshot_id VARCHAR NOT NULL,
  service_namespace VARCHAR NOT NULL,
  service_name VARCHAR NOT NULL,
  last_authenticated VARCHAR,
  last_authenticated_entity VARCHAR,
  last_authenticated_region VARCHAR,
  total_authenticated_entities BIGINT NOT NULL,
  -- Whether AWS gave action-level data for this service (then advisor_actions holds its actions).
  tracked BOOLEAN NOT NULL
);

-- The actions of the services AWS tracks at action level (action_name without its prefix).
CREATE TABLE IF NOT EXISTS advisor_actions (
  snapshot_id VARCHAR NOT NULL,
  service_namespace VARCHAR NOT NULL,
  action_name VARCHAR NOT NULL,
  last_accessed VARCHAR,
  last_accessed_entity VARCHAR,
  last_accessed_region VARCHAR
);
