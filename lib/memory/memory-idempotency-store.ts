import { ConflictError } from '../errors.js';
import type { Clock, IdempotencyRecord, IdempotencyStore, IdempotentResponse } from '../ports.js';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Idempotency records in memory, with the DynamoDB store's semantics, expiry included. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  async begin(record: Omit<IdempotencyRecord, 'status' | 'response'>): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    await Promise.resolve();
    const pk = recordKey(record.scope, record.key);
    const existing = this.records.get(pk);
    if (existing !== undefined && holds(existing, this.clock.now())) return { claimed: false, existing: copy(existing) };
    this.records.set(pk, copy({ ...record, status: 'in_progress' }));
    return { claimed: true };
  }

  async complete(scope: string, key: string, claimId: string, response: IdempotentResponse): Promise<void> {
    await Promise.resolve();
    const pk = recordKey(scope, key);
    const existing = this.records.get(pk);
    if (existing?.status !== 'in_progress' || existing.claimId !== claimId) throw new ConflictError(`idempotency record ${pk}`, `idempotency record ${pk} is not in progress under this claim`);
    this.records.set(pk, { ...existing, status: 'completed', response: copy(response) });
  }

  async release(scope: string, key: string, claimId: string): Promise<void> {
    await Promise.resolve();
    const pk = recordKey(scope, key);
    const existing = this.records.get(pk);
    if (existing?.status === 'in_progress' && existing.claimId === claimId) this.records.delete(pk);
  }
}

/** Whether a record still holds its key: unexpired, and either completed or claimed by a request still within its time. */
function holds(record: IdempotencyRecord, nowMs: number): boolean {
  // Expired is expired, whether or not DynamoDB's TTL has removed the record yet.
  if (record.expiresAt < Math.floor(nowMs / 1000)) return false;
  return record.status === 'completed' || record.inProgressExpiresAt >= nowMs;
}

const recordKey = (scope: string, key: string) => `${scope}#${key}`;
