import type { Principal } from '../access.js';
import type { TokenStore } from '../ports.js';
import { ApiError } from './errors.js';
import { hashSecret, parseToken, secretMatches } from './tokens.js';

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
