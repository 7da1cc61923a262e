/*
 * IAM Access Advisor data ("last accessed"), as iamtrail stores and serves it: one snapshot per
 * collect of a principal (user, role, group or customer managed policy), with the services its
 * policies allow and when each was last authenticated, and for the services AWS tracks at action
 * level the actions and when each was last accessed. Pure: parsing of AWS's response shape is
 * here, the calls are in src/aws/.
 *
 * What Access Advisor says and does not say (../shared/notes/peer-tools-and-aws-apis.md §12): it
 * counts denied attempts too, ignores resource policies, SCPs and boundaries, tracks at least 400
 * days, and shows activity after up to ~4 hours.
 */

/** What an Access Advisor job describes. */
export const ADVISOR_ENTITY_TYPES = ['user', 'role', 'group', 'policy'] as const;
/** One of {@link ADVISOR_ENTITY_TYPES}. */
export type AdvisorEntityType = (typeof ADVISOR_ENTITY_TYPES)[number];

/** An action of a tracked service and when it was last accessed (`null`: not in the tracking period). */
export interface AdvisorAction {
  /** The action as AWS names it in `TrackedActionsLastAccessed` (`CreateBucket`), without its service prefix. */
  readonly actionName: string;
  /** ISO-8601 UTC, or `null` when not accessed in the tracking period. */
  readonly lastAccessed: string | null;
  readonly lastAccessedEntity: string | null;
  readonly lastAccessedRegion: string | null;
}

/** A service the entity's policies allow, and its last authentication. */
export interface AdvisorService {
  /** `s3`, `ec2`, ... (the action prefix). */
  readonly serviceNamespace: string;
  /** `Amazon S3`, ... */
  readonly serviceName: string;
  /** ISO-8601 UTC, or `null` when never authenticated in the tracking period. */
  readonly lastAuthenticated: string | null;
  /** The ARN of the entity that last authenticated (for a group or policy: a user or role). */
  readonly lastAuthenticatedEntity: string | null;
  readonly lastAuthenticatedRegion: string | null;
  readonly totalAuthenticatedEntities: number;
  /**
   * Action-level data, for the services AWS tracks at that level; `undefined` when AWS gave none
   * (an untracked service, or a job of service-level granularity).
   */
  readonly trackedActions?: readonly AdvisorAction[];
}

/** One collect of one principal. */
export interface AdvisorSnapshot {
  readonly accountId: string;
  readonly arn: string;
  readonly entityType: AdvisorEntityType;
  /** When iamtrail collected (or imported) it, ISO-8601 UTC. */
  readonly collectedAt: string;
  /** AWS's `JobCompletionDate`: the data is as of this time; `null` when not known. */
  readonly jobCompletedAt: string | null;
  /** Where it came from: `api`, or `import:<file>`. */
  readonly origin: string;
  readonly services: readonly AdvisorService[];
}

/** The shape of one `ServicesLastAccessed` entry of GetServiceLastAccessedDetails, as the SDK or a JSON file gives it. */
export interface ServiceLastAccessedInput {
  readonly ServiceName?: string | undefined;
  readonly ServiceNamespace?: string | undefined;
  readonly LastAuthenticated?: Date | string | undefined;
  readonly LastAuthenticatedEntity?: string | undefined;
  readonly LastAuthenticatedRegion?: string | undefined;
  readonly TotalAuthenticatedEntities?: number | undefined;
  readonly TrackedActionsLastAccessed?:
    | readonly {
        readonly ActionName?: string | undefined;
        readonly LastAccessedEntity?: string | undefined;
        readonly LastAccessedRegion?: string | undefined;
        readonly LastAccessedTime?: Date | string | undefined;
      }[]
    | undefined;
}

/** An AWS timestamp (a Date from the SDK, a string or epoch seconds in JSON files) as ISO-8601 UTC. */
export function toIsoTime(value: Date | string | number | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  // A time written without a zone (some tools drop AWS's, Python's str() writes a space for the
  // T) is UTC, never the local time zone.
  const zoneless =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(value)
      : null;
  const text = zoneless === null ? value : `${zoneless[1]}T${zoneless[2]}Z`;
  const date =
    text instanceof Date ? text : typeof text === 'number' ? new Date(text * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`not a time: ${String(value)}`);
  return date.toISOString().replace('.000Z', 'Z');
}

/** The services of a GetServiceLastAccessedDetails response (all pages), in iamtrail's shape. */
export function toAdvisorServices(entries: readonly ServiceLastAccessedInput[]): AdvisorService[] {
  return entries.map((entry) => {
    if (entry.ServiceNamespace === undefined || entry.ServiceNamespace === '')
      throw new Error('a ServicesLastAccessed entry without ServiceNamespace');
    const tracked = entry.TrackedActionsLastAccessed;
    return {
      serviceNamespace: entry.ServiceNamespace,
      serviceName: entry.ServiceName ?? entry.ServiceNamespace,
      lastAuthenticated: toIsoTime(entry.LastAuthenticated),
      lastAuthenticatedEntity: entry.LastAuthenticatedEntity ?? null,
      lastAuthenticatedRegion: entry.LastAuthenticatedRegion ?? null,
      totalAuthenticatedEntities: entry.TotalAuthenticatedEntities ?? 0,
      ...(tracked === undefined
        ? {}
        : {
            trackedActions: tracked.map((action) => {
              if (action.ActionName === undefined || action.ActionName === '')
                throw new Error(
                  `a TrackedActionsLastAccessed entry of ${entry.ServiceNamespace} without ActionName`,
                );
              return {
                actionName: action.ActionName,
                lastAccessed: toIsoTime(action.LastAccessedTime),
                lastAccessedEntity: action.LastAccessedEntity ?? null,
                lastAccessedRegion: action.LastAccessedRegion ?? null,
              };
            }),
          }),
    };
  });
}

/** The entity type of an IAM ARN (`arn:aws:iam::1:role/x` is a role), or `undefined`. */
export function advisorEntityTypeOf(arn: string): AdvisorEntityType | undefined {
  const resource = /^arn:aws[\w-]*:iam::\d{12}:(user|role|group|policy)\//.exec(arn)?.[1];
  return resource as AdvisorEntityType | undefined;
}
