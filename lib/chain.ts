import { createHash } from 'node:crypto';
import { canonicalJson } from './core/canonical-json.js';
import type { ReleaseEvent } from './core/events.js';
import type { ChainVerification, StoredEvent } from './ports.js';

/** The hash before a release's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 of the previous hash and the event's content: editing any event breaks every hash after it. */
export function eventHash(prevHash: string, releaseId: string, seq: number, event: ReleaseEvent): string {
  return createHash('sha256').update(`${prevHash}\n${releaseId}\n${seq}\n${canonicalJson(event)}`).digest('hex');
}

/** Links `events` after `head`, numbering them from `firstSeq`. */
export function chainEvents(releaseId: string, head: string, firstSeq: number, events: readonly ReleaseEvent[]): StoredEvent[] {
  const stored: StoredEvent[] = [];
  let prevHash = head;
  events.forEach((event, index) => {
    const seq = firstSeq + index;
    const hash = eventHash(prevHash, releaseId, seq, event);
    stored.push({ releaseId, seq, event, prevHash, hash });
    prevHash = hash;
  });
  return stored;
}

/** Recomputes the chain; `head` is the hash the release record says its latest event has. */
export function verifyEvents(releaseId: string, events: readonly StoredEvent[], head?: string): ChainVerification {
  let prevHash = GENESIS_HASH;
  for (const [index, stored] of events.entries()) {
    const seq = index + 1;
    if (stored.seq !== seq) return { ok: false, events: events.length, brokenAt: stored.seq, reason: `expected event ${seq}, found ${stored.seq}` };
    if (stored.prevHash !== prevHash) return { ok: false, events: events.length, brokenAt: seq, reason: 'does not link to the event before it' };
    if (eventHash(prevHash, releaseId, seq, stored.event) !== stored.hash) return { ok: false, events: events.length, brokenAt: seq, reason: 'content does not match its hash' };
    prevHash = stored.hash;
  }
  if (head !== undefined && head !== prevHash) return { ok: false, events: events.length, brokenAt: events.length, reason: 'the release record points past the last event' };
  return { ok: true, events: events.length };
}
