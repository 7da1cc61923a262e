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
 *   access to the source object"); s3:GetObjectVersion on it instead when the copy names a version
 *   of it (`x-amz-copy-source: bucket/key?versionId=…`): CopyObject's row of
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html lists
 *   s3:GetObjectVersion as required to read a specific version of the source, the check GetObject
 *   makes of a version too (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 */

/** What a resource row is to the call, for the checks of this table. */
export type DependentResourceKind = 'passed_role' | 'copy_source' | 'copy_source_version';

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
      'ec2:ReplaceIamInstanceProfileAssociation',
      'lambda:CreateFunction',
      'lambda:UpdateFunctionConfiguration',
      'ecs:RegisterTaskDefinition',
      'ecs:CreateService',
      'ecs:UpdateService',
      'cloudformation:CreateStack',
      'cloudformation:UpdateStack',
      'glue:CreateJob',
      'states:CreateStateMachine',
      'states:UpdateStateMachine',
    ],
  },
  { kind: 'copy_source', action: 's3:GetObject', events: ['s3:CopyObject', 's3:UploadPartCopy'] },
  {
    kind: 'copy_source_version',
    action: 's3:GetObjectVersion',
    events: ['s3:CopyObject', 's3:UploadPartCopy'],
  },
];

/** The action a resource row of `kind` gives (`undefined`: the row is the call's own target). */
export function dependentAction(kind: string): string | undefined {
  return CALL_DEPENDENCIES.find((dependency) => dependency.kind === kind)?.action;
}

/**
 * Whether `action`, listed among an event's other actions, is the check a resource row of another
 * kind names the resource of (the `iam:PassRole` of CreateFunction is on the passed role, not on the
 * function): `actions` are the event (`s3:CopyObject`) and its own actions.
 */
export function suppliedByDependency(actions: readonly string[], action: string): boolean {
  const lowerActions = actions.map((entry) => entry.toLowerCase());
  return CALL_DEPENDENCIES.some(
    (dependency) =>
      dependency.action.toLowerCase() === action.toLowerCase() &&
      dependency.events.some((event) => lowerActions.includes(event.toLowerCase())),
  );
}

/**
 * The service principal a call passes its role to, by event (`source EventName`), where it is not
 * the event source's own host. ECS: the role of CreateService/UpdateService (`role`) is for ECS
 * itself, `ecs.amazonaws.com`, which calls the load balancer with it
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html, parameter
 * `role`); a task definition's task and execution roles (RegisterTaskDefinition, and RunTask or
 * StartTask overrides) are assumed by `ecs-tasks.amazonaws.com`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html). EC2: an instance
 * profile's role is passed to `ec2.amazonaws.com`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html), the event
 * source itself. The rows name the event, not the request parameter: an event whose parameters pass
 * roles to different services would need the parameter (none of these does).
 */
const PASSED_TO_SERVICE_BY_EVENT: ReadonlyMap<string, string> = new Map([
  ['ecs.amazonaws.com CreateService', 'ecs.amazonaws.com'],
  ['ecs.amazonaws.com UpdateService', 'ecs.amazonaws.com'],
  ['ecs.amazonaws.com RegisterTaskDefinition', 'ecs-tasks.amazonaws.com'],
  ['ecs.amazonaws.com RunTask', 'ecs-tasks.amazonaws.com'],
  ['ecs.amazonaws.com StartTask', 'ecs-tasks.amazonaws.com'],
  ['ec2.amazonaws.com RunInstances', 'ec2.amazonaws.com'],
  ['ec2.amazonaws.com AssociateIamInstanceProfile', 'ec2.amazonaws.com'],
  ['ec2.amazonaws.com ReplaceIamInstanceProfileAssociation', 'ec2.amazonaws.com'],
]);

/** Event sources whose other events pass roles to another principal than the source's own host. */
const PASSED_TO_SERVICE: ReadonlyMap<string, string> = new Map([
  ['ecs.amazonaws.com', 'ecs-tasks.amazonaws.com'],
]);

/**
 * The `iam:PassedToService` value of a role passed by the call `eventName` to `eventSource`: by
 * the tables above, else the event source itself (`lambda.amazonaws.com`).
 */
export function passedToService(eventSource: string, eventName = ''): string {
  const source = eventSource.toLowerCase();
  return PASSED_TO_SERVICE_BY_EVENT.get(`${source} ${eventName}`) ?? PASSED_TO_SERVICE.get(source) ?? source;
}
