/**
 * Dashboard sessions. A person pastes an API token once; it lives in an HttpOnly, SameSite=Strict
 * cookie and is checked like a bearer token on every request, so revoking or expiring the token
 * ends the session at once and the server keeps no session state.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ApiDeps } from '../api/deps.js';
import { authenticate } from '../api/auth.js';
import { type Principal } from '../access.js';
import { ApiError } from '../api/errors.js';

export const SESSION_COOKIE = 'rg_session';
/** A session outlives a working day at most; the token's own expiry still applies. */
const SESSION_SECONDS = 12 * 3600;
const CSRF_CONTEXT = 'release-gate dashboard csrf v1';

export interface Session {
  readonly principal: Principal;
  /** The hidden field every form on the page carries. */
  readonly csrf: string;
}

/** Validates a token exactly as the API does; throws ApiError 401 with a message safe to show. */
export async function checkToken(token: string, deps: ApiDeps): Promise<Principal> {
  return authenticate(`Bearer ${token}`, deps.tokens, deps.bootstrapAdmin, deps.engine.clock.now());
}

/** The session of this request; throws ApiError 401 without a valid cookie. */
export async function readSession(c: Context, deps: ApiDeps): Promise<Session> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined || token === '') throw new ApiError(401, 'unauthorized', 'sign in with a token');
  return { principal: await checkToken(token, deps), csrf: csrfToken(token) };
}

function isHttps(c: Context): boolean {
  // Behind API Gateway or a proxy the scheme arrives in X-Forwarded-Proto.
  return new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto')?.split(',')[0]?.trim() === 'https';
}

export function startSession(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: isHttps(c), maxAge: SESSION_SECONDS });
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: 'Strict', path: '/', secure: isHttps(c) });
}

/**
 * The CSRF token is an HMAC keyed with the session's own secret token: only someone who holds the
 * cookie can compute it, it is the same on every server, and it reveals nothing about the token.
 */
export function csrfToken(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(CSRF_CONTEXT).digest('base64url');
}

export function csrfMatches(c: Context, given: unknown): boolean {
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined || typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(token));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Browsers say where a request came from; a form posted from another site (or a sibling
 * subdomain) is refused even before the CSRF field is looked at, which also stops login CSRF.
 */
export function crossSite(secFetchSite: string | undefined): boolean {
  return secFetchSite === 'cross-site' || secFetchSite === 'same-site';
}
