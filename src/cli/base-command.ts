import { Command, Flags } from '@oclif/core';

import { isIamtrailError } from '../errors.js';
import { toPrintable } from './printable.js';

/** Output formats every reporting command accepts. */
export const OUTPUT_FORMATS = ['text', 'json'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The `--format` flag, shared by reporting commands. */
export const formatFlag = Flags.option({
  options: OUTPUT_FORMATS,
  default: 'text' as const,
  description: 'Output format: text for people and pipes, json for programs (same document as --json).',
})();

/**
 * Base of every iamtrail command: turns iamtrail's own errors into oclif errors with their exit
 * code, code and suggestions, and gives commands a stderr warning helper that keeps stdout clean.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** Prints one warning line on stderr; what it quotes from data cannot reach the terminal raw. */
  protected warnLine(message: string): void {
    process.stderr.write(`warning: ${toPrintable(message)}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (isIamtrailError(error)) {
      this.error(toPrintable(error.message), {
        exit: error.exitCode,
        code: error.code,
        suggestions: error.suggestions.map(toPrintable),
      });
    }
    // oclif's own messages (bad flags) quote values and may span lines: escape line by line.
    error.message = error.message.split('\n').map(toPrintable).join('\n');
    return super.catch(error);
  }
}
