/*
 * The actions a call needs beyond its own: AWS checks a second action, on another resource, for
 * some calls. The logs name that resource in the call's request (the engines keep it in the cache
 * as a resource row of kind `passed_role` or `copy_source`, see `trail/resource-usage.ts`), so
 * `policy generate` can allow exactly it.
 *
 * Sources:
 * - iam:PassRole: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 *   (RunInstances with an instance profile, CreateFunction, UpdateFunctionConfiguration,
 *   RegisterTaskDefinition, CreateStack with a role…), and the condition key
 *   `iam:PassedToService`, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
 *   (the service principal the role is passed to, `lambda.amazonaws.com`).
 * - s3:GetObject on the source of CopyObject and UploadPartCopy:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html ("you must have read
 *   access to the source object").
 */

/** What a resource row is to the call, for the checks of this table. */
export type DependentResourceKind = 'passed_role' | 'copy_source';

/** One check a call makes beyond its own action. */
export interface CallDependency {
  /** The kind of resource row that names the resource of the check. */
  readonly kind: DependentResourceKind;
  /** The action AWS checks on it. */
  readonly action: string;
  /** The events known to make the check (documentation: rows of the kind give the action whatever the event). */
  readonly events: readonly string[];
}

/** The checks, one per kind of resource row. */
export const CALL_DEPENDENCIES: readonly CallDependency[] = [
  {
    kind: 'passed_role',
    action: 'iam:PassRole',
    events: [
      'ec2:RunInstances',
      'ec2:AssociateIamInstanceProfile',
      'lambda:CreateFunction',
      'lambda:UpdateFunctionConfiguration',
      'ecs:RegisterTaskDefinition',
      'cloudformation:CreateStack',
      'cloudformation:UpdateStack',
      'glue:CreateJob',
      'states:CreateStateMachine',
    ],
  },
  { kind: 'copy_source', action: 's3:GetObject', events: ['s3:CopyObject', 's3:UploadPartCopy'] },
];

/** The action a resource row of `kind` gives (`undefined`: the row is the call's own target). */
export function dependentAction(kind: string): string | undefined {
  return CALL_DEPENDENCIES.find((dependency) => dependency.kind === kind)?.action;
}

/**
 * Event sources whose role is passed to another service principal than the event source's own
 * host (ECS runs task roles as `ecs-tasks.amazonaws.com`).
 */
const PASSED_TO_SERVICE: ReadonlyMap<string, string> = new Map([
  ['ecs.amazonaws.com', 'ecs-tasks.amazonaws.com'],
]);

/**
 * The `iam:PassedToService` value of a role passed by a call to `eventSource`: the event source
 * itself (`lambda.amazonaws.com`), except where the table above says otherwise.
 */
export function passedToService(eventSource: string): string {
  const source = eventSource.toLowerCase();
  return PASSED_TO_SERVICE.get(source) ?? source;
}
