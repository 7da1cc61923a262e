import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-advisor-query-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const FIXTURE = join(REPO_ROOT, 'examples/demo/advisor/account-data');
const CONFIG = join(REPO_ROOT, 'examples/demo/config.example.yaml');
const cache = join(work, 'cache.duckdb');
const ALICE = 'arn:aws:iam::111111111111:user/alice';
const CHARLIE = 'arn:aws:iam::111111111111:user/charlie';
const OPS = 'arn:aws:iam::222222222222:user/ops';

interface FixtureJob {
  JobCompletionDate: string;
  ServicesLastAccessed: {
    ServiceNamespace: string;
    LastAuthenticated?: string;
    TrackedActionsLastAccessed?: {
      ActionName: string;
      LastAccessedTime?: string;
      LastAccessedEntity?: string;
      LastAccessedRegion?: string;
    }[];
  }[];
}

/** Each principal's job file of the fixture, by ARN, read straight from the files. */
function fixtureJobs(): Map<string, FixtureJob> {
  const jobs = new Map<string, FixtureJob>();
  for (const account of readdirSync(FIXTURE)) {
    const region = join(FIXTURE, account, 'us-east-1');
    const ids = join(region, 'iam-generate-service-last-accessed-details');
    for (const name of readdirSync(ids)) {
      const { JobId } = JSON.parse(readFileSync(join(ids, name), 'utf8')) as { JobId: string };
      jobs.set(
        decodeURIComponent(name),
        JSON.parse(
          readFileSync(join(region, 'iam-get-service-last-accessed-details', JobId), 'utf8'),
        ) as FixtureJob,
      );
    }
  }
  return jobs;
}
const JOBS = fixtureJobs();

/** A fixture time (`2026-10-30T16:56:56+00:00`) as iamtrail prints it. */
const iso = (time: string): string => new Date(time).toISOString().replace('.000Z', 'Z');

interface AdvisorJson {
  schema: string;
  principals: {
    arn: string;
    accountName: string | null;
    collectedAt: string;
    services: {
      serviceNamespace: string;
      lastAuthenticated: string | null;
      trackedActions: { actionName: string; lastAccessed: string | null }[] | null;
    }[];
    unused: { grantedFrom: string; since: string; notInSnapshot: string[] } | null;
  }[];
}

async function advisorJson(args: readonly string[]): Promise<AdvisorJson> {
  const run = await runCli(['advisor', '--cache', cache, ...args, '--format', 'json']);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as AdvisorJson;
}

const arnsOf = (document: AdvisorJson): string[] => document.principals.map((principal) => principal.arn);

beforeAll(async () => {
  expect((await runCli(['advisor', 'import', FIXTURE, '--cache', cache])).status).toBe(0);
  // An older collect of alice (September, before she used s3), for --history.
  const older = join(work, 'older', 'demo');
  cpSync(join(FIXTURE, 'demo'), older, { recursive: true });
  const jobs = join(older, 'us-east-1', 'iam-get-service-last-accessed-details');
  for (const name of readdirSync(jobs)) {
    const job = JSON.parse(readFileSync(join(jobs, name), 'utf8')) as FixtureJob;
    job.JobCompletionDate = '2026-09-15T06:00:00+00:00';
    for (const service of job.ServicesLastAccessed) delete service.LastAuthenticated;
    writeFileSync(join(jobs, name), JSON.stringify(job));
  }
  rmSync(join(older, 'us-east-1', 'iam-generate-service-last-accessed-details', encodeURIComponent(CHARLIE)));
  expect((await runCli(['advisor', 'import', older, '--cache', cache])).status).toBe(0);
}, 60_000);

describe('iamtrail advisor', () => {
  it('text: every principal (latest snapshot) with each service and its last authentication', async () => {
    const run = await runCli(['advisor', '--cache', cache, '--config', CONFIG]);
    expect(run.status, run.stderr).toBe(0);
    const blocks = run.stdout.trimEnd().split('\n\n');
    expect(blocks.map((block) => block.split('\n')[0])).toEqual([
      `${ALICE} (user, account demo 111111111111)`,
      `${CHARLIE} (user, account demo 111111111111)`,
      `${OPS} (user, account backup 222222222222)`,
    ]);
    for (const [index, arn] of [ALICE, CHARLIE, OPS].entries()) {
      const lines = (blocks[index] ?? '').split('\n').slice(2);
      const services = JOBS.get(arn)?.ServicesLastAccessed ?? [];
      expect(lines).toHaveLength(services.length);
      for (const [line, service] of lines.map((text, at) => [text, services[at]] as const)) {
        const last = service?.LastAuthenticated === undefined ? 'never' : iso(service.LastAuthenticated);
        expect(line).toMatch(new RegExp(`^  ${service?.ServiceNamespace ?? ''} +${last} `));
      }
    }
  });

  it('--actions lists the tracked actions under their service', async () => {
    const run = await runCli(['advisor', '--cache', cache, '--arn', ALICE, '--service', 's3', '--actions']);
    expect(run.status, run.stderr).toBe(0);
    const s3 = JOBS.get(ALICE)?.ServicesLastAccessed.find((service) => service.ServiceNamespace === 's3');
    const expected = (s3?.TrackedActionsLastAccessed ?? []).map(
      (action) =>
        `s3:${action.ActionName} ${action.LastAccessedTime === undefined ? 'never' : iso(action.LastAccessedTime)}`,
    );
    const listed = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('    s3:'))
      .map((line) => line.trim().replace(/ +/, ' '));
    expect(listed).toEqual(expected);
    expect(listed).toContain('s3:PutBucketPolicy never');
  });

  it('--arn (any case, exact), --phrase (substring, any case), --regex (RE2) select principals', async () => {
    expect(
      arnsOf(await advisorJson(['--arn', ALICE.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam')])),
    ).toEqual([ALICE]);
    expect(arnsOf(await advisorJson(['--arn', ALICE, '--arn', OPS]))).toEqual([ALICE, OPS]);
    expect(arnsOf(await advisorJson(['--arn', `${ALICE}x`]))).toEqual([]);
    expect(arnsOf(await advisorJson(['--phrase', 'CHAR']))).toEqual([CHARLIE]);
    expect(arnsOf(await advisorJson(['--regex', ':user/(alice|ops)$']))).toEqual([ALICE, OPS]);
  });

  it('--account takes a config name or an id; --service keeps one service and the principals listing it', async () => {
    expect(arnsOf(await advisorJson(['--config', CONFIG, '--account', 'demo']))).toEqual([ALICE, CHARLIE]);
    expect(arnsOf(await advisorJson(['--account', '222222222222']))).toEqual([OPS]);
    const kms = await advisorJson(['--service', 'KMS']);
    expect(arnsOf(kms)).toEqual([CHARLIE]);
    expect(kms.principals[0]?.services.map((service) => service.serviceNamespace)).toEqual(['kms']);
    const s3 = await advisorJson(['--service', 's3']);
    expect(arnsOf(s3)).toEqual([ALICE, CHARLIE, OPS]);
    for (const principal of s3.principals) {
      const fixture = JOBS.get(principal.arn)?.ServicesLastAccessed.find(
        (service) => service.ServiceNamespace === 's3',
      );
      expect(principal.services[0]?.trackedActions).toEqual(
        fixture?.TrackedActionsLastAccessed?.map((action) => ({
          actionName: action.ActionName,
          lastAccessed: action.LastAccessedTime === undefined ? null : iso(action.LastAccessedTime),
          lastAccessedEntity: action.LastAccessedEntity ?? null,
          lastAccessedRegion: action.LastAccessedRegion ?? null,
        })),
      );
    }
  });

  it('--history: every snapshot of each principal, oldest first', async () => {
    const document = await advisorJson(['--history', '--arn', ALICE, '--arn', CHARLIE]);
    expect(document.principals.map((principal) => [principal.arn, principal.collectedAt])).toEqual([
      [ALICE, '2026-09-15T06:00:00Z'],
      [ALICE, iso(JOBS.get(ALICE)?.JobCompletionDate ?? '')],
      [CHARLIE, iso(JOBS.get(CHARLIE)?.JobCompletionDate ?? '')],
    ]);
    expect(document.principals[0]?.services.every((service) => service.lastAuthenticated === null)).toBe(
      true,
    );
  });

  it('CSV: one row per principal × service, × tracked action for a tracked service', async () => {
    const run = await runCli(['advisor', '--cache', cache, '--format', 'csv']);
    expect(run.status, run.stderr).toBe(0);
    // No cell of the fixture needs quoting, so a split on commas reads it.
    expect(run.stdout).not.toContain('"');
    const [header, ...lines] = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split(','));
    const rows = lines.map((cells) =>
      Object.fromEntries((header ?? []).map((name, at) => [name, cells[at]])),
    );
    const expected = [ALICE, CHARLIE, OPS].flatMap((arn) =>
      (JOBS.get(arn)?.ServicesLastAccessed ?? []).flatMap((service) =>
        (service.TrackedActionsLastAccessed ?? []).length === 0
          ? [
              [
                arn,
                service.ServiceNamespace,
                '',
                service.LastAuthenticated === undefined ? '' : iso(service.LastAuthenticated),
              ],
            ]
          : (service.TrackedActionsLastAccessed ?? []).map((action) => [
              arn,
              service.ServiceNamespace,
              action.ActionName,
              service.LastAuthenticated === undefined ? '' : iso(service.LastAuthenticated),
            ]),
      ),
    );
    expect(rows.map((row) => [row.arn, row.service_namespace, row.action, row.last_authenticated])).toEqual(
      expected,
    );
  });

  it('--unused-days 90 with the IAM data: granted services not authenticated in the 90 days before the job', async () => {
    // Granted services, read by hand from examples/demo/iam: alice cloudwatch, lambda, logs, s3,
    // sts (DeveloperAccess, developers, assume-admin); charlie ec2, s3, sts (his boundary takes
    // iam:PassRole and kms:Decrypt away); ops backup, dynamodb, s3 (BackupOperator).
    const granted = new Map([
      [ALICE, ['cloudwatch', 'lambda', 'logs', 's3', 'sts']],
      [CHARLIE, ['ec2', 's3', 'sts']],
      [OPS, ['backup', 'dynamodb', 's3']],
    ]);
    const expected = [...JOBS.entries()]
      .map(([arn, job]) => {
        const since = Date.parse(job.JobCompletionDate) - 90 * 24 * 3600 * 1000;
        const unused = job.ServicesLastAccessed.filter(
          (service) =>
            granted.get(arn)?.includes(service.ServiceNamespace) === true &&
            (service.LastAuthenticated === undefined || Date.parse(service.LastAuthenticated) < since),
        ).map((service) => service.ServiceNamespace);
        return [arn, unused] as const;
      })
      .filter(([, unused]) => unused.length > 0)
      .sort();
    const document = await advisorJson(['--config', CONFIG, '--unused-days', '90']);
    expect(
      document.principals.map((principal) => [
        principal.arn,
        principal.services.map((s) => s.serviceNamespace),
      ]),
    ).toEqual(expected);
    expect(expected).toEqual([[OPS, ['dynamodb']]]);
    expect(document.principals[0]?.unused).toMatchObject({
      grantedFrom: 'iam',
      since: '2026-08-03T06:00:03.127Z',
      notInSnapshot: [],
    });

    const text = await runCli(['advisor', '--cache', cache, '--config', CONFIG, '--unused-days', '90']);
    expect(text.stdout).toContain(
      'granted (IAM data), not authenticated since 2026-08-03T06:00:03.127Z (90 days):',
    );
    expect(text.stdout).toMatch(/\n {2}dynamodb +2026-05-12T14:03:27Z +Amazon DynamoDB\n/);
  });

  it('--unused-days beyond the 400 days AWS keeps is exit 2: "never" would be claimed for days it has no data of', async () => {
    const run = await runCli(['advisor', '--cache', cache, '--unused-days', '401']);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain('Expected an integer less than or equal to 400 but received: 401');
    expect((await runCli(['advisor', '--cache', cache, '--unused-days', '400'])).status).toBe(0);
  });

  it('--unused-days without IAM data: the services Access Advisor lists count as granted', async () => {
    const document = await advisorJson(['--unused-days', '90']);
    // Without the IAM data, charlie's iam (never authenticated; his boundary is ignored) is listed.
    expect(
      document.principals.map((principal) => [
        principal.arn,
        principal.services.map((s) => s.serviceNamespace),
      ]),
    ).toEqual([
      [CHARLIE, ['iam']],
      [OPS, ['dynamodb']],
    ]);
    expect(document.principals.every((principal) => principal.unused?.grantedFrom === 'access-advisor')).toBe(
      true,
    );
  });

  it('--json prints the same document as --format json', async () => {
    const json = await runCli(['advisor', '--cache', cache, '--phrase', 'ops', '--json']);
    const format = await runCli(['advisor', '--cache', cache, '--phrase', 'ops', '--format', 'json']);
    expect(json.status).toBe(0);
    expect(json.stdout).toBe(format.stdout);
  });

  it.each([
    [
      ['--config', CONFIG, '--account', 'prod'],
      'unknown account "prod" (config lists: demo (111111111111), backup (222222222222))',
    ],
    [['--account', 'prod'], 'unknown account "prod": without a config file --account takes a 12-digit id'],
    [['--regex', '(unclosed'], 'the regular expression "(unclosed" does not compile'],
    [['--unused-days', '-1'], 'Expected an integer greater than or equal to 0 but received: -1'],
    [['--unused-days', 'ten'], 'Expected an integer but received: ten'],
    [['--service', 's3:GetObject'], '--service "s3:GetObject" is not a service namespace'],
  ])('bad input %j: exit 2 with a clear message', async (args, message) => {
    const run = await runCli(['advisor', '--cache', cache, ...args]);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain(message);
    expect(run.stdout).toBe('');
  });
});
