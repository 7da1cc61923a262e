import { describe, expect, it } from 'vitest';

import type { BoundaryPlanDocument } from '../../../src/app/boundary/plan-boundaries.js';
import { renderBoundaryPlanText } from '../../../src/cli/render-boundary-plan.js';

/*
 * The text of a plan says what a reader must not miss: a boundary over the size limit, a used
 * action the boundary would not allow, the `?` actions kept and the `+` ones left out, services
 * allowed whole for lack of room, and why each skipped principal got no boundary.
 */

const ARN = 'arn:aws:iam::111111111111:role/';

const document: BoundaryPlanDocument = {
  schema: 'iamtrail.boundary-plan/v1',
  generatedAt: '2026-11-01T00:00:00.000Z',
  account: { name: 'demo', id: '111111111111' },
  window: { startDay: '2026-10-01', endDay: '2026-10-31' },
  settings: {
    unusedDays: 31,
    level: 'action',
    baseActions: [],
    exclude: ['ci'],
    eventSelectors: null,
    eventSelectorsNotApplied: null,
    eventSelectorsCaution: null,
  },
  coverage: {
    covers: '2026-10-01..2026-10-31 (31 of the 31 days of the period)',
    coversPeriod: true,
    unreadableFiles: 0,
  },
  logs: {
    engine: 'local',
    source: 'local:/logs',
    cache: null,
    engineCalls: 1,
    daysRead: 31,
    daysFromCache: 0,
    filesRead: 10,
    skippedFiles: [],
    unreadableFiles: [],
    coverage: [],
    complete: true,
  },
  accessAdvisor: { principals: 0 },
  principals: [
    {
      type: 'role',
      name: 'big',
      arn: `${ARN}big`,
      currentBoundary: null,
      status: 'planned',
      used: ['s3:GetObject', 'kms:Decrypt'],
      ungranted: ['sqs:SendMessage'],
      unknown: ['s3:PutObject', 's3:DeleteObject'],
      advisorServices: [],
      unknownGrants: [],
      counts: {
        granted: 40,
        proposed: 30,
        usedGranted: 2,
        coveragePercent: 5,
        unknownKept: 2,
        unknownPatternsKept: 0,
      },
      boundary: {
        policyName: 'iamtrail-boundary-big',
        policyArn: 'arn:aws:iam::111111111111:policy/iamtrail-boundary-big',
        document: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: ['s3:*'], Resource: '*' }],
        },
        size: 7000,
        maxChars: 6144,
        fits: false,
        fallbackServices: ['s3'],
      },
      replay: { total: 4, allowed: 3, notAllowed: ['kms:Decrypt'] },
    },
    {
      type: 'role',
      name: 'idle',
      arn: `${ARN}idle`,
      currentBoundary: null,
      status: 'skipped',
      reason: 'no-evidence',
      detail: 'no use seen in the period: never a boundary from no data',
    },
    {
      type: 'user',
      name: 'charlie',
      arn: 'arn:aws:iam::111111111111:user/charlie',
      currentBoundary: 'arn:aws:iam::111111111111:policy/DeveloperBoundary',
      status: 'skipped',
      reason: 'has-boundary',
      detail:
        'has boundary arn:aws:iam::111111111111:policy/DeveloperBoundary iamtrail did not create: a plan would replace it',
    },
    {
      type: 'role',
      name: 'ci',
      arn: `${ARN}ci`,
      currentBoundary: null,
      status: 'skipped',
      reason: 'excluded',
      detail: 'boundary.exclude lists "ci"',
    },
  ],
  totals: { principals: 4, planned: 1, skipped: 3, notFitting: 1, replayFailures: 1 },
};

describe('renderBoundaryPlanText', () => {
  const text = renderBoundaryPlanText(document);
  it.each([
    '  role big: granted 40 → proposed 30 action(s), coverage 5% (2 used of 40 granted)',
    '    policy iamtrail-boundary-big: 7000 of 6144 characters: DOES NOT FIT the managed-policy limit',
    '    replay: 3 of 4 used or kept ? action(s) allowed by the proposed boundary',
    '    NOT ALLOWED (a bug): kms:Decrypt',
    '    kept 2 granted action(s) of unknown use (?): nothing proves them unused',
    '    ungranted used (not in the boundary): sqs:SendMessage',
    '    action level did not fit: allowed whole (service level): s3:*',
    '  role idle: no-evidence: no use seen in the period: never a boundary from no data',
    '  user charlie: has-boundary: has boundary arn:aws:iam::111111111111:policy/DeveloperBoundary iamtrail did not create: a plan would replace it',
    '  role ci: excluded: boundary.exclude lists "ci"',
    'Nothing was changed in AWS. 1 boundary(ies) over the size limit; 1 with a used or kept action not allowed.',
  ])('has the line %s', (line) => {
    expect(text.split('\n')).toContain(line);
  });
});

describe('renderBoundaryPlanText: the event selectors', () => {
  const withSettings = (settings: Partial<BoundaryPlanDocument['settings']>): string[] =>
    renderBoundaryPlanText({ ...document, settings: { ...document.settings, ...settings } }).split('\n');

  it('names the file applied, or says why it was not', () => {
    expect(withSettings({ eventSelectors: 'trail.json' })).toContain('Event selectors: trail.json');
    expect(withSettings({ eventSelectorsNotApplied: 'not applied to account backup' })).toContain(
      'Warning: not applied to account backup',
    );
    expect(
      withSettings({ eventSelectorsCaution: '--organization-trail: account sandbox has its logs only in' }),
    ).toContain('Warning: --organization-trail: account sandbox has its logs only in');
    expect(renderBoundaryPlanText(document)).not.toContain('Event selectors');
    expect(renderBoundaryPlanText(document)).not.toContain('Warning');
  });
});
