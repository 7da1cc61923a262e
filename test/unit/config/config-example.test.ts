import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { athenaSchema, configSchema } from '../../../src/config/config-schema.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const EXAMPLE = join(REPO_ROOT, 'config.example.yaml');

/** The keys the schema knows, per level: read from the zod schema itself, not listed by hand. */
const SCHEMA_KEYS = {
  top: Object.keys(configSchema.shape),
  account: Object.keys(configSchema.shape.accounts.def.element.shape),
  athena: Object.keys(athenaSchema.shape),
};

/** The keys the example file writes, per level, as written (before defaults fill anything in). */
function writtenKeys(): { top: string[]; account: string[]; athena: string[] } {
  const raw = parse(readFileSync(EXAMPLE, 'utf8'), { schema: 'failsafe' }) as {
    accounts?: Record<string, unknown>[];
    athena?: Record<string, unknown>;
  };
  return {
    top: Object.keys(raw),
    account: [...new Set((raw.accounts ?? []).flatMap((account) => Object.keys(account)))],
    athena: Object.keys(raw.athena ?? {}),
  };
}

describe('config.example.yaml at the repository root', () => {
  it('loads with the real loader, with no unknown key', () => {
    const config = loadConfig(EXAMPLE);
    expect(config.unknownKeys).toEqual([]);
    // One account with an IAM file, one read from the API through a role.
    expect(config.accounts.some((account) => account.iam !== undefined)).toBe(true);
    expect(config.accounts.some((account) => account.iam === undefined && account.role !== undefined)).toBe(
      true,
    );
    expect(config.logs).toBe(join(REPO_ROOT, 'trail'));
    expect(config.athena?.s3_bucket).toBe('my-trail-bucket');
  });

  it('writes every key of the schema: top level, accounts and the whole athena section', () => {
    const written = writtenKeys();
    for (const level of ['top', 'account', 'athena'] as const) {
      const missing = SCHEMA_KEYS[level].filter((key) => !written[level].includes(key));
      expect(missing, `${level} keys of the schema missing from config.example.yaml`).toEqual([]);
    }
    // The schema is not empty by accident (a refactor that loses a shape would pass vacuously).
    expect(SCHEMA_KEYS.athena).toContain('s3_bucket');
    expect(SCHEMA_KEYS.account).toEqual(expect.arrayContaining(['name', 'id', 'iam', 'role']));
  });

  it('comments every key it writes', () => {
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
    const uncommented = lines.flatMap((line, index) => {
      const key = /^\s*(?:- )?([a-z_0-9]+):/.exec(line)?.[1];
      if (key === undefined || line.includes('#')) return [];
      // A key is commented on its own line or on the comment lines just above it.
      const above = lines[index - 1] ?? '';
      return above.trim().startsWith('#') ? [] : [key];
    });
    expect(uncommented).toEqual([]);
  });
});
