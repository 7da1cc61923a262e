import { Errors, toConfiguredId } from '@oclif/core';
import type { Hook } from '@oclif/core';
import pluginNotFound from '@oclif/plugin-not-found';

import { toErrorDocument } from '../cli/error-document.js';
import { toPrintable } from '../cli/printable.js';
import { closeMatches } from '../close-matches.js';
import { UsageError } from '../errors.js';

/**
 * A mistyped command. On a terminal, `@oclif/plugin-not-found` asks "Did you mean …? (Y/n)" and
 * runs the answer. Without one (CI, scripts, pipes) nothing can answer, and the plugin would print
 * no suggestion and exit 127: here the suggestion is printed instead and the exit code is 2, as
 * for every usage error (under `--json`, as a JSON error document on stdout).
 */
/** The plugin's hook; it is typed against its own copy of `@oclif/core`, the same interface. */
const askDidYouMean = pluginNotFound as unknown as Hook.CommandNotFound;

const hook: Hook.CommandNotFound = async function (options) {
  const { config } = options;
  const json = (options.argv ?? []).includes('--json');
  if (process.stdin.isTTY && !json) {
    try {
      return await askDidYouMean.call(this, options);
    } catch (error) {
      // The plugin's "Run iamtrail help" ends with exit 127; a mistyped command is a usage error.
      const oclif = (error as { oclif?: { exit?: number } }).oclif;
      if (oclif?.exit === 127) oclif.exit = 2;
      throw error;
    }
  }
  const typed = toConfiguredId(options.id, config);
  const visible = config.commands
    .filter((command) => !command.hidden)
    .map((command) => toConfiguredId(command.id, config));
  const close = closeMatches(typed, visible, 2);
  const failure = new UsageError(`"${typed}" is not an ${config.bin} command`, {
    suggestions: [
      ...(close.length > 0
        ? [`Did you mean ${close.map((id) => `"${config.bin} ${id}"`).join(' or ')}?`]
        : []),
      `Run "${config.bin} help" for the list of commands`,
    ],
  });
  if (json) {
    const document = toErrorDocument(failure);
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    this.exit(document.error.exitCode);
  }
  return Errors.error(toPrintable(failure.message), {
    exit: failure.exitCode,
    code: failure.code,
    suggestions: failure.suggestions.map(toPrintable),
  });
};

export default hook;
