import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  PutRolePermissionsBoundaryCommand,
  GetPolicyVersionCommand,
  NoSuchEntityException,
  TagRoleCommand,
  UntagRoleCommand,
} from '@aws-sdk/client-iam';
import { DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rollbackBoundary } from '../../src/app/boundary/rollback-boundary.js';
import type { BoundaryHistoryDocument } from '../../src/app/boundary/rollback-boundary.js';
import { loadConfig } from '../../src/config/load-config.js';
import {
  boundaryApplyDocument,
  boundaryHistoryDocument,
  boundaryRollbackDocument,
} from '../contract/json-schemas.js';
import { flatten, runCli, setEnv } from '../helpers/cli.js';
import {
  MOTO_ADVISOR_FIXTURE,
  readMotoRecording,
  resetMotoRecording,
  startMotoAdvisor,
} from '../helpers/moto.js';
import type { MotoRecordedRequest, MotoServer } from '../helpers/moto.js';
import { motoSdkConfig } from '../helpers/moto-org.js';
import { daysFrom, writeTrail } from '../helpers/trail-fixture.js';

/*
 * `boundary apply --yes`, `history` and `rollback --yes` against the emulator (moto_server plus
 * the user-boundary operations, test/moto/moto_advisor.py). The set-up writes an IAM file (what
 * each principal is granted, created long before the period) and three days of CloudTrail logs
 * (what each one called), and makes the same principals in moto with their own tags, boundaries
 * and policies. Every expectation is derived from that set-up and read back from moto with a plain
 * SDK client (GetRole/GetUser, List*Tags, ListPolicyVersions), never from iamtrail's own answers.
 */

const ACCOUNT = '123456789012';
const DAYS = daysFrom('2026-10-29', '2026-10-31');
const PERIOD = ['--end', '2026-10-31', '--unused-days', String(DAYS.length)];
const policyArnOf = (name: Name): string =>
  `arn:aws:iam::${ACCOUNT}:policy/iamtrail-boundary-${PRINCIPALS[name].kind}-${name}`;
const CORP_BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/corp-boundary`;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * What each principal is granted (its one inline policy) and calls successfully every day of the
 * period. A grant never called is a management action (sqs:DeleteQueue, s3:DeleteBucket): an unused
 * data-event action is "?" without the trail's selectors, and a boundary keeps it.
 */
const PRINCIPALS = {
  app: {
    kind: 'role',
    granted: ['s3:GetObject', 'dynamodb:GetItem', 'sqs:DeleteQueue'],
    calls: [
      ['s3.amazonaws.com', 'GetObject'],
      ['dynamodb.amazonaws.com', 'GetItem'],
    ],
    tags: [
      { key: 'team', value: 'payments' },
      // A key apply writes too: rollback must give this value back.
      { key: 'iamtrail:window', value: 'set-by-hand' },
    ],
  },
  legacy: {
    kind: 'role',
    granted: ['s3:GetObject', 'sqs:DeleteQueue'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  versions: {
    kind: 'role',
    granted: ['s3:DeleteBucket', 'sqs:SendMessage'],
    calls: [['sqs.amazonaws.com', 'SendMessage']],
    tags: [],
  },
  // Calls sqs:SendMessage, which its policy does not grant (a queue policy allows it): a boundary
  // of what it was granted and used would deny that call.
  wide: {
    kind: 'role',
    granted: ['s3:GetObject'],
    calls: [
      ['s3.amazonaws.com', 'GetObject'],
      ['sqs.amazonaws.com', 'SendMessage'],
    ],
    tags: [],
  },
  // Granted s3:GetObject and s3:PutObject, its boundary narrow-boundary allows s3:GetObject only:
  // a boundary of s3:* would let it put objects, which it cannot today.
  narrow: {
    kind: 'role',
    granted: ['s3:GetObject', 's3:PutObject'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  // Granted s3:GetObject and s3:DeleteObject, its boundary audit-boundary allows everything but
  // S3 on the audit bucket: a boundary of s3:* on "*" would let it delete the audit bucket's objects.
  audited: {
    kind: 'role',
    granted: ['s3:GetObject', 's3:DeleteObject'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  // Its boundary iamtrail-boundary-corp was made by someone else (a name like iamtrail's) and
  // allows s3:GetObject only: a boundary of s3:* would let it delete objects.
  lookalike: {
    kind: 'role',
    granted: ['s3:GetObject', 's3:DeleteObject'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  // No boundary in the IAM file; in IAM, one named like iamtrail's that someone set since.
  drifted: {
    kind: 'role',
    granted: ['s3:GetObject', 's3:DeleteObject'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  // Its boundary policy iamtrail-boundary-role-selfuse exists and is attached to it as a
  // permissions policy: a new version would change what it grants.
  selfuse: {
    kind: 'role',
    granted: ['s3:GetObject'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  // Its boundary policy exists before apply, which adds a version; then someone attaches that
  // policy to another user as a permissions policy: rollback's older default would change its grants.
  shared: {
    kind: 'role',
    granted: ['s3:GetObject', 'sqs:DeleteQueue'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [],
  },
  // Applied twice (service level, then action level), then rolled back to the first apply.
  layered: {
    kind: 'role',
    granted: ['s3:GetObject', 'sqs:DeleteQueue'],
    calls: [['s3.amazonaws.com', 'GetObject']],
    tags: [{ key: 'team', value: 'data' }],
  },
  // Also calls an API the action tables do not know (a service they lack): its action is unknown.
  odd: {
    kind: 'role',
    granted: ['s3:GetObject'],
    calls: [
      ['s3.amazonaws.com', 'GetObject'],
      ['newsvc.amazonaws.com', 'DoThing'],
    ],
    tags: [],
  },
  // Writes policy versions: its boundary denies that on iamtrail's boundary policies.
  releaser: {
    kind: 'role',
    granted: ['iam:CreatePolicyVersion'],
    calls: [['iam.amazonaws.com', 'CreatePolicyVersion']],
    tags: [],
  },
  ci: {
    kind: 'user',
    granted: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:PutImage'],
    calls: [['ecr.amazonaws.com', 'GetAuthorizationToken']],
    tags: [{ key: 'owner', value: 'platform' }],
  },
} as const;
type Name = keyof typeof PRINCIPALS;

/** The boundaries set before iamtrail runs (in moto and in the IAM file) and what they allow. */
const BOUNDARIES: Partial<Record<Name, { policy: string; allows: string[]; denies?: object }>> = {
  legacy: { policy: 'corp-boundary', allows: ['*'] },
  narrow: { policy: 'narrow-boundary', allows: ['s3:GetObject'] },
  lookalike: { policy: 'iamtrail-boundary-corp', allows: ['s3:GetObject'] },
  // The corporate kind: everything, but nothing of S3 on the audit bucket.
  audited: {
    policy: 'audit-boundary',
    allows: ['*'],
    denies: {
      Effect: 'Deny',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::audit-bucket', 'arn:aws:s3:::audit-bucket/*'],
    },
  },
};
const boundaryArnOf = (policy: string): string => `arn:aws:iam::${ACCOUNT}:policy/${policy}`;

const work = mkdtempSync(join(tmpdir(), 'iamtrail-boundary-apply-'));
const cache = join(work, 'cache.duckdb');
const config = join(work, 'config.yaml');
let moto: MotoServer;
let iam: IAMClient;

function writeIamFile(): string {
  const policy = (name: Name) => [
    {
      PolicyName: 'grants',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: [...PRINCIPALS[name].granted], Resource: '*' }],
      },
    },
  ];
  const names = Object.keys(PRINCIPALS) as Name[];
  const details = {
    RoleDetailList: names
      .filter((name) => PRINCIPALS[name].kind === 'role')
      .map((name) => ({
        Path: '/',
        RoleName: name,
        RoleId: `AROA${name.toUpperCase()}`,
        Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
        CreateDate: '2025-01-01T00:00:00Z',
        AssumeRolePolicyDocument: JSON.parse(TRUST) as object,
        RolePolicyList: policy(name),
        AttachedManagedPolicies: [],
        ...(BOUNDARIES[name] === undefined
          ? {}
          : {
              PermissionsBoundary: {
                PermissionsBoundaryType: 'Policy',
                PermissionsBoundaryArn: boundaryArnOf(BOUNDARIES[name].policy),
              },
            }),
        InstanceProfileList: [],
        Tags: [],
      })),
    UserDetailList: names
      .filter((name) => PRINCIPALS[name].kind === 'user')
      .map((name) => ({
        Path: '/',
        UserName: name,
        UserId: `AIDA${name.toUpperCase()}`,
        Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
        CreateDate: '2025-01-01T00:00:00Z',
        UserPolicyList: policy(name),
        GroupList: [],
        AttachedManagedPolicies: [],
        Tags: [],
      })),
    GroupDetailList: [],
    Policies: Object.values(BOUNDARIES).map(({ policy, allows, denies }) => ({
      PolicyName: policy,
      PolicyId: `ANPA${policy.toUpperCase().replace(/-/g, '')}`,
      Arn: boundaryArnOf(policy),
      Path: '/',
      DefaultVersionId: 'v1',
      AttachmentCount: 1,
      PermissionsBoundaryUsageCount: 1,
      IsAttachable: true,
      CreateDate: '2025-01-01T00:00:00Z',
      UpdateDate: '2025-01-01T00:00:00Z',
      PolicyVersionList: [
        {
          Document: JSON.parse(boundaryDocumentOf(allows, denies)) as object,
          VersionId: 'v1',
          IsDefaultVersion: true,
          CreateDate: '2025-01-01T00:00:00Z',
        },
      ],
    })),
  };
  const file = join(work, 'iam.json');
  writeFileSync(file, JSON.stringify(details));
  return file;
}

function writeLogs(): string {
  const identity = (name: Name) =>
    PRINCIPALS[name].kind === 'user'
      ? {
          type: 'IAMUser',
          arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
          accountId: ACCOUNT,
          accessKeyId: 'AKIAFIXTURE',
          userName: name,
        }
      : {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/session`,
          accountId: ACCOUNT,
          accessKeyId: 'ASIAFIXTURE',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
              accountId: ACCOUNT,
              userName: name,
            },
          },
        };
  return writeTrail(
    join(work, 'logs'),
    DAYS.map((day) => ({
      account: ACCOUNT,
      day,
      records: (Object.keys(PRINCIPALS) as Name[]).flatMap((name) =>
        PRINCIPALS[name].calls.map(([eventSource, eventName]) => ({
          eventVersion: '1.09',
          eventTime: `${day}T10:00:00Z`,
          eventSource,
          eventName,
          awsRegion: 'us-east-1',
          recipientAccountId: ACCOUNT,
          userIdentity: identity(name),
        })),
      ),
    })),
  );
}

const boundaryDocument = (...actions: string[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
const boundaryDocumentOf = (allows: string[], denies: object | undefined): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: allows, Resource: '*' },
      ...(denies === undefined ? [] : [denies]),
    ],
  });

beforeAll(async () => {
  moto = await startMotoAdvisor(MOTO_ADVISOR_FIXTURE, {
    MOTO_ENABLE_RECORDING: 'true',
    MOTO_RECORDER_FILEPATH: join(work, 'moto-recording'),
  });
  iam = new IAMClient(motoSdkConfig(moto));
  writeFileSync(
    config,
    [
      `logs: ${writeLogs()}`,
      'accounts:',
      `  - {name: moto, id: '${ACCOUNT}', iam: ${writeIamFile()}}`,
      '',
    ].join('\n'),
  );
  for (const [name, principal] of Object.entries(PRINCIPALS)) {
    const Tags = principal.tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
    if (principal.kind === 'role')
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST, Tags }));
    else await iam.send(new CreateUserCommand({ UserName: name, Tags }));
  }
  for (const [name, { policy, allows, denies }] of Object.entries(BOUNDARIES)) {
    await iam.send(
      new CreatePolicyCommand({ PolicyName: policy, PolicyDocument: boundaryDocumentOf(allows, denies) }),
    );
    await iam.send(
      new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: boundaryArnOf(policy) }),
    );
  }
  // iamtrail-boundary-role-versions at IAM's five versions, v1 the default: v2 is the oldest that is not.
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'iamtrail-boundary-role-versions',
      PolicyDocument: boundaryDocument('s3:v1'),
    }),
  );
  for (const version of [2, 3, 4, 5])
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArnOf('versions'),
        PolicyDocument: boundaryDocument(`s3:V${version}`),
        SetAsDefault: false,
      }),
    );
}, 120_000);

afterAll(async () => {
  iam.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  runCli([...args, '--config', config, '--account', 'moto', '--cache', cache], moto.env);

async function boundaryOf(name: Name): Promise<string | null> {
  const arn =
    PRINCIPALS[name].kind === 'role'
      ? (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.PermissionsBoundary
          ?.PermissionsBoundaryArn
      : (await iam.send(new GetUserCommand({ UserName: name }))).User?.PermissionsBoundary
          ?.PermissionsBoundaryArn;
  return arn ?? null;
}

async function tagsOf(name: Name): Promise<Record<string, string>> {
  const tags =
    PRINCIPALS[name].kind === 'role'
      ? (await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags
      : (await iam.send(new ListUserTagsCommand({ UserName: name }))).Tags;
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

const ownTags = (name: Name): Record<string, string> =>
  Object.fromEntries(PRINCIPALS[name].tags.map((tag) => [tag.key, tag.value]));

async function versionsOf(name: Name): Promise<{ id: string; isDefault: boolean }[] | null> {
  try {
    await iam.send(new GetPolicyCommand({ PolicyArn: policyArnOf(name) }));
  } catch {
    return null;
  }
  const versions =
    (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArnOf(name) }))).Versions ?? [];
  return versions
    .map((version) => ({ id: version.VersionId ?? '', isDefault: version.IsDefaultVersion === true }))
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

async function allowedOf(name: Name, versionId: string): Promise<string[]> {
  const text =
    (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArnOf(name), VersionId: versionId })))
      .PolicyVersion?.Document ?? '';
  const document = JSON.parse(text.startsWith('{') ? text : decodeURIComponent(text)) as {
    Statement: { Effect: string; Action: string[] }[];
  };
  return document.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((s) => s.Action);
}

/** The form parameters of a recorded request (IAM's query protocol: the body is form-encoded). */
function requestBody(request: MotoRecordedRequest): URLSearchParams {
  const { body, body_encoded: encoded } = request as MotoRecordedRequest & {
    body?: string;
    body_encoded?: boolean;
  };
  return new URLSearchParams(
    encoded === true ? Buffer.from(body ?? '', 'base64').toString('utf8') : (body ?? ''),
  );
}

/** The services of the principal's calls, allowed whole (the default service level). */
const usedServices = (name: Name): string[] =>
  [...new Set(PRINCIPALS[name].calls.map(([source]) => `${source.split('.')[0] ?? ''}:*`))].sort();

describe('boundary apply and rollback against moto', () => {
  it('a dry run (no --yes, no terminal) changes nothing and says so', async () => {
    const answer = await run('boundary', 'apply', '--role', 'app', ...PERIOD);
    expect(answer.status, answer.stderr).toBe(0);
    expect(answer.stdout).toContain('dry run: nothing changed; run again with --yes to apply');
    expect(answer.stdout).toContain(`create the policy ${policyArnOf('app')}`);
    expect(answer.stdout).toContain(`boundary: none → ${policyArnOf('app')}`);
    expect(await boundaryOf('app')).toBeNull();
    expect(await tagsOf('app')).toEqual(ownTags('app'));
    expect(await versionsOf('app')).toBeNull();
  });

  it('apply --yes sets the boundary and tags; rollback --yes gives back exactly what was there', async () => {
    const applied = await run('boundary', 'apply', '--role', 'app', ...PERIOD, '--yes', '--format', 'json');
    expect(applied.status, applied.stderr).toBe(0);
    expect(boundaryApplyDocument.parse(JSON.parse(applied.stdout)).dryRun).toBe(false);
    expect(await boundaryOf('app')).toBe(policyArnOf('app'));
    expect(await versionsOf('app')).toEqual([{ id: 'v1', isDefault: true }]);
    expect(await allowedOf('app', 'v1')).toEqual(usedServices('app'));
    const granted = PRINCIPALS.app.granted.length;
    const used = PRINCIPALS.app.calls.length;
    const tags = await tagsOf('app');
    expect(tags).toMatchObject({
      team: 'payments',
      'iamtrail:coverage-percent': String(Math.round((used / granted) * 1000) / 10),
      'iamtrail:granted': String(granted),
      'iamtrail:unused': String(granted - used),
      'iamtrail:window': `${DAYS[0]}/${DAYS.at(-1)}`,
    });
    expect(tags['iamtrail:applied-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const history = await run('boundary', 'history', '--role', 'app', '--json');
    expect(history.status, history.stderr).toBe(0);
    const snapshots = boundaryHistoryDocument.parse(JSON.parse(history.stdout)).snapshots;
    expect(snapshots.map((s) => [s.operation, s.state, s.previousBoundaryArn, s.policyExisted])).toEqual([
      ['apply', 'applied', null, false],
    ]);

    const dry = await run('boundary', 'rollback', '--role', 'app');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing changed');
    expect(await boundaryOf('app')).toBe(policyArnOf('app'));

    const rolled = await run('boundary', 'rollback', '--role', 'app', '--yes', '--json');
    expect(rolled.status, rolled.stderr).toBe(0);
    expect(boundaryRollbackDocument.parse(JSON.parse(rolled.stdout)).status).toBe('rolled-back');
    expect(await boundaryOf('app')).toBeNull();
    expect(await tagsOf('app')).toEqual(ownTags('app'));
    // apply created the policy and nothing else uses it: gone.
    expect(await versionsOf('app')).toBeNull();

    const after = JSON.parse(
      (await run('boundary', 'history', '--role', 'app', '--json')).stdout,
    ) as BoundaryHistoryDocument;
    expect(after.snapshots.map((s) => [s.operation, s.state])).toEqual([
      ['apply', 'rolled-back'],
      ['rollback', 'applied'],
    ]);
    expect(after.snapshots[1]?.restoresSnapshotId).toBe(after.snapshots[0]?.id);
    // Nothing left to roll back.
    const again = await run('boundary', 'rollback', '--role', 'app', '--yes');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('no applied boundary snapshot of role app');
  });

  it('leaves alone a role whose boundary iamtrail did not create; --replace-boundary replaces it and rollback puts it back', async () => {
    const refused = await run('boundary', 'apply', '--role', 'legacy', ...PERIOD, '--yes');
    // The plan skips it (the IAM file gives its boundary): nothing to apply, nothing changed.
    expect(refused.status, refused.stderr).toBe(0);
    expect(refused.stdout).toContain(CORP_BOUNDARY);
    // --yes was given: nothing was changed because there was nothing to apply, not for want of it.
    expect(refused.stdout).toContain('nothing changed: every principal was skipped');
    expect(refused.stdout).not.toContain('run again with --yes');
    expect(await boundaryOf('legacy')).toBe(CORP_BOUNDARY);
    expect(await versionsOf('legacy')).toBeNull();
    expect(await tagsOf('legacy')).toEqual({});

    const replaced = await run(
      'boundary',
      'apply',
      '--role',
      'legacy',
      ...PERIOD,
      '--yes',
      '--replace-boundary',
    );
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(await boundaryOf('legacy')).toBe(policyArnOf('legacy'));
    const rolled = await run('boundary', 'rollback', '--role', 'legacy', '--yes');
    expect(rolled.status, rolled.stderr).toBe(0);
    expect(await boundaryOf('legacy')).toBe(CORP_BOUNDARY);
    expect(await tagsOf('legacy')).toEqual({});
  });

  it('rollback refuses a snapshot apply could not have written (an altered cache): nothing changed, exit 1', async () => {
    // Rows as someone who can write the cache file would add them: rollback acts on what they say.
    const forge = async (
      id: string,
      fields: { policy: string; previous: string | null; applied: string },
    ) => {
      const instance = await DuckDBInstance.create(cache);
      try {
        const connection = await instance.connect();
        await connection.run(
          `INSERT INTO boundary_snapshots VALUES ($1, $2, $3, 'role', 'legacy', '2099-01-01T00:00:00.000Z', 'apply', $4, '[]', $5, false, NULL, NULL, NULL, $6, NULL, NULL, 'applied')`,
          [
            id,
            ACCOUNT,
            `arn:aws:iam::${ACCOUNT}:role/legacy`,
            fields.previous,
            fields.policy,
            fields.applied,
          ],
        );
        connection.closeSync();
      } finally {
        instance.closeSync();
      }
    };
    const versionsBefore = await versionsOf('legacy');
    const tagsBefore = await tagsOf('legacy');
    // The boundary policy named is the security team's, not iamtrail's: "delete it, apply created it".
    await forge('20990101T000000Z-legacy-forged1', { policy: CORP_BOUNDARY, previous: null, applied: '[]' });
    const guardrail = await run('boundary', 'rollback', '--role', 'legacy', '--yes');
    expect(guardrail.status).toBe(1);
    expect(guardrail.stdout).not.toContain('nothing to do');
    expect(flatten(guardrail.stdout + guardrail.stderr)).toContain(
      `snapshot 20990101T000000Z-legacy-forged1 names the boundary policy ${CORP_BOUNDARY}, not ${policyArnOf('legacy')}, the only one apply sets on role legacy`,
    );
    expect(await boundaryOf('legacy')).toBe(CORP_BOUNDARY);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: CORP_BOUNDARY }))).Policy?.Arn).toBe(
      CORP_BOUNDARY,
    );
    // A tag apply never sets (its keys are iamtrail:*).
    await forge('20990101T000001Z-legacy-forged2', {
      policy: policyArnOf('legacy'),
      previous: null,
      applied: JSON.stringify([{ key: 'access-level', value: 'read' }]),
    });
    const tag = await run('boundary', 'rollback', '--role', 'legacy', '--yes');
    expect(tag.status).toBe(1);
    expect(flatten(tag.stdout + tag.stderr)).toContain(
      'says apply set the tag(s) access-level, but apply sets only keys iamtrail:*',
    );
    // A boundary before apply that is no managed policy of the account or of AWS.
    await forge('20990101T000002Z-legacy-forged3', {
      policy: policyArnOf('legacy'),
      previous: 'arn:aws:iam::999999999999:policy/elsewhere',
      applied: '[]',
    });
    const previous = await run('boundary', 'rollback', '--role', 'legacy', '--yes');
    expect(previous.status).toBe(1);
    expect(flatten(previous.stdout + previous.stderr)).toContain(
      'names arn:aws:iam::999999999999:policy/elsewhere as the boundary before apply, which is not a managed policy of account',
    );
    expect(await boundaryOf('legacy')).toBe(CORP_BOUNDARY);
    expect(await versionsOf('legacy')).toEqual(versionsBefore);
    expect(await tagsOf('legacy')).toEqual(tagsBefore);
  });

  it('--replace-boundary refuses a boundary whose replacement would allow a granted action it blocks', async () => {
    const refused = await run(
      'boundary',
      'apply',
      '--role',
      'narrow',
      ...PERIOD,
      '--yes',
      '--replace-boundary',
    );
    expect(refused.status).toBe(1);
    // narrow-boundary blocks s3:PutObject, which it is granted; the new boundary allows s3:* (its one service).
    expect(refused.stdout).toContain('widening its permissions: s3:PutObject');
    expect(await boundaryOf('narrow')).toBe(boundaryArnOf('narrow-boundary'));
    expect(await versionsOf('narrow')).toBeNull();
    expect(await tagsOf('narrow')).toEqual({});
  });

  it('--replace-boundary refuses a boundary that limits a granted action by resource, which the replacement would lift', async () => {
    const refused = await run(
      'boundary',
      'apply',
      '--role',
      'audited',
      ...PERIOD,
      '--yes',
      '--replace-boundary',
    );
    expect(refused.status).toBe(1);
    // audit-boundary denies both on the audit bucket; the new boundary allows s3:* on "*".
    expect(refused.stdout).toContain('widening its permissions: s3:DeleteObject, s3:GetObject');
    expect(await boundaryOf('audited')).toBe(boundaryArnOf('audit-boundary'));
    expect(await versionsOf('audited')).toBeNull();
    expect(await tagsOf('audited')).toEqual({});
  });

  it("leaves alone a boundary whose name only starts with iamtrail-boundary- (not the role's own policy)", async () => {
    const skipped = await run('boundary', 'apply', '--role', 'lookalike', ...PERIOD, '--yes');
    // The plan skips it (the IAM file gives its boundary): nothing to apply, nothing changed.
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain(
      `has boundary ${boundaryArnOf('iamtrail-boundary-corp')} iamtrail did not create`,
    );
    expect(await boundaryOf('lookalike')).toBe(boundaryArnOf('iamtrail-boundary-corp'));
    expect(await versionsOf('lookalike')).toBeNull();
    expect(await tagsOf('lookalike')).toEqual({});

    // Set in IAM after the IAM file was read: apply refuses it when it reads the role's state.
    await iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: 'drifted',
        PermissionsBoundary: boundaryArnOf('iamtrail-boundary-corp'),
      }),
    );
    const refused = await run('boundary', 'apply', '--role', 'drifted', ...PERIOD, '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(
      `its permission boundary is ${boundaryArnOf('iamtrail-boundary-corp')}, which iamtrail did not create`,
    );
    expect(await boundaryOf('drifted')).toBe(boundaryArnOf('iamtrail-boundary-corp'));
    expect(await versionsOf('drifted')).toBeNull();
    expect(await tagsOf('drifted')).toEqual({});
  });

  it('refuses a role its own boundary policy is attached to as a permissions policy (it grants there): nothing changed', async () => {
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'iamtrail-boundary-role-selfuse',
        PolicyDocument: boundaryDocument('s3:GetObject', 'ec2:*'),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'selfuse', PolicyArn: policyArnOf('selfuse') }));
    await resetMotoRecording(moto);
    const refused = await run('boundary', 'apply', '--role', 'selfuse', ...PERIOD, '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(
      `the policy ${policyArnOf('selfuse')} is attached as a permissions policy to role/selfuse`,
    );
    expect(await versionsOf('selfuse')).toEqual([{ id: 'v1', isDefault: true }]);
    expect(await allowedOf('selfuse', 'v1')).toEqual(['s3:GetObject', 'ec2:*']);
    expect(await boundaryOf('selfuse')).toBeNull();
    expect(await tagsOf('selfuse')).toEqual({});
    // IAM lists a policy's permissions-policy attachments apart from its boundary uses only with
    // PolicyUsageFilter=PermissionsPolicy (moto ignores the filter, and lists attachments only).
    const listings = (await readMotoRecording(moto))
      .map((request) => requestBody(request))
      .filter((body) => body.get('Action') === 'ListEntitiesForPolicy');
    expect(listings.map((body) => body.get('PolicyUsageFilter'))).toContain('PermissionsPolicy');
  });

  it('rollback --to an older apply undoes the later one too: marked rolled back, and no stale tag put back after', async () => {
    const first = await run('boundary', 'apply', '--role', 'layered', ...PERIOD, '--yes');
    expect(first.status, first.stderr).toBe(0);
    const second = await run(
      'boundary',
      'apply',
      '--role',
      'layered',
      ...PERIOD,
      '--level',
      'action',
      '--yes',
    );
    expect(second.status, second.stderr).toBe(0);
    // The action-level document differs from the service-level one: a second version.
    expect(await versionsOf('layered')).toEqual([
      { id: 'v1', isDefault: false },
      { id: 'v2', isDefault: true },
    ]);
    const snapshotsOf = async () =>
      boundaryHistoryDocument.parse(
        JSON.parse((await run('boundary', 'history', '--role', 'layered', '--json')).stdout),
      ).snapshots;
    const [firstApply, secondApply] = await snapshotsOf();
    const rolled = await run(
      'boundary',
      'rollback',
      '--role',
      'layered',
      '--to',
      firstApply?.id ?? '',
      '--yes',
    );
    expect(rolled.status, rolled.stderr).toBe(0);
    // Back to what the first apply found: no boundary, its own tags only, the policy apply created gone.
    expect(await boundaryOf('layered')).toBeNull();
    expect(await tagsOf('layered')).toEqual(ownTags('layered'));
    expect(await versionsOf('layered')).toBeNull();
    expect((await snapshotsOf()).map((s) => [s.id, s.operation, s.state])).toEqual([
      [firstApply?.id, 'apply', 'rolled-back'],
      [secondApply?.id, 'apply', 'rolled-back'],
      [expect.any(String), 'rollback', 'applied'],
    ]);
    // Nothing is left to roll back: the second apply's snapshot is not restored over the first rollback.
    const again = await run('boundary', 'rollback', '--role', 'layered', '--yes');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('no applied boundary snapshot of role layered');
    expect(await tagsOf('layered')).toEqual(ownTags('layered'));
    expect(await boundaryOf('layered')).toBeNull();
  });

  it('a policy at five versions loses its oldest non-default one; rollback makes the old default the default again', async () => {
    const applied = await run('boundary', 'apply', '--role', 'versions', ...PERIOD, '--yes');
    expect(applied.status, applied.stderr).toBe(0);
    expect(await versionsOf('versions')).toEqual([
      { id: 'v1', isDefault: false },
      { id: 'v3', isDefault: false },
      { id: 'v4', isDefault: false },
      { id: 'v5', isDefault: false },
      { id: 'v6', isDefault: true },
    ]);
    expect(await allowedOf('versions', 'v6')).toEqual(usedServices('versions'));
    const rolled = await run('boundary', 'rollback', '--role', 'versions', '--yes');
    expect(rolled.status, rolled.stderr).toBe(0);
    // The policy existed before: kept, its previous default the default again.
    expect((await versionsOf('versions'))?.filter((version) => version.isDefault)).toEqual([
      { id: 'v1', isDefault: true },
    ]);
    expect(await boundaryOf('versions')).toBeNull();
  });

  it('rollback refuses, changing nothing, while the boundary policy is attached to another user as a permissions policy (exit 1)', async () => {
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'iamtrail-boundary-role-shared',
        PolicyDocument: boundaryDocument('s3:GetObject'),
      }),
    );
    const applied = await run('boundary', 'apply', '--role', 'shared', ...PERIOD, '--yes');
    expect(applied.status, applied.stderr).toBe(0);
    const afterApply = [
      { id: 'v1', isDefault: false },
      { id: 'v2', isDefault: true },
    ];
    expect(await versionsOf('shared')).toEqual(afterApply);
    const tagsAfterApply = await tagsOf('shared');
    await iam.send(new CreateUserCommand({ UserName: 'bystander' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'bystander', PolicyArn: policyArnOf('shared') }));
    await resetMotoRecording(moto);

    const refused = await run('boundary', 'rollback', '--role', 'shared', '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(
      `REFUSED, nothing changed: the policy ${policyArnOf('shared')} is attached as a permissions policy to user/bystander: there it grants what it allows, so making version v1 the default again would change those grants`,
    );
    expect(refused.stderr).toContain('role shared refused, nothing changed: exit code 1');
    // v2 is still the default (bystander's grants unchanged), and the role keeps its boundary and tags.
    expect(await versionsOf('shared')).toEqual(afterApply);
    expect(await allowedOf('shared', 'v2')).toEqual(usedServices('shared'));
    expect(await boundaryOf('shared')).toBe(policyArnOf('shared'));
    expect(await tagsOf('shared')).toEqual(tagsAfterApply);
    const bodies = (await readMotoRecording(moto)).map((request) => requestBody(request));
    // IAM tells permissions-policy attachments apart only with PolicyUsageFilter=PermissionsPolicy
    // (moto ignores the filter, and lists attachments only).
    expect(
      bodies
        .filter((body) => body.get('Action') === 'ListEntitiesForPolicy')
        .map((body) => body.get('PolicyUsageFilter')),
    ).toContain('PermissionsPolicy');
    expect(
      bodies
        .map((body) => body.get('Action'))
        .filter((action) => action !== null && /^(Set|Create|Delete|Put|Tag|Untag)/.test(action)),
    ).toEqual([]);

    const json = await run('boundary', 'rollback', '--role', 'shared', '--yes', '--json');
    expect(json.status).toBe(1);
    const document = boundaryRollbackDocument.parse(JSON.parse(json.stdout));
    expect([document.status, document.dryRun, document.snapshotId]).toEqual(['refused', true, null]);
    expect(document.error).toContain('attached as a permissions policy to user/bystander');
    // No rollback snapshot written; the apply's is kept, to roll back once the policy is detached.
    const history = boundaryHistoryDocument.parse(
      JSON.parse((await run('boundary', 'history', '--role', 'shared', '--json')).stdout),
    );
    expect(history.snapshots.map((s) => [s.operation, s.state])).toEqual([['apply', 'applied']]);
  });

  it('a rollback dry run shows the refusal too (exit 1); once the policy is detached, rollback goes through', async () => {
    const dry = await run('boundary', 'rollback', '--role', 'shared');
    expect(dry.status).toBe(1);
    expect(dry.stdout).toContain(`would make version v1 of ${policyArnOf('shared')} the default again`);
    expect(dry.stdout).toContain(
      `REFUSED, nothing changed: the policy ${policyArnOf('shared')} is attached as a permissions policy to user/bystander`,
    );
    expect(dry.stdout).not.toContain('run again with --yes');

    await iam.send(new DetachUserPolicyCommand({ UserName: 'bystander', PolicyArn: policyArnOf('shared') }));
    const rolled = await run('boundary', 'rollback', '--role', 'shared', '--yes');
    expect(rolled.status, rolled.stderr).toBe(0);
    expect(await versionsOf('shared')).toEqual([
      { id: 'v1', isDefault: true },
      { id: 'v2', isDefault: false },
    ]);
    expect(await boundaryOf('shared')).toBeNull();
    expect(await tagsOf('shared')).toEqual({});
  });

  it('rollback checks the attachments again once confirmed: one made while the question waited refuses it', async () => {
    const applied = await run('boundary', 'apply', '--role', 'shared', ...PERIOD, '--yes');
    expect(applied.status, applied.stderr).toBe(0);
    const afterApply = [
      { id: 'v1', isDefault: false },
      { id: 'v2', isDefault: false },
      { id: 'v3', isDefault: true },
    ];
    expect(await versionsOf('shared')).toEqual(afterApply);
    // The use case itself: the command asks only at a terminal, which a test does not have.
    const restoreEnv = setEnv(moto.env);
    const document = await rollbackBoundary({
      config: loadConfig(config),
      account: 'moto',
      principal: { kind: 'role', name: 'shared' },
      to: undefined,
      cache: { path: cache, enabled: true, refresh: false, lockTimeoutMs: 60_000 },
      onNotice: () => undefined,
      yes: false,
      confirm: async () => {
        await iam.send(
          new AttachUserPolicyCommand({ UserName: 'bystander', PolicyArn: policyArnOf('shared') }),
        );
        return true;
      },
    }).finally(restoreEnv);
    expect(document.status).toBe('refused');
    expect(document.error).toContain(
      `its policy's use changed since the dry run: the policy ${policyArnOf('shared')} is attached as a permissions policy to user/bystander`,
    );
    expect(await versionsOf('shared')).toEqual(afterApply);
    expect(await boundaryOf('shared')).toBe(policyArnOf('shared'));
    await iam.send(new DetachUserPolicyCommand({ UserName: 'bystander', PolicyArn: policyArnOf('shared') }));
  });

  it('refuses a role whose new boundary would deny a call it was seen making, and changes nothing', async () => {
    const refused = await run('boundary', 'apply', '--role', 'wide', ...PERIOD, '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('would deny: sqs:SendMessage');
    expect(refused.stdout).toContain(
      'nothing changed: no principal can be applied (each one was skipped or refused)',
    );
    expect(await boundaryOf('wide')).toBeNull();
    expect(await versionsOf('wide')).toBeNull();
    expect(await tagsOf('wide')).toEqual({});
  });

  it('refuses a role with successful calls the action tables cannot map, of a service the boundary does not allow whole', async () => {
    const refused = await run('boundary', 'apply', '--role', 'odd', ...PERIOD, '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(`newsvc:DoThing (${DAYS.length} call(s))`);
    expect(await boundaryOf('odd')).toBeNull();
    expect(await versionsOf('odd')).toBeNull();
  });

  it('refuses a role its boundary would lock out of what it did (no resource record clears it)', async () => {
    const refused = await run('boundary', 'apply', '--role', 'releaser', ...PERIOD, '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(
      'it would lock itself out: the new boundary denies iam:CreatePolicyVersion',
    );
    expect(await boundaryOf('releaser')).toBeNull();
    expect(await versionsOf('releaser')).toBeNull();
  });

  it('a user: apply --yes then rollback --yes', async () => {
    const applied = await run('boundary', 'apply', '--user', 'ci', ...PERIOD, '--yes');
    expect(applied.status, applied.stderr).toBe(0);
    expect(await boundaryOf('ci')).toBe(policyArnOf('ci'));
    expect(await allowedOf('ci', 'v1')).toEqual(usedServices('ci'));
    expect(Object.keys(await tagsOf('ci')).sort()).toEqual(
      [
        'owner',
        'iamtrail:coverage-percent',
        'iamtrail:granted',
        'iamtrail:unused',
        'iamtrail:window',
        'iamtrail:applied-at',
      ].sort(),
    );
    const rolled = await run('boundary', 'rollback', '--user', 'ci', '--yes');
    expect(rolled.status, rolled.stderr).toBe(0);
    expect(await boundaryOf('ci')).toBeNull();
    expect(await tagsOf('ci')).toEqual(ownTags('ci'));
    expect(await versionsOf('ci')).toBeNull();
  });
});

/** GetRole's answer for role app, as IAM gives it. */
const APP_ROLE = {
  Role: {
    RoleName: 'app',
    Arn: `arn:aws:iam::${ACCOUNT}:role/app`,
    Path: '/',
    RoleId: 'AROAAPP',
    CreateDate: new Date('2025-01-01'),
  },
};

/** The scripted IAM has no tag on the role and no boundary policy of it. */
function untaggedWithoutPolicy(mock: ReturnType<typeof mockClient>): void {
  mock.on(ListRoleTagsCommand).resolves({ Tags: [] });
  mock
    .on(GetPolicyCommand)
    .rejects(new NoSuchEntityException({ message: 'Policy not found', $metadata: {} }));
}

describe('boundary apply when IAM refuses a call mid-way (aws-sdk-client-mock)', () => {
  it('marks the snapshot failed, says what was changed before and how to roll back, and exits 3', async () => {
    const mock = mockClient(IAMClient);
    try {
      mock.on(GetRoleCommand).resolves(APP_ROLE);
      untaggedWithoutPolicy(mock);
      mock.on(CreatePolicyCommand).resolves({ Policy: { Arn: policyArnOf('app'), DefaultVersionId: 'v1' } });
      mock.on(PutRolePermissionsBoundaryCommand).rejects(
        Object.assign(new Error('not authorized to perform iam:PutRolePermissionsBoundary'), {
          name: 'AccessDenied',
        }),
      );
      const failed = await run('boundary', 'apply', '--role', 'app', ...PERIOD, '--yes');
      expect(failed.status).toBe(3);
      expect(mock.commandCalls(CreatePolicyCommand)).toHaveLength(1);
      expect(mock.commandCalls(TagRoleCommand)).toHaveLength(0);
      const history = JSON.parse(
        (await run('boundary', 'history', '--role', 'app', '--json')).stdout,
      ) as BoundaryHistoryDocument;
      const last = history.snapshots.at(-1);
      expect(last?.state).toBe('failed');
      expect(last?.newVersion).toBe('v1');
      expect(last?.message).toContain('PutRolePermissionsBoundary');
      expect(last?.message).toContain(`created the policy ${policyArnOf('app')}`);
      expect(last?.message).toContain(
        `boundary rollback --account moto --role app --to ${last?.id ?? ''} --yes`,
      );
      expect(failed.stdout).toContain('FAILED');
    } finally {
      mock.restore();
    }
  });

  it('a principal IAM no longer has (a stale IAM file) fails alone: "changed nothing", the document printed, exit 3', async () => {
    const mock = mockClient(IAMClient);
    try {
      mock
        .on(GetRoleCommand)
        .rejects(
          new NoSuchEntityException({ message: 'The role with name app cannot be found.', $metadata: {} }),
        );
      const failed = await run('boundary', 'apply', '--role', 'app', ...PERIOD, '--yes', '--format', 'json');
      expect(failed.status).toBe(3);
      const document = boundaryApplyDocument.parse(JSON.parse(failed.stdout));
      expect(document.principals.map((entry) => [entry.name, entry.status])).toEqual([['app', 'failed']]);
      expect(document.principals[0]?.reasons.join(' ')).toMatch(/GetRole.*changed nothing/s);
      expect(mock.commandCalls(CreatePolicyCommand)).toHaveLength(0);
    } finally {
      mock.restore();
    }
  });

  it('Ctrl-C before the change: the principal is "not applied (interrupted)", nothing is written, exit 130', async () => {
    const mock = mockClient(IAMClient);
    try {
      mock.on(GetRoleCommand).callsFake(() => {
        // Ctrl-C while apply reads the role's state (the command's handler aborts the run).
        process.emit('SIGINT');
        return APP_ROLE;
      });
      untaggedWithoutPolicy(mock);
      const before = (
        JSON.parse(
          (await run('boundary', 'history', '--role', 'app', '--json')).stdout,
        ) as BoundaryHistoryDocument
      ).snapshots.length;
      const stopped = await run('boundary', 'apply', '--role', 'app', ...PERIOD, '--yes');
      expect(stopped.status).toBe(130);
      expect(stopped.stdout).toContain('role app: not applied (interrupted)');
      expect(mock.commandCalls(CreatePolicyCommand)).toHaveLength(0);
      expect(mock.commandCalls(PutRolePermissionsBoundaryCommand)).toHaveLength(0);
      const after = (
        JSON.parse(
          (await run('boundary', 'history', '--role', 'app', '--json')).stdout,
        ) as BoundaryHistoryDocument
      ).snapshots.length;
      expect(after).toBe(before);
    } finally {
      mock.restore();
    }
  });

  it('rollback picks the failed snapshot when no applied one is left; a dry run with nothing to do writes nothing', async () => {
    // The mocked apply above changed nothing in moto; its snapshot saw no tags, so the tag key it
    // would have set, which app has in moto, is removed by hand: nothing is left to undo.
    await iam.send(new UntagRoleCommand({ RoleName: 'app', TagKeys: ['iamtrail:window'] }));
    const failedId = (
      JSON.parse(
        (await run('boundary', 'history', '--role', 'app', '--json')).stdout,
      ) as BoundaryHistoryDocument
    ).snapshots.at(-1)?.id;
    const dry = await run('boundary', 'rollback', '--role', 'app', '--json');
    expect(dry.status, dry.stderr).toBe(0);
    const document = boundaryRollbackDocument.parse(JSON.parse(dry.stdout));
    expect(document.restores.id).toBe(failedId);
    expect(document.status).toBe('nothing-to-do');
    expect(document.notes.join(' ')).toContain(`picked the latest failed one, ${failedId ?? ''}`);
    const stateOf = async (): Promise<string | undefined> =>
      (
        JSON.parse(
          (await run('boundary', 'history', '--role', 'app', '--json')).stdout,
        ) as BoundaryHistoryDocument
      ).snapshots.find((snapshot) => snapshot.id === failedId)?.state;
    expect(await stateOf()).toBe('failed');
    const confirmed = await run('boundary', 'rollback', '--role', 'app', '--yes');
    expect(confirmed.status, confirmed.stderr).toBe(0);
    expect(await stateOf()).toBe('rolled-back');
  });
});
