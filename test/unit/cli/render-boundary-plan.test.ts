import { describe, expect, it } from 'vitest';

import type { BoundaryPlanDocument } from '../../../src/app/boundary/plan-boundaries.js';
import { renderBoundaryPlanText } from '../../../src/cli/render-boundary-plan.js';

/*
 * The text of a plan says what a reader must not miss: a boundary over the size limit, a used
 * action the boundary would not allow, a boundary that allows nothing, services allowed whole for
 * lack of room, and why each skipped principal got no boundary.
 */

const ARN = 'arn:aws:iam::111111111111:role/';
const denyOnly = { Version: '2012-10-17', Statement: [] } as const;

const document: BoundaryPlanDocument = {
  schema: 'iamtrail.boundary-plan/v1',
  generatedAt: '2026-11-01T00:00:00.000Z',
  account: { name: 'demo', id: '111111111111' },
  window: { startDay: '2026-10-01', endDay: '2026-10-31' },
  settings: { unusedDays: 31, level: 'action', baseActions: [], exclude: ['ci'] },
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
      status: 'planned',
      used: ['s3:GetObject', 'kms:Decrypt'],
      advisorServices: [],
      counts: { granted: 40, proposed: 30, usedGranted: 2, coveragePercent: 5 },
      zeroUse: false,
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
      replay: { total: 2, allowed: 1, notAllowed: ['kms:Decrypt'] },
    },
    {
      type: 'role',
      name: 'idle',
      arn: `${ARN}idle`,
      status: 'planned',
      used: [],
      advisorServices: [],
      counts: { granted: 3, proposed: 0, usedGranted: 0, coveragePercent: 0 },
      zeroUse: true,
      boundary: {
        policyName: 'iamtrail-boundary-idle',
        policyArn: 'arn:aws:iam::111111111111:policy/iamtrail-boundary-idle',
        document: denyOnly,
        size: 400,
        maxChars: 6144,
        fits: true,
        fallbackServices: [],
      },
      replay: { total: 0, allowed: 0, notAllowed: [] },
    },
    {
      type: 'role',
      name: 'ci',
      arn: `${ARN}ci`,
      status: 'skipped',
      reason: 'excluded',
      detail: 'boundary.exclude lists "ci"',
    },
  ],
  totals: { principals: 3, planned: 2, skipped: 1, notFitting: 1, replayFailures: 1 },
};

describe('renderBoundaryPlanText', () => {
  const text = renderBoundaryPlanText(document);
  it.each([
    '  role big: granted 40 → proposed 30 action(s), coverage 5% (2 used of 40 granted)',
    '    policy iamtrail-boundary-big: 7000 of 6144 characters: DOES NOT FIT the managed-policy limit',
    '    replay: 1 of 2 used action(s) allowed by the proposed boundary',
    '    NOT ALLOWED (a bug): kms:Decrypt',
    '    action level did not fit: allowed whole (service level): s3:*',
    '    no use in the whole period: the boundary allows the base actions only (none configured: it allows nothing)',
    '  role ci: excluded: boundary.exclude lists "ci"',
    'Nothing was changed in AWS. 1 boundary(ies) over the size limit; 1 with a used action not allowed.',
  ])('has the line %s', (line) => {
    expect(text.split('\n')).toContain(line);
  });
});
