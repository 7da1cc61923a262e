import { createInterface } from 'node:readline/promises';

import { Flags } from '@oclif/core';

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
