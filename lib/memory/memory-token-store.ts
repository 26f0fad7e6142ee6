import { ConflictError, NotFoundError } from '../errors.js';
import * as z from 'zod';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { TokenPage, TokenRecord, TokenStore } from '../ports.js';

const CursorSchema = z.strictObject({ after: z.string() });

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

  /** By id; the cursor is the last id of the page. */
  async list(query: { limit: number; cursor?: string | undefined }): Promise<TokenPage> {
    await Promise.resolve();
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, CursorSchema).after;
    const sorted = [...this.tokens.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).filter((token) => after === undefined || token.id > after);
    const items = sorted.slice(0, query.limit);
    return { items: copy(items), cursor: sorted.length > query.limit ? encodeCursor({ after: items.at(-1)!.id }) : undefined };
  }
}
