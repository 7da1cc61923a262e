import type { Outcome } from './call-outcome.js';

/*
 * IAM changes: the CloudTrail events that create, change or remove IAM users, their credentials,
 * roles and their policies, one row per event (not aggregated), read by the engines in the same
 * pass as the activity summary and kept in the cache per day like it.
 */

/** The IAM events the audit lists as changes (`eventSource` `iam.amazonaws.com`). */
export const IAM_CHANGE_EVENTS = [
  'CreateUser',
  'DeleteUser',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'DeleteLoginProfile',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
  'PutGroupPolicy',
  'DeleteGroupPolicy',
  'CreateRole',
  'DeleteRole',
  'UpdateAssumeRolePolicy',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary',
] as const;

/** One of {@link IAM_CHANGE_EVENTS}. */
export type IamChangeEventName = (typeof IAM_CHANGE_EVENTS)[number];

/** One IAM change event. */
export interface IamChangeRow {
  /** `recipientAccountId`. */
  readonly accountId: string;
  /** UTC day of `eventTime`, `YYYY-MM-DD`. */
  readonly day: string;
  /** `eventTime`, ISO-8601. */
  readonly eventTime: string;
  /** CloudTrail's `eventID` (unique per event; the same event delivered twice is one row). */
  readonly eventId: string;
  readonly eventName: IamChangeEventName;
  /** Who made the call, as the activity rows name it (a user, a role for its sessions, root). */
  readonly actorArn: string;
  readonly actorType: string;
  /** For a role session, who opened it (as {@link ActivityRow.callerArn}); `null` when unknown. */
  readonly callerArn: string | null;
  /** `sourceIPAddress` (an IP, or an AWS service's name such as `cloudformation.amazonaws.com`). */
  readonly sourceIp: string | null;
  /** Targets from `requestParameters`; each `null` when the event has none. */
  readonly userName: string | null;
  readonly roleName: string | null;
  readonly groupName: string | null;
  readonly accessKeyId: string | null;
  /** `policyArn` (Attach/Detach) or `permissionsBoundary` (Put*PermissionsBoundary). */
  readonly policyArn: string | null;
  /** `policyName` (Put/Delete inline policies). */
  readonly policyName: string | null;
  /** `status` of UpdateAccessKey (`Active`, `Inactive`). */
  readonly status: string | null;
  /** For CreateAccessKey, the key created (`responseElements.accessKey.accessKeyId`). */
  readonly createdAccessKeyId: string | null;
  readonly outcome: Outcome;
  /** `errorCode` when the call failed or was denied. */
  readonly errorCode: string | null;
}
