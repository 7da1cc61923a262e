import { BaseCommand } from '../cli/base-command.js';
import { configFlag } from '../cli/flags.js';
import { buildIamtrailPolicy } from '../app/permissions/iamtrail-policy.js';
import type { IamtrailPolicy } from '../app/permissions/iamtrail-policy.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load-config.js';

/** `iamtrail permissions`: the least-privilege IAM policy iamtrail itself needs. */
export default class Permissions extends BaseCommand {
  static override summary =
    'Print the least-privilege IAM policy iamtrail needs (for the Athena engine and the IAM API).';
  static override description =
    'With a config file that has an athena: section, the policy names its bucket, database, table and workgroup, ' +
    "and sts:AssumeRole on every account's role:; without one, placeholders in capitals.";
  static override examples = [
    '<%= config.bin %> permissions',
    '<%= config.bin %> permissions --config org.yaml > iamtrail-policy.json',
  ];
  static override flags = {
    config: configFlag,
  };

  async run(): Promise<IamtrailPolicy> {
    const { flags } = await this.parse(Permissions);
    const config = flags.config === undefined ? tryLoad(DEFAULT_CONFIG_FILE) : loadConfig(flags.config);
    const policy = buildIamtrailPolicy(config);
    if (!this.jsonEnabled()) process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
    return policy;
  }
}

function tryLoad(file: string): ReturnType<typeof loadConfig> | undefined {
  try {
    return loadConfig(file);
  } catch {
    return undefined;
  }
}
