import type { ReleaseEvent } from '../../lib/core/events.js';
import { MemoryIdempotencyStore } from '../../lib/memory/memory-idempotency-store.js';
import { MemoryReleaseStore } from '../../lib/memory/memory-release-store.js';
import { MemoryTokenStore } from '../../lib/memory/memory-token-store.js';
import { idempotencyStoreContract } from '../contracts/idempotency-store.contract.js';
import { releaseStoreContract } from '../contracts/release-store.contract.js';
import { tokenStoreContract } from '../contracts/token-store.contract.js';

/** Reaches the history the way someone with access to the storage could. */
class TamperableMemoryReleaseStore extends MemoryReleaseStore {
  tamper(releaseId: string, seq: number, edit: (event: ReleaseEvent) => ReleaseEvent): void {
    const events = this.history.get(releaseId) ?? [];
    const index = events.findIndex((stored) => stored.seq === seq);
    if (index < 0) throw new Error(`release ${releaseId} has no event ${seq}`);
    events[index] = { ...events[index]!, event: edit(events[index]!.event) };
  }
}

releaseStoreContract('MemoryReleaseStore', () => Promise.resolve(new TamperableMemoryReleaseStore()), {
  tamperEvent: (store, releaseId, seq, edit) => {
    if (!(store instanceof TamperableMemoryReleaseStore)) throw new Error('not a store this harness made');
    store.tamper(releaseId, seq, edit);
    return Promise.resolve();
  },
  propertyRuns: 50,
});

idempotencyStoreContract('MemoryIdempotencyStore', (clock) => Promise.resolve(new MemoryIdempotencyStore(clock)));

tokenStoreContract('MemoryTokenStore', () => Promise.resolve(new MemoryTokenStore()));
