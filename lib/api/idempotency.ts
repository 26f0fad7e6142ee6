import { createHash, randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { canonicalJson } from '../core/canonical-json.js';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../errors.js';
import type { Clock, IdempotencyStore } from '../ports.js';
import type { Principal } from '../access.js';
import { ApiError } from './errors.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** What makes two requests the same: method, path and body, with JSON compared by content. */
export function requestHash(method: string, path: string, body: string): string {
  let content = body;
  try {
    // The same JSON with other spacing or key order is the same request.
    content = canonicalJson(JSON.parse(body));
  } catch {
    // Not JSON: the validator answers it; hash the text as it came.
  }
  return createHash('sha256').update(`${method} ${path}\n${content}`).digest('hex');
}

/** Response headers a replay gives back: where the created resource lives. */
const KEPT_HEADERS = ['Location'];

export interface IdempotencySettings {
  /** How long a completed answer is replayed. */
  readonly ttlSeconds: number;
  /** How long a claim may stay in progress when the function's remaining time is unknown. */
  readonly inProgressMs: number;
  /** Paths whose POSTs change nothing and are not made idempotent. */
  readonly skip?: ((path: string) => boolean) | undefined;
}

type LambdaBindings = { lambdaContext?: { getRemainingTimeInMillis?: () => number } } | undefined;

/**
 * Honours `Idempotency-Key` on POST: the same key and request get the first successful answer
 * again; the same key with another request is refused. Keys are scoped to the calling token.
 *
 * Only answers of requests that changed something (2xx, not a dry run) are kept. Everything else frees the key:
 * a refusal that depends on the moment (a busy alias, a conflict, 429, 503) or on the input must
 * not be replayed to the pipeline's retry for a day. A claim whose request never finished (a
 * Lambda timeout, a crash) lapses after the time the function had left, and a retry takes it over.
 */
export function idempotency(
  store: IdempotencyStore,
  clock: Clock,
  settings: IdempotencySettings,
): MiddlewareHandler<{ Variables: { principal: Principal; changedNothing?: boolean | undefined }; Bindings: LambdaBindings }> {
  return async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    // Public paths (the dashboard's forms) have no token to scope a key to; they are not idempotent.
    if (key === undefined || c.req.method !== 'POST' || c.get('principal') === undefined || settings.skip?.(c.req.path)) return next();
    if (!KEY.test(key)) throw new ApiError(400, 'invalid_request', 'Idempotency-Key must be 1–255 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'invalid' }]);
    const scope = c.get('principal').tokenId;
    const hash = requestHash(c.req.method, c.req.path, await c.req.text());
    const now = clock.now();
    const remaining = c.env?.lambdaContext?.getRemainingTimeInMillis?.();
    const inProgressMs = remaining === undefined ? settings.inProgressMs : Math.max(1_000, Math.min(settings.inProgressMs, remaining));
    const claimId = randomUUID();
    const claim = await store.begin({ key, scope, requestHash: hash, claimId, inProgressExpiresAt: now + inProgressMs, expiresAt: Math.floor(now / 1000) + settings.ttlSeconds });
    if (!claim.claimed) {
      const { existing } = claim;
      if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError(key);
      if (existing.status !== 'completed' || existing.response === undefined) throw new IdempotencyInProgressError(key);
      c.header('Idempotent-Replayed', 'true');
      for (const [name, value] of Object.entries(existing.response.headers ?? {})) c.header(name, value);
      return c.json(existing.response.body as object, existing.response.status as 200);
    }
    try {
      await next();
    } catch (error) {
      await store.release(scope, key, claimId);
      throw error;
    }
    // Hono turns a thrown error into a response inside `next`, so the status decides, not a catch.
    // A handler that changed nothing (a dry run) says so: its answer is the moment's, not a result to replay.
    if (c.res.status < 200 || c.res.status > 299 || c.get('changedNothing') === true) {
      await store.release(scope, key, claimId);
      return;
    }
    const body: unknown = await c.res.clone().json().catch(() => null);
    const headers = Object.fromEntries(KEPT_HEADERS.flatMap((name) => {
      const value = c.res.headers.get(name);
      return value === null ? [] : [[name, value]];
    }));
    await store.complete(scope, key, claimId, { status: c.res.status, body, ...(Object.keys(headers).length > 0 ? { headers } : {}) });
  };
}
