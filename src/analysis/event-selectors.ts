import * as z from 'zod/mini';

import '../zod.js';

import type { ManagementLogging, ReadWrite, TrailSelectors } from './trail-recording.js';

const strings = z.optional(z.array(z.string()));
const FieldSelector = z.object({
  Field: z.string(),
  Equals: strings,
  StartsWith: strings,
  EndsWith: strings,
  NotEquals: strings,
  NotStartsWith: strings,
  NotEndsWith: strings,
});
type FieldSelector = z.infer<typeof FieldSelector>;

/** The output of `aws cloudtrail get-event-selectors --trail-name NAME`. */
const EventSelectorsOutput = z
  .object({
    TrailARN: z.optional(z.string()),
    EventSelectors: z.optional(
      z.array(
        z.object({
          ReadWriteType: z._default(z.enum(['ReadOnly', 'WriteOnly', 'All']), 'All'),
          IncludeManagementEvents: z._default(z.boolean(), true),
          DataResources: z._default(
            z.array(z.object({ Type: z.string(), Values: z._default(z.array(z.string()), []) })),
            [],
          ),
          ExcludeManagementEventSources: z._default(z.array(z.string()), []),
        }),
      ),
    ),
    AdvancedEventSelectors: z.optional(
      z.array(z.object({ Name: z.optional(z.string()), FieldSelectors: z.array(FieldSelector) })),
    ),
  })
  .check(
    z.refine(
      (value: { EventSelectors?: unknown; AdvancedEventSelectors?: unknown }) =>
        value.EventSelectors !== undefined || value.AdvancedEventSelectors !== undefined,
      { error: 'has neither EventSelectors nor AdvancedEventSelectors' },
    ),
  );

/** A trail's ARN (`arn:aws:cloudtrail:us-east-1:111122223333:trail/NAME`), its account captured. */
const TRAIL_ARN = /^arn:aws(?:-[a-z]+)*:cloudtrail:[a-z0-9-]+:(\d{12}):trail\/\S+$/;

/** A problem with an event selectors document: where (a JSON path) and what. */
export class EventSelectorsError extends Error {
  override readonly name = 'EventSelectorsError';
}

/**
 * A basic DataResources value that selects every resource of its type: `arn:aws:s3`,
 * `arn:aws:s3:::`, `arn:aws:lambda`, `arn:aws:dynamodb` (the partition and service, no resource).
 */
const ALL_RESOURCES = /^arn:[a-z-]+:[a-z0-9-]+(?::::?)?$/;

interface MutableManagement {
  logged: boolean;
  excluded: Set<string> | undefined;
}

/**
 * Parses the output of `aws cloudtrail get-event-selectors` (basic or advanced selectors) into what
 * the trail logs. Conservative where a selector is narrower than this model can express: a data
 * selector with any filter but its type and `readOnly` selects "some resources only", and a
 * management selector with a field other than `readOnly` and `eventSource` NotEquals proves
 * nothing, so those calls stay `?`.
 */
export function parseEventSelectors(value: unknown, source: string): TrailSelectors {
  const parsed = EventSelectorsOutput.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new EventSelectorsError(
      `not the output of get-event-selectors${path}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const trailArn = parsed.data.TrailARN;
  const trailAccount = trailArn === undefined ? undefined : TRAIL_ARN.exec(trailArn)?.[1];
  if (trailArn !== undefined && trailAccount === undefined)
    throw new EventSelectorsError(
      `not the output of get-event-selectors at TrailARN: ${JSON.stringify(trailArn)} is not a trail's ARN`,
    );
  const management = {
    read: { logged: false, excluded: undefined } as MutableManagement,
    write: { logged: false, excluded: undefined } as MutableManagement,
  };
  const data = new Map<string, ReadWrite & { allResources: boolean }>();
  const logManagement = (directions: ReadWrite, excludedSources: readonly string[]): void => {
    for (const direction of ['read', 'write'] as const) {
      if (!directions[direction]) continue;
      const entry = management[direction];
      entry.logged = true;
      // A source is left out only when every selector that logs this direction leaves it out.
      const mine = new Set(excludedSources.map((s) => s.toLowerCase()));
      entry.excluded =
        entry.excluded === undefined ? mine : new Set([...entry.excluded].filter((s) => mine.has(s)));
    }
  };
  const logData = (type: string, directions: ReadWrite, allResources: boolean): void => {
    // Selectors add up; a direction counts only from a selector that covers every resource.
    const seen = data.get(type) ?? { read: false, write: false, allResources: false };
    data.set(type, {
      read: seen.read || (allResources && directions.read),
      write: seen.write || (allResources && directions.write),
      allResources: seen.allResources || allResources,
    });
  };

  for (const selector of parsed.data.EventSelectors ?? []) {
    const directions = {
      read: selector.ReadWriteType !== 'WriteOnly',
      write: selector.ReadWriteType !== 'ReadOnly',
    };
    if (selector.IncludeManagementEvents) logManagement(directions, selector.ExcludeManagementEventSources);
    for (const resource of selector.DataResources)
      logData(
        resource.Type,
        directions,
        resource.Values.some((v) => ALL_RESOURCES.test(v)),
      );
  }
  for (const selector of parsed.data.AdvancedEventSelectors ?? []) {
    const fields = new Map<string, FieldSelector>(selector.FieldSelectors.map((f) => [f.Field, f]));
    const category = fields.get('eventCategory')?.Equals ?? [];
    const readOnly = fields.get('readOnly')?.Equals;
    const directions = {
      read: readOnly === undefined || readOnly.includes('true'),
      write: readOnly === undefined || readOnly.includes('false'),
    };
    const others = [...fields.keys()].filter((f) => f !== 'eventCategory' && f !== 'readOnly');
    if (category.includes('Management')) {
      const eventSource = fields.get('eventSource');
      const onlyExclusions =
        eventSource === undefined ||
        Object.keys(eventSource).every((key) => key === 'Field' || key === 'NotEquals');
      if (others.every((f) => f === 'eventSource') && onlyExclusions)
        logManagement(directions, eventSource?.NotEquals ?? []);
    } else if (category.includes('Data')) {
      for (const type of fields.get('resources.type')?.Equals ?? [])
        logData(
          type,
          directions,
          others.every((f) => f === 'resources.type'),
        );
    }
  }
  const freeze = (entry: MutableManagement): ManagementLogging => ({
    logged: entry.logged,
    excludedSources: [...(entry.excluded ?? [])].sort(),
  });
  return {
    source,
    ...(trailArn === undefined || trailAccount === undefined
      ? {}
      : { trail: { arn: trailArn, account: trailAccount } }),
    management: { read: freeze(management.read), write: freeze(management.write) },
    data,
  };
}

/** Where an account's logs lie: an organization trail's folders (`AWSLogs/o-…/`), its own, or both. */
export interface LogFolderPlaces {
  readonly organization: boolean;
  readonly own: boolean;
}

/**
 * The selectors that say what an account's logs hold: a trail's selectors say what that trail
 * records, so they apply to its own account (of its `TrailARN`), and to every account only when it
 * is an organization trail (`--organization-trail`). A file that names no trail applies to no
 * account without that flag: nothing says whose trail it describes. Where they are not applied
 * (`skipped` says why), the account is judged from what its logs show, as without
 * `--event-selectors`, never from another trail's selectors. `folders`, where an account's logs
 * lie (when known; asked only under the flag, for another account than the trail's), checks the
 * flag against them: another account's logs found only in its own
 * folders (`AWSLogs/<account>/`, which an organization trail does not write) come from a trail of
 * its own, whose selectors may differ; the selectors are still applied, as the flag says, and
 * `caution` says so.
 */
export function selectorsForAccount(
  selectors: TrailSelectors | undefined,
  account: { readonly name: string; readonly id: string },
  folders?: (accountId: string) => LogFolderPlaces | undefined,
): {
  readonly selectors?: TrailSelectors;
  readonly skipped?: string;
  /** `--organization-trail` given, and the account's logs are not where an organization trail writes. */
  readonly caution?: string;
  /** What the verdicts take of it (`judgePrincipal`'s `selectors` or `selectorsNotApplied`). */
  readonly judged: { readonly selectors?: TrailSelectors; readonly selectorsNotApplied?: true };
} {
  if (selectors === undefined) return { judged: {} };
  if (selectors.trail?.account === account.id) return { selectors, judged: { selectors } };
  if (selectors.organizationTrail === true) {
    const places = folders?.(account.id);
    return {
      selectors,
      judged: { selectors },
      ...(places?.own === true && !places.organization
        ? { caution: organizationTrailCaution(selectors, [account]) }
        : {}),
    };
  }
  return { skipped: selectorsNotApplied(selectors, [account]), judged: { selectorsNotApplied: true } };
}

/**
 * Why applying `selectors` to these accounts under `--organization-trail` may be wrong (see
 * {@link selectorsForAccount}), in one warning naming them all.
 */
export function organizationTrailCaution(
  selectors: TrailSelectors,
  accounts: readonly { readonly name: string; readonly id: string }[],
): string {
  const trail = selectors.trail === undefined ? 'the trail' : `trail ${selectors.trail.arn}`;
  const named = accounts.map((account) => `${account.name} (${account.id})`).join(', ');
  const subject =
    accounts.length === 1
      ? `account ${named} has its logs only in AWSLogs/${accounts[0]?.id ?? ''}/`
      : `the ${accounts.length} accounts ${named} have their logs only in AWSLogs/<account>/`;
  return `--organization-trail: ${subject}, where a trail of the account's own writes, not in an organization trail's folders (AWSLogs/o-…/<account>/): the selectors of ${trail} (--event-selectors ${selectors.source}) still judge their data actions, as the flag says; if that trail does not log them, a "-" for a data action may be wrong`;
}

/**
 * Why `selectors` are not applied to these accounts (see {@link selectorsForAccount}), in one
 * warning: a run over many accounts says it once, naming them all.
 */
export function selectorsNotApplied(
  selectors: TrailSelectors,
  accounts: readonly { readonly name: string; readonly id: string }[],
): string {
  const named = accounts.map((account) => `${account.name} (${account.id})`).join(', ');
  const judged =
    accounts.length === 1
      ? `not applied to account ${named}, which is judged from its logs alone, as without --event-selectors`
      : `not applied to the ${accounts.length} accounts ${named}, which are judged from their logs alone, as without --event-selectors`;
  return selectors.trail === undefined
    ? `--event-selectors ${selectors.source} names no trail (no TrailARN): ${judged}; pass the output of get-event-selectors as it prints it, or add --organization-trail if the trail logs every account`
    : `--event-selectors ${selectors.source} are the selectors of trail ${selectors.trail.arn}, of account ${selectors.trail.account}: ${judged}; add --organization-trail if that trail is an organization trail`;
}
