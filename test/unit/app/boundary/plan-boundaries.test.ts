import { describe, expect, it } from 'vitest';

import { planBoundaries } from '../../../../src/app/boundary/plan-boundaries.js';
import type { Config } from '../../../../src/config/load-config.js';
import { ConfigError } from '../../../../src/errors.js';

/*
 * The config's base actions are checked against the catalog before anything is read (no IAM data,
 * no logs: the paths below do not exist, and reading them would be another error).
 */

function configWith(baseActions: string[]): Config {
  return {
    file: '/nowhere/config.yaml',
    accounts: [{ name: 'demo', id: '111111111111', iam: '/nowhere/iam.json', role: undefined }],
    logs: '/nowhere/logs',
    athena: undefined,
    advisor: undefined,
    audit: undefined,
    boundary: { base_actions: baseActions, exclude: [] },
    unknownKeys: [],
  };
}

const options = (config: Config) => ({
  config,
  account: 'demo',
  selection: { kind: 'all-roles' } as const,
  window: { startDay: '2026-10-01', endDay: '2026-10-31' },
  unusedDays: 31,
  level: 'service' as const,
  logs: undefined,
  engine: undefined,
  cache: { path: undefined, enabled: false, refresh: false, lockTimeoutMs: 0 },
  reporter: { warn: () => undefined, progress: () => undefined, note: () => undefined },
});

describe('planBoundaries: boundary.base_actions against the catalog', () => {
  it.each([
    ['ec2:DescribeInstancez', 1, 'unknown-action'],
    ['nosuchservice:Get*', 1, 'unknown-service'],
  ])('%s is a config error naming the file, the entry and why', async (pattern, index, reason) => {
    const run = planBoundaries(options(configWith(['ec2:DescribeRegions', pattern])));
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(
      `config file /nowhere/config.yaml: boundary.base_actions[${index}] ${JSON.stringify(pattern)} matches no IAM action (${reason})`,
    );
  });
});
