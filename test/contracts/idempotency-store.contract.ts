import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../lib/errors.js';
import type { IdempotencyStore } from '../../lib/ports.js';

/** A clock the test moves by hand. */
export interface ManualClock {
  now(): number;
  set(epochMs: number): void;
}

function manualClock(start: number): ManualClock {
  let now = start;
  return { now: () => now, set: (epochMs) => (now = epochMs) };
}

const NOW = Date.parse('2026-11-23T10:00:00.000Z');
const NOW_SECONDS = NOW / 1000;
const LEASE_MS = 30_000;
const request = (overrides: { key?: string; scope?: string; requestHash?: string; claimId?: string; inProgressExpiresAt?: number; expiresAt?: number } = {}) => ({
  key: 'key-1',
  scope: 'tok-1',
  requestHash: 'hash-a',
  claimId: 'claim-a',
  inProgressExpiresAt: NOW + LEASE_MS,
  expiresAt: NOW_SECONDS + 3600,
  ...overrides,
});

/** Every IdempotencyStore must pass this; `makeStore` wires the store to the clock the test moves. */
export function idempotencyStoreContract(name: string, makeStore: (clock: ManualClock) => Promise<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    it('claims a new key once; a second claim gets the record in progress', async () => {
      const store = await makeStore(manualClock(NOW));
      expect(await store.begin(request())).toEqual({ claimed: true });
      expect(await store.begin(request({ requestHash: 'hash-b', claimId: 'claim-b' }))).toEqual({ claimed: false, existing: { ...request(), status: 'in_progress' } });
    });

    it('keeps keys of different scopes apart', async () => {
      const store = await makeStore(manualClock(NOW));
      expect(await store.begin(request())).toEqual({ claimed: true });
      expect(await store.begin(request({ scope: 'tok-2' }))).toEqual({ claimed: true });
      expect(await store.begin(request({ key: 'key-2' }))).toEqual({ claimed: true });
    });

    it('hands the stored response, headers included, to later claims once completed, and completes only once', async () => {
      const store = await makeStore(manualClock(NOW));
      await store.begin(request());
      const response = { status: 201, body: { id: 'rel-1', steps: [1, 10, 100], nested: { ok: true, note: null } }, headers: { Location: '/releases/rel-1' } };
      await store.complete('tok-1', 'key-1', 'claim-a', response);
      expect(await store.begin(request({ claimId: 'claim-b' }))).toEqual({ claimed: false, existing: { ...request(), status: 'completed', response } });
      const again = await store.complete('tok-1', 'key-1', 'claim-a', { status: 200, body: 'late' }).then(() => undefined, (error: unknown) => error);
      expect(again).toBeInstanceOf(ConflictError);
      expect(await store.begin(request())).toMatchObject({ existing: { response } });
    });

    it('refuses to complete a key nobody claimed', async () => {
      const store = await makeStore(manualClock(NOW));
      const error = await store.complete('tok-1', 'never', 'claim-a', { status: 200, body: {} }).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConflictError);
      expect(await store.begin(request({ key: 'never' }))).toEqual({ claimed: true });
    });

    it('treats a record as gone once it has expired, before TTL removes it', async () => {
      const clock = manualClock(NOW);
      const store = await makeStore(clock);
      const expiresAt = NOW_SECONDS + 60;
      await store.begin(request({ expiresAt }));
      await store.complete('tok-1', 'key-1', 'claim-a', { status: 200, body: 'first' });
      clock.set(expiresAt * 1000 + 999);
      expect(await store.begin(request({ requestHash: 'hash-b', claimId: 'claim-b' }))).toMatchObject({ claimed: false, existing: { requestHash: 'hash-a' } });
      clock.set((expiresAt + 1) * 1000);
      const renewed = request({ requestHash: 'hash-b', claimId: 'claim-b', inProgressExpiresAt: (expiresAt + 1) * 1000 + LEASE_MS, expiresAt: expiresAt + 3600 });
      expect(await store.begin(renewed)).toEqual({ claimed: true });
      expect(await store.begin(request({ claimId: 'claim-c' }))).toEqual({ claimed: false, existing: { ...renewed, status: 'in_progress' } });
    });

    it('lets a retry take over a claim whose request never finished, once its in-progress time has passed', async () => {
      const clock = manualClock(NOW);
      const store = await makeStore(clock);
      await store.begin(request());
      clock.set(NOW + LEASE_MS);
      expect(await store.begin(request({ claimId: 'claim-b', inProgressExpiresAt: NOW + 2 * LEASE_MS }))).toMatchObject({ claimed: false, existing: { claimId: 'claim-a' } });
      clock.set(NOW + LEASE_MS + 1);
      const takeover = request({ claimId: 'claim-b', inProgressExpiresAt: NOW + 2 * LEASE_MS + 1 });
      expect(await store.begin(takeover)).toEqual({ claimed: true });
      // The abandoned request waking up late neither completes nor frees the new holder's claim.
      const late = await store.complete('tok-1', 'key-1', 'claim-a', { status: 201, body: 'stale' }).then(() => undefined, (error: unknown) => error);
      expect(late).toBeInstanceOf(ConflictError);
      await store.release('tok-1', 'key-1', 'claim-a');
      expect(await store.begin(request({ claimId: 'claim-c' }))).toEqual({ claimed: false, existing: { ...takeover, status: 'in_progress' } });
      await store.complete('tok-1', 'key-1', 'claim-b', { status: 201, body: 'fresh' });
      expect(await store.begin(request({ claimId: 'claim-c' }))).toMatchObject({ claimed: false, existing: { status: 'completed', response: { body: 'fresh' } } });
    });

    it('never takes over a completed answer, however old its claim', async () => {
      const clock = manualClock(NOW);
      const store = await makeStore(clock);
      await store.begin(request());
      await store.complete('tok-1', 'key-1', 'claim-a', { status: 201, body: 'kept' });
      clock.set(NOW + 10 * LEASE_MS);
      expect(await store.begin(request({ claimId: 'claim-b', inProgressExpiresAt: NOW + 11 * LEASE_MS }))).toMatchObject({ claimed: false, existing: { status: 'completed' } });
    });

    it('lets a retry claim a key released after a failure, but keeps completed responses', async () => {
      const store = await makeStore(manualClock(NOW));
      await store.begin(request());
      await store.release('tok-1', 'key-1', 'claim-a');
      expect(await store.begin(request({ requestHash: 'hash-b', claimId: 'claim-b' }))).toEqual({ claimed: true });

      await store.complete('tok-1', 'key-1', 'claim-b', { status: 202, body: 'kept' });
      await store.release('tok-1', 'key-1', 'claim-b');
      expect(await store.begin(request())).toMatchObject({ claimed: false, existing: { status: 'completed', response: { body: 'kept' } } });
      await store.release('tok-1', 'no-such-key', 'claim-a');
    });
  });
}
