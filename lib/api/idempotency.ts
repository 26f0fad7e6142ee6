import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { canonicalJson } from '../canonical-json.js';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../errors.js';
import type { Clock, IdempotencyStore } from '../ports.js';
import type { Principal } from './auth.js';
import { ApiError } from './errors.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

function requestHash(method: string, path: string, body: string): string {
  let content = body;
  try {
    // The same JSON with other spacing or key order is the same request.
    content = canonicalJson(JSON.parse(body));
  } catch {
    // Not JSON: the validator answers it; hash the text as it came.
  }
  return createHash('sha256').update(`${method} ${path}\n${content}`).digest('hex');
}

/**
 * Honours `Idempotency-Key` on POST: the same key and request get the first answer again; the
 * same key with another request is refused. Keys are scoped to the calling token. Answers below
 * 500 are kept; a 500 frees the key so that a retry can run.
 */
export function idempotency(store: IdempotencyStore, clock: Clock, ttlSeconds: number): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    // Public paths (the dashboard's forms) have no token to scope a key to; they are not idempotent.
    if (key === undefined || c.req.method !== 'POST' || c.get('principal') === undefined) return next();
    if (!KEY.test(key)) throw new ApiError(400, 'invalid_request', 'Idempotency-Key must be 1–255 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'invalid' }]);
    const scope = c.get('principal').tokenId;
    const hash = requestHash(c.req.method, c.req.path, await c.req.text());
    const claim = await store.begin({ key, scope, requestHash: hash, expiresAt: Math.floor(clock.now() / 1000) + ttlSeconds });
    if (!claim.claimed) {
      const { existing } = claim;
      if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError(key);
      if (existing.status !== 'completed' || existing.response === undefined) throw new IdempotencyInProgressError(key);
      c.header('Idempotent-Replayed', 'true');
      return c.json(existing.response.body as object, existing.response.status as 200);
    }
    try {
      await next();
    } catch (error) {
      await store.release(scope, key);
      throw error;
    }
    if (c.res.status >= 500) {
      await store.release(scope, key);
      return;
    }
    const body: unknown = await c.res.clone().json().catch(() => null);
    await store.complete(scope, key, { status: c.res.status, body });
  };
}
