import type { ResolvedPolicy } from './granted-actions.js';
import type { Effect, PolicyDocument } from './policy-document.js';
import type { StatementSpan } from './policy-positions.js';
import type { IamPrincipal } from './authorization-details.js';

/*
 * The types of iamtrail's policy evaluator (src/iam/policy-evaluator.ts): IAM's evaluation logic
 * for one request (principal, action, resource, context) over the principal's identity policies,
 * its permissions boundary and the SCPs above its account. Pure: no I/O.
 */

/** The types of a context entry, as IAM's simulator names them (`ContextKeyType`). */
export const CONTEXT_KEY_TYPES = [
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
] as const;
/** One of {@link CONTEXT_KEY_TYPES}. */
export type ContextKeyType = (typeof CONTEXT_KEY_TYPES)[number];

/** A condition key's value(s) in a request: a test's `custom_context` entry, or a default. */
export interface ContextEntry {
  /** As written (`aws:MultiFactorAuthPresent`); keys compare case-insensitively. */
  readonly key: string;
  readonly values: readonly string[];
  readonly type: ContextKeyType;
}

/**
 * Where a policy comes from. Identity policies, the boundary: as `ResolvedPolicy['ref']`
 * (src/iam/granted-actions.ts). An SCP: `kind: 'scp'`, its name, its id in `policyArn`, and the
 * root, OU or account id it is attached to in `target`.
 */
export type EvaluatedPolicyRef =
  | ResolvedPolicy['ref']
  | {
      readonly kind: 'scp';
      readonly policy: string;
      readonly policyArn?: string;
      readonly target: string;
    };

/** A policy the evaluator reads, with where it comes from. */
export interface EvaluatedPolicy {
  readonly ref: EvaluatedPolicyRef;
  readonly document: PolicyDocument;
}

/** One level of the organisation above an account (the root, an OU, the account): its SCPs. */
export interface ScpLevel {
  /** `r-…`, `ou-…` or the 12-digit account id. */
  readonly target: string;
  /** The SCPs attached there; an action must be allowed by one of them (and denied by none). */
  readonly policies: readonly EvaluatedPolicy[];
}

/** Everything that governs one principal's requests. */
export interface PrincipalPolicies {
  readonly principal: IamPrincipal;
  readonly accountId: string;
  /** Inline and attached policies, and for a user its groups' (see `resolvePolicies`). */
  readonly identity: readonly EvaluatedPolicy[];
  /**
   * The permissions boundary; `undefined` when none is set. `null` when one is set but its policy is
   * not in the data: a layer whose verdict is unknown (pseudo key {@link BOUNDARY_NOT_IN_DATA}), so
   * a request the other layers allow is `inconclusive`, never silently denied or allowed.
   */
  readonly boundary: EvaluatedPolicy | null | undefined;
  /**
   * The identity policies and groups the principal has that are missing from the data (a managed
   * policy's ARN, `group <name>`); empty when all were read. When not empty, a request the identity
   * layer would deny implicitly or allow is `inconclusive` (pseudo key {@link IDENTITY_NOT_IN_DATA}:
   * the missing policies might allow it, or deny it explicitly); `explicitDeny` stays, with the
   * missing data named in the result's `problems`.
   */
  readonly incomplete: readonly string[];
  /**
   * The SCP levels from the root down to the account; `undefined` when SCPs were not given (or do
   * not apply: the management account, service-linked roles).
   */
  readonly scps: readonly ScpLevel[] | undefined;
}

/**
 * Pseudo keys of `missingContextKeys`: what a decision depends on that is not a condition key.
 * `(resource)`: the request's resource is `*` and a statement's Resource/NotResource does not
 * settle it for every resource (iamtrail's rule for `*`, documented in the README).
 */
export const RESOURCE_KEY = '(resource)';
/** Pseudo key: the permissions boundary is set but its policy is not in the data. */
export const BOUNDARY_NOT_IN_DATA = '(permissions boundary not in the data)';
/** Pseudo key: identity policies or groups of the principal are missing from the data. */
export const IDENTITY_NOT_IN_DATA = '(identity policies not in the data)';

/** One request to decide. */
export interface EvaluationRequest {
  /** A concrete action (`s3:GetObject`); no wildcards. Compared case-insensitively. */
  readonly action: string;
  /**
   * A resource ARN, or `*`: any resource. With `*`, a statement whose Resource/NotResource does not
   * settle the question for every resource (a pattern matching every ARN settles it; NotResource
   * with such a pattern settles "does not apply") applies only for some resources, as a statement
   * on an unknown condition key does (pseudo key {@link RESOURCE_KEY}): the decision is
   * `inconclusive` when the resource could change it.
   */
  readonly resource: string;
  /**
   * Condition keys the request supplies. Keys the principal implies (`aws:username`,
   * `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:PrincipalTag/…`) are
   * added by the evaluator unless given here.
   */
  readonly context: readonly ContextEntry[];
}

/**
 * IAM's decisions, as the simulator names them, and `inconclusive`: the outcome depends on a
 * condition key the context does not supply (`missingContextKeys`).
 */
export const DECISIONS = ['allowed', 'explicitDeny', 'implicitDeny', 'inconclusive'] as const;
/** One of {@link DECISIONS}. */
export type Decision = (typeof DECISIONS)[number];

/** The policy layers a request must pass: identity policies, the boundary, each SCP level. */
export type EvaluationLayer = 'identity' | 'boundary' | `scp:${string}`;

/** A statement the decision rests on. */
export interface DecidingStatement {
  readonly policy: EvaluatedPolicyRef;
  /** Index in the policy's `Statement` list. */
  readonly statement: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly layer: EvaluationLayer;
  /**
   * `true`: the statement applies to the request. `'unknown'`: whether it applies depends on
   * condition keys the context does not supply (or, for a request on `*`, on the resource).
   */
  readonly applies: true | 'unknown';
  /** Its place in the policy's text (line:column); `undefined` when it cannot be located. */
  readonly span: StatementSpan | undefined;
}

/** The evaluator's answer for one request. */
export interface EvaluationResult {
  readonly decision: Decision;
  /**
   * What the decision rests on. `explicitDeny`: the Deny statements that apply. `allowed`: the
   * Allow statements that apply, in every layer. `implicitDeny`: the Allows of the layers that
   * allow (none for the layer that does not, named in `noAllowIn`). `inconclusive`: the statements
   * that apply only for some values of the missing keys, and the Allows that do apply.
   *
   * `implicitDeny` is certain as a denial, not in its kind: when a layer has no Allow and a Deny
   * applies only for some values of the missing keys, the decision is `implicitDeny` though for
   * those values the denial is explicit.
   */
  readonly deciding: readonly DecidingStatement[];
  /** For `implicitDeny`: the first layer without an applicable Allow. */
  readonly noAllowIn?: EvaluationLayer;
  /**
   * What an `inconclusive` decision depends on that the request does not supply, sorted: condition
   * keys as written, and the pseudo keys {@link RESOURCE_KEY} (`(resource)`, a request on `*`),
   * {@link BOUNDARY_NOT_IN_DATA} and {@link IDENTITY_NOT_IN_DATA} (policies missing from the data).
   */
  readonly missingContextKeys: readonly string[];
  /** Why the decision could not be complete, e.g. a boundary policy missing from the data. */
  readonly problems: readonly string[];
}

/**
 * A principal's policies compiled for repeated questions (src/iam/policy-evaluator.ts,
 * `compilePolicies`): decides one request.
 */
export type PrincipalEvaluator = (request: EvaluationRequest) => EvaluationResult;

/** The simulator's decision for one request (`--simulator`). */
export interface SimulatorDecision {
  readonly decision: Exclude<Decision, 'inconclusive'>;
  /** `MatchedStatements`: the policy id and the start and end of each statement. */
  readonly matched: readonly {
    readonly policy: string;
    readonly type: string | undefined;
    readonly start: string | undefined;
    readonly end: string | undefined;
  }[];
  readonly missingContextValues: readonly string[];
}
