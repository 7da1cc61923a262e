#!/usr/bin/env node
// Benchmark of `iamtrail advisor collect` against the Access Advisor emulator
// (test/moto/moto_advisor.py, its default fixture): creates 3 accounts with ~333 principals each
// (roles, users, groups, customer managed policies: 1,000 in all, plus the
// OrganizationAccountAccessRole Organizations makes in each) in moto, then runs the built binary
// once with the default --concurrency and once with --concurrency 1, each in a process of its
// own, and prints wall time, AWS calls (from the JSON result) and peak memory (/usr/bin/time).
//
//   npm run build && node scripts/bench/advisor-collect.mjs [--principals 1000] [--poll-ms 50]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import {
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
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
    principals: { type: 'string', default: '1000' },
    'poll-ms': { type: 'string', default: '50' },
  },
});
const PRINCIPALS = Number(values.principals);
const ACCOUNTS = 3;
if (!Number.isInteger(PRINCIPALS) || PRINCIPALS < ACCOUNTS) {
  console.error(`--principals must be an integer >= ${ACCOUNTS}, got ${values.principals}`);
  process.exit(2);
}
if (!existsSync(join(REPO, 'dist/commands/advisor/collect.js'))) {
  console.error('dist/ has no advisor collect: run npm run build first');
  process.exit(2);
}
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const endpoint = await startMotoServer({ launcher: join(REPO, 'test/moto/moto_advisor.py') });
const work = mkdtempSync(join(tmpdir(), 'iamtrail-bench-advisor-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const common = { region: 'us-east-1', endpoint, credentials };
const organizations = new OrganizationsClient(common);
await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
const sts = new STSClient(common);
const limit = pLimit(8);
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});
const setUpStarted = Date.now();
const accounts = [];
for (let index = 0; index < ACCOUNTS; index += 1) {
  const name = `bench-${index + 1}`;
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  const id = created.CreateAccountStatus.AccountId;
  accounts.push({ name, id });
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
  const count = Math.floor(PRINCIPALS / ACCOUNTS) + (index < PRINCIPALS % ACCOUNTS ? 1 : 0);
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      limit(() => {
        const suffix = String(n).padStart(4, '0');
        switch (n % 4) {
          case 0:
            return iam.send(
              new CreateRoleCommand({ RoleName: `role-${suffix}`, AssumeRolePolicyDocument: TRUST }),
            );
          case 1:
            return iam.send(new CreateUserCommand({ UserName: `user-${suffix}` }));
          case 2:
            return iam.send(new CreateGroupCommand({ GroupName: `group-${suffix}` }));
          default:
            return iam.send(
              new CreatePolicyCommand({ PolicyName: `policy-${suffix}`, PolicyDocument: POLICY }),
            );
        }
      }),
    ),
  );
  iam.destroy();
}
const config = join(work, 'config.yaml');
writeFileSync(
  config,
  [
    'accounts:',
    ...accounts.flatMap(({ name, id }) => [
      `  - name: ${name}`,
      `    id: "${id}"`,
      `    role: arn:aws:iam::${id}:role/iamtrail-advisor`,
    ]),
    '',
  ].join('\n'),
);
console.log(
  `set-up: ${ACCOUNTS} accounts, ${PRINCIPALS} principals created in moto in ${((Date.now() - setUpStarted) / 1000).toFixed(1)} s; poll delay ${values['poll-ms']} ms`,
);

/** Runs the built binary once; wall time (s), peak RSS (MB) and the JSON result. */
function collect(label, extra) {
  const args = [
    join(REPO, 'bin/run.js'),
    'advisor',
    'collect',
    '--config',
    config,
    '--cache',
    join(work, `${label}.duckdb`),
    '--format',
    'json',
    ...extra,
  ];
  const command =
    TIME === undefined ? [process.execPath, args] : [TIME, ['-f', '%M', process.execPath, ...args]];
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0], command[1], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      IAMTRAIL_ADVISOR_POLL_MS: values['poll-ms'],
      NO_COLOR: '1',
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    console.error(`${label}: exit ${result.status}\n${result.stderr}`);
    process.exit(1);
  }
  const document = JSON.parse(result.stdout);
  const kib = TIME === undefined ? Number.NaN : Number(result.stderr.trim().split('\n').at(-1));
  return { label, seconds, peakMb: kib / 1024, document };
}

const runs = [collect('default', []), collect('concurrency-1', ['--concurrency', '1'])];
const row = (cells) => `| ${cells.join(' | ')} |`;
console.log(row(['run', 'principals collected', 'wall (s)', 'AWS calls', 'peak RSS (MB)']));
console.log(row(['---', '---:', '---:', '---:', '---:']));
for (const run of runs)
  console.log(
    row([
      `${run.label} (--concurrency ${run.document.concurrency})`,
      `${run.document.totals.collected} of ${run.document.totals.listed}`,
      run.seconds.toFixed(1),
      run.document.awsCallsTotal,
      run.peakMb.toFixed(0),
    ]),
  );
const [fast, slow] = runs;
console.log(
  `ratio --concurrency 1 / default: wall ${(slow.seconds / fast.seconds).toFixed(2)}x, AWS calls ${(slow.document.awsCallsTotal / fast.document.awsCallsTotal).toFixed(2)}x, peak RSS ${(slow.peakMb / fast.peakMb).toFixed(2)}x`,
);
console.log(`AWS calls (default run): ${JSON.stringify(fast.document.awsCalls)}`);
organizations.destroy();
sts.destroy();
// Open keep-alive sockets would hold the process (and the emulator) up: end here.
process.exit(0);
