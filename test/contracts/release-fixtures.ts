import type { ReleaseEvent } from '../../lib/core/events.js';
import { DEFAULT_POLICY } from '../../lib/core/policy.js';
import { applyEvent, replay } from '../../lib/core/reducer.js';
import { createRelease, type NewRelease, type Release } from '../../lib/core/release.js';
import { resolvePlan } from '../../lib/core/resolve-plan.js';
import type { ReleaseStore } from '../../lib/ports.js';

export const MINUTE = 60_000;
export const T0 = Date.parse('2026-11-23T10:00:00.000Z');
export const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

/** A release as the engine hands it to `create`: its `created` event applied, so at revision 1. */
export function newRelease(input: Partial<NewRelease> & { id: string }): { release: Release; created: ReleaseEvent } {
  const request: NewRelease = {
    function: 'checkout',
    alias: 'live',
    version: '2',
    stableVersion: '1',
    risk: 'normal',
    plan: resolvePlan(undefined, 'normal'),
    policy: DEFAULT_POLICY,
    createdAt: at(0),
    ...input,
  };
  const created: ReleaseEvent = { type: 'created', at: request.createdAt, release: request };
  return { release: applyEvent(createRelease(request), created), created };
}

export async function created(store: ReleaseStore, input: Partial<NewRelease> & { id: string }, patch: Partial<Release> = {}): Promise<Release> {
  const { release, created: event } = newRelease(input);
  return store.create({ ...release, ...patch }, event);
}

/** Applies `events` through the reducer, as the engine would, and commits the result. */
export function advance(store: ReleaseStore, current: Release, events: readonly ReleaseEvent[], patch: Partial<Release> = {}): Promise<Release> {
  return store.commit({ ...replay(current, events), ...patch }, events, current.revision);
}

export const started = (minute = 1): ReleaseEvent => ({ type: 'started', at: at(minute), weight: 1 });
export const confirmed = (minute = 1): ReleaseEvent => ({ type: 'routing_confirmed', at: at(minute), weight: 1, durationMs: 80, attempts: 1 });
export const paused = (minute = 2, reason = 'on-call asked'): ReleaseEvent => ({ type: 'paused', at: at(minute), reason, actor: 'alice' });
export const resumed = (minute = 3): ReleaseEvent => ({ type: 'resumed', at: at(minute), actor: 'alice', reason: 'fixed' });
export const abortStarted = (minute = 4): ReleaseEvent => ({ type: 'rollback_started', at: at(minute), intent: 'abort', reason: 'wrong build', actor: 'bob' });
export const aborted = (minute = 5): ReleaseEvent => ({ type: 'aborted', at: at(minute), actor: 'bob', reason: 'wrong build' });
