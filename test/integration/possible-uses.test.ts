import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { userAllowing } from '../helpers/iam.js';

/*
 * Grants that these logs cannot show unused must not be "-", end to end:
 * - a create that carries tags is also authorised by the tagging action, which CloudTrail logs no
 *   event of (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html),
 *   and the summary keeps no request: ec2:CreateTags is possibly used by RunInstances;
 * - X-Ray's SDK and daemon calls are no management events (X-Ray's CloudTrail page lists only
 *   its configuration calls, https://docs.aws.amazon.com/xray/latest/devguide/xray-api-cloudtrail.html),
 *   nor Firehose's record calls (https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudtrail.html):
 *   unknown, or a data event of a type these logs hold none of: "?".
 * An unused management grant (ec2:DescribeInstances) stays "-", so the test sees the verdicts apart.
 */
const ACCOUNT = '333333333333';

const user = (name: string, actions: readonly string[]): object => userAllowing(ACCOUNT, name, actions);

const event = (
  name: string,
  eventSource: string,
  eventName: string,
  time: string,
  requestParameters: unknown,
) => ({
  eventVersion: '1.08',
  userIdentity: {
    type: 'IAMUser',
    principalId: `AIDA${name.toUpperCase()}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    accessKeyId: 'AKIAEXAMPLE',
    userName: name,
  },
  eventTime: time,
  eventSource,
  eventName,
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'aws-cli/2',
  requestParameters,
  responseElements: null,
  eventID: `${time}-${eventName}`,
  readOnly: eventName.startsWith('Describe'),
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: ACCOUNT,
  eventCategory: 'Management',
});

describe('possible uses that CloudTrail does not log', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iamtrail-possible-uses-'));
    writeFileSync(
      join(dir, 'iam.json'),
      JSON.stringify({
        UserDetailList: [
          user('tagger', ['ec2:RunInstances', 'ec2:CreateTags', 'ec2:DescribeInstances']),
          user('tracer', [
            'firehose:DescribeDeliveryStream',
            'firehose:PutRecord',
            'firehose:PutRecordBatch',
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
          ]),
        ],
        GroupDetailList: [],
        RoleDetailList: [],
        Policies: [],
      }),
    );
    const day = join(dir, 'logs/AWSLogs', ACCOUNT, 'CloudTrail/us-east-1/2026/11/04');
    mkdirSync(day, { recursive: true });
    writeFileSync(
      join(day, `${ACCOUNT}_CloudTrail_us-east-1_20261104T0500Z_uses.json.gz`),
      gzipSync(
        JSON.stringify({
          Records: [
            event('tagger', 'ec2.amazonaws.com', 'RunInstances', '2026-11-04T05:00:00Z', {
              instancesSet: { items: [{ imageId: 'ami-12345678', minCount: 1, maxCount: 1 }] },
              instanceType: 't3.micro',
              tagSpecificationSet: {
                items: [{ resourceType: 'instance', tags: [{ key: 'Name', value: 'web' }] }],
              },
            }),
            event('tracer', 'firehose.amazonaws.com', 'DescribeDeliveryStream', '2026-11-04T05:01:00Z', {
              deliveryStreamName: 'stream',
            }),
          ],
        }),
      ),
    );
    config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `logs: ${join(dir, 'logs')}\naccounts:\n  - name: acme\n    id: ${ACCOUNT}\n    iam: ${join(dir, 'iam.json')}\n`,
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const report = (name: string) =>
    runCli([
      '--config',
      config,
      '--account',
      'acme',
      '--start',
      '2026-11-01',
      '--end',
      '2026-11-10',
      '--no-cache',
      '--no-color',
      '--user',
      name,
    ]);

  it('counts the tagging action of a create as possibly used, never "-"', async () => {
    const run = await report('tagger');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}ec2:RunInstances$/m);
    expect(run.stdout).toMatch(/^ {2}ec2:CreateTags$/m);
    expect(run.stdout).toMatch(/^- ec2:DescribeInstances$/m);
  });

  it('prints "?", never "-", for the X-Ray and Firehose calls no management event records', async () => {
    const run = await report('tracer');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}firehose:DescribeDeliveryStream$/m);
    for (const action of [
      'firehose:PutRecord',
      'firehose:PutRecordBatch',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ])
      expect(run.stdout).toMatch(new RegExp(`^\\? ${action}$`, 'm'));
    expect(run.stdout).not.toMatch(/^- /m);
  });
});
