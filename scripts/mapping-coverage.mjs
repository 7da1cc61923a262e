#!/usr/bin/env node
// Maps every distinct (eventSource, eventName) pair of the CloudTrail data sets in a folder with
// iamtrail's event mapper (built dist/) and reports how many map to a catalog action, how many
// need no permission, and the full list of the rest with reasons.
//
//   node scripts/mapping-coverage.mjs [DATASETS_DIR] [--json]     (default: ../shared/datasets)
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadActionData } from '../dist/cli/action-data.js';
import { datasetRecords } from './lib/dataset-records.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const root = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(repoRoot, '..', 'shared', 'datasets'));

const { mapper } = loadActionData();
const pairs = new Map();
for (const { dataset, record } of datasetRecords(root)) {
  const key = `${record.eventSource}\t${record.eventName}`;
  const entry = pairs.get(key) ?? {
    eventSource: record.eventSource,
    eventName: record.eventName,
    datasets: new Set(),
  };
  entry.datasets.add(dataset);
  pairs.set(key, entry);
}

const rows = [...pairs.values()]
  .map((pair) => ({
    ...pair,
    datasets: [...pair.datasets],
    mapping: mapper.map(pair.eventSource, pair.eventName),
  }))
  .sort((a, b) => (a.eventSource + a.eventName < b.eventSource + b.eventName ? -1 : 1));
const count = (kind) => rows.filter((row) => row.mapping.kind === kind).length;
const report = {
  pairs: rows.length,
  mappedToAction: count('action'),
  mappedByRename: rows.filter((row) => row.mapping.kind === 'action' && row.mapping.via === 'rename').length,
  noPermission: count('no-permission'),
  unmapped: rows
    .filter((row) => row.mapping.kind === 'unmapped')
    .map((row) => ({
      eventSource: row.eventSource,
      eventName: row.eventName,
      reason: row.mapping.reason,
      datasets: row.datasets,
    })),
};
report.coveredPercent =
  Math.round(((report.mappedToAction + report.noPermission) / Math.max(1, report.pairs)) * 10000) / 100;

if (asJson) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  console.log(`distinct (eventSource, eventName) pairs: ${report.pairs}`);
  console.log(
    `mapped to a catalog action:              ${report.mappedToAction} (${report.mappedByRename} through a curated rename)`,
  );
  console.log(`classified as needing no permission:     ${report.noPermission}`);
  console.log(`unmapped:                                ${report.unmapped.length}`);
  console.log(`mapped or classified:                    ${report.coveredPercent} %`);
  for (const row of report.unmapped)
    console.log(`  ${row.eventSource} ${row.eventName}: ${row.reason} (${row.datasets.join(', ')})`);
  const noPermission = rows.filter((row) => row.mapping.kind === 'no-permission');
  for (const row of noPermission)
    console.log(`  no permission: ${row.eventSource} ${row.eventName} (${row.mapping.reason})`);
}
