import { formatDuration } from '../core/duration.js';
import type { PreflightView } from './api-types.js';
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
  /** `replay`: a stored decision came out differently from its stored inputs, or had none. */
  replayDiffers: 5,
  /** `verify`: the exported audit chain does not hold: an event was edited, dropped or reordered. */
  chainBroken: 6,
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
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues: readonly CliIssue[];
    /** With `plan_infeasible`: the pre-flight that refused the release. */
    readonly preflight?: PreflightView | undefined;
  };
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

/** What a person can do about a refusal, by the API's error code, when the message does not already say. */
const NEXT_STEP_BY_CODE: Readonly<Record<string, string>> = {
  same_version: 'release another version',
  release_in_progress: 'wait for that release to finish, or abort it, then start again',
  idempotency_key_reused: 'send a new Idempotency-Key with a different request',
  idempotency_in_progress: 'the first request with this key is still running; retry in a moment',
  plan_infeasible: 'see the forecast with `release-gate start --dry-run`; a longer policy.evidence.maxStepTime, a larger ruleOut, or onInfeasible: time runs it',
};

/** Where the call went and which token it carried, so a hint can name them. */
export interface ErrorContext {
  readonly url?: string | undefined;
  readonly tokenSource?: string | undefined;
}

function nextStep(error: ApiCallError, context: ErrorContext): string | undefined {
  const token = context.tokenSource ? `the token from ${context.tokenSource}` : 'the token';
  if (error.status === 401) return `${token} was refused: check --token or RELEASE_GATE_TOKEN (missing, malformed, revoked or expired)`;
  if (error.status === 403) return `${token} is valid but lacks the scope or the function/flag pattern for this call; ask an admin for a token that has it`;
  if (error.status === undefined && context.url) return `is the gate running at ${context.url}? (npm start serves http://127.0.0.1:8787)`;
  return NEXT_STEP_BY_CODE[error.body.error.code];
}

/**
 * An API error for people, one line each: the status, code and message; each issue as
 * `path: message` (an issue that only repeats the message names its path alone); then what to
 * do, when that is known.
 * The CLI and `npm run demo` print errors through this, never the raw body.
 */
export function apiErrorLines(error: ApiCallError, context: ErrorContext = {}): string[] {
  const { code, message, issues } = error.body.error;
  const lines = [`${error.status === undefined ? '' : `${error.status} `}${code}: ${message}`];
  const repeated = issues.filter((issue) => issue.message === message).map((issue) => issue.path);
  for (const issue of issues) if (issue.message !== message) lines.push(`  ${issue.path}: ${issue.message}`);
  if (repeated.length > 0) lines.push(`  at fault: ${repeated.join(', ')}`);
  if (error.gaveUp !== undefined && error.gaveUp.attempts > 1) {
    lines.push(`  gave up after ${error.gaveUp.attempts} attempts over ${formatDuration(error.gaveUp.waitedMs)}; try again later`);
  }
  const hint = nextStep(error, context);
  if (hint) lines.push(`  hint: ${hint}`);
  return lines;
}
