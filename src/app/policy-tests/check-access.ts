import { closeMatches } from '../../close-matches.js';
import type { ActionData } from '../../cli/action-data.js';
import { loadActionData } from '../../cli/action-data.js';
import { findAccount } from '../../config/load-config.js';
import type { Config } from '../../config/load-config.js';
import { EngineError, UsageError } from '../../errors.js';
import type { IamPrincipal } from '../../iam/authorization-details.js';
import { CONTEXT_KEY_TYPES } from '../../iam/policy-evaluation.js';
import type {
  ContextEntry,
  ContextKeyType,
  DecidingStatement,
  Decision,
} from '../../iam/policy-evaluation.js';
import { compilePolicies } from '../../iam/policy-evaluator.js';
import { principalPolicies } from '../../iam/principal-policies.js';
import { findPrincipal, principalsOf } from '../../iam/principals.js';
import type { AccountDetails } from '../accounts/account-details.js';
import type { AccountTarget } from '../accounts/resolve-accounts.js';
import { contextKeyProblem, contextValueProblem } from './context-values.js';
import { readScpFile, scpLevelsOf } from './read-scp-file.js';
import { ACTION_NAME, RESOURCE_ARN } from './read-test-file.js';
import { withDefaultContext } from './run-policy-tests.js';
import { candidatePrincipals, isServiceRole } from './select-principals.js';

/*
 * `iamtrail access`: the quick check of one request (action, resource, context) in one account:
 * for one user or role, its decision and the statements it rests on (aws-iam-tester's `access`);
 * without one, every principal of the account that is allowed (or may be: inconclusive).
 */

/** What `iamtrail access` was asked. */
export interface AccessOptions {
  readonly config: Config;
  /** `--account` (name or id); `undefined` when the config has exactly one. */
  readonly account: string | undefined;
  /** `--user NAME` or `--role NAME`; `undefined`: every principal. */
  readonly principal: { readonly type: 'user' | 'role'; readonly name: string } | undefined;
  readonly action: string;
  readonly resource: string;
  readonly scpsFile: string | undefined;
  /** `--context` entries, parsed with {@link parseContextFlag}. */
  readonly context: readonly ContextEntry[];
  readonly note?: (line: string) => void;
  readonly now?: Date;
}

/** One principal's answer. */
export interface AccessResult {
  readonly principalArn: string;
  readonly principalType: 'user' | 'role';
  readonly name: string;
  readonly decision: Decision;
  readonly deciding: readonly DecidingStatement[];
  readonly missingContextKeys: readonly string[];
  readonly problems: readonly string[];
}

/** The result document of `iamtrail access` (schema `iamtrail.access/v1`). */
export interface AccessDocument {
  readonly schema: 'iamtrail.access/v1';
  readonly account: { readonly name: string; readonly id: string };
  readonly iamSource: 'file' | 'aws';
  readonly scpsFile: string | null;
  /** The action as the catalog spells it (as given when the catalog does not know it). */
  readonly action: string;
  /** `false`: the action is not in iamtrail's action data; it was evaluated as given. */
  readonly knownAction: boolean;
  readonly resource: string;
  /** The request's context: the defaults of `iamtrail test`, overridden by `--context`. */
  readonly context: readonly ContextEntry[];
  /** `principal`: one user or role was asked about; `account`: every principal of the account. */
  readonly scope: 'principal' | 'account';
  /** `principal`: its answer. `account`: the principals allowed or inconclusive, allowed first. */
  readonly results: readonly AccessResult[];
  /** `account`: how many principals were evaluated. */
  readonly evaluated: number;
  /**
   * What is missing from the IAM data of every principal evaluated (`ARN: problem`), those not
   * listed in `results` included: a missing policy might have allowed them.
   */
  readonly warnings: readonly string[];
}

/** What the check needs from outside, replaceable for tests. */
export interface AccessDependencies {
  readonly data: ActionData;
  readonly loadDetails: (target: AccountTarget, options: AccessOptions) => Promise<AccountDetails>;
}

/**
 * Parses one `--context KEY=VALUE[:TYPE]`: the type is the part after the last `:` when it is one
 * of the context key types, in any case (`:Boolean` is `boolean`); without one, `string`. A list
 * type takes comma-separated values. A suffix of letters only that is no type but close to one
 * (`:bool`, `:bolean`) is refused rather than read as part of a string value: a mistyped type would
 * silently change the decision. Any other suffix is part of the value (an ARN ending in `:root` or
 * `:topic`). A value not of its type, or an empty key, is a UsageError too (exit code 2).
 */
export function parseContextFlag(value: string): ContextEntry {
  const equals = value.indexOf('=');
  if (equals <= 0)
    throw new UsageError(`--context ${JSON.stringify(value)} is not KEY=VALUE[:TYPE]`, {
      suggestions: [
        '--context aws:MultiFactorAuthPresent=false:boolean',
        '--context aws:SourceIp=10.0.0.1:ip',
      ],
    });
  const key = value.slice(0, equals);
  let rest = value.slice(equals + 1);
  let type: ContextKeyType = 'string';
  const colon = rest.lastIndexOf(':');
  const suffix = colon < 0 ? '' : rest.slice(colon + 1);
  const named = CONTEXT_KEY_TYPES.find((name) => name.toLowerCase() === suffix.toLowerCase());
  const close =
    named === undefined && /^[A-Za-z]+$/.test(suffix) ? closeMatches(suffix, CONTEXT_KEY_TYPES) : [];
  if (named !== undefined) {
    type = named;
    rest = rest.slice(0, colon);
  } else if (close.length > 0) {
    throw new UsageError(
      `--context ${JSON.stringify(value)}: "${suffix}" is not a context key type (${CONTEXT_KEY_TYPES.join(', ')})`,
      {
        suggestions: [
          `Did you mean ${close.map((name) => `--context ${key}=${rest.slice(0, colon)}:${name}`).join(' or ')}?`,
          `If "${rest}" is the value, give its type: --context ${key}=${rest}:string`,
        ],
      },
    );
  }
  const values = type.endsWith('List') ? rest.split(',') : [rest];
  const keyProblem = contextKeyProblem(key);
  if (keyProblem !== undefined)
    throw new UsageError(`--context ${JSON.stringify(value)}: the key ${keyProblem}`);
  for (const entry of values) {
    const problem = contextValueProblem(type, entry);
    if (problem !== undefined)
      throw new UsageError(
        `--context ${JSON.stringify(value)}: ${JSON.stringify(entry)} ${problem} (type ${type})`,
      );
  }
  return { key, values, type };
}

/** Answers the request for one principal, or for every principal of the account. */
export async function checkAccess(
  options: AccessOptions,
  dependencies: Partial<AccessDependencies> = {},
): Promise<AccessDocument> {
  const deps: AccessDependencies = {
    data: dependencies.data ?? loadActionData(),
    loadDetails: dependencies.loadDetails ?? loadDetailsOf,
  };
  if (/[*?]/.test(options.action))
    throw new UsageError(
      `--action ${options.action}: give one action, without wildcards (iamtrail test expands them)`,
    );
  if (!ACTION_NAME.test(options.action))
    throw new UsageError(`--action ${JSON.stringify(options.action)} is not an action (service:Action)`, {
      suggestions: ['--action iam:CreateUser'],
    });
  if (options.resource !== '*' && !RESOURCE_ARN.test(options.resource))
    throw new UsageError(
      `--resource ${JSON.stringify(options.resource)} is neither * nor an ARN (arn:partition:service:region:account:resource)`,
      { suggestions: ['--resource arn:aws:s3:::my-bucket/key'] },
    );
  const known = deps.data.catalog.get(options.action);
  if (known === undefined)
    options.note?.(`action ${options.action} is not in iamtrail's action data: evaluated as written`);
  const target = accountTarget(options);
  const scps = options.scpsFile === undefined ? undefined : readScpFile(options.scpsFile);
  const levels = scps === undefined ? undefined : scpLevelsOf(scps, target.id);
  const read = await deps.loadDetails(target, options);
  if (read.status === 'failed') throw new EngineError(`account ${target.name} (${target.id}): ${read.error}`);
  const { details } = read;
  let principals: IamPrincipal[];
  if (options.principal === undefined)
    principals = candidatePrincipals(details, { includeServiceRoles: true, includeSystemRoles: true });
  else {
    const found = findPrincipal(details, options.principal.type, options.principal.name);
    if (found === undefined) {
      const names = principalsOf(details, options.principal.type).map((principal) => principal.name);
      const close = closeMatches(options.principal.name, names);
      throw new UsageError(
        `unknown ${options.principal.type} "${options.principal.name}" in account ${target.name} (${target.id}) (${names.length} ${options.principal.type}s)`,
        { suggestions: close.length === 0 ? [] : [`Did you mean: ${close.join(', ')}?`] },
      );
    }
    principals = [found];
  }
  const context = withDefaultContext(options.context);
  const action = known?.name ?? options.action;
  const results = principals.map((principal): AccessResult => {
    const applied = principal.type === 'role' && isServiceRole(principal) ? undefined : levels;
    const { policies, problems } = principalPolicies(details, principal, target.id, applied);
    const evaluate = compilePolicies(policies, options.now === undefined ? {} : { now: options.now });
    const result = evaluate({ action, resource: options.resource, context });
    return {
      principalArn: principal.arn,
      principalType: principal.type,
      name: principal.name,
      decision: result.decision,
      deciding: result.deciding,
      missingContextKeys: result.missingContextKeys,
      problems: [...problems, ...result.problems],
    };
  });
  const order: Record<Decision, number> = { allowed: 0, inconclusive: 1, explicitDeny: 2, implicitDeny: 3 };
  return {
    schema: 'iamtrail.access/v1',
    account: { name: target.name, id: target.id },
    iamSource: read.source,
    scpsFile: scps?.path ?? null,
    action,
    knownAction: known !== undefined,
    resource: options.resource,
    context,
    scope: options.principal === undefined ? 'account' : 'principal',
    results:
      options.principal === undefined
        ? results
            .filter((result) => result.decision === 'allowed' || result.decision === 'inconclusive')
            .sort(
              (a, b) => order[a.decision] - order[b.decision] || a.principalArn.localeCompare(b.principalArn),
            )
        : results,
    evaluated: results.length,
    warnings: results.flatMap((result) =>
      result.problems.map((problem) => `${result.principalArn}: ${problem}`),
    ),
  };
}

/** The account asked about: `--account`, or the config's only one. */
function accountTarget(options: AccessOptions): AccountTarget {
  const { config } = options;
  if (options.account === undefined && config.accounts.length !== 1)
    throw new UsageError(
      `--account is needed: the config lists ${config.accounts.length} accounts (${config.accounts.map((account) => account.name).join(', ')})`,
    );
  const entry = options.account === undefined ? config.accounts[0] : findAccount(config, options.account);
  if (entry === undefined) throw new UsageError('the config lists no account');
  return {
    name: entry.name,
    id: entry.id,
    roleArn: entry.role,
    ...(entry.iam === undefined ? {} : { iamFile: entry.iam }),
  };
}

/** The account's IAM data: its `iam:` file, else AWS. */
async function loadDetailsOf(target: AccountTarget, options: AccessOptions): Promise<AccountDetails> {
  const [{ loadAccountDetails }, { AwsCallCounts }] = await Promise.all([
    import('../accounts/account-details.js'),
    import('../../aws/client-instrumentation.js'),
  ]);
  const [result] = await loadAccountDetails([target], {
    concurrency: 1,
    region: options.config.athena?.region,
    counts: new AwsCallCounts(),
  });
  if (result === undefined) throw new Error('loadAccountDetails returned no result');
  return result;
}
