/**
 * Who may do what: a verified token's principal and the checks of its scopes and name patterns.
 * Shared by the API, the dashboard and the read side; the HTTP layers only authenticate.
 */
import picomatch from 'picomatch';
import { ForbiddenError } from './errors.js';
import type { Scope } from './ports.js';

/** Who is calling, from a verified token. */
export interface Principal {
  readonly tokenId: string;
  readonly subject: string;
  readonly scopes: readonly Scope[];
  readonly functions: readonly string[];
  readonly flags: readonly string[];
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

/** Throws ForbiddenError (a 403) unless the principal holds `scope` (or admin) and, when given, may act on the resource. */
export function authorize(principal: Principal, scope: Scope, resource: Resource = {}): void {
  const isAdmin = principal.scopes.includes('admin');
  if (!isAdmin && !principal.scopes.includes(scope)) throw new ForbiddenError(`this token lacks the scope ${scope}`, [{ path: 'scopes', message: `needs ${scope}` }]);
  if (isAdmin) return;
  if (resource.function !== undefined && !globMatches(principal.functions, resource.function)) {
    throw new ForbiddenError(`this token may not act on function ${resource.function}`, [{ path: 'function', message: 'outside the token\'s function patterns' }]);
  }
  if (resource.flag !== undefined && !globMatches(principal.flags, resource.flag)) {
    throw new ForbiddenError(`this token may not act on flag ${resource.flag}`, [{ path: 'flag', message: 'outside the token\'s flag patterns' }]);
  }
  if (resource.everyFlag && !matchesEveryName(principal.flags)) {
    throw new ForbiddenError('this needs a token for every flag', [{ path: 'flags', message: 'the token is bound to some flag keys, not all' }]);
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
