import type { ReleaseEvent } from '../core/events.js';
import { applyEvent } from '../core/reducer.js';
import { isTerminal, type Release } from '../core/release.js';
import type { NoticeKind } from '../ports.js';
import type { EngineDeps } from './deps.js';

/** When the evaluator should look again: at once, after the interval, or as already planned. */
export type Schedule = 'now' | 'next' | 'keep';

const iso = (epochMs: number) => new Date(epochMs).toISOString();

function nextEvaluation(deps: EngineDeps, release: Release, schedule: Schedule, now: number): string | undefined {
  if (isTerminal(release.state) || release.state === 'paused') return undefined;
  // Other evaluators stay away while this one confirms the rollback; a stuck one is retried soon.
  if (release.state === 'rolling_back') return iso(now + deps.config.rollbackRetryMs);
  if (schedule === 'now') return iso(now);
  if (schedule === 'keep' && release.nextEvaluationAt !== undefined) return release.nextEvaluationAt;
  return iso(now + deps.config.evaluationIntervalMs);
}

/**
 * Applies `events` through the state machine and writes them with the new state in one
 * conditional write on the release's revision. A lost race throws ConflictError.
 */
export async function persist(deps: EngineDeps, release: Release, events: readonly ReleaseEvent[], schedule: Schedule): Promise<Release> {
  const next = events.reduce(applyEvent, release);
  const nextEvaluationAt = nextEvaluation(deps, next, schedule, deps.clock.now());
  return deps.store.commit({ ...next, nextEvaluationAt }, events, release.revision);
}

/** Notifications are best effort: a failing topic or webhook never blocks a release. */
export async function notify(deps: EngineDeps, kind: NoticeKind, release: Release, message: string): Promise<void> {
  try {
    await deps.notifier.notify({ kind, release, message });
  } catch (error) {
    deps.logger.warn('notification failed', { releaseId: release.id, kind, error: String(error) });
  }
}

export const nowIso = (deps: EngineDeps) => iso(deps.clock.now());
