import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import {
  cachePathFlag,
  cacheWaitFlag,
  configFlag,
  engineFlag,
  eventSelectorsFlag,
  organizationTrailFlag,
  logsFlag,
  maxScanGbFlag,
  maxScanOf,
  noCacheFlag,
  cacheSettingsOf,
  selectorsOf,
} from '../cli/flags.js';
import { describeCloudTrail, renderAuditText, writeAuditCsvFiles } from '../cli/render-audit.js';
import { renderAuditHtml } from '../cli/render-html/render-audit-html.js';
import { toPrintable } from '../cli/printable.js';
import { resolveWindow } from '../cli/window.js';
import { runAudit } from '../app/audit/run-audit.js';
import type { AuditDocument } from '../app/audit/audit-types.js';
import {
  atOrAbove,
  DEFAULT_KEY_MAX_AGE_DAYS,
  DEFAULT_UNUSED_DAYS,
  SEVERITIES,
} from '../analysis/audit-findings.js';
import { messageOf, UsageError } from '../errors.js';
import { addDays } from '../trail/utc-days.js';
import { writeOutputFile } from '../cli/write-output-file.js';

/** The audit's output formats. */
const AUDIT_FORMATS = ['text', 'json', 'csv', 'html'] as const;

/**
 * `iamtrail audit`: credentials, unused access and IAM changes of every account, as findings.
 * Exit codes: 2 for usage and config errors; 3 when an account could not be audited (said at the
 * end, after the whole output); else 1 when `--fail-on` matched a finding; else 0.
 */
export default class Audit extends BaseCommand {
  static override summary =
    'Audit every account: credentials (keys, passwords, MFA, root), unused roles, users, keys, passwords and permissions, and IAM changes, as findings.';
  static override description =
    'Accounts: those of the config, or with --org every ACTIVE account of the organisation, assuming --role NAME ' +
    '(or audit.role of the config) in each. Evidence per account: the credential report, MFA devices, access keys ' +
    'and the IAM data (RoleLastUsed); CloudTrail from the cache and the engines (local logs or Athena) for every ' +
    'principal, with the same verdicts as the report, unless --no-trail or no logs are configured (every output then ' +
    "says CloudTrail evidence was not used). Findings are modelled on IAM Access Analyzer's unused-access findings; " +
    'audit.exclude in the config suppresses some. Exit codes: 3 when an account failed (after the whole output), ' +
    'else 1 when --fail-on matched, else 0; 2 for usage errors.';
  static override examples = [
    '<%= config.bin %> audit --config examples/demo/config.example.yaml --end 2026-10-31',
    '<%= config.bin %> audit --org --role iamtrail-audit --no-trail --fail-on high',
    '<%= config.bin %> audit --config config.yaml --format csv --out audit/',
    '<%= config.bin %> audit --config config.yaml --format json > audit.json',
  ];
  static override flags = {
    config: configFlag,
    account: Flags.string({
      multiple: true,
      helpValue: 'NAME_OR_ID',
      description: 'Audit only this account (name or id; repeatable). Default: every account.',
    }),
    org: Flags.boolean({
      description:
        'Every ACTIVE account of the organisation (Organizations ListAccounts) instead of the config.',
    }),
    role: Flags.string({
      helpValue: 'NAME',
      description: 'With --org: the role name to assume in each account (default: audit.role of the config).',
      dependsOn: ['org'],
    }),
    start: Flags.string({
      helpValue: 'YYYY-MM-DD',
      description:
        'First UTC day (default: the window of --unused-days days that ends on --end, the unused period).',
    }),
    end: Flags.string({
      helpValue: 'YYYY-MM-DD',
      description: 'Last UTC day, inclusive (default: today, UTC); the audit is as of its end.',
    }),
    'unused-days': Flags.integer({
      default: DEFAULT_UNUSED_DAYS,
      min: 1,
      max: 36500,
      helpValue: 'N',
      description: 'A principal, key or password without use for N days (ending with --end) is unused.',
    }),
    'key-max-age': Flags.integer({
      default: DEFAULT_KEY_MAX_AGE_DAYS,
      min: 1,
      max: 36500,
      helpValue: 'DAYS',
      description: 'An active access key older than this (never rotated) is a finding.',
    }),
    'no-trail': Flags.boolean({
      description:
        "Leave CloudTrail out: findings rest on IAM's own evidence (no unused permissions, no IAM changes).",
    }),
    logs: logsFlag,
    'event-selectors': eventSelectorsFlag,
    'organization-trail': organizationTrailFlag,
    engine: engineFlag,
    'max-scan-gb': maxScanGbFlag,
    cache: cachePathFlag,
    'no-cache': noCacheFlag,
    'cache-wait': cacheWaitFlag,
    'no-advisor': Flags.boolean({
      description:
        'Leave Access Advisor out (default: the principals\' latest snapshots in the cache settle the "?" they can).',
    }),
    concurrency: Flags.integer({
      default: 5,
      min: 1,
      max: 50,
      helpValue: 'N',
      description: 'Accounts read at once.',
    }),
    'fail-on': Flags.option({
      options: SEVERITIES,
      description: 'Exit 1 when a finding at or above this severity exists (after the output).',
    })(),
    format: Flags.option({
      options: AUDIT_FORMATS,
      default: 'text' as const,
      description: 'Output format: text, json (schema iamtrail.audit/v1), csv (files in --out DIR) or html.',
    })(),
    out: Flags.string({
      helpValue: 'PATH',
      description: 'Where to write: a folder for csv, a file otherwise (a FILE.html means --format html).',
    }),
  };

  async run(): Promise<AuditDocument> {
    const { flags, metadata } = await this.parse(Audit);
    const formatGiven = metadata.flags.format?.setFromDefault !== true;
    const format =
      !formatGiven && flags.out !== undefined && flags.out.toLowerCase().endsWith('.html')
        ? 'html'
        : flags.format;
    if (format === 'csv' && flags.out === undefined)
      throw new UsageError('--format csv writes three files: pass --out DIR', {
        suggestions: ['iamtrail audit --format csv --out audit/'],
      });
    const window = auditWindow(flags.start, flags.end, flags['unused-days']);
    for (const notice of window.notices) this.warnLine(notice);
    // With --org the config is optional; without, it lists the accounts.
    const config = this.loadFanOutConfig(flags);
    const selectors = selectorsOf(flags);

    const document = await this.withLogReading(({ signal, reporter }) =>
      runAudit({
        config,
        request: { accounts: flags.account ?? [], org: flags.org, role: flags.role },
        window,
        unusedDays: flags['unused-days'],
        keyMaxAgeDays: flags['key-max-age'],
        failOn: flags['fail-on'] ?? null,
        trail: !flags['no-trail'],
        logs: flags.logs,
        engine: flags.engine,
        cache: cacheSettingsOf(flags),
        ...maxScanOf(flags),
        advisor: !flags['no-advisor'],
        ...(selectors === undefined ? {} : { selectors }),
        concurrency: flags.concurrency,
        signal,
        reporter,
      }),
    );

    const failed = document.totals.accountsFailed;
    const matched =
      document.settings.failOn === null
        ? 0
        : document.findings.filter((finding) =>
            atOrAbove(finding.severity, document.settings.failOn ?? 'low'),
          ).length;
    const exitCode = failed > 0 ? 3 : matched > 0 ? 1 : 0;
    // The text on stdout lists each account's warnings (a credential report file older than the
    // audit, users in one source only); no other output shows them where they are run: stderr does.
    const textOnStdout = !this.jsonEnabled() && format === 'text' && flags.out === undefined;
    if (!textOnStdout)
      for (const account of document.accounts)
        if (account.status === 'audited')
          for (const warning of account.warnings)
            this.warnLine(`account ${account.name} (${account.id}): ${warning}`);
    if (this.jsonEnabled() && exitCode === 0) return document;
    if (this.jsonEnabled() || format === 'json')
      this.#write(flags.out, `${JSON.stringify(document, null, 2)}\n`);
    else if (format === 'csv') {
      const written = writeAuditCsvFiles(flags.out ?? '.', document);
      process.stdout.write(`${toPrintable(describeCloudTrail(document))}\n`);
      for (const path of written) process.stdout.write(`${toPrintable(path)}\n`);
    } else if (format === 'html') this.#write(flags.out, renderAuditHtml(document));
    else this.#write(flags.out, renderAuditText(document));
    if (failed > 0) {
      this.warnLine(
        `${failed} of ${document.totals.accounts} account(s) could not be audited (their error is in the output): exit code 3`,
      );
      await this.exitWhenWritten(3);
    }
    if (matched > 0) {
      this.warnLine(
        `${matched} finding(s) at or above --fail-on ${document.settings.failOn ?? ''}: exit code 1`,
      );
      await this.exitWhenWritten(1);
    }
    return document;
  }

  /** Writes an output to `--out FILE`, or to stdout. */
  #write(out: string | undefined, text: string): void {
    if (out === undefined) {
      process.stdout.write(text);
      return;
    }
    try {
      writeOutputFile(out, text);
    } catch (error) {
      throw new UsageError(`--out ${out}: cannot write there: ${messageOf(error)}`, { cause: error });
    }
    process.stderr.write(`${toPrintable(`written: ${out}`)}\n`);
  }
}

/**
 * The audit's window: `--start`/`--end` as the report takes them, but `--start` defaults to the
 * unused period's first day (`--unused-days` days ending with `--end`).
 */
function auditWindow(
  start: string | undefined,
  end: string | undefined,
  unusedDays: number,
): ReturnType<typeof resolveWindow> {
  const resolved = resolveWindow(start, end);
  if (start !== undefined) return resolved;
  const period = resolveWindow(addDays(resolved.endDay, -(unusedDays - 1)), resolved.endDay);
  return {
    ...period,
    notices: [...resolved.notices.filter((notice) => !notice.includes('starts on')), ...period.notices],
  };
}
