import type { ActionCatalog, CatalogAction } from '../actions/action-catalog.js';
import type { EventMapper } from '../actions/event-mapper.js';

/** Which kinds of call a trail logs in one category: read-only calls, write calls, or both. */
export interface ReadWrite {
  readonly read: boolean;
  readonly write: boolean;
}

/** Whether a trail logs management events of one direction (read or write), and which sources it leaves out. */
export interface ManagementLogging {
  readonly logged: boolean;
  /** Event sources left out of this direction (e.g. `kms.amazonaws.com`). */
  readonly excludedSources: readonly string[];
}

/**
 * What a trail's event selectors log (the output of `aws cloudtrail get-event-selectors`, parsed by
 * {@link parseEventSelectors}): management events by direction with the event sources they leave
 * out, and per data resource type its directions and whether every resource of the type is selected.
 */
export interface TrailSelectors {
  /** Where the selectors came from (the file), for messages. */
  readonly source: string;
  readonly management: { readonly read: ManagementLogging; readonly write: ManagementLogging };
  /** Data resource types selected, each with its direction and whether all of its resources are. */
  readonly data: ReadonlyMap<string, ReadWrite & { readonly allResources: boolean }>;
}

/**
 * What the logs themselves say about how the trail records, for one account and window: which
 * directions (read: an event of a `Read` or `List` action; write: any other) they hold, for
 * management events and per data resource type. A direction never seen proves nothing about its
 * unused actions: a trail may log only writes (or only reads), and a data selector may too.
 */
export interface LoggedEvidence {
  /** Data resource types whose events the account's logs hold, with the directions seen. */
  readonly dataTypesLogged: ReadonlyMap<string, ReadWrite>;
  /** The directions of the management events seen. */
  readonly management: ReadWrite;
}

/** The logs hold management writes but not one read: the trail looks write-only. */
export function isWriteOnlySuspected(logged: LoggedEvidence): boolean {
  return logged.management.write && !logged.management.read;
}

/** The logs hold management reads but not one write: the trail looks read-only. */
export function isReadOnlySuspected(logged: LoggedEvidence): boolean {
  return logged.management.read && !logged.management.write;
}

/** Whether these logs would show a call the action authorises, and why (`basis`, one sentence). */
export interface RecordingVerdict {
  readonly recorded: boolean;
  readonly basis: string;
}

/** IAM access levels whose calls CloudTrail marks `readOnly: true`. */
const READ_LEVELS = new Set(['Read', 'List']);

/** Whether an action's calls are read-only ones (by its IAM access level). */
export function isReadAction(action: Pick<CatalogAction, 'accessLevel'>): boolean {
  return action.accessLevel.split(',').every((level) => READ_LEVELS.has(level.trim()));
}

/**
 * What the account's logged events say about the trail: the directions of its management events,
 * and the data resource types present with theirs.
 */
export function inferLoggedEvidence(
  events: readonly { readonly eventSource: string; readonly eventName: string }[],
  mapper: EventMapper,
  catalog: ActionCatalog,
): LoggedEvidence {
  const dataTypesLogged = new Map<string, { read: boolean; write: boolean }>();
  const management = { read: false, write: false };
  for (const event of events) {
    const mapping = mapper.map(event.eventSource, event.eventName);
    if (mapping.kind !== 'action') continue;
    for (const name of mapping.actions) {
      const action = catalog.get(name);
      if (action === undefined) continue;
      const direction = isReadAction(action) ? 'read' : 'write';
      if (action.dataResourceType !== undefined) {
        const seen = dataTypesLogged.get(action.dataResourceType) ?? { read: false, write: false };
        seen[direction] = true;
        dataTypesLogged.set(action.dataResourceType, seen);
      }
      if (action.recorded === 'management') management[direction] = true;
    }
  }
  return { dataTypesLogged, management };
}

/**
 * Decides, for one granted action, whether an unused grant is a `-` (these logs would show the
 * call) or a `?`. The catalog's class comes first (only `management` and `data:<type>` can ever be
 * recorded); then the trail's event selectors when given, which are exact; else what the logs
 * show: data types present, and a trail that looks write-only.
 */
export function createRecordingJudge(
  catalog: ActionCatalog,
  mapper: EventMapper,
  logged: LoggedEvidence,
  selectors: TrailSelectors | undefined,
): (name: string) => RecordingVerdict {
  const excludedPrefixes = (logging: ManagementLogging): Set<string> =>
    new Set(logging.excludedSources.map((source) => mapper.prefixOf(source)));
  const excluded = {
    read: excludedPrefixes(selectors?.management.read ?? { logged: true, excludedSources: [] }),
    write: excludedPrefixes(selectors?.management.write ?? { logged: true, excludedSources: [] }),
  };
  // A principal's report asks about each granted action more than once: one verdict per name.
  const verdicts = new Map<string, RecordingVerdict>();
  return (name) => {
    const known = verdicts.get(name);
    if (known !== undefined) return known;
    const verdict = judge(name);
    verdicts.set(name, verdict);
    return verdict;
  };

  function judge(name: string): RecordingVerdict {
    const action = catalog.get(name);
    if (action === undefined) return { recorded: false, basis: 'not in the IAM action catalog' };
    const read = isReadAction(action);
    const direction = read ? 'read' : 'write';
    switch (action.recorded) {
      case 'not-recorded':
        return { recorded: false, basis: 'CloudTrail records no event of its own for this action' };
      case 'unknown':
        return { recorded: false, basis: 'nothing shows that CloudTrail records this action' };
      case 'management': {
        if (selectors !== undefined) {
          const { management } = selectors;
          if (!management.read.logged && !management.write.logged)
            return {
              recorded: false,
              basis: `the event selectors of ${selectors.source} log no management events`,
            };
          if (!management[direction].logged)
            return {
              recorded: false,
              basis: `a ${direction} action, and the event selectors of ${selectors.source} log only ${read ? 'write' : 'read'} management events`,
            };
          if (excluded[direction].has(action.prefix))
            return {
              recorded: false,
              basis: `the event selectors of ${selectors.source} exclude this service's management events`,
            };
          return {
            recorded: true,
            basis: `a management event, which the event selectors of ${selectors.source} log`,
          };
        }
        if (read && isWriteOnlySuspected(logged))
          return {
            recorded: false,
            basis:
              'a read action, and the logs hold no read-only management event: the trail looks write-only',
          };
        if (!read && isReadOnlySuspected(logged))
          return {
            recorded: false,
            basis: 'a write action, and the logs hold no write management event: the trail looks read-only',
          };
        return { recorded: true, basis: 'a management event, which trails log by default' };
      }
      case 'data': {
        const type = action.dataResourceType ?? '';
        if (selectors !== undefined) {
          const selected = selectors.data.get(type);
          if (selected === undefined)
            return {
              recorded: false,
              basis: `a data event of type ${type}, which the event selectors of ${selectors.source} do not select`,
            };
          if (!selected.allResources)
            return {
              recorded: false,
              basis: `a data event of type ${type}, which the event selectors of ${selectors.source} select for some resources only`,
            };
          if (!(read ? selected.read : selected.write))
            return {
              recorded: false,
              basis: `a ${direction} data event of type ${type}, and the event selectors of ${selectors.source} log only ${read ? 'write' : 'read'} ones`,
            };
          return {
            recorded: true,
            basis: `a data event of type ${type}, which the event selectors of ${selectors.source} log`,
          };
        }
        const seen = logged.dataTypesLogged.get(type);
        if (seen !== undefined && seen[direction])
          return {
            recorded: true,
            basis: `a data event of type ${type}, and the logs hold data events of that type`,
          };
        if (seen !== undefined)
          return {
            recorded: false,
            basis: `a ${direction} data event of type ${type}, and the logs hold only ${read ? 'write' : 'read'} ones of that type: the trail may select only those`,
          };
        return {
          recorded: false,
          basis: `a data event of type ${type}, which trails do not log by default, and the logs hold none of that type`,
        };
      }
    }
  }
}
