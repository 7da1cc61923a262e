import { Flags } from '@oclif/core';

import { parseS3Location } from '../app/policy-tests/write-test-files.js';
import { BaseCommand } from '../cli/base-command.js';
import { configFlag } from '../cli/flags.js';
import { buildIamtrailPolicy } from '../app/permissions/iamtrail-policy.js';
import type { IamtrailPolicy } from '../app/permissions/iamtrail-policy.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';

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
    '<%= config.bin %> permissions --test-out s3://ci-results/iam-tests',
  ];
  static override flags = {
    config: configFlag,
    'test-out': Flags.string({
      helpValue: 's3://BUCKET/PREFIX',
      description: 'Also allow writing `test --out` files under this S3 prefix (s3:PutObject).',
    }),
  };

  async run(): Promise<IamtrailPolicy> {
    const { flags } = await this.parse(Permissions);
    const config = flags.config === undefined ? tryLoad(DEFAULT_CONFIG_FILE) : loadConfig(flags.config);
    const testOut = flags['test-out'] === undefined ? undefined : testOutLocation(flags['test-out']);
    const policy = buildIamtrailPolicy(config, { testOut });
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

/** `--test-out`: an S3 location as `test --out` takes it (a folder needs no AWS permission). */
function testOutLocation(location: string): { bucket: string; prefix: string } {
  const s3 = parseS3Location(location);
  if (s3 === undefined)
    throw new UsageError(
      `--test-out "${location}" is not an s3:// location: a folder needs no AWS permission`,
      {
        suggestions: ['Give the S3 location test --out writes to, as s3://bucket or s3://bucket/prefix'],
      },
    );
  return s3;
}
