import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AthenaClient,
  CreateWorkGroupCommand,
  DeleteWorkGroupCommand,
  GetWorkGroupCommand,
  ListTagsForResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-athena';
import {
  CreateTableCommand,
  DeleteTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { runCommand } from '@oclif/test';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { athenaSchema } from '../../src/config/config-schema.js';
import {
  STANDARD_REGIONS,
  describeTrailRegions,
  resolveTrailRegions,
} from '../../src/engines/athena/athena-regions.js';
import { athenaListUsersArgs, flatten, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { SUMMARY_COLUMNS, coverageRows } from '../helpers/athena-results.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * CloudTracker's `athena:` section, unchanged (its keys only, no `regions:`), against moto over
 * HTTP: set-up finds the regions in the trail bucket; cleanup removes only what still carries
 * iamtrail's marker and goes on when the results bucket is gone. Each test makes its own state.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-ct-config-'));
const ORG = 'o-ct12345678';
const TRAIL_BUCKET = 'ct-trail-bucket';
const PREFIX = 'my_prefix';
/** The trail as CloudTrail writes it: two accounts, two regions each (one shared), plus two folders that are no region. */
const LOG_FOLDERS = [
  ['111111111111', 'us-east-1'],
  ['111111111111', 'eu-west-1'],
  ['222222222222', 'eu-west-1'],
  ['222222222222', 'ap-south-1'],
] as const;
const STRAY_FOLDERS = [
  ['111111111111', 'Digest'],
  ['222222222222', "us-east-1','x"],
] as const;
const EXPECTED_REGIONS = [...new Set(LOG_FOLDERS.map(([, region]) => region))].sort();
const accountPrefix = (account: string) => `${PREFIX}/AWSLogs/${ORG}/${account}/CloudTrail/`;
const ACCOUNTS = [
  '  - name: demo',
  '    id: 111111111111',
  `    iam: ${join(REPO_ROOT, 'examples/demo/iam/demo.json')}`,
  '  - name: backup',
  '    id: 222222222222',
  `    iam: ${join(REPO_ROOT, 'examples/demo/iam/backup.json')}`,
];

let moto: MotoServer;
let athena: AthenaClient;
let glue: GlueClient;
let s3: S3Client;
const cli = (...args: string[]): Promise<CliRun> => runCli(args, moto.env);

/** A config whose athena: section holds CloudTracker's keys only, plus `extra` (iamtrail's) when given. */
function cloudTrackerConfig(name: string, resultsBucket: string, extra: string[] = []): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(
    path,
    [
      'athena:',
      `  s3_bucket: ${TRAIL_BUCKET}`,
      `  path: ${PREFIX}`,
      `  org_id: ${ORG}`,
      `  output_s3_bucket: s3://${resultsBucket}`,
      `  workgroup: ${name}-wg`,
      ...extra.map((line) => `  ${line}`),
      'accounts:',
      ...ACCOUNTS,
      '',
    ].join('\n'),
  );
  return path;
}

beforeAll(async () => {
  moto = await startMoto();
  const clientConfig = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  athena = new AthenaClient(clientConfig);
  glue = new GlueClient(clientConfig);
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
  for (const [account, folder] of [...LOG_FOLDERS, ...STRAY_FOLDERS]) {
    await s3.send(
      new PutObjectCommand({
        Bucket: TRAIL_BUCKET,
        Key: `${accountPrefix(account)}${folder}/2026/10/02/${account}_CloudTrail_${folder}_20261002T1000Z_a.json.gz`,
        Body: 'x',
      }),
    );
  }
}, 60_000);
afterAll(async () => {
  for (const client of [athena, glue, s3]) client.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('athena setup with CloudTracker config (no regions:)', () => {
  it('finds the regions in the trail bucket, says where, and projects exactly those', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ct-results-found' }));
    const config = cloudTrackerConfig('found', 'ct-results-found', ['database: ct_found']);
    const cache = join(work, 'found.duckdb');
    const regionsLine =
      `regions: ${EXPECTED_REGIONS.join(', ')} (found in ` +
      `s3://${TRAIL_BUCKET}/${accountPrefix('111111111111')}, s3://${TRAIL_BUCKET}/${accountPrefix('222222222222')}; ` +
      `ignored folders that are not region names: ${STRAY_FOLDERS.map(([, folder]) => folder)
        .sort()
        .join(', ')})`;

    const dryRun = await cli('athena', 'setup', '--config', config, '--cache', cache, '--dry-run');
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`\n${regionsLine}\n`);
    expect(dryRun.stdout).toContain(`  projection region enum ${EXPECTED_REGIONS.join(',')}\n`);
    await expect(glue.send(new GetDatabaseCommand({ Name: 'ct_found' }))).rejects.toThrow();

    const result = await cli('athena', 'setup', '--config', config, '--cache', cache);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`\n${regionsLine}\n`);
    const table = (await glue.send(new GetTableCommand({ DatabaseName: 'ct_found', Name: 'cloudtrail' })))
      .Table;
    expect(table?.Parameters?.['projection.region.values']).toBe(EXPECTED_REGIONS.join(','));

    const json = await cli('athena', 'setup', '--config', config, '--cache', cache, '--dry-run', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      steps: [{ action: 'none', target: 'ct_found.cloudtrail' }],
      trailRegions: { source: 'listing', regions: EXPECTED_REGIONS },
    });
  });

  it("the report's implicit set-up says which regions it found, on stderr", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ct-results-report' }));
    const config = cloudTrackerConfig('report', 'ct-results-report', ['database: ct_report']);
    await moto.queueAthenaResults(
      coverageRows(['111111111111'], '2026-10-01', '2026-10-31'),
      SUMMARY_COLUMNS,
    );
    const result = await cli(
      ...athenaListUsersArgs(config, join(work, 'report.duckdb'), '2026-10-01', '2026-10-31'),
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `regions: ${EXPECTED_REGIONS.join(', ')} (found in s3://${TRAIL_BUCKET}/`,
    );
    const table = (await glue.send(new GetTableCommand({ DatabaseName: 'ct_report', Name: 'cloudtrail' })))
      .Table;
    expect(table?.Parameters?.['projection.region.values']).toBe(EXPECTED_REGIONS.join(','));
  });

  it('config regions: win, and no listing is needed', async () => {
    const athenaConfig = athenaSchema.parse({ s3_bucket: 'no-such-bucket', regions: ['sa-east-1'] });
    const trail = await resolveTrailRegions({ s3 }, athenaConfig, ['111111111111'], 'us-east-1');
    expect(describeTrailRegions(trail)).toBe('regions: sa-east-1 (from the config)');
  });
});

describe('athena setup when listing the trail is denied (aws-sdk-client-mock)', () => {
  const denied = () =>
    new S3ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'Access Denied',
    });
  const athenaConfig = athenaSchema.parse({ s3_bucket: TRAIL_BUCKET, path: PREFIX, org_id: ORG });

  it('falls back to the standard regions of the partition and says why', async () => {
    const mock = mockClient(S3Client);
    try {
      mock.on(ListObjectsV2Command).rejects(denied());
      const trail = await resolveTrailRegions(
        { s3: new S3Client({ region: 'us-east-1' }) },
        athenaConfig,
        ['111111111111', '222222222222'],
        'us-east-1',
      );
      expect(trail.regions).toEqual([...STANDARD_REGIONS.aws].sort());
      expect(describeTrailRegions(trail)).toBe(
        `regions: all 17 standard regions (listing s3://${TRAIL_BUCKET}/${accountPrefix('111111111111')} ` +
          'was denied: AccessDenied; set athena.regions to choose)',
      );
      expect(mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
        { Bucket: TRAIL_BUCKET, Prefix: accountPrefix('111111111111'), Delimiter: '/' },
        { Bucket: TRAIL_BUCKET, Prefix: accountPrefix('222222222222'), Delimiter: '/' },
      ]);
      const gov = await resolveTrailRegions(
        { s3: new S3Client({ region: 'us-gov-west-1' }) },
        athenaConfig,
        ['111111111111'],
        'us-gov-west-1',
      );
      expect(gov.regions).toEqual(['us-gov-east-1', 'us-gov-west-1']);
    } finally {
      mock.restore();
    }
  });

  it('`athena setup --dry-run` prints the fallback (S3 denied by the mock, Glue on moto)', async () => {
    const mock = mockClient(S3Client);
    const saved = { ...process.env };
    try {
      mock.on(ListObjectsV2Command).rejects(denied());
      Object.assign(process.env, moto.env);
      const config = cloudTrackerConfig('denied', 'ct-results-denied', ['database: ct_denied']);
      const { stdout, error } = await runCommand(
        ['athena', 'setup', '--config', config, '--cache', join(work, 'denied.duckdb'), '--dry-run'],
        { root: REPO_ROOT },
      );
      expect(error).toBeUndefined();
      expect(stdout).toContain(
        `regions: all 17 standard regions (listing s3://${TRAIL_BUCKET}/${accountPrefix('111111111111')} ` +
          'was denied: AccessDenied; set athena.regions to choose)',
      );
      expect(stdout).toContain(`  projection region enum ${[...STANDARD_REGIONS.aws].sort().join(',')}\n`);
    } finally {
      mock.restore();
      process.env = saved;
    }
  });

  it('another S3 failure stops set-up with exit code 3 and names the location', async () => {
    const config = join(work, 'nobucket.yaml');
    writeFileSync(
      config,
      [
        'athena:',
        '  s3_bucket: bucket-that-does-not-exist',
        '  workgroup: nobucket-wg',
        'accounts:',
        ...ACCOUNTS,
        '',
      ].join('\n'),
    );
    const result = await cli('athena', 'setup', '--config', config, '--cache', join(work, 'nobucket.duckdb'));
    expect(result.status).toBe(3);
    expect(flatten(result.stderr)).toMatch(
      /S3 ListObjectsV2 s3:\/\/bucket-that-does-not-exist\/AWSLogs\/(111111111111|222222222222)\/CloudTrail\/ failed: NoSuchBucket/,
    );
  });
});

describe('athena cleanup checks ownership (moto over HTTP)', () => {
  it('keeps a table and a workgroup recreated under the same names without the marker', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ct-results-keep' }));
    const config = cloudTrackerConfig('keep', 'ct-results-keep', ['database: ct_keep']);
    const cache = join(work, 'keep.duckdb');
    expect((await cli('athena', 'setup', '--config', config, '--cache', cache)).status).toBe(0);
    expect(
      (await glue.send(new GetTableCommand({ DatabaseName: 'ct_keep', Name: 'cloudtrail' }))).Table
        ?.Parameters?.['iamtrail.managed'],
    ).toBe('true');

    // Someone else drops both and recreates them under the same names.
    await glue.send(new DeleteTableCommand({ DatabaseName: 'ct_keep', Name: 'cloudtrail' }));
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'ct_keep',
        TableInput: { Name: 'cloudtrail', Parameters: { owner: 'data-team' } },
      }),
    );
    const arn = 'arn:aws:athena:us-east-1:123456789012:workgroup/keep-wg';
    await athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'keep-wg' }));
    // moto keeps a deleted workgroup's tags (its tagger is keyed by ARN); AWS drops them with it.
    await athena.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['iamtrail.managed'] }));
    await athena.send(
      new CreateWorkGroupCommand({ Name: 'keep-wg', Tags: [{ Key: 'team', Value: 'data' }] }),
    );
    expect((await athena.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'data' },
    ]);

    const dryRun = await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run');
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toBe('would remove database ct_keep\n');
    expect(flatten(dryRun.stderr)).toContain(
      "would keep table ct_keep.cloudtrail: it no longer carries iamtrail's marker (iamtrail.managed): someone else recreated it under this name",
    );

    const result = await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--yes');
    expect(result.status, result.stderr).toBe(0);
    const stderr = flatten(result.stderr);
    expect(stderr).toContain(
      "kept table ct_keep.cloudtrail: it no longer carries iamtrail's marker (iamtrail.managed): someone else recreated it under this name",
    );
    expect(stderr).toContain(
      "kept workgroup keep-wg: it no longer carries iamtrail's marker (iamtrail.managed): someone else recreated it under this name",
    );
    expect(stderr).toContain('kept database ct_keep: it holds tables iamtrail did not create (cloudtrail)');
    expect(
      (await glue.send(new GetTableCommand({ DatabaseName: 'ct_keep', Name: 'cloudtrail' }))).Table
        ?.Parameters,
    ).toEqual({ owner: 'data-team' });
    expect((await athena.send(new GetWorkGroupCommand({ WorkGroup: 'keep-wg' }))).WorkGroup?.Name).toBe(
      'keep-wg',
    );
    // The recreated objects are no longer on record as iamtrail's; its own database still is.
    expect((await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run')).stdout).toBe(
      'would remove database ct_keep\n',
    );
  });

  it('goes on when the results bucket is gone, removing the table, workgroup and database', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ct-results-gone' }));
    const config = cloudTrackerConfig('gone', 'ct-results-gone', ['database: ct_gone']);
    const cache = join(work, 'gone.duckdb');
    await moto.queueAthenaResults(
      coverageRows(['111111111111'], '2026-10-01', '2026-10-31'),
      SUMMARY_COLUMNS,
    );
    const report = await cli(
      ...['--config', config, '--cache', cache, '--engine', 'athena', '--account', 'demo'],
      ...['--list', 'users', '--start', '2026-10-01', '--end', '2026-10-31'],
    );
    expect(report.status, report.stderr).toBe(0);
    const dryRun = await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run');
    const objects = dryRun.stdout.split('\n').filter((line) => line.startsWith('would remove result-object'));
    expect(objects).toHaveLength(2);
    expect(objects[0]).toMatch(
      /^would remove result-object s3:\/\/ct-results-gone\/iamtrail-results\/[0-9a-f-]+\.csv$/,
    );

    // Someone removes the results bucket (emptied first, as S3 requires).
    for (const object of (await s3.send(new ListObjectsV2Command({ Bucket: 'ct-results-gone' }))).Contents ??
      [])
      await s3.send(new DeleteObjectCommand({ Bucket: 'ct-results-gone', Key: object.Key }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'ct-results-gone' }));
    const result = await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--yes');
    expect(result.status, result.stderr).toBe(0);
    expect(flatten(result.stderr)).toContain(
      'the results bucket ct-results-gone does not exist any more: its 2 result object(s) went with it',
    );
    expect(result.stdout).toContain('removed 3 item(s)');
    await expect(
      glue.send(new GetTableCommand({ DatabaseName: 'ct_gone', Name: 'cloudtrail' })),
    ).rejects.toThrow();
    await expect(glue.send(new GetDatabaseCommand({ Name: 'ct_gone' }))).rejects.toThrow();
    expect(
      (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'gone-wg' }))).WorkGroup?.Name,
    ).toBeUndefined();
    // Nothing is left on record: the queries' objects are gone with their bucket.
    expect(
      (await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run')).stdout,
    ).toMatch(/^nothing to clean up in us-east-1/);
  });

  it('exits 3 when a removal fails, after doing the rest, and keeps the failure on record (Glue refused by aws-sdk-client-mock)', async () => {
    const config = cloudTrackerConfig('fail', 'ct-results-fail', ['database: ct_fail']);
    const cache = join(work, 'fail.duckdb');
    expect((await cli('athena', 'setup', '--config', config, '--cache', cache)).status).toBe(0);
    const mock = mockClient(GlueClient);
    const saved = { ...process.env };
    try {
      mock
        .on(GetTableCommand)
        .resolves({ Table: { Name: 'cloudtrail', Parameters: { 'iamtrail.managed': 'true' } } });
      mock
        .on(GetDatabaseCommand)
        .resolves({ Database: { Name: 'ct_fail', Parameters: { 'iamtrail.managed': 'true' } } });
      mock
        .on(DeleteTableCommand)
        .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
      mock
        .on(GetTablesCommand)
        .resolves({ TableList: [{ Name: 'cloudtrail', Parameters: { 'iamtrail.managed': 'true' } }] });
      Object.assign(process.env, moto.env);
      const { stderr, error } = await runCommand(
        ['athena', 'cleanup', '--config', config, '--cache', cache, '--yes'],
        { root: REPO_ROOT },
      );
      expect(error?.oclif?.exit).toBe(3);
      expect(flatten(error?.message ?? '')).toContain(
        'cleanup incomplete: 1 item(s) could not be removed or checked; the rest was done',
      );
      expect(flatten(stderr)).toContain(
        'could not remove table ct_fail.cloudtrail: Glue DeleteTable failed: AccessDeniedException: not allowed',
      );
      expect(flatten(stderr)).toContain(
        "kept database ct_fail: it still holds iamtrail's table(s) that could not be removed (cloudtrail)",
      );
    } finally {
      mock.restore();
      process.env = saved;
    }
    expect(
      (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'fail-wg' }))).WorkGroup?.Name,
    ).toBeUndefined();
    // The table that could not be removed is still on record for the next cleanup.
    expect((await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run')).stdout).toBe(
      'would remove table ct_fail.cloudtrail\nwould remove database ct_fail\n',
    );
  });
});
