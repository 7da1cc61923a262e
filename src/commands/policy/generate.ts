import { Flags } from '@oclif/core';

import { RESOURCE_SCOPES } from '../../analysis/policy-generation.js';
import { generatePolicy } from '../../app/policy/generate-policy.js';
import type { PolicyGenerateDocument } from '../../app/policy/generate-policy.js';
import { BaseCommand } from '../../cli/base-command.js';
import {
  cachePathFlag,
  cacheSettingsOf,
  cacheWaitFlag,
  configFlag,
  configPathOf,
  engineFlag,
  eventSelectorsFlag,
  organizationTrailFlag,
  logsFlag,
  maxScanGbFlag,
  maxScanOf,
  selectorsOf,
  noCacheFlag,
  windowFlags,
} from '../../cli/flags.js';
import {
  POLICY_FORMATS,
  policyFileNames,
  renderGenerateSummary,
  renderPolicies,
} from '../../cli/render-policy-generate.js';
import { renderLogsRead } from '../../cli/render-logs-read.js';
import { resolveWindow } from '../../cli/window.js';
import { loadConfig } from '../../config/load-config.js';
import { InputDataError } from '../../errors.js';
import { writeOutputFile } from '../../cli/write-output-file.js';

/** `iamtrail policy generate`: the least-privilege identity policy of a principal, from its calls in a window. */
export default class PolicyGenerate extends BaseCommand {
  static override summary =
    'Generate the identity policy a user or role needs for what it did in a window, scoped to the resources its calls named.';
  static override description =
    'Actions: those the principal used in the window (its successful calls, mapped as the report maps them; ' +
    "Access Advisor's action-level use when collected), iam:PassRole and s3:GetObject where its calls passed a role " +
    'or copied an object, and the granted actions of unknown use (?) unless --no-keep-unknown. Resources: those its ' +
    'calls named of a type each action is authorised on, generalised (S3 folders to their common prefix; more than 10 ' +
    'ARNs to a prefix per region, account and resource type, but S3 buckets), never broader than what its current ' +
    'policies grant: their Conditions and Deny statements ' +
    'are copied, and iam:PassRole is only allowed with iam:PassedToService. The document fits the managed-policy limit of 6,144 characters ' +
    '(wildcards that match no other action, then several policies). Before printing, every successful call of the ' +
    'window is replayed against it with the policy evaluator, but those of events no IAM action is known for, which ' +
    'are named. The policy goes to stdout (or --output), the summary to stderr. Exit codes: 0 every replayed call ' +
    'allowed, 1 the replay denies a call, 2 bad input or no evidence, 3 AWS failure.';
  static override examples = [
    '<%= config.bin %> policy generate --config examples/demo/config.example.yaml --account demo --user alice --start 2026-10-16 --end 2026-10-31',
    '<%= config.bin %> policy generate --account prod --role deploy --format terraform --output deploy.tf',
  ];
  static override flags = {
    config: configFlag,
    account: Flags.string({
      required: true,
      helpValue: 'NAME_OR_ID',
      description: 'The account (name or id).',
    }),
    user: Flags.string({
      helpValue: 'NAME',
      description: 'Generate the policy of this user.',
      exactlyOne: ['user', 'role'],
    }),
    role: Flags.string({
      helpValue: 'NAME',
      description: 'Generate the policy of this role.',
      exactlyOne: ['user', 'role'],
    }),
    ...windowFlags,
    'keep-unknown': Flags.boolean({
      default: true,
      allowNo: true,
      description:
        'Keep the granted actions of unknown use (?): nothing proves them unused (--no-keep-unknown drops them).',
    }),
    resources: Flags.option({
      options: RESOURCE_SCOPES,
      default: 'scoped' as const,
      description:
        "Scope statements to the resources the calls named, or '*' (both within the current grant; iam:PassRole keeps its iam:PassedToService).",
    })(),
    format: Flags.option({
      options: POLICY_FORMATS,
      default: 'json' as const,
      description: 'The policy as JSON, YAML or a Terraform aws_iam_policy_document data source.',
    })(),
    output: Flags.string({
      helpValue: 'FILE',
      description: 'Write the policy to FILE (several policies: FILE-1, FILE-2, … before the extension).',
    }),
    logs: logsFlag,
    'event-selectors': eventSelectorsFlag,
    'organization-trail': organizationTrailFlag,
    engine: engineFlag,
    'max-scan-gb': maxScanGbFlag,
    cache: cachePathFlag,
    'no-cache': noCacheFlag,
    'cache-wait': cacheWaitFlag,
  };

  async run(): Promise<PolicyGenerateDocument> {
    const { flags } = await this.parse(PolicyGenerate);
    const window = resolveWindow(flags.start, flags.end);
    for (const notice of window.notices) this.warnLine(notice);
    const configPath = configPathOf(flags);
    const config = loadConfig(configPath);
    for (const key of config.unknownKeys)
      this.warnLine(`config file ${configPath}: unknown key "${key}" ignored`);
    const selectors = selectorsOf(flags);
    const document = await this.withLogReading(({ signal, reporter }) =>
      generatePolicy({
        config,
        account: flags.account,
        principal:
          flags.user !== undefined
            ? { type: 'user', name: flags.user }
            : { type: 'role', name: flags.role ?? '' },
        window,
        keepUnknown: flags['keep-unknown'],
        resources: flags.resources,
        logs: flags.logs,
        engine: flags.engine,
        cache: cacheSettingsOf(flags),
        ...maxScanOf(flags),
        ...(selectors === undefined ? {} : { selectors }),
        signal,
        reporter,
      }),
    );
    const files = flags.output === undefined ? [] : policyFileNames(flags.output, document.policies.length);
    for (const [index, policy] of document.policies.entries()) {
      const file = files[index];
      if (file === undefined) break;
      try {
        writeOutputFile(file, renderPolicies([policy], flags.format));
      } catch (error) {
        throw new InputDataError(`cannot write the policy to ${file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    if (!this.jsonEnabled() && flags.output === undefined)
      process.stdout.write(renderPolicies(document.policies, flags.format));
    process.stderr.write(renderLogsRead(document.logs));
    process.stderr.write(renderGenerateSummary(document, files));
    if (document.replay.denied.length > 0) {
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      this.warnLine(
        `the replay denies ${document.replay.denied.length} observed call(s) the current policies allow: exit code 1`,
      );
      await this.exitWhenWritten(1);
    }
    return document;
  }
}
