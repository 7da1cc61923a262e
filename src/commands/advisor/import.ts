import { Args } from '@oclif/core';

import { importAdvisor } from '../../app/advisor/import-advisor.js';
import type { AdvisorImportDocument } from '../../app/advisor/import-advisor.js';
import { BaseCommand } from '../../cli/base-command.js';
import { cachePathFlag, cachePathOf, cacheWaitFlag, formatFlag, openCacheOf } from '../../cli/flags.js';
import { renderAdvisorImport } from '../../cli/render-advisor.js';

/** `iamtrail advisor import DIR`: Access Advisor data recorded by CloudMapper, into the cache. */
export default class AdvisorImport extends BaseCommand {
  static override summary = "Import Access Advisor data recorded by CloudMapper's collect into the cache.";
  static override description =
    "DIR is CloudMapper's account-data folder (or one account's folder of it): per principal, " +
    '<region>/iam-generate-service-last-accessed-details/<url-encoded ARN> names the job and ' +
    '<region>/iam-get-service-last-accessed-details/<JobId> holds its GetServiceLastAccessedDetails response. ' +
    "Each principal becomes one snapshot, as of the job's JobCompletionDate (else the file's modification time); " +
    'a snapshot already in the cache is not written twice. A bad file is skipped with a warning naming it; ' +
    'the exit code is 2 only when nothing could be imported.';
  static override examples = [
    '<%= config.bin %> advisor import examples/demo/advisor/account-data',
    '<%= config.bin %> advisor import ~/cloudmapper/account-data/prod --cache /tmp/iamtrail.duckdb --format json',
  ];
  static override args = {
    dir: Args.string({ required: true, description: "CloudMapper's account-data folder, or one account's." }),
  };
  static override flags = { cache: cachePathFlag, 'cache-wait': cacheWaitFlag, format: formatFlag };

  async run(): Promise<AdvisorImportDocument> {
    const { args, flags } = await this.parse(AdvisorImport);
    const document = await importAdvisor(
      args.dir,
      () =>
        openCacheOf(flags, (message) => {
          this.warnLine(message);
        }),
      (warning) => {
        this.warnLine(`skipped ${warning.file}: ${warning.reason}`);
      },
    );
    if (this.jsonEnabled()) return document;
    process.stdout.write(
      flags.format === 'json'
        ? `${JSON.stringify(document, null, 2)}\n`
        : renderAdvisorImport(document, cachePathOf(flags)),
    );
    return document;
  }
}
