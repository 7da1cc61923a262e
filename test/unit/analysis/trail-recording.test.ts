import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { EventSelectorsError, parseEventSelectors } from '../../../src/analysis/event-selectors.js';
import {
  createRecordingJudge,
  inferLoggedEvidence,
  isReadOnlySuspected,
  isWriteOnlySuspected,
} from '../../../src/analysis/trail-recording.js';
import type { LoggedEvidence } from '../../../src/analysis/trail-recording.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const { catalog, mapper } = loadActionData();
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/event-selectors', name), 'utf8')) as unknown;
const selectorsOf = (name: string) => parseEventSelectors(fixture(name), name);
const NOTHING_LOGGED: LoggedEvidence = {
  dataTypesLogged: new Map(),
  management: { read: true, write: true },
};
const BOTH = { read: true, write: true };

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
      name: 'data type present in the logs',
      logged: { dataTypesLogged: new Map([['AWS::S3::Object', BOTH]]), management: BOTH },
      action: 's3:GetObject',
      recorded: true,
      basis: /hold data events of that type/,
    },
    {
      name: 'a data read when the logs hold only writes of that type (a write-only data selector)',
      logged: {
        dataTypesLogged: new Map([['AWS::S3::Object', { read: false, write: true }]]),
        management: BOTH,
      },
      action: 's3:GetObject',
      recorded: false,
      basis: /hold only write ones of that type/,
    },
    {
      name: 'a data write when the logs hold writes of that type',
      logged: {
        dataTypesLogged: new Map([['AWS::S3::Object', { read: false, write: true }]]),
        management: BOTH,
      },
      action: 's3:DeleteObject',
      recorded: true,
      basis: /hold data events of that type/,
    },
    {
      name: 'a write on a read-only-looking trail',
      logged: { dataTypesLogged: new Map(), management: { read: true, write: false } },
      action: 'iam:CreateUser',
      recorded: false,
      basis: /looks read-only/,
    },
    {
      name: 'a read on a write-only-looking trail',
      logged: { dataTypesLogged: new Map(), management: { read: false, write: true } },
      action: 'ec2:DescribeInstances',
      recorded: false,
      basis: /looks write-only/,
    },
    {
      name: 'a write on a write-only-looking trail',
      logged: { dataTypesLogged: new Map(), management: { read: false, write: true } },
      action: 'iam:CreateUser',
      recorded: true,
      basis: /by default/,
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
      logged: { dataTypesLogged: new Map([['AWS::S3::Object', BOTH]]), management: BOTH },
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
});
