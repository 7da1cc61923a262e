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
  /**
   * The trail (the file's `TrailARN`) and its account, when the file names it: its selectors say
   * what that trail records, which is what another account's logs hold only if the trail is an
   * organization trail (see `selectorsForAccount`).
   */
  readonly trail?: { readonly arn: string; readonly account: string };
  /** `--organization-trail`: the trail logs every account of the organisation. */
  readonly organizationTrail?: boolean;
  readonly management: { readonly read: ManagementLogging; readonly write: ManagementLogging };
  /** Data resource types selected, each with its direction and whether all of its resources are. */
  readonly data: ReadonlyMap<string, ReadWrite & { readonly allResources: boolean }>;
}

/**
 * What the logs themselves say about how the trail records, for one account and window: which
 * directions (see {@link callDirection}) they hold, for management events and per data resource
 * type, and which services' events. A direction never seen proves nothing about its
 * unused actions: a trail may log only writes (or only reads), and a data selector may too.
 */
export interface LoggedEvidence {
  /** Data resource types whose events the account's logs hold, with the directions seen. */
  readonly dataTypesLogged: ReadonlyMap<string, ReadWrite>;
  /** The directions of the management events seen (of actions whose direction is known). */
  readonly management: ReadWrite;
  /**
   * The IAM prefixes (lower case) of the actions of the events seen, with the directions seen (none
   * for an event whose direction is not known).
   */
  readonly servicesLogged: ReadonlyMap<string, ReadWrite>;
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

/**
 * Actions whose records CloudTrail marks `readOnly: true` although IAM's access level is `Write`.
 * Every record of them in the public logs of `../shared/datasets` says so (kms Decrypt 178,
 * Encrypt 42, GenerateDataKey 20, sts AssumeRole 61 records; no other action there disagrees with
 * its level), and CloudTrail's guide states it for KMS: "AWS KMS actions such as Encrypt, Decrypt,
 * and GenerateDataKey … are now logged as Read events" (notes: cloudtrail-coverage-facts.md §5).
 */
const RECORDED_AS_READ: ReadonlySet<string> = new Set([
  'kms:decrypt',
  'kms:encrypt',
  'kms:generatedatakey',
  'sts:assumerole',
]);

/**
 * Actions of the same families whose `readOnly` marking neither those logs nor a document shows:
 * KMS's other cryptographic operations ("actions such as Encrypt, Decrypt, and GenerateDataKey")
 * and STS's other calls that IAM calls Write but that change no resource (sts:GetFederationToken,
 * recorded `readOnly: false` in those logs, is the one STS write shown). A trail that logs one
 * direction only proves nothing about their unused grants.
 */
const DIRECTION_UNKNOWN: ReadonlySet<string> = new Set([
  'kms:derivesharedsecret',
  'kms:generatedatakeypair',
  'kms:generatedatakeypairwithoutplaintext',
  'kms:generatedatakeywithoutplaintext',
  'kms:generatemac',
  'kms:generaterandom',
  'kms:reencryptfrom',
  'kms:reencryptto',
  'kms:sign',
  'kms:verify',
  'kms:verifymac',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:assumeroot',
  'sts:decodeauthorizationmessage',
  'sts:getdelegatedaccesstoken',
  'sts:getwebidentitytoken',
]);

/** How CloudTrail marks an action's calls: `read` (`readOnly: true`), `write`, or not known. */
export type CallDirection = 'read' | 'write' | 'unknown';

/**
 * The direction of an action's calls as CloudTrail records them (`readOnly`), which is what a
 * `ReadOnly` or `WriteOnly` selector filters on: its IAM access level's (`Read` and `List` are
 * reads), except for the actions CloudTrail is known to mark otherwise or not known to mark alike.
 */
export function callDirection(action: Pick<CatalogAction, 'name' | 'accessLevel'>): CallDirection {
  const known = directions.get(action);
  if (known !== undefined) return known;
  const name = action.name.toLowerCase();
  const direction: CallDirection = RECORDED_AS_READ.has(name)
    ? 'read'
    : DIRECTION_UNKNOWN.has(name)
      ? 'unknown'
      : action.accessLevel.split(',').every((level) => READ_LEVELS.has(level.trim()))
        ? 'read'
        : 'write';
  directions.set(action, direction);
  return direction;
}

/** {@link callDirection}'s answer per action (its fields are read-only): a report asks it for each grant. */
const directions = new WeakMap<Pick<CatalogAction, 'name' | 'accessLevel'>, CallDirection>();

/** Whether a trail logging the directions `logs` logs a call of `direction`: both, when not known. */
function logsDirection(logs: ReadWrite, direction: CallDirection): boolean {
  return direction === 'unknown' ? logs.read && logs.write : logs[direction];
}

/**
 * Services whose management events a trail can leave out with one setting ("Exclude AWS KMS
 * events", "Exclude Amazon RDS Data API events": `eventSource` NotEquals in the selectors; notes:
 * cloudtrail-coverage-facts.md §5), by IAM prefix. Without the selectors, only events of the
 * service in the account's logs show that the trail keeps them.
 */
const EXCLUDABLE_SERVICES: ReadonlyMap<string, string> = new Map([
  ['kms', 'AWS KMS'],
  ['rds-data', 'Amazon RDS Data API'],
]);

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
  const servicesLogged = new Map<string, { read: boolean; write: boolean }>();
  for (const event of events) {
    const mapping = mapper.map(event.eventSource, event.eventName);
    if (mapping.kind !== 'action') continue;
    for (const name of mapping.actions) {
      const action = catalog.get(name);
      if (action === undefined) continue;
      const service = servicesLogged.get(action.prefix) ?? { read: false, write: false };
      servicesLogged.set(action.prefix, service);
      const direction = callDirection(action);
      if (direction === 'unknown') continue;
      if (action.recorded === 'management') service[direction] = true;
      if (action.dataResourceType !== undefined) {
        const seen = dataTypesLogged.get(action.dataResourceType) ?? { read: false, write: false };
        seen[direction] = true;
        dataTypesLogged.set(action.dataResourceType, seen);
      }
      if (action.recorded === 'management') management[direction] = true;
    }
  }
  return { dataTypesLogged, management, servicesLogged };
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
  selectorsNotApplied = false,
): (name: string) => RecordingVerdict {
  // What would settle a `?` the logs leave: the selectors, unless a file was given for another trail.
  const settles = selectorsNotApplied
    ? '--event-selectors would settle it; the file given is not applied to this account'
    : '--event-selectors settles it';
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
    const direction = callDirection(action);
    const directionText = direction === 'unknown' ? 'a' : `a ${direction}`;
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
          // Both directions must be logged for a call whose marking is not known.
          const directions = direction === 'unknown' ? (['read', 'write'] as const) : [direction];
          const unlogged = directions.find((each) => !management[each].logged);
          if (unlogged !== undefined)
            return {
              recorded: false,
              basis: `${direction === 'unknown' ? "CloudTrail's read/write marking of this action is not known" : `a ${direction} action`}, and the event selectors of ${selectors.source} log only ${unlogged === 'read' ? 'write' : 'read'} management events`,
            };
          if (directions.some((each) => excluded[each].has(action.prefix)))
            return {
              recorded: false,
              basis: `the event selectors of ${selectors.source} exclude this service's management events`,
            };
          return {
            recorded: true,
            basis: `a management event, which the event selectors of ${selectors.source} log`,
          };
        }
        if (direction !== 'write' && isWriteOnlySuspected(logged))
          return {
            recorded: false,
            basis: `${direction === 'read' ? 'a read action' : "CloudTrail's read/write marking of this action is not known"}, and the logs hold no read-only management event: the trail looks write-only`,
          };
        if (direction !== 'read' && isReadOnlySuspected(logged))
          return {
            recorded: false,
            basis: `${direction === 'write' ? 'a write action' : "CloudTrail's read/write marking of this action is not known"}, and the logs hold no write management event: the trail looks read-only`,
          };
        // A trail can leave the service out of one direction only (e.g. KMS's reads, its Decrypt
        // calls): its events of this direction must be there.
        const excludable = EXCLUDABLE_SERVICES.get(action.prefix);
        const serviceSeen = logged.servicesLogged.get(action.prefix);
        if (excludable !== undefined && (serviceSeen === undefined || !logsDirection(serviceSeen, direction)))
          return {
            recorded: false,
            basis: `trails can leave out ${excludable}'s management events, and the logs hold none of them${serviceSeen === undefined ? '' : direction === 'unknown' ? ' of both directions' : ` of this action's direction`} (${settles})`,
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
          if (!logsDirection(selected, direction))
            return {
              recorded: false,
              basis: `${directionText} data event of type ${type}, and the event selectors of ${selectors.source} log only ${selected.read ? 'read' : 'write'} ones`,
            };
          return {
            recorded: true,
            basis: `a data event of type ${type}, which the event selectors of ${selectors.source} log`,
          };
        }
        const seen = logged.dataTypesLogged.get(type);
        // Data events of the type in the logs show that the trail selects some of them, not which
        // resources: a selector narrowed by ARN (a few buckets, one table) is common, and a call on
        // another resource leaves no record. Only the selectors can say "every resource", as they
        // do above (notes: cloudtrail-coverage-facts.md §1a).
        if (seen !== undefined && logsDirection(seen, direction))
          return {
            recorded: false,
            basis: `a data event of type ${type}: the logs hold data events of that type, but a trail can select them for some resources only (${settles})`,
          };
        if (seen !== undefined)
          return {
            recorded: false,
            basis: `${directionText} data event of type ${type}, and the logs hold only ${seen.read ? 'read' : 'write'} ones of that type: the trail may select only those`,
          };
        return {
          recorded: false,
          basis: `a data event of type ${type}, which trails do not log by default, and the logs hold none of that type`,
        };
      }
    }
  }
}
