import { describe, expect, it } from 'vitest';

import { planBoundaries } from '../../../../src/app/boundary/plan-boundaries.js';
import type { BoundarySelection } from '../../../../src/app/boundary/plan-boundaries.js';
import type { Config } from '../../../../src/config/load-config.js';
import { ConfigError, UsageError } from '../../../../src/errors.js';
import { REPO_ROOT } from '../../../helpers/paths.js';

/*
 * What is checked before any log is read: the config's base actions against the catalog (before
 * the IAM data too: the paths below do not exist, and reading them would be another error), and
 * the principal a plan names against the IAM data.
 */

function configWith(baseActions: string[], iam = '/nowhere/iam.json'): Config {
  return {
    file: '/nowhere/config.yaml',
    accounts: [{ name: 'demo', id: '111111111111', iam, role: undefined }],
    logs: '/nowhere/logs',
    athena: undefined,
    advisor: undefined,
    audit: undefined,
    boundary: { base_actions: baseActions, exclude: [] },
    unknownKeys: [],
  };
}

const options = (config: Config, selection: BoundarySelection = { kind: 'all-roles' }) => ({
  config,
  account: 'demo',
  selection,
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

describe('planBoundaries: the principal named', () => {
  it('an unknown role is a usage error with the closest names, before any log is read', async () => {
    const config = configWith([], `${REPO_ROOT}examples/demo/iam/demo.json`);
    const run = planBoundaries(options(config, { kind: 'role', name: 'admn' }));
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow('unknown role "admn" in account demo (111111111111)');
  });
});
