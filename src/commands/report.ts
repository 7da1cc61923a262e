import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import {
  cachePathFlag,
  cacheWaitFlag,
  configFlag,
  configPathOf,
  eventSelectorsFlag,
  organizationTrailFlag,
  maxScanGbFlag,
  maxScanOf,
  selectorsOf,
  windowFlags,
} from '../cli/flags.js';
import {
  createPalette,
  renderDiffTotals,
  renderReportCsv,
  renderReportText,
  toReportDocument,
} from '../cli/render-report.js';
import type { ReportDocument } from '../cli/render-report.js';
import { renderReportHtml } from '../cli/render-html/render-report-html.js';
import { runReport } from '../app/report/run-report.js';
import { ENGINE_NAMES } from '../app/report/report-types.js';
import type { ReportQuestion } from '../app/report/report-types.js';
import { renderLogsRead } from '../cli/render-logs-read.js';
import { toPrintable, toPrintableDeep } from '../cli/printable.js';
import { describeWindow, resolveWindow } from '../cli/window.js';
import { loadConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';

/**
 * The CloudTracker-compatible main job. `iamtrail --account demo --user alice` (flags first, as
 * CloudTracker took them) runs this command; `iamtrail report ...` is the same.
 */
export default class Report extends BaseCommand {
  static override summary =
    "Compare what users and roles did (CloudTrail) with what they are granted (IAM): CloudTracker's job.";
  static override description =
    'With --list users|roles: every user or role of the account and the last day it was active in the window; ' +
    '"-" marks those that were not. With --user or --role: one line per action, "  " used, "-" granted and ' +
    'never used although CloudTrail would have recorded it, "?" granted but not knowable from these logs, ' +
    '"+" used but no longer granted. The flags-first form `iamtrail --account ... --user ...` runs this command.';
  /** Flags-first, as CloudTracker users type it; the help shows it with and without `report`. */
  static override usage = [
    '--account NAME (--list users|roles | --user NAME | --role NAME | --destrole ROLE) [FLAGS]',
  ];
  static override examples = [
    '<%= config.bin %> --config examples/demo/config.example.yaml --account demo --list users --start 2026-10-01 --end 2026-10-31',
    '<%= config.bin %> --config examples/demo/config.example.yaml --account demo --user alice --start 2026-10-01 --end 2026-10-31',
    '<%= config.bin %> --account 111111111111 --role admin --show-used --format json',
    '<%= config.bin %> --config examples/demo/config.example.yaml --account demo --user alice --destrole admin --destaccount backup --start 2026-10-01 --end 2026-10-31',
    '<%= config.bin %> --config examples/demo/config.example.yaml --account backup --destrole admin --start 2026-10-01 --end 2026-10-31',
  ];
  static override flags = {
    config: configFlag,
    account: Flags.string({
      required: true,
      helpValue: 'NAME_OR_ID',
      description: 'Account name or id from the config.',
    }),
    list: Flags.option({
      options: ['users', 'roles'] as const,
      description: 'List users or roles with their activity (roles: with their callers).',
      exclusive: ['user', 'role', 'destrole'],
    })(),
    user: Flags.string({
      helpValue: 'NAME',
      description: 'IAM user to compare.',
      exclusive: ['list', 'role'],
    }),
    role: Flags.string({
      helpValue: 'NAME',
      description: 'IAM role to compare.',
      exclusive: ['list', 'user'],
    }),
    destrole: Flags.string({
      helpValue: 'ROLE',
      description:
        'A role assumed by --user/--role: compare what they did in its sessions with its grants. Alone: list who assumed it.',
    }),
    destaccount: Flags.string({
      helpValue: 'NAME_OR_ID',
      description: "Account (name or id) of --destrole; default: --account's.",
      dependsOn: ['destrole'],
    }),
    logs: Flags.string({
      helpValue: 'DIR',
      description: 'Folder holding the CloudTrail tree (AWSLogs/...); overrides logs: in the config.',
    }),
    'event-selectors': eventSelectorsFlag,
    'organization-trail': organizationTrailFlag,
    ...windowFlags,
    // The three filters default to false, not oclif's undefined: JSON's filter states all three.
    'show-used': Flags.boolean({
      default: false,
      description: 'Only used ("  ") and ungranted ("+") actions.',
    }),
    'ignore-benign': Flags.boolean({ default: false, description: 'Hide List* and Describe* actions.' }),
    'ignore-unknown': Flags.boolean({ default: false, description: 'Hide "?" lines.' }),
    explain: Flags.boolean({
      default: false,
      description:
        'Text output: under each action, the policies that grant it (JSON and CSV always carry them).',
    }),
    color: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Colour text output (--no-color, or NO_COLOR, turns it off).',
    }),
    cache: cachePathFlag,
    'no-cache': Flags.boolean({ description: 'Read the logs without the cache (nothing is stored).' }),
    refresh: Flags.boolean({
      description: 'Read the whole window from the logs again and replace it in the cache.',
    }),
    'cache-wait': cacheWaitFlag,
    'no-advisor': Flags.boolean({
      description:
        'Leave Access Advisor out: "?" lines stay as CloudTrail leaves them (default: the principal\'s latest snapshot in the cache settles those it can).',
    }),
    engine: Flags.option({
      options: ENGINE_NAMES,
      description:
        'Where the logs are read: local files (DuckDB) or Athena. Default: local when a log folder is configured, else athena.',
    })(),
    'skip-setup': Flags.boolean({
      description: 'Athena: do not check or create the database and table first.',
    }),
    'max-scan-gb': maxScanGbFlag,
    // CloudTracker parses --iam FILE and never reads it (its IAM data comes from the config): scripts
    // that pass it keep working, with a notice of where iamtrail reads IAM data instead.
    iam: Flags.string({
      helpValue: 'FILE',
      description:
        "Accepted for CloudTracker's scripts and ignored, as CloudTracker ignores it: IAM data comes from the config's iam: files, else the IAM API.",
    }),
    format: Flags.option({
      options: ['text', 'json', 'csv', 'html'] as const,
      default: 'text' as const,
      description:
        'Output format; html (--list and --user/--role): one self-contained page with the JSON document embedded.',
    })(),
  };

  async run(): Promise<ReportDocument> {
    const { flags } = await this.parse(Report);
    if (flags.iam !== undefined)
      process.stderr.write(
        `${toPrintable(`notice: --iam ${flags.iam} ignored (as CloudTracker ignores it): iamtrail reads IAM data from the config's iam: files, else the IAM API`)}\n`,
      );
    const window = resolveWindow(flags.start, flags.end);
    for (const notice of window.notices) this.warnLine(notice);
    const configPath = configPathOf(flags);
    const config = loadConfig(configPath);
    for (const key of config.unknownKeys)
      this.warnLine(`config file ${configPath}: unknown key "${key}" ignored`);
    const question = questionOf(flags);
    if (flags.format === 'html' && question.kind === 'callers')
      throw new UsageError('--format html is for --list and --user/--role; --destrole alone lists callers', {
        suggestions: ['--format text, json or csv for the callers of a role'],
      });
    const selectors = selectorsOf(flags);

    const result = await this.withLogReading(({ signal, reporter }) =>
      runReport({
        config,
        account: flags.account,
        question,
        window,
        logs: flags.logs,
        engine: flags.engine,
        skipSetup: flags['skip-setup'],
        ...maxScanOf(flags),
        advisor: !flags['no-advisor'],
        filter: {
          showUsed: flags['show-used'],
          ignoreBenign: flags['ignore-benign'],
          ignoreUnknown: flags['ignore-unknown'],
        },
        ...(selectors === undefined ? {} : { selectors }),
        signal,
        cache: {
          path: flags.cache,
          enabled: !flags['no-cache'],
          refresh: flags.refresh,
          lockTimeoutMs: flags['cache-wait'] * 1000,
        },
        reporter,
      }),
    );
    const document = toReportDocument(result);
    this.#describe(result, window, selectors !== undefined);
    if (this.jsonEnabled()) return document;
    if (flags.format === 'json') process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    // HTML embeds the JSON document and inserts its text with textContent only: no escaping here.
    else if (flags.format === 'html' && document.schema !== 'iamtrail.callers/v1')
      process.stdout.write(renderReportHtml(document));
    // Text and CSV show names from IAM files and logs: escaped here (JSON escapes its own).
    else if (flags.format === 'csv') process.stdout.write(renderReportCsv(toPrintableDeep(document)));
    else {
      const colour =
        flags.color &&
        process.env.NO_COLOR === undefined &&
        (process.stdout.isTTY || process.env.FORCE_COLOR !== undefined);
      process.stdout.write(
        renderReportText(toPrintableDeep(document), createPalette(colour), { explain: flags.explain }),
      );
      // On stderr, like the other context lines: stdout keeps CloudTracker's lines.
      if (document.schema === 'iamtrail.diff/v1') process.stderr.write(renderDiffTotals(document));
    }
    return document;
  }

  /** Context on stderr, so stdout holds only the answer. */
  #describe(
    result: Awaited<ReturnType<typeof runReport>>,
    window: ReturnType<typeof resolveWindow>,
    selectorsGiven: boolean,
  ): void {
    const where = `account ${result.account.name} (${result.account.id}), ${describeWindow(window)}`;
    if (result.kind === 'callers') {
      process.stderr.write(`${toPrintable(`Callers of role ${result.role.name}; ${where}`)}\n`);
    } else if (result.kind === 'principal') {
      const created =
        result.principal.createDate === undefined ? '' : `, created ${result.principal.createDate}`;
      process.stderr.write(
        `${toPrintable(`Getting info on ${result.principal.type} ${result.principal.name}${created}; ${where}`)}\n`,
      );
      if (result.logsOnly === true)
        this.warnLine(
          `${result.principal.type} ${result.principal.name} (${result.principal.arn}) is not in the IAM data of account ${result.account.name}, only in the logs (deleted, or another account's): nothing grants it anything here, so every action it used is "+"`,
        );
      const destination = result.destination;
      if (destination !== undefined) {
        process.stderr.write(
          `${toPrintable(`Getting info for AssumeRole into role ${destination.role.name} of account ${destination.account.name} (${destination.account.id}): its sessions opened by ${result.principal.name}, against its grants`)}\n`,
        );
        if (!destination.assumable)
          this.warnLine(
            `the policies of ${result.principal.type} ${result.principal.name} do not name role ${destination.role.arn} for sts:AssumeRole (a trust policy may still allow it)`,
          );
      }
      // Said here too, for the formats that have no place for them (CSV).
      const granted = destination?.role ?? result.principal;
      for (const problem of result.report.iamDataProblems)
        this.warnLine(`IAM data of ${granted.arn}: ${problem}`);
      if (result.report.federatedSessions > 0)
        this.warnLine(
          `${result.principal.name} opened federated sessions (${result.report.federatedSessions} sts:GetFederationToken call(s)) whose calls are logged as the federated user: its unused grants are "?", not "-"`,
        );
      // The trail evidence comes from the account whose grants were compared (--destaccount's with --destrole).
      const evidenceAccount = result.destination?.account ?? result.account;
      // Given but not applied to this account (see the warning): the hint is that warning's.
      const exact = selectorsGiven
        ? 'the --event-selectors file is not applied to this account: see above'
        : 'pass --event-selectors FILE to be exact';
      if (result.report.writeOnlySuspected)
        this.warnLine(
          `the logs of account ${evidenceAccount.name} hold management calls but no read-only one (Describe/Get/List): the trail looks write-only, so unused read actions are "?" (${exact})`,
        );
      if (result.report.readOnlySuspected)
        this.warnLine(
          `the logs of account ${evidenceAccount.name} hold management calls but no write: the trail looks read-only, so unused write actions are "?" (${exact})`,
        );
      const advisor = result.accessAdvisor;
      if (advisor?.state === 'applied')
        process.stderr.write(
          `${toPrintable(`Access Advisor: ${advisor.detail}; "?" settled: ${advisor.settled.unused} to "-", ${advisor.settled.used} to used; ${advisor.serviceUsed} kept "?" (service used)`)}\n`,
        );
      else if (advisor !== null && advisor.state !== 'no-snapshot')
        process.stderr.write(`${toPrintable(`Access Advisor not used: ${advisor.detail}`)}\n`);
      for (const event of result.report.unmappedEvents) {
        this.warnLine(
          `${event.calls} call(s) of ${event.event} map to no known IAM action (${event.reason}); not counted`,
        );
      }
    } else {
      process.stderr.write(`${toPrintable(`Listing ${result.type}s of ${where}`)}\n`);
    }
    process.stderr.write(renderLogsRead(result.logs));
  }
}

/** The question the flags ask; flags that do not fit together are a usage error. */
function questionOf(flags: {
  list?: 'users' | 'roles' | undefined;
  user?: string | undefined;
  role?: string | undefined;
  destrole?: string | undefined;
  destaccount?: string | undefined;
}): ReportQuestion {
  const dest = {
    ...(flags.destrole === undefined ? {} : { destRole: flags.destrole }),
    ...(flags.destaccount === undefined ? {} : { destAccount: flags.destaccount }),
  };
  if (flags.list !== undefined) return { kind: 'list', type: flags.list === 'users' ? 'user' : 'role' };
  if (flags.user !== undefined) return { kind: 'principal', type: 'user', name: flags.user, ...dest };
  if (flags.role !== undefined) return { kind: 'principal', type: 'role', name: flags.role, ...dest };
  if (flags.destrole !== undefined) return { kind: 'callers', destRole: flags.destrole, ...dest };
  throw new UsageError(
    'say what to report: --list users|roles, --user NAME, --role NAME or --destrole NAME',
    {
      suggestions: ['iamtrail --account demo --list users', 'iamtrail --account demo --user alice'],
    },
  );
}
