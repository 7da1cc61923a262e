import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { runCli } from './cli.js';
import type { CliRun } from './cli.js';
import { REPO_ROOT } from './paths.js';

/** The demo organisation's accounts, with their IAM files. */
export const DEMO_ACCOUNTS = {
  demo: { id: '111111111111', iam: join(REPO_ROOT, 'examples/demo/iam/demo.json') },
  backup: { id: '222222222222', iam: join(REPO_ROOT, 'examples/demo/iam/backup.json') },
} as const;

/**
 * One log file to write: alice's `s3:ListBuckets` at 10:00 of `day`, logged in `account` (or the
 * given `records`).
 */
export interface FixtureFile {
  /** Account of the records (`recipientAccountId`, and alice's ARN). */
  readonly account: string;
  /** UTC day of the records. */
  readonly day: string;
  /** Account of the folder the file lies in; default: `account`. */
  readonly pathAccount?: string;
  /** The file's records instead of alice's one call. */
  readonly records?: readonly object[];
}

/**
 * Writes a small CloudTrail tree in the S3 key layout under `root`
 * (`AWSLogs/<account>/CloudTrail/us-east-1/<yyyy>/<MM>/<dd>/`), one gzipped file per entry, and
 * returns `root`.
 */
export function writeTrail(root: string, files: readonly FixtureFile[]): string {
  mkdirSync(root, { recursive: true });
  files.forEach((file, index) => {
    const [year = '', month = '', dayOfMonth = ''] = file.day.split('-');
    const folder = join(
      root,
      'AWSLogs',
      file.pathAccount ?? file.account,
      'CloudTrail',
      'us-east-1',
      year,
      month,
      dayOfMonth,
    );
    mkdirSync(folder, { recursive: true });
    const record = userCall(file.account, file.day, 'alice', 's3', 'ListBuckets', 0);
    writeFileSync(
      join(
        folder,
        `${file.account}_CloudTrail_us-east-1_${file.day.replace(/-/g, '')}T1000Z_${index}.json.gz`,
      ),
      gzipSync(JSON.stringify({ Records: file.records ?? [record] })),
    );
  });
  return root;
}

/** Writes a config file naming `logs` and the demo accounts given, and returns its path. */
/**
 * One call by IAM user `user` of `account`, on `day` at 10:`minute`, to `source`.amazonaws.com's
 * `event`, with an errorCode (and a fixture errorMessage) or none.
 */
export function userCall(
  account: string,
  day: string,
  user: string,
  source: string,
  event: string,
  minute: number,
  errorCode?: string,
): object {
  return {
    eventVersion: '1.09',
    eventTime: `${day}T10:${String(minute).padStart(2, '0')}:00Z`,
    eventSource: `${source}.amazonaws.com`,
    eventName: event,
    awsRegion: 'us-east-1',
    recipientAccountId: account,
    userIdentity: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${account}:user/${user}`,
      accountId: account,
      accessKeyId: 'AKIAFIXTURE',
      userName: user,
    },
    ...(errorCode === undefined ? {} : { errorCode, errorMessage: 'fixture' }),
  };
}

export function writeDemoConfig(
  path: string,
  logs: string,
  accounts: readonly (keyof typeof DEMO_ACCOUNTS)[] = ['demo', 'backup'],
): string {
  const lines = [`logs: ${logs}`, 'accounts:'];
  for (const name of accounts) {
    lines.push(
      `  - name: ${name}`,
      `    id: ${DEMO_ACCOUNTS[name].id}`,
      `    iam: ${DEMO_ACCOUNTS[name].iam}`,
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * A copy of a config {@link writeDemoConfig} wrote, at `path`, with each demo account's credential
 * report (examples/demo/credentials/): what `audit` reads. Returns `path`.
 */
function withDemoCredentialReports(config: string, path: string): string {
  writeFileSync(
    path,
    readFileSync(config, 'utf8').replace(
      /( {4}iam: (.*)\/iam\/(demo|backup)\.json)/g,
      '$1\n    credential_report: $2/credentials/$3.csv',
    ),
  );
  return path;
}

/** A finding of `audit --format json`, as the tests read it. */
export interface AuditFinding {
  readonly findingType: string;
  readonly resource: string;
  readonly evidence: readonly { readonly detail: string }[];
}

/**
 * `audit --no-cache --format json` over a config {@link writeDemoConfig} wrote, with the demo's
 * credential reports (a copy at `path`), for the `unusedDays` up to `end`: the run, and its
 * findings of `findingType` (none when it failed).
 */
export async function auditDemoFindings(
  config: string,
  path: string,
  end: string,
  unusedDays: number,
  findingType: string,
): Promise<{ run: CliRun; findings: AuditFinding[] }> {
  const run = await runCli([
    'audit',
    '--config',
    withDemoCredentialReports(config, path),
    '--end',
    end,
    '--unused-days',
    String(unusedDays),
    '--no-cache',
    '--format',
    'json',
  ]);
  const findings = run.status === 0 ? (JSON.parse(run.stdout) as { findings: AuditFinding[] }).findings : [];
  return { run, findings: findings.filter((finding) => finding.findingType === findingType) };
}

/** Every day from `start` to `end`, both included. */
export function daysFrom(start: string, end: string): string[] {
  const days: string[] = [];
  for (
    let time = Date.parse(`${start}T00:00:00Z`);
    time <= Date.parse(`${end}T00:00:00Z`);
    time += 86_400_000
  )
    days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}
