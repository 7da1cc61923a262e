import { mkdirSync, readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BoundaryPlanDocument } from '../../src/app/boundary/plan-boundaries.js';
import { boundaryPlanDocument } from '../contract/json-schemas.js';
import { flatten, runCli } from '../helpers/cli.js';
import { demoInOwnFolders } from '../helpers/demo-own-folders.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { daysFrom, writeTrail } from '../helpers/trail-fixture.js';

/*
 * `iamtrail boundary plan` in-process on the demo account over 2026-10-16..2026-10-31 (after the
 * demo's corrupt file of 2026-10-15: a period with an unreadable file gives no boundary), with
 * the demo's config plus a boundary: section. What is expected is read here from the demo's logs
 * and IAM file, not copied from the command's output.
 */

const DEMO = join(REPO_ROOT, 'examples/demo');
const ACCOUNT = '111111111111';
const work = mkdtempSync(join(tmpdir(), 'iamtrail-boundary-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const config = join(work, 'config.yaml');
writeFileSync(
  config,
  [
    `logs: ${join(DEMO, 'logs')}`,
    'accounts:',
    `  - {name: demo, id: '${ACCOUNT}', iam: ${join(DEMO, 'iam/demo.json')}}`,
    'boundary:',
    '  base_actions: [s3:ListAllMyBuckets, ec2:DescribeRegions]',
    '',
  ].join('\n'),
);

const PERIOD = { start: '2026-10-16T00:00:00Z', end: '2026-11-01T00:00:00Z' };

interface LoggedRecord {
  readonly eventTime: string;
  readonly eventSource: string;
  readonly errorCode?: string;
  readonly userIdentity: {
    readonly type?: string;
    readonly sessionContext?: { sessionIssuer?: { arn?: string } };
  };
}

/** Every record of the demo account's CloudTrail files in the period (the corrupt file is before it). */
function demoRecords(): LoggedRecord[] {
  const root = join(DEMO, 'logs/AWSLogs/o-demo12345', ACCOUNT, 'CloudTrail');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.json.gz'),
  );
  return files.flatMap((file) => {
    try {
      return (
        JSON.parse(gunzipSync(readFileSync(join(root, file))).toString('utf8')) as { Records: LoggedRecord[] }
      ).Records.filter((record) => record.eventTime >= PERIOD.start && record.eventTime < PERIOD.end);
    } catch {
      return [];
    }
  });
}

/** The services (event source prefixes) a role's sessions called successfully. */
function servicesUsedBy(records: readonly LoggedRecord[], roleArn: string): string[] {
  return [
    ...new Set(
      records
        .filter(
          (record) =>
            record.userIdentity.type === 'AssumedRole' &&
            record.userIdentity.sessionContext?.sessionIssuer?.arn === roleArn &&
            record.errorCode === undefined,
        )
        .map((record) => record.eventSource.slice(0, record.eventSource.indexOf('.'))),
    ),
  ].sort();
}

interface DemoRole {
  readonly RoleName: string;
  readonly Arn: string;
  readonly Path: string;
  readonly PermissionsBoundary?: { readonly PermissionsBoundaryArn: string };
}
const roles = (
  JSON.parse(readFileSync(join(DEMO, 'iam/demo.json'), 'utf8')) as { RoleDetailList: DemoRole[] }
).RoleDetailList;

let document: BoundaryPlanDocument;
beforeAll(async () => {
  const run = await runCli([
    'boundary',
    'plan',
    '--config',
    config,
    '--account',
    'demo',
    '--all-roles',
    '--end',
    '2026-10-31',
    '--unused-days',
    '16',
    '--cache',
    join(work, 'cache.duckdb'),
    '--format',
    'json',
  ]);
  expect(run.status, run.stderr).toBe(0);
  document = JSON.parse(run.stdout) as BoundaryPlanDocument;
});

describe('boundary plan on the demo account', () => {
  const records = demoRecords();

  it('matches its JSON contract and covers every role of the IAM file: service-linked ones skipped, roles with no use skipped, the others planned', () => {
    expect(() => boundaryPlanDocument.parse(document)).not.toThrow();
    expect(document.window).toEqual({ startDay: '2026-10-16', endDay: '2026-10-31' });
    expect(document.coverage).toMatchObject({ coversPeriod: true, unreadableFiles: 0 });
    expect(document.principals.map((entry) => entry.name).sort()).toEqual(
      roles.map((role) => role.RoleName).sort(),
    );
    let noUse = 0;
    for (const role of roles) {
      const entry = document.principals.find((candidate) => candidate.arn === role.Arn);
      expect(entry?.currentBoundary).toBe(role.PermissionsBoundary?.PermissionsBoundaryArn ?? null);
      if (role.Path.startsWith('/aws-service-role/'))
        expect(entry?.status === 'skipped' && entry.reason).toBe('service-linked');
      else if (servicesUsedBy(records, role.Arn).length === 0) {
        noUse += 1;
        expect(entry?.status === 'skipped' && entry.detail).toBe(
          'no use seen in the period: never a boundary from no data',
        );
      } else expect(entry?.status).toBe('planned');
    }
    // The demo has a role whose only call of the period was refused (readonly).
    expect(noUse).toBeGreaterThan(0);
  });

  it("allows each service a role used (from the logs) and the services of its kept ? actions, the base actions not covered, denies changes to iamtrail's boundaries, and replays clean", () => {
    const planned = document.principals.filter((entry) => entry.status === 'planned');
    expect(planned.length).toBeGreaterThan(0);
    for (const entry of planned) {
      const used = servicesUsedBy(records, entry.arn);
      expect([...new Set(entry.used.map((action) => action.slice(0, action.indexOf(':'))))].sort()).toEqual(
        used,
      );
      const services = [
        ...new Set([
          ...used,
          ...entry.unknown.map((action) => action.slice(0, action.indexOf(':')).toLowerCase()),
        ]),
      ].sort();
      const base = ['ec2:DescribeRegions', 's3:ListAllMyBuckets'].filter(
        (action) => !services.includes(action.slice(0, action.indexOf(':'))),
      );
      expect(entry.boundary.document).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'IamtrailUsedInPeriod',
            Effect: 'Allow',
            Action: services.map((name) => `${name}:*`).sort(),
            Resource: '*',
          },
          ...(base.length > 0
            ? [{ Sid: 'IamtrailBaseActions', Effect: 'Allow', Action: base, Resource: '*' }]
            : []),
          {
            Sid: 'IamtrailDenyBoundaryChange',
            Effect: 'Deny',
            Action: ['iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary'],
            Resource: entry.arn,
          },
          {
            Sid: 'IamtrailDenyBoundaryPolicyChange',
            Effect: 'Deny',
            Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
            Resource: `arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-*`,
          },
        ],
      });
      // At service level every ? action is kept; the replay covers the used and the kept ones.
      expect(entry.counts.unknownKept).toBe(entry.unknown.length);
      expect(entry.replay).toEqual({
        total: new Set([...entry.used, ...entry.unknown]).size,
        allowed: new Set([...entry.used, ...entry.unknown]).size,
        notAllowed: [],
      });
      expect(entry.boundary.fits).toBe(true);
    }
  });
});

describe('boundary plan --event-selectors', () => {
  it('drops unused data actions the selectors log for every resource, which it keeps without them', async () => {
    const plan = async (...more: string[]) => {
      const run = await runCli([
        ...['boundary', 'plan', '--config', config, '--account', 'demo', '--role', 'admin'],
        ...['--end', '2026-10-31', '--unused-days', '16', '--level', 'action', '--format', 'json'],
        ...['--cache', join(work, 'cache.duckdb'), ...more],
      ]);
      expect(run.status, run.stderr).toBe(0);
      const [admin] = (JSON.parse(run.stdout) as BoundaryPlanDocument).principals;
      if (admin?.status !== 'planned') throw new Error(`admin not planned: ${run.stdout}`);
      return admin;
    };
    // Without the selectors, S3 object data events in the logs do not show that every bucket's are
    // logged: an unused s3:DeleteObject is "?" and kept. Selectors logging them for every bucket
    // make it "-": dropped.
    expect((await plan()).unknown).toContain('s3:DeleteObject');
    const selected = await plan(
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
    );
    expect(selected.unknown).not.toContain('s3:DeleteObject');
    expect(selected.used).toEqual((await plan()).used);
  });

  it("applies another account's trail selectors only with --organization-trail, and says so", async () => {
    const plan = async (...more: string[]) => {
      const run = await runCli([
        ...['boundary', 'plan', '--config', join(DEMO, 'config.example.yaml'), '--account', 'backup'],
        ...['--role', 'admin', '--end', '2026-10-31', '--unused-days', '16', '--level', 'action'],
        ...['--format', 'json', '--cache', join(work, 'backup.duckdb')],
        ...['--event-selectors', join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json')],
        ...more,
      ]);
      expect(run.status, run.stderr).toBe(0);
      const document = JSON.parse(run.stdout) as BoundaryPlanDocument;
      const [admin] = document.principals;
      if (admin?.status !== 'planned') throw new Error(`admin not planned: ${run.stdout}`);
      return { admin, settings: document.settings, stderr: flatten(run.stderr) };
    };
    // The fixture is a trail of account demo: backup's admin keeps its unused s3:DeleteObject ("?")
    // unless the trail is an organization trail; the plan records which.
    const file = join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json');
    const notApplied = await plan();
    expect(notApplied.admin.unknown).toContain('s3:DeleteObject');
    expect(notApplied.stderr).toContain('not applied to account backup (222222222222)');
    expect(notApplied.settings.eventSelectors).toBeNull();
    expect(notApplied.settings.eventSelectorsNotApplied).toContain(
      'not applied to account backup (222222222222), which is judged from its logs alone',
    );
    const organization = await plan('--organization-trail');
    expect(organization.admin.unknown).not.toContain('s3:DeleteObject');
    expect(organization.stderr).not.toContain('not applied');
    expect(organization.settings).toMatchObject({
      eventSelectors: file,
      eventSelectorsNotApplied: null,
      eventSelectorsCaution: null,
    });
    // The same logs in backup's own folders (AWSLogs/222222222222/): still applied, with a caution
    // in the plan and on stderr.
    const own = await runCli([
      ...['boundary', 'plan', '--config', demoInOwnFolders(join(work, 'own-folders')), '--account', 'backup'],
      ...['--role', 'admin', '--end', '2026-10-31', '--unused-days', '16', '--level', 'action'],
      ...['--format', 'json', '--no-cache', '--event-selectors', file, '--organization-trail'],
    ]);
    expect(own.status, own.stderr).toBe(0);
    const ownPlan = JSON.parse(own.stdout) as BoundaryPlanDocument;
    expect(ownPlan.settings.eventSelectors).toBe(file);
    expect(ownPlan.settings.eventSelectorsCaution).toContain(
      '--organization-trail: account backup (222222222222) has its logs only in AWSLogs/222222222222/',
    );
    expect(flatten(own.stderr)).toContain(ownPlan.settings.eventSelectorsCaution ?? 'no caution');
  });
});

describe('boundary plan of a role granted patterns the action catalog does not know', () => {
  // Role app is granted two actions it calls every day, a service the catalog does not know
  // (newsvc:*) and an action of S3 it does not know (s3:FutureAction); which actions those two
  // stand for, and whether they were used, is unknown.
  const OWN = '123456789012';
  const days = daysFrom('2026-10-29', '2026-10-31');
  const dir = join(work, 'unknown-grants');
  const iamFile = join(dir, 'iam.json');
  const ownConfig = join(dir, 'config.yaml');
  const arn = `arn:aws:iam::${OWN}:role/app`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    iamFile,
    JSON.stringify({
      RoleDetailList: [
        {
          RoleName: 'app',
          Arn: arn,
          Path: '/',
          CreateDate: '2025-01-01T00:00:00Z',
          RolePolicyList: [
            {
              PolicyName: 'grants',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: ['s3:GetObject', 'dynamodb:GetItem', 'newsvc:*', 's3:FutureAction'],
                    Resource: '*',
                  },
                ],
              },
            },
          ],
          AttachedManagedPolicies: [],
        },
      ],
    }),
  );
  const logs = writeTrail(
    join(dir, 'logs'),
    days.map((day) => ({
      account: OWN,
      day,
      records: [
        ['s3.amazonaws.com', 'GetObject'],
        ['dynamodb.amazonaws.com', 'GetItem'],
      ].map(([eventSource, eventName]) => ({
        eventVersion: '1.09',
        eventTime: `${day}T10:00:00Z`,
        eventSource,
        eventName,
        awsRegion: 'us-east-1',
        recipientAccountId: OWN,
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${OWN}:assumed-role/app/session`,
          accountId: OWN,
          sessionContext: { sessionIssuer: { type: 'Role', arn, accountId: OWN, userName: 'app' } },
        },
      })),
    })),
  );
  writeFileSync(ownConfig, `logs: ${logs}\naccounts:\n  - {name: own, id: '${OWN}', iam: ${iamFile}}\n`);
  const plan = (level: string, format: string) =>
    runCli([
      'boundary',
      'plan',
      '--config',
      ownConfig,
      '--account',
      'own',
      '--role',
      'app',
      '--end',
      '2026-10-31',
      '--unused-days',
      String(days.length),
      '--level',
      level,
      '--cache',
      join(dir, 'cache.duckdb'),
      '--format',
      format,
    ]);

  it('keeps them in the boundary as written, names them, and counts them as granted and not used', async () => {
    const run = await plan('action', 'json');
    expect(run.status, run.stderr).toBe(0);
    const document = boundaryPlanDocument.parse(JSON.parse(run.stdout));
    const entry = document.principals[0];
    expect(entry?.status).toBe('planned');
    if (entry?.status !== 'planned') return;
    expect(entry.unknownGrants.map(({ pattern, field, reason }) => [pattern, field, reason])).toEqual([
      ['newsvc:*', 'Action', 'unknown-service'],
      ['s3:FutureAction', 'Action', 'unknown-action'],
    ]);
    expect(entry.boundary.document.Statement[0]?.Action).toEqual([
      'dynamodb:GetItem',
      'newsvc:*',
      's3:FutureAction',
      's3:GetObject',
    ]);
    // Four granted entries (two actions, two patterns), two used.
    expect(entry.counts).toMatchObject({ granted: 4, proposed: 4, usedGranted: 2, coveragePercent: 50 });
    expect(entry.replay.notAllowed).toEqual([]);
  });

  it('says so in the text', async () => {
    const run = await plan('service', 'text');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('coverage 50% (2 used of 4 granted)');
    expect(run.stdout).toContain(
      'kept 2 granted pattern(s) the action catalog does not know, of unknown use: newsvc:*, s3:FutureAction',
    );
    expect(run.stdout).toContain('allow dynamodb:*, newsvc:*, s3:*');
  });
});
