/**
 * The read side the API and the dashboard share: which releases a principal may read, what their
 * ticks observed, and the delivery report. Views draw what the gate stored, never a live metrics
 * query: only the evaluator asks CloudWatch, so viewers cost nothing and see what was judged.
 */
import { authorize, mayReadFunction, type Principal } from '../access.js';
import { deliveryMetrics, type DeliveryMetrics } from '../core/delivery.js';
import type { ReleaseEvent } from '../core/events.js';
import type { Observation } from '../core/metrics.js';
import type { Release } from '../core/release.js';
import { storedObservation } from '../core/replay-decisions.js';
import { NotFoundError } from '../errors.js';
import type { ReleaseStore } from '../ports.js';

/** The most releases one delivery report reads; a wider window is reported truncated. */
export const MAX_REPORT_RELEASES = 5_000;

/** A release the principal may read. One outside its functions is reported missing, so names cannot be probed. */
export async function readableRelease(store: Pick<ReleaseStore, 'get'>, principal: Principal, id: string): Promise<Release> {
  authorize(principal, 'releases:read');
  const release = await store.get(id);
  if (release === undefined || !mayReadFunction(principal, release.function)) throw new NotFoundError(`release ${id}`);
  return release;
}

/** The release's events and what its ticks observed, in one read of the store. */
export async function releaseHistory(store: Pick<ReleaseStore, 'events'>, id: string): Promise<{ events: ReleaseEvent[]; observation: Observation }> {
  const events = (await store.events(id)).map((stored) => stored.event);
  return { events, observation: storedObservation(events) };
}

/** The delivery metrics of the releases the principal may read, created in `[since, until)`, of one function or all. */
export async function deliveryReport(
  store: Pick<ReleaseStore, 'list'>,
  principal: Principal,
  window: { readonly since: number; readonly until: number; readonly function?: string | undefined },
): Promise<{ metrics: DeliveryMetrics; truncated: boolean }> {
  authorize(principal, 'releases:read', window.function === undefined ? {} : { function: window.function });
  const releases: Release[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ function: window.function, since: window.since, limit: 100, cursor });
    releases.push(...page.items.filter((release) => mayReadFunction(principal, release.function)));
    cursor = page.cursor;
  } while (cursor !== undefined && releases.length < MAX_REPORT_RELEASES);
  return { metrics: deliveryMetrics(releases, { since: window.since, until: window.until }), truncated: cursor !== undefined };
}
