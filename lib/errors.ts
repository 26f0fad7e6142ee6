/**
 * Errors the adapters and the engine raise. Each names the record at fault; the API maps them
 * to HTTP answers in one place (lib/api/errors.ts).
 */
import type { AliasRouting } from './core/release.js';

/** A conditional write lost: someone changed the record since it was read. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly record: string,
    message = `${record} changed since it was read`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another release holds the lock of this function's alias. */
export class ReleaseInProgressError extends Error {
  override readonly name = 'ReleaseInProgressError';
  constructor(
    readonly functionName: string,
    readonly alias: string,
    readonly activeReleaseId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${functionName}:${alias} already has an active release${activeReleaseId ? ` (${activeReleaseId})` : ''}`, options);
  }
}

/** The caller's token may not do this; the issues say which scope or pattern it lacks. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  constructor(
    message: string,
    readonly issues: readonly { readonly path: string; readonly message: string }[],
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly record: string,
    message = `${record} not found`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The alias does not route the way the release last set it: someone else changed it. */
export class DriftError extends Error {
  override readonly name = 'DriftError';
  constructor(
    readonly functionName: string,
    readonly alias: string,
    readonly expected: AliasRouting,
    readonly actual: AliasRouting,
  ) {
    super(`${functionName}:${alias} drifted: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
  }
}

/**
 * The alias already splits traffic that no release of the gate set up, so a release cannot start
 * from it. Like ReleaseInProgressError it depends on the moment: it clears once the alias is back
 * on one version, and a retry then succeeds.
 */
export class AliasBusyError extends Error {
  override readonly name = 'AliasBusyError';
  constructor(
    readonly functionName: string,
    readonly alias: string,
    readonly routing: AliasRouting,
  ) {
    super(
      `${functionName}:${alias} already sends ${routing.additionalWeight ?? 0}% to version ${routing.additionalVersion ?? '?'} outside Release Gate; point the alias at one version (aws lambda update-alias --function-name ${functionName} --name ${alias} --function-version ${routing.functionVersion} --routing-config AdditionalVersionWeights={}) and start again`,
    );
  }
}

/** A Lambda version the gate refuses to release, with the reason a person can act on. */
export class VersionRejectedError extends Error {
  override readonly name = 'VersionRejectedError';
  constructor(
    readonly functionName: string,
    readonly version: string,
    readonly code: 'version_not_found' | 'version_unpublished' | 'code_sha_mismatch' | 'incompatible_version' | 'alias_not_found' | 'same_version',
    message: string,
  ) {
    super(message);
  }
}

/** The same Idempotency-Key came with a different request. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(readonly key: string) {
    super(`Idempotency-Key '${key}' was used for a different request`);
  }
}

/** A request with that Idempotency-Key is still being handled. */
export class IdempotencyInProgressError extends Error {
  override readonly name = 'IdempotencyInProgressError';
  constructor(readonly key: string) {
    super(`a request with Idempotency-Key '${key}' is still in progress`);
  }
}

/** A list cursor this query never handed out: malformed, or from another query. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor(
    readonly cursor: string,
    reason = 'it is not a cursor from this query',
    options?: { cause?: unknown },
  ) {
    super(`invalid cursor: ${reason}`, options);
  }
}

/** The AWS services the gate depends on. */
export type Dependency = 'lambda' | 'cloudwatch' | 'dynamodb';

/**
 * An AWS service could not serve a call for now (throttling, a 5xx, a timeout, a dropped
 * connection, Lambda's "update in progress") even after the SDK's own retries. Worth trying again
 * later; the SDK's last error is the cause.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  /** Calls the SDK made before giving up, when it says. */
  readonly attempts: number | undefined;
  constructor(
    readonly dependency: Dependency,
    /** The call, e.g. `UpdateAlias checkout:live` or `TransactWriteItems`. */
    readonly operation: string,
    options: { cause: unknown },
  ) {
    const attempts = (options.cause as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
    const counted = typeof attempts === 'number' && attempts > 0 ? attempts : undefined;
    const cause = options.cause instanceof Error ? `${options.cause.name}: ${options.cause.message}` : String(options.cause);
    super(`${dependency} ${operation} is unavailable${counted === undefined ? '' : ` after ${counted} attempts`}: ${cause}`, options);
    this.attempts = counted;
  }
}
