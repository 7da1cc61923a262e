import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DATASETS_DIR, hasDatasets, REPO_ROOT } from '../helpers/paths.js';

interface CoverageReport {
  pairs: number;
  mappedToAction: number;
  noPermission: number;
  coveredPercent: number;
  unmapped: { eventSource: string; eventName: string; reason: string }[];
}

describe.runIf(hasDatasets())('event mapping coverage on the shared CloudTrail data sets', () => {
  const report = JSON.parse(
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'scripts/mapping-coverage.mjs'), DATASETS_DIR, '--json'],
      { encoding: 'utf8' },
    ),
  ) as CoverageReport;

  it('maps or classifies at least 98 % of the distinct (eventSource, eventName) pairs', () => {
    expect(report.pairs).toBe(286);
    expect(report.coveredPercent).toBeGreaterThanOrEqual(98);
  });

  it('leaves only the events no AWS page maps, each with its reason', () => {
    // The last one, the Storage Lens console's GetStorageLensDashboardDataInternal, is
    // s3:GetStorageLensDashboard (data/event_renames.json).
    expect(report.unmapped).toEqual([]);
    expect(report.mappedToAction + report.noPermission + report.unmapped.length).toBe(report.pairs);
  });
});
