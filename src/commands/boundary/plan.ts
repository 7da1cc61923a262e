import { forEachOrgAccount, resolveOrgAccounts } from '../../app/boundary/org-fan-out.js';
import type { BoundaryOrgDocument } from '../../app/boundary/org-fan-out.js';
import { planBoundaries } from '../../app/boundary/plan-boundaries.js';
import type { BoundaryPlanDocument, BoundaryPlanOptions } from '../../app/boundary/plan-boundaries.js';
import { BaseCommand } from '../../cli/base-command.js';
import {
  assumeRoleFlag,
  boundaryOrgFlag,
  orgAccountFlag,
  periodFlags,
  periodOf,
  requireAccount,
  selectionFlags,
  planInputsOf,
  orgRequestOf,
} from '../../cli/boundary-flags.js';
import {
  cachePathFlag,
  cacheWaitFlag,
  configFlag,
  engineFlag,
  eventSelectorsFlag,
  organizationTrailFlag,
  formatFlag,
  logsFlag,
  noCacheFlag,
  cacheSettingsOf,
} from '../../cli/flags.js';
import { renderBoundaryOrgText } from '../../cli/render-boundary-apply.js';
import { renderBoundaryPlanText } from '../../cli/render-boundary-plan.js';

/** `iamtrail boundary plan`: the permission boundaries a usage-driven run would set; read-only. */
export default class BoundaryPlan extends BaseCommand {
  static override summary =
    'Plan usage-driven permission boundaries: what each principal used in the period, as a managed policy (read-only).';
  static override description =
    'Per principal of the account: the customer managed policy iamtrail-boundary-<role|user>-<name> allowing what it used in ' +
    'the --unused-days days ending --end (whole services or the actions; the logs must cover every day of them), ' +
    'plus boundary.base_actions of the config, and the granted patterns the action catalog does not know (kept as ' +
    'written), and denying changes to its own boundary. Shows granted → proposed ' +
    'actions, coverage (used / granted), the size against the 6,144-character limit and the replay of the used ' +
    'actions; lists the principals skipped (boundary.exclude, service-linked roles, younger than the period, ' +
    'logs not covering the period). Nothing is written to AWS. With --org, every account of the organisation ' +
    '(one failing does not stop the others). Exit codes: 2 bad input, 3 AWS failure (with --org: an account failed).';
  static override examples = [
    '<%= config.bin %> boundary plan --config examples/demo/config.example.yaml --account demo --all-roles --end 2026-10-31 --unused-days 16',
    '<%= config.bin %> boundary plan --account prod --role deploy --level action --format json',
    '<%= config.bin %> boundary plan --org --assume-role iamtrail-boundary --all-roles',
  ];
  static override flags = {
    config: configFlag,
    account: orgAccountFlag,
    org: boundaryOrgFlag,
    'assume-role': assumeRoleFlag,
    ...selectionFlags('Plan'),
    ...periodFlags,
    logs: logsFlag,
    'event-selectors': eventSelectorsFlag,
    'organization-trail': organizationTrailFlag,
    engine: engineFlag,
    cache: cachePathFlag,
    'no-cache': noCacheFlag,
    'cache-wait': cacheWaitFlag,
    format: formatFlag,
  };

  async run(): Promise<BoundaryPlanDocument | BoundaryOrgDocument<BoundaryPlanDocument>> {
    const { flags } = await this.parse(BoundaryPlan);
    const window = periodOf(flags);
    for (const notice of window.notices) this.warnLine(notice);
    const config = this.loadWarnedConfig(flags);
    const common: Omit<BoundaryPlanOptions, 'account' | 'signal' | 'reporter'> = {
      config,
      window,
      ...planInputsOf(flags),
      cache: cacheSettingsOf(flags),
    };
    if (flags.org) {
      const accounts = await resolveOrgAccounts(orgRequestOf(flags, config));
      const org = await this.withLogReading(({ signal, reporter }) =>
        forEachOrgAccount('plan', accounts, (account) =>
          planBoundaries({ ...common, account, signal, reporter }),
        ),
      );
      if (this.jsonEnabled() && org.totals.failed === 0) return org;
      process.stdout.write(
        flags.format === 'json' || this.jsonEnabled()
          ? `${JSON.stringify(org, null, 2)}\n`
          : renderBoundaryOrgText(org, renderBoundaryPlanText),
      );
      if (org.totals.failed > 0) {
        this.warnLine(
          `${org.totals.failed} of ${org.totals.accounts} account(s) failed (their error is in the output): exit code 3`,
        );
        await this.exitWhenWritten(3);
      }
      return org;
    }
    const account = requireAccount(flags);
    const document = await this.withLogReading(({ signal, reporter }) =>
      planBoundaries({ ...common, account, signal, reporter }),
    );
    if (this.jsonEnabled()) return document;
    process.stdout.write(
      flags.format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : renderBoundaryPlanText(document),
    );
    return document;
  }
}
