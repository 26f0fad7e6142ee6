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

/** Throws 403 unless the principal holds `scope` (or admin) and, when given, may act on the function or flag. */
export function authorize(principal: Principal, scope: Scope, resource: { function?: string; flag?: string } = {}): void {
  const isAdmin = principal.scopes.includes('admin');
  if (!isAdmin && !principal.scopes.includes(scope)) throw new ApiError(403, 'forbidden', `this token lacks the scope ${scope}`, [{ path: 'scopes', message: `needs ${scope}` }]);
  if (isAdmin) return;
  if (resource.function !== undefined && !globMatches(principal.functions, resource.function)) {
    throw new ApiError(403, 'forbidden', `this token may not act on function ${resource.function}`, [{ path: 'function', message: 'outside the token\'s function patterns' }]);
  }
  if (resource.flag !== undefined && !globMatches(principal.flags, resource.flag)) {
    throw new ApiError(403, 'forbidden', `this token may not act on flag ${resource.flag}`, [{ path: 'flag', message: 'outside the token\'s flag patterns' }]);
  }
}

export function mayReadFunction(principal: Principal, functionName: string): boolean {
  return principal.scopes.includes('admin') || globMatches(principal.functions, functionName);
}
