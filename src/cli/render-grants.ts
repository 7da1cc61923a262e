import type { GrantedActions } from '../iam/granted-actions.js';

/** The stable JSON document of `iamtrail iam show` (schema `iamtrail.iam-show/v1`). */
export interface IamShowDocument {
  readonly schema: 'iamtrail.iam-show/v1';
  readonly iamFile: string;
  readonly actionCatalog: { readonly source: string; readonly version: string; readonly updatedAt: string };
  readonly principals: readonly IamShowPrincipal[];
}

/** One principal in {@link IamShowDocument}. */
export interface IamShowPrincipal {
  readonly type: 'user' | 'role';
  readonly name: string;
  readonly arn: string;
  readonly grantedCount: number;
  readonly limitedCount: number;
  readonly actions: GrantedActions['actions'];
  readonly unknownPatterns: GrantedActions['unknownPatterns'];
  readonly denied: GrantedActions['denied'];
  readonly outsideBoundary: GrantedActions['outsideBoundary'];
  readonly problems: GrantedActions['problems'];
}

/** Builds the JSON document entry of one principal. */
export function toIamShowPrincipal(grants: GrantedActions): IamShowPrincipal {
  return {
    type: grants.principal.type,
    name: grants.principal.name,
    arn: grants.principal.arn,
    grantedCount: grants.actions.length,
    limitedCount: grants.actions.filter((action) => action.limited).length,
    actions: grants.actions,
    unknownPatterns: grants.unknownPatterns,
    denied: grants.denied,
    outsideBoundary: grants.outsideBoundary,
    problems: grants.problems,
  };
}

/** Text output of one principal: exactly one canonical action name per line, sorted. */
export function renderGrantedActionNames(grants: GrantedActions): string {
  return grants.actions.map((action) => `${action.action}\n`).join('');
}

/** Text output of `--all`: one aligned row per principal, with a header. */
export function renderGrantSummaryTable(principals: readonly IamShowPrincipal[]): string {
  const rows = [
    ['TYPE', 'NAME', 'GRANTED', 'LIMITED', 'UNKNOWN', 'PROBLEMS'],
    ...principals.map((p) => [
      p.type,
      p.name,
      String(p.grantedCount),
      String(p.limitedCount),
      String(p.unknownPatterns.length),
      String(p.problems.length),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  '),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** One stderr line per unknown pattern and per problem, so nothing in the policies goes unreported. */
export function describeGrantWarnings(grants: GrantedActions): string[] {
  const who = `${grants.principal.type} ${grants.principal.name}`;
  return [
    ...grants.unknownPatterns.map(
      (u) =>
        `${who}: ${u.kind} policy ${u.policy} statement ${u.statement} ${u.field} names ${JSON.stringify(u.pattern)}, ` +
        `which matches no known action (${u.reason})`,
    ),
    ...grants.problems.map((problem) => `${who}: ${problem.message}`),
  ];
}
