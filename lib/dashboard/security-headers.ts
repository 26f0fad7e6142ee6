import type { MiddlewareHandler } from 'hono';
import { REFRESH_SCRIPT_HASH } from './refresh-script.js';
import { CSS_HASH } from './styles.js';

/**
 * Pages may load nothing from anywhere: the one stylesheet and the one script are inline and
 * allowed by hash, forms post only to the gate, and no other site may frame the action buttons.
 */
const CSP = [
  "default-src 'none'",
  `style-src '${CSS_HASH}'`,
  `script-src '${REFRESH_SCRIPT_HASH}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', CSP);
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Referrer-Policy', 'same-origin');
    // Pages show live state and who may act: never from a cache. Static assets say otherwise.
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  };
}
