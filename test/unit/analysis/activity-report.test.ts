import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  buildIdentityListReport,
  buildPrincipalDiffReport,
  isUnprovenUnused,
  ROLE_REQUIRED_EVENTS,
} from '../../../src/analysis/activity-report.js';
import { CALL_DEPENDENCIES } from '../../../src/actions/call-dependencies.js';
import type { PrincipalDiffInput } from '../../../src/analysis/activity-report.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import type { ActivityRow } from '../../../src/trail/activity-summary.js';
import { grantsOf, roleWithStatements } from '../../helpers/iam.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { parseEventSelectors } from '../../../src/analysis/event-selectors.js';
import { parseAuthorizationDetails } from '../../../src/iam/authorization-details.js';

const { mapper, catalog } = loadActionData();
const ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/test_role`;
const row = (overrides: Partial<ActivityRow>): ActivityRow => ({
  accountId: ACCOUNT,
  day: '2026-10-01',
  actorArn: ROLE,
  actorType: 'AssumedRole',
  callerArn: null,
  viaArn: null,
  eventSource: 's3.amazonaws.com',
  eventName: 'ListBuckets',
  outcome: 'ok',
  calls: 1,
  firstSeen: '2026-10-01T10:00:00Z',
  lastSeen: '2026-10-01T10:00:00Z',
  assumedRoleArn: null,
  ...overrides,
});

/**
 * A trail's selectors logging management events and the S3 object, DynamoDB table and Lambda
 * function data events of every resource, both directions: what makes an unused data action "-"
 * (data events in the logs alone show that some resources are selected, not which).
 */
const ALL_DATA_SELECTORS = parseEventSelectors(
  JSON.parse(
    readFileSync(join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'), 'utf8'),
  ) as unknown,
  'basic-all-data.json',
);

describe('buildPrincipalDiffReport', () => {
  const grants = grantsOf(
    roleWithStatements([
      {
        Effect: 'Allow',
        Action: [
          's3:ListAllMyBuckets',
          's3:GetObject',
          's3:PutObject',
          'sqs:SendMessage',
          'iam:PassRole',
          'sts:GetCallerIdentity',
          'kms:Decrypt',
        ],
        Resource: '*',
      },
    ]),
    'role',
    'test_role',
  );
  // As the cache answers: the actor's rows, and the distinct events of the account.
  const diff = (rows: ActivityRow[], selectors?: PrincipalDiffInput['selectors']) =>
    buildPrincipalDiffReport({
      grants,
      actorRows: rows.filter((r) => r.actorArn === ROLE),
      accountEvents: rows
        .filter((r) => r.accountId === ACCOUNT)
        .map((r) => ({ eventSource: r.eventSource, eventName: r.eventName })),
      mapper,
      catalog,
      ...(selectors === undefined ? {} : { selectors }),
    });

  it('classifies used, unused, unknown and ungranted actions', () => {
    const report = diff([
      row({ eventName: 'ListBuckets', calls: 3, lastSeen: '2026-10-01T12:00:00Z' }),
      row({ eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances' }),
      // Someone else's write: the trail logs writes too, so unused writes can be "-".
      row({
        actorArn: `arn:aws:iam::${ACCOUNT}:user/other`,
        actorType: 'IAMUser',
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
      }),
    ]);
    expect(report.actions.map((a) => [a.status, a.action])).toEqual([
      ['ungranted', 'ec2:DescribeInstances'],
      ['unknown', 'iam:PassRole'], // permission-only: never logged
      ['unknown', 'kms:Decrypt'], // no KMS event in these logs: a trail can leave them out
      ['unknown', 's3:GetObject'], // S3 data events not in these logs
      ['used', 's3:ListAllMyBuckets'],
      ['unknown', 's3:PutObject'],
      ['unknown', 'sqs:SendMessage'],
      ['unused', 'sts:GetCallerIdentity'],
    ]);
    expect(report.actions.find((a) => a.action === 's3:ListAllMyBuckets')).toMatchObject({
      calls: 3,
      lastSeen: '2026-10-01T12:00:00Z',
    });
  });

  it('makes an unused data action "?" when the logs hold data events of its type, from any actor: a trail may select some resources only', () => {
    const other = { actorArn: `arn:aws:iam::${ACCOUNT}:user/other`, actorType: 'IAMUser' };
    const rows = [row({ ...other, eventName: 'GetObject' }), row({ ...other, eventName: 'PutObject' })];
    const report = diff(rows);
    expect(report.dataEventTypesLogged).toEqual(['AWS::S3::Object']);
    expect(report.actions.find((a) => a.action === 's3:PutObject')).toMatchObject({
      status: 'unknown',
      basis:
        'a data event of type AWS::S3::Object: the logs hold data events of that type, but a trail can select them for some resources only (--event-selectors settles it)',
    });
    expect(report.actions.find((a) => a.action === 's3:GetObject')?.status).toBe('unknown');
    expect(report.actions.find((a) => a.action === 'sqs:SendMessage')?.status).toBe('unknown');
    // Selectors that select the type for every resource settle it.
    const selected = diff(rows, ALL_DATA_SELECTORS);
    expect(selected.actions.find((a) => a.action === 's3:PutObject')?.status).toBe('unused');
    expect(selected.actions.find((a) => a.action === 's3:GetObject')?.status).toBe('unused');
  });

  it('says when the logs show only one direction of a data type (a write-only data selector)', () => {
    const other = { actorArn: `arn:aws:iam::${ACCOUNT}:user/other`, actorType: 'IAMUser' };
    const report = diff([row({ ...other, eventName: 'PutObject' })]);
    expect(report.actions.find((a) => a.action === 's3:GetObject')).toMatchObject({
      status: 'unknown',
      basis: expect.stringContaining('the logs hold only write ones of that type') as string,
    });
    expect(report.actions.find((a) => a.action === 's3:PutObject')?.status).toBe('unknown');
  });

  it('never counts denied calls as use, and lists them apart', () => {
    const report = diff([
      row({ eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', outcome: 'denied', calls: 4 }),
    ]);
    expect(report.actions.find((a) => a.action === 'kms:Decrypt')?.status).toBe('unused');
    expect(report.denied).toEqual([{ action: 'kms:Decrypt', calls: 4, lastSeen: '2026-10-01T10:00:00Z' }]);
    expect(report.failed).toEqual([]);
  });

  it('lists calls that failed with another error (NoSuchKey) apart from denied ones, never as use', () => {
    const report = diff(
      [
        row({ eventName: 'GetObject', outcome: 'failed', calls: 3, lastSeen: '2026-10-01T11:00:00Z' }),
        row({ eventName: 'PutObject', outcome: 'denied', calls: 2 }),
      ],
      ALL_DATA_SELECTORS,
    );
    // Not used, since no call succeeded; but tried, and such a call may have been authorised: "?",
    // never "-" (the selectors log S3 object data events, so without the calls it would be "-").
    const getObject = report.actions.find((a) => a.action === 's3:GetObject');
    expect(getObject).toMatchObject({
      status: 'unknown',
      failedCalls: 3,
      basis:
        'called 3 time(s), each failed with an error other than access (JSON: failed): the permission may be needed',
    });
    expect(getObject !== undefined && isUnprovenUnused(getObject)).toBe(true);
    // Refused calls are not uses of a grant: the line is what the logs make it ("-" here).
    expect(report.actions.find((a) => a.action === 's3:PutObject')).toMatchObject({ status: 'unused' });
    expect(report.actions.find((a) => a.action === 's3:PutObject')?.failedCalls).toBeUndefined();
    expect(report.failed).toEqual([{ action: 's3:GetObject', calls: 3, lastSeen: '2026-10-01T11:00:00Z' }]);
    expect(report.denied).toEqual([{ action: 's3:PutObject', calls: 2, lastSeen: '2026-10-01T10:00:00Z' }]);
  });

  it('counts iam:PassRole used after a successful call that cannot be made without passing a role', () => {
    // lambda:CreateFunction's Role is required (Lambda API reference); RunInstances passes one only
    // with an instance profile, and a failed CreateFunction proves nothing.
    const passed = diff([row({ eventSource: 'lambda.amazonaws.com', eventName: 'CreateFunction20150331' })]);
    expect(passed.actions.find((a) => a.action === 'iam:PassRole')).toMatchObject({
      status: 'used',
      calls: 1,
      possiblyUsed: false,
    });
    const notProven = diff([
      row({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' }),
      row({ eventSource: 'lambda.amazonaws.com', eventName: 'CreateFunction20150331', outcome: 'failed' }),
      row({ eventSource: 'glue.amazonaws.com', eventName: 'CreateJob', outcome: 'denied' }),
    ]);
    expect(notProven.actions.find((a) => a.action === 'iam:PassRole')?.status).toBe('unknown');
  });

  it('takes the role-passing events from the events call-dependencies says pass a role', () => {
    const passedRole = CALL_DEPENDENCIES.find((dependency) => dependency.kind === 'passed_role');
    for (const event of ROLE_REQUIRED_EVENTS) expect(passedRole?.events).toContain(event);
  });

  it('treats a call that may check another action as possibly using it', () => {
    const report = diff([row({ eventName: 'CopyObject' })]);
    const getObject = report.actions.find((a) => a.action === 's3:GetObject');
    expect(getObject).toMatchObject({ status: 'used', possiblyUsed: true, calls: 0 });
    expect(report.actions.find((a) => a.action === 's3:PutObject')).toMatchObject({
      status: 'used',
      possiblyUsed: false,
    });
  });

  it('never calls a version action unused while the object calls seen may have named a version', () => {
    // A GetObject or DeleteObject with a versionId needs s3:GetObjectVersion or
    // s3:DeleteObjectVersion instead (S3's "Required permissions for Amazon S3 API operations"); the
    // summary keeps no versionId, so a grant of the version action is possibly used, never "-".
    const versions = grantsOf(
      roleWithStatements([{ Effect: 'Allow', Action: ['s3:GetObject*', 's3:DeleteObject*'], Resource: '*' }]),
      'role',
      'test_role',
    );
    const other = { actorArn: `arn:aws:iam::${ACCOUNT}:user/other`, actorType: 'IAMUser' };
    const rows = [
      row({ eventName: 'GetObject', calls: 2 }),
      row({ eventName: 'DeleteObject' }),
      // Someone else's tagging call: the logs hold S3 data events of both directions.
      row({ ...other, eventName: 'PutObjectTagging' }),
    ];
    const report = buildPrincipalDiffReport({
      grants: versions,
      actorRows: rows.filter((r) => r.actorArn === ROLE),
      accountEvents: rows.map((r) => ({ eventSource: r.eventSource, eventName: r.eventName })),
      mapper,
      catalog,
      selectors: ALL_DATA_SELECTORS,
    });
    const line = (name: string) => report.actions.find((a) => a.action === name);
    expect(line('s3:GetObject')).toMatchObject({ status: 'used', possiblyUsed: false, calls: 2 });
    expect(line('s3:GetObjectVersion')).toMatchObject({ status: 'used', possiblyUsed: true, calls: 0 });
    expect(line('s3:DeleteObjectVersion')).toMatchObject({ status: 'used', possiblyUsed: true });
    // No object call could have needed these: unused, and the trail (its selectors) logs them.
    expect(line('s3:GetObjectVersionTagging')?.status).toBe('unused');
    expect(line('s3:GetObjectTagging')?.status).toBe('unused');
  });

  it('leaves every unused grant "?" once the principal opened federated sessions, whose calls are not its own in the logs', () => {
    const other = { actorArn: `arn:aws:iam::${ACCOUNT}:user/other`, actorType: 'IAMUser' };
    const rows = [
      row({ eventName: 'ListBuckets' }),
      row({ ...other, eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' }),
    ];
    const federation = (outcome: 'ok' | 'denied', calls: number) =>
      row({ eventSource: 'sts.amazonaws.com', eventName: 'GetFederationToken', outcome, calls });
    const plain = diff(rows);
    expect(plain.federatedSessions).toBe(0);
    expect(plain.actions.find((a) => a.action === 'kms:Decrypt')?.status).toBe('unknown'); // no KMS event
    expect(plain.actions.find((a) => a.action === 'sts:GetCallerIdentity')?.status).toBe('unused');
    // A refused GetFederationToken opened no session.
    expect(diff([...rows, federation('denied', 4)]).federatedSessions).toBe(0);
    const federated = diff([...rows, federation('ok', 2), federation('ok', 1)]);
    expect(federated.federatedSessions).toBe(3);
    expect(federated.actions.filter((a) => a.status === 'unused')).toEqual([]);
    expect(federated.actions.find((a) => a.action === 'sts:GetCallerIdentity')).toMatchObject({
      status: 'unknown',
      basis: expect.stringMatching(/opened federated sessions/) as unknown,
    });
    expect(federated.actions.find((a) => a.action === 's3:ListAllMyBuckets')?.status).toBe('used');
  });

  it('reports events that need no permission or map to nothing, and counts a granted GetCallerIdentity as used', () => {
    const report = diff([
      row({ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', calls: 2 }),
      row({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }),
      row({ eventName: 'NoSuchInternalOperation' }),
    ]);
    expect(report.noPermissionEvents).toEqual([
      { event: 'signin:ConsoleLogin', reason: 'sign-in', calls: 1 },
      { event: 'sts:GetCallerIdentity', reason: 'no-permission', calls: 2 },
    ]);
    expect(report.unmappedEvents).toEqual([
      { event: 's3:NoSuchInternalOperation', reason: 'unknown-action', calls: 1 },
    ]);
    expect(report.actions.find((a) => a.action === 'sts:GetCallerIdentity')?.status).toBe('used');
    expect(report.actions.some((a) => a.action === 'signin:ConsoleLogin')).toBe(false);
  });

  it("gives the same diff from an actor's rows, in any order, as from their sums per event and outcome", () => {
    const rows = [
      row({ calls: 2, lastSeen: '2026-10-01T09:00:00Z' }),
      row({ day: '2026-10-02', calls: 3, lastSeen: '2026-10-02T17:00:00Z' }),
      row({ accountId: '222222222222', callerArn: 'x', calls: 4, lastSeen: '2026-10-02T08:00:00Z' }),
      row({ outcome: 'denied', calls: 5, lastSeen: '2026-10-01T12:00:00Z' }),
      row({ day: '2026-10-03', outcome: 'denied', lastSeen: '2026-10-03T12:00:00Z' }),
      row({ eventName: 'GetObject', outcome: 'failed', calls: 6 }),
      row({ eventName: 'CopyObject', day: '2026-10-02', lastSeen: '2026-10-02T01:00:00Z' }),
      row({ eventName: 'CopyObject', calls: 2 }),
      row({ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', calls: 7 }),
      row({ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', day: '2026-10-03' }),
      row({ eventName: 'NoSuchInternalOperation', calls: 8 }),
      row({ eventName: 'NoSuchInternalOperation', day: '2026-10-02' }),
    ];
    // The rows summed by hand: calls added, the last call kept.
    const sums = [
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        outcome: 'ok',
        calls: 9,
        lastSeen: '2026-10-02T17:00:00Z',
      },
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        outcome: 'denied',
        calls: 6,
        lastSeen: '2026-10-03T12:00:00Z',
      },
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        outcome: 'failed',
        calls: 6,
        lastSeen: '2026-10-01T10:00:00Z',
      },
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'CopyObject',
        outcome: 'ok',
        calls: 3,
        lastSeen: '2026-10-02T01:00:00Z',
      },
      {
        eventSource: 'sts.amazonaws.com',
        eventName: 'GetCallerIdentity',
        outcome: 'ok',
        calls: 8,
        lastSeen: '2026-10-01T10:00:00Z',
      },
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'NoSuchInternalOperation',
        outcome: 'ok',
        calls: 9,
        lastSeen: '2026-10-01T10:00:00Z',
      },
    ] as const;
    const accountEvents = rows.map((r) => ({ eventSource: r.eventSource, eventName: r.eventName }));
    const reportOf = (actorRows: PrincipalDiffInput['actorRows']) =>
      buildPrincipalDiffReport({ grants, actorRows, accountEvents, mapper, catalog });
    const fromRows = reportOf(rows);
    expect(fromRows.actions.find((a) => a.action === 's3:ListAllMyBuckets')).toMatchObject({
      status: 'used',
      calls: 9,
      lastSeen: '2026-10-02T17:00:00Z',
    });
    expect(fromRows.denied).toEqual([
      { action: 's3:ListAllMyBuckets', calls: 6, lastSeen: '2026-10-03T12:00:00Z' },
    ]);
    expect(reportOf(sums)).toEqual(fromRows);
    expect(reportOf([...rows].reverse())).toEqual(fromRows);
    expect(reportOf([...sums].reverse())).toEqual(fromRows);
  });

  it("ignores other actors' calls", () => {
    const report = diff([row({ actorArn: `arn:aws:iam::${ACCOUNT}:role/other` })]);
    expect(report.actions.find((a) => a.action === 's3:ListAllMyBuckets')?.status).toBe('unused');
  });

  it('judges each principal of an account by its own calls and the selectors it is given, though the account events are one list', () => {
    // The audit hands every principal of an account the same list of the account's events: what
    // they show of the trail is worked out once for the list, never what the principal did.
    const accountEvents = [
      { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets' },
      { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' },
      // Someone's S3 object read and write: the trail logs S3 object data events both ways, for
      // some buckets at least.
      { eventSource: 's3.amazonaws.com', eventName: 'GetObject' },
      { eventSource: 's3.amazonaws.com', eventName: 'PutObject' },
    ];
    const judged = (rows: ActivityRow[], more: Partial<PrincipalDiffInput> = {}) => {
      const report = buildPrincipalDiffReport({
        grants,
        actorRows: rows,
        accountEvents,
        mapper,
        catalog,
        ...more,
      });
      return (action: string) => report.actions.find((line) => line.action === action);
    };
    // No selectors: S3 object actions "?" (the logs cannot say every bucket is logged).
    expect(judged([])('s3:PutObject')).toMatchObject({ status: 'unknown' });
    // Selectors logging them for every resource: "-"; the next principal without them: "?" again.
    expect(judged([], { selectors: ALL_DATA_SELECTORS })('s3:PutObject')).toMatchObject({ status: 'unused' });
    expect(judged([])('s3:PutObject')).toMatchObject({ status: 'unknown' });
    // Selectors given for another account's trail: not applied (as selectorsForAccount hands
    // them on), and the basis says so.
    expect(judged([], { selectorsNotApplied: true })('s3:PutObject')?.basis).toContain(
      'the file given is not applied to this account',
    );
    expect(judged([])('s3:PutObject')?.basis).not.toContain('not applied');
    // One principal's failed calls make its line "?"; another's, with none, stays "-".
    const failed = row({ eventName: 'PutObject', outcome: 'failed', calls: 2 });
    expect(judged([failed], { selectors: ALL_DATA_SELECTORS })('s3:PutObject')).toMatchObject({
      status: 'unknown',
      failedCalls: 2,
    });
    expect(judged([], { selectors: ALL_DATA_SELECTORS })('s3:PutObject')).toMatchObject({ status: 'unused' });
    // Its own calls, used; the next principal's line "-".
    expect(judged([row({ eventName: 'ListBuckets' })])('s3:ListAllMyBuckets')?.status).toBe('used');
    expect(judged([])('s3:ListAllMyBuckets')?.status).toBe('unused');
  });
});

describe('buildPrincipalDiffReport with calls no IAM action is known for', () => {
  const grants = grantsOf(
    roleWithStatements([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:PartiQLSelect',
          'dynamodb:PartiQLInsert',
          'dynamodb:DeleteTable',
          'iam:CreateUser',
          'iam:DeleteUser',
        ],
        Resource: '*',
      },
    ]),
    'role',
    'test_role',
  );
  // The account logs management reads and writes (ListBuckets, another user's CreateUser), and its
  // selectors DynamoDB table data events both ways (the PartiQL actions are of that type): every
  // grant above is "-" unless something says otherwise.
  const other = { actorArn: `arn:aws:iam::${ACCOUNT}:user/other`, actorType: 'IAMUser' } as const;
  const account = [
    row(other),
    row({ ...other, eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' }),
    row({ ...other, eventSource: 'dynamodb.amazonaws.com', eventName: 'GetItem' }),
    row({ ...other, eventSource: 'dynamodb.amazonaws.com', eventName: 'PutItem' }),
  ];
  const diff = (rows: ActivityRow[]) =>
    buildPrincipalDiffReport({
      grants,
      actorRows: rows,
      accountEvents: [...account, ...rows].map((r) => ({
        eventSource: r.eventSource,
        eventName: r.eventName,
      })),
      mapper,
      catalog,
      selectors: ALL_DATA_SELECTORS,
    });
  const statuses = (rows: ActivityRow[]) =>
    Object.fromEntries(diff(rows).actions.map((a) => [a.action, a.status]));

  it('leaves every grant "-" without such calls', () => {
    expect(statuses([])).toEqual({
      'dynamodb:DeleteTable': 'unused',
      'dynamodb:PartiQLInsert': 'unused',
      'dynamodb:PartiQLSelect': 'unused',
      'iam:CreateUser': 'unused',
      'iam:DeleteUser': 'unused',
    });
  });

  it('makes the unused grants of their event source\'s service "?", naming the events', () => {
    // Made-up DynamoDB events the action data does not know (as BatchExecuteStatement and
    // ExecuteTransaction were): any of the service's actions may have authorised them.
    const report = diff([
      row({ eventSource: 'dynamodb.amazonaws.com', eventName: 'ExecuteFutureStatement', calls: 2 }),
      row({ eventSource: 'dynamodb.amazonaws.com', eventName: 'RunFutureTransaction', outcome: 'failed' }),
    ]);
    expect(report.unmappedEvents.map((event) => event.event)).toEqual([
      'dynamodb:ExecuteFutureStatement',
      'dynamodb:RunFutureTransaction',
    ]);
    const select = report.actions.find((a) => a.action === 'dynamodb:PartiQLSelect');
    expect(select).toMatchObject({
      status: 'unknown',
      basis:
        '3 call(s) of events no IAM action is known for (dynamodb:ExecuteFutureStatement, dynamodb:RunFutureTransaction): any of them may have used it',
    });
    expect(Object.fromEntries(report.actions.map((a) => [a.action, a.status]))).toEqual({
      'dynamodb:DeleteTable': 'unknown',
      'dynamodb:PartiQLInsert': 'unknown',
      'dynamodb:PartiQLSelect': 'unknown',
      // Another service: its grants are as the logs make them.
      'iam:CreateUser': 'unused',
      'iam:DeleteUser': 'unused',
    });
  });

  it('makes a grant of the same name "?" only when its prefix extends the event source\'s', () => {
    // SSM Session Manager's ssmmessages:* calls are logged by ssm.amazonaws.com (CloudTrail coverage
    // notes, §6): an unmapped event of such a source with an action's very name may be it.
    expect(statuses([row({ eventSource: 'dynamo.amazonaws.com', eventName: 'DeleteTable' })])).toEqual({
      'dynamodb:DeleteTable': 'unknown',
      'dynamodb:PartiQLInsert': 'unused',
      'dynamodb:PartiQLSelect': 'unused',
      'iam:CreateUser': 'unused',
      'iam:DeleteUser': 'unused',
    });
    // Any other service's event of that name says nothing of this one (every service has a
    // TagResource): the grants stay as the logs make them.
    expect(statuses([row({ eventSource: 'example.amazonaws.com', eventName: 'DeleteTable' })])).toEqual({
      'dynamodb:DeleteTable': 'unused',
      'dynamodb:PartiQLInsert': 'unused',
      'dynamodb:PartiQLSelect': 'unused',
      'iam:CreateUser': 'unused',
      'iam:DeleteUser': 'unused',
    });
  });

  it('makes "?" the possible actions of a call that failed after authorisation and names no certain one', () => {
    // ExecuteStatement is authorised by its statement's PartiQL action, which the record does not
    // name (only possible uses): failed, any of them may have been needed.
    const report = diff([
      row({ eventSource: 'dynamodb.amazonaws.com', eventName: 'ExecuteStatement', outcome: 'failed' }),
    ]);
    for (const action of ['dynamodb:PartiQLSelect', 'dynamodb:PartiQLInsert'])
      expect(report.actions.find((a) => a.action === action)).toMatchObject({
        status: 'unknown',
        failedCalls: 1,
      });
    expect(report.actions.find((a) => a.action === 'dynamodb:DeleteTable')?.status).toBe('unused');
  });

  it('ignores refused ones: a denied call used no grant', () => {
    expect(
      statuses([
        row({
          eventSource: 'dynamodb.amazonaws.com',
          eventName: 'ExecuteFutureStatement',
          outcome: 'denied',
        }),
      ]),
    ).toMatchObject({ 'dynamodb:PartiQLSelect': 'unused', 'dynamodb:DeleteTable': 'unused' });
  });
});

describe('buildIdentityListReport', () => {
  const details = parseAuthorizationDetails([
    {
      UserDetailList: [
        { UserName: 'alice', Arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
        { UserName: 'bob', Arn: `arn:aws:iam::${ACCOUNT}:user/team/bob` },
        { UserName: 'carol', Arn: `arn:aws:iam::${ACCOUNT}:user/carol` },
      ],
    },
  ]);
  const user = (name: string, overrides: Partial<ActivityRow> = {}): ActivityRow =>
    row({ actorArn: `arn:aws:iam::${ACCOUNT}:user/${name}`, actorType: 'IAMUser', ...overrides });

  it('marks users without a successful call, gives the last active day, and lists unknown users apart', () => {
    const report = buildIdentityListReport(details.users, 'user', ACCOUNT, [
      user('alice', { day: '2026-10-03', calls: 2 }),
      user('alice', { day: '2026-10-07' }),
      user('team/bob', { outcome: 'denied', calls: 5 }),
      user('carol', { outcome: 'failed', calls: 2 }),
      user('dave', { day: '2026-10-02' }),
      user('mallory', { accountId: '999999999999' }),
      row({ actorArn: `arn:aws:iam::999999999999:user/eve`, actorType: 'IAMUser' }),
    ]);
    expect(report.identities).toEqual([
      {
        name: 'alice',
        arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        active: true,
        lastActivity: '2026-10-07',
        calls: 3,
        deniedCalls: 0,
        failedCalls: 0,
        serviceLinked: false,

        unused: false,
      },
      {
        name: 'bob',
        arn: `arn:aws:iam::${ACCOUNT}:user/team/bob`,
        active: false,
        lastActivity: undefined,
        calls: 0,
        deniedCalls: 5,
        failedCalls: 0,
        serviceLinked: false,

        unused: true,
      },
      {
        name: 'carol',
        arn: `arn:aws:iam::${ACCOUNT}:user/carol`,
        active: false,
        lastActivity: undefined,
        calls: 0,
        deniedCalls: 0,
        failedCalls: 2,
        serviceLinked: false,

        unused: true,
      },
    ]);
    expect(report.notInIam).toEqual([
      {
        name: 'dave',
        arn: `arn:aws:iam::${ACCOUNT}:user/dave`,
        lastActivity: '2026-10-02',
        calls: 1,
        deniedCalls: 0,
        failedCalls: 0,
      },
      {
        name: 'mallory',
        arn: `arn:aws:iam::${ACCOUNT}:user/mallory`,
        lastActivity: '2026-10-01',
        calls: 1,
        deniedCalls: 0,
        failedCalls: 0,
      },
    ]);
  });

  it('matches roles on the session issuer ARN and marks service-linked roles', () => {
    const roles = parseAuthorizationDetails([
      {
        RoleDetailList: [
          { RoleName: 'admin', Arn: `arn:aws:iam::${ACCOUNT}:role/admin` },
          {
            RoleName: 'AWSServiceRoleForSupport',
            Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
            Path: '/aws-service-role/support.amazonaws.com/',
          },
        ],
      },
    ]).roles;
    const report = buildIdentityListReport(roles, 'role', ACCOUNT, [
      row({ actorArn: `arn:aws:iam::${ACCOUNT}:role/admin` }),
      user('alice'),
    ]);
    expect(
      report.identities.map((identity) => [identity.name, identity.active, identity.serviceLinked]),
    ).toEqual([
      ['AWSServiceRoleForSupport', false, true],
      ['admin', true, false],
    ]);
    expect(report.notInIam).toEqual([]);
  });

  it('does not mark "-" a role assumed whose sessions made no successful call, and counts its assumptions', () => {
    const roles = parseAuthorizationDetails([
      {
        RoleDetailList: [
          { RoleName: 'admin', Arn: `arn:aws:iam::${ACCOUNT}:role/admin` },
          { RoleName: 'deploy', Arn: `arn:aws:iam::${ACCOUNT}:role/deploy` },
          { RoleName: 'reader', Arn: `arn:aws:iam::${ACCOUNT}:role/reader` },
        ],
      },
    ]).roles;
    const report = buildIdentityListReport(
      roles,
      'role',
      ACCOUNT,
      // deploy's one session call was refused; reader's sessions made none
      [row({ actorArn: `arn:aws:iam::${ACCOUNT}:role/deploy`, outcome: 'denied' })],
      [],
      [
        { roleArn: `arn:aws:iam::${ACCOUNT}:role/deploy`, assumptions: 1, lastSeen: '2026-10-01T09:00:00Z' },
        { roleArn: `arn:aws:iam::${ACCOUNT}:role/reader`, assumptions: 2, lastSeen: '2026-10-02T09:00:00Z' },
        // another caller's
        { roleArn: `arn:aws:iam::${ACCOUNT}:role/reader`, assumptions: 1, lastSeen: '2026-10-03T09:00:00Z' },
      ],
    );
    expect(
      report.identities.map((identity) => [
        identity.name,
        identity.active,
        identity.unused,
        identity.assumptions,
        identity.lastAssumed,
      ]),
    ).toEqual([
      ['admin', false, true, 0, undefined],
      ['deploy', false, false, 1, '2026-10-01T09:00:00Z'],
      ['reader', false, false, 3, '2026-10-03T09:00:00Z'],
    ]);
  });
});
