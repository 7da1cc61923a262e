import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { recordingClassOf } from '../../../src/actions/action-catalog.js';
import { expandActionPattern } from '../../../src/actions/action-pattern.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { REPO_ROOT } from '../../helpers/paths.js';

describe('recording classes', () => {
  const { catalog, mapper } = loadActionData();
  const observed = JSON.parse(readFileSync(join(REPO_ROOT, 'data/observed_events.json'), 'utf8')) as {
    rows: { eventSource: string; eventName: string; category: string | null; resourceTypes: string[] }[];
  };

  // Each expectation restates a fact of ../shared/notes/cloudtrail-coverage-facts.md or of the data
  // sets, independently of the build script.
  it.each([
    ['lambda:InvokeFunctionUrl', 'unknown', 'documented'],
    ['rds-db:connect', 'not-recorded', 'documented'],
    ['es:ESHttpGet', 'not-recorded', 'documented'],
    ['kafka-cluster:Connect', 'not-recorded', 'documented'],
    ['kafka-cluster:CreateTopic', 'management', 'documented'],
    ['cloudwatch:GetMetricData', 'data:AWS::CloudWatch::Metric', 'documented'],
    ['sqs:GetQueueAttributes', 'data:AWS::SQS::Queue', 'documented'],
    ['logs:PutLogEvents', 'unknown', 'documented'],
    ['iam:PassRole', 'not-recorded', 'documented'],
    ['sts:TagSession', 'not-recorded', 'documented'],
    ['s3:GetObject', 'data:AWS::S3::Object', 'observed'],
    ['s3:ListBucket', 'data:AWS::S3::Object', 'observed'],
    ['ec2:DescribeInstances', 'management', 'observed'],
    ['s3:ListAllMyBuckets', 'management', 'observed'],
    ['execute-api:Invoke', 'not-recorded', 'no-operation'],
    ['cloudwatch:DescribeAlarmHistory', 'management', 'api-operation'],
    ['sagemaker:PutRecord', 'unknown', 'data-plane'],
    ['bedrock:GetAsyncInvoke', 'data:AWS::Bedrock::AsyncInvoke', 'documented'],
    ['rds-data:ExecuteStatement', 'management', 'documented'],
    ['verifiedpermissions:IsAuthorized', 'unknown', 'documented'],
    // Firehose's CloudTrail page lists the logged calls without the record APIs; the data-event
    // table has AWS::KinesisFirehose::DeliveryStream:
    // https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudtrail.html
    ['firehose:PutRecord', 'data:AWS::KinesisFirehose::DeliveryStream', 'documented'],
    ['firehose:PutRecordBatch', 'data:AWS::KinesisFirehose::DeliveryStream', 'documented'],
    ['firehose:CreateDeliveryStream', 'management', 'api-operation'],
    // X-Ray's page lists only its configuration calls; AWS::XRay::Trace names no APIs:
    // https://docs.aws.amazon.com/xray/latest/devguide/xray-api-cloudtrail.html
    ['xray:PutTraceSegments', 'unknown', 'documented'],
    ['xray:PutTelemetryRecords', 'unknown', 'documented'],
    ['xray:GetSamplingRules', 'unknown', 'documented'],
    ['xray:CreateGroup', 'management', 'api-operation'],
    // Activity workers and task-token callbacks; AWS::StepFunctions::Activity and AWS::SWF::Domain
    // name no APIs: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-events.html
    ['states:SendTaskSuccess', 'unknown', 'documented'],
    ['states:SendTaskFailure', 'unknown', 'documented'],
    ['states:SendTaskHeartbeat', 'unknown', 'documented'],
    ['states:GetActivityTask', 'unknown', 'documented'],
    ['states:StartExecution', 'management', 'api-operation'],
    ['swf:PollForActivityTask', 'unknown', 'documented'],
    ['swf:PollForDecisionTask', 'unknown', 'documented'],
    // The Storage Lens console's GetStorageLensDashboardDataInternal, a management event of the data sets.
    ['s3:GetStorageLensDashboard', 'management', 'observed'],
  ])('%s is %s (%s)', (name, recorded, evidence) => {
    const action = catalog.get(name);
    expect(action && recordingClassOf(action)).toBe(recorded);
    expect(action?.evidence.kind).toBe(evidence);
  });

  it('an action with no API model and no source is unknown, never management', () => {
    // ec2messages has no botocore model and no cited page (the notes find no statement).
    for (const action of catalog.actionsOf('ec2messages')) {
      expect(action.recorded, action.name).toBe('unknown');
      expect(action.evidence.kind).toBe('none');
    }
  });

  it('every management or data event of the data sets gives its actions that class, as the event mapper maps them', () => {
    let checked = 0;
    for (const row of observed.rows) {
      if (row.category !== 'Management' && row.category !== 'Data') continue;
      const mapping = mapper.map(row.eventSource, row.eventName);
      if (mapping.kind !== 'action') continue;
      for (const name of mapping.actions) {
        const action = catalog.get(name);
        expect(action?.evidence.kind, name).toBe('observed');
        if (row.category === 'Management') expect(action?.recorded, name).toBe('management');
        else expect(row.resourceTypes, name).toContain(action?.dataResourceType);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(250);
  });
});

describe('data/ invariants', () => {
  const { catalog, tables } = loadActionData();
  const readRows = (file: string): Record<string, unknown>[] =>
    (JSON.parse(readFileSync(join(REPO_ROOT, 'data', file), 'utf8')) as { rows: Record<string, unknown>[] })
      .rows;

  it('aws_actions.txt is one service:Action per line, sorted, unique, matching the catalog', () => {
    const lines = readFileSync(join(REPO_ROOT, 'data/aws_actions.txt'), 'utf8').trimEnd().split('\n');
    expect(lines.every((line) => /^[a-z0-9-]+:[A-Za-z0-9-]+$/.test(line))).toBe(true);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toEqual(catalog.actions.map((a) => a.name));
  });

  it('every eventSource exception maps to a known IAM prefix', () => {
    for (const prefix of new Set(tables.eventSourcePrefixes.values()))
      expect(catalog.hasPrefix(prefix), prefix).toBe(true);
  });

  it("every rename's actions are in the catalog (the mapper checks each only when an event needs it)", () => {
    expect(tables.eventRenames.size).toBeGreaterThan(50);
    for (const [event, row] of tables.eventRenames)
      for (const action of [...row.actions, ...row.also])
        expect(catalog.get(action)?.name, `${event} -> ${action}`).toBe(action);
  });

  it('every rename and no-permission event names a known prefix', () => {
    for (const file of ['event_renames.json', 'no_permission_events.json']) {
      for (const row of readRows(file)) {
        const prefix = String(row.event).split(':')[0] ?? '';
        expect(catalog.hasPrefix(prefix), `${file}: ${String(row.event)}`).toBe(true);
      }
    }
  });

  it('every recording fact pattern matches at least one action, and every data type is in the table', () => {
    const types = new Set(
      (
        JSON.parse(readFileSync(join(REPO_ROOT, 'data/data_event_types.json'), 'utf8')) as {
          types: { resourceType: string }[];
        }
      ).types.map((t) => t.resourceType),
    );
    expect(types.size).toBe(250);
    for (const row of readRows('recording_facts.json')) {
      for (const pattern of row.actions as string[])
        expect(expandActionPattern(catalog, pattern).kind, pattern).toBe('matched');
      const recorded = String(row.recorded);
      if (recorded.startsWith('data:')) expect(types.has(recorded.slice(5)), recorded).toBe(true);
      else expect(['management', 'not-recorded', 'unknown']).toContain(recorded);
    }
  });

  it('every curated row cites an AWS documentation page', () => {
    for (const file of [
      'eventsource_prefixes.json',
      'event_renames.json',
      'no_permission_events.json',
      'recording_facts.json',
    ]) {
      for (const row of readRows(file))
        expect(String(row.source), file).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });

  it('no event is both renamed and permission-free', () => {
    for (const key of tables.eventRenames.keys()) expect(tables.noPermissionEvents.has(key), key).toBe(false);
  });
});
