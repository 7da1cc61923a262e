/*
 * Resource usage: which resources the successful calls of a day acted on, per actor and event,
 * read by the engines in the same pass as the activity summary and kept in the cache per day like
 * it (table `resource_usage`). `policy generate` scopes its statements from these rows and replays
 * the observed calls against what it generated. Which resources a call used, and from which of its
 * fields, is `resource-extraction.ts`.
 */

/**
 * What a resource was to the call: `target` the resource the call acted on (the record's
 * `resources` list, or the ARNs of its requestParameters for the common services); `passed_role`
 * a role the call passed to a service (the `iam:PassRole` check of RunInstances, CreateFunction…);
 * `copy_source` the object a copy read (the `s3:GetObject` check of CopyObject, UploadPartCopy);
 * `copy_source_version` the object a copy read a version of (`?versionId=`: `s3:GetObjectVersion`).
 */
export type ResourceUseKind = 'target' | 'passed_role' | 'copy_source' | 'copy_source_version';

/** One resource of a day's successful calls of one actor and event. */
export interface ResourceUsageRow {
  /** `recipientAccountId`. */
  readonly accountId: string;
  /** UTC day of `eventTime`, `YYYY-MM-DD`. */
  readonly day: string;
  /** Who made the calls, as the activity rows name it (a user, a role for its sessions, root). */
  readonly actorArn: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly kind: ResourceUseKind;
  /**
   * An ARN; for S3 objects, the ARN of the object's folder ending in `/*`
   * (`arn:aws:s3:::bucket/logs/2026/*`), or `arn:aws:s3:::bucket/*` for an object at the root.
   * That final `*` stands for the folder's objects; any other character is the name's as logged
   * (a key's `*`, `?` or `$` is literal: `analysis/resource-patterns` `toPolicyResource`).
   */
  readonly resource: string;
  /** Successful calls of the day that named this resource. */
  readonly calls: number;
}
