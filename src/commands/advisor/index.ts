import { Flags } from '@oclif/core';

import { queryAdvisor } from '../../app/advisor/query-advisor.js';
import type { AdvisorDocument } from '../../app/advisor/query-advisor.js';
import { BaseCommand } from '../../cli/base-command.js';
import { cachePathFlag, cacheWaitFlag, configFlag, openCacheOf } from '../../cli/flags.js';
import { renderAdvisorCsv, renderAdvisorText } from '../../cli/render-advisor.js';

/** `iamtrail advisor`: the Access Advisor snapshots of the cache, filtered. */
export default class Advisor extends BaseCommand {
  static override summary =
    'Show the Access Advisor data of the cache: per principal, each service and when it was last authenticated.';
  static override description =
    'Reads the snapshots that `advisor collect` and `advisor import` stored (the latest per principal; every one ' +
    'with --history). --arn, --phrase, --regex and --account select principals, --service one service. ' +
    '--unused-days N keeps the services granted and not authenticated in the N days before the snapshot ' +
    "(its JobCompletionDate, else when it was collected): granted from the account's iam: file of the config " +
    'when it lists the principal, else as Access Advisor lists them (it ignores permissions boundaries).';
  static override examples = [
    '<%= config.bin %> advisor --phrase alice',
    '<%= config.bin %> advisor --config examples/demo/config.example.yaml --account demo --service s3 --actions',
    '<%= config.bin %> advisor --config examples/demo/config.example.yaml --unused-days 90',
    "<%= config.bin %> advisor --regex ':role/' --format csv",
  ];
  static override flags = {
    arn: Flags.string({
      multiple: true,
      helpValue: 'ARN',
      description: 'A principal ARN (case-insensitive, exact); repeatable.',
    }),
    phrase: Flags.string({
      helpValue: 'TEXT',
      description: 'Principals whose ARN contains TEXT (any case).',
    }),
    regex: Flags.string({ helpValue: 'RE', description: 'Principals whose ARN matches RE (RE2 syntax).' }),
    account: Flags.string({
      helpValue: 'NAME_OR_ID',
      description: 'Account name or id from the config, or an id.',
    }),
    service: Flags.string({ helpValue: 'NS', description: 'Only this service namespace (s3, ec2, ...).' }),
    'unused-days': Flags.integer({
      min: 0,
      // AWS keeps at least 400 days: beyond them "never authenticated" says nothing.
      max: 400,
      helpValue: 'N',
      description:
        'Only services granted and not authenticated for N days before the snapshot (at most 400: the days AWS keeps).',
    }),
    history: Flags.boolean({
      default: false,
      description: 'Every snapshot of each principal, oldest first, not only the latest.',
    }),
    actions: Flags.boolean({
      default: false,
      description: 'Text output: list tracked actions under their service.',
    }),
    format: Flags.option({
      options: ['text', 'json', 'csv'] as const,
      default: 'text' as const,
      description: 'Output format.',
    })(),
    config: configFlag,
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
  };

  async run(): Promise<AdvisorDocument> {
    const { flags } = await this.parse(Advisor);
    const document = await queryAdvisor(
      {
        arns: flags.arn,
        phrase: flags.phrase,
        regex: flags.regex,
        account: flags.account,
        service: flags.service,
        unusedDays: flags['unused-days'],
        history: flags.history,
        configFile: flags.config,
      },
      () =>
        openCacheOf(flags, (message) => {
          this.warnLine(message);
        }),
    );
    if (this.jsonEnabled()) return document;
    process.stdout.write(
      flags.format === 'json'
        ? `${JSON.stringify(document, null, 2)}\n`
        : flags.format === 'csv'
          ? renderAdvisorCsv(document)
          : renderAdvisorText(document, { actions: flags.actions }),
    );
    return document;
  }
}
