import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { InputError, InvalidTransitionError, PlanError, type Issue } from '../core/errors.js';
import { issuesFromZod } from '../core/issues.js';
import { describeRouting } from '../core/reducer.js';
import { AliasDriftedError, PlanInfeasibleError, ReasonRequiredError, UnsupportedError } from '../engine/errors.js';
import { FlagValidationError } from '../flags/errors.js';
import {
  AliasBusyError,
  ConflictError,
  DependencyUnavailableError,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InvalidCursorError,
  ForbiddenError,
  NotFoundError,
  ReleaseInProgressError,
  VersionRejectedError,
} from '../errors.js';

/** The one error shape of the API. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string(),
      issues: z.array(z.object({ path: z.string().openapi({ example: 'plan.steps[1].weight' }), message: z.string() })),
      preflight: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({ description: 'With `plan_infeasible`: the pre-flight that refused the release, its warnings (each with a `code`) among it.' }),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error that knows its HTTP answer, like hono's HTTPException. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues: readonly Issue[] = [],
    /** Sent with the answer, such as `Retry-After` on a 503. */
    readonly headers: Readonly<Record<string, string>> = {},
    /** More for the client to act on, beside the issues: the refusing pre-flight. */
    readonly details: { readonly preflight?: Readonly<Record<string, unknown>> } = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, issues: [...this.issues], ...this.details } };
  }
}

export const validationError = (error: z.ZodError, prefix: readonly PropertyKey[] = []) =>
  new ApiError(400, 'invalid_request', 'the request does not match the API contract', issuesFromZod(error, prefix));

const STATUS_CODES: Partial<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** The request field whose value a rejected version's code is about. */
const REJECTED_PATH: Record<VersionRejectedError['code'], string> = {
  version_not_found: 'version',
  version_unpublished: 'version',
  same_version: 'version',
  incompatible_version: 'version',
  code_sha_mismatch: 'codeSha256',
  alias_not_found: 'alias',
};

const DEPENDENCY_NAMES: Record<DependencyUnavailableError['dependency'], string> = { lambda: 'AWS Lambda', cloudwatch: 'Amazon CloudWatch', dynamodb: 'Amazon DynamoDB' };

/** Long enough for a throttled AWS API to recover; the SDK has already retried for a few seconds. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Names the service and the call, not the SDK's message: that stays in the logs. */
function unavailable(error: DependencyUnavailableError): ApiError {
  const message = `${DEPENDENCY_NAMES[error.dependency]} is unavailable right now (${error.operation}); try again in ${DEPENDENCY_RETRY_AFTER_SECONDS} s`;
  return new ApiError(503, 'dependency_unavailable', message, [], { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) });
}

/** The request field each pre-flight warning is about, for the issues of a refusal. */
const WARNING_PATHS: Readonly<Record<string, string>> = {
  too_few_requests: 'plan',
  first_step_raised: 'plan',
  step_below_min_samples: 'plan',
  baseline_above_ceiling: 'policy.checks',
  no_errors_on_stable: 'policy.evidence.floor',
  no_traffic_reading: 'function',
  no_probes: 'synthetic.probes',
};

/** 422: the plan is well formed but its traffic cannot judge it; the body carries the whole pre-flight. */
function planInfeasible(error: PlanInfeasibleError): ApiError {
  const issues: Issue[] = [
    ...error.preflight.warnings.map((warning) => ({ path: WARNING_PATHS[warning.code] ?? 'plan', message: `${warning.code}: ${warning.message}` })),
    { path: 'policy.evidence.onInfeasible', message: 'is refuse: set synthetic or time to run such a release anyway' },
  ];
  return new ApiError(422, 'plan_infeasible', error.message, issues, {}, { preflight: JSON.parse(JSON.stringify(error.preflight)) as Record<string, unknown> });
}

/**
 * Maps every error to the API's answer; domain errors keep their meaning, an AWS service that
 * stays unavailable is a 503 with Retry-After, anything else is a 500 without details.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PlanError) return new ApiError(400, 'invalid_plan', error.message, error.issues);
  if (error instanceof InputError) return new ApiError(400, 'invalid_request', error.message, error.issues);
  if (error instanceof FlagValidationError) return new ApiError(400, 'invalid_flag', error.message, error.issues);
  if (error instanceof z.ZodError) return validationError(error);
  if (error instanceof InvalidTransitionError) return new ApiError(409, 'invalid_transition', error.message, [{ path: 'state', message: `the release is ${error.state}` }]);
  if (error instanceof AliasDriftedError) return new ApiError(409, 'alias_drifted', error.message, [{ path: 'alias', message: `routes ${describeRouting(error.actual)}; expected ${describeRouting(error.expected)}` }]);
  if (error instanceof ReleaseInProgressError) return new ApiError(409, 'release_in_progress', error.message, [{ path: 'function', message: `active release: ${error.activeReleaseId ?? 'unknown'}` }]);
  if (error instanceof AliasBusyError) return new ApiError(409, 'alias_busy', error.message, [{ path: 'alias', message: 'routes to two versions outside Release Gate' }]);
  if (error instanceof VersionRejectedError) return new ApiError(422, error.code, error.message, [{ path: REJECTED_PATH[error.code], message: error.message }]);
  if (error instanceof ReasonRequiredError) return new ApiError(400, 'reason_required', error.message, [{ path: 'reason', message: 'required' }]);
  if (error instanceof PlanInfeasibleError) return planInfeasible(error);
  if (error instanceof UnsupportedError) return new ApiError(400, 'unsupported', error.message);
  if (error instanceof InvalidCursorError) return new ApiError(400, 'invalid_cursor', error.message, [{ path: 'cursor', message: error.message }]);
  if (error instanceof IdempotencyKeyReusedError) return new ApiError(422, 'idempotency_key_reused', error.message, [{ path: 'Idempotency-Key', message: 'reused with a different request' }]);
  if (error instanceof IdempotencyInProgressError) return new ApiError(409, 'idempotency_in_progress', error.message, [{ path: 'Idempotency-Key', message: 'still in progress' }]);
  if (error instanceof NotFoundError) return new ApiError(404, 'not_found', error.message);
  if (error instanceof ForbiddenError) return new ApiError(403, 'forbidden', error.message, error.issues);
  if (error instanceof ConflictError) return new ApiError(409, 'conflict', `${error.message}; read it again and retry`);
  if (error instanceof DependencyUnavailableError) return unavailable(error);
  if (error instanceof HTTPException) {
    const status = error.status;
    const message = error.status === 400 && /JSON/i.test(error.message) ? 'the body is not valid JSON' : error.message || 'request refused';
    return new ApiError(status, error.status === 400 && /JSON/i.test(error.message) ? 'invalid_json' : (STATUS_CODES[error.status] ?? 'http_error'), message);
  }
  return new ApiError(500, 'internal_error', 'something went wrong on our side; the request id is in the logs');
}

export function errorResponse(c: Context, error: ApiError): Response {
  return c.json(error.body(), error.status, { ...error.headers });
}
