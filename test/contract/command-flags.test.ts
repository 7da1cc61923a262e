import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../helpers/paths.js';

/** What a flag promises users and scripts: its name, kind, and how it combines with others. */
interface FlagContract {
  readonly type: 'boolean' | 'option';
  readonly required?: true;
  readonly char?: string;
  readonly multiple?: true;
  readonly allowNo?: true;
  readonly options?: readonly string[];
  readonly default?: unknown;
  readonly exclusive?: readonly string[];
  readonly dependsOn?: readonly string[];
  readonly exactlyOne?: readonly string[];
}

/** Every command's flags, written out by hand: a change to a command's flags must change this too. */
const CONTRACT: Record<string, { readonly json: boolean; readonly flags: Record<string, FlagContract> }> = {
  report: {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option', required: true },
      list: { type: 'option', options: ['users', 'roles'], exclusive: ['user', 'role', 'destrole'] },
      user: { type: 'option', exclusive: ['list', 'role'] },
      role: { type: 'option', exclusive: ['list', 'user'] },
      destrole: { type: 'option' },
      destaccount: { type: 'option', dependsOn: ['destrole'] },
      logs: { type: 'option' },
      'event-selectors': { type: 'option' },
      'organization-trail': { type: 'boolean', dependsOn: ['event-selectors'] },
      start: { type: 'option' },
      end: { type: 'option' },
      'show-used': { type: 'boolean' },
      'ignore-benign': { type: 'boolean' },
      'ignore-unknown': { type: 'boolean' },
      explain: { type: 'boolean' },
      color: { type: 'boolean', allowNo: true, default: true },
      cache: { type: 'option' },
      'no-cache': { type: 'boolean' },
      refresh: { type: 'boolean' },
      'cache-wait': { type: 'option', default: 60 },
      'no-advisor': { type: 'boolean' },
      engine: { type: 'option', options: ['local', 'athena'] },
      'skip-setup': { type: 'boolean' },
      'max-scan-gb': { type: 'option' },
      iam: { type: 'option' },
      format: { type: 'option', options: ['text', 'json', 'csv', 'html'], default: 'text' },
    },
  },
  'iam show': {
    json: true,
    flags: {
      iam: { type: 'option', required: true },
      user: { type: 'option', exactlyOne: ['user', 'role', 'all'] },
      role: { type: 'option', exactlyOne: ['user', 'role', 'all'] },
      all: { type: 'boolean' },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'cache status': {
    json: true,
    flags: {
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'cache clear': {
    json: true,
    flags: {
      account: { type: 'option' },
      before: { type: 'option' },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      force: { type: 'boolean' },
      'drop-boundary-snapshots': { type: 'boolean', dependsOn: ['force'] },
      'drop-athena-ledger': { type: 'boolean', dependsOn: ['force'] },
    },
  },
  'athena setup': {
    json: true,
    flags: {
      config: { type: 'option' },
      'dry-run': { type: 'boolean' },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'athena cleanup': {
    json: true,
    flags: {
      config: { type: 'option' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean' },
      'include-unattributed': { type: 'boolean' },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
    },
  },
  'advisor collect': {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option', multiple: true },
      org: { type: 'boolean' },
      role: { type: 'option', dependsOn: ['org'] },
      concurrency: { type: 'option', default: 5 },
      'job-timeout': { type: 'option', default: 300 },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  audit: {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option', multiple: true },
      org: { type: 'boolean' },
      role: { type: 'option', dependsOn: ['org'] },
      start: { type: 'option' },
      end: { type: 'option' },
      'unused-days': { type: 'option', default: 90 },
      'key-max-age': { type: 'option', default: 90 },
      'no-trail': { type: 'boolean' },
      logs: { type: 'option' },
      'event-selectors': { type: 'option' },
      'organization-trail': { type: 'boolean', dependsOn: ['event-selectors'] },
      engine: { type: 'option', options: ['local', 'athena'] },
      'max-scan-gb': { type: 'option' },
      cache: { type: 'option' },
      'no-cache': { type: 'boolean' },
      'cache-wait': { type: 'option', default: 60 },
      'no-advisor': { type: 'boolean' },
      concurrency: { type: 'option', default: 5 },
      'fail-on': { type: 'option', options: ['low', 'medium', 'high', 'critical'] },
      format: { type: 'option', options: ['text', 'json', 'csv', 'html'], default: 'text' },
      out: { type: 'option' },
    },
  },
  'boundary plan': {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option' },
      org: { type: 'boolean' },
      'assume-role': { type: 'option', dependsOn: ['org'] },
      role: { type: 'option', exactlyOne: ['role', 'all-roles', 'user'] },
      'all-roles': { type: 'boolean', exactlyOne: ['role', 'all-roles', 'user'] },
      user: { type: 'option', exactlyOne: ['role', 'all-roles', 'user'] },
      'unused-days': { type: 'option', default: 90 },
      end: { type: 'option' },
      level: { type: 'option', options: ['service', 'action'], default: 'service' },
      logs: { type: 'option' },
      'event-selectors': { type: 'option' },
      'organization-trail': { type: 'boolean', dependsOn: ['event-selectors'] },
      engine: { type: 'option', options: ['local', 'athena'] },
      cache: { type: 'option' },
      'no-cache': { type: 'boolean' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'boundary apply': {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option' },
      org: { type: 'boolean' },
      'assume-role': { type: 'option', dependsOn: ['org'] },
      role: { type: 'option', exactlyOne: ['role', 'all-roles', 'user'] },
      'all-roles': { type: 'boolean', exactlyOne: ['role', 'all-roles', 'user'] },
      user: { type: 'option', exactlyOne: ['role', 'all-roles', 'user'] },
      'unused-days': { type: 'option', default: 90 },
      end: { type: 'option' },
      level: { type: 'option', options: ['service', 'action'], default: 'service' },
      'replace-boundary': { type: 'boolean' },
      yes: { type: 'boolean' },
      logs: { type: 'option' },
      'event-selectors': { type: 'option' },
      'organization-trail': { type: 'boolean', dependsOn: ['event-selectors'] },
      engine: { type: 'option', options: ['local', 'athena'] },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'boundary rollback': {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option' },
      org: { type: 'boolean' },
      'assume-role': { type: 'option', dependsOn: ['org'] },
      role: { type: 'option', exactlyOne: ['role', 'user'] },
      user: { type: 'option', exactlyOne: ['role', 'user'] },
      to: { type: 'option' },
      yes: { type: 'boolean' },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'boundary history': {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option', required: true },
      role: { type: 'option', exclusive: ['user'] },
      user: { type: 'option', exclusive: ['role'] },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  'policy generate': {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option', required: true },
      user: { type: 'option', exactlyOne: ['user', 'role'] },
      role: { type: 'option', exactlyOne: ['user', 'role'] },
      start: { type: 'option' },
      end: { type: 'option' },
      'keep-unknown': { type: 'boolean', allowNo: true, default: true },
      resources: { type: 'option', options: ['scoped', 'star'], default: 'scoped' },
      format: { type: 'option', options: ['json', 'yaml', 'terraform'], default: 'json' },
      output: { type: 'option' },
      logs: { type: 'option' },
      'event-selectors': { type: 'option' },
      'organization-trail': { type: 'boolean', dependsOn: ['event-selectors'] },
      engine: { type: 'option', options: ['local', 'athena'] },
      'max-scan-gb': { type: 'option' },
      cache: { type: 'option' },
      'no-cache': { type: 'boolean' },
      'cache-wait': { type: 'option', default: 60 },
    },
  },
  test: {
    json: true,
    flags: {
      tests: { type: 'option', default: 'policy-tests.yaml' },
      config: { type: 'option' },
      account: { type: 'option', multiple: true, exclusive: ['all'] },
      all: { type: 'boolean', exclusive: ['account'] },
      org: { type: 'boolean' },
      role: { type: 'option', dependsOn: ['org'] },
      scps: { type: 'option' },
      simulator: { type: 'boolean' },
      'simulator-rate': { type: 'option', default: 5 },
      'include-service-roles': { type: 'boolean' },
      'include-system-roles': { type: 'boolean', allowNo: true, default: true },
      start: { type: 'option' },
      end: { type: 'option' },
      'no-trail': { type: 'boolean' },
      logs: { type: 'option' },
      engine: { type: 'option', options: ['local', 'athena'] },
      'max-scan-gb': { type: 'option' },
      cache: { type: 'option' },
      'no-cache': { type: 'boolean' },
      'cache-wait': { type: 'option', default: 60 },
      concurrency: { type: 'option', default: 5 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
      verbose: { type: 'boolean' },
      color: { type: 'boolean', allowNo: true, default: true },
      junit: { type: 'option' },
      out: { type: 'option' },
      'fail-on-inconclusive': { type: 'boolean' },
    },
  },
  access: {
    json: true,
    flags: {
      config: { type: 'option' },
      account: { type: 'option' },
      user: { type: 'option', exclusive: ['role'] },
      role: { type: 'option', exclusive: ['user'] },
      action: { type: 'option', required: true },
      resource: { type: 'option', default: '*' },
      scps: { type: 'option' },
      context: { type: 'option', multiple: true },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
  permissions: {
    json: true,
    flags: {
      config: { type: 'option' },
      'test-out': { type: 'option' },
    },
  },
  serve: {
    json: false,
    flags: {
      host: { type: 'option', default: '127.0.0.1' },
      'allow-host': { type: 'option', multiple: true },
      port: { type: 'option', default: 5000 },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      config: { type: 'option' },
    },
  },
  advisor: {
    json: true,
    flags: {
      arn: { type: 'option', multiple: true },
      phrase: { type: 'option' },
      regex: { type: 'option' },
      account: { type: 'option' },
      service: { type: 'option' },
      'unused-days': { type: 'option' },
      history: { type: 'boolean' },
      actions: { type: 'boolean' },
      format: { type: 'option', options: ['text', 'json', 'csv'], default: 'text' },
      config: { type: 'option' },
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
    },
  },
  'advisor import': {
    json: true,
    flags: {
      cache: { type: 'option' },
      'cache-wait': { type: 'option', default: 60 },
      format: { type: 'option', options: ['text', 'json'], default: 'text' },
    },
  },
};

interface DefinedFlag {
  readonly type: 'boolean' | 'option';
  readonly [key: string]: unknown;
}

/** A defined flag reduced to its contract: the keys above, set and not empty. */
function toContract(flag: DefinedFlag): FlagContract {
  const contract: Record<string, unknown> = { type: flag.type };
  for (const key of ['required', 'char', 'multiple', 'allowNo', 'options', 'default'] as const) {
    const value = flag[key];
    if (value !== undefined && value !== false) contract[key] = value;
  }
  for (const key of ['exclusive', 'dependsOn', 'exactlyOne'] as const) {
    const value = flag[key];
    if (Array.isArray(value) && value.length > 0) contract[key] = value;
  }
  return contract as unknown as FlagContract;
}

/** Every command module under src/commands, by command id (`iam/show.ts` is `iam show`, `advisor/index.ts` is `advisor`). */
function commandFiles(dir = join(REPO_ROOT, 'src/commands')): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [id, file] of commandFiles(path)) found.set(id, file);
    else if (entry.name.endsWith('.ts')) {
      const id = relative(join(REPO_ROOT, 'src/commands'), path)
        .replace(/\.ts$/, '')
        .replace(/(^|\/)index$/, '')
        .split('/')
        .join(' ');
      found.set(id, path);
    }
  }
  return found;
}

describe('the flags of every command (a contract)', () => {
  const files = commandFiles();

  it('the contract names exactly the commands there are', () => {
    expect([...files.keys()].sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it.each(Object.entries(CONTRACT))('%s', async (id, expected) => {
    const file = files.get(id);
    expect(file, id).toBeDefined();
    const command = (
      (await import(pathToFileURL(file ?? '').href)) as {
        default: { flags: Record<string, DefinedFlag>; enableJsonFlag?: boolean };
      }
    ).default;
    expect(command.enableJsonFlag === true, `${id} --json`).toBe(expected.json);
    const actual = Object.fromEntries(
      Object.entries(command.flags)
        .filter(([name]) => name !== 'json')
        .map(([name, flag]) => [name, toContract(flag)]),
    );
    expect(actual).toEqual(expected.flags);
  });
});
