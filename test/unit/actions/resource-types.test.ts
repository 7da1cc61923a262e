import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { ResourceFit } from '../../../src/actions/resource-types.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const { resourceTypes } = loadActionData();

// Each row restates the "Resource types" column of the Service Authorization Reference for the
// action (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
// list_amazondynamodb.html, list_awslambda.html, list_awsidentityandaccessmanagementiam.html) and
// the ARN format of the type it names there.
const CASES: readonly { action: string; resource: string; fit: ResourceFit }[] = [
  // GetObject: object (and access point object); a bucket is another type of S3.
  { action: 's3:GetObject', resource: 'arn:aws:s3:::reports/2026/summary.csv', fit: 'accepted' },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::reports/2026/*', fit: 'accepted' },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::reports', fit: 'other-type' },
  { action: 's3:GetObjectVersion', resource: 'arn:aws:s3:::reports', fit: 'other-type' },
  // ListBucket: bucket only (an object ARN fits the bucket's format too: a format cannot tell).
  { action: 's3:ListBucket', resource: 'arn:aws:s3:::reports', fit: 'accepted' },
  { action: 's3:ListBucket', resource: 'arn:aws:s3:::reports/2026/*', fit: 'accepted' },
  // ListAllMyBuckets: no resource type, `*` only.
  { action: 's3:ListAllMyBuckets', resource: 'arn:aws:s3:::reports', fit: 'star-only' },
  // Query: table and index; DeleteTable: table, not an index.
  {
    action: 'dynamodb:Query',
    resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
    fit: 'accepted',
  },
  {
    action: 'dynamodb:Query',
    resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/by-customer',
    fit: 'accepted',
  },
  // DeleteTable: table; a stream is of another type.
  {
    action: 'dynamodb:DeleteTable',
    resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
    fit: 'accepted',
  },
  {
    action: 'dynamodb:GetRecords',
    resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
    fit: 'other-type',
  },
  // InvokeFunction: function, whose format a qualified ARN (an alias) fits too; IAM authorises the
  // call on that ARN (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
  {
    action: 'lambda:InvokeFunction',
    resource: 'arn:aws:lambda:us-east-1:111122223333:function:worker:live',
    fit: 'accepted',
  },
  // PassRole: role (its name with a path).
  { action: 'iam:PassRole', resource: 'arn:aws:iam::111122223333:role/service/app', fit: 'accepted' },
  { action: 'iam:PassRole', resource: 'arn:aws:iam::111122223333:instance-profile/web', fit: 'other-type' },
  // The reference names the type `Secret`; the type's name is `secret`.
  {
    action: 'secretsmanager:GetSecretValue',
    resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf',
    fit: 'accepted',
  },
  // No type of the service fits, or no such action: nothing tells.
  { action: 's3:GetObject', resource: 'arn:aws:sqs:us-east-1:111122223333:jobs', fit: 'unknown' },
  { action: 's3:NoSuchAction', resource: 'arn:aws:s3:::reports', fit: 'unknown' },
];

describe('ResourceTypeCatalog', () => {
  for (const entry of CASES)
    it(`${entry.action} on ${entry.resource}: ${entry.fit}`, () => {
      expect(resourceTypes.fit(entry.action, entry.resource)).toBe(entry.fit);
      expect(resourceTypes.accepts(entry.action, entry.resource)).toBe(
        entry.fit === 'accepted' || entry.fit === 'unknown',
      );
    });

  it('every type an action names is a type of its service, its name in any case', () => {
    const services = JSON.parse(readFileSync(join(REPO_ROOT, 'data/resource_types.json'), 'utf8')) as Record<
      string,
      { types: Record<string, string>; actions: Record<string, string[]> }
    >;
    const missing = Object.entries(services).flatMap(([prefix, service]) => {
      const types = new Set(Object.keys(service.types).map((name) => name.toLowerCase()));
      return Object.entries(service.actions).flatMap(([action, named]) =>
        named.filter((type) => !types.has(type.toLowerCase())).map((type) => `${prefix}:${action} ${type}`),
      );
    });
    expect(missing).toEqual([]);
  });

  it('a resource may be of every type whose ARN format it fits: a name without / is no object', () => {
    expect(resourceTypes.typesOf('s3', 'arn:aws:s3:::b/k')).toEqual(['bucket', 'object']);
    expect(resourceTypes.typesOf('s3', 'arn:aws:s3:::b')).toEqual(['bucket']);
    expect(resourceTypes.typesOf('lambda', 'arn:aws:lambda:us-east-1:111122223333:function:worker')).toEqual([
      'function',
    ]);
  });
});
