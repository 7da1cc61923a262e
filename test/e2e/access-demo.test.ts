import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { flatten, runBinary } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * `iamtrail access` on the demo through the built binary, in text (its default). What is expected
 * is read here from the demo's IAM file (examples/demo/iam/demo.json), not from the output: the
 * deciding statement's position as the AWS CLI prints a policy given as an object (four-space
 * indentation), and the principals allowed to create users.
 */

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: unknown;
}
interface PolicyDocument {
  readonly Statement: readonly Statement[];
}
interface Inline {
  readonly PolicyName: string;
  readonly PolicyDocument: PolicyDocument;
}
interface Attached {
  readonly PolicyName: string;
  readonly PolicyArn: string;
}
interface Principal {
  readonly Arn: string;
  readonly AttachedManagedPolicies?: readonly Attached[];
  readonly PermissionsBoundary?: { readonly PermissionsBoundaryArn: string };
}
interface DemoIam {
  readonly UserDetailList: readonly (Principal & {
    readonly UserName: string;
    readonly UserPolicyList?: readonly Inline[];
    readonly GroupList?: readonly string[];
  })[];
  readonly GroupDetailList: readonly {
    readonly GroupName: string;
    readonly GroupPolicyList?: readonly Inline[];
    readonly AttachedManagedPolicies?: readonly Attached[];
  }[];
  readonly RoleDetailList: readonly (Principal & {
    readonly RoleName: string;
    readonly RolePolicyList?: readonly Inline[];
  })[];
  readonly Policies: readonly {
    readonly PolicyName: string;
    readonly Arn: string;
    readonly PolicyVersionList: readonly {
      readonly IsDefaultVersion: boolean;
      readonly Document: PolicyDocument;
    }[];
  }[];
}

const IAM = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/demo/iam/demo.json'), 'utf8')) as DemoIam;
const ACTION = 'iam:CreateUser';
const DEMO = ['--config', 'examples/demo/config.example.yaml', '--account', 'demo'];

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;
const globMatches = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(value);

function managed(arn: string): { name: string; document: PolicyDocument } {
  const policy = IAM.Policies.find((entry) => entry.Arn === arn);
  const version = policy?.PolicyVersionList.find((entry) => entry.IsDefaultVersion);
  if (policy === undefined || version === undefined)
    throw new Error(`demo.json has no default version of ${arn}`);
  return { name: policy.PolicyName, document: version.Document };
}

/** Every identity policy of a principal of the demo (its own, attached, and its groups'). */
function identityPolicies(arn: string): { name: string; document: PolicyDocument }[] {
  const user = IAM.UserDetailList.find((entry) => entry.Arn === arn);
  const role = IAM.RoleDetailList.find((entry) => entry.Arn === arn);
  const principal = user ?? role;
  if (principal === undefined) throw new Error(`no principal ${arn}`);
  const inline = user?.UserPolicyList ?? role?.RolePolicyList ?? [];
  const groups = IAM.GroupDetailList.filter((group) => (user?.GroupList ?? []).includes(group.GroupName));
  return [
    ...inline.map((policy) => ({ name: policy.PolicyName, document: policy.PolicyDocument })),
    ...(principal.AttachedManagedPolicies ?? []).map((policy) => managed(policy.PolicyArn)),
    ...groups.flatMap((group) => [
      ...(group.GroupPolicyList ?? []).map((policy) => ({
        name: policy.PolicyName,
        document: policy.PolicyDocument,
      })),
      ...(group.AttachedManagedPolicies ?? []).map((policy) => managed(policy.PolicyArn)),
    ]),
  ];
}

/** An unconditional Allow of the action on every resource, named in `Action`. */
const allowsOnEverything = (statement: Statement, action: string): boolean =>
  statement.Effect === 'Allow' &&
  statement.Condition === undefined &&
  list(statement.Action).some((pattern) => globMatches(pattern, action)) &&
  list(statement.Resource).includes('*');

describe('iamtrail access on the demo (binary)', () => {
  it("--role admin: allowed by AdministratorAccess, the statement's position as the AWS CLI prints the policy", () => {
    const admin = IAM.RoleDetailList.find((role) => role.RoleName === 'admin');
    const [attached] = admin?.AttachedManagedPolicies ?? [];
    expect(attached?.PolicyName).toBe('AdministratorAccess');
    const { document } = managed(attached?.PolicyArn ?? '');
    expect(document.Statement).toHaveLength(1);
    // The statement's `{` and `}` in the document printed with four-space indentation.
    const lines = JSON.stringify(document, null, 4).split('\n');
    const statementList = lines.findIndex((line) => line.trimStart().startsWith('"Statement"'));
    const open = lines[statementList + 1] ?? '';
    expect(open.trim()).toBe('{');
    const indent = open.indexOf('{');
    const close = lines.findIndex(
      (line, index) => index > statementList + 1 && line.startsWith(`${' '.repeat(indent)}}`),
    );
    const start = `L${statementList + 2}:C${indent + 1}`;
    const end = `L${close + 1}:C${indent + 1}`;

    const run = runBinary(['access', ...DEMO, '--role', 'admin', '--action', ACTION]);
    expect(run.status, run.stderr).toBe(0);
    const output = run.stdout.split('\n');
    expect(output).toContain(`Source:   ${admin?.Arn ?? ''}`);
    expect(output).toContain('Result:   allowed');
    const header = output.findIndex((line) => line.startsWith('Policy'));
    expect(output[header]?.split(/\s{2,}/)).toEqual([
      'Policy',
      'Type',
      'Effect',
      'Statement',
      'Start',
      'End',
    ]);
    // The table ends at the first empty line; the note on what is not read comes after it.
    const table = output.slice(header + 1);
    const rows = table.slice(0, table.indexOf(''));
    expect(rows.map((row) => row.split(/\s{2,}/))).toEqual([
      ['AdministratorAccess', 'managed', 'Allow', '#0', start, end],
    ]);
    expect(output.filter((line) => line !== '').at(-1)).toMatch(/^Not considered: resource-based policies/);
  });

  it('without --user/--role: exactly the principals the IAM file allows to create users', () => {
    const principals = [...IAM.UserDetailList, ...IAM.RoleDetailList].map((principal) => principal.Arn);
    // The derivation reads `Action` only: every NotAction statement of the file leaves the action out.
    const everyStatement = principals.flatMap((arn) =>
      identityPolicies(arn).flatMap((policy) => policy.document.Statement),
    );
    for (const statement of everyStatement.filter((one) => one.NotAction !== undefined))
      expect(list(statement.NotAction).some((pattern) => globMatches(pattern, ACTION))).toBe(true);
    expect(
      everyStatement.some(
        (statement) =>
          statement.Effect === 'Deny' &&
          list(statement.Action).some((pattern) => globMatches(pattern, ACTION)),
      ),
    ).toBe(false);
    const allowed = principals
      .filter((arn) => {
        const principal = [...IAM.UserDetailList, ...IAM.RoleDetailList].find((entry) => entry.Arn === arn);
        const boundary = principal?.PermissionsBoundary?.PermissionsBoundaryArn;
        const grants = identityPolicies(arn).some((policy) =>
          policy.document.Statement.some((statement) => allowsOnEverything(statement, ACTION)),
        );
        const withinBoundary =
          boundary === undefined ||
          managed(boundary).document.Statement.some((statement) => allowsOnEverything(statement, ACTION));
        return grants && withinBoundary;
      })
      .sort();
    expect(allowed).toEqual(['arn:aws:iam::111111111111:role/admin']);

    const run = runBinary(['access', ...DEMO, '--action', ACTION]);
    expect(run.status, run.stderr).toBe(0);
    const output = run.stdout.split('\n');
    expect(output[0]).toBe(
      `Account demo (111111111111): ${allowed.length} of ${principals.length} principal(s) allowed or inconclusive for ${ACTION} on *`,
    );
    const header = output.findIndex((line) => line.startsWith('Source'));
    const table = output.slice(header + 1);
    const rows = table.slice(0, table.indexOf('')).map((row) => row.split(/\s{2,}/));
    expect(output.filter((line) => line !== '').at(-1)).toMatch(/^Not considered: resource-based policies/);
    expect(rows.map((row) => row[0])).toEqual(allowed);
    expect(rows.map((row) => row.slice(1))).toEqual([[ACTION, '*', 'allowed', 'AdministratorAccess']]);
  });

  it('refuses an unknown role with exit 2 and the close match', () => {
    const run = runBinary(['access', ...DEMO, '--role', 'admn', '--action', ACTION]);
    expect(run.status).toBe(2);
    const roles = IAM.RoleDetailList.map((role) => role.RoleName);
    expect(flatten(run.stderr)).toContain(
      `unknown role "admn" in account demo (111111111111) (${roles.length} roles)`,
    );
    expect(flatten(run.stderr)).toContain('Did you mean: admin?');
    expect(run.stdout).toBe('');
  });
});
