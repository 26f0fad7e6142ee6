import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `rg_<id>_<secret>`: the id finds the record, the secret is compared with its stored hash. */
const TOKEN = /^rg_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  readonly id: string;
  readonly secret: string;
}

export function parseToken(token: string): ParsedToken | undefined {
  const match = TOKEN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** SHA-256 is enough here: a secret of 32 random bytes cannot be guessed, so no slow KDF is needed. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** A new token; its secret is shown once and only its hash is stored. */
export function mintToken(random: (size: number) => Buffer = randomBytes): ParsedToken & { token: string } {
  const id = random(10).toString('hex').slice(0, 16);
  const secret = random(32).toString('base64url');
  return { id, secret, token: `rg_${id}_${secret}` };
}
