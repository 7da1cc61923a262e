import { Flags } from '@oclif/core';

import { applyBoundaries } from '../../app/boundary/apply-boundaries.js';
import type { BoundaryApplyDocument, BoundaryApplyOptions } from '../../app/boundary/apply-boundaries.js';
import { forEachOrgAccount, resolveOrgAccounts } from '../../app/boundary/org-fan-out.js';
import type { BoundaryOrgDocument } from '../../app/boundary/org-fan-out.js';
import { BaseCommand } from '../../cli/base-command.js';
import {
  assumeRoleFlag,
  boundaryOrgFlag,
  confirmOf,
  orgAccountFlag,
  periodFlags,
  periodOf,
  requireAccount,
  selectionFlags,
  planInputsOf,
  orgRequestOf,
  yesFlag,
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
} from '../../cli/flags.js';
import { renderBoundaryApplyText, renderBoundaryOrgText } from '../../cli/render-boundary-apply.js';

/** `iamtrail boundary apply`: sets the planned boundaries (a dry run unless --yes). */
export default class BoundaryApply extends BaseCommand {
  static override summary =
    'Apply usage-driven permission boundaries: the plan of boundary plan, set on each principal (a dry run unless --yes).';
  static override description =
    'Computes the plan of boundary plan, then per planned principal: replays the actions it was seen using in the ' +
    'period (used and ungranted) against the new boundary and refuses the principal when one would be denied; ' +
    'reads its boundary, tags and the policy iamtrail-boundary-<role|user>-<name> from IAM; refuses a policy ' +
    'attached to anything as a permissions policy (itself included) or used by anything else, a boundary other than ' +
    'its own iamtrail policy (unless --replace-boundary, and then not when the new boundary would allow a granted ' +
    'action the current one blocks, wholly or on some resources or under conditions), unmapped calls of a service the boundary does ' +
    'not allow whole, calls the boundary would deny on itself, and tags that would pass IAM limits. With --yes (or yes to the ' +
    'question at a terminal) it writes a snapshot of what it found to the cache, creates the policy or adds a ' +
    'new default version (IAM keeps five: the oldest that is not the default is deleted), sets it as the ' +
    'boundary and adds the iamtrail:* tags; boundary rollback undoes it. Without --yes nothing is changed. ' +
    'Exit codes: 1 a principal was refused, 2 bad input, 3 an AWS call failed (the snapshot says what was changed), ' +
    '130 interrupted (the principals left are not applied).';
  static override examples = [
    '<%= config.bin %> boundary apply --account prod --role deploy --unused-days 90',
    '<%= config.bin %> boundary apply --account prod --role deploy --unused-days 90 --yes',
    '<%= config.bin %> boundary apply --org --assume-role iamtrail-boundary --role deploy --yes',
  ];
  static override flags = {
    config: configFlag,
    account: orgAccountFlag,
    org: boundaryOrgFlag,
    'assume-role': assumeRoleFlag,
    ...selectionFlags('Apply'),
    ...periodFlags,
    'replace-boundary': Flags.boolean({
      description:
        'Replace a boundary iamtrail did not create (the snapshot keeps it; rollback restores it).',
    }),
    yes: yesFlag,
    logs: logsFlag,
    'event-selectors': eventSelectorsFlag,
    'organization-trail': organizationTrailFlag,
    engine: engineFlag,
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    format: formatFlag,
  };

  async run(): Promise<BoundaryApplyDocument | BoundaryOrgDocument<BoundaryApplyDocument>> {
    const { flags } = await this.parse(BoundaryApply);
    const window = periodOf(flags);
    for (const notice of window.notices) this.warnLine(notice);
    const config = this.loadWarnedConfig(flags);
    const json = this.jsonEnabled() || flags.format === 'json';
    const render = (document: BoundaryApplyDocument): string =>
      json ? `${JSON.stringify(document, null, 2)}\n` : renderBoundaryApplyText(document);
    const shown = new Set<BoundaryApplyDocument>();
    const common: Omit<BoundaryApplyOptions, 'account' | 'signal' | 'reporter'> = {
      config,
      window,
      ...planInputsOf(flags),
      cache: { path: flags.cache, enabled: true, refresh: false, lockTimeoutMs: flags['cache-wait'] * 1000 },
      replaceBoundary: flags['replace-boundary'],
      confirm: confirmOf({
        yes: flags.yes,
        json,
        render,
        shown,
        question: (preview) =>
          `Apply ${preview.totals.wouldApply} boundary(ies) in account ${preview.account.name}?`,
      }),
    };
    // The question is asked with the progress bar off the terminal.
    const askedAfter =
      (stopProgress: () => void) =>
      (preview: BoundaryApplyDocument): Promise<boolean> => {
        stopProgress();
        return common.confirm(preview);
      };
    if (flags.org) {
      const accounts = await resolveOrgAccounts(orgRequestOf(flags, config));
      const org = await this.withLogReading(({ signal, reporter, stopProgress }) =>
        forEachOrgAccount(
          'apply',
          accounts,
          (account) =>
            applyBoundaries({ ...common, account, signal, reporter, confirm: askedAfter(stopProgress) }),
          undefined,
          signal,
        ),
      );
      const done = org.accounts.flatMap((result) => (result.status === 'done' ? [result.document] : []));
      const refused = done.reduce((sum, document) => sum + document.totals.refused, 0);
      const failed = org.totals.failed + done.filter((document) => document.totals.failed > 0).length;
      const interrupted =
        done.reduce((sum, document) => sum + document.totals.interrupted, 0) +
        org.accounts.filter((result) => result.status === 'failed' && result.exitCode === 130).length;
      if (this.jsonEnabled() && failed + refused + interrupted === 0) return org;
      process.stdout.write(
        json ? `${JSON.stringify(org, null, 2)}\n` : renderBoundaryOrgText(org, renderBoundaryApplyText),
      );
      await this.exitFor(failed, refused, interrupted);
      return org;
    }
    const account = requireAccount(flags);
    const document = await this.withLogReading(({ signal, reporter, stopProgress }) =>
      applyBoundaries({ ...common, account, signal, reporter, confirm: askedAfter(stopProgress) }),
    );
    if (!shown.has(document)) {
      const { failed, refused, interrupted } = document.totals;
      if (this.jsonEnabled() && failed + refused + interrupted === 0) return document;
      process.stdout.write(render(document));
    }
    await this.exitFor(document.totals.failed, document.totals.refused, document.totals.interrupted);
    return document;
  }

  /** Exit code 130 when Ctrl-C stopped it, 3 when something failed, 1 when a principal was refused. */
  private async exitFor(failed: number, refused: number, interrupted: number): Promise<void> {
    if (interrupted > 0) {
      this.warnLine(
        `interrupted: ${interrupted} principal(s) not applied (the output says which were): exit code 130`,
      );
      await this.exitWhenWritten(130);
    }
    if (failed > 0) {
      this.warnLine(
        `${failed} principal(s) or account(s) failed (the snapshot or the error says what was changed): exit code 3`,
      );
      await this.exitWhenWritten(3);
    }
    if (refused > 0) {
      this.warnLine(`${refused} principal(s) refused, nothing changed for them: exit code 1`);
      await this.exitWhenWritten(1);
    }
  }
}
