// Canned Athena results of the summary query, for tests that run it against moto (which returns
// queued rows instead of executing SQL).

/** The summary query's result columns, as Athena describes them. */
export const SUMMARY_COLUMNS = [
  { name: 'account_id', type: 'varchar' },
  { name: 'day', type: 'varchar' },
  { name: 'actor_arn', type: 'varchar' },
  { name: 'actor_type', type: 'varchar' },
  { name: 'caller_arn', type: 'varchar' },
  { name: 'via_arn', type: 'varchar' },
  { name: 'event_source', type: 'varchar' },
  { name: 'event_name', type: 'varchar' },
  { name: 'outcome', type: 'varchar' },
  { name: 'assumed_role_arn', type: 'varchar' },
  { name: 'calls', type: 'bigint' },
  { name: 'first_seen', type: 'varchar' },
  { name: 'last_seen', type: 'varchar' },
  { name: 'log_files', type: 'bigint' },
  ...[
    'event_id',
    'source_ip',
    'user_name',
    'role_name',
    'group_name',
    'access_key_id',
    'policy_arn',
    'policy_name',
    'key_status',
    'created_key_id',
    'error_code',
    'kind',
    'resource',
  ].map((name) => ({ name, type: 'varchar' })),
];
/** The IAM change and resource columns of an activity or coverage row: none. */
const NO_CHANGE = Array.from({ length: 13 }, () => null);
/** An activity row of the summary query. */
export const summaryRow = (
  account: string,
  day: string,
  actor: string,
  type: string,
  source: string,
  name: string,
  outcome = 'ok',
  calls = '3',
  caller: string | null = null,
  assumedRole: string | null = null,
) => [
  account,
  day,
  actor,
  type,
  caller,
  null,
  source,
  name,
  outcome,
  assumedRole,
  calls,
  `${day}T10:00:00Z`,
  `${day}T11:00:00Z`,
  '0',
  ...NO_CHANGE,
];
/** An IAM change row of the summary query: `userName` created by `actor` at `time`. */
export const createUserRow = (
  account: string,
  time: string,
  actor: string,
  eventId: string,
  userName: string,
  caller: string | null = null,
) => [
  account,
  time.slice(0, 10),
  actor,
  'AssumedRole',
  caller,
  null,
  'iam.amazonaws.com',
  'CreateUser',
  'ok',
  null,
  '1',
  time,
  time,
  '0',
  eventId,
  '203.0.113.9',
  userName,
  ...Array.from({ length: 11 }, () => null),
];
/** The summary query's coverage row of an (account, day): `files` log files hold its records. */
export const coverageRow = (account: string, day: string, files = '2') => [
  account,
  day,
  ...Array.from({ length: 8 }, () => null),
  '5',
  `${day}T00:01:00Z`,
  `${day}T23:59:00Z`,
  files,
  ...NO_CHANGE,
];
/** Coverage rows for every day from `start` to `end` of each account. */
export const coverageRows = (accounts: readonly string[], start: string, end: string) => {
  const rows: (string | null)[][] = [];
  for (
    let time = Date.parse(`${start}T00:00:00Z`);
    time <= Date.parse(`${end}T00:00:00Z`);
    time += 86_400_000
  )
    for (const account of accounts)
      rows.push(coverageRow(account, new Date(time).toISOString().slice(0, 10)));
  return rows;
};
