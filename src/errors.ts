/**
 * The kinds of failure iamtrail distinguishes; each maps to one exit code so scripts can tell a
 * mistake in the invocation (2) from an AWS or engine failure (3).
 */
export const ERROR_KINDS = ['usage', 'config', 'input', 'aws', 'engine', 'interrupted'] as const;
/** One of {@link ERROR_KINDS}. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Options shared by every iamtrail error. */
export interface IamtrailErrorOptions {
  /** What the user can do about it, one suggestion per entry (printed as "Try this:"). */
  readonly suggestions?: readonly string[];
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/**
 * Base class of every error iamtrail raises on purpose. The field names (`code`, `exitCode`,
 * `suggestions`, `cause`) are the ones oclif prints, so commands can let these errors propagate.
 */
export abstract class IamtrailError extends Error {
  /** Stable machine-readable code, e.g. `IAMTRAIL_INPUT`. */
  readonly code: string;
  /** Process exit code: 2 for usage, config and input errors, 3 for AWS and engine failures. */
  readonly exitCode: number;
  /** What the user can do about it. */
  readonly suggestions: readonly string[];
  /** The kind of failure. */
  abstract readonly kind: ErrorKind;

  protected constructor(message: string, code: string, exitCode: number, options: IamtrailErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.suggestions = options.suggestions ?? [];
  }
}

/** A flag or argument is wrong or missing. */
export class UsageError extends IamtrailError {
  readonly kind = 'usage';
  constructor(message: string, options?: IamtrailErrorOptions) {
    super(message, 'IAMTRAIL_USAGE', 2, options);
  }
}

/** The config file is missing, unreadable or invalid. */
export class ConfigError extends IamtrailError {
  readonly kind = 'config';
  constructor(message: string, options?: IamtrailErrorOptions) {
    super(message, 'IAMTRAIL_CONFIG', 2, options);
  }
}

/** An input file (IAM authorization details, CloudTrail logs) is unreadable or malformed. */
export class InputDataError extends IamtrailError {
  readonly kind = 'input';
  constructor(message: string, options?: IamtrailErrorOptions) {
    super(message, 'IAMTRAIL_INPUT', 2, options);
  }
}

/** Options of an {@link EngineError}. */
export interface EngineErrorOptions extends IamtrailErrorOptions {
  /**
   * The same request would fail the same way (a query Athena cancelled at the workgroup's cutoff
   * or failed as not retryable, a result that breaks the summary's contract): not worth retrying.
   */
  readonly permanent?: boolean;
}

/** An engine, the cache or an AWS API failed. */
export class EngineError extends IamtrailError {
  readonly kind = 'engine';
  /** See {@link EngineErrorOptions.permanent}. */
  readonly permanent: boolean;
  constructor(message: string, options?: EngineErrorOptions) {
    super(message, 'IAMTRAIL_ENGINE', 3, options);
    this.permanent = options?.permanent === true;
  }
}

/** The user interrupted the run (Ctrl-C); exit code 130, as shells report SIGINT. */
export class InterruptedError extends IamtrailError {
  readonly kind = 'interrupted';
  constructor(message: string, options?: IamtrailErrorOptions) {
    super(message, 'IAMTRAIL_INTERRUPTED', 130, options);
  }
}

/**
 * Whether the user interrupted the run (Ctrl-C), read afresh at each call: a function, since the
 * signal changes under an `await`, where TypeScript keeps a checked property narrowed.
 */
export function isInterrupted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Type guard for errors raised by iamtrail itself. */
export function isIamtrailError(error: unknown): error is IamtrailError {
  return error instanceof IamtrailError;
}

/** An error's message, or what it is when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
