// The inputs the benchmark's `audit` and `test` lines need beyond a generated tree, derived
// deterministically from the tree's IAM files (TREE/iam/<account>.json) and written under
// TREE/bench-jobs/ (the logs and IAM files are not touched, so every existing tree stays valid):
//
//   credentials/<account>.csv  a credential report per account (IAM's 22 columns): the root row
//                              and one row per user of the IAM file, so that `audit` reads no AWS.
//                              Every user: created at its CreateDate, no console password, MFA
//                              off, access key 1 active (rotated at its CreateDate, last used on
//                              the window's last day), no key 2, no certificates.
//   config.yaml                the tree's accounts with their `iam:` and `credential_report:`
//                              files; `logs:` the tree's logs (the same folder as TREE/config.yaml,
//                              so the cache warmed by the benchmark answers it).
//   policy-tests.yaml          aws-iam-tester's format, two tests per principal (every user and
//                              role of every account), each limited to that principal's ARN:
//                              `<account>/<name> granted` (expected succeed) with the PROBES its
//                              policies allow, and `<account>/<name> not granted` (expected fail)
//                              with the never-called probes they do not (left out when empty). Allowed or not is
//                              decided here by matching the probe against the Allow statements'
//                              action patterns; the generator's policies are Allow-only on "*",
//                              without conditions, groups or boundaries, and anything else is
//                              refused (so the expectations cannot silently be wrong).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The actions each principal is tested for. s3:GetObject, ec2:DescribeInstances and
 * ssm:GetParameter are called in the generated logs: they go only into `succeed` tests, of the
 * principals granted them (a fail test on "*" the logs contradict would be a finding); the others
 * are never called.
 */
const PROBES = [
  's3:GetObject',
  'ec2:DescribeInstances',
  'ssm:GetParameter',
  'iam:DeleteAccountPasswordPolicy',
  'organizations:LeaveOrganization',
  'dynamodb:DeleteTable',
];
/** The probes a fail test may hold: never called in the generated logs. */
const NEVER_CALLED = new Set([
  'iam:DeleteAccountPasswordPolicy',
  'organizations:LeaveOrganization',
  'dynamodb:DeleteTable',
]);

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** `2025-01-01T00:00:00Z` as the report writes times. */
const reportTime = (iso) => iso.replace(/Z$/, '+00:00');

/** The config's accounts (`name`, `id`, `iam`), read from the generator's simple config.yaml. */
function accountsOf(tree) {
  const accounts = [];
  for (const line of readFileSync(join(tree, 'config.yaml'), 'utf8').split('\n')) {
    const field = /^\s*-?\s*(name|id|iam):\s*(\S+)\s*$/.exec(line);
    if (field === null) continue;
    if (field[1] === 'name') accounts.push({});
    accounts.at(-1)[field[1]] = field[2];
  }
  if (accounts.length === 0 || accounts.some((account) => !account.name || !account.id || !account.iam))
    throw new Error(`${tree}/config.yaml: expected accounts with name, id and iam`);
  return accounts;
}

/** A glob of IAM's action syntax (`*`, `?`), case-insensitive. */
const matches = (pattern, action) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(action);

/** The action patterns a principal's inline policies allow on "*"; refuses any other shape. */
function allowedPatterns(principal, policies, where) {
  if ((principal.AttachedManagedPolicies ?? []).length > 0 || (principal.GroupList ?? []).length > 0)
    throw new Error(`${where}: managed policies or groups, which the bench's tests do not model`);
  if (principal.PermissionsBoundary !== undefined) throw new Error(`${where}: a permissions boundary`);
  const patterns = [];
  for (const policy of policies) {
    for (const statement of [policy.PolicyDocument.Statement].flat()) {
      const resources = [statement.Resource].flat();
      if (statement.Effect !== 'Allow' || statement.Condition !== undefined || statement.Action === undefined)
        throw new Error(`${where}: a statement other than Allow ACTION on "*"`);
      if (resources.length !== 1 || resources[0] !== '*')
        throw new Error(`${where}: a resource other than "*"`);
      patterns.push(...[statement.Action].flat());
    }
  }
  return patterns;
}

const yamlString = (value) => JSON.stringify(value);
const arnPattern = (arn) => `^${arn.replace(/[.+^${}()|[\]\\]/g, '\\$&')}$`;

/**
 * Writes TREE/bench-jobs/{config.yaml,credentials/,policy-tests.yaml} (again on every run: the
 * same bytes for the same IAM files) and returns their paths and counts.
 */
export function writeJobInputs(tree, { lastDay }) {
  const out = join(tree, 'bench-jobs');
  const accounts = accountsOf(tree);
  mkdirSync(join(out, 'credentials'), { recursive: true });
  const tests = [];
  let principals = 0;
  for (const account of accounts) {
    const details = JSON.parse(readFileSync(join(tree, account.iam), 'utf8'));
    const rows = [
      `<root_account>,arn:aws:iam::${account.id}:root,2025-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
      ...details.UserDetailList.map(
        (user) =>
          `${user.UserName},${user.Arn},${reportTime(user.CreateDate)},false,N/A,N/A,N/A,false,true,${reportTime(user.CreateDate)},${lastDay}T12:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
      ),
    ];
    writeFileSync(join(out, 'credentials', `${account.id}.csv`), `${HEADER}\n${rows.join('\n')}\n`);
    const each = [
      ...details.UserDetailList.map((user) => [
        user.UserName,
        user.Arn,
        allowedPatterns(user, user.UserPolicyList ?? [], user.Arn),
      ]),
      ...details.RoleDetailList.map((role) => [
        role.RoleName,
        role.Arn,
        allowedPatterns(role, role.RolePolicyList ?? [], role.Arn),
      ]),
    ];
    for (const [name, arn, patterns] of each) {
      principals += 1;
      const granted = PROBES.filter((action) => patterns.some((pattern) => matches(pattern, action)));
      const refused = PROBES.filter((action) => NEVER_CALLED.has(action) && !granted.includes(action));
      for (const [expected, actions] of [
        ['succeed', granted],
        ['fail', refused],
      ]) {
        if (actions.length === 0) continue;
        tests.push(
          [
            `  - name: ${yamlString(`${account.name}/${name} ${expected === 'succeed' ? 'granted' : 'not granted'}`)}`,
            '    actions:',
            ...actions.map((action) => `      - ${action}`),
            '    resources:',
            '      - "*"',
            `    expected_result: ${expected}`,
            '    limit_to:',
            `      - ${yamlString(arnPattern(arn))}`,
          ].join('\n'),
        );
      }
    }
  }
  writeFileSync(
    join(out, 'config.yaml'),
    [
      'logs: ../logs',
      'accounts:',
      ...accounts.flatMap((account) => [
        `  - name: ${account.name}`,
        `    id: ${account.id}`,
        `    iam: ../${account.iam}`,
        `    credential_report: credentials/${account.id}.csv`,
      ]),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(out, 'policy-tests.yaml'),
    `# Written by scripts/bench/job-inputs.mjs from the IAM files: two tests per principal.\ntests:\n${tests.join('\n')}\n`,
  );
  return {
    config: join(out, 'config.yaml'),
    tests: join(out, 'policy-tests.yaml'),
    principals,
    testCount: tests.length,
  };
}

// Run alone: `node scripts/bench/job-inputs.mjs TREE LAST_DAY` writes them and prints their paths.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [tree, lastDay] = process.argv.slice(2);
  if (tree === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(lastDay ?? '')) {
    console.error(
      'usage: node scripts/bench/job-inputs.mjs TREE LAST_DAY (YYYY-MM-DD, the window’s last day)',
    );
    process.exit(2);
  }
  console.log(JSON.stringify(writeJobInputs(tree, { lastDay })));
}
