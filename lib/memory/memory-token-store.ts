import { ConflictError, NotFoundError } from '../errors.js';
import type { TokenRecord, TokenStore } from '../ports.js';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** API tokens in memory, with the DynamoDB store's semantics: never deleted, revoked once. */
export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();

  async get(id: string): Promise<TokenRecord | undefined> {
    await Promise.resolve();
    const token = this.tokens.get(id);
    return token && copy(token);
  }

  async create(record: TokenRecord): Promise<void> {
    await Promise.resolve();
    if (this.tokens.has(record.id)) throw new ConflictError(`token ${record.id}`, `token ${record.id} already exists`);
    this.tokens.set(record.id, copy(record));
  }

  async revoke(id: string, at: string, by: string): Promise<TokenRecord> {
    await Promise.resolve();
    const token = this.tokens.get(id);
    if (token === undefined) throw new NotFoundError(`token ${id}`);
    // Revoked already: the first revocation's time and author stand.
    if (token.revokedAt === undefined) this.tokens.set(id, { ...token, revokedAt: at, revokedBy: by });
    return copy(this.tokens.get(id)!);
  }

  async list(): Promise<TokenRecord[]> {
    await Promise.resolve();
    return copy([...this.tokens.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }
}
