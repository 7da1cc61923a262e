import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { configFlag, configPathOf, formatFlag } from '../cli/flags.js';
import { toPrintableDeep } from '../cli/printable.js';
import { renderAccessText } from '../cli/render-access.js';
import { checkAccess, parseContextFlag } from '../app/policy-tests/check-access.js';
import type { AccessDocument } from '../app/policy-tests/check-access.js';
import { loadConfig } from '../config/load-config.js';

/**
 * `iamtrail access`: may this user or role make this request? The decision and the statements it
 * rests on; without `--user`/`--role`, every principal of the account that may. Exit codes: 0 for
 * an answer (whatever the decision), 2 for bad input, 3 when AWS failed.
 */
export default class Access extends BaseCommand {
  static override summary = 'Whether a user or role may make a request (action, resource, context), and why.';
  static override description =
    "Decided by iamtrail's evaluator over the principal's identity policies, groups, permissions boundary and, with " +
    '--scps FILE (the format of iamtrail test), the SCPs above the account. The context is that of iamtrail test ' +
    '(aws:MultiFactorAuthPresent=true, redshift:DbUser=admin), overridden by --context. With --user or --role: the ' +
    'decision and each statement it rests on (policy, type, Sid, start and end line:column); without: every principal ' +
    'of the account that is allowed, the inconclusive ones marked. Exit code 0 whatever the decision; 2 for bad input; ' +
    '3 when AWS failed.';
  static override examples = [
    '<%= config.bin %> access --config examples/demo/config.example.yaml --account demo --user alice --action s3:GetObject',
    '<%= config.bin %> access --config examples/demo/config.example.yaml --account demo --action iam:CreateUser',
    '<%= config.bin %> access --account prod --role deploy --action s3:PutObject --resource arn:aws:s3:::bucket/key --context aws:SourceIp=10.0.0.1:ip',
  ];
  static override flags = {
    config: configFlag,
    account: Flags.string({
      helpValue: 'NAME_OR_ID',
      description: 'The account (name or id); may be left out when the config has only one.',
    }),
    user: Flags.string({ helpValue: 'NAME', exclusive: ['role'], description: 'The IAM user asked about.' }),
    role: Flags.string({ helpValue: 'NAME', exclusive: ['user'], description: 'The IAM role asked about.' }),
    action: Flags.string({
      required: true,
      helpValue: 'ACTION',
      description: 'One action (service:Action), without wildcards.',
    }),
    resource: Flags.string({
      default: '*',
      helpValue: 'ARN',
      description: 'The resource: an ARN, or *',
    }),
    scps: Flags.string({
      helpValue: 'FILE',
      description: 'Service control policies and their targets (see iamtrail test).',
    }),
    context: Flags.string({
      multiple: true,
      helpValue: 'KEY=VALUE[:TYPE]',
      description:
        'A condition key of the request (repeatable); TYPE as the simulator names it, in any case (default string; list types take a,b,c; a VALUE ending in a word close to a type, such as :date, needs its TYPE).',
    }),
    format: formatFlag,
  };

  async run(): Promise<AccessDocument> {
    const { flags } = await this.parse(Access);
    const context = (flags.context ?? []).map(parseContextFlag);
    const config = loadConfig(configPathOf(flags));
    const document = await checkAccess({
      config,
      account: flags.account,
      principal:
        flags.user !== undefined
          ? { type: 'user', name: flags.user }
          : flags.role !== undefined
            ? { type: 'role', name: flags.role }
            : undefined,
      action: flags.action,
      resource: flags.resource,
      scpsFile: flags.scps,
      context,
      note: (line) => {
        this.warnLine(line);
      },
    });
    for (const warning of document.warnings) this.warnLine(warning);
    if (this.jsonEnabled()) return document;
    if (flags.format === 'json') process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    // Names come from IAM files: escaped here (JSON escapes its own).
    else process.stdout.write(renderAccessText(toPrintableDeep(document)));
    return document;
  }
}
