// CloudTracker's 11 upstream unit tests (duo-labs/cloudtracker tests/unit/test_cloudtracker.py at
// 822ef55), ported to iamtrail. Each case says whether iamtrail agrees; where it does not, the
// comment says why CloudTracker was wrong (see ../shared/notes/cloudtracker-behaviour.md §9-§10).
import { describe, expect, it } from 'vitest';

import { diffActions, filterDiff } from '../../src/analysis/action-diff.js';
import { loadActionData } from '../../src/cli/action-data.js';
import { parsePolicyDocument } from '../../src/iam/policy-document.js';
import { findPrincipal } from '../../src/iam/principals.js';
import { grantedNames, grantsOf, roleWithStatements } from '../helpers/iam.js';

const { mapper } = loadActionData();

describe('CloudTracker parity', () => {
  it('1 make_list: a string Action is a one-element list (agrees)', () => {
    const document = parsePolicyDocument(
      { Statement: { Effect: 'Allow', Action: 'hello', Resource: '*' } },
      'doc',
    );
    expect(document.statements[0]?.action.patterns).toEqual(['hello']);
  });

  describe('2 get_actions_from_statement', () => {
    it('s3:PutObject -> s3:PutObject (agrees; canonical case instead of lower case)', () => {
      expect(grantedNames([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: '*' }])).toEqual([
        's3:PutObject',
      ]);
    });

    it('s3:PutObject* -> 9 actions (differs: CloudTracker found 3)', () => {
      // CloudTracker expanded against 2018 botocore API names, which lack the IAM-only actions
      // (PutObjectVersionAcl, PutObjectVersionTagging) and everything added since
      // (PutObjectLegalHold, PutObjectRetention, the annotation actions). A policy with
      // s3:PutObject* grants all nine.
      expect(grantedNames([{ Effect: 'Allow', Action: ['s3:PutObject*'], Resource: '*' }])).toEqual([
        's3:PutObject',
        's3:PutObjectAcl',
        's3:PutObjectAnnotation',
        's3:PutObjectLegalHold',
        's3:PutObjectRetention',
        's3:PutObjectTagging',
        's3:PutObjectVersionAcl',
        's3:PutObjectVersionAnnotation',
        's3:PutObjectVersionTagging',
      ]);
    });

    it('s3:*ObjectT* -> the same 4 actions (agrees)', () => {
      expect(grantedNames([{ Effect: 'Allow', Action: ['s3:*ObjectT*'], Resource: '*' }])).toEqual([
        's3:DeleteObjectTagging',
        's3:GetObjectTagging',
        's3:GetObjectTorrent',
        's3:PutObjectTagging',
      ]);
    });
  });

  it('3 a Deny on * removes its actions (agrees)', () => {
    expect(
      grantedNames([
        { Effect: 'Allow', Action: ['s3:*ObjectT*'], Resource: '*' },
        { Effect: 'Deny', Action: ['s3:GetObjectTagging', 's3:GetObjectTorrent'], Resource: '*' },
      ]),
    ).toEqual(['s3:DeleteObjectTagging', 's3:PutObjectTagging']);
  });

  it('4 a Deny scoped to resources does not remove the action (agrees; iamtrail marks it limited)', () => {
    const grants = grantsOf(
      roleWithStatements([
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:CreateBucket', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::super-sensitive-bucket', 'arn:aws:s3:::super-sensitive-bucket/*'],
        },
      ]),
      'role',
      'test_role',
    );
    const deleteBucket = grants.actions.find((a) => a.action === 's3:DeleteBucket');
    expect(deleteBucket?.limited).toBe(true);
    expect(deleteBucket?.limitedBy).toEqual([{ kind: 'inline', policy: 'policy0', statement: 2 }]);
    expect(grants.actions.some((a) => a.action === 's3:CreateBucket')).toBe(false);
    expect(grants.denied).toEqual(['s3:CreateBucket']);
  });

  it('5 a Deny whose Resource list contains * applies (agrees)', () => {
    const names = grantedNames([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:CreateBucket', Resource: ['arn:aws:s3:::super-sensitive-bucket', '*'] },
    ]);
    expect(names).toContain('s3:DeleteBucket');
    expect(names).not.toContain('s3:CreateBucket');
  });

  it('6 a conditional Deny does not remove the action (agrees; iamtrail marks it limited)', () => {
    const grants = grantsOf(
      roleWithStatements([
        { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
        {
          Effect: 'Deny',
          Action: ['ec2:StopInstances', 'ec2:TerminateInstances'],
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': false } },
        },
      ]),
      'role',
      'test_role',
    );
    const byName = new Map(grants.actions.map((a) => [a.action, a]));
    expect(byName.get('ec2:StartInstances')?.limited).toBe(false);
    expect(byName.get('ec2:StopInstances')?.limited).toBe(true);
  });

  it('7 normalize_api_call: version suffix and monitoring -> cloudwatch (agrees; canonical case)', () => {
    expect(mapper.map('lambda.amazonaws.com', 'ListTags20170331')).toMatchObject({
      actions: ['lambda:ListTags'],
    });
    expect(mapper.map('monitoring.amazonaws.com', 'DescribeAlarms')).toMatchObject({
      actions: ['cloudwatch:DescribeAlarms'],
    });
  });

  describe('9 print_diff', () => {
    // CloudTracker mocked is_recorded_by_cloudtrail so that only s3:putobject was unrecorded.
    // iamtrail needs no mock: s3:PutObject is an S3 data event in its catalog, and these logs hold
    // no S3 data events, so it is unknown. sts:GetCallerIdentity needs no permission and is never
    // a used action (CloudTracker suppressed it in the printer with NO_IAM).
    const { catalog } = loadActionData();
    const isRecorded = (action: string): boolean => catalog.get(action)?.recorded === 'management';
    const usedOf = (events: [string, string][]): string[] =>
      events.flatMap(([source, name]) => {
        const mapping = mapper.map(source, name);
        return mapping.kind === 'action' ? mapping.actions : [];
      });
    const performed = usedOf([
      ['s3.amazonaws.com', 'CreateBucket'],
      ['sts.amazonaws.com', 'GetCallerIdentity'],
    ]);
    const granted = ['s3:CreateBucket', 's3:PutObject', 's3:DeleteBucket'];
    const lines = diffActions({ used: performed, granted, isRecorded });

    it('empty input prints nothing (agrees)', () => {
      expect(diffActions({ used: [], granted: [], isRecorded })).toEqual([]);
    });
    it('used and granted (agrees)', () => {
      expect(
        diffActions({
          used: usedOf([['s3.amazonaws.com', 'CreateBucket']]),
          granted: ['s3:CreateBucket'],
          isRecorded,
        }),
      ).toEqual([{ action: 's3:CreateBucket', status: 'used' }]);
    });
    it('used, unused and unknown (agrees)', () => {
      expect(lines).toEqual([
        { action: 's3:CreateBucket', status: 'used' },
        { action: 's3:DeleteBucket', status: 'unused' },
        { action: 's3:PutObject', status: 'unknown' },
      ]);
    });
    it('--show-used (agrees)', () => {
      expect(filterDiff(lines, { showUsed: true })).toEqual([{ action: 's3:CreateBucket', status: 'used' }]);
    });
    it('--ignore-unknown (agrees)', () => {
      expect(filterDiff(lines, { ignoreUnknown: true })).toEqual([
        { action: 's3:CreateBucket', status: 'used' },
        { action: 's3:DeleteBucket', status: 'unused' },
      ]);
    });
  });

  it('10 get_role_iam finds the role (agrees)', () => {
    const role = findPrincipal(roleWithStatements(), 'role', 'test_role');
    expect(role).toMatchObject({ name: 'test_role', arn: 'arn:aws:iam::111111111111:role/test_role' });
  });

  it('11 get_role_allowed_actions keeps s3:ListBucket (differs: CloudTracker dropped it)', () => {
    // CloudTracker returned [kms:decrypt, kms:describekey, s3:putobject, s3:putobjectacl]:
    // s3:ListBucket is an IAM action but not an API name, so its 2018 API list silently lost the grant.
    expect(
      grantedNames(
        [{ Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:Decrypt'], Resource: '*' }],
        [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectAcl', 's3:ListBucket'], Resource: '*' }],
      ),
    ).toEqual(['kms:Decrypt', 'kms:DescribeKey', 's3:ListBucket', 's3:PutObject', 's3:PutObjectAcl']);
  });
});
