import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FINDING_TYPES, SEVERITIES } from '../../src/analysis/audit-findings.js';
import type { Finding } from '../../src/analysis/audit-findings.js';
import type { AuditDocument } from '../../src/app/audit/audit-types.js';
import { renderAuditHtml } from '../../src/cli/render-html/render-audit-html.js';
import type { IdentityListDocument, PrincipalDiffDocument } from '../../src/cli/render-report.js';
import { loadAuditReport } from '../helpers/audit-html.js';
import { generateAuditDocument } from '../helpers/audit-scale-document.js';
import { launchChromium, openWatchedPage } from '../helpers/browser.js';
import type { WatchedPage } from '../helpers/browser.js';
import { flatten, runBinary } from '../helpers/cli.js';
import { demoInOwnFolders } from '../helpers/demo-own-folders.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { AUDIT_DOCUMENT, HOSTILE_NAME } from '../fixtures/audit/audit-document.js';

// The self-contained HTML pages in headless Chromium (Debian's, driven by playwright-core), opened
// from disk: any console error, page error, dialog or request off the disk fails the test.

/** Rows a table shows a page. */
const PAGE_SIZE = 50;

const work = mkdtempSync(join(tmpdir(), 'iamtrail-html-e2e-'));
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
});

/** Writes `html` to a file and opens it in a watched page. */
async function openHtml(name: string, html: string): Promise<WatchedPage> {
  const file = join(work, name);
  writeFileSync(file, html);
  const watched = await openWatchedPage(browser);
  await watched.page.goto(pathToFileURL(file).href);
  await watched.page.waitForSelector('#app[data-ready]');
  return watched;
}

/** The numbers the cards of a group show, by card key. */
async function cardValues(page: Page, group: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const card of await page.locator(`[data-role="${group}"] [data-card]`).all())
    values[(await card.getAttribute('data-card')) ?? ''] =
      (await card.locator('.card-value').textContent()) ?? '';
  return values;
}

/** The embedded document's indices of the rows a table shows, in order. */
async function rowIndices(page: Page, table: string): Promise<number[]> {
  const rows = await page.locator(`[data-table="${table}"] tbody tr[data-row]`).all();
  return Promise.all(rows.map(async (row) => Number(await row.getAttribute('data-row'))));
}

/** The texts of a table's cells of one column, in order. */
function columnTexts(page: Page, table: string, key: string): Promise<string[]> {
  return page.locator(`[data-table="${table}"] tbody tr[data-row] td[data-key="${key}"]`).allTextContents();
}

async function filterTable(page: Page, table: string, text: string): Promise<void> {
  await page.fill(`[data-table="${table}"] [data-role="filter"]`, text);
  await page.waitForSelector(`[data-table="${table}"][data-filter=${JSON.stringify(text)}]`, {
    state: 'attached',
  });
}

/** Clicks a table's Export CSV and returns the downloaded file's rows (header first). */
async function exportCsv(page: Page, table: string): Promise<{ name: string; rows: string[][] }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`[data-table="${table}"] [data-role="export"]`),
  ]);
  const path = await download.path();
  const rows: string[][] = parse(readFileSync(path, 'utf8'));
  return { name: download.suggestedFilename(), rows };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function findingCsvRow(finding: Finding): string[] {
  return [
    finding.severity,
    finding.findingType,
    finding.accountName,
    finding.resourceOwnerAccount,
    finding.resource,
    finding.title,
    finding.id,
  ];
}

describe('the audit HTML report in Chromium', () => {
  const { document, html } = loadAuditReport();

  it('shows cards counted from the document, filters, sorts, exports CSV, expands a principal', async () => {
    const { page, problems, close } = await openHtml('audit.html', html);
    try {
      const byType = countBy(document.findings, (finding) => finding.findingType);
      expect(await cardValues(page, 'finding-types')).toEqual(
        Object.fromEntries(FINDING_TYPES.map((type) => [type, String(byType.get(type) ?? 0)])),
      );
      const bySeverity = countBy(document.findings, (finding) => finding.severity);
      expect(await cardValues(page, 'severities')).toEqual(
        Object.fromEntries(
          SEVERITIES.map((severity) => [`severity-${severity}`, String(bySeverity.get(severity) ?? 0)]),
        ),
      );
      const audited = document.accounts.filter((account) => account.status === 'audited');
      expect(await cardValues(page, 'totals')).toEqual({
        accounts: String(audited.length),
        'accounts-failed': String(document.accounts.length - audited.length),
        principals: String(audited.reduce((sum, account) => sum + account.principals.length, 0)),
        findings: String(document.findings.length),
      });

      // The failed account, with its error.
      const failedRows = await Promise.all(
        (await page.locator('[data-role="failed-accounts"] tbody tr').all()).map((row) =>
          row.locator('td').allTextContents(),
        ),
      );
      expect(failedRows).toEqual(
        document.accounts
          .filter((account) => account.status === 'failed')
          .map((account) => [account.name, account.id, account.errorCode ?? '\u2014', account.error]),
      );

      // Sorting by principal orders the rows by ARN, then the other way (first page: 50 rows).
      const resources = document.findings.map((finding) => finding.resource).sort();
      const shownResources = async (): Promise<(string | undefined)[]> =>
        (await rowIndices(page, 'findings')).map((index) => document.findings[index]?.resource);
      await page.click('[data-table="findings"] th[data-key="resource"]');
      expect(await shownResources()).toEqual(resources.slice(0, PAGE_SIZE));
      await page.click('[data-table="findings"] th[data-key="resource"]');
      expect(await shownResources()).toEqual(resources.reverse().slice(0, PAGE_SIZE));
      await page.click('[data-table="findings"] th[data-key="resource"]');

      // Filtering on the last finding's account keeps that account's findings; the CSV holds
      // exactly those (every page), still sorted by principal.
      const accountName = document.findings.at(-1)?.accountName ?? '';
      await filterTable(page, 'findings', `account=${accountName}`);
      const ofAccount = document.findings
        .map((finding, index) => ({ finding, index }))
        .filter((entry) => entry.finding.accountName === accountName)
        .sort((a, b) =>
          a.finding.resource < b.finding.resource ? -1 : a.finding.resource > b.finding.resource ? 1 : 0,
        );
      expect(ofAccount.length).toBeLessThan(document.findings.length);
      expect(await rowIndices(page, 'findings')).toEqual(
        ofAccount.slice(0, PAGE_SIZE).map((entry) => entry.index),
      );
      const csv = await exportCsv(page, 'findings');
      expect(csv.name).toBe('findings.csv');
      expect(csv.rows).toEqual([
        ['severity', 'type', 'account', 'account_id', 'resource', 'title', 'id'],
        ...ofAccount.map((entry) => findingCsvRow(entry.finding)),
      ]);

      // A card selects its type's findings.
      const type = document.findings[0]?.findingType ?? 'UnusedIAMRole';
      await page.click(`[data-role="finding-types"] [data-card="${type}"]`);
      expect(
        (await rowIndices(page, 'findings')).map((index) => document.findings[index]?.findingType),
      ).toEqual(
        document.findings
          .filter((finding) => finding.findingType === type)
          .map((finding) => finding.findingType)
          .slice(0, PAGE_SIZE),
      );

      // The first audited account is open, sorted by name; a principal's actions show on expand.
      const first = audited[0];
      if (first?.status !== 'audited') throw new Error('the document has no audited account');
      const principalsTable = `principals-${first.id}`;
      await page.waitForSelector(`[data-section="account-${first.id}"][data-built]`);
      expect(await columnTexts(page, principalsTable, 'name')).toEqual(
        first.principals
          .map((principal) => principal.name)
          .sort()
          .slice(0, PAGE_SIZE),
      );
      const withActions = first.principals.findIndex(
        (principal) =>
          (principal.actions?.used.length ?? 0) > 0 && (principal.actions?.unused.length ?? 0) > 0,
      );
      expect(withActions).toBeGreaterThanOrEqual(0);
      await filterTable(page, principalsTable, `arn=${first.principals[withActions]?.arn ?? ''}`);
      await page.click(`[data-table="${principalsTable}"] tr[data-row="${withActions}"] td.expander button`);
      const lists: Record<string, string[]> = {};
      for (const group of await page
        .locator(`[data-table="${principalsTable}"] tr[data-detail] [data-status]`)
        .all())
        lists[(await group.getAttribute('data-status')) ?? ''] = (
          await group.locator('li').allTextContents()
        ).map((item) => item.slice(2));
      expect(lists).toEqual(first.principals[withActions]?.actions);

      // The IAM changes timeline, oldest first, filtered by event.
      const changes = (document.iamChanges ?? []).map((change, index) => ({ change, index }));
      const byTime = changes.sort((a, b) =>
        a.change.eventTime < b.change.eventTime ? -1 : a.change.eventTime > b.change.eventTime ? 1 : 0,
      );
      expect(byTime.length).toBeGreaterThan(0);
      expect(await columnTexts(page, 'iam-changes', 'time')).toEqual(
        byTime.slice(0, PAGE_SIZE).map((entry) => entry.change.eventTime),
      );
      const event = byTime.at(-1)?.change.eventName ?? '';
      await filterTable(page, 'iam-changes', `event=${event}`);
      expect(await rowIndices(page, 'iam-changes')).toEqual(
        byTime
          .filter((entry) => entry.change.eventName === event)
          .slice(0, PAGE_SIZE)
          .map((entry) => entry.index),
      );

      // The whole page for the docs: every table unfiltered, a principal of the first account open.
      await filterTable(page, 'findings', '');
      await filterTable(page, 'iam-changes', '');
      await filterTable(page, principalsTable, '');
      const screenshot =
        process.env.UPDATE_SCREENSHOT === '1'
          ? join(REPO_ROOT, 'docs/audit-report.png')
          : join(work, 'audit-report.png');
      mkdirSync(join(screenshot, '..'), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows a principal named with markup as text, in every table, and runs nothing', async () => {
    const { page, problems, close } = await openHtml('markup.html', renderAuditHtml(AUDIT_DOCUMENT));
    try {
      const staging = AUDIT_DOCUMENT.accounts.find((account) => account.name === 'staging');
      await page.click(`[data-section="account-${staging?.id ?? ''}"] > summary`);
      await page.waitForSelector(`[data-section="account-${staging?.id ?? ''}"][data-built]`);
      expect(await columnTexts(page, `principals-${staging?.id ?? ''}`, 'name')).toContain(HOSTILE_NAME);
      expect(await columnTexts(page, 'findings', 'resource')).toContain(`role/${HOSTILE_NAME}`);
      expect(await page.locator('img').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('says which accounts the event selectors were not applied to', async () => {
    const withSelectors: AuditDocument = {
      ...document,
      settings: {
        ...document.settings,
        eventSelectors: {
          file: 'trail.json',
          notAppliedTo: [{ name: 'backup', id: '222222222222' }],
          ownFoldersOnly: [{ name: 'sandbox', id: '333333333333' }],
        },
      },
    };
    const { page, problems, close } = await openHtml('selectors.html', renderAuditHtml(withSelectors));
    try {
      expect(await page.textContent('[data-notice="event-selectors"]')).toBe(
        'The event selectors trail.json were not applied to backup (222222222222): those accounts are judged from their logs alone.',
      );
      expect(await page.textContent('[data-notice="organization-trail"]')).toBe(
        `--organization-trail: sandbox (333333333333) has its logs only in AWSLogs/<account>/, not in an organization trail's folders, yet trail.json judged its data actions: if that trail does not log it, a "-" for a data action may be wrong.`,
      );
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('says when CloudTrail evidence was not used, and shows no IAM changes or unused permissions', async () => {
    const withoutTrail: AuditDocument = {
      ...document,
      cloudTrail: { used: false, reason: 'no logs and no Athena configured' },
      iamChanges: null,
      findings: document.findings.filter((finding) => finding.findingType !== 'UnusedPermission'),
    };
    const { page, problems, close } = await openHtml('no-trail.html', renderAuditHtml(withoutTrail));
    try {
      expect(await page.textContent('[data-notice="cloudtrail"]')).toContain(
        'no logs and no Athena configured',
      );
      expect(await page.textContent('[data-notice="iam-changes"]')).toContain(
        'CloudTrail evidence was not used',
      );
      expect((await cardValues(page, 'finding-types')).UnusedPermission).toBe('n/a');
      expect(await page.locator('[data-table="iam-changes"]').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('loads 100 accounts x 1,000 principals in under 3 seconds', async () => {
    const scale = generateAuditDocument({ accounts: 100, principalsPerAccount: 1000, iamChanges: 5000 });
    const file = join(work, 'scale.html');
    writeFileSync(file, renderAuditHtml(scale));
    const watched = await openWatchedPage(browser);
    try {
      const started = performance.now();
      await watched.page.goto(pathToFileURL(file).href, { waitUntil: 'commit' });
      await watched.page.waitForSelector('[data-role="finding-types"] [data-card]', { state: 'visible' });
      await watched.page.waitForSelector('[data-table="principals-100000000000"] tbody tr[data-row]', {
        state: 'visible',
      });
      const elapsed = performance.now() - started;
      // In the page, from navigation start: the summary rendered, and the first account's table built.
      const [ready, firstTable] = await watched.page.evaluate(() =>
        ['iamtrail-ready', 'iamtrail-built-account-100000000000'].map(
          (mark) => performance.getEntriesByName(mark)[0]?.startTime ?? Number.NaN,
        ),
      );
      const rowsInDom = await watched.page.locator('tr[data-row]').count();
      console.log(
        `100x1000 audit page: ${(statSync(file).size / 1e6).toFixed(1)} MB; in the page: summary at ${Math.round(ready ?? Number.NaN)} ms, first account's table at ${Math.round(firstTable ?? Number.NaN)} ms; seen by Playwright after ${Math.round(elapsed)} ms; ${rowsInDom} rows in the DOM`,
      );
      expect(await cardValues(watched.page, 'totals')).toMatchObject({
        principals: '100000',
        findings: String(scale.findings.length),
      });
      expect(firstTable).toBeLessThan(3000);

      // Paging: the second page of the findings, most severe first (the sort is stable).
      const bySeverity = scale.findings
        .map((finding, index) => ({ rank: SEVERITIES.indexOf(finding.severity), index }))
        .sort((a, b) => b.rank - a.rank)
        .map((entry) => entry.index);
      await watched.page.click('[data-table="findings"] [data-role="next"]');
      expect(await rowIndices(watched.page, 'findings')).toEqual(bySeverity.slice(50, 100));
      // Filtering 12,500 findings on an account's name.
      const filterStarted = performance.now();
      await filterTable(watched.page, 'findings', 'account-042');
      const filterMs = performance.now() - filterStarted;
      const account42 = scale.findings.filter((finding) => finding.accountName === 'account-042').length;
      expect(await watched.page.textContent('[data-table="findings"] [data-role="count"]')).toBe(
        `${account42} of ${scale.findings.length} rows`,
      );
      console.log(`filtering ${scale.findings.length} findings: ${Math.round(filterMs)} ms`);
      expect(elapsed).toBeLessThan(5000);
      // Paged: the findings, the first account and the IAM changes show one page each.
      expect(rowsInDom).toBeLessThanOrEqual(150);
      expect(watched.problems).toEqual([]);
    } finally {
      await watched.close();
    }
  });
});

describe('the report as HTML (--format html) on the demo', () => {
  const cache = join(work, 'demo.duckdb');
  const demo = [
    '--config',
    'examples/demo/config.example.yaml',
    '--account',
    'demo',
    '--start',
    '2026-10-25',
    '--end',
    '2026-10-31',
    '--cache',
    cache,
  ];

  function answer(args: readonly string[]): string {
    const run = runBinary([...demo, ...args]);
    expect(run.status, run.stderr).toBe(0);
    return run.stdout;
  }

  /** Runs the question with --format json and html, opens the page, and checks it against the JSON. */
  async function checkPage(
    question: readonly string[],
    check: (page: Page, json: unknown) => Promise<void>,
  ): Promise<void> {
    const json: unknown = JSON.parse(answer([...question, '--format', 'json']));
    const { page, problems, close } = await openHtml(
      `${question.join('-')}.html`,
      answer([...question, '--format', 'html']),
    );
    try {
      await check(page, json);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }

  it('--list users: the cards and the table match --format json', async () => {
    await checkPage(['--list', 'users'], async (page, answered) => {
      const json = answered as IdentityListDocument;
      const active = json.identities.filter((identity) => identity.active).length;
      expect(await cardValues(page, 'totals')).toEqual({
        identities: String(json.identities.length),
        active: String(active),
        inactive: String(json.identities.length - active),
        'not-in-iam': String(json.notInIam.length),
      });
      const names = await columnTexts(page, 'identities', 'name');
      expect(names).toEqual([...json.identities, ...json.notInIam].map((identity) => identity.name));
    });
  });

  it('--user alice: the status cards, the filtered actions and their CSV match --format json', async () => {
    await checkPage(['--user', 'alice'], async (page, answered) => {
      const json = answered as PrincipalDiffDocument;
      const counts = countBy(json.actions, (line) => line.status);
      expect(await cardValues(page, 'statuses')).toEqual({
        used: String(counts.get('used') ?? 0),
        unused: String(counts.get('unused') ?? 0),
        unknown: String(counts.get('unknown') ?? 0),
        ungranted: String(counts.get('ungranted') ?? 0),
      });
      await filterTable(page, 'actions', 'status=unknown');
      const unknown = json.actions.filter((line) => line.status === 'unknown');
      expect(unknown.length).toBeGreaterThan(0);
      const csv = await exportCsv(page, 'actions');
      const header = csv.rows[0] ?? [];
      expect(csv.rows.slice(1).map((row) => row[header.indexOf('action')])).toEqual(
        unknown.map((line) => line.action),
      );
      expect(csv.rows.slice(1).every((row) => row[header.indexOf('symbol')] === '?')).toBe(true);
    });
  });

  it('--user over IAM data that lacks a policy says so in a notice', async () => {
    // The demo's IAM data without the group policy alice's grants come from.
    const details = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/demo/iam/demo.json'), 'utf8')) as {
      Policies: { PolicyName: string }[];
    };
    details.Policies = details.Policies.filter((policy) => policy.PolicyName !== 'DeveloperAccess');
    writeFileSync(join(work, 'lacking.json'), JSON.stringify(details));
    const config = join(work, 'lacking.yaml');
    writeFileSync(
      config,
      `logs: ${join(REPO_ROOT, 'examples/demo/logs')}\naccounts:\n  - {name: demo, id: '111111111111', iam: ${join(work, 'lacking.json')}}\n`,
    );
    // The same logs and window (and cache: it holds no IAM data) as the other questions.
    const run = runBinary([
      ...demo.map((arg) => (arg === 'examples/demo/config.example.yaml' ? config : arg)),
      '--user',
      'alice',
      '--format',
      'html',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const { page, problems, close } = await openHtml('lacking-alice.html', run.stdout);
    try {
      expect(await page.textContent('[data-notice="iam-data"]')).toContain(
        "The IAM data lacks part of alice's policies; the grants here miss what they say: managed policy arn:aws:iam::111111111111:policy/DeveloperAccess is attached to group developers but not in the file",
      );
      expect(await page.$('[data-notice="federated"]')).toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("--event-selectors of another account's trail: a notice says they are not applied", async () => {
    // The fixture's TrailARN is a trail of account demo; ops is a user of account backup.
    const run = runBinary([
      ...demo.map((arg) => (arg === 'demo' ? 'backup' : arg)),
      '--user',
      'ops',
      '--event-selectors',
      join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json'),
      '--format',
      'html',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const { page, problems, close } = await openHtml('selectors-ops.html', run.stdout);
    try {
      expect(await page.textContent('[data-notice="event-selectors"]')).toContain(
        'not applied to account backup (222222222222), which is judged from its logs alone',
      );
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("--organization-trail over an account's own folders: a notice says the selectors may not be its trail's", async () => {
    const run = runBinary([
      ...[
        '--config',
        demoInOwnFolders(join(work, 'own-folders')),
        '--start',
        '2026-10-01',
        '--end',
        '2026-10-31',
      ],
      ...['--no-cache', '--account', 'backup', '--user', 'ops', '--format', 'html'],
      ...['--event-selectors', join(REPO_ROOT, 'test/fixtures/event-selectors/basic-all-data.json')],
      '--organization-trail',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const { page, problems, close } = await openHtml('own-folders-ops.html', run.stdout);
    try {
      expect(await page.textContent('[data-notice="organization-trail"]')).toContain(
        '--organization-trail: account backup (222222222222) has its logs only in AWSLogs/222222222222/',
      );
      expect(await page.locator('[data-notice="event-selectors"]').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('--destrole alone with --format html is a usage error', () => {
    const run = runBinary([...demo, '--destrole', 'admin', '--format', 'html']);
    expect(run.status).toBe(2);
    expect(flatten(run.stderr)).toContain('--format html is for --list and --user/--role');
  });
});
