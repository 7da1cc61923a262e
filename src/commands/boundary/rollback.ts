import { Flags } from '@oclif/core';

import { forEachOrgAccount, resolveOrgAccounts } from '../../app/boundary/org-fan-out.js';
import type { BoundaryOrgDocument } from '../../app/boundary/org-fan-out.js';
import { NoSnapshotError, rollbackBoundary } from '../../app/boundary/rollback-boundary.js';
import type {
  BoundaryRollbackDocument,
  BoundaryRollbackOptions,
} from '../../app/boundary/rollback-boundary.js';
import { BaseCommand } from '../../cli/base-command.js';
import {
  assumeRoleFlag,
  boundaryOrgFlag,
  orgRequestOf,
  confirmOf,
  orgAccountFlag,
  principalOf,
  requireAccount,
  yesFlag,
} from '../../cli/boundary-flags.js';
import { cachePathFlag, cacheWaitFlag, configFlag, formatFlag } from '../../cli/flags.js';
import { renderBoundaryOrgText, renderBoundaryRollbackText } from '../../cli/render-boundary-apply.js';

/** `iamtrail boundary rollback`: restores what a boundary apply found (a dry run unless --yes). */
export default class BoundaryRollback extends BaseCommand {
  static override summary =
    "Roll back a boundary apply: the principal's previous boundary, tags and policy version (a dry run unless --yes).";
  static override description =
    'From the latest applied snapshot of the principal (else its latest pending or failed one; or --to SNAPSHOT_ID): puts ' +
    'back the previous permission boundary (or removes it when there was none), removes the iamtrail:* tags apply ' +
    'added and gives back the previous value of any it overwrote (while they hold a value apply, or an apply after ' +
    'it, set), and makes the previous default version of ' +
    'iamtrail-boundary-<role|user>-<name> the default again (a policy apply created is deleted unless anything uses ' +
    'it). A boundary someone set after apply is left. Writes a snapshot of its own and marks the restored one, and ' +
    "the principal's apply snapshots after it, rolled-back. Refuses the principal, changing nothing, when a step " +
    'would change the default version of a policy attached to anything as a permissions policy (itself included) or ' +
    'used by anything else, as apply refuses a new version. Without --yes nothing ' +
    'is changed. Exit codes: 1 the principal was refused (nothing changed), 2 bad input (no such snapshot), ' +
    '3 an AWS call failed, 130 interrupted.';
  static override examples = [
    '<%= config.bin %> boundary rollback --account prod --role deploy',
    '<%= config.bin %> boundary rollback --account prod --role deploy --to 20261201T101500Z-deploy-a1b2c3 --yes',
  ];
  static override flags = {
    config: configFlag,
    account: orgAccountFlag,
    org: boundaryOrgFlag,
    'assume-role': assumeRoleFlag,
    role: Flags.string({
      helpValue: 'NAME',
      description: 'Roll back the boundary of this role.',
      exactlyOne: ['role', 'user'],
    }),
    user: Flags.string({
      helpValue: 'NAME',
      description: 'Roll back the boundary of this user.',
      exactlyOne: ['role', 'user'],
    }),
    to: Flags.string({
      helpValue: 'SNAPSHOT_ID',
      description:
        'The apply snapshot to restore (boundary history lists them); default the latest applied one.',
    }),
    yes: yesFlag,
    cache: cachePathFlag,
    'cache-wait': cacheWaitFlag,
    format: formatFlag,
  };

  async run(): Promise<BoundaryRollbackDocument | BoundaryOrgDocument<BoundaryRollbackDocument>> {
    const { flags } = await this.parse(BoundaryRollback);
    const config = this.loadWarnedConfig(flags);
    const principal = principalOf(flags);
    if (principal === undefined) throw new Error('unreachable: oclif requires --role or --user');
    const json = this.jsonEnabled() || flags.format === 'json';
    const render = (document: BoundaryRollbackDocument): string =>
      json ? `${JSON.stringify(document, null, 2)}\n` : renderBoundaryRollbackText(document);
    const shown = new Set<BoundaryRollbackDocument>();
    const common: Omit<BoundaryRollbackOptions, 'account'> = {
      config,
      principal,
      to: flags.to,
      yes: flags.yes,
      cache: { path: flags.cache, enabled: true, refresh: false, lockTimeoutMs: flags['cache-wait'] * 1000 },
      onNotice: (message) => {
        this.warnLine(message);
      },
      confirm: confirmOf({
        yes: flags.yes,
        json,
        render,
        shown,
        question: (preview) =>
          `Roll back ${preview.principal.type} ${preview.principal.name} in account ${preview.account.name}?`,
      }),
    };
    if (flags.org) {
      const accounts = await resolveOrgAccounts(orgRequestOf(flags, config));
      const org = await this.withLogReading(({ signal }) =>
        forEachOrgAccount(
          'rollback',
          accounts,
          (account) => rollbackBoundary({ ...common, account, signal }),
          (error) => error instanceof NoSnapshotError,
          signal,
        ),
      );
      const failed =
        org.totals.failed +
        org.accounts.filter((result) => result.status === 'done' && result.document.status === 'failed')
          .length;
      const refused = org.accounts.filter(
        (result) => result.status === 'done' && result.document.status === 'refused',
      ).length;
      if (this.jsonEnabled() && failed + refused === 0) return org;
      process.stdout.write(
        json ? `${JSON.stringify(org, null, 2)}\n` : renderBoundaryOrgText(org, renderBoundaryRollbackText),
      );
      if (org.accounts.some((result) => result.status === 'failed' && result.exitCode === 130)) {
        this.warnLine(
          'interrupted: the accounts after it were not rolled back (the output says which were): exit code 130',
        );
        await this.exitWhenWritten(130);
      }
      if (failed > 0) {
        this.warnLine(`${failed} account(s) failed (their error is in the output): exit code 3`);
        await this.exitWhenWritten(3);
      }
      if (refused > 0) {
        this.warnLine(
          `refused in ${refused} account(s), nothing changed there (the output says why): exit code 1`,
        );
        await this.exitWhenWritten(1);
      }
      return org;
    }
    const account = requireAccount(flags);
    // Ctrl-C is caught (rollback stops before the change it has not begun), not a kill mid-way.
    const document = await this.withLogReading(({ signal }) =>
      rollbackBoundary({ ...common, account, signal }),
    );
    if (!shown.has(document)) {
      if (this.jsonEnabled() && document.status !== 'failed' && document.status !== 'refused')
        return document;
      process.stdout.write(render(document));
    }
    if (document.status === 'failed') await this.exitWhenWritten(3);
    if (document.status === 'refused') {
      this.warnLine(
        `${document.principal.type} ${document.principal.name} refused, nothing changed: exit code 1`,
      );
      await this.exitWhenWritten(1);
    }
    return document;
  }
}
