import { extname } from 'node:path';

import { stringify } from 'yaml';

import type { GeneratedPolicy, GeneratedStatement } from '../analysis/policy-generation.js';
import type { PolicyGenerateDocument } from '../app/policy/generate-policy.js';
import { toPrintable } from './printable.js';

/*
 * The renderers of `iamtrail policy generate`: the policies as JSON, YAML or a Terraform
 * `aws_iam_policy_document` data source, and the summary (sizes, replay, notes) for stderr.
 */

/** The formats of the generated policy. */
export const POLICY_FORMATS = ['json', 'yaml', 'terraform'] as const;
/** One of {@link POLICY_FORMATS}. */
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

/** An HCL string literal: quotes, backslashes and the template sequences `${` and `%{` escaped. */
function hclString(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    // A function, not a string: `$$` in a replacement string means one `$`.
    .replaceAll('${', () => '$${')
    .replaceAll('%{', () => '%%{');
  return `"${escaped}"`;
}

function hclList(values: readonly string[], indent: string): string {
  if (values.length <= 1) return `[${values.map(hclString).join(', ')}]`;
  return `[\n${values.map((value) => `${indent}  ${hclString(value)},`).join('\n')}\n${indent}]`;
}

/** A Terraform name from a policy name: letters, digits, `_` and `-`, not starting with a digit. */
export function terraformName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_-]/g, '_').replaceAll('-', '_');
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
}

function listOf(value: string | readonly string[] | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}

function terraformStatement(statement: GeneratedStatement): string {
  const lines = [
    '  statement {',
    `    sid       = ${hclString(statement.Sid)}`,
    `    effect    = ${hclString(statement.Effect)}`,
  ];
  const lists: [string, readonly string[] | undefined][] = [
    ['actions', statement.Action],
    ['not_actions', statement.NotAction],
    ['resources', listOf(statement.Resource)],
    ['not_resources', listOf(statement.NotResource)],
  ];
  for (const [name, values] of lists)
    if (values !== undefined) lines.push(`    ${name.padEnd(9)} = ${hclList(values, '    ')}`);
  for (const [test, keys] of Object.entries(statement.Condition ?? {}))
    for (const [variable, value] of Object.entries(keys))
      lines.push(
        '',
        '    condition {',
        `      test     = ${hclString(test)}`,
        `      variable = ${hclString(variable)}`,
        `      values   = ${hclList(listOf(value) ?? [], '      ')}`,
        '    }',
      );
  lines.push('  }');
  return lines.join('\n');
}

/** Policies as Terraform: one `data "aws_iam_policy_document"` block each, named after the policy. */
export function renderPolicyTerraform(policies: readonly GeneratedPolicy[]): string {
  return policies
    .map(
      (policy) =>
        `data "aws_iam_policy_document" ${hclString(terraformName(policy.name))} {\n  version = "2012-10-17"\n\n${policy.document.Statement.map(terraformStatement).join('\n\n')}\n}\n`,
    )
    .join('\n');
}

/**
 * Policies in `format`: JSON (one document; several: an array of them), YAML (one document each,
 * separated by `---`) or Terraform.
 */
export function renderPolicies(policies: readonly GeneratedPolicy[], format: PolicyFormat): string {
  if (format === 'terraform') return renderPolicyTerraform(policies);
  const documents = policies.map((policy) => policy.document);
  // YAML 1.1 strings: a 1.1 parser reads an unquoted `2012-10-17` as a date, `yes` as a boolean.
  if (format === 'yaml')
    return documents.map((document) => stringify(document, { version: '1.1' })).join('---\n');
  return `${JSON.stringify(documents.length === 1 ? documents[0] : documents, null, 2)}\n`;
}

/**
 * The files `--output FILE` writes: FILE for one policy; for several, `-1`, `-2`, … before its
 * extension (`policy.json` → `policy-1.json`, `policy-2.json`).
 */
export function policyFileNames(output: string, count: number): string[] {
  if (count === 1) return [output];
  const extension = extname(output);
  const stem = extension.length > 0 ? output.slice(0, -extension.length) : output;
  return Array.from({ length: count }, (_, index) => `${stem}-${index + 1}${extension}`);
}

/** The run in words, for stderr: what the policies hold, their sizes, the replay and the notes. */
export function renderGenerateSummary(
  document: PolicyGenerateDocument,
  files: readonly string[] = [],
): string {
  const { counts, replay } = document;
  const lines = [
    `Policy for ${document.principal.type} ${document.principal.name} (${document.principal.arn}), ${document.window.startDay}..${document.window.endDay}, resources ${document.settings.resources}`,
    `  ${counts.actions} action(s) (${counts.used} used, ${counts.unknownKept} kept ?), ${counts.scopedActions} scoped to resources, ${counts.statements} statement(s) in ${counts.policies} polic${counts.policies === 1 ? 'y' : 'ies'}`,
    ...document.policies.map(
      (policy, index) =>
        `  ${policy.name}: ${policy.size} of ${policy.maxChars} characters${policy.fits ? '' : ' (over the limit)'}${files[index] === undefined ? '' : ` → ${files[index]}`}`,
    ),
    `  replay: ${replay.calls.allowed} of ${replay.calls.total} observed calls allowed; ${replay.resourceUses.allowed} of ${replay.resourceUses.total} resource uses allowed`,
  ];
  if (replay.calls.outsideGrant + replay.resourceUses.outsideGrant > 0)
    lines.push(
      `  ${replay.calls.outsideGrant + replay.resourceUses.outsideGrant} call(s) not granted by the current policies either (allowed by something else): not replayed`,
    );
  const conditionalCalls = replay.conditional.reduce((sum, miss) => sum + miss.calls, 0);
  if (conditionalCalls > 0)
    lines.push(
      `  ${conditionalCalls} resource use(s) granted under a condition the logs do not settle, now as in the generated policies: not replayed (${replay.conditional
        .map((miss) => `${miss.event} → ${miss.action} on ${miss.resource}`)
        .join(', ')})`,
    );
  if (replay.unmapped.calls > 0)
    lines.push(
      `  ${replay.unmapped.calls} call(s) of events no IAM action is known for: not replayed (${replay.unmapped.events
        .map((entry) => `${entry.event} ${entry.calls}`)
        .join(', ')})`,
    );
  const unresolvedCalls = replay.unresolvedRoles.reduce((sum, entry) => sum + entry.calls, 0);
  if (unresolvedCalls > 0)
    lines.push(
      `  ${unresolvedCalls} call(s) passed a role the IAM data does not resolve: its iam:PassRole not replayed (${replay.unresolvedRoles
        .map((entry) => `${entry.event} ${entry.reference}`)
        .join(', ')})`,
    );
  for (const miss of replay.denied)
    lines.push(
      `  DENIED ${miss.event} → ${miss.action} on ${miss.resource}${miss.passedToService === undefined ? '' : ` passed to ${miss.passedToService}`} (${miss.calls} call(s))`,
    );
  for (const note of document.notes) lines.push(`  note: ${note}`);
  return `${lines.map(toPrintable).join('\n')}\n`;
}
