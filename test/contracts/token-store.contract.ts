import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidCursorError, NotFoundError } from '../../lib/errors.js';
import type { TokenRecord, TokenStore } from '../../lib/ports.js';

const token = (id: string, overrides: Partial<TokenRecord> = {}): TokenRecord => ({
  id,
  secretHash: `sha256-of-${id}`,
  subject: 'ci@example.com',
  scopes: ['releases:read', 'releases:write'],
  functions: ['checkout-*'],
  flags: [],
  createdAt: '2026-11-23T10:00:00.000Z',
  createdBy: 'admin@example.com',
  ...overrides,
});

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/** Every TokenStore must pass this; the DynamoDB store and its in-memory twin both run it. */
export function tokenStoreContract(name: string, makeStore: () => Promise<TokenStore>): void {
  describe(`TokenStore contract: ${name}`, () => {
    it('stores a token and reads it back; an unknown id is undefined', async () => {
      const store = await makeStore();
      const record = token('tok-1', { expiresAt: '2027-01-01T00:00:00.000Z', flags: ['beta.*'] });
      await store.create(record);
      expect(await store.get('tok-1')).toEqual(record);
      expect(await store.get('tok-2')).toBeUndefined();
    });

    it('refuses a duplicate id with ConflictError and keeps the first token', async () => {
      const store = await makeStore();
      await store.create(token('tok-1'));
      const error = await failure(store.create(token('tok-1', { subject: 'intruder' })));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ record: 'token tok-1' });
      expect(await store.get('tok-1')).toEqual(token('tok-1'));
    });

    it('stamps a revocation once; revoking again returns the first stamp', async () => {
      const store = await makeStore();
      await store.create(token('tok-1'));
      const revoked = await store.revoke('tok-1', '2026-11-24T08:00:00.000Z', 'alice');
      expect(revoked).toEqual({ ...token('tok-1'), revokedAt: '2026-11-24T08:00:00.000Z', revokedBy: 'alice' });
      expect(await store.get('tok-1')).toEqual(revoked);
      expect(await store.revoke('tok-1', '2026-11-25T08:00:00.000Z', 'bob')).toEqual(revoked);
    });

    it('refuses to revoke an unknown token with NotFoundError and creates nothing', async () => {
      const store = await makeStore();
      const error = await failure(store.revoke('tok-ghost', '2026-11-24T08:00:00.000Z', 'alice'));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ record: 'token tok-ghost' });
      expect(await store.get('tok-ghost')).toBeUndefined();
      expect((await store.list({ limit: 10 })).items).toEqual([]);
    });

    it('lists every token once across its pages, revoked ones included', async () => {
      const store = await makeStore();
      const ids = Array.from({ length: 23 }, (_, index) => `tok-${String(index).padStart(2, '0')}`).reverse();
      for (const id of ids) await store.create(token(id));
      const revoked = await store.revoke('tok-07', '2026-11-24T08:00:00.000Z', 'alice');
      const seen: TokenRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ limit: 5, cursor });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items);
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined && pages < 20);
      expect(pages).toBeGreaterThanOrEqual(5);
      expect(seen.map((record) => record.id).sort()).toEqual([...ids].sort());
      expect(seen.find((record) => record.id === 'tok-07')).toEqual(revoked);
    });

    it('refuses a cursor it did not hand out', async () => {
      const store = await makeStore();
      await store.create(token('tok-1'));
      expect(await failure(store.list({ limit: 5, cursor: 'bm90LWEtY3Vyc29y' }))).toBeInstanceOf(InvalidCursorError);
      expect(await failure(store.list({ limit: 5, cursor: '%%%' }))).toBeInstanceOf(InvalidCursorError);
    });
  });
}
