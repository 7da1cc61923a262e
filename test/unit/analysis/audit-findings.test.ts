import { describe, expect, it } from 'vitest';

import {
  atOrAbove,
  buildFindings,
  findingId,
  FINDING_SEVERITIES,
} from '../../../src/analysis/audit-findings.js';
import type {
  FindingsAccessKey,
  FindingsAccount,
  FindingsInput,
  FindingsRole,
  FindingsTrail,
  FindingsUser,
  FindingType,
} from '../../../src/analysis/audit-findings.js';
import type { CredentialReportRow } from '../../../src/iam/credential-report.js';

/** The window ends on 2026-10-31: the audit is as of 2026-11-01T00:00Z; 90 days before is 2026-08-03T00:00Z. */
const AS_OF = '2026-11-01T00:00:00.000Z';
const PERIOD_START = '2026-08-03T00:00:00.000Z';
const DAY_BEFORE_START = '2026-08-02T23:59:59.000Z';
const DAY_AFTER_START = '2026-08-04T00:00:00.000Z';
const LONG_AGO = '2024-01-01T00:00:00Z';
const RECENT = '2026-10-20T10:00:00Z';
const ACCOUNT = '111111111111';

function row(user: string, overrides: Partial<CredentialReportRow> = {}): CredentialReportRow {
  return {
    user,
    arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
    isRoot: false,
    userCreationTime: LONG_AGO,
    passwordEnabled: false,
    passwordLastUsed: null,
    passwordLastUsedState: 'no-password',
    passwordLastChanged: null,
    passwordNextRotation: null,
    mfaActive: false,
    accessKeys: [],
    certificates: [],
    ...overrides,
  };
}

function key(overrides: Partial<FindingsAccessKey> = {}): FindingsAccessKey {
  return {
    slot: 1,
    accessKeyId: 'AKIAEXAMPLE1',
    status: 'Active',
    created: '2026-10-01T00:00:00Z',
    lastUsedDate: RECENT,
    lastUsedService: 's3',
    ...overrides,
  };
}

function user(
  name: string,
  overrides: Partial<CredentialReportRow> = {},
  keys: FindingsAccessKey[] = [],
): FindingsUser {
  return { report: row(name, overrides), accessKeys: keys, tags: {} };
}

function role(name: string, overrides: Partial<FindingsRole> = {}): FindingsRole {
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    path: '/',
    createDate: LONG_AGO,
    lastUsed: null,
    lastUsedKnown: true,
    tags: {},
    ...overrides,
  };
}

function trail(overrides: Partial<FindingsTrail> = {}): FindingsTrail {
  return {
    covers: '2026-08-03..2026-10-31 (90 of 90 days)',
    coversPeriod: true,
    lastActivity: new Map(),
    verdicts: new Map(),
    ...overrides,
  };
}

function account(overrides: Partial<FindingsAccount> = {}): FindingsAccount {
  return { id: ACCOUNT, name: 'demo', users: [], roles: [], trail: null, ...overrides };
}

function run(accounts: FindingsAccount[], overrides: Partial<FindingsInput> = {}) {
  return buildFindings({
    accounts,
    asOf: AS_OF,
    window: { startDay: '2026-08-03', endDay: '2026-10-31' },
    unusedDays: 90,
    keyMaxAgeDays: 90,
    suppressions: [],
    ...overrides,
  });
}

/** The (type, resource) pairs of the findings, sorted. */
function found(accounts: FindingsAccount[], overrides: Partial<FindingsInput> = {}): string[] {
  return run(accounts, overrides)
    .findings.map(
      (finding) => `${finding.findingType} ${finding.resource.slice(finding.resource.lastIndexOf(':') + 1)}`,
    )
    .sort();
}

function ofType(type: FindingType, accounts: FindingsAccount[], overrides: Partial<FindingsInput> = {}) {
  return run(accounts, overrides).findings.filter((finding) => finding.findingType === type);
}

describe('UnusedIAMRole', () => {
  const cases: { name: string; role: Partial<FindingsRole>; trailUse?: string; expected: boolean }[] = [
    {
      name: 'RoleLastUsed the second before the period',
      role: { lastUsed: DAY_BEFORE_START },
      expected: true,
    },
    { name: 'RoleLastUsed at the start of the period', role: { lastUsed: PERIOD_START }, expected: false },
    { name: 'RoleLastUsed a day into the period', role: { lastUsed: DAY_AFTER_START }, expected: false },
    { name: 'RoleLastUsed none', role: { lastUsed: null }, expected: true },
    {
      name: 'created at the start of the period (existed for all of it)',
      role: { createDate: PERIOD_START },
      expected: true,
    },
    {
      name: 'created a second after the start (not judged)',
      role: { createDate: '2026-08-03T00:00:01Z' },
      expected: false,
    },
    { name: 'creation unknown (not judged)', role: { createDate: null }, expected: false },
    {
      name: 'service-linked (not judged)',
      role: { path: '/aws-service-role/support.amazonaws.com/' },
      expected: false,
    },
    { name: 'unused by IAM, used in the logs', role: {}, trailUse: RECENT, expected: false },
    {
      name: 'unused by IAM, last call in the logs before the period',
      role: {},
      trailUse: DAY_BEFORE_START,
      expected: true,
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      const target = role('app', entry.role);
      const lastActivity = new Map(entry.trailUse === undefined ? [] : [[target.arn, entry.trailUse]]);
      expect(found([account({ roles: [target], trail: trail({ lastActivity }) })])).toEqual(
        entry.expected ? ['UnusedIAMRole role/app'] : [],
      );
    });

  it('with logs on part of the period, rests on RoleLastUsed and says so; the logs never make it unused alone', () => {
    const partial = trail({ coversPeriod: false, covers: '2026-10-01..2026-10-31 (31 of 90 days)' });
    const [finding] = ofType('UnusedIAMRole', [account({ roles: [role('app')], trail: partial })]);
    expect(finding?.evidence.map((entry) => entry.source)).toEqual(['role-last-used', 'cloudtrail']);
    expect(finding?.evidence[1]?.detail).toContain('do not cover the whole period');
    expect(finding?.evidence[1]?.detail).toContain('rests on IAM alone');
    // RoleLastUsed says used: nothing, whatever the logs lack.
    expect(found([account({ roles: [role('app', { lastUsed: RECENT })], trail: partial })])).toEqual([]);
  });

  it('carries Access Analyzer details with the last access', () => {
    const [finding] = ofType('UnusedIAMRole', [
      account({ roles: [role('app', { lastUsed: '2026-05-01T00:00:00Z' })] }),
    ]);
    expect(finding?.findingDetails).toEqual([
      { unusedIamRoleDetails: { lastAccessed: '2026-05-01T00:00:00Z' } },
    ]);
    expect(finding?.severity).toBe('medium');
    expect(finding?.resourceType).toBe('AWS::IAM::Role');
    expect(finding?.evidence[1]?.detail).toBe(
      'CloudTrail evidence was not used: the finding rests on IAM alone',
    );
  });
});

describe('UnusedIAMUserAccessKey', () => {
  const cases: { name: string; key: Partial<FindingsAccessKey>; expected: boolean }[] = [
    {
      name: 'last used the second before the period',
      key: { lastUsedDate: DAY_BEFORE_START },
      expected: true,
    },
    { name: 'last used at the start of the period', key: { lastUsedDate: PERIOD_START }, expected: false },
    { name: 'last used a day into the period', key: { lastUsedDate: DAY_AFTER_START }, expected: false },
    {
      name: 'never used, created before the period',
      key: { lastUsedDate: null, created: DAY_BEFORE_START },
      expected: true,
    },
    {
      name: 'never used, created at the start',
      key: { lastUsedDate: null, created: PERIOD_START },
      expected: false,
    },
    {
      name: 'never used, created in the period',
      key: { lastUsedDate: null, created: DAY_AFTER_START },
      expected: false,
    },
    {
      name: 'inactive, unused for years',
      key: { status: 'Inactive', lastUsedDate: LONG_AGO },
      expected: false,
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      const findings = ofType('UnusedIAMUserAccessKey', [
        account({ users: [user('bob', {}, [key({ created: LONG_AGO, ...entry.key })])] }),
      ]);
      expect(findings.length).toBe(entry.expected ? 1 : 0);
    });

  it('names the key by its id, or <user>:key<slot> when only a report file gave it', () => {
    const findings = ofType('UnusedIAMUserAccessKey', [
      account({
        users: [
          user('bob', {}, [key({ accessKeyId: 'AKIABOB', lastUsedDate: null, created: LONG_AGO })]),
          user('carol', {}, [key({ slot: 2, accessKeyId: null, lastUsedDate: LONG_AGO, created: LONG_AGO })]),
        ],
      }),
    ]);
    expect(findings.map((finding) => finding.findingDetails)).toEqual([
      [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'AKIABOB', lastAccessed: null } }],
      [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'carol:key2', lastAccessed: LONG_AGO } }],
    ]);
    expect(findings.every((finding) => finding.severity === 'high')).toBe(true);
  });
});

describe('AccessKeyNotRotated', () => {
  // 2026-11-01 minus 90 days is 2026-08-03: a key created before that instant is more than 90 days old.
  const cases = [
    { created: '2026-08-02T00:00:00Z', expected: 1 },
    // 90 days 23 hours 59 minutes 59 seconds old: more than 90 days, though 90 whole days.
    { created: '2026-08-02T00:00:01Z', expected: 1 },
    { created: '2026-08-02T23:59:59Z', expected: 1 },
    { created: '2026-08-03T00:00:00Z', expected: 0 },
    { created: '2026-08-04T00:00:00Z', expected: 0 },
  ];
  for (const entry of cases)
    it(`an active key created ${entry.created}`, () => {
      const users = [user('bob', {}, [key({ created: entry.created })])];
      expect(ofType('AccessKeyNotRotated', [account({ users })]).length).toBe(entry.expected);
      // An inactive key is not judged.
      const inactive = [user('bob', {}, [key({ created: entry.created, status: 'Inactive' })])];
      expect(ofType('AccessKeyNotRotated', [account({ users: inactive })]).length).toBe(0);
    });

  it('titles a key of 90 whole days and some hours as more than 90 days old, with its creation time', () => {
    const users = [user('bob', {}, [key({ created: '2026-08-02T00:00:01Z' })])];
    const [finding] = ofType('AccessKeyNotRotated', [account({ users })]);
    expect(finding?.title).toBe(
      'active access key AKIAEXAMPLE1 of bob is more than 90 days old (created 2026-08-02T00:00:01Z)',
    );
    const older = [user('bob', {}, [key({ created: '2026-07-01T00:00:00Z' })])];
    expect(ofType('AccessKeyNotRotated', [account({ users: older })])[0]?.title).toBe(
      'active access key AKIAEXAMPLE1 of bob is 123 days old (more than 90)',
    );
  });

  it('follows --key-max-age', () => {
    const users = [user('bob', {}, [key({ created: '2026-10-01T00:00:00Z' })])];
    expect(ofType('AccessKeyNotRotated', [account({ users })], { keyMaxAgeDays: 30 }).length).toBe(1);
    expect(ofType('AccessKeyNotRotated', [account({ users })], { keyMaxAgeDays: 31 }).length).toBe(0);
  });
});

describe('credential rules', () => {
  it('TwoActiveAccessKeys: two active keys, not one active and one inactive', () => {
    const two = [key(), key({ slot: 2, accessKeyId: 'AKIAEXAMPLE2' })];
    expect(ofType('TwoActiveAccessKeys', [account({ users: [user('bob', {}, two)] })]).length).toBe(1);
    const oneActive = [key(), key({ slot: 2, accessKeyId: 'AKIAEXAMPLE2', status: 'Inactive' })];
    expect(ofType('TwoActiveAccessKeys', [account({ users: [user('bob', {}, oneActive)] })]).length).toBe(0);
  });

  it('ConsolePasswordWithoutMfa: a password and no MFA', () => {
    const users = [
      user('nomfa', { passwordEnabled: true, passwordLastUsed: RECENT, passwordLastUsedState: 'used' }),
      user('mfa', {
        passwordEnabled: true,
        passwordLastUsed: RECENT,
        passwordLastUsedState: 'used',
        mfaActive: true,
      }),
      user('nopassword'),
    ];
    expect(
      ofType('ConsolePasswordWithoutMfa', [account({ users })]).map((finding) => finding.resource),
    ).toEqual([`arn:aws:iam::${ACCOUNT}:user/nomfa`]);
  });

  const passwordCases: { name: string; report: Partial<CredentialReportRow>; expected: boolean }[] = [
    {
      name: 'used the second before the period',
      report: { passwordLastUsed: DAY_BEFORE_START },
      expected: true,
    },
    { name: 'used at the start of the period', report: { passwordLastUsed: PERIOD_START }, expected: false },
    { name: 'used a day into the period', report: { passwordLastUsed: DAY_AFTER_START }, expected: false },
    { name: 'never used, set long ago', report: { passwordLastChanged: LONG_AGO }, expected: true },
    {
      name: 'never used, set in the period',
      report: { passwordLastChanged: DAY_AFTER_START },
      expected: false,
    },
    { name: 'user created in the period', report: { userCreationTime: DAY_AFTER_START }, expected: false },
  ];
  for (const entry of passwordCases)
    it(`UnusedIAMUserPassword: ${entry.name}`, () => {
      const users = [user('dan', { passwordEnabled: true, mfaActive: true, ...entry.report })];
      expect(ofType('UnusedIAMUserPassword', [account({ users })]).length).toBe(entry.expected ? 1 : 0);
    });
});

describe('UnusedIAMUser', () => {
  it('no password use, no key use and no call in the period', () => {
    const idle = user(
      'idle',
      { passwordEnabled: true, passwordLastUsed: DAY_BEFORE_START, mfaActive: true },
      [key({ lastUsedDate: DAY_BEFORE_START, status: 'Inactive' })],
    );
    const keyUser = user('keyuser', {}, [key({ lastUsedDate: PERIOD_START })]);
    const consoleUser = user('console', {
      passwordEnabled: true,
      passwordLastUsed: DAY_AFTER_START,
      mfaActive: true,
    });
    const callsOnly = user('calls');
    const young = user('young', { userCreationTime: DAY_AFTER_START });
    const lastActivity = new Map([[callsOnly.report.arn, RECENT]]);
    const result = ofType('UnusedIAMUser', [
      account({ users: [idle, keyUser, consoleUser, callsOnly, young], trail: trail({ lastActivity }) }),
    ]);
    expect(result.map((finding) => finding.resource)).toEqual([idle.report.arn]);
  });

  describe('a key created (rotated) in the period: an earlier key, now deleted, may have been used in it', () => {
    // The credential report keeps no trace of a deleted key: IAM alone cannot show the user unused.
    const rotated = (status: 'Active' | 'Inactive' = 'Active') =>
      user('rotated', {}, [key({ created: '2026-10-15T00:00:00Z', lastUsedDate: null, status })]);
    const cases: { name: string; target: FindingsUser; trail: FindingsTrail | null; expected: boolean }[] = [
      { name: 'no logs', target: rotated(), trail: null, expected: false },
      {
        name: 'logs on part of the period, no call',
        target: rotated(),
        trail: trail({ coversPeriod: false, covers: '2026-10-01..2026-10-31 (31 of 90 days)' }),
        expected: false,
      },
      { name: 'logs on the whole period, no call', target: rotated(), trail: trail(), expected: true },
      {
        name: 'an inactive key created in the period, no logs',
        target: rotated('Inactive'),
        trail: null,
        expected: false,
      },
      {
        name: 'the key created the second before the period, no logs',
        target: user('kept', {}, [key({ created: DAY_BEFORE_START, lastUsedDate: null })]),
        trail: null,
        expected: true,
      },
      {
        name: 'the key created at the start of the period, no logs',
        target: user('kept', {}, [key({ created: PERIOD_START, lastUsedDate: null })]),
        trail: null,
        expected: false,
      },
    ];
    for (const entry of cases)
      it(entry.name, () => {
        expect(ofType('UnusedIAMUser', [account({ users: [entry.target], trail: entry.trail })]).length).toBe(
          entry.expected ? 1 : 0,
        );
      });

    it('with logs on the whole period, the evidence says the logs decide', () => {
      const [finding] = ofType('UnusedIAMUser', [account({ users: [rotated()], trail: trail() })]);
      expect(finding?.evidence.map((entry) => entry.detail)).toEqual([
        'access_key_1 created 2026-10-15T00:00:00Z, in the period 2026-08-03..2026-10-31: a key it replaced may have been used in the period, which the credential report no longer shows (password last used never, keys last used never)',
        'no call in the logs of the whole period 2026-08-03..2026-10-31',
      ]);
    });
  });

  it('missing logs: the report alone decides and the evidence says the logs do not cover the period', () => {
    const partial = trail({ coversPeriod: false, covers: '2026-10-25..2026-10-31 (7 of 90 days)' });
    const [finding] = ofType('UnusedIAMUser', [account({ users: [user('idle')], trail: partial })]);
    expect(finding?.evidence[1]?.detail).toContain('the logs do not cover the whole period');
  });
});

describe('root', () => {
  const root = (overrides: Partial<CredentialReportRow>, keys: FindingsAccessKey[] = []): FindingsUser =>
    user(
      '<root_account>',
      { isRoot: true, arn: `arn:aws:iam::${ACCOUNT}:root`, passwordEnabled: null, ...overrides },
      keys,
    );

  it('RootAccessKey: an active key is critical; an inactive one is nothing', () => {
    const [finding] = ofType('RootAccessKey', [
      account({ users: [root({}, [key({ lastUsedDate: null })])] }),
    ]);
    expect(finding?.severity).toBe('critical');
    expect(finding?.resource).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(ofType('RootAccessKey', [account({ users: [root({}, [key({ status: 'Inactive' })])] })])).toEqual(
      [],
    );
  });

  it('root is never judged by the user rules (no UnusedIAMUser, no password rules)', () => {
    expect(found([account({ users: [root({ mfaActive: true })] })])).toEqual([]);
  });

  it('RootWithoutMfa: mfa_active false on the root row is high, whatever password_enabled says (not_supported)', () => {
    // The credential report writes not_supported in password_enabled for root: the root user
    // always has a password unless it was deleted, so mfa_active alone decides (Security Hub IAM.9).
    expect(found([account({ users: [root({ mfaActive: false })] })])).toEqual(['RootWithoutMfa root']);
    const [finding] = ofType('RootWithoutMfa', [account({ users: [root({ mfaActive: false })] })]);
    expect(finding?.severity).toBe('high');
    expect(finding?.resource).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(finding?.evidence.map((entry) => [entry.source, entry.detail])).toEqual([
      ['credential-report', 'mfa_active: false on the <root_account> row'],
    ]);
    // An IAM user without a password and without MFA is no finding: only root is judged so.
    expect(
      ofType('RootWithoutMfa', [account({ users: [user('nopassword', { mfaActive: false })] })]),
    ).toEqual([]);
  });

  const window = { startDay: '2026-10-01', endDay: '2026-10-31' };
  const cases = [
    {
      name: "password used on the window's last day",
      report: { passwordLastUsed: '2026-10-31T23:59:00Z' },
      expected: 1,
    },
    {
      name: 'password used on its first day',
      report: { passwordLastUsed: '2026-10-01T00:00:00Z' },
      expected: 1,
    },
    {
      name: 'password used the day before',
      report: { passwordLastUsed: '2026-09-30T23:59:00Z' },
      expected: 0,
    },
    {
      name: 'password used the day after',
      report: { passwordLastUsed: '2026-11-01T00:00:00Z' },
      expected: 0,
    },
  ];
  for (const entry of cases)
    it(`RootUsed: ${entry.name}`, () => {
      expect(ofType('RootUsed', [account({ users: [root(entry.report)] })], { window }).length).toBe(
        entry.expected,
      );
    });

  it('RootUsed from calls of the root actor in the logs', () => {
    const lastActivity = new Map([[`arn:aws:iam::${ACCOUNT}:root`, '2026-10-12T08:00:00Z']]);
    const [finding] = ofType('RootUsed', [account({ users: [root({})], trail: trail({ lastActivity }) })], {
      window,
    });
    expect(finding?.evidence.map((entry) => entry.source)).toEqual(['cloudtrail']);
    expect(finding?.severity).toBe('high');
  });
});

describe('UnusedPermission', () => {
  const app = role('app', { lastUsed: RECENT });
  const verdicts = (unused: string[]) =>
    new Map([[app.arn, { arn: app.arn, unused, advisorDecided: [], advisor: undefined }]]);

  it('one finding per service of the "-" actions', () => {
    const result = ofType('UnusedPermission', [
      account({
        roles: [app],
        trail: trail({ verdicts: verdicts(['s3:PutObject', 'ec2:RunInstances', 's3:DeleteObject']) }),
      }),
    ]);
    expect(result.map((finding) => finding.findingDetails)).toEqual([
      [
        {
          unusedPermissionDetails: {
            serviceNamespace: 'ec2',
            lastAccessed: null,
            actions: [{ action: 'ec2:RunInstances', lastAccessed: null }],
          },
        },
      ],
      [
        {
          unusedPermissionDetails: {
            serviceNamespace: 's3',
            lastAccessed: null,
            actions: [
              { action: 's3:DeleteObject', lastAccessed: null },
              { action: 's3:PutObject', lastAccessed: null },
            ],
          },
        },
      ],
    ]);
    expect(result.every((finding) => finding.severity === 'low')).toBe(true);
  });

  it('no "-" line (only "?" or used): no finding', () => {
    expect(
      ofType('UnusedPermission', [account({ roles: [app], trail: trail({ verdicts: verdicts([]) }) })]),
    ).toEqual([]);
  });

  it('logs on part of the period, or no CloudTrail evidence: no finding', () => {
    const partial = trail({ coversPeriod: false, verdicts: verdicts(['s3:PutObject']) });
    expect(ofType('UnusedPermission', [account({ roles: [app], trail: partial })])).toEqual([]);
    expect(ofType('UnusedPermission', [account({ roles: [app], trail: null })])).toEqual([]);
  });

  it("takes the actions' last access from Access Advisor", () => {
    const advisor = {
      accountId: ACCOUNT,
      arn: app.arn,
      entityType: 'role' as const,
      collectedAt: '2026-11-02T00:00:00Z',
      jobCompletedAt: '2026-11-02T00:00:00Z',
      origin: 'api',
      services: [
        {
          serviceNamespace: 's3',
          serviceName: 'Amazon S3',
          lastAuthenticated: '2026-03-01T00:00:00Z',
          lastAuthenticatedEntity: null,
          lastAuthenticatedRegion: null,
          totalAuthenticatedEntities: 1,
          trackedActions: [
            {
              actionName: 'PutObject',
              lastAccessed: '2026-03-01T00:00:00Z',
              lastAccessedEntity: null,
              lastAccessedRegion: null,
            },
          ],
        },
      ],
    };
    const [finding] = ofType('UnusedPermission', [
      account({
        roles: [app],
        trail: trail({
          verdicts: new Map([
            [app.arn, { arn: app.arn, unused: ['s3:PutObject'], advisorDecided: [], advisor }],
          ]),
        }),
      }),
    ]);
    expect(finding?.findingDetails).toEqual([
      {
        unusedPermissionDetails: {
          serviceNamespace: 's3',
          lastAccessed: '2026-03-01T00:00:00Z',
          actions: [{ action: 's3:PutObject', lastAccessed: '2026-03-01T00:00:00Z' }],
        },
      },
    ]);
    expect(finding?.evidence.map((entry) => entry.source)).toEqual(['cloudtrail', 'access-advisor']);
    expect(finding?.evidence[0]?.detail).toBe(
      'verdict "-": granted, no call in the logs of the whole period 2026-08-03..2026-10-31, and the trail records them',
    );
  });

  it('says which "-" Access Advisor decided (the trail does not record those actions) and what it said', () => {
    // The trail records s3:PutObject (its "-" is the logs'); Access Advisor decided
    // s3:PutAccountPublicAccessBlock by its own last access, and sqs:SendMessage by sqs's.
    const advisor = {
      accountId: ACCOUNT,
      arn: app.arn,
      entityType: 'role' as const,
      collectedAt: '2026-11-02T06:00:00Z',
      jobCompletedAt: '2026-11-02T06:00:00Z',
      origin: 'api',
      services: [
        {
          serviceNamespace: 's3',
          serviceName: 'Amazon S3',
          lastAuthenticated: RECENT,
          lastAuthenticatedEntity: null,
          lastAuthenticatedRegion: null,
          totalAuthenticatedEntities: 1,
          trackedActions: [
            {
              actionName: 'PutAccountPublicAccessBlock',
              lastAccessed: '2026-06-01T00:00:00Z',
              lastAccessedEntity: null,
              lastAccessedRegion: null,
            },
          ],
        },
        {
          serviceNamespace: 'sqs',
          serviceName: 'Amazon SQS',
          lastAuthenticated: '2026-03-01T00:00:00Z',
          lastAuthenticatedEntity: null,
          lastAuthenticatedRegion: null,
          totalAuthenticatedEntities: 1,
        },
      ],
    };
    const unused = ['s3:PutObject', 's3:PutAccountPublicAccessBlock', 'sqs:SendMessage'];
    const advisorDecided = ['s3:PutAccountPublicAccessBlock', 'sqs:SendMessage'];
    const [s3, sqs] = ofType('UnusedPermission', [
      account({
        roles: [app],
        trail: trail({ verdicts: new Map([[app.arn, { arn: app.arn, unused, advisorDecided, advisor }]]) }),
      }),
    ]);
    expect(s3?.evidence.map((entry) => [entry.source, entry.detail, entry.lastUsed])).toEqual([
      [
        'cloudtrail',
        'verdict "-" for 1 of the 2 actions (s3:PutObject): granted, no call in the logs of the whole period 2026-08-03..2026-10-31, and the trail records them',
        null,
      ],
      [
        'access-advisor',
        'verdict "-" for 1 of the 2 actions (s3:PutAccountPublicAccessBlock), which the trail does not record: the Access Advisor snapshot as of 2026-11-02T06:00:00Z shows no access in the window 2026-08-03..2026-10-31: 1 tracked action(s) not accessed in it (the last access of each is in the details); it considers identity policies only',
        '2026-06-01T00:00:00Z',
      ],
      ['access-advisor', `s3 last authenticated ${RECENT}`, RECENT],
    ]);
    // No line of sqs is the logs': no "the trail records them".
    expect(sqs?.evidence.map((entry) => [entry.source, entry.detail, entry.lastUsed])).toEqual([
      [
        'access-advisor',
        'verdict "-" for the 1 action (sqs:SendMessage), which the trail does not record: the Access Advisor snapshot as of 2026-11-02T06:00:00Z shows no access in the window 2026-08-03..2026-10-31: sqs last authenticated 2026-03-01T00:00:00Z, before it; it considers identity policies only',
        '2026-03-01T00:00:00Z',
      ],
      ['access-advisor', 'sqs last authenticated 2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ]);
  });
});

describe('suppressions', () => {
  const tagged: FindingsRole = role('ci', { tags: { owner: 'platform' } });
  const plain = role('app');
  const accounts = [account({ roles: [tagged, plain] })];

  const cases: { name: string; rule: FindingsInput['suppressions'][number]; left: string[] }[] = [
    { name: 'by account name', rule: { accounts: ['demo'] }, left: [] },
    { name: 'by account id', rule: { accounts: [ACCOUNT] }, left: [] },
    {
      name: 'another account',
      rule: { accounts: ['222222222222'] },
      left: ['UnusedIAMRole role/app', 'UnusedIAMRole role/ci'],
    },
    { name: 'by ARN pattern', rule: { arnPattern: ':role/c' }, left: ['UnusedIAMRole role/app'] },
    { name: 'by tag key', rule: { tag: { key: 'owner' } }, left: ['UnusedIAMRole role/app'] },
    {
      name: 'by tag key and other value',
      rule: { tag: { key: 'owner', value: 'data' } },
      left: ['UnusedIAMRole role/app', 'UnusedIAMRole role/ci'],
    },
    {
      name: 'by finding type',
      rule: { findingTypes: ['UnusedIAMUser'] },
      left: ['UnusedIAMRole role/app', 'UnusedIAMRole role/ci'],
    },
    {
      name: 'every field must match',
      rule: { arnPattern: 'ci$', findingTypes: ['UnusedIAMRole'] },
      left: ['UnusedIAMRole role/app'],
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      expect(found(accounts, { suppressions: [entry.rule] })).toEqual(entry.left);
    });

  it('counts what it hid by type', () => {
    expect(run(accounts, { suppressions: [{ arnPattern: '.' }] }).suppressed).toEqual({ UnusedIAMRole: 2 });
  });
});

describe('finding ids and severities', () => {
  it('an id is stable and differs by type, resource and key', () => {
    const id = findingId('UnusedIAMUserAccessKey', 'arn:aws:iam::1:user/a', 'AKIA1');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(findingId('UnusedIAMUserAccessKey', 'arn:aws:iam::1:user/a', 'AKIA1')).toBe(id);
    expect(findingId('UnusedIAMUserAccessKey', 'arn:aws:iam::1:user/a', 'AKIA2')).not.toBe(id);
    expect(findingId('AccessKeyNotRotated', 'arn:aws:iam::1:user/a', 'AKIA1')).not.toBe(id);
  });

  it('findings come most severe first', () => {
    const users = [
      user('<root_account>', { isRoot: true, arn: `arn:aws:iam::${ACCOUNT}:root` }, [key()]),
      user('bob', { passwordEnabled: true, passwordLastUsed: RECENT }),
    ];
    const severities = run([account({ users, roles: [role('app')] })]).findings.map(
      (finding) => finding.severity,
    );
    // The root key was used in the window: RootUsed too; the root row has no MFA: RootWithoutMfa.
    expect(severities).toEqual(['critical', 'high', 'high', 'high', 'medium']);
    expect(atOrAbove(FINDING_SEVERITIES.UnusedPermission, 'low')).toBe(true);
    expect(atOrAbove(FINDING_SEVERITIES.UnusedIAMRole, 'high')).toBe(false);
  });
});

describe('evidence older than the audit (a credential report file)', () => {
  it('judges the account as of its evidence: nothing after it counts as unused', () => {
    // A key last used on 2026-09-01: unused for 90 days as of 2026-12-01, not as of 2026-11-01.
    const users = [
      user('bob', {}, [key({ created: '2025-01-01T00:00:00Z', lastUsedDate: '2026-09-01T00:00:00Z' })]),
    ];
    const later = {
      asOf: '2026-12-01T00:00:00.000Z',
      window: { startDay: '2026-09-02', endDay: '2026-11-30' },
    };
    expect(ofType('UnusedIAMUserAccessKey', [account({ users })], later).length).toBe(1);
    expect(ofType('UnusedIAMUserAccessKey', [account({ users, evidenceAsOf: AS_OF })], later).length).toBe(0);
    // Key age too is counted to the evidence's time: created 2026-08-01, 122 days old on 2026-12-01, 75 on 2026-10-15.
    const young = [user('ann', {}, [key({ created: '2026-08-01T00:00:00Z', lastUsedDate: AS_OF })])];
    expect(ofType('AccessKeyNotRotated', [account({ users: young })], later).length).toBe(1);
    expect(
      ofType(
        'AccessKeyNotRotated',
        [account({ users: young, evidenceAsOf: '2026-10-15T00:00:00.000Z' })],
        later,
      ).length,
    ).toBe(0);
  });
});

describe('RoleLastUsed absent from the IAM data', () => {
  it('is no evidence: no UnusedIAMRole (and the logs never make one alone)', () => {
    const roles = [role('app', { lastUsedKnown: false })];
    expect(ofType('UnusedIAMRole', [account({ roles })]).length).toBe(0);
    expect(ofType('UnusedIAMRole', [account({ roles, trail: trail() })]).length).toBe(0);
    expect(ofType('UnusedIAMRole', [account({ roles: [role('app')] })]).length).toBe(1);
  });
});
