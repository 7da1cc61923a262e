import { createInterface } from 'node:readline/promises';

import { Flags } from '@oclif/core';

import type { OrgRequest } from '../app/boundary/org-fan-out.js';
import type { BoundaryPlanOptions, BoundarySelection } from '../app/boundary/plan-boundaries.js';
import type { EngineName } from '../app/report/report-types.js';
import { DEFAULT_UNUSED_DAYS } from '../analysis/audit-findings.js';
import { BOUNDARY_LEVELS } from '../analysis/boundary-plan.js';
import type { BoundaryLevel } from '../analysis/boundary-plan.js';
import type { Config } from '../config/load-config.js';
import { InterruptedError, UsageError } from '../errors.js';
import type { BoundaryPrincipal } from '../iam/boundary-state.js';
import { addDays } from '../trail/utc-days.js';
import { selectorsOf } from './flags.js';
import { resolveWindow } from './window.js';
import type { ResolvedWindow } from './window.js';

/*
 * What the `boundary` commands share: `--account`, the principal flags, `--yes`, and the question
 * a change asks at a terminal without `--yes` (never without a terminal: CI has no stdin).
 */

/** `--account NAME_OR_ID` of the boundary commands. */
export const boundaryAccountFlag = Flags.string({
  required: true,
  helpValue: 'NAME_OR_ID',
  description: 'The account (name or id).',
});

/** `--account` of the commands that also take `--org`: required without it, a narrowing with it. */
export const orgAccountFlag = Flags.string({
  helpValue: 'NAME_OR_ID',
  description: 'The account (name or id); with --org, only this account of the organisation.',
});

/** `--org`: every ACTIVE account of the organisation. */
export const boundaryOrgFlag = Flags.boolean({
  description:
    'Every ACTIVE account of the organisation (Organizations ListAccounts), assuming --assume-role in each; one account failing does not stop the others (exit code 3).',
});

/** `--assume-role NAME`: the role assumed in each account with `--org`. */
export const assumeRoleFlag = Flags.string({
  helpValue: 'NAME',
  description: 'With --org: the role name to assume in each account (default: audit.role of the config).',
  dependsOn: ['org'],
});

/** The account of a command with `--org`: `--account`, required without `--org`. */
export function requireAccount(flags: {
  readonly account?: string | undefined;
  readonly org: boolean;
}): string {
  if (flags.account === undefined)
    throw new UsageError('pass --account NAME_OR_ID, or --org for every account');
  return flags.account;
}

/** `--yes`: make the changes; without it a boundary change is a dry run. */
export const yesFlag = Flags.boolean({
  description: 'Make the changes. Without it nothing is changed (at a terminal, the question is asked).',
});

/** `--role NAME` / `--user NAME` of rollback and history, as a principal (or `undefined` when neither). */
export function principalOf(flags: {
  readonly role?: string | undefined;
  readonly user?: string | undefined;
}): BoundaryPrincipal | undefined {
  if (flags.role !== undefined) return { kind: 'role', name: flags.role };
  if (flags.user !== undefined) return { kind: 'user', name: flags.user };
  return undefined;
}

/** Whether the question can be asked: stdin and stderr are terminals. */
export function canAsk(): boolean {
  return process.stdin.isTTY && process.stderr.isTTY;
}

/** Asks `question` on stderr and reads the answer from stdin: yes only for y or yes. */
export async function askYes(
  question: string,
  streams: {
    readonly input: NodeJS.ReadableStream;
    readonly output: NodeJS.WritableStream;
    readonly terminal?: boolean;
  } = {
    input: process.stdin,
    output: process.stderr,
  },
): Promise<boolean> {
  const reader = createInterface({
    input: streams.input,
    output: streams.output,
    ...(streams.terminal === undefined ? {} : { terminal: streams.terminal }),
  });
  // At a terminal, Ctrl-C at the question comes as the reader's SIGINT (raw mode), not the process's.
  const interrupt = new AbortController();
  reader.on('SIGINT', () => {
    interrupt.abort();
  });
  try {
    const answer = await reader.question(`${question} [y/N] `, { signal: interrupt.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if (interrupt.signal.aborted)
      throw new InterruptedError('interrupted at the question: nothing was changed', { cause: error });
    throw error;
  } finally {
    reader.close();
  }
}

const SELECTION = ['role', 'all-roles', 'user'];

/** `--role` / `--all-roles` / `--user` of plan and apply (`verb`: what is done to the boundary). */
export function selectionFlags(verb: 'Plan' | 'Apply') {
  return {
    role: Flags.string({
      helpValue: 'NAME',
      description: `${verb} the boundary of this role.`,
      exactlyOne: SELECTION,
    }),
    'all-roles': Flags.boolean({
      description: `${verb} the boundary of every role of the account.`,
      exactlyOne: SELECTION,
    }),
    user: Flags.string({
      helpValue: 'NAME',
      description: `${verb} the boundary of this user.`,
      exactlyOne: SELECTION,
    }),
  };
}

/** `--unused-days`, `--end` and `--level` of plan and apply. */
export const periodFlags = {
  'unused-days': Flags.integer({
    default: DEFAULT_UNUSED_DAYS,
    min: 1,
    max: 36500,
    helpValue: 'N',
    description: 'The period: the N days ending with --end; what was not used in it is left out.',
  }),
  end: Flags.string({
    helpValue: 'YYYY-MM-DD',
    description: 'Last UTC day of the period (default: today, UTC).',
  }),
  level: Flags.option({
    options: BOUNDARY_LEVELS,
    default: 'service' as const,
    description: 'Allow whole services (svc:*) or only the actions used.',
  })(),
};

/** The principals `--role` / `--all-roles` / `--user` select. */
export function selectionOf(flags: {
  readonly role?: string | undefined;
  readonly user?: string | undefined;
}): BoundarySelection {
  const principal = principalOf(flags);
  return principal === undefined ? { kind: 'all-roles' } : principal;
}

/** The period of `--unused-days` days ending `--end`, with the notices of the window. */
export function periodOf(flags: {
  readonly end?: string | undefined;
  readonly 'unused-days': number;
}): ResolvedWindow {
  const ended = resolveWindow(undefined, flags.end);
  return resolveWindow(addDays(ended.endDay, -(flags['unused-days'] - 1)), ended.endDay);
}

/**
 * The `confirm` of a boundary change: yes with `--yes`; at a terminal (text output) the preview
 * is printed (and remembered in `shown`, not to print it twice) and the question asked; else no.
 */
export function confirmOf<T>(options: {
  readonly yes: boolean;
  readonly json: boolean;
  readonly render: (preview: T) => string;
  readonly question: (preview: T) => string;
  readonly shown: Set<T>;
}): (preview: T) => Promise<boolean> {
  return async (preview) => {
    if (options.yes) return true;
    if (options.json || !canAsk()) return false;
    process.stdout.write(options.render(preview));
    options.shown.add(preview);
    return askYes(options.question(preview));
  };
}

/** What plan and apply take from their selection and period flags. */
export function planInputsOf(flags: {
  readonly role?: string | undefined;
  readonly user?: string | undefined;
  readonly 'unused-days': number;
  readonly level: BoundaryLevel;
  readonly logs?: string | undefined;
  readonly engine?: EngineName | undefined;
  readonly 'event-selectors'?: string | undefined;
  readonly 'organization-trail'?: boolean | undefined;
}): Pick<BoundaryPlanOptions, 'selection' | 'unusedDays' | 'level' | 'logs' | 'engine' | 'selectors'> {
  const selectors = selectorsOf(flags);
  return {
    selection: selectionOf(flags),
    unusedDays: flags['unused-days'],
    level: flags.level,
    logs: flags.logs,
    engine: flags.engine,
    ...(selectors === undefined ? {} : { selectors }),
  };
}

/** What `--org` asks of the organisation: `--assume-role`, and `--account` narrowing it. */
export function orgRequestOf(
  flags: { readonly account?: string | undefined; readonly 'assume-role'?: string | undefined },
  config: Config,
): OrgRequest {
  return {
    config,
    assumeRole: flags['assume-role'],
    accounts: flags.account === undefined ? [] : [flags.account],
  };
}
