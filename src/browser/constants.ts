import type { FindingType, Severity } from '../analysis/audit-findings.js';

/*
 * The audit's finding types and severities, from the TypeScript constants: the renderer defines
 * them around the bundle (src/cli/render-html/html-app-script.ts), so the cards follow the types
 * the audit knows without the bundle carrying a copy.
 */
declare const IAMTRAIL_FINDING_TYPES: readonly FindingType[];
declare const IAMTRAIL_SEVERITIES: readonly Severity[];

export const FINDING_TYPES = IAMTRAIL_FINDING_TYPES;
export const SEVERITIES = IAMTRAIL_SEVERITIES;
