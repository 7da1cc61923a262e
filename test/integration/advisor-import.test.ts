import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import type { AdvisorSnapshot } from '../../src/iam/access-advisor.js';
import { flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-advisor-import-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const FIXTURE = join(REPO_ROOT, 'examples/demo/advisor/account-data');
const JOB_IDS = 'iam-generate-service-last-accessed-details';
const JOBS = 'iam-get-service-last-accessed-details';

async function snapshotsIn(cache: string): Promise<AdvisorSnapshot[]> {
  const store = await CacheStore.open(cache);
  try {
    return await store.advisorSnapshots({ history: true });
  } finally {
    await store.close();
  }
}

/** A time as the fixture writes it (Python isoformat, `+00:00`) in ISO-8601 UTC, as iamtrail stores it. */
function iso(time: string | undefined): string | null {
  if (time === undefined) return null;
  const [date, clock] = time.replace(/\+00:00$/, '').split('T');
  const [whole, fraction] = (clock ?? '').split('.');
  const millis = fraction === undefined ? '' : `.${fraction.slice(0, 3)}`;
  return `${date}T${whole}${millis === '.000' ? '' : millis}Z`;
}

interface FixtureService {
  ServiceName: string;
  ServiceNamespace: string;
  LastAuthenticated?: string;
  LastAuthenticatedEntity?: string;
  LastAuthenticatedRegion?: string;
  TotalAuthenticatedEntities: number;
  TrackedActionsLastAccessed?: {
    ActionName: string;
    LastAccessedTime?: string;
    LastAccessedEntity?: string;
    LastAccessedRegion?: string;
  }[];
}

/** What the fixture's files say, read straight from them: one expected snapshot per ARN file. */
function fixtureSnapshots(): Omit<AdvisorSnapshot, 'collectedAt' | 'origin'>[] {
  const expected: Omit<AdvisorSnapshot, 'collectedAt' | 'origin'>[] = [];
  for (const account of readdirSync(FIXTURE)) {
    const region = join(FIXTURE, account, 'us-east-1');
    for (const name of readdirSync(join(region, JOB_IDS))) {
      const arn = decodeURIComponent(name);
      const { JobId } = JSON.parse(readFileSync(join(region, JOB_IDS, name), 'utf8')) as { JobId: string };
      const job = JSON.parse(readFileSync(join(region, JOBS, JobId), 'utf8')) as {
        JobCompletionDate: string;
        ServicesLastAccessed: FixtureService[];
      };
      expected.push({
        accountId: arn.split(':')[4] ?? '',
        arn,
        entityType: arn.includes(':user/') ? 'user' : 'role',
        jobCompletedAt: iso(job.JobCompletionDate),
        services: job.ServicesLastAccessed.map((service) => ({
          serviceNamespace: service.ServiceNamespace,
          serviceName: service.ServiceName,
          lastAuthenticated: iso(service.LastAuthenticated),
          lastAuthenticatedEntity: service.LastAuthenticatedEntity ?? null,
          lastAuthenticatedRegion: service.LastAuthenticatedRegion ?? null,
          totalAuthenticatedEntities: service.TotalAuthenticatedEntities,
          ...(service.TrackedActionsLastAccessed === undefined
            ? {}
            : {
                trackedActions: service.TrackedActionsLastAccessed.map((action) => ({
                  actionName: action.ActionName,
                  lastAccessed: iso(action.LastAccessedTime),
                  lastAccessedEntity: action.LastAccessedEntity ?? null,
                  lastAccessedRegion: action.LastAccessedRegion ?? null,
                })),
              }),
        })),
      });
    }
  }
  return expected.sort((a, b) => (a.arn < b.arn ? -1 : 1));
}

describe('advisor import of the demo fixture', () => {
  const cache = join(work, 'demo.duckdb');

  it('imports one snapshot per principal file, equal to what the files say', async () => {
    const run = await runCli(['advisor', 'import', FIXTURE, '--cache', cache]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const expected = fixtureSnapshots();
    expect(expected.map((snapshot) => snapshot.arn)).toEqual([
      'arn:aws:iam::111111111111:user/alice',
      'arn:aws:iam::111111111111:user/charlie',
      'arn:aws:iam::222222222222:user/ops',
    ]);
    expect(run.stdout).toContain('imported 3 Access Advisor snapshot(s)');
    expect(run.stdout).toContain('  backup (222222222222): 1 imported');
    expect(run.stdout).toContain('  demo (111111111111): 2 imported');
    const stored = await snapshotsIn(cache);
    expect(stored.map(({ collectedAt: _c, origin: _o, ...rest }) => rest)).toEqual(expected);
    for (const snapshot of stored) {
      // collectedAt is the job's JobCompletionDate; origin names the job's file.
      expect(snapshot.collectedAt).toBe(snapshot.jobCompletedAt);
      expect(snapshot.origin).toMatch(
        new RegExp(`^import:${FIXTURE}/(demo|backup)/us-east-1/${JOBS}/[0-9a-f-]{36}$`),
      );
    }
  });

  it('a second import of the same files writes nothing twice', async () => {
    const run = await runCli(['advisor', 'import', FIXTURE, '--cache', cache, '--format', 'json']);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as { imported: number; alreadyInCache: number; skipped: number };
    expect([document.imported, document.alreadyInCache, document.skipped]).toEqual([0, 3, 0]);
    expect(await snapshotsIn(cache)).toHaveLength(3);
  });

  it("takes one account's folder too, and says which accounts it found", async () => {
    const run = await runCli([
      'advisor',
      'import',
      join(FIXTURE, 'backup'),
      '--cache',
      join(work, 'backup.duckdb'),
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as { accounts: unknown[]; imported: number };
    expect(document.accounts).toEqual([
      { folder: 'backup', accountIds: ['222222222222'], imported: 1, alreadyInCache: 0, skipped: 0 },
    ]);
    expect((await snapshotsIn(join(work, 'backup.duckdb'))).map((snapshot) => snapshot.arn)).toEqual([
      'arn:aws:iam::222222222222:user/ops',
    ]);
  });
});

describe('advisor import of bad files', () => {
  const dir = join(work, 'bad', 'account-data');
  cpSync(FIXTURE, dir, { recursive: true });
  const region = join(dir, 'demo', 'us-east-1');
  const jobIdFile = (arn: string): string => join(region, JOB_IDS, encodeURIComponent(arn));
  const jobFile = (id: string): string => join(region, JOBS, id);
  const job = (status: string, extra: object = {}): string =>
    JSON.stringify({ JobStatus: status, JobCompletionDate: '2026-11-01T06:00:00+00:00', ...extra });

  const notJson = jobIdFile('arn:aws:iam::111111111111:user/bob');
  writeFileSync(notJson, '{"JobId": ');
  const noJobId = jobIdFile('arn:aws:iam::111111111111:user/erin');
  writeFileSync(noJobId, '{"Id": "x"}');
  const noDetails = jobIdFile('arn:aws:iam::111111111111:role/admin');
  writeFileSync(noDetails, '{"JobId": "00000000-0000-4000-8000-00000000dead"}');
  writeFileSync(jobIdFile('arn:aws:iam::111111111111:role/readonly'), '{"JobId": "job-failed"}');
  const failed = jobFile('job-failed');
  writeFileSync(failed, job('FAILED', { Error: { Code: 'x', Message: 'AWS could not finish the report' } }));
  writeFileSync(jobIdFile('arn:aws:iam::111111111111:group/developers'), '{"JobId": "job-running"}');
  const running = jobFile('job-running');
  writeFileSync(running, job('IN_PROGRESS'));
  writeFileSync(jobIdFile('arn:aws:iam::111111111111:policy/DemoReadOnly'), '{"JobId": "job-shape"}');
  const wrongShape = jobFile('job-shape');
  writeFileSync(wrongShape, job('COMPLETED', { ServicesLastAccessed: [{ ServiceName: 'Amazon S3' }] }));
  const notAnArn = join(region, JOB_IDS, 'not-an-arn');
  writeFileSync(notAnArn, '{"JobId": "job-failed"}');
  // A job without JobCompletionDate: its snapshot is as of the file's modification time.
  writeFileSync(jobIdFile('arn:aws:iam::111111111111:role/undated'), '{"JobId": "job-undated"}');
  const undated = jobFile('job-undated');
  writeFileSync(undated, JSON.stringify({ JobStatus: 'COMPLETED', ServicesLastAccessed: [] }));
  utimesSync(undated, new Date('2026-11-02T08:30:00Z'), new Date('2026-11-02T08:30:00Z'));

  it('skips each bad file with a warning naming it and why, and imports the rest', async () => {
    const cache = join(work, 'bad.duckdb');
    const run = await runCli(['advisor', 'import', dir, '--cache', cache]);
    expect(run.status, run.stderr).toBe(0);
    const warnings = run.stderr.trimEnd().split('\n');
    expect(warnings).toHaveLength(7);
    const warningOf = (file: string): string =>
      warnings.find((line) => line.startsWith(`warning: skipped ${file}:`)) ?? '';
    expect(warningOf(notJson)).toMatch(/: not JSON \(/);
    expect(warningOf(noJobId)).toContain(': not the expected shape: JobId:');
    expect(warningOf(noDetails)).toContain(
      `job "00000000-0000-4000-8000-00000000dead" of arn:aws:iam::111111111111:role/admin has no details file (${jobFile('00000000-0000-4000-8000-00000000dead')} does not exist)`,
    );
    expect(warningOf(failed)).toContain(
      'the job of arn:aws:iam::111111111111:role/readonly is FAILED, not COMPLETED (AWS could not finish the report)',
    );
    expect(warningOf(running)).toContain('is IN_PROGRESS, not COMPLETED');
    expect(warningOf(wrongShape)).toContain(
      'not the expected shape: ServicesLastAccessed.0.ServiceNamespace:',
    );
    expect(warningOf(notAnArn)).toContain(
      'its name "not-an-arn" is not the ARN of an IAM user, role, group or policy',
    );
    expect(run.stdout).toContain('imported 4 Access Advisor snapshot(s)');
    expect(run.stdout).toContain('7 file(s) skipped (warnings above)');
    expect(run.stdout).toContain('  demo (111111111111): 3 imported, 7 skipped');

    const stored = await snapshotsIn(cache);
    expect(stored.map((snapshot) => snapshot.arn)).toEqual([
      'arn:aws:iam::111111111111:role/undated',
      'arn:aws:iam::111111111111:user/alice',
      'arn:aws:iam::111111111111:user/charlie',
      'arn:aws:iam::222222222222:user/ops',
    ]);
    expect(stored[0]).toMatchObject({
      collectedAt: '2026-11-02T08:30:00Z',
      jobCompletedAt: null,
      services: [],
    });
  });

  it('exit 2 when the folder does not exist, or holds nothing importable', async () => {
    const missing = await runCli([
      'advisor',
      'import',
      join(work, 'nowhere'),
      '--cache',
      join(work, 'x.duckdb'),
    ]);
    expect(missing.status).toBe(2);
    expect(flatten(missing.stderr)).toContain(`${join(work, 'nowhere')} is not a directory`);

    const empty = join(work, 'empty');
    mkdirSync(empty);
    const none = await runCli(['advisor', 'import', empty, '--cache', join(work, 'x.duckdb')]);
    expect(none.status).toBe(2);
    expect(flatten(none.stderr)).toContain(`${empty} holds no ${JOB_IDS} folder: nothing to import`);

    const onlyBad = join(work, 'only-bad', 'prod', 'us-east-1');
    mkdirSync(join(onlyBad, JOB_IDS), { recursive: true });
    writeFileSync(join(onlyBad, JOB_IDS, encodeURIComponent('arn:aws:iam::333333333333:user/x')), 'not json');
    const bad = await runCli([
      'advisor',
      'import',
      join(work, 'only-bad'),
      '--cache',
      join(work, 'x.duckdb'),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('warning: skipped');
    expect(flatten(bad.stderr)).toContain(
      `nothing importable in ${join(work, 'only-bad')}: 1 file(s) skipped`,
    );
  });
});
