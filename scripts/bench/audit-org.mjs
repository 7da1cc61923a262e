#!/usr/bin/env node
// Benchmark of the audit's evidence fan-out (collectAccountEvidence, from dist/), then of the whole
// `iamtrail audit --org --role iamtrail-audit --no-trail` command, against
// moto_server: an organisation of --accounts accounts with --users users each, every user with an
// access key, reached with --org --role iamtrail-audit. Prints the set-up time, then the accounts
// and users read, the AWS calls by operation and the elapsed time of the collection.
//
//   npm run build && node scripts/bench/audit-org.mjs [--accounts 100] [--users 100] [--concurrency 5]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';

import { startMotoServer } from '../lib/moto-server.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100' },
    users: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '5' },
  },
});
const ACCOUNTS = Number(values.accounts);
const USERS = Number(values.users);
const CONCURRENCY = Number(values.concurrency);
for (const [flag, value] of [
  ['--accounts', ACCOUNTS],
  ['--users', USERS],
  ['--concurrency', CONCURRENCY],
])
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${flag} must be a positive integer, got ${String(value)}`);
    process.exit(2);
  }
const built = join(REPO, 'dist/app/audit/collect-evidence.js');
if (!existsSync(built)) {
  console.error('dist/ has no app/audit/collect-evidence.js: run npm run build first');
  process.exit(2);
}

const endpoint = await startMotoServer();
// The code under test reads the SDK's standard environment, as in production.
Object.assign(process.env, {
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const common = {
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
};
const organizations = new OrganizationsClient(common);
await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
const sts = new STSClient(common);
const setUpStarted = Date.now();
const created = [];
for (let index = 0; index < ACCOUNTS; index += 1) {
  const name = `bench-${String(index + 1).padStart(3, '0')}`;
  const answer = await organizations.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  created.push(answer.CreateAccountStatus.AccountId);
}
// Users of all accounts through one pool: moto_server answers several requests at once.
const limit = pLimit(16);
await Promise.all(
  created.map(async (id) => {
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/set-up`, RoleSessionName: 'bench-set-up' }),
    );
    const iam = new IAMClient({
      ...common,
      credentials: {
        accessKeyId: assumed.Credentials.AccessKeyId,
        secretAccessKey: assumed.Credentials.SecretAccessKey,
        sessionToken: assumed.Credentials.SessionToken,
      },
    });
    await Promise.all(
      Array.from({ length: USERS }, (_, n) =>
        limit(async () => {
          const UserName = `user-${String(n).padStart(4, '0')}`;
          await iam.send(new CreateUserCommand({ UserName }));
          await iam.send(new CreateAccessKeyCommand({ UserName }));
        }),
      ),
    );
    iam.destroy();
  }),
);
organizations.destroy();
sts.destroy();
console.log(
  `set-up: ${ACCOUNTS} accounts × ${USERS} users (each with an access key) created in moto in ${((Date.now() - setUpStarted) / 1000).toFixed(1)} s`,
);

const { collectAccountEvidence, DEFAULT_EVIDENCE_OPTIONS } = await import(pathToFileURL(built).href);
const { resolveAccounts } = await import(
  pathToFileURL(join(REPO, 'dist/app/accounts/resolve-accounts.js')).href
);
const { AwsCallCounts } = await import(pathToFileURL(join(REPO, 'dist/aws/client-instrumentation.js')).href);
const counts = new AwsCallCounts();
const started = process.hrtime.bigint();
const targets = await resolveAccounts(
  undefined,
  { accounts: [], org: true, role: 'iamtrail-audit' },
  'us-east-1',
  counts,
  { name: undefined, section: 'audit' },
);
const mine = new Set(created);
const evidence = await collectAccountEvidence(
  targets.filter((target) => mine.has(target.id)),
  { ...DEFAULT_EVIDENCE_OPTIONS, counts, region: 'us-east-1', concurrency: CONCURRENCY },
  { progress: () => undefined, note: () => undefined },
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const read = evidence.filter((entry) => entry.status === 'read');
const users = read.reduce((sum, entry) => sum + entry.users.length, 0);
const keyIds = read.reduce(
  (sum, entry) =>
    sum + entry.users.flatMap((user) => user.accessKeys).filter((key) => key.accessKeyId !== null).length,
  0,
);
console.log(
  `collectAccountEvidence --concurrency ${CONCURRENCY}: ${read.length}/${evidence.length} accounts read, ${users} users, ${keyIds} key ids, in ${seconds.toFixed(1)} s`,
);
for (const entry of evidence)
  if (entry.status === 'failed') console.log(`  failed: ${entry.account.name}: ${entry.error}`);
console.log(`AWS calls (${counts.total()}):`);
for (const [api, count] of Object.entries(counts.toRecord())) console.log(`  ${api.padEnd(40)} ${count}`);
if (read.length !== ACCOUNTS || users !== ACCOUNTS * USERS || keyIds !== ACCOUNTS * USERS) {
  console.error(`expected ${ACCOUNTS} accounts, ${ACCOUNTS * USERS} users and key ids`);
  process.exit(1);
}

// The whole command, as a user runs it: `iamtrail audit --org --role iamtrail-audit --no-trail`
// (every ACTIVE account of the organisation, the management account included), in a process of
// its own, its JSON document read back.
const cliStarted = process.hrtime.bigint();
const cli = spawnSync(
  process.execPath,
  [
    join(REPO, 'bin/run.js'),
    'audit',
    '--org',
    '--role',
    'iamtrail-audit',
    '--no-trail',
    '--concurrency',
    String(CONCURRENCY),
    '--format',
    'json',
  ],
  { cwd: mkdtempSync(join(tmpdir(), 'iamtrail-bench-')), encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 },
);
const cliSeconds = Number(process.hrtime.bigint() - cliStarted) / 1e9;
if (cli.status !== 0) {
  console.error(`iamtrail audit exited ${String(cli.status)}: ${cli.stderr}`);
  process.exit(1);
}
const document = JSON.parse(cli.stdout);
console.log(
  `iamtrail audit --org --role iamtrail-audit --no-trail --concurrency ${CONCURRENCY}: ${document.totals.accounts} accounts (${document.totals.accountsFailed} failed), ${document.totals.principals} principals, ${document.totals.findings} findings, in ${cliSeconds.toFixed(1)} s`,
);
for (const [type, count] of Object.entries(document.totals.byType))
  console.log(`  ${type.padEnd(40)} ${count}`);
// moto_server is stopped on 'exit' (scripts/lib/moto-server.mjs).
process.exit(0);
