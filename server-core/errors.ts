// Errors with stable codes (`BERTH_ERR_*`): callers branch on `code`, users read `message`,
// which says what went wrong and what to do about it.

export class BerthError extends Error {
  readonly code: string;
  /** What the user can do next, printed under the message by the CLI. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isBerthError(e: unknown, code?: string): e is BerthError {
  return e instanceof BerthError && (code === undefined || e.code === code);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
