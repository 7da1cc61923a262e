import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createRandom,
  makeRecord,
  userIdentity,
  writeLogFiles,
} from '../../scripts/lib/cloudtrail-writer.mjs';
import { accessLevelsFromTsv, actionClassesFromTsv } from '../helpers/action-classes.js';
import { DEMO_ARGS, DEMO_CACHED_ARGS, flatten, runCli } from '../helpers/cli.js';
import { demoInOwnFolders } from '../helpers/demo-own-folders.js';
import type { CliRun } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const SELECTORS = join(REPO_ROOT, 'test/fixtures/event-selectors');

interface DiffAction {
  action: string;
  status: string;
  symbol: string;
  recorded: string;
  evidence: { kind: string; detail: string };
  basis: string;
}

/** The demo's role admin (granted "*"), with more flags. */
const admin = (...args: string[]) =>
  runCli([...DEMO_CACHED_ARGS, '--account', 'demo', '--role', 'admin', ...args]);

describe('"-" only for actions CloudTrail would have recorded (demo role admin, granted "*")', () => {
  let result: CliRun;
  let document: { actions: DiffAction[]; dataEventTypesLogged: string[] };
  beforeAll(async () => {
    result = await admin('--format', 'json');
    document = JSON.parse(result.stdout) as typeof document;
  });

  it('counts "-" as the management actions, less the used ones: the data types the logs hold stay "?" without the selectors', () => {
    expect(result.status).toBe(0);
    // The demo's logs hold S3 object and Lambda invoke data events (scripts/generate-demo.mjs).
    expect(document.dataEventTypesLogged).toEqual(['AWS::Lambda::Function', 'AWS::S3::Object']);
    const classes = actionClassesFromTsv();
    const used = new Set(document.actions.filter((a) => a.status === 'used').map((a) => a.action));
    // A trail can leave out KMS's and the RDS Data API's management events, of one direction or
    // both: the demo's logs hold KMS reads (Decrypt, Encrypt) only and no RDS Data API event, so
    // the other KMS actions and all of the RDS Data API's are "?".
    // KMS reads: its Read and List actions, and the three CloudTrail records as reads though IAM
    // says Write (README, "When is an unused grant -?").
    const levels = accessLevelsFromTsv();
    const kmsRead = (action: string): boolean =>
      ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'].includes(action) ||
      ['Read', 'List'].includes(levels.get(action) ?? '');
    const excludedHere = (action: string): boolean =>
      action.startsWith('rds-data:') || (action.startsWith('kms:') && !kmsRead(action));
    const recordable = [...classes].filter(
      ([action, recorded]) => !used.has(action) && recorded === 'management' && !excludedHere(action),
    );
    const unused = document.actions.filter((a) => a.symbol === '-');
    expect(unused.length).toBe(recordable.length);
    expect(document.actions.filter((a) => a.symbol === '?').length).toBe(
      classes.size - used.size - recordable.length,
    );
  });

  it.each([
    ['lambda:InvokeFunctionUrl', 'unknown'],
    ['rds-db:connect', 'not-recorded'],
    ['execute-api:Invoke', 'not-recorded'],
    ['cloudwatch:GetMetricData', 'data:AWS::CloudWatch::Metric'],
    ['logs:PutLogEvents', 'unknown'],
    ['iam:PassRole', 'not-recorded'],
  ])('%s is "?" (%s), with its evidence and why', (name, recorded) => {
    const line = document.actions.find((a) => a.action === name);
    expect(line).toMatchObject({ symbol: '?', status: 'unknown', recorded });
    expect(line?.evidence.kind).toMatch(/^(documented|no-operation|observed|api-operation|none)$/);
    expect(line?.basis.length).toBeGreaterThan(10);
  });

  it('a data action of a type the logs hold is "?" without the selectors, and says why', () => {
    // The logs show that the trail selects S3 object data events of some buckets, not of which: a
    // selector narrowed by ARN is common (notes: cloudtrail-coverage-facts.md §1a).
    expect(document.actions.find((a) => a.action === 's3:DeleteObject')).toMatchObject({
      symbol: '?',
      recorded: 'data:AWS::S3::Object',
      basis:
        'a data event of type AWS::S3::Object: the logs hold data events of that type, but a trail can select them for some resources only (--event-selectors settles it)',
    });
  });

  // admin's one policy is the AWS-managed AdministratorAccess (examples/demo/iam/demo.json).
  it('CSV carries the class, its evidence, the basis and the granting policy', async () => {
    const csv = (await admin('--format', 'csv')).stdout.split('\n');
    expect(csv[0]).toBe(
      'symbol,status,action,calls,last_seen,limited,possibly_used,recorded,evidence,evidence_detail,basis,window_incomplete,granted_by',
    );
    expect(csv.find((line) => line.includes(',rds-db:connect,'))).toBe(
      '?,unknown,rds-db:connect,0,,false,false,not-recorded,documented,https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html#UsingWithRDS.IAMDBAuth.Limitations,CloudTrail records no event of its own for this action,false,arn:aws:iam::aws:policy/AdministratorAccess (aws-managed)',
    );
  });
});

/** What a report says of the selectors, and the verdict of s3:GetObject (a data action). */
const selectorsVerdict = (run: CliRun) => {
  const document = JSON.parse(run.stdout) as {
    actions: DiffAction[];
    eventSelectors: string | null;
    eventSelectorsNotApplied: string | null;
  };
  return {
    getObject: document.actions.find((a) => a.action === 's3:GetObject')?.symbol,
    eventSelectors: document.eventSelectors,
    eventSelectorsNotApplied: document.eventSelectorsNotApplied,
  };
};

describe('--event-selectors', () => {
  const withSelectors = (file: string) =>
    admin('--format', 'json', '--event-selectors', join(SELECTORS, file));

  it('makes what the trail records exact: KMS excluded, S3 narrowed to one bucket, every Lambda function', async () => {
    const result = await withSelectors('advanced-no-kms.json');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { actions: DiffAction[]; eventSelectors: string };
    const symbolOf = (name: string) => document.actions.find((a) => a.action === name)?.symbol;
    expect(symbolOf('kms:Decrypt')).toBe('?');
    expect(symbolOf('s3:DeleteObject')).toBe('?');
    expect(symbolOf('lambda:InvokeFunction')).not.toBe('?');
    // A management event admin never made (its sessions delete users and keys, never a group).
    expect(symbolOf('iam:DeleteGroup')).toBe('-');
    expect(document.eventSelectors).toBe(join(SELECTORS, 'advanced-no-kms.json'));
  });

  it('a write-only trail makes unused reads "?"', async () => {
    const document = JSON.parse((await withSelectors('basic-write-only-s3-all.json')).stdout) as {
      actions: DiffAction[];
    };
    expect(document.actions.find((a) => a.action === 'iam:GetRole')?.symbol).toBe('?');
    expect(document.actions.find((a) => a.action === 'iam:DeleteRole')?.symbol).toBe('-');
  });

  it("judges only the trail's own account, another one only with --organization-trail", async () => {
    // basic-all-data.json is the selectors of a trail of account demo (111111111111), logging S3
    // object events for every bucket; backup (222222222222) is judged by them only if that trail is
    // an organization trail.
    const ops = (...args: string[]) =>
      runCli([
        ...DEMO_CACHED_ARGS,
        '--account',
        'backup',
        '--user',
        'ops',
        '--format',
        'json',
        '--event-selectors',
        join(SELECTORS, 'basic-all-data.json'),
        ...args,
      ]);
    const notApplied = await ops();
    expect(notApplied.status).toBe(0);
    const reason = `--event-selectors ${join(SELECTORS, 'basic-all-data.json')} are the selectors of trail arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail, of account 111111111111: not applied to account backup (222222222222), which is judged from its logs alone, as without --event-selectors; add --organization-trail if that trail is an organization trail`;
    expect(selectorsVerdict(notApplied)).toEqual({
      getObject: '?',
      eventSelectors: null,
      eventSelectorsNotApplied: reason,
    });
    expect(flatten(notApplied.stderr)).toContain(reason);
    const organization = await ops('--organization-trail');
    expect(organization.status).toBe(0);
    expect(selectorsVerdict(organization)).toEqual({
      getObject: '-',
      eventSelectors: join(SELECTORS, 'basic-all-data.json'),
      eventSelectorsNotApplied: null,
    });
    expect(flatten(organization.stderr)).not.toContain('not applied');
  });

  it("--organization-trail with an account's logs in its own folders: applied, with a caution", async () => {
    const file = join(SELECTORS, 'basic-all-data.json');
    const organizationTrail = async (where: readonly string[], account: string, user: string) => {
      const run = await runCli([
        ...where,
        ...['--account', account, '--user', user, '--format', 'json'],
        ...['--event-selectors', file, '--organization-trail'],
      ]);
      expect(run.status, run.stderr).toBe(0);
      const { eventSelectorsCaution } = JSON.parse(run.stdout) as { eventSelectorsCaution: string | null };
      return { run, caution: eventSelectorsCaution, stderr: flatten(run.stderr) };
    };
    // The demo's logs in each account's own folders (AWSLogs/<account>/), where a trail of the
    // account itself writes, not an organization trail.
    const relaid = mkdtempSync(join(tmpdir(), 'iamtrail-own-folders-'));
    try {
      const own = [
        ...['--config', demoInOwnFolders(relaid), '--start', '2026-10-01', '--end', '2026-10-31'],
        '--no-cache',
      ];
      const ops = await organizationTrail(own, 'backup', 'ops');
      const caution = `--organization-trail: account backup (222222222222) has its logs only in AWSLogs/222222222222/, where a trail of the account's own writes, not in an organization trail's folders (AWSLogs/o-…/<account>/): the selectors of trail arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail (--event-selectors ${file}) still judge their data actions, as the flag says; if that trail does not log them, a "-" for a data action may be wrong`;
      expect(ops.stderr).toContain(caution);
      expect(ops.caution).toBe(caution);
      // Still applied, as the flag says.
      expect(selectorsVerdict(ops.run)).toMatchObject({ getObject: '-', eventSelectorsNotApplied: null });
      // The trail's own account (demo) in its own folders: no caution.
      const alice = await organizationTrail(own, 'demo', 'alice');
      expect(alice.caution).toBeNull();
      expect(alice.stderr).not.toContain('--organization-trail:');
    } finally {
      rmSync(relaid, { recursive: true, force: true });
    }
    // In the organization trail's folders (the demo as shipped): no caution.
    const shipped = await organizationTrail(DEMO_CACHED_ARGS, 'backup', 'ops');
    expect(shipped.caution).toBeNull();
    expect(shipped.stderr).not.toContain('--organization-trail:');
  });

  it('with --destrole, the account of the role judged decides', async () => {
    const selectors = ['--event-selectors', join(SELECTORS, 'basic-all-data.json')];
    const question = (account: string, user: string, destaccount: string) =>
      runCli([
        ...DEMO_CACHED_ARGS,
        ...['--account', account, '--user', user, '--destrole', 'admin', '--destaccount', destaccount],
        ...['--format', 'json', ...selectors],
      ]);
    // ops (backup) in demo's admin role: the role's account is the trail's, so they apply.
    const intoDemo = await question('backup', 'ops', 'demo');
    expect(intoDemo.status, intoDemo.stderr).toBe(0);
    expect(selectorsVerdict(intoDemo)).toMatchObject({ eventSelectorsNotApplied: null });
    expect(selectorsVerdict(intoDemo).eventSelectors).toBe(join(SELECTORS, 'basic-all-data.json'));
    // alice (demo) in backup's admin role: backup's events are judged, so they do not.
    const intoBackup = await question('demo', 'alice', 'backup');
    expect(intoBackup.status, intoBackup.stderr).toBe(0);
    expect(selectorsVerdict(intoBackup)).toMatchObject({ getObject: '?', eventSelectors: null });
    expect(selectorsVerdict(intoBackup).eventSelectorsNotApplied).toContain(
      'not applied to account backup (222222222222)',
    );
  });

  it('where they are not applied, the read-only hint points at that, not at passing them', async () => {
    // Backup's logs of 2026-10-01 hold no management write: the trail looks read-only.
    const args = [
      ...DEMO_CACHED_ARGS.map((arg) => (arg === '2026-10-31' ? '2026-10-01' : arg)),
      ...['--account', 'backup', '--user', 'ops'],
    ];
    const without = await runCli(args);
    expect(flatten(without.stderr)).toContain(
      'the trail looks read-only, so unused write actions are "?" (pass --event-selectors FILE to be exact)',
    );
    const skipped = await runCli([...args, '--event-selectors', join(SELECTORS, 'basic-all-data.json')]);
    expect(flatten(skipped.stderr)).toContain(
      'the trail looks read-only, so unused write actions are "?" (the --event-selectors file is not applied to this account: see above)',
    );
  });

  it('a "?" the selectors would settle says the file given is not applied to this account', async () => {
    // Backup's logs hold no KMS event: its admin's (granted "*") unused KMS actions are "?".
    const run = await runCli([
      ...DEMO_CACHED_ARGS,
      ...['--account', 'backup', '--role', 'admin', '--format', 'json'],
      ...['--event-selectors', join(SELECTORS, 'basic-all-data.json')],
    ]);
    expect(run.status, run.stderr).toBe(0);
    const line = (JSON.parse(run.stdout) as { actions: DiffAction[] }).actions.find(
      (a) => a.action === 'kms:CreateAlias',
    );
    expect(line?.basis).toBe(
      "trails can leave out AWS KMS's management events, and the logs hold none of them (--event-selectors would settle it; the file given is not applied to this account)",
    );
  });

  it('--organization-trail without --event-selectors is exit 2', async () => {
    const run = await admin('--organization-trail');
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain(
      'All of the following must be provided when using --organization-trail: --event-selectors',
    );
  });

  it('a missing file or one that is not get-event-selectors output is exit 2 naming the file', async () => {
    const missing = await withSelectors('no-such-file.json');
    expect(missing.status).toBe(2);
    expect(flatten(missing.stderr)).toContain(
      `event selectors file ${join(SELECTORS, 'no-such-file.json')} does not exist`,
    );
    const wrong = await withSelectors('not-selectors.json');
    expect(wrong.status).toBe(2);
    expect(flatten(wrong.stderr)).toContain('not the output of get-event-selectors');
  });
});

describe('a trail that looks write-only', () => {
  const root = mkdtempSync(join(tmpdir(), 'iamtrail-write-only-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const random = createRandom(11);
  const identity = userIdentity(random, '111111111111', 'alice');
  // Only write calls, as a trail with ReadWriteType WriteOnly delivers them.
  const records = ['UpdateFunctionCode20150331v2', 'UpdateFunctionCode20150331v2'].map((name, index) =>
    makeRecord(random, {
      time: new Date(Date.UTC(2026, 9, 5, 10, index)),
      account: '111111111111',
      region: 'us-east-1',
      source: 'lambda.amazonaws.com',
      name,
      identity,
      readOnly: false,
    }),
  );
  writeLogFiles(random, root, 'o-demo12345', records);

  it('warns, and makes the unused read actions "?" while unused writes stay "-"', async () => {
    const result = await runCli([
      '--config',
      'examples/demo/config.example.yaml',
      '--logs',
      root,
      '--no-cache',
      '--account',
      'demo',
      '--user',
      'alice',
      '--start',
      '2026-10-05',
      '--end',
      '2026-10-05',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(0);
    expect(flatten(result.stderr)).toContain('the trail looks write-only');
    const document = JSON.parse(result.stdout) as { actions: DiffAction[]; writeOnlySuspected: boolean };
    expect(document.writeOnlySuspected).toBe(true);
    const symbolOf = (name: string) => document.actions.find((a) => a.action === name)?.symbol;
    // alice's grants (examples/demo/iam/demo.json, `iamtrail iam show --user alice`).
    expect(symbolOf('s3:ListAllMyBuckets')).toBe('?');
    expect(symbolOf('cloudwatch:DescribeAlarms')).toBe('?');
    expect(symbolOf('lambda:UpdateFunctionCode')).toBe(' ');
    expect(symbolOf('s3:CreateAccessPoint')).toBe('-');
  });
});

describe('a log file that could not be read', () => {
  const cache = join(mkdtempSync(join(tmpdir(), 'iamtrail-unreadable-')), 'cache.duckdb');
  afterAll(() => {
    rmSync(join(cache, '..'), { recursive: true, force: true });
  });
  /** `--list users` of the demo account through a cache, in JSON, from 2026-10-01 to `end`. */
  const list = (cachePath = cache, end = '2026-10-31') =>
    runCli([
      ...DEMO_ARGS.filter((arg) => arg !== '--no-cache').map((arg) => (arg === '2026-10-31' ? end : arg)),
      '--cache',
      cachePath,
      '--account',
      'demo',
      '--list',
      'users',
      '--format',
      'json',
    ]);

  it('leaves the window incomplete, in the run that read it and in every cached run after it', async () => {
    // The demo holds one corrupt file (examples/demo/logs/.../2026/10/15/..._CorruptedInTransit.json.gz).
    const first = await list();
    const cached = await list();
    for (const [run, engineCalls] of [
      [first, 1],
      [cached, 0],
    ] as const) {
      expect(run.status).toBe(0);
      const { logs } = JSON.parse(run.stdout) as {
        logs: { complete: boolean; engineCalls: number; unreadableFiles: { file: string }[] };
      };
      expect(logs.engineCalls).toBe(engineCalls);
      expect(logs.complete).toBe(false);
      expect(logs.unreadableFiles.map((entry) => entry.file.split('/').at(-1))).toEqual([
        '111111111111_CloudTrail_us-east-1_20261015T0900Z_CorruptedInTransit.json.gz',
      ]);
    }
    expect(flatten(cached.stderr)).toContain(
      '1 log file(s) of the window could not be read when their days were loaded',
    );
  });

  it("leaves incomplete a window whose next day's folder holds it: a late delivery may hold its last calls", async () => {
    // The corrupt file lies in the folder of 2026-10-15, the day after this window, read for the
    // files CloudTrail delivers after midnight.
    const before = join(cache, '..', 'day-before.duckdb');
    const first = await list(before, '2026-10-14');
    const cached = await list(before, '2026-10-14');
    for (const run of [first, cached]) {
      expect(run.status).toBe(0);
      const { logs } = JSON.parse(run.stdout) as {
        logs: { complete: boolean; unreadableFiles: { file: string }[] };
      };
      expect(logs.complete).toBe(false);
      expect(logs.unreadableFiles.map((entry) => entry.file.split('/').at(-1))).toEqual([
        '111111111111_CloudTrail_us-east-1_20261015T0900Z_CorruptedInTransit.json.gz',
      ]);
    }
  });
});
