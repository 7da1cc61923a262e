import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditDocument } from '../../src/app/audit/audit-types.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { advisorService } from '../helpers/advisor.js';
import { flatten, runCli } from '../helpers/cli.js';
import { demoInOwnFolders } from '../helpers/demo-own-folders.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * `iamtrail audit` in-process on the demo organisation (examples/demo: IAM files, credential
 * reports, a month of logs), over its last week with --unused-days 7 so that the logs cover the
 * whole unused period. What is expected is read from the demo's credential reports here, not
 * copied from the command's output.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-audit-'));
const cache = join(work, 'cache.duckdb');
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
const DEMO = ['audit', '--config', 'examples/demo/config.example.yaml', '--end', '2026-10-31'];
const WEEK = [...DEMO, '--unused-days', '7', '--cache', cache];
/** The audit is as of the end of 2026-10-31; the unused period of 7 days starts 2026-10-25. */
const AS_OF = Date.parse('2026-11-01T00:00:00Z');
const PERIOD_START = Date.parse('2026-10-25T00:00:00Z');
const DAY_MS = 86_400_000;

type ReportCsvRow = Record<string, string>;
/** The demo's credential reports, as the files hold them, with their account. */
const reports: { account: string; row: ReportCsvRow }[] = [
  ['111111111111', 'demo'],
  ['222222222222', 'backup'],
].flatMap(([id = '', name = '']) =>
  parse<ReportCsvRow>(readFileSync(join(REPO_ROOT, `examples/demo/credentials/${name}.csv`), 'utf8'), {
    columns: true,
  }).map((row) => ({ account: id, row })),
);
const users = reports.filter(({ row }) => row.user !== '<root_account>');
const keysOf = (row: ReportCsvRow) =>
  ([1, 2] as const)
    .filter((slot) => row[`access_key_${slot}_active`] === 'true')
    .map((slot) => ({
      slot,
      rotated: Date.parse(row[`access_key_${slot}_last_rotated`] ?? ''),
      used: row[`access_key_${slot}_last_used_date`] ?? 'N/A',
    }));

let document: AuditDocument;
beforeAll(async () => {
  const run = await runCli([...WEEK, '--format', 'json']);
  expect(run.status, run.stderr).toBe(0);
  document = JSON.parse(run.stdout) as AuditDocument;
});

/** The resources of the findings of a type, sorted (keys: `<arn> <key>`). */
function resourcesOf(type: string): string[] {
  return document.findings
    .filter((finding) => finding.findingType === type)
    .map((finding) => {
      const detail = finding.findingDetails[0];
      if (detail !== undefined && 'unusedIamUserAccessKeyDetails' in detail)
        return `${finding.resource} ${detail.unusedIamUserAccessKeyDetails.accessKeyId}`;
      if (
        detail !== undefined &&
        'iamtrailDetails' in detail &&
        typeof detail.iamtrailDetails.accessKeyId === 'string'
      )
        return `${finding.resource} ${detail.iamtrailDetails.accessKeyId}`;
      return finding.resource;
    })
    .sort();
}

describe('iamtrail audit on the demo organisation', () => {
  it('finds what the credential reports hold', () => {
    expect(document.cloudTrail.used).toBe(true);
    // No --start: the window is the unused period, the 7 days ending with --end.
    expect(document.window).toEqual({ startDay: '2026-10-25', endDay: '2026-10-31' });
    expect(document.accounts.map((account) => [account.name, account.status])).toEqual([
      ['demo', 'audited'],
      ['backup', 'audited'],
    ]);
    expect(resourcesOf('ConsolePasswordWithoutMfa')).toEqual(
      users
        .filter(({ row }) => row.password_enabled === 'true' && row.mfa_active === 'false')
        .map(({ row }) => row.arn)
        .sort(),
    );
    expect(resourcesOf('TwoActiveAccessKeys')).toEqual(
      users.filter(({ row }) => keysOf(row).length === 2).map(({ row }) => row.arn),
    );
    expect(resourcesOf('RootAccessKey')).toEqual(
      reports
        .filter(({ row }) => row.user === '<root_account>' && keysOf(row).length > 0)
        .map(({ account }) => `arn:aws:iam::${account}:root`),
    );
    // The root row's password_enabled is not_supported: mfa_active alone decides.
    expect(resourcesOf('RootWithoutMfa')).toEqual(
      reports
        .filter(({ row }) => row.user === '<root_account>' && row.mfa_active === 'false')
        .map(({ account }) => `arn:aws:iam::${account}:root`),
    );
    // A report file gives no key id: the key is named <user>:key<slot>.
    expect(resourcesOf('AccessKeyNotRotated')).toEqual(
      users
        .flatMap(({ row }) =>
          keysOf(row)
            .filter((key) => AS_OF - key.rotated > 90 * DAY_MS)
            .map((key) => `${row.arn} ${row.user}:key${key.slot}`),
        )
        .sort(),
    );
    expect(resourcesOf('UnusedIAMUserAccessKey')).toEqual(
      users
        .flatMap(({ row }) =>
          keysOf(row)
            .filter((key) =>
              key.used === 'N/A' ? key.rotated < PERIOD_START : Date.parse(key.used) < PERIOD_START,
            )
            .map((key) => `${row.arn} ${row.user}:key${key.slot}`),
        )
        .sort(),
    );
    expect(document.totals.findings).toBe(document.findings.length);
    expect(document.complete).toBe(true);
  });

  it('judges unused permissions from "-" verdicts only, and roles by RoleLastUsed cleared by the logs', () => {
    const principals = document.accounts.flatMap((account) =>
      account.status === 'audited' ? account.principals : [],
    );
    const verdicts = new Map(
      principals.map((principal) => [
        principal.arn,
        { unused: new Set(principal.actions?.unused), unknown: new Set(principal.actions?.unknown) },
      ]),
    );
    const permissionFindings = document.findings.filter((entry) => entry.findingType === 'UnusedPermission');
    expect(permissionFindings.length).toBeGreaterThan(0);
    const misjudged = permissionFindings.flatMap((finding) => {
      const detail = finding.findingDetails[0];
      const lines = verdicts.get(finding.resource);
      if (detail === undefined || !('unusedPermissionDetails' in detail) || lines === undefined)
        return [finding.resource];
      return detail.unusedPermissionDetails.actions
        .filter(({ action }) => !lines.unused.has(action) || lines.unknown.has(action))
        .map(({ action }) => `${finding.resource} ${action}`);
    });
    expect(misjudged).toEqual([]);
    // Every "-" of a principal is in its findings, and no "?".
    const inFindings = new Set(
      permissionFindings.flatMap((finding) =>
        finding.findingDetails.flatMap((detail) =>
          'unusedPermissionDetails' in detail
            ? detail.unusedPermissionDetails.actions.map(({ action }) => `${finding.resource} ${action}`)
            : [],
        ),
      ),
    );
    const alice = principals.find((principal) => principal.name === 'alice');
    expect(alice?.actions?.unused.length).toBeGreaterThan(0);
    for (const action of alice?.actions?.unused ?? [])
      expect(inFindings.has(`${alice?.arn ?? ''} ${action}`)).toBe(true);
    for (const action of alice?.actions?.unknown ?? [])
      expect(inFindings.has(`${alice?.arn ?? ''} ${action}`)).toBe(false);
    // The demo's IAM files say no role was ever used (RoleLastUsed empty): only the roles without
    // an ok call in the logs of the week, service-linked ones aside, are unused.
    const unusedRoles = principals
      .filter(
        (principal) =>
          principal.type === 'role' &&
          !principal.arn.includes('/aws-service-role/') &&
          principal.lastActivity === null,
      )
      .map((principal) => principal.arn)
      .sort();
    expect(resourcesOf('UnusedIAMRole')).toEqual(unusedRoles);
    expect(principals.some((principal) => principal.type === 'role' && principal.lastActivity !== null)).toBe(
      true,
    );
  });

  it('UnusedPermission says which "-" Access Advisor decided, not the logs', async () => {
    // bob's week: "-" (the trail records them) and "?" (it does not) in sqs and kms. A snapshot
    // saying sqs was last used in March and kms never turns those "?" into "-" of Access Advisor.
    const bob = document.accounts
      .flatMap((account) => (account.status === 'audited' ? account.principals : []))
      .find((principal) => principal.name === 'bob');
    const ofService = (actions: readonly string[] | undefined, service: string) =>
      (actions ?? []).filter((action) => action.startsWith(`${service}:`)).sort();
    const advisorCache = join(work, 'advisor.duckdb');
    copyFileSync(cache, advisorCache);
    if (existsSync(`${cache}.wal`)) copyFileSync(`${cache}.wal`, `${advisorCache}.wal`);
    const store = await CacheStore.open(advisorCache);
    try {
      await store.writeAdvisorSnapshot({
        accountId: '111111111111',
        arn: bob?.arn ?? '',
        entityType: 'user',
        // Two days after the week: the hours an access may take to show have passed.
        collectedAt: '2026-11-02T06:00:00Z',
        jobCompletedAt: '2026-11-02T06:00:00Z',
        origin: 'import:test',
        services: [advisorService('sqs', '2026-03-01T00:00:00Z'), advisorService('kms', null)],
      });
    } finally {
      await store.close();
    }
    const run = await runCli([...DEMO, '--unused-days', '7', '--cache', advisorCache, '--format', 'json']);
    expect(run.status, run.stderr).toBe(0);
    const withAdvisor = JSON.parse(run.stdout) as AuditDocument;
    for (const [service, access] of [
      ['sqs', 'sqs last authenticated 2026-03-01T00:00:00Z, before it'],
      ['kms', 'kms not authenticated in the tracking period'],
    ] as const) {
      const byTrail = ofService(bob?.actions?.unused, service);
      const byAdvisor = ofService(bob?.actions?.unknown, service);
      expect(byTrail.length, service).toBeGreaterThan(0);
      expect(byAdvisor.length, service).toBeGreaterThan(0);
      const total = byTrail.length + byAdvisor.length;
      const finding = withAdvisor.findings.find(
        (entry) =>
          entry.findingType === 'UnusedPermission' &&
          entry.resource === bob?.arn &&
          entry.findingDetails.some(
            (detail) =>
              'unusedPermissionDetails' in detail &&
              detail.unusedPermissionDetails.serviceNamespace === service,
          ),
      );
      const [trailEvidence, advisorEvidence] = finding?.evidence ?? [];
      expect(trailEvidence?.source).toBe('cloudtrail');
      expect(trailEvidence?.detail).toMatch(
        new RegExp(
          `^verdict "-" for ${byTrail.length} of the ${total} actions \\(${byTrail[0] ?? ''}, .*and the trail records them$`,
        ),
      );
      expect(advisorEvidence?.source).toBe('access-advisor');
      expect(advisorEvidence?.detail).toMatch(
        new RegExp(
          `^verdict "-" for ${byAdvisor.length} of the ${total} actions \\(${byAdvisor[0] ?? ''}, .*which the trail does not record: `,
        ),
      );
      expect(advisorEvidence?.detail).toContain(`the Access Advisor snapshot as of 2026-11-02T06:00:00Z`);
      expect(advisorEvidence?.detail).toContain(access);
    }
  });

  it("prints what the README's example shows (the lines before its …, then those after it)", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const command =
      '$ iamtrail audit --config examples/demo/config.example.yaml --end 2026-10-31 --unused-days 7';
    const start = readme.indexOf(`${command}\n`);
    expect(start).toBeGreaterThan(0);
    const example = readme.slice(start + command.length + 1, readme.indexOf('\n```', start)).split('\n');
    const elided = example.indexOf('…');
    const run = await runCli(WEEK);
    expect(run.status, run.stderr).toBe(0);
    // The README shortens the logs' folder.
    const printed = run.stdout
      .replace(/local:\S*\/examples\/demo\/logs/, 'local:/…/examples/demo/logs')
      .split('\n');
    expect(printed.slice(0, elided)).toEqual(example.slice(0, elided));
    const tail = example.slice(elided + 1);
    const at = printed.indexOf(tail[0] ?? '');
    expect(at, tail[0]).toBeGreaterThan(elided);
    expect(printed.slice(at, at + tail.length)).toEqual(tail);
  });

  it('--event-selectors: data actions the selectors log for every resource count as unused; a bad file is exit 2', async () => {
    const alice = (stdout: string): string | undefined =>
      stdout.split('\n')[
        stdout.split('\n').indexOf('LOW      UnusedPermission demo arn:aws:iam::111111111111:user/alice') + 1
      ];
    // Without the selectors alice's unused S3 object actions are "?" (the logs cannot say every
    // bucket's data events are logged): 186 unused; with selectors logging them all, 212.
    const plain = await runCli(WEEK);
    expect(alice(plain.stdout)).toContain('186 granted action(s) unused');
    const selected = await runCli([
      ...WEEK,
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
    ]);
    expect(selected.status, selected.stderr).toBe(0);
    expect(alice(selected.stdout)).toContain('212 granted action(s) unused');
    // They are the selectors of a trail of account demo: account backup is judged by them only if
    // that trail is an organization trail (--organization-trail).
    const notApplied =
      'trail arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail, of account 111111111111: not applied to account backup (222222222222)';
    expect(flatten(selected.stderr)).toContain(notApplied);
    expect(flatten(selected.stderr)).not.toContain('not applied to account demo');
    const organization = await runCli([
      ...WEEK,
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
      '--organization-trail',
    ]);
    expect(organization.status, organization.stderr).toBe(0);
    expect(flatten(organization.stderr)).not.toContain(notApplied);
    // backup's ops: judged exactly as without the selectors (its S3 object actions "?") unless the
    // trail is an organization trail, when those count as unused too.
    const opsUnused = (stdout: string): number => {
      const lines = stdout.split('\n');
      const at = lines.indexOf('LOW      UnusedPermission backup arn:aws:iam::222222222222:user/ops');
      expect(at, stdout).toBeGreaterThan(0);
      return Number(/(\d+) granted action\(s\) unused/.exec(lines[at + 1] ?? '')?.[1]);
    };
    const withoutSelectors = opsUnused(plain.stdout);
    expect(opsUnused(selected.stdout)).toBe(withoutSelectors);
    expect(opsUnused(organization.stdout)).toBeGreaterThan(withoutSelectors);
    // The JSON document says which accounts they were not applied to.
    const settingsOf = async (...more: string[]) => {
      const run = await runCli([...WEEK, '--format', 'json', ...more]);
      expect(run.status, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as AuditDocument).settings.eventSelectors;
    };
    const file = join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json');
    expect(await settingsOf('--event-selectors', file)).toEqual({
      file,
      notAppliedTo: [{ name: 'backup', id: '222222222222' }],
      ownFoldersOnly: [],
    });
    expect(await settingsOf('--event-selectors', file, '--organization-trail')).toEqual({
      file,
      notAppliedTo: [],
      ownFoldersOnly: [],
    });
    expect(await settingsOf()).toBeNull();
    // The same logs in each account's own folders (AWSLogs/<account>/): backup is still judged by
    // the trail of demo, with a caution; demo is the trail's own account.
    const own = await runCli([
      ...['audit', '--config', demoInOwnFolders(join(work, 'own-folders')), '--end', '2026-10-31'],
      ...['--unused-days', '7', '--no-cache', '--format', 'json'],
      ...['--event-selectors', file, '--organization-trail'],
    ]);
    expect(own.status, own.stderr).toBe(0);
    expect((JSON.parse(own.stdout) as AuditDocument).settings.eventSelectors).toEqual({
      file,
      notAppliedTo: [],
      ownFoldersOnly: [{ name: 'backup', id: '222222222222' }],
    });
    expect(flatten(own.stderr)).toContain(
      '--organization-trail: account backup (222222222222) has its logs only in AWSLogs/222222222222/',
    );
    const bad = await runCli([...WEEK, '--event-selectors', join(REPO_ROOT, 'no/such/selectors.json')]);
    expect(bad.status).toBe(2);
    expect(flatten(bad.stderr)).toContain(
      `event selectors file ${join(REPO_ROOT, 'no/such/selectors.json')} does not exist`,
    );
  });

  it('--no-trail: says so in every output, no unused permission and no IAM changes (null)', async () => {
    const json = await runCli([...DEMO, '--no-trail', '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const bare = JSON.parse(json.stdout) as AuditDocument;
    expect(bare.cloudTrail).toEqual({ used: false, reason: '--no-trail' });
    expect(bare.iamChanges).toBeNull();
    expect(bare.findings.filter((finding) => finding.findingType === 'UnusedPermission')).toEqual([]);
    const text = await runCli([...DEMO, '--no-trail']);
    expect(text.stdout).toContain('CloudTrail evidence was not used: --no-trail');
    const out = join(work, 'bare-csv');
    // An earlier run's file in the folder is removed, not left to pass for this run's.
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'iam-changes.csv'), 'from an earlier run\n');
    const csv = await runCli([...DEMO, '--no-trail', '--format', 'csv', '--out', out]);
    expect(csv.stdout).toContain('CloudTrail evidence was not used: --no-trail');
    expect(existsSync(join(out, 'iam-changes.csv'))).toBe(false);
  });

  it('--fail-on: 1 when a finding is at or above it, 0 when none is', async () => {
    // backup's root user has an active key (critical); demo has no critical finding but high ones.
    const args = [...DEMO, '--no-trail', '--format', 'json'];
    expect((await runCli([...args, '--fail-on', 'critical'])).status).toBe(1);
    expect((await runCli([...args, '--account', 'demo', '--fail-on', 'critical'])).status).toBe(0);
    const high = await runCli([...args, '--account', 'demo', '--fail-on', 'high']);
    expect(high.status).toBe(1);
    expect(high.stderr).toMatch(/finding\(s\) at or above --fail-on high: exit code 1/);
  });

  it('an account that cannot be reached is a row with its error and exit code 3, after the whole output', async () => {
    const config = join(work, 'ghost.yaml');
    writeFileSync(
      config,
      [
        `logs: ${join(REPO_ROOT, 'examples/demo/logs')}`,
        'accounts:',
        '  - name: demo',
        '    id: 111111111111',
        `    iam: ${join(REPO_ROOT, 'examples/demo/iam/demo.json')}`,
        `    credential_report: ${join(REPO_ROOT, 'examples/demo/credentials/demo.csv')}`,
        '  - name: ghost',
        '    id: 333333333333',
        '    role: arn:aws:iam::333333333333:role/audit',
        '',
      ].join('\n'),
    );
    // Nothing listens on the discard port of loopback: assuming the role fails at once.
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      // One attempt: the refusal is the point, the SDK's retries with backoff would only wait.
      AWS_MAX_ATTEMPTS: '1',
    };
    const out = join(work, 'csv');
    const args = ['audit', '--config', config, '--end', '2026-10-31', '--no-trail'];
    // --fail-on low matches, but a failed account wins: 3.
    const run = await runCli([...args, '--format', 'csv', '--out', out, '--fail-on', 'low'], env);
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/1 of 2 account\(s\) could not be audited/);
    const credentials = parse<ReportCsvRow>(readFileSync(join(out, 'credentials.csv'), 'utf8'), {
      columns: true,
    });
    expect(Object.keys(credentials[0] ?? {})).toEqual([
      ...['account_id', 'account_name', 'user', 'password_status', 'password_last_used', 'access_key_id'],
      ...['status', 'created', 'last_used_date', 'last_used_service', 'mfa_type'],
      ...['arn', 'key_slot', 'last_used_region', 'user_creation_time', 'mfa_active', 'error_code', 'error'],
    ]);
    const ghost = credentials.filter((row) => row.account_id === '333333333333');
    expect(ghost).toHaveLength(1);
    expect(ghost[0]?.error).toContain('arn:aws:iam::333333333333:role/audit');
    // One row per user without keys or per key, for every user of the demo report.
    const demoRows = credentials.filter((row) => row.account_id === '111111111111');
    const demoReport = reports.filter(({ account }) => account === '111111111111');
    expect(demoRows.length).toBe(
      demoReport.reduce(
        (sum, { row }) =>
          sum + Math.max(1, [1, 2].filter((slot) => row[`access_key_${slot}_last_rotated`] !== 'N/A').length),
        0,
      ),
    );
    const findings = readFileSync(join(out, 'findings.csv'), 'utf8').split('\n')[0];
    expect(findings).toBe(
      'id,severity,finding_type,account_id,account_name,resource_type,resource,title,details,evidence',
    );

    const text = await runCli(args, env);
    expect(text.status).toBe(3);
    expect(text.stdout).toMatch(/ghost \(333333333333\): FAILED: .*role\/audit/);
    expect(text.stdout).toContain('Accounts: 1 audited, 1 failed');
  });

  it('says in every format that a credential report file is older than the audit (stderr where stdout lacks it)', async () => {
    // The demo's files hold nothing after October: an audit as of the end of November judges them
    // as of their own time, and says so.
    const args = [
      'audit',
      '--config',
      'examples/demo/config.example.yaml',
      '--end',
      '2026-11-30',
      '--no-trail',
    ];
    const stale = (name: string, id: string) =>
      `account ${name} (${id}): the credential report file holds nothing after`;
    const text = await runCli(args);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('warning: the credential report file holds nothing after');
    const others = [
      ['--format', 'json'],
      ['--json'],
      ['--format', 'csv', '--out', join(work, 'stale-csv')],
      ['--format', 'html', '--out', join(work, 'stale.html')],
      ['--out', join(work, 'stale.txt')],
    ];
    for (const format of others) {
      const run = await runCli([...args, ...format]);
      expect(run.status, `${format.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stderr, format.join(' ')).toContain(`warning: ${stale('demo', '111111111111')}`);
      expect(run.stderr, format.join(' ')).toContain(`warning: ${stale('backup', '222222222222')}`);
    }
  });

  it('refuses csv without --out (exit 2); --out FILE.html writes the HTML page', async () => {
    expect((await runCli([...DEMO, '--no-trail', '--format', 'csv'])).status).toBe(2);
    const html = await runCli([...DEMO, '--no-trail', '--out', join(work, 'a.html')]);
    expect(html.status).toBe(0);
    const page = readFileSync(join(work, 'a.html'), 'utf8');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('id="iamtrail-data"');
  });
});
