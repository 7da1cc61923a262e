import { existsSync } from 'node:fs';

import { Command, Errors } from '@oclif/core';
import type { Interfaces } from '@oclif/core';

import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/load-config.js';
import type { EngineReporter } from '../engines/engine.js';
import { isIamtrailError, UsageError } from '../errors.js';
import { toErrorDocument } from './error-document.js';
import { toPrintable } from './printable.js';
import { createReadProgressRenderer } from './read-progress-bar.js';
import { closeMatches } from '../close-matches.js';
import { configPathOf } from './flags.js';

/** oclif's `FlagOutput` / `ArgOutput` (not exported by `@oclif/core`): parsed values by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape oclif's own signature uses
type ParsedValues = Record<string, any>;

/**
 * Base of every iamtrail command: turns iamtrail's own errors into oclif errors with their exit
 * code, code and suggestions (under `--json`, into a JSON error document on stdout with the same
 * exit code), suggests the closest flag for a mistyped one, refuses `--json` with another
 * `--format`, and gives commands a stderr warning helper that keeps stdout clean.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /**
   * `this.exit(code)` once everything written to stdout has been handed to the OS: `exit` ends the
   * process at once, which would cut a piped output longer than the pipe's buffer (64 KiB) short.
   * `writableLength` counts what the stream still holds (also a write in progress); a stream that
   * stops taking data (a reader that never reads) is given up on after a minute.
   */
  protected async exitWhenWritten(code: number): Promise<never> {
    const deadline = Date.now() + 60_000;
    while (process.stdout.writableLength > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.exit(code);
  }

  /**
   * The config of a command that fans out over accounts (`audit`, `test`): optional with `--org`
   * when no config file was named and the default one does not exist; its unknown keys warned
   * about.
   */
  protected loadFanOutConfig(flags: {
    readonly config?: string | undefined;
    readonly org: boolean;
  }): Config | undefined {
    const configPath = configPathOf(flags);
    const config =
      flags.org && flags.config === undefined && !existsSync(configPath) ? undefined : loadConfig(configPath);
    for (const key of config?.unknownKeys ?? [])
      this.warnLine(`config file ${configPath}: unknown key "${key}" ignored`);
    return config;
  }

  /** The config file of `--config` (or the default one), its unknown keys warned about. */
  protected loadWarnedConfig(flags: { readonly config?: string | undefined }): Config {
    const configPath = configPathOf(flags);
    const config = loadConfig(configPath);
    for (const key of config.unknownKeys)
      this.warnLine(`config file ${configPath}: unknown key "${key}" ignored`);
    return config;
  }

  /** Prints one warning line on stderr; what it quotes from data cannot reach the terminal raw. */
  protected warnLine(message: string): void {
    process.stderr.write(`warning: ${toPrintable(message)}\n`);
  }

  /**
   * Runs a job that reads logs with what it needs from the terminal: an abort signal on the first
   * Ctrl-C (Athena stops its query, nothing half-written is cached; a second one exits at once),
   * and a reporter whose warnings go to stderr and whose progress is a bar on a terminal only
   * (never in pipes, CI or tests).
   */
  protected async withLogReading<T>(
    job: (context: {
      readonly signal: AbortSignal;
      readonly reporter: EngineReporter & { note(message: string): void };
      /** Takes the progress bar off the terminal (before a question is asked). */
      readonly stopProgress: () => void;
    }) => Promise<T>,
  ): Promise<T> {
    const interrupt = new AbortController();
    const onInterrupt = (): void => {
      if (interrupt.signal.aborted) process.exit(130);
      process.stderr.write('interrupted: stopping (Ctrl-C again to quit at once)\n');
      interrupt.abort();
    };
    process.on('SIGINT', onInterrupt);
    const progressBar = createReadProgressRenderer(process.stderr, process.env);
    try {
      return await job({
        signal: interrupt.signal,
        reporter: {
          warn: (message) => {
            progressBar.clear();
            this.warnLine(message);
          },
          progress: (update) => {
            progressBar.update(update);
          },
          note: (message) => {
            process.stderr.write(`${toPrintable(message)}\n`);
          },
        },
        stopProgress: () => {
          progressBar.stop();
        },
      });
    } finally {
      progressBar.stop();
      process.removeListener('SIGINT', onInterrupt);
    }
  }

  /** oclif's parse, then: `--json` with a `--format` other than json is a usage error. */
  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const output = await super.parse(options, argv);
    const format = (output.flags as Record<string, unknown>).format;
    const given = output.metadata.flags.format?.setFromDefault !== true;
    if (this.jsonEnabled() && given && typeof format === 'string' && format !== 'json') {
      throw new UsageError(`--json prints JSON; it does not go with --format ${format}`, {
        suggestions: [`Drop --json to get ${format}, or drop --format ${format} to get JSON`],
      });
    }
    return output;
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    // `this.exit(n)` is an exit, not a failure: nothing to report.
    if (error instanceof Errors.ExitError) throw error;
    const flagHint = this.#flagSuggestion(error);
    if (flagHint !== undefined) Object.assign(error, { suggestions: [flagHint] });
    if (this.jsonEnabled()) {
      const document = toErrorDocument(error);
      process.exitCode = document.error.exitCode;
      this.logJson(document);
      return undefined;
    }
    if (isIamtrailError(error)) {
      this.error(toPrintable(error.message), {
        exit: error.exitCode,
        code: error.code,
        suggestions: error.suggestions.map(toPrintable),
      });
    }
    // oclif's own messages (bad flags) quote values and may span lines: escape line by line.
    error.message = error.message.split('\n').map(toPrintable).join('\n');
    if (flagHint !== undefined) {
      const exit = (error as { oclif?: { exit?: number } }).oclif?.exit ?? 2;
      this.error(error.message, { exit, suggestions: [toPrintable(flagHint)] });
    }
    return super.catch(error);
  }

  /** "Did you mean --account?" for oclif's nonexistent-flag error, from this command's flags. */
  #flagSuggestion(error: Error): string | undefined {
    const typed = (error as { flags?: unknown }).flags;
    if (error.constructor.name !== 'NonExistentFlagsError' || !Array.isArray(typed)) return undefined;
    const names = Object.entries(this.ctor.flags).flatMap(([name, flag]) =>
      flag.type === 'boolean' && flag.allowNo ? [name, `no-${name}`] : [name],
    );
    const hints = typed
      .filter((entry): entry is string => typeof entry === 'string')
      .flatMap((entry) => {
        const name = entry.replace(/^-+/, '').replace(/=.*$/s, '');
        const close = closeMatches(name, names, 1);
        return close.map((match) => `Did you mean --${match} (not ${entry})?`);
      });
    return hints.length === 0 ? undefined : hints.join(' ');
  }
}
