import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import type { PolicyGenerateDocument } from '../../src/app/policy/generate-policy.js';
import { loadActionData } from '../../src/cli/action-data.js';
import { policyGenerateDocument } from '../contract/json-schemas.js';
import { runCli } from '../helpers/cli.js';
import { DATASETS_DIR, hasDatasets } from '../helpers/paths.js';

/*
 * `iamtrail policy generate` on real CloudTrail: Invictus-IR's Stratus Red Team run of 2023-07-10
 * (../shared/datasets/invictus-stratus-cloudtrail, MIT), read in place. bert-jan, who ran the
 * techniques, is given an administrator's grant (the dataset has no IAM data): what the policy
 * keeps must then come from his calls alone. Every expectation is read here from the raw records.
 */

const LOGS = join(DATASETS_DIR, 'invictus-stratus-cloudtrail');
// The files' paths say 218007301253; the records say 123837392027, which counts.
const ACCOUNT = '123837392027';
const USER = `arn:aws:iam::${ACCOUNT}:user/bert-jan`;
const work = mkdtempSync(join(tmpdir(), 'iamtrail-generate-dataset-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface RawRecord {
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly errorCode?: string;
  readonly requestParameters?: Record<string, unknown> | null;
  readonly resources?: readonly { readonly ARN?: string }[];
  readonly userIdentity: { readonly type?: string; readonly arn?: string };
}

function successfulCallsOfBertJan(): RawRecord[] {
  const files = readdirSync(LOGS, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.json.gz'),
  );
  return files
    .flatMap(
      (file) =>
        (JSON.parse(gunzipSync(readFileSync(join(LOGS, file))).toString('utf8')) as { Records: RawRecord[] })
          .Records,
    )
    .filter(
      (record) =>
        record.errorCode === undefined &&
        record.userIdentity.type === 'IAMUser' &&
        record.userIdentity.arn === USER,
    );
}

/** The resources a record names that a policy must allow: its `resources` ARNs, SSM parameters, S3 objects. */
function namedResources(record: RawRecord): string[] {
  const listed = (record.resources ?? []).flatMap((resource) =>
    resource.ARN === undefined ? [] : [resource.ARN],
  );
  if (listed.length > 0) return listed;
  const parameters = record.requestParameters ?? {};
  if (record.eventSource === 'ssm.amazonaws.com' && typeof parameters.name === 'string')
    return [`arn:aws:ssm:${record.awsRegion}:${ACCOUNT}:parameter/${parameters.name.replace(/^\//, '')}`];
  if (record.eventSource === 's3.amazonaws.com' && typeof parameters.bucketName === 'string')
    return [
      typeof parameters.key === 'string'
        ? `arn:aws:s3:::${parameters.bucketName}/${parameters.key}`
        : `arn:aws:s3:::${parameters.bucketName}`,
    ];
  return [];
}

/** An IAM glob as a regular expression (`*` any run, `?` one character). */
const glob = (pattern: string, flags = ''): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );

describe.runIf(hasDatasets())('policy generate on invictus-stratus-cloudtrail', () => {
  it("allows each of bert-jan's successful calls on the resources it named, scoped, within 6,144 characters a policy, and replays them all", async () => {
    const iam = join(work, 'iam.json');
    writeFileSync(
      iam,
      JSON.stringify({
        UserDetailList: [
          {
            Path: '/',
            UserName: 'bert-jan',
            UserId: 'AIDABERTJAN',
            Arn: USER,
            CreateDate: '2023-01-01T00:00:00Z',
            UserPolicyList: [
              {
                PolicyName: 'admin',
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
                },
              },
            ],
            GroupList: [],
            AttachedManagedPolicies: [],
            Tags: [],
          },
        ],
        RoleDetailList: [],
        GroupDetailList: [],
        Policies: [],
      }),
    );
    const config = join(work, 'config.yaml');
    writeFileSync(config, `logs: ${LOGS}\naccounts:\n  - {name: invictus, id: '${ACCOUNT}', iam: ${iam}}\n`);
    const run = await runCli([
      'policy',
      'generate',
      '--config',
      config,
      '--account',
      'invictus',
      '--user',
      'bert-jan',
      '--start',
      '2023-07-10',
      '--end',
      '2023-07-10',
      '--no-keep-unknown',
      '--cache',
      join(work, 'cache.duckdb'),
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as PolicyGenerateDocument;
    expect(() => policyGenerateDocument.parse(document)).not.toThrow();

    const allows = document.policies
      .flatMap((policy) => policy.document.Statement)
      .filter((statement) => statement.Effect === 'Allow');
    // A grant of everything: the generated statements are plain Action/Resource lists.
    for (const statement of allows) {
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
    const list = (value: string | readonly string[] | undefined): readonly string[] =>
      value === undefined ? [] : typeof value === 'string' ? [value] : value;
    const allowed = (action: string, resource: string): boolean =>
      allows.some(
        (statement) =>
          list(statement.Action).some((pattern) => glob(pattern, 'i').test(action)) &&
          list(statement.Resource).some((pattern) => glob(pattern).test(resource)),
      );

    const { mapper } = loadActionData();
    const calls = successfulCallsOfBertJan();
    expect(calls.length).toBeGreaterThan(1000);
    let checked = 0;
    let scoped = 0;
    for (const record of calls) {
      const mapping = mapper.map(record.eventSource, record.eventName);
      if (mapping.kind !== 'action') continue;
      const resources = namedResources(record);
      for (const action of mapping.actions) {
        checked += 1;
        if (resources.length === 0) {
          // No resource named: allowed on some resource.
          expect(
            allows.some((statement) =>
              list(statement.Action).some((pattern) => glob(pattern, 'i').test(action)),
            ),
            action,
          ).toBe(true);
          continue;
        }
        for (const resource of resources)
          expect(allowed(action, resource), `${action} on ${resource}`).toBe(true);
        // Scoped: the statements that allow it name resources, not everything.
        if (!allowed(action, 'arn:aws:unrelated:::nothing-seen')) scoped += 1;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    // Secrets, parameters, keys and objects of the run are scoped to what was named.
    expect(scoped).toBeGreaterThan(0);
    for (const policy of document.policies)
      expect(JSON.stringify(policy.document).replace(/\s/g, '').length).toBeLessThanOrEqual(6144);
    expect(document.replay.denied).toEqual([]);
    expect(document.replay.calls.allowed).toBe(document.replay.calls.total);
    expect(document.replay.calls.total).toBeGreaterThan(0);
  });
});
