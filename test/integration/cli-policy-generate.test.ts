import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileGenerated } from '../../src/analysis/policy-replay.js';
import type { PolicyGenerateDocument } from '../../src/app/policy/generate-policy.js';
import { loadActionData } from '../../src/cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../src/cli/iam-file.js';
import { findPrincipal } from '../../src/iam/principals.js';
import { computeGrantedActions } from '../../src/iam/granted-actions.js';
import { generatedPolicyDocument, policyGenerateDocument } from '../contract/json-schemas.js';
import { runCli } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';
import { demoInOwnFolders } from '../helpers/demo-own-folders.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * `iamtrail policy generate` in-process on the demo account over 2026-10-16..2026-10-31 (after the
 * demo's corrupt file of 2026-10-15), for a user (alice, whose S3 and sts:AssumeRole grants are
 * scoped) and a role (admin, AdministratorAccess: thousands of `?` actions kept, so the policy is
 * merged and split). What is expected is read here from the demo's logs and IAM file.
 */

const DEMO = join(REPO_ROOT, 'examples/demo');
const ACCOUNT = '111111111111';
const WINDOW = { start: '2026-10-16T00:00:00Z', end: '2026-11-01T00:00:00Z' };
const work = mkdtempSync(join(tmpdir(), 'iamtrail-policy-generate-'));
// A cache of its own: the first run reads the window (the shared demo cache may hold it already,
// written by another file of the same worker).
const cache = join(work, 'demo.duckdb');
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface LoggedRecord {
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly errorCode?: string;
  readonly requestParameters?: Record<string, unknown> | null;
  readonly resources?: readonly { readonly ARN?: string; readonly type?: string }[];
  readonly userIdentity: {
    readonly type?: string;
    readonly arn?: string;
    readonly sessionContext?: { sessionIssuer?: { arn?: string } };
  };
}

/**
 * Every record of the demo organisation's CloudTrail files in the window (the corrupt file is
 * before it): every account's, as a principal's calls to another account are logged there.
 */
function demoRecords(): LoggedRecord[] {
  const root = join(DEMO, 'logs/AWSLogs/o-demo12345');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.json.gz'),
  );
  return files.flatMap((file) => {
    try {
      return (
        JSON.parse(gunzipSync(readFileSync(join(root, file))).toString('utf8')) as { Records: LoggedRecord[] }
      ).Records.filter((record) => record.eventTime >= WINDOW.start && record.eventTime < WINDOW.end);
    } catch {
      return [];
    }
  });
}

const data = loadActionData();
const details = readAuthorizationDetailsFile(join(DEMO, 'iam/demo.json'));
const records = demoRecords();

/** The principal's successful calls, each as the IAM actions its event maps to. */
function usedActions(type: 'user' | 'role', arn: string): string[][] {
  return records
    .filter((record) => record.errorCode === undefined)
    .filter((record) =>
      type === 'user'
        ? record.userIdentity.type === 'IAMUser' && record.userIdentity.arn === arn
        : record.userIdentity.type === 'AssumedRole' &&
          record.userIdentity.sessionContext?.sessionIssuer?.arn === arn,
    )
    .map((record) => {
      const mapping = data.mapper.map(record.eventSource, record.eventName);
      return mapping.kind === 'action' ? [...mapping.actions] : [];
    });
}

const runs = new Map<string, PolicyGenerateDocument>();
beforeAll(async () => {
  for (const [flag, name] of [
    ['--user', 'alice'],
    ['--role', 'admin'],
  ] as const) {
    const run = await runCli([
      'policy',
      'generate',
      '--config',
      join(DEMO, 'config.example.yaml'),
      '--cache',
      cache,
      '--account',
      'demo',
      flag,
      name,
      '--start',
      '2026-10-16',
      '--end',
      '2026-10-31',
      '--json',
      '--output',
      join(work, `${name}.json`),
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/replay: (\d+) of \1 observed calls allowed/);
    // What it read, as the report says it: the first run reads the window's 16 days from the
    // logs, the second answers from what the first cached.
    if (name === 'alice')
      expect(run.stderr).toMatch(/^16 day\(s\) read from the logs in 1 engine call\(s\): \d+ file\(s\)/m);
    else expect(run.stderr).toContain(`no log read; 16 day(s) from the cache ${cache}\n`);
    runs.set(name, JSON.parse(run.stdout) as PolicyGenerateDocument);
  }
});

describe('policy generate on the demo account', () => {
  for (const [type, name] of [
    ['user', 'alice'],
    ['role', 'admin'],
  ] as const)
    it(`${type} ${name}: valid policies within the limit, allowing every granted action of its successful calls; the replay allows them all`, () => {
      const document = runs.get(name);
      expect(() => policyGenerateDocument.parse(document)).not.toThrow();
      if (document === undefined) return;
      const principal = findPrincipal(details, type, name);
      if (principal === undefined) throw new Error(`the demo has no ${type} ${name}`);
      expect(document.principal.arn).toBe(principal.arn);
      expect(document.coverage).toMatchObject({ windowDays: 16, daysWithLogs: 16, complete: true });
      // --output: one file per policy, FILE alone or FILE-1, FILE-2, ... when split.
      const files =
        document.policies.length === 1
          ? [`${name}.json`]
          : document.policies.map((_, index) => `${name}-${index + 1}.json`);
      expect(files.map((file) => JSON.parse(readFileSync(join(work, file), 'utf8')) as unknown)).toEqual(
        document.policies.map((policy) => policy.document),
      );
      for (const policy of document.policies) {
        expect(() => generatedPolicyDocument.parse(policy.document)).not.toThrow();
        expect(JSON.stringify(policy.document).replace(/\s/g, '').length).toBeLessThanOrEqual(6144);
      }
      const granted = new Set(
        computeGrantedActions(details, principal, data.catalog).actions.map((grant) =>
          grant.action.toLowerCase(),
        ),
      );
      const calls = usedActions(type, principal.arn);
      expect(calls.length).toBeGreaterThan(0);
      const evaluate = compileGenerated(document.policies, principal, ACCOUNT);
      let grantedCalls = 0;
      const ungranted = new Set<string>();
      for (const actions of calls)
        for (const action of actions) {
          if (!granted.has(action.toLowerCase())) {
            ungranted.add(action);
            continue;
          }
          grantedCalls += 1;
          // On some resource; each call's own resources are the replay's resource uses.
          expect(['allowed', 'inconclusive'], action).toContain(
            evaluate({ action, resource: '*', context: [] }).decision,
          );
        }
      expect(document.ungranted).toEqual([...ungranted].sort());
      expect(document.replay.calls).toEqual({
        total: grantedCalls,
        allowed: grantedCalls,
        outsideGrant: calls.flat().length - grantedCalls,
      });
      expect(document.replay.denied).toEqual([]);
    });

  it("scopes alice's S3 reads and role assumptions to what her calls named, within her grant", () => {
    const statements = runs.get('alice')?.policies.flatMap((policy) => policy.document.Statement) ?? [];
    const resourcesOf = (action: string): string[] =>
      statements
        .filter((statement) => statement.Effect === 'Allow' && statement.Action?.includes(action) === true)
        .flatMap((statement) =>
          typeof statement.Resource === 'string' ? [statement.Resource] : (statement.Resource ?? []),
        );
    const glob = (pattern: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const matchedBy = (patterns: readonly string[], arn: string) =>
      patterns.some((pattern) => glob(pattern).test(arn));
    const alice = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const hers = records.filter(
      (record) =>
        record.errorCode === undefined &&
        record.userIdentity.type === 'IAMUser' &&
        record.userIdentity.arn === alice,
    );
    // From the demo's IAM file: DeveloperAccess allows s3:* on these two patterns.
    const s3Grant = ['arn:aws:s3:::demo-app-*', 'arn:aws:s3:::demo-app-*/*'];
    const getObject = resourcesOf('s3:GetObject');
    const objects = hers
      .filter((record) => record.eventName === 'GetObject')
      .map(
        (record) =>
          `arn:aws:s3:::${String(record.requestParameters?.bucketName)}/${String(record.requestParameters?.key)}`,
      );
    expect(objects.length).toBeGreaterThan(0);
    // Every object she read is allowed; every pattern lies within the grant, and is narrower than it.
    for (const object of objects) expect(matchedBy(getObject, object), object).toBe(true);
    for (const pattern of getObject) {
      expect(matchedBy(s3Grant, pattern), pattern).toBe(true);
      expect(s3Grant, pattern).not.toContain(pattern);
    }
    // sts:AssumeRole: exactly the roles she assumed (her grant also allows role/read*, which she never assumed).
    const assumed = [
      ...new Set(
        hers
          .filter((record) => record.eventName === 'AssumeRole')
          .map((record) => String(record.requestParameters?.roleArn)),
      ),
    ].sort();
    expect(assumed.length).toBeGreaterThan(0);
    expect(resourcesOf('sts:AssumeRole').sort()).toEqual(assumed);
  });
});

describe('policy generate --event-selectors', () => {
  it('keeps an unused data action "?" without the selectors, and drops it when they log its type for every resource', async () => {
    const generate = async (...more: string[]) => {
      const run = await runCli([
        ...['policy', 'generate', '--config', join(DEMO, 'config.example.yaml'), '--cache', cache],
        ...['--account', 'demo', '--user', 'alice', '--start', '2026-10-16', '--end', '2026-10-31', '--json'],
        ...more,
      ]);
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as PolicyGenerateDocument;
    };
    const allows = (document: PolicyGenerateDocument): string =>
      JSON.stringify(document.policies.map((policy) => policy.document));
    // alice never deletes objects; S3 object data events in the logs do not show that every bucket's
    // are logged, so s3:DeleteObject is "?" and kept (keep-unknown is the default).
    const inferred = await generate();
    expect(allows(inferred)).toContain('"s3:DeleteObject"');
    const selected = await generate(
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
    );
    expect(allows(selected)).not.toContain('"s3:DeleteObject"');
    expect(selected.counts.unknownKept).toBeLessThan(inferred.counts.unknownKept);
    expect(selected.counts.used).toBe(inferred.counts.used);
  });

  it("applies another account's trail selectors only with --organization-trail, and says so", async () => {
    const generate = async (...more: string[]) =>
      runCli([
        ...['policy', 'generate', '--config', join(DEMO, 'config.example.yaml'), '--cache', cache],
        ...['--account', 'backup', '--user', 'ops', '--start', '2026-10-16', '--end', '2026-10-31', '--json'],
        ...['--event-selectors', join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json')],
        ...more,
      ]);
    const generated = (run: CliRun): { allows: string; notes: string } => {
      expect(run.status, run.stderr).toBe(0);
      const document = JSON.parse(run.stdout) as PolicyGenerateDocument;
      return {
        allows: JSON.stringify(document.policies.map((policy) => policy.document)),
        notes: document.notes.join('\n'),
      };
    };
    // The fixture is a trail of account demo: for backup's ops it is not applied (a note says so),
    // so ops's unused s3:GetObject stays "?" and is kept; as an organization trail's it is "-" and
    // dropped.
    const notApplied = generated(await generate());
    expect(notApplied.allows).toContain('"s3:GetObject"');
    expect(notApplied.notes).toContain('not applied to account backup (222222222222)');
    const organization = generated(await generate('--organization-trail'));
    expect(organization.allows).not.toContain('"s3:GetObject"');
    expect(organization.notes).not.toContain('not applied');
    expect(organization.notes).not.toContain('--organization-trail:');
    // The same logs in backup's own folders (AWSLogs/222222222222/): still applied, with a note.
    const own = generated(
      await runCli([
        ...['policy', 'generate', '--config', demoInOwnFolders(join(work, 'own-folders')), '--no-cache'],
        ...['--account', 'backup', '--user', 'ops', '--start', '2026-10-16', '--end', '2026-10-31', '--json'],
        ...['--event-selectors', join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json')],
        '--organization-trail',
      ]),
    );
    expect(own.allows).toBe(organization.allows);
    expect(own.notes).toContain(
      '--organization-trail: account backup (222222222222) has its logs only in AWSLogs/222222222222/',
    );
  });
});
