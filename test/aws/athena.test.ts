import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetWorkGroupCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { DuckDBInstance } from '@duckdb/node-api';
import { CreateTableCommand, GetDatabaseCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { athenaListUsersArgs, flatten, runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { SUMMARY_COLUMNS, coverageRows, createUserRow, summaryRow } from '../helpers/athena-results.js';
import { readCacheRows } from '../helpers/cache-rows.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { startMoto } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';
import { REPO_ROOT } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-athena-'));
let moto: MotoServer;
let athena: AthenaClient;
let glue: GlueClient;
let s3: S3Client;
let iam: IAMClient;

/** The query executions started since `before` (a list of ids), with their SQL and parameters. */
const newExecutions = async (before: readonly string[]) => {
  const ids =
    (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'iamtrail-wg' }))).QueryExecutionIds ?? [];
  const added = ids.filter((id) => !before.includes(id));
  return Promise.all(
    added.map(
      async (id) =>
        (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution,
    ),
  );
};
const executionIds = async (): Promise<string[]> =>
  (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'iamtrail-wg' }))).QueryExecutionIds ?? [];

function writeConfig(name: string, athenaLines: string[], accounts: string[]): string {
  const path = join(work, name);
  writeFileSync(
    path,
    ['athena:', ...athenaLines.map((line) => `  ${line}`), 'accounts:', ...accounts, ''].join('\n'),
  );
  return path;
}
const ORG_ATHENA = [
  'config_marker: removed-below',
  's3_bucket: org-trail-bucket',
  'path: logs',
  'org_id: o-abc1234567',
  'output_s3_bucket: s3://query-results-bucket',
  'workgroup: iamtrail-wg',
  'regions: [us-east-1, eu-west-1]',
  'scan_cap_gb: 50',
].filter((line) => !line.startsWith('config_marker'));
const DEMO_ACCOUNTS = [
  '  - name: demo',
  '    id: 111111111111',
  `    iam: ${join(REPO_ROOT, 'examples/demo/iam/demo.json')}`,
  '  - name: backup',
  '    id: 222222222222',
  `    iam: ${join(REPO_ROOT, 'examples/demo/iam/backup.json')}`,
];
let config: string;
let cache: string;
const cli = (...args: string[]): Promise<CliRun> => runCli([...args], moto.env);
const queryCount = async (): Promise<number> =>
  ((await athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'iamtrail-wg' }))).QueryExecutionIds ?? [])
    .length;

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
  iam = new IAMClient(clientConfig);
  config = writeConfig('org.yaml', ORG_ATHENA, DEMO_ACCOUNTS);
  cache = join(work, 'cache.duckdb');
  for (const Bucket of ['org-trail-bucket', 'query-results-bucket'])
    await s3.send(new CreateBucketCommand({ Bucket }));
}, 60_000);
afterAll(async () => {
  for (const client of [athena, glue, s3, iam]) client.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('iamtrail athena setup (moto over HTTP)', () => {
  it('--dry-run prints the plan and creates nothing', async () => {
    const result = await cli('athena', 'setup', '--config', config, '--cache', cache, '--dry-run');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      'would create database iamtrail',
      'would create table iamtrail.cloudtrail',
      'would create workgroup iamtrail-wg',
    ]);
    expect(result.stdout).toContain(
      '  storage.location.template s3://org-trail-bucket/logs/AWSLogs/o-abc1234567/${account}/CloudTrail/${region}/${date}/',
    );
    await expect(glue.send(new GetDatabaseCommand({ Name: 'iamtrail' }))).rejects.toThrow();
  });

  it('creates the database, the projected table and the workgroup through the APIs, with no Athena query', async () => {
    const result = await cli('athena', 'setup', '--config', config, '--cache', cache);
    expect(result.status, result.stderr).toBe(0);
    const table = (await glue.send(new GetTableCommand({ DatabaseName: 'iamtrail', Name: 'cloudtrail' })))
      .Table;
    expect(table?.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.account.type': 'enum',
      'projection.account.values': '111111111111,222222222222',
      'projection.region.values': 'eu-west-1,us-east-1',
      'projection.date.format': 'yyyy/MM/dd',
      'storage.location.template':
        's3://org-trail-bucket/logs/AWSLogs/o-abc1234567/${account}/CloudTrail/${region}/${date}/',
    });
    expect(table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hive.hcatalog.data.JsonSerDe',
    );
    expect(
      table?.StorageDescriptor?.Columns?.find((column) => column.Name === 'useridentity')?.Type,
    ).toContain('sourceidentity:string');
    const workgroup = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'iamtrail-wg' }))).WorkGroup;
    expect(workgroup?.Configuration?.BytesScannedCutoffPerQuery).toBe(50 * 1024 ** 3);
    expect(await queryCount()).toBe(0);
  });

  it('is idempotent, and changes only what differs', async () => {
    expect((await cli('athena', 'setup', '--config', config, '--cache', cache)).stdout.split('\n')[0]).toBe(
      'table iamtrail.cloudtrail is up to date',
    );
    const wider = writeConfig(
      'wider.yaml',
      ORG_ATHENA.map((line) =>
        line.startsWith('regions') ? 'regions: [us-east-1, eu-west-1, ap-south-1]' : line,
      ),
      DEMO_ACCOUNTS,
    );
    expect((await cli('athena', 'setup', '--config', wider, '--cache', cache)).stdout.split('\n')[0]).toBe(
      'did update table iamtrail.cloudtrail (parameter projection.region.values)',
    );
    expect((await cli('athena', 'setup', '--config', config, '--cache', cache)).stdout.split('\n')[0]).toBe(
      'did update table iamtrail.cloudtrail (parameter projection.region.values)',
    );
  });

  it('never changes a table it did not create', async () => {
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'iamtrail',
        TableInput: { Name: 'someone_elses', Parameters: { owner: 'data-team' } },
      }),
    );
    const foreign = writeConfig('foreign.yaml', [...ORG_ATHENA, 'table: someone_elses'], DEMO_ACCOUNTS);
    const result = await cli('athena', 'setup', '--config', foreign, '--cache', cache);
    expect(result.status).toBe(2);
    expect(flatten(result.stderr)).toContain(
      'the table iamtrail.someone_elses exists and was not created by iamtrail; iamtrail does not change it',
    );
  });
});

// The canned rows queued for a query are written by moto, when the query starts, as its CSV result
// object (`<OutputLocation><id>.csv`): the engine reads the summary from there (S3 GetObject), never
// through GetQueryResults (test/aws/athena-s3-results.test.ts counts the calls).
describe('iamtrail --engine athena (moto over HTTP, canned results)', () => {
  /**
   * alice's question over October, read through Athena (canned results) into the cache, once: the
   * first test checks that run; the others ask the cached window whichever of them runs first.
   */
  let aliceRun: Promise<{ before: number; result: CliRun }> | undefined;
  const askAlice = (): Promise<{ before: number; result: CliRun }> => {
    aliceRun ??= (async () => {
      const before = await queryCount();
      await moto.queueAthenaResults(
        [
          summaryRow(
            '111111111111',
            '2026-10-02',
            'arn:aws:iam::111111111111:user/alice',
            'IAMUser',
            's3.amazonaws.com',
            'ListBuckets',
          ),
          summaryRow(
            '111111111111',
            '2026-10-03',
            'arn:aws:iam::111111111111:user/alice',
            'IAMUser',
            'ec2.amazonaws.com',
            'DescribeInstances',
          ),
          summaryRow(
            '111111111111',
            '2026-10-03',
            'arn:aws:iam::111111111111:user/alice',
            'IAMUser',
            's3.amazonaws.com',
            'DeleteBucket',
            'denied',
            '1',
          ),
          summaryRow(
            '111111111111',
            '2026-10-03',
            'arn:aws:iam::111111111111:user/bob',
            'IAMUser',
            'iam.amazonaws.com',
            'GetUser',
          ),
          // a session of backup's admin that alice opened
          summaryRow(
            '222222222222',
            '2026-10-04',
            'arn:aws:iam::222222222222:role/admin',
            'AssumedRole',
            'backup.amazonaws.com',
            'ListBackupPlans',
            'ok',
            '2',
            'arn:aws:iam::111111111111:user/alice',
          ),
          // alice, as demo's admin, created carol: an activity row, and the change row of the event
          summaryRow(
            '111111111111',
            '2026-10-05',
            'arn:aws:iam::111111111111:role/admin',
            'AssumedRole',
            'iam.amazonaws.com',
            'CreateUser',
            'ok',
            '1',
            'arn:aws:iam::111111111111:user/alice',
          ),
          createUserRow(
            '111111111111',
            '2026-10-05T09:00:00Z',
            'arn:aws:iam::111111111111:role/admin',
            'e-athena-create-carol',
            'carol',
            'arn:aws:iam::111111111111:user/alice',
          ),
          ...coverageRows(['111111111111', '222222222222'], '2026-10-01', '2026-10-31'),
        ],
        SUMMARY_COLUMNS,
      );
      const result = await cli(
        '--config',
        config,
        '--cache',
        cache,
        '--engine',
        'athena',
        '--account',
        'demo',
        '--user',
        'alice',
        '--start',
        '2026-10-01',
        '--end',
        '2026-10-31',
        '--show-used',
      );
      return { before, result };
    })();
    return aliceRun;
  };

  it('answers --user with one Athena query per window, whose partitions are literals and values bound', async () => {
    const { before, result } = await askAlice();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        '+ ec2:DescribeInstances',
        '  s3:ListAllMyBuckets',
        '',
        'Roles alice may assume (sts:AssumeRole in its policies) and their use in the window:',
        // the queued CreateUser row of demo's admin, in a session alice opened
        '  admin           1 call(s), last 2026-10-05T11:00:00Z',
        '  admin (backup)  2 call(s), last 2026-10-04T11:00:00Z',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toMatch(/athena [0-9a-f-]+: SUCCEEDED/);
    expect(result.stderr).toContain('athena: 1 query(ies), 0 B scanned, about $0.0000 at $5 per TB');
    expect(await queryCount()).toBe(before + 1);

    const ids =
      (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'iamtrail-wg' }))).QueryExecutionIds ??
      [];
    const executions = await Promise.all(
      ids.map((id) => athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))),
    );
    const summary = executions
      .map((execution) => execution.QueryExecution)
      .find((execution) => execution?.Query?.includes('"date" >=') === true);
    expect(summary?.Query).toContain(
      `"date" >= '2026/09/30' and "date" <= '2026/11/01' and "account" IN ('111111111111', '222222222222')`,
    );
    expect(summary?.ExecutionParameters).toEqual([
      "'2026-10-01T00:00:00Z'",
      "'2026-09-30T00:00:00Z'",
      "'2026-11-01T00:00:00Z'",
      "'2026-10-01T00:00:00Z'",
      "'111111111111'",
      "'222222222222'",
    ]);
    expect(summary?.QueryExecutionContext?.Database).toBe('iamtrail');
  });

  it("keeps the summary's IAM change rows in the cache, with the window's days", async () => {
    const { result } = await askAlice();
    expect(result.status, result.stderr).toBe(0);
    const store = await CacheStore.open(cache);
    try {
      const [status] = await store.status();
      expect(status?.source).toMatch(/^athena:/);
      const changes = await store.iamChanges(status?.source ?? '', {
        startDay: '2026-10-01',
        endDay: '2026-10-31',
      });
      expect(changes).toEqual([
        {
          accountId: '111111111111',
          day: '2026-10-05',
          eventTime: '2026-10-05T09:00:00Z',
          eventId: 'e-athena-create-carol',
          eventName: 'CreateUser',
          actorArn: 'arn:aws:iam::111111111111:role/admin',
          actorType: 'AssumedRole',
          callerArn: 'arn:aws:iam::111111111111:user/alice',
          sourceIp: '203.0.113.9',
          userName: 'carol',
          roleName: null,
          groupName: null,
          accessKeyId: null,
          policyArn: null,
          policyName: null,
          status: null,
          createdAccessKeyId: null,
          outcome: 'ok',
          errorCode: null,
        },
      ]);
    } finally {
      await store.close();
    }
  });

  it('answers another question of the same window from the cache, with no Athena query', async () => {
    await askAlice();
    const before = await queryCount();
    const result = await cli(...athenaListUsersArgs(config, cache, '2026-10-01', '2026-10-31'));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 4)).toEqual([
      '  alice    2026-10-03',
      '  bob      2026-10-03',
      '- charlie  not active in window',
      '- erin     not active in window',
    ]);
    expect(await queryCount()).toBe(before);
  });

  it('answers destination-role questions of the cached window with no Athena query', async () => {
    await askAlice();
    const before = await queryCount();
    const window = ['--start', '2026-10-01', '--end', '2026-10-31'];
    const common = ['--config', config, '--cache', cache, '--engine', 'athena', ...window];
    const asAdmin = await cli(
      ...common,
      '--account',
      'demo',
      '--user',
      'alice',
      '--destrole',
      'admin',
      '--destaccount',
      'backup',
      '--show-used',
    );
    expect(asAdmin.status, asAdmin.stderr).toBe(0);
    expect(asAdmin.stdout).toBe('  backup:ListBackupPlans\n');
    const callers = await cli(...common, '--account', 'backup', '--destrole', 'admin');
    expect(callers.stdout).toBe(
      '  111111111111:user/alice  2 call(s) on 1 day(s), last 2026-10-04T11:00:00Z\n',
    );
    expect(await queryCount()).toBe(before);
  });
});

describe('iamtrail --engine athena and the coverage of its logs (moto over HTTP, canned results)', () => {
  // Windows the other questions did not read, in the same cache: cleanup then finds every query.
  const window = ['--start', '2026-09-01', '--end', '2026-09-03'];

  it('reads again, for an account added to the config, the days cached for the other account', async () => {
    const demoOnly = writeConfig('demo-only.yaml', ORG_ATHENA, DEMO_ACCOUNTS.slice(0, 3));
    const ask = (configFile: string, account: string) =>
      cli(
        '--config',
        configFile,
        '--cache',
        cache,
        '--engine',
        'athena',
        '--skip-setup',
        '--account',
        account,
        '--list',
        'users',
        ...window,
        '--format',
        'json',
      );
    await moto.queueAthenaResults(
      [
        summaryRow(
          '111111111111',
          '2026-10-02',
          'arn:aws:iam::111111111111:user/alice',
          'IAMUser',
          's3.amazonaws.com',
          'ListBuckets',
        ),
        ...coverageRows(['111111111111'], '2026-09-01', '2026-09-03'),
      ],
      SUMMARY_COLUMNS,
    );
    let before = await executionIds();
    const first = await ask(demoOnly, 'demo');
    expect(first.status, first.stderr).toBe(0);
    let executions = await newExecutions(before);
    expect(executions).toHaveLength(1);
    expect(executions[0]?.ExecutionParameters?.filter((value) => /^'\d{12}'$/.test(value))).toEqual([
      "'111111111111'",
    ]);
    expect((await ask(demoOnly, 'demo')).status).toBe(0);
    expect(await newExecutions(before)).toHaveLength(1);

    // backup joins the config: its days were never read, though they are cached for demo.
    await moto.queueAthenaResults(
      [
        summaryRow(
          '111111111111',
          '2026-10-02',
          'arn:aws:iam::111111111111:user/alice',
          'IAMUser',
          's3.amazonaws.com',
          'ListBuckets',
        ),
        summaryRow(
          '222222222222',
          '2026-10-03',
          'arn:aws:iam::222222222222:user/erin',
          'IAMUser',
          'backup.amazonaws.com',
          'ListBackupPlans',
        ),
        ...coverageRows(['111111111111', '222222222222'], '2026-09-01', '2026-09-03'),
      ],
      SUMMARY_COLUMNS,
    );
    before = await executionIds();
    const backup = await ask(config, 'backup');
    expect(backup.status, backup.stderr).toBe(0);
    expect((JSON.parse(backup.stdout) as { logs: unknown }).logs).toMatchObject({
      engineCalls: 1,
      daysRead: 3,
      complete: true,
      coverage: [
        {
          account: { name: 'backup', id: '222222222222' },
          daysWithLogs: 3,
          days: [{ startDay: '2026-09-01', endDay: '2026-09-03' }],
          gaps: [],
          files: 6,
        },
      ],
    });
    executions = await newExecutions(before);
    expect(executions).toHaveLength(1);
    expect(executions[0]?.ExecutionParameters?.filter((value) => /^'\d{12}'$/.test(value))).toEqual([
      "'111111111111'",
      "'222222222222'",
    ]);
    // Now both accounts' days are loaded: no query for either.
    before = await executionIds();
    expect((await ask(config, 'demo')).status).toBe(0);
    expect((await ask(config, 'backup')).status).toBe(0);
    expect(await newExecutions(before)).toHaveLength(0);
    // Seven runs of the binary: more than the default minute on a busy machine.
  }, 240_000);

  it('refuses, with exit code 2, an account the table holds no log of in the window', async () => {
    await moto.queueAthenaResults(
      coverageRows(['222222222222'], '2026-08-01', '2026-08-03'),
      SUMMARY_COLUMNS,
    );
    const result = await cli(
      '--config',
      config,
      '--cache',
      cache,
      '--engine',
      'athena',
      '--skip-setup',
      '--account',
      'demo',
      '--user',
      'alice',
      '--start',
      '2026-08-01',
      '--end',
      '2026-08-03',
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    const message = flatten(result.stderr);
    expect(message).toContain(
      'no CloudTrail log for account demo (111111111111) in 2026-08-01..2026-08-03 in the Athena table iamtrail.cloudtrail (us-east-1), over s3://org-trail-bucket/logs/AWSLogs/o-abc1234567/: the logs there hold records of 222222222222 (3 day(s)) in that window',
    );
    expect(message).toContain(
      'Check that the trail delivers to s3://org-trail-bucket/logs/AWSLogs/o-abc1234567/<account>/CloudTrail/',
    );
  });
});

describe('iamtrail athena cleanup (moto over HTTP)', () => {
  it('removes exactly what iamtrail created: its result objects, table and workgroup; foreign objects survive', async () => {
    const executions =
      (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'iamtrail-wg' }))).QueryExecutionIds ??
      [];
    // Athena writes <id>.csv and .csv.metadata; moto writes only the .csv of a query it had canned
    // rows for, so put both where Athena would.
    for (const id of executions) {
      for (const suffix of ['.csv', '.csv.metadata']) {
        await s3.send(
          new PutObjectCommand({
            Bucket: 'query-results-bucket',
            Key: `iamtrail-results/${id}${suffix}`,
            Body: 'a,b\n',
          }),
        );
      }
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: 'query-results-bucket',
        Key: 'iamtrail-results/someone-elses.csv',
        Body: 'x',
      }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: 'query-results-bucket', Key: 'other-team/result.csv', Body: 'x' }),
    );
    const logKey =
      'logs/AWSLogs/o-abc1234567/111111111111/CloudTrail/us-east-1/2026/10/02/111111111111_CloudTrail_us-east-1_20261002T1000Z_a.json.gz';
    await s3.send(new PutObjectCommand({ Bucket: 'org-trail-bucket', Key: logKey, Body: 'x' }));

    // A query row the ledger was made to hold (the cache is only a file), naming a log object as its
    // result, in the account of the credentials: cleanup must keep the object, and say so.
    const account = (await readCacheRows(cache, 'SELECT account_id FROM athena_queries LIMIT 1'))[0]?.[0];
    const forged = '0e6f2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b';
    const writable = await DuckDBInstance.create(cache);
    try {
      const connection = await writable.connect();
      await connection.run(
        "INSERT INTO athena_queries VALUES ($1, 'us-east-1', 'iamtrail-wg', $2, '2026-11-01T00:00:00Z', 'SUCCEEDED', 0, $3)",
        [forged, `s3://org-trail-bucket/${logKey}`, String(account)],
      );
      connection.closeSync();
    } finally {
      writable.closeSync();
    }

    const dryRun = await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run');
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain('would remove table iamtrail.cloudtrail');
    expect(dryRun.stdout).not.toContain('org-trail-bucket');
    expect(flatten(dryRun.stderr)).toContain(
      `would keep result-object s3://org-trail-bucket/${logKey}: not the result object of query ${forged} under the results location s3://query-results-bucket/iamtrail-results/`,
    );
    const noTerminal = await cli('athena', 'cleanup', '--config', config, '--cache', cache);
    expect(noTerminal.status).toBe(2);
    expect(flatten(noTerminal.stderr)).toContain('Pass --yes to remove them');

    const result = await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--yes');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'kept database iamtrail: it holds tables iamtrail did not create (someone_elses)',
    );
    const keys = async (Bucket: string) =>
      ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? [])
        .map((object) => object.Key)
        .sort();
    expect(await keys('query-results-bucket')).toEqual([
      'iamtrail-results/someone-elses.csv',
      'other-team/result.csv',
    ]);
    expect(await keys('org-trail-bucket')).toEqual([logKey]);
    await expect(
      glue.send(new GetTableCommand({ DatabaseName: 'iamtrail', Name: 'cloudtrail' })),
    ).rejects.toThrow();
    expect(
      (await glue.send(new GetTableCommand({ DatabaseName: 'iamtrail', Name: 'someone_elses' }))).Table?.Name,
    ).toBe('someone_elses');
    expect(
      (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'iamtrail-wg' }))).WorkGroup?.Name,
    ).toBeUndefined();
    // A second cleanup finds nothing left of its own (the kept database stays on record).
    expect((await cli('athena', 'cleanup', '--config', config, '--cache', cache, '--dry-run')).stdout).toBe(
      'would remove database iamtrail\n',
    );
  });
});

describe('IAM data from the API (moto over HTTP)', () => {
  it('reads IAM data from the API, assuming the configured role, when an account has no iam: file', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'carol',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:GetObject'], Resource: '*' }],
        }),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'iamtrail-reader',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    const apiConfig = writeConfig('api.yaml', ORG_ATHENA, [
      '  - name: moto',
      '    id: 123456789012',
      '    role: arn:aws:iam::123456789012:role/iamtrail-reader',
    ]);
    await moto.queueAthenaResults(
      [
        summaryRow(
          '123456789012',
          '2026-10-05',
          'arn:aws:iam::123456789012:user/carol',
          'IAMUser',
          's3.amazonaws.com',
          'ListBuckets',
        ),
        ...coverageRows(['123456789012'], '2026-10-01', '2026-10-31'),
      ],
      SUMMARY_COLUMNS,
    );
    const result = await cli(
      '--config',
      apiConfig,
      '--cache',
      join(work, 'api-cache.duckdb'),
      '--engine',
      'athena',
      '--account',
      'moto',
      '--user',
      'carol',
      '--start',
      '2026-10-01',
      '--end',
      '2026-10-31',
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('? s3:GetObject\n  s3:ListAllMyBuckets\n');
  });
});

describe('iamtrail permissions', () => {
  it('prints a least-privilege policy naming the configured bucket, database, table and workgroup', async () => {
    const result = await cli('permissions', '--config', config);
    expect(result.status).toBe(0);
    const policy = JSON.parse(result.stdout) as { Statement: { Sid: string; Resource: string | string[] }[] };
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual([
      'GlueCatalogForTheTrailTable',
      'AthenaQueriesInTheWorkgroup',
      'ReadTheTrail',
      'ListTheTrail',
      'WriteAndRemoveQueryResults',
      'ReadIamDataWhenNoFileIsGiven',
      'CollectAccessAdvisor',
      'AuditCredentials',
      'SimulatePolicyTests',
      'ManageBoundaryPolicies',
      'SetPrincipalBoundariesAndTags',
      'TagPrincipalsWithIamtrailKeys',
      'ListTheOrganizationsAccounts',
    ]);
    expect(policy.Statement.find((statement) => statement.Sid === 'ListTheTrail')).toEqual({
      Sid: 'ListTheTrail',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: 'arn:aws:s3:::org-trail-bucket',
      Condition: { StringLike: { 's3:prefix': ['logs/AWSLogs/', 'logs/AWSLogs/*'] } },
    });
    expect(JSON.stringify(policy)).toContain('arn:aws:s3:::org-trail-bucket/logs/AWSLogs/*');
    expect(JSON.stringify(policy)).toContain('arn:aws:s3:::query-results-bucket/iamtrail-results/*');
    expect(JSON.stringify(policy)).toContain('workgroup/iamtrail-wg');
    expect(policy.Statement.some((statement) => statement.Sid === 'AssumeTheAccountsReadRoles')).toBe(false);
  });

  it("allows sts:AssumeRole on every account's role: and nothing else", async () => {
    const roles = [
      'arn:aws:iam::333333333333:role/iamtrail-reader',
      'arn:aws:iam::444444444444:role/audit/reader',
    ];
    const withRoles = writeConfig('roles.yaml', ORG_ATHENA, [
      ...DEMO_ACCOUNTS,
      ...roles.flatMap((role, index) => [
        `  - name: api${index}`,
        `    id: ${role.slice(13, 25)}`,
        `    role: ${role}`,
      ]),
    ]);
    const result = await cli('permissions', '--config', withRoles);
    expect(result.status, result.stderr).toBe(0);
    const policy = JSON.parse(result.stdout) as { Statement: { Sid: string }[] };
    expect(policy.Statement.at(-1)).toEqual({
      Sid: 'AssumeTheAccountsReadRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: roles,
    });
  });
});
