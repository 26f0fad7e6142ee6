import picomatch from 'picomatch';
import type { Scope, TokenStore } from '../ports.js';
import { ApiError } from './errors.js';
import { hashSecret, parseToken, secretMatches } from './tokens.js';

/** Who is calling, from a verified token. */
export interface Principal {
  readonly tokenId: string;
  readonly subject: string;
  readonly scopes: readonly Scope[];
  readonly functions: readonly string[];
  readonly flags: readonly string[];
}

export interface BootstrapToken {
  readonly id: string;
  readonly secretHash: string;
}

/** The admin token from configuration, kept only as its id and hash. */
export function bootstrapToken(token: string | undefined): BootstrapToken | undefined {
  if (token === undefined || token === '') return undefined;
  const parsed = parseToken(token);
  if (parsed === undefined) throw new Error('the bootstrap admin token must look like rg_<16 lowercase letters or digits>_<43 base64url characters>');
  return { id: parsed.id, secretHash: hashSecret(parsed.secret) };
}

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);

export async function authenticate(header: string | undefined, tokens: TokenStore, bootstrap: BootstrapToken | undefined, now: number): Promise<Principal> {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw unauthorized('send Authorization: Bearer <token>');
  const parsed = parseToken(match[1]!);
  if (parsed === undefined) throw unauthorized('the token is malformed');
  if (bootstrap !== undefined && parsed.id === bootstrap.id) {
    if (!secretMatches(parsed.secret, bootstrap.secretHash)) throw unauthorized('the token is not valid');
    return { tokenId: bootstrap.id, subject: 'admin', scopes: ['admin'], functions: ['*'], flags: ['*'] };
  }
  const record = await tokens.get(parsed.id);
  // The same answer for an unknown id and a wrong secret, so ids cannot be probed.
  if (record === undefined || !secretMatches(parsed.secret, record.secretHash)) throw unauthorized('the token is not valid');
  if (record.revokedAt !== undefined) throw unauthorized('the token was revoked');
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) throw unauthorized('the token has expired');
  return { tokenId: record.id, subject: record.subject, scopes: record.scopes, functions: record.functions, flags: record.flags };
}

const matchers = new Map<string, (name: string) => boolean>();

export function globMatches(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => {
    let matcher = matchers.get(pattern);
    if (matcher === undefined) {
      matcher = picomatch(pattern, { dot: true, nobrace: true, noextglob: true });
      matchers.set(pattern, matcher);
    }
    return matcher(name);
  });
}

/**
 * Whether the patterns match every name there can be. Decided from the patterns themselves, never
 * by matching a pattern against a wildcard string (`?` matches the one-character name `*`).
 * Names have at least one character and no `/`, so a pattern matches them all exactly when it
 * is made of `*` and at most one `?`: `*`, `**`, `?*` and `*?` do; `??*` misses `a`, `a*` misses `b`.
 */
export function matchesEveryName(patterns: readonly string[]): boolean {
  return patterns.some((pattern) => /^[*?]+$/.test(pattern) && pattern.includes('*') && pattern.split('?').length - 1 <= 1);
}

/** What a call acts on: a named function or flag, or every flag at once (a shared cohort, the whole set). */
export interface Resource {
  readonly function?: string | undefined;
  readonly flag?: string | undefined;
  readonly everyFlag?: true | undefined;
}

/** Throws 403 unless the principal holds `scope` (or admin) and, when given, may act on the resource. */
export function authorize(principal: Principal, scope: Scope, resource: Resource = {}): void {
  const isAdmin = principal.scopes.includes('admin');
  if (!isAdmin && !principal.scopes.includes(scope)) throw new ApiError(403, 'forbidden', `this token lacks the scope ${scope}`, [{ path: 'scopes', message: `needs ${scope}` }]);
  if (isAdmin) return;
  if (resource.function !== undefined && !globMatches(principal.functions, resource.function)) {
    throw new ApiError(403, 'forbidden', `this token may not act on function ${resource.function}`, [{ path: 'function', message: 'outside the token\'s function patterns' }]);
  }
  if (resource.flag !== undefined && !globMatches(principal.flags, resource.flag)) {
    throw new ApiError(403, 'forbidden', `this token may not act on flag ${resource.flag}`, [{ path: 'flag', message: 'outside the token\'s flag patterns' }]);
  }
  if (resource.everyFlag && !matchesEveryName(principal.flags)) {
    throw new ApiError(403, 'forbidden', 'this needs a token for every flag', [{ path: 'flags', message: 'the token is bound to some flag keys, not all' }]);
  }
}

/** Admin, or flag patterns that match every key. */
export function mayReadEveryFlag(principal: Principal): boolean {
  return principal.scopes.includes('admin') || matchesEveryName(principal.flags);
}

export function mayReadFlag(principal: Principal, key: string): boolean {
  return principal.scopes.includes('admin') || globMatches(principal.flags, key);
}

export function mayReadFunction(principal: Principal, functionName: string): boolean {
  return principal.scopes.includes('admin') || globMatches(principal.functions, functionName);
}
