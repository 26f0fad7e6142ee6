/**
 * The read side the API and the dashboard share. Views draw what the gate stored, never a live
 * metrics query: only the evaluator asks CloudWatch, so viewers cost nothing and see what was judged.
 */
import type { ReleaseEvent } from '../core/events.js';
import type { Observation } from '../core/metrics.js';
import { storedObservation } from '../core/replay-decisions.js';
import type { ReleaseStore } from '../ports.js';

/** The release's events and what its ticks observed, in one read of the store. */
export async function releaseHistory(store: Pick<ReleaseStore, 'events'>, id: string): Promise<{ events: ReleaseEvent[]; observation: Observation }> {
  const events = (await store.events(id)).map((stored) => stored.event);
  return { events, observation: storedObservation(events) };
}
