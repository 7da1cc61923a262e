import * as z from 'zod/mini';

import '../zod.js';

const source = z.url().check(z.startsWith('https://docs.aws.amazon.com/'));
const eventKey = z
  .string()
  .check(z.regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/, 'expected "<iam prefix>:<EventName>"'));

const eventSourcePrefixes = z.object({
  rows: z.array(
    z.object({
      eventSource: z.string().check(z.regex(/^[a-z0-9.-]+\.amazonaws\.com$/)),
      prefix: z.string().check(z.regex(/^[a-z0-9-]+$/)),
      source,
    }),
  ),
});
const eventRenames = z.object({
  rows: z.array(
    z
      .object({
        event: eventKey,
        // Empty when no action is certain: the call needs one of `also`, by its request.
        actions: z.array(z.string()),
        also: z.optional(z.array(z.string())),
        source,
      })
      .check(
        z.refine(
          (row) => row.actions.length + (row.also?.length ?? 0) > 0,
          'expected at least one action in "actions" or "also"',
        ),
      ),
  ),
});
const noPermissionEvents = z.object({
  rows: z.array(
    z.object({
      event: eventKey,
      reason: z.enum(['no-permission', 'sign-in', 'service-event']),
      source,
    }),
  ),
});

/** Why an event needs no IAM permission. */
export type NoPermissionReason = 'no-permission' | 'sign-in' | 'service-event';

/** The curated tables of `data/` that drive event-to-action mapping, validated. */
export interface ActionTables {
  /** eventSource → IAM prefix, only where it is not the first label of the eventSource. */
  readonly eventSourcePrefixes: ReadonlyMap<string, string>;
  /**
   * Lower-case `prefix:eventname` → the actions that authorise the call (none certain when the
   * action depends on the request) and those it may also check.
   */
  readonly eventRenames: ReadonlyMap<
    string,
    { readonly actions: readonly string[]; readonly also: readonly string[] }
  >;
  /** Lower-case `prefix:eventname` → why the event needs no permission. */
  readonly noPermissionEvents: ReadonlyMap<string, NoPermissionReason>;
}

/** The raw JSON documents of the curated tables, as read from `data/`. */
export interface ActionTableDocuments {
  readonly eventSourcePrefixes: unknown;
  readonly eventRenames: unknown;
  readonly noPermissionEvents: unknown;
}

/**
 * Validates the curated JSON tables and indexes them for lookup. Throws with the file's role and
 * the offending path when a table is malformed: these ship with iamtrail, so that is a build bug.
 */
export function parseActionTables(documents: ActionTableDocuments): ActionTables {
  const prefixes = parseTable(
    'eventsource_prefixes.json',
    eventSourcePrefixes,
    documents.eventSourcePrefixes,
  );
  const renames = parseTable('event_renames.json', eventRenames, documents.eventRenames);
  const noPermission = parseTable(
    'no_permission_events.json',
    noPermissionEvents,
    documents.noPermissionEvents,
  );
  return {
    eventSourcePrefixes: new Map(prefixes.rows.map((row) => [row.eventSource, row.prefix])),
    eventRenames: new Map(
      renames.rows.map((row) => [row.event.toLowerCase(), { actions: row.actions, also: row.also ?? [] }]),
    ),
    noPermissionEvents: new Map(noPermission.rows.map((row) => [row.event.toLowerCase(), row.reason])),
  };
}

function parseTable<T>(file: string, schema: z.ZodMiniType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `data/${file} is invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'unknown'}`,
    );
  }
  return result.data;
}
