import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CacheStore } from '../../src/cache/cache-store.js';
import { advisorCollectDocument } from '../contract/json-schemas.js';
import type { AdvisorService } from '../../src/iam/access-advisor.js';
import { runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { MOTO_ADVISOR_FIXTURE, startMotoAdvisor } from '../helpers/moto.js';
import type { MotoServer } from '../helpers/moto.js';

/** The emulator's fixture, as the launcher reads it: every expectation below is derived from it. */
interface FixtureService {
  readonly ServiceName: string;
  readonly ServiceNamespace: string;
  readonly LastAuthenticated?: string;
  readonly LastAuthenticatedEntity?: string;
  readonly LastAuthenticatedRegion?: string;
  readonly TotalAuthenticatedEntities: number;
  readonly TrackedActionsLastAccessed?: readonly {
    readonly ActionName: string;
    readonly LastAccessedTime?: string;
    readonly LastAccessedEntity?: string;
    readonly LastAccessedRegion?: string;
  }[];
}
const FIXTURE = JSON.parse(readFileSync(MOTO_ADVISOR_FIXTURE, 'utf8')) as {
  readonly inProgressPolls: number;
  readonly defaultMaxItems: number;
  readonly jobCompletionDate: string;
  readonly services: readonly FixtureService[];
  readonly failed: readonly { readonly pattern: string; readonly message: string }[];
  readonly throttled: readonly { readonly pattern: string; readonly calls: number }[];
};

/** What the cache should hold for `arn`: the fixture's services with `{arn}` filled in, by namespace and action name. */
function expectedServices(arn: string): AdvisorService[] {
  const fill = (value: string | undefined): string | null => value?.replace('{arn}', arn) ?? null;
  return FIXTURE.services
    .map((service) => ({
      serviceNamespace: service.ServiceNamespace,
      serviceName: service.ServiceName,
      lastAuthenticated: service.LastAuthenticated ?? null,
      lastAuthenticatedEntity: fill(service.LastAuthenticatedEntity),
      lastAuthenticatedRegion: service.LastAuthenticatedRegion ?? null,
      totalAuthenticatedEntities: service.TotalAuthenticatedEntities,
      ...(service.TrackedActionsLastAccessed === undefined
        ? {}
        : {
            trackedActions: service.TrackedActionsLastAccessed.map((action) => ({
              actionName: action.ActionName,
              lastAccessed: action.LastAccessedTime ?? null,
              lastAccessedEntity: fill(action.LastAccessedEntity),
              lastAccessedRegion: action.LastAccessedRegion ?? null,
            })).sort((a, b) => a.actionName.localeCompare(b.actionName)),
          }),
    }))
    .sort((a, b) => a.serviceNamespace.localeCompare(b.serviceNamespace));
}

const work = mkdtempSync(join(tmpdir(), 'iamtrail-advisor-collect-'));
let moto: MotoServer;
const clients: { destroy(): void }[] = [];
const REFUSED_ID = '999999999999';
let accountA: string;
let accountB: string;
let config: string;
const cli = (...args: string[]): Promise<CliRun> =>
  runCli(args, { ...moto.env, IAMTRAIL_ADVISOR_POLL_MS: '20' });

/** The SDK configuration of a test client talking to `server`. */
const sdkConfig = (server: MotoServer) => ({
  region: 'us-east-1',
  endpoint: server.endpoint,
  credentials: server.credentials,
});

/** An IAM client in `account`, through moto's STS (the target account's backend answers). */
async function iamIn(account: string): Promise<IAMClient> {
  const sts = new STSClient(sdkConfig(moto));
  clients.push(sts);
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/set-up`, RoleSessionName: 'set-up' }),
  );
  const credentials = assumed.Credentials;
  const iam = new IAMClient({
    ...sdkConfig(moto),
    credentials: {
      accessKeyId: credentials?.AccessKeyId ?? '',
      secretAccessKey: credentials?.SecretAccessKey ?? '',
      sessionToken: credentials?.SessionToken ?? '',
    },
  });
  clients.push(iam);
  return iam;
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});

beforeAll(async () => {
  moto = await startMotoAdvisor();
  const organizations = new OrganizationsClient(sdkConfig(moto));
  clients.push(organizations);
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const create = async (name: string) =>
    (await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` })))
      .CreateAccountStatus?.AccountId ?? '';
  accountA = await create('advisor-a');
  accountB = await create('advisor-b');
  const a = await iamIn(accountA);
  for (const RoleName of ['app', 'advisor-job-fails', 'deleted-meanwhile'])
    await a.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST }));
  for (const UserName of ['alice', 'throttled-bob']) await a.send(new CreateUserCommand({ UserName }));
  await a.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await a.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await a.send(new CreatePolicyCommand({ PolicyName: 'local-read', PolicyDocument: POLICY }));
  const b = await iamIn(accountB);
  await b.send(new CreateRoleCommand({ RoleName: 'app-b', AssumeRolePolicyDocument: TRUST }));
  await b.send(new CreateUserCommand({ UserName: 'carol' }));
  config = join(work, 'config.yaml');
  writeFileSync(
    config,
    [
      'accounts:',
      '  - name: a',
      `    id: "${accountA}"`,
      `    role: arn:aws:iam::${accountA}:role/iamtrail-advisor`,
      '  - name: b',
      `    id: "${accountB}"`,
      `    role: arn:aws:iam::${accountB}:role/iamtrail-advisor`,
      '  - name: refused',
      `    id: "${REFUSED_ID}"`,
      `    role: arn:aws:iam::${REFUSED_ID}:role/iamtrail-refused`,
      '',
    ].join('\n'),
  );
}, 60_000);
afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('iamtrail advisor collect (Access Advisor emulator over HTTP)', () => {
  it('collects two accounts, reports the refused one, the FAILED job and the deleted principal, and exits 3', async () => {
    const cache = join(work, 'collect.duckdb');
    const result = await cli('advisor', 'collect', '--config', config, '--cache', cache, '--format', 'json');
    expect(result.status, result.stderr).toBe(3);
    expect(() => advisorCollectDocument.parse(JSON.parse(result.stdout))).not.toThrow();
    const document = JSON.parse(result.stdout) as {
      accounts: {
        name: string;
        status: string;
        error: string | null;
        listed: number;
        collected: string[];
        skipped: { arn: string; reason: string }[];
        failed: { arn: string; reason: string }[];
      }[];
      totals: Record<string, number>;
      awsCalls: Record<string, number>;
      complete: boolean;
    };
    const arnA = (kind: string, name: string) => `arn:aws:iam::${accountA}:${kind}/${name}`;
    const arnB = (kind: string, name: string) => `arn:aws:iam::${accountB}:${kind}/${name}`;
    const [a, b, refused] = document.accounts;
    expect(a?.status).toBe('partial');
    // Organizations CreateAccount makes OrganizationAccountAccessRole in the new account (moto too).
    expect(a?.listed).toBe(8);
    expect(a?.collected).toEqual(
      [
        arnA('role', 'OrganizationAccountAccessRole'),
        arnA('group', 'devs'),
        arnA('policy', 'local-read'),
        arnA('role', 'app'),
        arnA('user', 'alice'),
        arnA('user', 'throttled-bob'),
      ].sort(),
    );
    expect(a?.skipped.map((miss) => miss.arn)).toEqual([arnA('role', 'deleted-meanwhile')]);
    expect(a?.skipped[0]?.reason).toMatch(/^deleted since it was listed: .*cannot be found/);
    expect(a?.failed).toEqual([
      {
        arn: arnA('role', 'advisor-job-fails'),
        entityType: 'role',
        reason: `the job FAILED: ${FIXTURE.failed[0]?.message ?? ''}`,
      },
    ]);
    expect(b).toMatchObject({
      status: 'collected',
      listed: 3,
      collected: [
        arnB('role', 'OrganizationAccountAccessRole'),
        arnB('role', 'app-b'),
        arnB('user', 'carol'),
      ],
      skipped: [],
      failed: [],
    });
    expect(refused?.status).toBe('failed');
    expect(refused?.error).toMatch(
      new RegExp(`AssumeRole arn:aws:iam::${REFUSED_ID}:role/iamtrail-refused failed: AccessDenied`),
    );
    expect(document.totals).toEqual({
      accounts: 3,
      accountsFailed: 1,
      listed: 11,
      collected: 9,
      skipped: 1,
      failed: 1,
    });
    expect(document.complete).toBe(false);
    expect(result.stderr).toContain('exit code 3');

    // Calls, from the fixture: each job is read inProgressPolls times IN_PROGRESS, then once per
    // page of defaultMaxItems services; a throttled ARN's first `calls` calls of each operation are refused.
    const throttled = FIXTURE.throttled[0]?.calls ?? 0;
    const pages = Math.ceil(FIXTURE.services.length / FIXTURE.defaultMaxItems);
    const collectedJobs = 9;
    expect(document.awsCalls).toEqual({
      'iam:GenerateServiceLastAccessedDetails': 11 + throttled,
      'iam:GetServiceLastAccessedDetails':
        collectedJobs * (FIXTURE.inProgressPolls + pages) + (FIXTURE.inProgressPolls + 1) + throttled,
      'iam:ListGroups': 2,
      'iam:ListPolicies': 2,
      'iam:ListRoles': 2,
      'iam:ListUsers': 2,
      'sts:AssumeRole': 3,
    });

    // The snapshots in the cache are the fixture's answers, whole (every Marker page).
    const store = await CacheStore.open(cache);
    try {
      const snapshots = await store.advisorSnapshots();
      expect(snapshots.map((snapshot) => snapshot.arn)).toEqual(
        [...(a?.collected ?? []), ...(b?.collected ?? [])].sort(),
      );
      for (const snapshot of snapshots) {
        expect(snapshot.services, snapshot.arn).toEqual(expectedServices(snapshot.arn));
        expect(snapshot.jobCompletedAt).toBe(FIXTURE.jobCompletionDate);
        expect(snapshot.origin).toBe('api');
        expect(snapshot.accountId).toBe(snapshot.arn.split(':')[4]);
      }
      expect(snapshots.find((snapshot) => snapshot.arn === arnA('group', 'devs'))?.entityType).toBe('group');
    } finally {
      await store.close();
    }
  });

  it('--org --role collects the ACTIVE accounts of the organisation (narrowed by --account), in text', async () => {
    const cache = join(work, 'org.duckdb');
    const result = await cli(
      'advisor',
      'collect',
      '--org',
      '--role',
      'iamtrail-advisor',
      '--account',
      'advisor-b',
      '--cache',
      cache,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `advisor-b (${accountB}): 3 of 3 principals collected, 0 skipped, 0 failed`,
    );
    expect(result.stdout).toMatch(/organizations:ListAccounts 1\b/);
    expect(result.stderr).toContain(`account advisor-b (${accountB}): 3 principals listed`);
  });

  it('a job still IN_PROGRESS at --job-timeout is reported as not finished', async () => {
    const slow = join(work, 'slow-fixture.json');
    writeFileSync(slow, JSON.stringify({ ...FIXTURE, inProgressPolls: 1_000_000 }));
    const slowMoto = await startMotoAdvisor(slow);
    try {
      const iam = new IAMClient(sdkConfig(slowMoto));
      clients.push(iam);
      await iam.send(new CreateUserCommand({ UserName: 'slow' }));
      const slowConfig = join(work, 'slow.yaml');
      writeFileSync(slowConfig, 'accounts:\n  - name: main\n    id: "123456789012"\n');
      const started = Date.now();
      const result = await runCli(
        [
          'advisor',
          'collect',
          '--config',
          slowConfig,
          '--cache',
          join(work, 'slow.duckdb'),
          '--job-timeout',
          '1',
        ],
        { ...slowMoto.env, IAMTRAIL_ADVISOR_POLL_MS: '50' },
      );
      expect(result.status, result.stderr).toBe(3);
      expect(result.stdout).toContain(
        'failed  arn:aws:iam::123456789012:user/slow: the job did not finish within 1 s (--job-timeout)',
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await slowMoto.stop();
    }
  }, 60_000);

  it('--json prints one document, then exits 3 when something was missed; a second collect appends', async () => {
    const cache = join(work, 'twice.duckdb');
    const first = await cli(
      'advisor',
      'collect',
      '--config',
      config,
      '--account',
      'b',
      '--cache',
      cache,
      '--json',
    );
    expect(first.status, first.stderr).toBe(0);
    const second = await cli(
      'advisor',
      'collect',
      '--config',
      config,
      '--account',
      'a',
      '--cache',
      cache,
      '--json',
    );
    expect(second.status).toBe(3);
    const document = advisorCollectDocument.parse(JSON.parse(second.stdout));
    expect(document.accounts.map((account) => account.name)).toEqual(['a']);
    expect(document.totals.failed).toBe(1);
    const store = await CacheStore.open(cache);
    try {
      const accounts = new Set((await store.advisorSnapshots()).map((snapshot) => snapshot.accountId));
      expect([...accounts].sort()).toEqual([accountA, accountB].sort());
    } finally {
      await store.close();
    }
  });

  it('--role without --org, and --org without a role, are usage errors', async () => {
    const noOrg = await cli('advisor', 'collect', '--config', config, '--role', 'x');
    expect(noOrg.status).toBe(2);
    expect(noOrg.stderr).toMatch(/--org/);
    const noRole = await cli('advisor', 'collect', '--org', '--config', config);
    expect(noRole.status).toBe(2);
    expect(noRole.stderr).toContain('--org needs the role to assume in each account');
    const arn = await cli('advisor', 'collect', '--org', '--role', 'arn:aws:iam::1:role/x');
    expect(arn.status).toBe(2);
    expect(arn.stderr).toContain('is not an IAM role name');
  });
});
