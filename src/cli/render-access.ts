import { BOUNDARY_NOT_IN_DATA, IDENTITY_NOT_IN_DATA, RESOURCE_KEY } from '../iam/policy-evaluation.js';
import type { AccessDocument, AccessResult } from '../app/policy-tests/check-access.js';
import type { DecidingStatement, EvaluatedPolicyRef } from '../iam/policy-evaluation.js';

/*
 * The text output of `iamtrail access`: for one principal, aws-iam-tester's `access` layout (the
 * request and its result, then one row per statement it rests on); for an account, one row per
 * principal allowed, the inconclusive ones marked.
 */

/**
 * What the decision leaves out (the evaluator reads identity policies, the boundary and SCPs):
 * said under every answer, since a policy on the resource can change it either way.
 */
export const NOT_CONSIDERED =
  'Not considered: resource-based policies (a bucket, key or queue policy may allow the request, or deny it), session policies and resource control policies (they may deny it).';

/** The text of an `iamtrail access` document. */
export function renderAccessText(document: AccessDocument): string {
  const lines: string[] = [];
  if (document.scope === 'principal') {
    for (const result of document.results) lines.push(...renderPrincipal(document, result));
  } else {
    lines.push(
      `Account ${document.account.name} (${document.account.id}): ${document.results.length} of ${document.evaluated} principal(s) allowed or inconclusive for ${document.action} on ${document.resource}`,
      '',
    );
    if (document.results.length > 0)
      lines.push(
        ...table([
          ['Source', 'Action', 'Resource', 'Decision', 'Policies'],
          ...document.results.map((result) => [
            result.principalArn,
            document.action,
            document.resource,
            result.decision === 'inconclusive'
              ? `inconclusive (needs ${result.missingContextKeys.join(', ')})`
              : result.decision,
            [...new Set(result.deciding.map((statement) => policyName(statement.policy)))].join(', '),
          ]),
        ]),
      );
  }
  if (document.scope === 'account' && document.warnings.length > 0)
    lines.push(
      ...(lines.at(-1) === '' ? [] : ['']),
      'What limits the answer (IAM data):',
      ...document.warnings.map((warning) => `  ${warning}`),
    );
  if (!document.knownAction)
    lines.push('', `Note: ${document.action} is not in iamtrail's action data: evaluated as written.`);
  lines.push(...(lines.at(-1) === '' ? [] : ['']), NOT_CONSIDERED);
  return `${lines.join('\n')}\n`;
}

function renderPrincipal(document: AccessDocument, result: AccessResult): string[] {
  const lines = [
    `Source:   ${result.principalArn}`,
    `Action:   ${document.action}`,
    `Resource: ${document.resource}`,
    `Result:   ${result.decision}`,
  ];
  if (result.missingContextKeys.length > 0)
    lines.push(
      `Missing context keys: ${result.missingContextKeys.join(', ')} (${settleHint(result.missingContextKeys)})`,
    );
  for (const problem of result.problems) lines.push(`Problem: ${problem}`);
  if (result.deciding.length === 0) {
    lines.push(
      '',
      'No statement applies: nothing in its identity policies, permissions boundary or SCPs allows the request.',
    );
    return lines;
  }
  lines.push(
    '',
    ...table([
      ['Policy', 'Type', 'Effect', 'Statement', 'Start', 'End'],
      ...result.deciding.map((statement) => [
        policyName(statement.policy),
        policyType(statement),
        statement.applies === 'unknown' ? `${statement.effect}?` : statement.effect,
        statement.sid === undefined
          ? `#${statement.statement}`
          : `${statement.sid} (#${statement.statement})`,
        statement.span === undefined ? '-' : `L${statement.span.start.line}:C${statement.span.start.column}`,
        statement.span === undefined ? '-' : `L${statement.span.end.line}:C${statement.span.end.column}`,
      ]),
    ]),
  );
  return lines;
}

function policyName(ref: EvaluatedPolicyRef): string {
  if (ref.kind === 'scp') return `${ref.policy} (on ${ref.target})`;
  return ref.group === undefined ? ref.policy : `${ref.policy} (group ${ref.group})`;
}

function policyType(statement: DecidingStatement): string {
  return statement.policy.kind;
}

/** Left-aligned columns, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** How to settle an inconclusive answer, from its missing keys (condition keys or pseudo keys). */
function settleHint(keys: readonly string[]): string {
  const hints: string[] = [];
  if (keys.includes(RESOURCE_KEY)) hints.push('name the resource with --resource ARN');
  if (keys.includes(BOUNDARY_NOT_IN_DATA) || keys.includes(IDENTITY_NOT_IN_DATA))
    hints.push('complete the IAM data: the policies it lacks are named below');
  if (keys.some((key) => !key.startsWith('(')))
    hints.push('pass condition keys with --context KEY=VALUE[:TYPE]');
  return hints.join('; ');
}
