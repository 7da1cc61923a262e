import { isIamtrailError } from '../errors.js';

/** Codes of failures that are not iamtrail's own errors: oclif's usage errors, and bugs. */
export const FALLBACK_ERROR_CODES = { usage: 'IAMTRAIL_USAGE', internal: 'IAMTRAIL_INTERNAL' } as const;

/**
 * What a command prints on stdout instead of its document when it fails under `--json`; the exit
 * code is the same as without `--json`.
 */
export interface ErrorDocument {
  readonly error: {
    /** Stable machine-readable code: `IAMTRAIL_USAGE`, `IAMTRAIL_CONFIG`, `IAMTRAIL_INPUT`, `IAMTRAIL_ENGINE`, … */
    readonly code: string;
    /** What failed, naming the file or value. */
    readonly message: string;
    /** The process exit code (2 usage, config or input; 3 AWS or engine; 130 interrupted). */
    readonly exitCode: number;
    /** What the user can do about it (oclif's "Try this:"). */
    readonly suggestions: readonly string[];
  };
}

/** oclif's "See more help with --help" tail of parse errors: a hint for people, not part of the message. */
const HELP_TAIL = /\nSee more help with --help$/;

/**
 * The error document of a failure: iamtrail's errors keep their code and exit code; oclif's errors
 * (a bad flag: exit 2) are usage errors; anything else is an internal error with exit code 1.
 */
export function toErrorDocument(error: unknown): ErrorDocument {
  if (isIamtrailError(error)) {
    return {
      error: {
        code: error.code,
        message: error.message,
        exitCode: error.exitCode,
        suggestions: [...error.suggestions],
      },
    };
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  const fields = failure as Error & {
    oclif?: { exit?: unknown };
    code?: unknown;
    suggestions?: unknown;
  };
  const exitCode = typeof fields.oclif?.exit === 'number' ? fields.oclif.exit : 1;
  const code =
    typeof fields.code === 'string' && fields.code !== ''
      ? fields.code
      : exitCode === 2
        ? FALLBACK_ERROR_CODES.usage
        : FALLBACK_ERROR_CODES.internal;
  const suggestions = Array.isArray(fields.suggestions)
    ? fields.suggestions.filter((entry): entry is string => typeof entry === 'string')
    : [];
  return { error: { code, message: failure.message.replace(HELP_TAIL, ''), exitCode, suggestions } };
}
