import { createInterface } from 'node:readline/promises';

import { Flags } from '@oclif/core';

import { UsageError } from '../errors.js';
import type { BoundaryPrincipal } from '../iam/boundary-state.js';

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
export async function askYes(question: string): Promise<boolean> {
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await reader.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    reader.close();
  }
}
