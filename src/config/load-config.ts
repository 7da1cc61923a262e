import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { parseDocument } from 'yaml';

import { closeMatches } from '../close-matches.js';
import { ConfigError, UsageError } from '../errors.js';
import { configSchema } from './config-schema.js';
import type { AthenaConfig, AuditConfig, BoundaryConfig } from './config-schema.js';

/** One configured account, paths resolved. */
export interface AccountConfig {
  readonly name: string;
  readonly id: string;
  /** Absolute path of its authorization-details file, when one is configured. */
  readonly iam: string | undefined;
  /** Role to assume to read its IAM data from the API, when one is configured. */
  readonly role: string | undefined;
  /** Absolute path of its credential report file (`credential_report:`), when one is configured. */
  readonly credentialReport?: string | undefined;
}

/** The loaded config file, paths resolved against its folder. */
export interface Config {
  /** Absolute path of the file it was read from. */
  readonly file: string;
  readonly accounts: readonly AccountConfig[];
  /** Absolute path of the local CloudTrail folder, when configured. */
  readonly logs: string | undefined;
  /** The `athena:` section, validated, with defaults applied. */
  readonly athena: AthenaConfig | undefined;
  /** The `advisor:` section (`advisor collect`), when present. */
  readonly advisor: { readonly role?: string | undefined } | undefined;
  /** The `audit:` section (`iamtrail audit`), when present. */
  readonly audit: AuditConfig | undefined;
  /** The `boundary:` section (`iamtrail boundary plan`), when present. */
  readonly boundary?: BoundaryConfig | undefined;
  /** Top-level keys iamtrail does not know (reported as warnings, not errors). */
  readonly unknownKeys: readonly string[];
}

/** The config file used when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'config.yaml';
const KNOWN_KEYS = new Set(['accounts', 'logs', 'athena', 'advisor', 'audit', 'boundary']);
/** How far YAML aliases may expand (the `yaml` package's default, its `maxAliasCount`): no real config comes near. */
const MAX_ALIAS_COUNT = 100;
const FORMAT_HINT = 'examples/demo/config.example.yaml shows the format';
/** What to do about the YAML errors people make most, by the `yaml` package's error code. */
const YAML_FIXES: Readonly<Partial<Record<string, string>>> = {
  TAB_AS_INDENT: 'Indent with spaces: YAML does not allow tabs for indentation',
  DUPLICATE_KEY: 'Keep one of the two keys: a key may appear once in a mapping',
  BAD_INDENT: 'Line the entries of a list or mapping up at the same indentation',
};

/**
 * Loads a config file: CloudTracker's `config.yaml` loads unchanged. Relative paths (`iam`, `credential_report`, `logs`)
 * resolve against the config file's folder. Every problem is a {@link ConfigError} naming the file,
 * the key and what to do.
 */
export function loadConfig(file: string): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `config file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`}`,
      {
        suggestions: [
          'Pass --config FILE, or create config.yaml here; examples/demo/config.example.yaml shows the format',
        ],
        cause: error,
      },
    );
  }
  // Failsafe: every scalar is a string, so `id: 012345678901` keeps its leading zero.
  const document = parseDocument(text, {
    prettyErrors: true,
    uniqueKeys: true,
    schema: 'failsafe',
  });
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    const where = (yamlError.message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new ConfigError(`config file ${file} is not valid YAML: ${where}`, {
      suggestions: [YAML_FIXES[yamlError.code] ?? FORMAT_HINT],
      cause: yamlError,
    });
  }
  let plain: unknown;
  try {
    plain = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml refuses, as a ReferenceError, aliases whose expansion passes maxAliasCount.
    const aliases = error instanceof ReferenceError;
    throw new ConfigError(
      aliases
        ? `config file ${file} expands its YAML aliases (*name) past the limit of ${MAX_ALIAS_COUNT}: an alias bomb, not a config`
        : `config file ${file} is not valid YAML: ${(error as Error).message}`,
      {
        suggestions: [
          ...(aliases ? ['Write the values out instead of repeating them through aliases'] : []),
          FORMAT_HINT,
        ],
        cause: error,
      },
    );
  }
  const result = configSchema.safeParse(plain);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '(top level)' : formatPath(issue.path);
    throw new ConfigError(`config file ${file}: ${where} ${issue?.message ?? 'is invalid'}`, {
      suggestions: ['See "Config file" in the README for every key'],
    });
  }
  const content = result.data;
  const names = new Set<string>();
  for (const account of content.accounts) {
    if (names.has(account.name))
      throw new ConfigError(`config file ${file}: account name "${account.name}" is listed twice`);
    names.add(account.name);
  }
  const base = dirname(path);
  return {
    file: path,
    accounts: content.accounts.map((account) => ({
      name: account.name,
      id: account.id,
      iam: account.iam === undefined ? undefined : resolve(base, account.iam),
      role: account.role,
      credentialReport:
        account.credential_report === undefined ? undefined : resolve(base, account.credential_report),
    })),
    logs: content.logs === undefined ? undefined : resolve(base, content.logs),
    athena: content.athena,
    advisor: content.advisor,
    audit: content.audit,
    boundary: content.boundary,
    unknownKeys: Object.keys(content).filter((key) => !KNOWN_KEYS.has(key)),
  };
}

/**
 * Finds an account by name or id, as CloudTracker did; an unknown one lists the configured ones
 * and, as for users and roles, suggests the closest names or ids.
 */
export function findAccount(config: Config, nameOrId: string): AccountConfig {
  const account = config.accounts.find(
    (candidate) => candidate.name === nameOrId || candidate.id === nameOrId,
  );
  if (account === undefined) {
    const listed = config.accounts.map((candidate) => `${candidate.name} (${candidate.id})`).join(', ');
    const close = closeMatches(
      nameOrId,
      config.accounts.flatMap((candidate) => [candidate.name, candidate.id]),
    );
    throw new UsageError(`unknown account "${nameOrId}" (config lists: ${listed})`, {
      suggestions: [
        ...(close.length > 0 ? [`Did you mean: ${close.join(', ')}?`] : []),
        `Use one of the names or ids in ${config.file}`,
      ],
    });
  }
  return account;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}
