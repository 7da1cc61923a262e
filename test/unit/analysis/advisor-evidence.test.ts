import { describe, expect, it } from 'vitest';

import type { ActionUsage, PrincipalDiffReport } from '../../../src/analysis/activity-report.js';
import { advisorCoversWindow, settleWithAdvisor } from '../../../src/analysis/advisor-evidence.js';
import type { AdvisorService, AdvisorSnapshot } from '../../../src/iam/access-advisor.js';
import { advisorService } from '../../helpers/advisor.js';

const ARN = 'arn:aws:iam::111111111111:user/alice';
/** October 2026: from 2026-10-01T00:00Z to 2026-11-01T00:00Z. */
const WINDOW = { startDay: '2026-10-01', endDay: '2026-10-31' };

/** A service authenticated (unless never) by alice. */
const service = (
  namespace: string,
  lastAuthenticated: string | null,
  tracked?: AdvisorService['trackedActions'],
) => advisorService(namespace, lastAuthenticated, tracked, ARN);

/** A diff line as buildPrincipalDiffReport makes it; `?` by default. */
function line(action: string, overrides: Partial<ActionUsage> = {}): ActionUsage {
  return {
    action,
    status: 'unknown',
    calls: 0,
    lastSeen: undefined,
    limited: false,
    possiblyUsed: false,
    recorded: 'not-recorded',
    evidence: { kind: 'no-operation', detail: 'botocore' },
    basis: 'CloudTrail records no event of its own for this action',
    grantedBy: [],
    ...overrides,
  };
}

function diff(actions: ActionUsage[], denied: PrincipalDiffReport['denied'] = []): PrincipalDiffReport {
  return {
    actions,
    denied,
    failed: [],
    unmappedEvents: [],
    noPermissionEvents: [],
    dataEventTypesLogged: [],
    writeOnlySuspected: false,
    readOnlySuspected: false,
    eventSelectors: null,
    iamDataProblems: [],
    federatedSessions: 0,
  };
}

function action(actionName: string, lastAccessed: string | null) {
  return { actionName, lastAccessed, lastAccessedEntity: null, lastAccessedRegion: null };
}

/** A snapshot as of 2026-11-02T06:00Z: it covers October (the end plus 4 hours is 2026-11-01T04:00Z). */
function snapshot(services: AdvisorService[], asOf = '2026-11-02T06:00:00Z'): AdvisorSnapshot {
  return {
    accountId: '111111111111',
    arn: ARN,
    entityType: 'user',
    collectedAt: asOf,
    jobCompletedAt: asOf,
    origin: 'api',
    services,
  };
}

/** The status and evidence kind each action ends with. */
function verdicts(report: PrincipalDiffReport): [string, string, string][] {
  return report.actions.map((entry) => [entry.action, entry.status, entry.evidence.kind]);
}

describe('advisorCoversWindow', () => {
  const cases: { name: string; jobCompletedAt: string | null; collectedAt: string; covers: boolean }[] = [
    {
      name: '4 hours after the end of the last day',
      jobCompletedAt: '2026-11-01T04:00:00Z',
      collectedAt: '2026-11-01T04:00:00Z',
      covers: true,
    },
    {
      name: 'a second short of the 4 hours',
      jobCompletedAt: '2026-11-01T03:59:59Z',
      collectedAt: '2026-11-01T05:00:00Z',
      covers: false,
    },
    {
      name: 'during the last day',
      jobCompletedAt: '2026-10-31T23:00:00Z',
      collectedAt: '2026-10-31T23:00:00Z',
      covers: false,
    },
    {
      // An import without JobCompletionDate: the file's time says nothing of when the data was true.
      name: 'no job time, however late it was collected',
      jobCompletedAt: null,
      collectedAt: '2026-11-03T00:00:00Z',
      covers: false,
    },
  ];
  it.each(cases)('$name: $covers', ({ jobCompletedAt, collectedAt, covers }) => {
    expect(advisorCoversWindow({ jobCompletedAt, collectedAt }, WINDOW)).toBe(covers);
  });
});

describe('settleWithAdvisor', () => {
  it('turns "?" into "-" for a service not accessed since before the window, or never (access-advisor:service)', () => {
    const { report, advisor } = settleWithAdvisor(
      diff([line('sqs:SendMessage'), line('kms:GenerateMac'), line('sns:Publish')]),
      snapshot([
        service('sqs', '2026-09-30T23:59:59Z'),
        service('kms', null),
        // sns is not in the snapshot: nothing to say.
      ]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([
      ['sqs:SendMessage', 'unused', 'access-advisor:service'],
      ['kms:GenerateMac', 'unused', 'access-advisor:service'],
      ['sns:Publish', 'unknown', 'no-operation'],
    ]);
    expect(report.actions[0]?.evidence.detail).toBe(
      'Access Advisor snapshot as of 2026-11-02T06:00:00Z: sqs last accessed 2026-09-30T23:59:59Z in us-east-1 by arn:aws:iam::111111111111:user/alice',
    );
    expect(report.actions[0]?.basis).toContain('identity policies');
    expect(advisor).toMatchObject({ state: 'applied', settled: { unused: 2, used: 0 }, serviceUsed: 0 });
  });

  it('turns no "?" into "-" for a principal that opened federated sessions', () => {
    const { report, advisor } = settleWithAdvisor(
      { ...diff([line('sqs:SendMessage'), line('kms:GenerateMac')]), federatedSessions: 2 },
      snapshot([service('sqs', '2026-09-30T23:59:59Z'), service('kms', null)]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([
      ['sqs:SendMessage', 'unknown', 'no-operation'],
      ['kms:GenerateMac', 'unknown', 'no-operation'],
    ]);
    expect(report.actions[0]?.basis).toContain(
      'whether Access Advisor counts the calls of its federated sessions',
    );
    expect(advisor).toMatchObject({ state: 'applied', settled: { unused: 0, used: 0 } });
  });

  it('keeps "?" with the note "service used" when the service was accessed in the window', () => {
    const { report, advisor } = settleWithAdvisor(
      diff([line('s3:ReplicateObject')]),
      snapshot([service('s3', '2026-10-31T23:59:59Z')]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([['s3:ReplicateObject', 'unknown', 'access-advisor:service']]);
    expect(report.actions[0]?.basis).toContain(
      '; service used: Access Advisor says s3 last accessed 2026-10-31T23:59:59Z',
    );
    expect(advisor.serviceUsed).toBe(1);
  });

  it('keeps "?" when the service was last accessed after the window: the window is unknown', () => {
    const { report } = settleWithAdvisor(
      diff([line('s3:ReplicateObject')]),
      snapshot([service('s3', '2026-11-01T00:00:00Z')]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([['s3:ReplicateObject', 'unknown', 'no-operation']]);
    expect(report.actions[0]?.basis).toContain('after the window');
  });

  it('lets action-level data decide a tracked action: used in the window, "-" before it or never', () => {
    const { report, advisor } = settleWithAdvisor(
      diff([
        line('s3:PutBucketPolicy'),
        line('s3:DeleteBucketPolicy'),
        line('s3:GetBucketPolicy'),
        line('s3:PutBucketTagging'),
        line('s3:GetObjectAnnotation'),
      ]),
      snapshot([
        // The service was used in the window; its tracked actions still decide for themselves.
        service('s3', '2026-10-20T00:00:00Z', [
          action('PutBucketPolicy', '2026-10-20T00:00:00Z'),
          action('DeleteBucketPolicy', null),
          action('GetBucketPolicy', '2026-09-01T00:00:00Z'),
          action('PutBucketTagging', '2026-11-01T12:00:00Z'),
        ]),
      ]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([
      ['s3:PutBucketPolicy', 'used', 'access-advisor:action'],
      ['s3:DeleteBucketPolicy', 'unused', 'access-advisor:action'],
      ['s3:GetBucketPolicy', 'unused', 'access-advisor:action'],
      // After the window: it cannot tell.
      ['s3:PutBucketTagging', 'unknown', 'no-operation'],
      // Not tracked: its service decides, and was used.
      ['s3:GetObjectAnnotation', 'unknown', 'access-advisor:service'],
    ]);
    // A used verdict says Access Advisor counts denied attempts.
    expect(report.actions[0]?.basis).toContain('denied attempts');
    expect(report.actions[0]?.calls).toBe(0);
    expect(advisor).toMatchObject({ settled: { unused: 2, used: 1 }, serviceUsed: 1 });
  });

  it('matches action names ignoring case, with or without the prefix', () => {
    const { report } = settleWithAdvisor(
      diff([line('S3:putbucketpolicy'), line('s3:GetBucketAcl')]),
      snapshot([
        service('S3', '2026-10-20T00:00:00Z', [
          action('PUTBUCKETPOLICY', '2026-10-20T00:00:00Z'),
          action('s3:GetBucketAcl', null),
        ]),
      ]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([
      ['S3:putbucketpolicy', 'used', 'access-advisor:action'],
      ['s3:GetBucketAcl', 'unused', 'access-advisor:action'],
    ]);
  });

  it('trusts "never" only when the 400-day tracking period reaches the window start', () => {
    const old = { startDay: '2025-09-01', endDay: '2026-10-31' }; // 427 days before the snapshot
    const { report } = settleWithAdvisor(
      diff([line('sqs:SendMessage'), line('sns:Publish')]),
      snapshot([service('sqs', null), service('sns', '2025-08-31T00:00:00Z')]),
      old,
    );
    expect(verdicts(report)).toEqual([
      ['sqs:SendMessage', 'unknown', 'no-operation'],
      // A known last access before the window needs no tracking period.
      ['sns:Publish', 'unused', 'access-advisor:service'],
    ]);
    expect(report.actions[0]?.basis).toContain('400-day tracking period');
  });

  // Access Advisor keeps its data per entity: a user or role created in the window (perhaps
  // replacing one of the same name and ARN, as CloudFormation does) has no data before it.
  it('trusts "never" only for a principal created by the window start, a tracked action\'s too', () => {
    const lines = [line('sqs:SendMessage'), line('s3:GetObject')];
    const services = [service('sqs', null), service('s3', null, [action('GetObject', null)])];
    const created = settleWithAdvisor(diff(lines), snapshot(services), WINDOW, '2026-10-20T09:00:00Z');
    expect(verdicts(created.report)).toEqual([
      ['sqs:SendMessage', 'unknown', 'no-operation'],
      ['s3:GetObject', 'unknown', 'no-operation'],
    ]);
    expect(created.report.actions[0]?.basis).toContain(
      'but the principal was created 2026-10-20T09:00:00Z, in the window: its data begins then',
    );
    expect(created.advisor).toMatchObject({ state: 'applied', settled: { unused: 0, used: 0 } });
    // Created at the window's first instant, or before it: "never" covers the whole window.
    for (const createdAt of ['2026-10-01T00:00:00Z', '2025-01-06T09:00:00Z'])
      expect(verdicts(settleWithAdvisor(diff(lines), snapshot(services), WINDOW, createdAt).report)).toEqual([
        ['sqs:SendMessage', 'unused', 'access-advisor:service'],
        ['s3:GetObject', 'unused', 'access-advisor:action'],
      ]);
  });

  it('lets calls of the service in these logs overrule a snapshot that says it was not used', () => {
    const { report } = settleWithAdvisor(
      diff([
        line('lambda:ListFunctions', { status: 'used', calls: 3, recorded: 'management' }),
        line('lambda:GetMicrovm'),
      ]),
      snapshot([service('lambda', '2026-01-01T00:00:00Z')]),
      WINDOW,
    );
    expect(verdicts(report)[1]).toEqual(['lambda:GetMicrovm', 'unknown', 'no-operation']);
    expect(report.actions[1]?.basis).toContain('service used: these logs hold calls of lambda');
  });

  it('never settles iam:PassRole (checked during other services\' calls) nor changes used and "+" lines', () => {
    const input = diff([
      line('iam:PassRole'),
      line('iam:ListUsers', { status: 'used', calls: 1, recorded: 'management' }),
      line('iam:CreateUser', { status: 'ungranted', calls: 1, recorded: 'management' }),
    ]);
    const { report } = settleWithAdvisor(input, snapshot([service('iam', null)]), WINDOW);
    expect(report.actions).toEqual(input.actions);
  });

  it('keeps "-" when Access Advisor saw the action in the window, and says why (denied attempts count)', () => {
    const unused = {
      status: 'unused',
      recorded: 'management',
      evidence: { kind: 'observed', detail: 'demo' },
      basis: 'a management event, which trails log by default',
    } as const;
    const { report, advisor } = settleWithAdvisor(
      diff(
        [line('s3:DeleteBucket', unused), line('s3:CreateBucket', unused)],
        [{ action: 's3:DeleteBucket', calls: 4, lastSeen: '2026-10-26T15:13:56Z' }],
      ),
      snapshot([
        service('s3', '2026-10-26T15:13:56Z', [
          action('DeleteBucket', '2026-10-26T15:13:56Z'),
          action('CreateBucket', '2026-10-10T00:00:00Z'),
        ]),
      ]),
      WINDOW,
    );
    expect(verdicts(report)).toEqual([
      ['s3:DeleteBucket', 'unused', 'observed'],
      ['s3:CreateBucket', 'unused', 'observed'],
    ]);
    expect(report.actions[0]?.basis).toContain(
      'these logs hold 4 refused or failed call(s) of it, which Access Advisor counts',
    );
    expect(report.actions[1]?.basis).toContain(
      'a denied attempt (Access Advisor counts them) or a call these logs miss',
    );
    expect(advisor.settled).toEqual({ unused: 0, used: 0 });
  });

  it('changes nothing with a snapshot that does not cover the window, and says which end would do', () => {
    const input = diff([line('sqs:SendMessage')]);
    const { report, advisor } = settleWithAdvisor(
      input,
      snapshot([service('sqs', null)], '2026-10-31T12:00:00Z'),
      WINDOW,
    );
    expect(report).toBe(input);
    expect(advisor.state).toBe('not-covering');
    // 12:00 less 4 hours is on the 31st: the 30th is the last whole day before it.
    expect(advisor.detail).toContain('end the window on 2026-10-30 or earlier');
  });

  it('settles nothing with a snapshot that has no job completion time, and says why', () => {
    const lines = [line('lambda:GetAccountSettings')];
    const settled = settleWithAdvisor(
      diff(lines),
      { ...snapshot([service('lambda', null)]), jobCompletedAt: null, collectedAt: '2026-11-20T00:00:00Z' },
      WINDOW,
    );
    expect(settled.report.actions).toEqual(lines);
    expect(settled.advisor.state).toBe('not-covering');
    expect(settled.advisor.detail).toContain('has no JobCompletionDate');
  });

  it('says when there is no snapshot', () => {
    const input = diff([line('sqs:SendMessage')]);
    const { report, advisor } = settleWithAdvisor(input, undefined, WINDOW);
    expect(report).toBe(input);
    expect(advisor).toMatchObject({ state: 'no-snapshot', collectedAt: null });
  });
});
