import type { ActionCatalog } from './action-catalog.js';
import type { ActionTables, NoPermissionReason } from './action-tables.js';

/** Why an event could not be mapped to an IAM action. */
export const UNMAPPED_REASONS = ['unknown-service', 'unknown-action', 'malformed-event'] as const;
/** One of {@link UNMAPPED_REASONS}. */
export type UnmappedReason = (typeof UNMAPPED_REASONS)[number];

/**
 * What a CloudTrail event means in IAM terms. Every event gets exactly one of these; none is
 * dropped: events that need no permission and events we cannot map are values, not omissions.
 */
export type EventMapping =
  | {
      readonly kind: 'action';
      /** `prefix:EventName` after prefix mapping and version-suffix stripping. */
      readonly event: string;
      /**
       * Canonical IAM actions that authorise the call (usually one; none when which action it
       * needs depends on its request, a PartiQL statement or a transaction's items: then `also`).
       */
      readonly actions: readonly string[];
      /**
       * Actions the call may additionally check (the tagging action of a create that carries tags,
       * a version action); counted as possibly used.
       */
      readonly also: readonly string[];
      /** `catalog` when the event name is itself the action, `rename` when a curated row said so. */
      readonly via: 'catalog' | 'rename';
    }
  | { readonly kind: 'no-permission'; readonly event: string; readonly reason: NoPermissionReason }
  | { readonly kind: 'unmapped'; readonly event: string; readonly reason: UnmappedReason };

const AMAZONAWS_SUFFIX = '.amazonaws.com';
/**
 * API version suffixes that some services append to event names: `ListFunctions20150331`,
 * `UpdateFunctionConfiguration20150331v2`, `CreateDistribution2020_05_31`. Only date-shaped
 * suffixes are stripped, so `ListObjectsV2` keeps its `V2`.
 */
const VERSION_SUFFIX = /(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?$/;
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Strips a date-shaped API version suffix from an event name. */
export function stripVersionSuffix(eventName: string): string {
  const stripped = eventName.replace(VERSION_SUFFIX, '');
  return stripped.length > 0 ? stripped : eventName;
}

/** Maps CloudTrail events to IAM actions; see {@link createEventMapper}. */
export interface EventMapper {
  /** The IAM prefix that an eventSource stands for (`monitoring.amazonaws.com` → `cloudwatch`). */
  prefixOf(eventSource: string): string;
  /** What the event `(eventSource, eventName)` means in IAM terms. */
  map(eventSource: string, eventName: string): EventMapping;
}

/**
 * Creates the mapper from the catalog and the curated tables. Lookups ignore case; results are
 * memoised, since a trail repeats the same few hundred pairs millions of times.
 *
 * Order: eventSource → prefix (curated exceptions, else the first label); strip the version
 * suffix; a curated no-permission event; a curated rename; the catalog action of the same name;
 * else `unmapped` with the reason.
 */
export function createEventMapper(catalog: ActionCatalog, tables: ActionTables): EventMapper {
  // A rename's actions are checked against the catalog when an event first needs it, not all at
  // once: that parsed the catalog lines of every prefix the renames name, a tenth of a cached
  // question's start (docs/benchmarks.md). The shipped data is checked whole by a test.
  const canonical = (event: string, action: string): string => {
    const known = catalog.get(action);
    if (known === undefined)
      throw new Error(`data/event_renames.json maps ${event} to ${action}, which the action catalog lacks`);
    return known.name;
  };
  const memo = new Map<string, EventMapping>();

  const prefixOf = (eventSource: string): string => {
    const source = eventSource.toLowerCase();
    const mapped = tables.eventSourcePrefixes.get(source);
    if (mapped !== undefined) return mapped;
    const host = source.endsWith(AMAZONAWS_SUFFIX) ? source.slice(0, -AMAZONAWS_SUFFIX.length) : source;
    return host.split('.')[0] ?? host;
  };

  const compute = (eventSource: string, eventName: string): EventMapping => {
    const prefix = prefixOf(eventSource);
    const name = stripVersionSuffix(eventName);
    const event = `${prefix}:${name}`;
    if (prefix.length === 0 || !EVENT_NAME.test(eventName)) {
      return { kind: 'unmapped', event, reason: 'malformed-event' };
    }
    const key = event.toLowerCase();
    const noPermission = tables.noPermissionEvents.get(key);
    if (noPermission !== undefined) return { kind: 'no-permission', event, reason: noPermission };
    const rename = tables.eventRenames.get(key);
    if (rename !== undefined) {
      return {
        kind: 'action',
        event,
        actions: rename.actions.map((action) => canonical(key, action)),
        also: rename.also.map((action) => canonical(key, action)),
        via: 'rename',
      };
    }
    const action = catalog.get(key);
    if (action !== undefined)
      return { kind: 'action', event, actions: [action.name], also: [], via: 'catalog' };
    return {
      kind: 'unmapped',
      event,
      reason: catalog.hasPrefix(prefix) ? 'unknown-action' : 'unknown-service',
    };
  };

  return {
    prefixOf,
    map(eventSource, eventName) {
      const memoKey = `${eventSource}\u0000${eventName}`;
      let mapping = memo.get(memoKey);
      if (mapping === undefined) {
        mapping = compute(eventSource, eventName);
        memo.set(memoKey, mapping);
      }
      return mapping;
    },
  };
}
