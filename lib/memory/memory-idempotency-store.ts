import { ConflictError } from '../errors.js';
import type { Clock, IdempotencyRecord, IdempotencyStore } from '../ports.js';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Idempotency records in memory, with the DynamoDB store's semantics, expiry included. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  async begin(record: Omit<IdempotencyRecord, 'status' | 'response'>): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    await Promise.resolve();
    const pk = recordKey(record.scope, record.key);
    const existing = this.records.get(pk);
    // Expired is expired, whether or not DynamoDB's TTL has removed the record yet.
    if (existing !== undefined && existing.expiresAt >= Math.floor(this.clock.now() / 1000)) return { claimed: false, existing: copy(existing) };
    this.records.set(pk, copy({ ...record, status: 'in_progress' }));
    return { claimed: true };
  }

  async complete(scope: string, key: string, response: { status: number; body: unknown }): Promise<void> {
    await Promise.resolve();
    const pk = recordKey(scope, key);
    const existing = this.records.get(pk);
    if (existing?.status !== 'in_progress') throw new ConflictError(`idempotency record ${pk}`, `idempotency record ${pk} is not in progress`);
    this.records.set(pk, { ...existing, status: 'completed', response: copy(response) });
  }

  async release(scope: string, key: string): Promise<void> {
    await Promise.resolve();
    const pk = recordKey(scope, key);
    if (this.records.get(pk)?.status === 'in_progress') this.records.delete(pk);
  }
}

const recordKey = (scope: string, key: string) => `${scope}#${key}`;
