import type { AdvisorSnapshot } from '../iam/access-advisor.js';
import type { AuthorizationDetails, IamPrincipal } from '../iam/authorization-details.js';
import { computeGrantedActions } from '../iam/granted-actions.js';
import type { GrantedActions } from '../iam/granted-actions.js';
import { sortEventCalls } from './activity-order.js';
import { buildPrincipalDiffReport } from './activity-report.js';
import type { PrincipalDiffInput, PrincipalDiffReport } from './activity-report.js';
import { settleWithAdvisor } from './advisor-evidence.js';
import type { AdvisorUse, AdvisorWindow } from './advisor-evidence.js';

/** Inputs of {@link judgePrincipal}: the diff's, with the IAM data its grants are computed from. */
export interface PrincipalVerdictInput extends Omit<PrincipalDiffInput, 'grants'> {
  /** The IAM data whose policies grant `principal` its actions. */
  readonly details: AuthorizationDetails;
  readonly principal: IamPrincipal;
  /**
   * Its latest Access Advisor snapshot (`undefined`: none) and the window it must cover to settle
   * `?` lines; absent: Access Advisor is left out (`--no-advisor`, `--destrole`).
   */
  readonly advisor?: {
    readonly snapshot: AdvisorSnapshot | undefined;
    readonly window: AdvisorWindow;
    /**
     * When the principal was created (`CreateDate`; {@link judgePrincipal} takes it from
     * `principal`): Access Advisor's "never" reaches back no further.
     */
    readonly createdAt?: string | undefined;
  };
}

/** A principal's verdicts, and the Access Advisor snapshot they used (`null`: left out). */
export interface PrincipalVerdicts {
  readonly report: PrincipalDiffReport;
  readonly advisor: AdvisorUse | null;
}

/**
 * The `-`/`+`/`?` verdicts of one principal, as the report gives them and the audit's
 * UnusedPermission findings rest on: its granted actions against its calls in the window, then
 * Access Advisor settling the `?` lines it can.
 */
export function judgePrincipal(input: PrincipalVerdictInput): PrincipalVerdicts {
  return judgeGrants({
    ...input,
    ...(input.advisor === undefined
      ? {}
      : { advisor: { ...input.advisor, createdAt: input.principal.createDate } }),
    grants: computeGrantedActions(input.details, input.principal, input.catalog),
  });
}

/**
 * {@link judgePrincipal} of grants computed already (`computeGrantedActions` of the principal's IAM
 * data): a cached question computes them while the cache reads its calls.
 */
export function judgeGrants(
  input: Omit<PrincipalVerdictInput, 'details' | 'principal'> & { readonly grants: GrantedActions },
): PrincipalVerdicts {
  const report = buildPrincipalDiffReport({
    grants: input.grants,
    ...(input.grantsVia === undefined ? {} : { grantsVia: input.grantsVia }),
    actorRows: sortEventCalls(input.actorRows),
    accountEvents: input.accountEvents,
    mapper: input.mapper,
    catalog: input.catalog,
    ...(input.selectors === undefined ? {} : { selectors: input.selectors }),
    ...(input.selectorsNotApplied === true ? { selectorsNotApplied: true } : {}),
  });
  if (input.advisor === undefined) return { report, advisor: null };
  return settleWithAdvisor(report, input.advisor.snapshot, input.advisor.window, input.advisor.createdAt);
}
