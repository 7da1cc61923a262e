import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { datasetRecords } from '../../../scripts/lib/dataset-records.mjs';
import {
  EventSelectorsError,
  parseEventSelectors,
  organizationTrailCaution,
  selectorsForAccount,
  selectorsNotApplied,
} from '../../../src/analysis/event-selectors.js';
import {
  callDirection,
  createRecordingJudge,
  inferLoggedEvidence,
  isReadOnlySuspected,
  isWriteOnlySuspected,
} from '../../../src/analysis/trail-recording.js';
import type { LoggedEvidence } from '../../../src/analysis/trail-recording.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../../helpers/paths.js';

const { catalog, mapper } = loadActionData();
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/event-selectors', name), 'utf8')) as unknown;
const selectorsOf = (name: string) => parseEventSelectors(fixture(name), name);
const BOTH = { read: true, write: true };
/** Evidence of both management directions, of these services' events and of no data type. */
const managementOf = (
  management: { read: boolean; write: boolean },
  services: readonly string[] = ['ec2', 'iam'],
): LoggedEvidence => ({
  dataTypesLogged: new Map(),
  management,
  servicesLogged: new Map(services.map((service) => [service, BOTH])),
});
const NOTHING_LOGGED = managementOf(BOTH);
/** Both directions of management events, and KMS's writes only (a trail leaving out KMS's reads). */
const KMS_WRITES_ONLY: LoggedEvidence = {
  ...managementOf(BOTH),
  servicesLogged: new Map([
    ['ec2', BOTH],
    ['kms', { read: false, write: true }],
  ]),
};

describe('inferLoggedEvidence', () => {
  it('finds the data types of the logged events and a trail that holds reads', () => {
    const logged = inferLoggedEvidence(
      [
        { eventSource: 's3.amazonaws.com', eventName: 'GetObject' },
        { eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances' },
        { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' },
      ],
      mapper,
      catalog,
    );
    expect(Object.fromEntries(logged.dataTypesLogged)).toEqual({
      'AWS::S3::Object': { read: true, write: false },
    });
    expect(logged.management).toEqual(BOTH);
  });

  it('suspects a write-only trail when management calls hold no read', () => {
    const logged = inferLoggedEvidence(
      [
        { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' },
        { eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' },
      ],
      mapper,
      catalog,
    );
    expect(isWriteOnlySuspected(logged)).toBe(true);
    expect(isReadOnlySuspected(logged)).toBe(false);
  });

  it('suspects a read-only trail when management calls hold no write', () => {
    const logged = inferLoggedEvidence(
      [{ eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances' }],
      mapper,
      catalog,
    );
    expect(isReadOnlySuspected(logged)).toBe(true);
  });

  it('takes KMS cryptographic calls and AssumeRole for the reads CloudTrail marks them', () => {
    // Real records of these say readOnly: true though IAM's access level is Write: with them and
    // reads only, the trail still looks read-only.
    const logged = inferLoggedEvidence(
      [
        { eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances' },
        { eventSource: 'kms.amazonaws.com', eventName: 'Decrypt' },
        { eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole' },
      ],
      mapper,
      catalog,
    );
    expect(logged.management).toEqual({ read: true, write: false });
    expect(isReadOnlySuspected(logged)).toBe(true);
    expect(Object.fromEntries(logged.servicesLogged)).toEqual({
      ec2: { read: true, write: false },
      kms: { read: true, write: false },
      sts: { read: true, write: false },
    });
  });

  it('counts no KMS write for a ReEncrypt (a cryptographic call), so unused KMS writes stay "?"', () => {
    const logged = inferLoggedEvidence(
      [
        { eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances' },
        { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' },
        { eventSource: 'kms.amazonaws.com', eventName: 'Decrypt' },
        { eventSource: 'kms.amazonaws.com', eventName: 'ReEncrypt' },
      ],
      mapper,
      catalog,
    );
    expect(logged.servicesLogged.get('kms')).toEqual({ read: true, write: false });
    const judge = createRecordingJudge(catalog, mapper, logged, undefined);
    expect(judge('kms:ScheduleKeyDeletion')).toMatchObject({ recorded: false });
    expect(judge('kms:Decrypt')).toMatchObject({ recorded: true });
  });

  it('counts no direction for a call whose read/write marking is not known', () => {
    const logged = inferLoggedEvidence(
      [{ eventSource: 'kms.amazonaws.com', eventName: 'Sign' }],
      mapper,
      catalog,
    );
    expect(logged.management).toEqual({ read: false, write: false });
    expect(Object.fromEntries(logged.servicesLogged)).toEqual({ kms: { read: false, write: false } });
  });

  it('suspects nothing when there is no management call at all', () => {
    const logged = inferLoggedEvidence([], mapper, catalog);
    expect(isWriteOnlySuspected(logged) || isReadOnlySuspected(logged)).toBe(false);
  });
});

describe('createRecordingJudge', () => {
  const cases: {
    name: string;
    logged?: LoggedEvidence;
    selectors?: string;
    action: string;
    recorded: boolean;
    basis: RegExp;
  }[] = [
    { name: 'management by default', action: 'ec2:DescribeInstances', recorded: true, basis: /by default/ },
    { name: 'not recorded', action: 'iam:PassRole', recorded: false, basis: /no event of its own/ },
    { name: 'unknown', action: 'logs:PutLogEvents', recorded: false, basis: /nothing shows/ },
    { name: 'data type absent', action: 's3:GetObject', recorded: false, basis: /hold none of that type/ },
    {
      // Present, but a selector narrowed by ARN (some buckets) logs them too: only the selectors
      // can say "every resource" (notes: cloudtrail-coverage-facts.md §1a).
      name: 'data type present in the logs, without the selectors',
      logged: { ...NOTHING_LOGGED, dataTypesLogged: new Map([['AWS::S3::Object', BOTH]]) },
      action: 's3:GetObject',
      recorded: false,
      basis:
        /hold data events of that type, but a trail can select them for some resources only \(--event-selectors settles it\)/,
    },
    {
      name: 'a data read when the logs hold only writes of that type (a write-only data selector)',
      logged: {
        ...NOTHING_LOGGED,
        dataTypesLogged: new Map([['AWS::S3::Object', { read: false, write: true }]]),
      },
      action: 's3:GetObject',
      recorded: false,
      basis: /hold only write ones of that type/,
    },
    {
      name: 'a data write when the logs hold writes of that type, without the selectors',
      logged: {
        ...NOTHING_LOGGED,
        dataTypesLogged: new Map([['AWS::S3::Object', { read: false, write: true }]]),
      },
      action: 's3:DeleteObject',
      recorded: false,
      basis: /hold data events of that type, but a trail can select them for some resources only/,
    },
    {
      name: 'a write on a read-only-looking trail',
      logged: managementOf({ read: true, write: false }),
      action: 'iam:CreateUser',
      recorded: false,
      basis: /looks read-only/,
    },
    {
      name: 'a read on a write-only-looking trail',
      logged: managementOf({ read: false, write: true }),
      action: 'ec2:DescribeInstances',
      recorded: false,
      basis: /looks write-only/,
    },
    {
      name: 'a write on a write-only-looking trail',
      logged: managementOf({ read: false, write: true }),
      action: 'iam:CreateUser',
      recorded: true,
      basis: /by default/,
    },
    {
      name: 'KMS, and the logs hold no KMS event (a trail can exclude them)',
      logged: managementOf(BOTH, ['ec2']),
      action: 'kms:ScheduleKeyDeletion',
      recorded: false,
      basis: /leave out AWS KMS's management events/,
    },
    {
      name: 'RDS Data API, and the logs hold none of its events',
      logged: managementOf(BOTH, ['ec2']),
      action: 'rds-data:ExecuteStatement',
      recorded: false,
      basis: /leave out Amazon RDS Data API's/,
    },
    {
      name: 'KMS, and the logs hold KMS events',
      logged: managementOf(BOTH, ['ec2', 'kms']),
      action: 'kms:ScheduleKeyDeletion',
      recorded: true,
      basis: /by default/,
    },
    {
      name: 'a KMS read, and the logs hold KMS writes only (a trail can leave out KMS reads alone)',
      logged: KMS_WRITES_ONLY,
      action: 'kms:Decrypt',
      recorded: false,
      basis:
        /leave out AWS KMS's management events, and the logs hold none of them of this action's direction/,
    },
    {
      name: 'a KMS write, and the logs hold KMS writes',
      logged: KMS_WRITES_ONLY,
      action: 'kms:ScheduleKeyDeletion',
      recorded: true,
      basis: /by default/,
    },
    {
      name: 'a KMS cryptographic read on a write-only-looking trail',
      logged: managementOf({ read: false, write: true }, ['kms']),
      action: 'kms:Decrypt',
      recorded: false,
      basis: /a read action.*looks write-only/,
    },
    {
      name: 'AssumeRole on a write-only-looking trail',
      logged: managementOf({ read: false, write: true }),
      action: 'sts:AssumeRole',
      recorded: false,
      basis: /looks write-only/,
    },
    {
      name: 'a KMS cryptographic read on a read-only-looking trail',
      logged: managementOf({ read: true, write: false }, ['kms']),
      action: 'kms:Encrypt',
      recorded: true,
      basis: /by default/,
    },
    {
      name: 'a call of unknown marking on a write-only-looking trail',
      logged: managementOf({ read: false, write: true }, ['kms']),
      action: 'kms:Sign',
      recorded: false,
      basis: /not known.*looks write-only/,
    },
    {
      name: 'a call of unknown marking on a read-only-looking trail',
      logged: managementOf({ read: true, write: false }),
      action: 'sts:AssumeRoleWithSAML',
      recorded: false,
      basis: /not known.*looks read-only/,
    },
    {
      name: 'a call of unknown marking on a trail of both',
      logged: managementOf(BOTH, ['kms']),
      action: 'kms:Sign',
      recorded: true,
      basis: /by default/,
    },
    {
      name: 'selectors: write-only, a KMS cryptographic call (a read to CloudTrail)',
      selectors: 'basic-write-only-s3-all.json',
      action: 'kms:GenerateDataKey',
      recorded: false,
      basis: /a read action.*log only write/,
    },
    {
      name: 'selectors: write-only, AssumeRole',
      selectors: 'basic-write-only-s3-all.json',
      action: 'sts:AssumeRole',
      recorded: false,
      basis: /log only write/,
    },
    {
      name: 'selectors: write-only, a KMS key deletion (a write)',
      selectors: 'basic-write-only-s3-all.json',
      action: 'kms:ScheduleKeyDeletion',
      recorded: true,
      basis: /event selectors/,
    },
    {
      name: 'selectors: write-only, a call of unknown marking',
      selectors: 'basic-write-only-s3-all.json',
      action: 'kms:Sign',
      recorded: false,
      basis: /not known.*log only write/,
    },
    {
      name: 'selectors: all management, a call of unknown marking',
      selectors: 'basic-all.json',
      action: 'kms:Sign',
      recorded: true,
      basis: /event selectors/,
    },
    {
      name: 'selectors: all management',
      selectors: 'basic-all.json',
      action: 'kms:Decrypt',
      recorded: true,
      basis: /event selectors/,
    },
    {
      name: 'selectors outrank the logs: data type present but not selected',
      logged: { ...NOTHING_LOGGED, dataTypesLogged: new Map([['AWS::S3::Object', BOTH]]) },
      selectors: 'basic-all.json',
      action: 's3:GetObject',
      recorded: false,
      basis: /do not select/,
    },
    {
      name: 'selectors: write-only, a read',
      selectors: 'basic-write-only-s3-all.json',
      action: 'ec2:DescribeInstances',
      recorded: false,
      basis: /log only write/,
    },
    {
      name: 'selectors: write-only, a write',
      selectors: 'basic-write-only-s3-all.json',
      action: 'iam:CreateUser',
      recorded: true,
      basis: /event selectors/,
    },
    {
      name: 'selectors: write-only S3, a write',
      selectors: 'basic-write-only-s3-all.json',
      action: 's3:PutObject',
      recorded: true,
      basis: /data event of type AWS::S3::Object/,
    },
    {
      name: 'selectors: write-only S3, a read',
      selectors: 'basic-write-only-s3-all.json',
      action: 's3:GetObject',
      recorded: false,
      basis: /log only write/,
    },
    {
      name: 'selectors: one bucket',
      selectors: 'basic-one-bucket.json',
      action: 's3:PutObject',
      recorded: false,
      basis: /some resources only/,
    },
    {
      name: 'advanced: KMS excluded',
      selectors: 'advanced-no-kms.json',
      action: 'kms:Decrypt',
      recorded: false,
      basis: /exclude this service/,
    },
    {
      name: 'advanced: other management',
      selectors: 'advanced-no-kms.json',
      action: 'iam:ListUsers',
      recorded: true,
      basis: /event selectors/,
    },
    {
      name: 'advanced: every Lambda function',
      selectors: 'advanced-no-kms.json',
      action: 'lambda:InvokeFunction',
      recorded: true,
      basis: /data event of type AWS::Lambda::Function/,
    },
    {
      name: 'advanced: S3 narrowed by ARN',
      selectors: 'advanced-no-kms.json',
      action: 's3:PutObject',
      recorded: false,
      basis: /some resources only/,
    },
  ];
  it.each(cases)('$name: $action', ({ logged, selectors, action, recorded, basis }) => {
    const judge = createRecordingJudge(
      catalog,
      mapper,
      logged ?? NOTHING_LOGGED,
      selectors === undefined ? undefined : selectorsOf(selectors),
    );
    const verdict = judge(action);
    expect(verdict.recorded).toBe(recorded);
    expect(verdict.basis).toMatch(basis);
  });
});

describe('callDirection', () => {
  /**
   * The CloudTrail records of the shared data sets (every shape they come in: `{"Records": [...]}`,
   * bare arrays, JSON Lines) as (eventSource, eventName, readOnly) and how many.
   */
  const recordedDirections = (): Map<string, number> => {
    const seen = new Map<string, number>();
    for (const { record } of datasetRecords(DATASETS_DIR)) {
      if (typeof record.readOnly !== 'boolean') continue;
      const key = `${record.eventSource}\t${record.eventName}\t${String(record.readOnly)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    return seen;
  };

  it.skipIf(!hasDatasets())(
    "agrees with the readOnly flag of every record of the shared data sets' CloudTrail logs",
    () => {
      const disagreements: string[] = [];
      let checked = 0;
      for (const [key, records] of recordedDirections()) {
        const [source = '', name = '', readOnly] = key.split('\t');
        const mapping = mapper.map(source, name);
        if (mapping.kind !== 'action') continue;
        for (const actionName of mapping.actions) {
          const action = catalog.get(actionName);
          if (action === undefined) continue;
          checked += records;
          const direction = callDirection(action);
          if (direction !== (readOnly === 'true' ? 'read' : 'write'))
            disagreements.push(`${source} ${name} readOnly=${readOnly}: ${actionName} is ${direction}`);
        }
      }
      expect(checked).toBeGreaterThan(1000);
      expect(disagreements).toEqual([]);
    },
  );

  it('is the access level but for the calls CloudTrail marks otherwise', () => {
    const of = (name: string) => {
      const action = catalog.get(name);
      if (action === undefined) throw new Error(`${name} is not in the catalog`);
      return callDirection(action);
    };
    expect([
      of('ec2:DescribeInstances'),
      of('s3:ListBucket'),
      of('iam:CreateUser'),
      of('kms:CreateGrant'),
    ]).toEqual(['read', 'read', 'write', 'write']);
    expect([of('kms:Decrypt'), of('KMS:encrypt'), of('sts:AssumeRole')]).toEqual(['read', 'read', 'read']);
    expect([
      of('kms:Sign'),
      of('sts:AssumeRoleWithWebIdentity'),
      of('sts:DecodeAuthorizationMessage'),
    ]).toEqual(['unknown', 'unknown', 'unknown']);
    // Recorded readOnly: false in the shared logs, as its level says.
    expect(of('sts:GetFederationToken')).toBe('write');
  });
});

describe('parseEventSelectors', () => {
  it('reads management directions and exclusions', () => {
    const selectors = selectorsOf('advanced-no-kms.json');
    expect(selectors.management).toEqual({
      read: { logged: true, excludedSources: ['kms.amazonaws.com'] },
      write: { logged: true, excludedSources: ['kms.amazonaws.com'] },
    });
    expect(Object.fromEntries(selectors.data)).toEqual({
      'AWS::Lambda::Function': { read: true, write: true, allResources: true },
      'AWS::S3::Object': { read: false, write: false, allResources: false },
    });
  });

  it('a source is excluded only when every selector of that direction leaves it out', () => {
    const selectors = parseEventSelectors(
      {
        EventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: true,
            ExcludeManagementEventSources: ['kms.amazonaws.com'],
          },
          { ReadWriteType: 'ReadOnly', IncludeManagementEvents: true, ExcludeManagementEventSources: [] },
        ],
      },
      'inline',
    );
    expect(selectors.management.read.excludedSources).toEqual([]);
    expect(selectors.management.write.excludedSources).toEqual(['kms.amazonaws.com']);
  });

  it('refuses a document that is not get-event-selectors output, saying where', () => {
    expect(() => parseEventSelectors(fixture('not-selectors.json'), 'x')).toThrow(EventSelectorsError);
    expect(() => parseEventSelectors({ EventSelectors: [{ ReadWriteType: 'Sometimes' }] }, 'x')).toThrow(
      /at EventSelectors\.0\.ReadWriteType/,
    );
  });
  it("reads the trail of the TrailARN, in any partition; refuses one that is not a trail's ARN", () => {
    const trailOf = (arn: string) => parseEventSelectors({ TrailARN: arn, EventSelectors: [] }, 'x').trail;
    expect(trailOf('arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail')).toEqual({
      arn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail',
      account: '111111111111',
    });
    expect(trailOf('arn:aws-cn:cloudtrail:cn-north-1:222222222222:trail/t')?.account).toBe('222222222222');
    expect(trailOf('arn:aws-us-gov:cloudtrail:us-gov-west-1:333333333333:trail/t')?.account).toBe(
      '333333333333',
    );
    for (const arn of [
      'arn:aws:s3:::bucket',
      'org-trail',
      'arn:awsfoo:cloudtrail:us-east-1:111111111111:trail/t',
    ])
      expect(() => parseEventSelectors({ TrailARN: arn, EventSelectors: [] }, 'x')).toThrow(
        `at TrailARN: ${JSON.stringify(arn)} is not a trail's ARN`,
      );
  });
});

describe("selectorsForAccount: a trail's selectors judge its own account, others only as an organization trail", () => {
  // The fixture's TrailARN is arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail.
  const trail = selectorsOf('basic-all-data.json');
  const own = { name: 'demo', id: '111111111111' };
  const other = { name: 'backup', id: '222222222222' };

  it("applies them to the trail's account, and to another only with --organization-trail", () => {
    expect(selectorsForAccount(trail, own)).toEqual({ selectors: trail, judged: { selectors: trail } });
    const skipped = selectorsForAccount(trail, other);
    expect(skipped.selectors).toBeUndefined();
    expect(skipped.judged).toEqual({ selectorsNotApplied: true });
    expect(skipped.skipped).toBe(
      '--event-selectors basic-all-data.json are the selectors of trail arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail, of account 111111111111: not applied to account backup (222222222222), which is judged from its logs alone, as without --event-selectors; add --organization-trail if that trail is an organization trail',
    );
    const organization = { ...trail, organizationTrail: true };
    expect(selectorsForAccount(organization, other)).toEqual({
      selectors: organization,
      judged: { selectors: organization },
    });
  });

  it('--organization-trail: cautions for another account whose logs lie only in its own folders', () => {
    const organization = { ...trail, organizationTrail: true };
    const caution =
      '--organization-trail: account backup (222222222222) has its logs only in AWSLogs/222222222222/, where a trail of the account\'s own writes, not in an organization trail\'s folders (AWSLogs/o-…/<account>/): the selectors of trail arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail (--event-selectors basic-all-data.json) still judge their data actions, as the flag says; if that trail does not log them, a "-" for a data action may be wrong';
    // Still applied (the flag is the user's statement), with the caution.
    expect(selectorsForAccount(organization, other, () => ({ organization: false, own: true }))).toEqual({
      selectors: organization,
      judged: { selectors: organization },
      caution,
    });
    // In an organization trail's folders (also beside its own), or not known: no caution.
    for (const folders of [{ organization: true, own: false }, { organization: true, own: true }, undefined])
      expect(selectorsForAccount(organization, other, () => folders).caution).toBeUndefined();
    // The trail's own account: its own folders are where its trail writes.
    expect(
      selectorsForAccount(organization, own, () => ({ organization: false, own: true })).caution,
    ).toBeUndefined();
    // Without the flag the selectors are not applied at all: nothing to caution about.
    expect(
      selectorsForAccount(trail, other, () => ({ organization: false, own: true })).caution,
    ).toBeUndefined();
    expect(
      organizationTrailCaution(organization, [other, { name: 'sandbox', id: '333333333333' }]),
    ).toContain(
      '--organization-trail: the 2 accounts backup (222222222222), sandbox (333333333333) have their logs only in AWSLogs/<account>/,',
    );
  });

  it('one warning names every account they are not applied to', () => {
    expect(selectorsNotApplied(trail, [other, { name: 'sandbox', id: '333333333333' }])).toBe(
      '--event-selectors basic-all-data.json are the selectors of trail arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail, of account 111111111111: not applied to the 2 accounts backup (222222222222), sandbox (333333333333), which are judged from their logs alone, as without --event-selectors; add --organization-trail if that trail is an organization trail',
    );
  });

  it('a file naming no trail applies to no account without --organization-trail; no file, nothing', () => {
    const { trail: _, ...unnamed } = trail;
    expect(selectorsForAccount(unnamed, own)).toEqual({
      skipped:
        '--event-selectors basic-all-data.json names no trail (no TrailARN): not applied to account demo (111111111111), which is judged from its logs alone, as without --event-selectors; pass the output of get-event-selectors as it prints it, or add --organization-trail if the trail logs every account',
      judged: { selectorsNotApplied: true },
    });
    const organization = { ...unnamed, organizationTrail: true };
    expect(selectorsForAccount(organization, other)).toEqual({
      selectors: organization,
      judged: { selectors: organization },
    });
    expect(selectorsForAccount(undefined, other)).toEqual({ judged: {} });
  });
});
