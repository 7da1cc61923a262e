import { parse } from 'yaml';

import { readInputFile } from '../../cli/read-input-file.js';
import { InputDataError } from '../../errors.js';
import { describe, isRecord, parsePolicyDocument, PolicyDocumentError } from '../../iam/policy-document.js';
import type { PolicyDocument } from '../../iam/policy-document.js';
import type { ScpLevel } from '../../iam/policy-evaluation.js';

/*
 * The SCP file of `iamtrail test --scps FILE` and `iamtrail access --scps FILE`: the service
 * control policies of an organisation and where they are attached, as JSON (or YAML):
 *
 *   {
 *     "managementAccount": "111111111111",       // optional: SCPs never apply to it
 *     "policies": [
 *       { "id": "p-FullAWSAccess", "name": "FullAWSAccess",
 *         "content": { "Version": "2012-10-17", "Statement": [ ... ] },  // an object, or JSON text as DescribePolicy's Content
 *         "targets": ["r-ab12"] }                 // the root, OUs and accounts it is attached to
 *     ],
 *     "accounts": {                               // per account, the path from the root down to its parent OU
 *       "222222222222": ["r-ab12", "ou-ab12-11111111"]
 *     }
 *   }
 *
 * An account's levels are each id of its path, then the account itself; each level's SCPs are the
 * policies whose `targets` list that id. A request must be allowed by an SCP at every level (and
 * denied by none). An account the tests evaluate that `accounts` does not list, or a level without
 * any SCP (AWS requires one at every level: FullAWSAccess by default), is an InputDataError.
 */

/** One SCP of the file. */
export interface ScpPolicy {
  readonly id: string;
  readonly name: string;
  readonly document: PolicyDocument;
  readonly targets: readonly string[];
}

/** A parsed SCP file. */
export interface ScpFile {
  readonly path: string;
  readonly managementAccount: string | undefined;
  readonly policies: readonly ScpPolicy[];
  /** Per account id, the path from the root to its parent OU. */
  readonly accounts: ReadonlyMap<string, readonly string[]>;
}

const TOP_KEYS = ['managementAccount', 'policies', 'accounts'];
const POLICY_KEYS = ['id', 'name', 'content', 'targets'];
const ACCOUNT_ID = /^\d{12}$/;
const TARGET_ID = /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/;

/** Reads and parses an SCP file; every problem is an InputDataError (exit code 2). */
export function readScpFile(path: string): ScpFile {
  const text = readInputFile(
    path,
    'SCP file',
    'a JSON file of the policies and their targets (README: "Policy tests")',
  ).toString('utf8');
  return parseScpFile(text, path);
}

/** Parses the text of an SCP file (JSON or YAML); `path` names it in messages. */
export function parseScpFile(text: string, path: string): ScpFile {
  let value: unknown;
  try {
    value = parse(text) as unknown;
  } catch (error) {
    throw new InputDataError(`SCP file ${path}: not valid JSON or YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const fail = (where: string, problem: string): InputDataError =>
    new InputDataError(`SCP file ${path}: ${where}: ${problem}`);
  if (!isRecord(value))
    throw fail('$', `expected an object with policies and accounts, got ${describe(value)}`);
  unknownKeys(value, TOP_KEYS, '$', fail);
  const management = value.managementAccount;
  if (management !== undefined && (typeof management !== 'string' || !ACCOUNT_ID.test(management)))
    throw fail(
      '$.managementAccount',
      `expected a 12-digit account id as a string, got ${describe(management)}`,
    );
  if (!Array.isArray(value.policies))
    throw fail('$.policies', `expected a list, got ${describe(value.policies)}`);
  const policies = value.policies.map((entry: unknown, index): ScpPolicy => {
    const where = `$.policies[${index}]`;
    if (!isRecord(entry)) throw fail(where, `expected an object, got ${describe(entry)}`);
    unknownKeys(entry, POLICY_KEYS, where, fail);
    const id = entry.id;
    if (typeof id !== 'string' || id.length === 0)
      throw fail(`${where}.id`, `expected a string, got ${describe(id)}`);
    const name = entry.name ?? id;
    if (typeof name !== 'string') throw fail(`${where}.name`, `expected a string, got ${describe(name)}`);
    let document: PolicyDocument;
    try {
      document = parsePolicyDocument(entry.content, 'content');
    } catch (error) {
      if (error instanceof PolicyDocumentError)
        throw fail(`policy ${id} (${where}).${error.path}`, error.problem);
      throw error;
    }
    const targets = entry.targets;
    if (
      !Array.isArray(targets) ||
      targets.some((target) => typeof target !== 'string' || !TARGET_ID.test(target))
    )
      throw fail(
        `${where}.targets`,
        `expected a list of root, OU or account ids (r-…, ou-…-…, 12 digits), got ${describe(targets)}`,
      );
    return { id, name, document, targets: targets as string[] };
  });
  const accountsValue = value.accounts;
  if (!isRecord(accountsValue))
    throw fail('$.accounts', `expected an object, got ${describe(accountsValue)}`);
  const accounts = new Map<string, readonly string[]>();
  for (const [accountId, path_] of Object.entries(accountsValue)) {
    const where = `$.accounts.${accountId}`;
    if (!ACCOUNT_ID.test(accountId)) throw fail(where, 'the key must be a 12-digit account id');
    const problem = accountPathProblem(path_);
    if (problem !== undefined)
      throw fail(
        where,
        `expected the list of ids from the root to the parent OU (one r-…, then distinct ou-…-…), got ${describe(path_)}: ${problem}`,
      );
    accounts.set(accountId, path_ as string[]);
  }
  return { path, managementAccount: management, policies, accounts };
}

const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

/**
 * Why an account's path is not one: it must be exactly one root id (`r-…`), then zero or more
 * distinct OU ids (`ou-…-…`), nothing else (no account id: the account itself is the last level).
 */
export function accountPathProblem(path: unknown): string | undefined {
  if (!Array.isArray(path)) return 'not a list';
  const [root, ...ous] = path as unknown[];
  if (typeof root !== 'string' || !ROOT_ID.test(root)) return 'the first id must be the root (r-…)';
  const seen = new Set<string>();
  for (const ou of ous) {
    if (typeof ou !== 'string' || !OU_ID.test(ou))
      return `${JSON.stringify(ou)} is not an OU id (ou-…-…): after the root come only OUs`;
    if (seen.has(ou)) return `${ou} is listed twice`;
    seen.add(ou);
  }
  return undefined;
}

/**
 * The SCP levels above an account, from the root down to the account itself; `undefined` for the
 * management account (SCPs never apply to it).
 */
export function scpLevelsOf(file: ScpFile, accountId: string): ScpLevel[] | undefined {
  if (accountId === file.managementAccount) return undefined;
  const ancestors = file.accounts.get(accountId);
  if (ancestors === undefined)
    throw new InputDataError(
      `SCP file ${file.path}: account ${accountId} is not under accounts: (it lists ${[...file.accounts.keys()].join(', ') || 'none'})`,
      { suggestions: [`Add "${accountId}": ["r-…", "ou-…"] (its path from the root) to accounts:`] },
    );
  return [...ancestors, accountId].map((target) => {
    const attached = file.policies.filter((policy) => policy.targets.includes(target));
    if (attached.length === 0)
      throw new InputDataError(
        `SCP file ${file.path}: no policy targets ${target} (on the path of account ${accountId}): AWS requires at least one SCP at every level; FullAWSAccess by default`,
        { suggestions: [`Add ${target} to the targets of FullAWSAccess (or of the policy attached there)`] },
      );
    return {
      target,
      policies: attached.map((policy) => ({
        ref: { kind: 'scp' as const, policy: policy.name, policyArn: policy.id, target },
        document: policy.document,
      })),
    };
  });
}

function unknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  where: string,
  fail: (where: string, problem: string) => InputDataError,
): void {
  for (const key of Object.keys(value))
    if (!known.includes(key)) throw fail(`${where}.${key}`, `unknown key (known: ${known.join(', ')})`);
}
