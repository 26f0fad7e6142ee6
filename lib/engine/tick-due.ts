import pLimit from 'p-limit';
import type { Observation } from '../core/metrics.js';
import type { Release } from '../core/release.js';
import type { EngineDeps } from './deps.js';
import { needsObservation } from '../core/observations.js';
import { metricsRequest } from './observe.js';
import { tick, type TickOutcome } from './tick.js';

export interface TickDueResult {
  readonly due: number;
  readonly outcomes: readonly TickOutcome[];
}

/**
 * Ticks every due release: one query for the due ids, their records, one batched metrics call
 * for all of them, then the ticks with bounded concurrency. One release's failure never stops
 * the others.
 */
export async function tickDue(deps: EngineDeps): Promise<TickDueResult> {
  const now = deps.clock.now();
  const ids = await deps.store.due(now, deps.config.dueBatchSize);
  const limit = pLimit(deps.config.tickConcurrency);
  const loaded = await Promise.all(
    ids.map((id) =>
      limit(async () => {
        try {
          return await deps.store.get(id);
        } catch (error) {
          deps.logger.error('could not load a due release', { releaseId: id, error: String(error) });
          return undefined;
        }
      }),
    ),
  );
  const releases = loaded.filter((release): release is Release => release !== undefined);
  const observations = await observeAll(deps, releases.filter(needsObservation), now);
  const outcomes = await Promise.all(
    ids.map((id) =>
      limit(async (): Promise<TickOutcome> => {
        const release = releases.find((candidate) => candidate.id === id);
        try {
          return await tick(deps, id, { preloaded: release && { release, observation: observations.get(id) } });
        } catch (error) {
          deps.logger.error('tick failed', { releaseId: id, error: String(error), stack: error instanceof Error ? error.stack : undefined });
          return { releaseId: id, status: 'failed', error: error instanceof Error ? error.message : String(error) };
        }
      }),
    ),
  );
  return { due: ids.length, outcomes };
}

async function observeAll(deps: EngineDeps, releases: readonly Release[], now: number): Promise<Map<string, Observation>> {
  if (releases.length === 0) return new Map();
  try {
    return await deps.metrics.observe(releases.map((release) => metricsRequest(release, now)));
  } catch (error) {
    // Sources report failures as data; this is a bug in one, and each tick will ask again alone.
    deps.logger.error('metrics source threw', { error: String(error) });
    return new Map();
  }
}
