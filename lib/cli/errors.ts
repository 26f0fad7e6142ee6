/** Exit codes: a pipeline branches on these, so they never change meaning. */
export const EXIT = {
  /** The command did what was asked; for `wait`, the release succeeded. */
  ok: 0,
  /** The release was rolled back or aborted (or paused, with `--fail-on-pause`). */
  releaseFailed: 1,
  /** The command line was wrong; nothing was sent to the API. */
  usage: 2,
  /** `--timeout` passed before the release finished; the release itself goes on. */
  timeout: 3,
  /** The API refused or could not be reached. */
  apiError: 4,
} as const;

export interface CliIssue {
  readonly path: string;
  readonly message: string;
}

/** A bad command line: exit 2, and the API is never called. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The flag or argument at fault, e.g. `--percent`. */
    readonly path?: string,
    /** The command whose --help to point at. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** The API's error body, or one in the same shape for answers that did not arrive. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly issues: readonly CliIssue[] };
}

/** How often a request was sent before the CLI gave up on it. */
export interface GaveUp {
  readonly attempts: number;
  /** The waits between them, added up. */
  readonly waitedMs: number;
}

/** The API answered with an error, or could not be reached (`status` undefined). */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  /** How long the gate asked to wait (Retry-After). */
  readonly retryAfterMs: number | undefined;
  /** Set when the request was retried until the CLI gave up. */
  readonly gaveUp: GaveUp | undefined;

  constructor(
    readonly status: number | undefined,
    readonly body: ErrorBody,
    options?: { cause?: unknown; retryAfterMs?: number | undefined; gaveUp?: GaveUp | undefined },
  ) {
    super(`${status ?? 'no answer'} ${body.error.code}: ${body.error.message}`, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.gaveUp = options?.gaveUp;
  }

  /** Worth another try: the request never arrived, or a proxy or the service was briefly unavailable. */
  get transient(): boolean {
    return this.status === undefined || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** The same failure, with how often it was tried. */
  afterRetries(attempts: number, waitedMs: number): ApiCallError {
    return new ApiCallError(this.status, this.body, { cause: this.cause, retryAfterMs: this.retryAfterMs, gaveUp: { attempts, waitedMs } });
  }
}
