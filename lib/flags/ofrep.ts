/**
 * The OpenFeature Remote Evaluation Protocol (https://github.com/open-feature/protocol) over a flag
 * set, as pure functions that return the HTTP status, headers and body. Evaluation is flagd-core's,
 * so answers match flagd's. The HTTP routes wrap these.
 */
import { createHash } from 'node:crypto';
import { FlagdCore, type FeatureFlag } from '@openfeature/flagd-core';
import type { EvaluationContext, FlagMetadata, JsonValue, Logger } from '@openfeature/core';
import { canonicalJson } from '../core/canonical-json.js';
import type { FlagSetDocument } from './flag-schema.js';

export type OfrepErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'TYPE_MISMATCH' | 'GENERAL';

/** A resolved flag. No `value` means "use your code default" (a DISABLED flag, or no default variant). */
export interface OfrepSuccess {
  readonly key: string;
  readonly value?: JsonValue;
  readonly reason: string;
  readonly variant?: string;
  readonly metadata: FlagMetadata;
}

export interface OfrepFailure {
  readonly key: string;
  readonly errorCode: OfrepErrorCode;
  readonly errorDetails: string;
  readonly metadata?: FlagMetadata;
}

export interface OfrepBulkFailure {
  readonly errorCode: OfrepErrorCode;
  readonly errorDetails: string;
}

/** A 401, 403, 429 or 500: what went wrong, for people. */
export interface OfrepGeneralError {
  readonly errorDetails: string;
}

export interface OfrepAnswer<Body> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Absent for 304. */
  readonly body?: Body;
}

/** A flag set compiled once per version, then evaluated many times. */
export interface CompiledFlagSet {
  readonly core: FlagdCore;
  readonly version: number;
}

const quietLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** Throws flagd-core's ParseError for a structurally broken set; bad targeting only fails its flag. */
export function compileFlagSet(flagSet: FlagSetDocument, version: number, logger: Logger = quietLogger): CompiledFlagSet {
  const core = new FlagdCore(undefined, logger);
  core.setConfigurations(JSON.stringify(flagSet));
  return { core, version };
}

/** A parsed request body: `{"context": {...}}`, or empty. */
export type OfrepRequest = { readonly ok: true; readonly context: EvaluationContext } | { readonly ok: false; readonly details: string };

/** Reads a raw request body; `undefined` or blank is an empty context. */
export function readOfrepRequest(body: string | undefined): OfrepRequest {
  if (body === undefined || body.trim() === '') return { ok: true, context: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, details: 'the request body is not JSON' };
  }
  return ofrepRequest(parsed);
}

/** Checks an already parsed body. */
export function ofrepRequest(body: unknown): OfrepRequest {
  if (body === undefined || body === null) return { ok: true, context: {} };
  if (!isObject(body)) return { ok: false, details: 'the request body must be an object: {"context": {...}}' };
  const context = body.context ?? {};
  if (!isObject(context)) return { ok: false, details: 'context must be an object' };
  if (context.targetingKey !== undefined && typeof context.targetingKey !== 'string') return { ok: false, details: 'context.targetingKey must be a string' };
  return { ok: true, context: context as EvaluationContext };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const JSON_HEADERS = { 'content-type': 'application/json' };

/** POST /ofrep/v1/evaluate/flags/{key}: 200, 400 for parse and context errors, 404 for an unknown flag. */
export function evaluateFlag(set: CompiledFlagSet, key: string, request: OfrepRequest): OfrepAnswer<OfrepSuccess | OfrepFailure> {
  if (!request.ok) return { status: 400, headers: JSON_HEADERS, body: { key, errorCode: 'INVALID_CONTEXT', errorDetails: request.details } };
  const flag = set.core.getFlag(key);
  if (flag === undefined) {
    return { status: 404, headers: JSON_HEADERS, body: { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag '${key}' not found`, metadata: set.core.getFlagSetMetadata() } };
  }
  const result = resolve(key, flag, request.context);
  return { status: 'errorCode' in result ? 400 : 200, headers: JSON_HEADERS, body: result };
}

/** Which flags a caller may see; `id` names the view in the ETag, so two views never share a tag. */
export interface FlagView {
  readonly id: string;
  includes(key: string): boolean;
}

export const EVERY_FLAG: FlagView = { id: '*', includes: () => true };

/**
 * POST /ofrep/v1/evaluate/flags: every flag in the caller's view for one context, DISABLED ones
 * included (with no value). The ETag covers the set version, the context and the view, so a client
 * polling with If-None-Match gets 304 until one of them changes. Targeting on `$flagd.timestamp`
 * is not covered by it.
 */
export function evaluateFlags(
  set: CompiledFlagSet,
  request: OfrepRequest,
  ifNoneMatch?: string,
  view: FlagView = EVERY_FLAG,
): OfrepAnswer<{ flags: (OfrepSuccess | OfrepFailure)[]; metadata: FlagMetadata } | OfrepBulkFailure> {
  if (!request.ok) return { status: 400, headers: JSON_HEADERS, body: { errorCode: 'INVALID_CONTEXT', errorDetails: request.details } };
  const etag = bulkEtag(set.version, request.context, view.id);
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) return { status: 304, headers: { etag } };
  const flags = [...set.core.getFlags()]
    .filter(([key]) => view.includes(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, flag]) => resolve(key, flag, request.context));
  return { status: 200, headers: { ...JSON_HEADERS, etag }, body: { flags, metadata: set.core.getFlagSetMetadata() } };
}

export function bulkEtag(version: number, context: EvaluationContext, viewId: string = EVERY_FLAG.id): string {
  const digest = createHash('sha256').update(canonicalJson({ context, view: viewId })).digest('base64url').slice(0, 22);
  return `"${version}-${digest}"`;
}

/**
 * Any refusal on an OFREP path (authentication, authorization, a body too large, a failure of
 * ours) in OFREP's terms: the status codes its clients know, and its error bodies. `key` is the
 * flag of a single evaluation.
 */
export function ofrepRefusal(status: number, details: string, key?: string): OfrepAnswer<OfrepFailure | OfrepBulkFailure | OfrepGeneralError> {
  const answer = <Body>(code: number, body: Body) => ({ status: code, headers: JSON_HEADERS, body });
  // The spec gives 401, 403 and 429 no body, and a 500 `{errorDetails}`; clients act on the status.
  if (status === 401 || status === 403 || status === 429) return answer(status, { errorDetails: details });
  // HTTP's own answer to a method the path does not take; OFREP defines none of its own.
  if (status === 405) return answer(405, { errorDetails: details });
  // A dependency that is down for now keeps its 503, so that Retry-After means something to the client.
  if (status === 503) return answer(503, { errorDetails: details });
  if (status >= 500) return answer(500, { errorDetails: details });
  if (status === 404) return key === undefined ? answer(404, { errorDetails: details }) : answer(404, { key, errorCode: 'FLAG_NOT_FOUND' as const, errorDetails: details });
  // Any other refusal is, to OFREP, a bad request.
  const errorCode: OfrepErrorCode = status === 400 || status === 413 ? 'INVALID_CONTEXT' : 'GENERAL';
  return answer(400, key === undefined ? { errorCode, errorDetails: details } : { key, errorCode, errorDetails: details });
}

/** RFC 9110 If-None-Match: `*`, or a list of tags compared weakly. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}

function resolve(key: string, flag: FeatureFlag, context: EvaluationContext): OfrepSuccess | OfrepFailure {
  if (flag.state === 'DISABLED') return { key, reason: 'DISABLED', metadata: flag.metadata };
  const result = flag.evaluate(context);
  if (result.reason === 'ERROR') return { key, errorCode: result.errorCode as OfrepErrorCode, errorDetails: result.errorMessage ?? 'evaluation failed', metadata: result.flagMetadata };
  if (result.value === undefined) return { key, reason: result.reason, metadata: result.flagMetadata };
  return { key, value: result.value, reason: result.reason, ...(result.variant === undefined ? {} : { variant: result.variant }), metadata: result.flagMetadata };
}
