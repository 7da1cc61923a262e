import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ActionCatalog } from '../actions/action-catalog.js';
import { parseActionTables } from '../actions/action-tables.js';
import type { ActionTables } from '../actions/action-tables.js';
import { createEventMapper } from '../actions/event-mapper.js';
import type { EventMapper } from '../actions/event-mapper.js';
import { ResourceTypeCatalog } from '../actions/resource-types.js';

/** The action data shipped in `data/`, loaded and indexed. */
export interface ActionData {
  readonly catalog: ActionCatalog;
  readonly tables: ActionTables;
  readonly mapper: EventMapper;
  /** The resource types of each action (`data/resource_types.json`, read when first asked). */
  readonly resourceTypes: ResourceTypeCatalog;
  /** `data/SOURCES.json`: versions and dates of the generated files. */
  readonly sources: { readonly iamData: { readonly version: string; readonly updatedAt: string } };
}

/** The `data/` folder of the installed package (two levels above `src/cli` or `dist/cli`). */
export const DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

let loaded: ActionData | undefined;

/** Loads `data/` once per process. */
export function loadActionData(dataDir: string = DATA_DIR): ActionData {
  if (loaded !== undefined && dataDir === DATA_DIR) return loaded;
  const read = (file: string): string => readFileSync(`${dataDir}/${file}`, 'utf8');
  const readJson = (file: string): unknown => JSON.parse(read(file)) as unknown;
  // Only the lines of the services a question looks up are decoded (see fromSortedBytes).
  const catalog = ActionCatalog.fromSortedBytes(readFileSync(`${dataDir}/cloudtrail_supported_actions.tsv`));
  const tables = parseActionTables({
    eventSourcePrefixes: readJson('eventsource_prefixes.json'),
    eventRenames: readJson('event_renames.json'),
    noPermissionEvents: readJson('no_permission_events.json'),
  });
  const data: ActionData = {
    catalog,
    tables,
    mapper: createEventMapper(catalog, tables),
    resourceTypes: ResourceTypeCatalog.fromJson(() => read('resource_types.json')),
    sources: readJson('SOURCES.json') as ActionData['sources'],
  };
  if (dataDir === DATA_DIR) loaded = data;
  return data;
}
