import { decide } from '../core/decide.js';
import type { Decision } from '../core/decision.js';
import { eventsForDecision } from '../core/decision-events.js';
import type { ReleaseEvent } from '../core/events.js';
import type { AliasRouting } from '../core/release.js';
import { weightText } from '../core/format.js';
import { routingConfirmed } from '../core/exposure.js';
import type { Observation } from '../core/metrics.js';
import { describeRouting } from '../core/reducer.js';
import { isTerminal, type Release } from '../core/release.js';
import { holdForAfterHook, syntheticDraft } from '../core/synthetic.js';
import { needsObservation, observedInputs } from '../core/observations.js';
import { ConflictError, DriftError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { metricsRequest } from './observe.js';
import { notify, nowIso, persist } from './persist.js';
import { finishRollback } from './rollback.js';
import { applyWeight, routesAsExpected, routingFor, sameRouting } from './routing.js';
import { applySyntheticDraft, runSynthetic, waitingForBeforeHook } from './synthetic.js';

export type TickOutcome =
  | { readonly releaseId: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly releaseId: string; readonly status: 'decided'; readonly decision: Decision; readonly release: Release }
  | { readonly releaseId: string; readonly status: 'drift'; readonly release: Release }
  | { readonly releaseId: string; readonly status: 'rollback_pending'; readonly release: Release; readonly error: string }
  | { readonly releaseId: string; readonly status: 'failed'; readonly error: string };

export interface TickOptions {
  /** A release and observation loaded by tickDue for many releases at once; used on the first attempt only. */
  readonly preloaded?: { readonly release: Release; readonly observation?: Observation | undefined } | undefined;
}

const isDue = (release: Release, now: number) => release.nextEvaluationAt !== undefined && Date.parse(release.nextEvaluationAt) <= now;

/**
 * One evaluation of one release: load, check the alias for drift, observe, decide, persist with a
 * conditional write, then act. Only the evaluator whose write wins acts, so a decision is never
 * acted on twice; the losers reload, find the release no longer due, and stop.
 */
export async function tick(deps: EngineDeps, releaseId: string, options: TickOptions = {}): Promise<TickOutcome> {
  for (let attempt = 0; attempt <= deps.config.conflictRetries; attempt += 1) {
    const preloaded = attempt === 0 ? options.preloaded : undefined;
    const release = preloaded?.release ?? (await deps.store.get(releaseId));
    if (release === undefined) return { releaseId, status: 'skipped', reason: 'not found' };
    const now = deps.clock.now();
    if (isTerminal(release.state)) return { releaseId, status: 'skipped', reason: `already ${release.state}` };
    if (!isDue(release, now)) return { releaseId, status: 'skipped', reason: 'not due' };
    try {
      if (release.state === 'rolling_back') {
        const outcome = await finishRollback(deps, release);
        if (outcome.status === 'pending') return { releaseId, status: 'rollback_pending', release: outcome.release, error: outcome.error };
        return { releaseId, status: 'skipped', reason: 'rollback confirmed' };
      }
      return await evaluate(deps, release, now, preloaded?.observation);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      deps.logger.info('lost a conditional write; reloading', { releaseId, attempt });
    }
  }
  return { releaseId, status: 'failed', error: `gave up after ${deps.config.conflictRetries + 1} conflicting writes` };
}

async function evaluate(deps: EngineDeps, loaded: Release, now: number, observation: Observation | undefined): Promise<TickOutcome> {
  const releaseId = loaded.id;
  const actual = await deps.router.read(loaded.function, loaded.alias);
  if (!routesAsExpected(loaded, actual)) {
    return { releaseId, status: 'drift', release: await recordDrift(deps, loaded, routingFor(loaded, loaded.weight), actual) };
  }
  let release = await confirmRouting(deps, loaded, actual);
  release = await applyFlagStep(deps, release);
  if (release.state === 'paused') return { releaseId, status: 'skipped', reason: release.pauseReason ?? 'paused' };

  // Synthetic evidence (lib/core/synthetic.ts) runs first; its override stands in for decide's until decide makes it itself.
  release = await runSynthetic(deps, release);
  if (waitingForBeforeHook(release)) return { releaseId, status: 'skipped', reason: 'waiting to run the before-hook' };
  // One reading of the clock: a replay decides the override again at the decision's own time.
  const overrideAt = deps.clock.now();
  const override = syntheticDraft(release, overrideAt);
  if (override !== undefined) {
    const outcome = await applySyntheticDraft(deps, release, override, overrideAt);
    if (outcome.rollback?.status === 'pending') return { releaseId, status: 'rollback_pending', release: outcome.release, error: outcome.rollback.error };
    return { releaseId, status: 'decided', decision: outcome.decision, release: outcome.release };
  }

  const seen = needsObservation(release) ? (observation ?? (await observeOne(deps, release, now))) : { ok: true as const, periods: [] };
  const decision = holdForAfterHook(release, decide(release, seen, now));
  if (decision.action === 'none') return { releaseId, status: 'skipped', reason: decision.explanation };
  const observed: ReleaseEvent = { type: 'observed', at: decision.at, inputs: observedInputs(release, seen) };
  const saved = await persist(deps, release, [observed, ...eventsForDecision(release, decision)], 'next');
  deps.logger.info('decided', { releaseId, action: decision.action, reason: decision.reason, weight: saved.weight, explanation: decision.explanation });

  switch (decision.action) {
    case 'advance':
    case 'promote': {
      const routed = await confirmRouting(deps, saved);
      return { releaseId, status: 'decided', decision, release: await applyFlagStep(deps, routed) };
    }
    case 'rollback': {
      const outcome = await finishRollback(deps, saved);
      if (outcome.status === 'pending') return { releaseId, status: 'rollback_pending', release: outcome.release, error: outcome.error };
      return { releaseId, status: 'decided', decision, release: outcome.release };
    }
    case 'pause':
      await notify(deps, 'paused', saved, `${saved.function}:${saved.alias} paused at ${weightText(saved.weight)}: ${decision.explanation}`);
      return { releaseId, status: 'decided', decision, release: saved };
    case 'succeed':
      await notify(deps, 'succeeded', saved, `${saved.function}:${saved.alias} now runs version ${saved.version}: ${decision.explanation}`);
      return { releaseId, status: 'decided', decision, release: saved };
    case 'hold':
      return { releaseId, status: 'decided', decision, release: saved };
  }
}

async function observeOne(deps: EngineDeps, release: Release, now: number): Promise<Observation> {
  const answers = await deps.metrics.observe([metricsRequest(release, now)]);
  return answers.get(release.id) ?? { ok: false, error: 'the metrics source gave no answer for this release' };
}

/**
 * When the gate last saw the alias as it expected. Every decision follows a read of the alias
 * (evaluate reads it first), and so does a confirmation; someone's change came after the later.
 */
function lastSeenAsExpected(release: Release): string | undefined {
  const seen = [release.confirmedAt, release.decisions.at(-1)?.at].filter((at): at is string => at !== undefined).map(Date.parse);
  return seen.length === 0 ? undefined : new Date(Math.max(...seen)).toISOString();
}

async function recordDrift(deps: EngineDeps, release: Release, expected: AliasRouting, actual: AliasRouting): Promise<Release> {
  const since = lastSeenAsExpected(release);
  const saved = await persist(deps, release, [{ type: 'drift_detected', at: nowIso(deps), expected, actual, since }], 'keep');
  deps.logger.warn('alias drift; release paused', { releaseId: release.id, expected, actual });
  await notify(
    deps,
    'drift_detected',
    saved,
    `${release.function}:${release.alias} was changed outside Release Gate (now ${describeRouting(actual)}, expected ${describeRouting(expected)}); the release is paused and the alias left as it is`,
  );
  return saved;
}

/**
 * Makes the alias route at the release's decided weight and records the read-back, which starts
 * the step's clock again (see lib/core/exposure.ts). When the alias already routes that way (after
 * a resume, or a tick that died after its UpdateAlias) it is only read and recorded. A failed
 * update leaves the release unconfirmed, and its bake stopped; the next tick tries again.
 */
export async function confirmRouting(deps: EngineDeps, release: Release, known?: AliasRouting): Promise<Release> {
  if ((release.state !== 'progressing' && release.state !== 'promoted') || routingConfirmed(release)) return release;
  const started = deps.clock.now();
  const wanted = routingFor(release, release.weight);
  let current = known;
  if (current === undefined && release.aliasWeight === release.weight) {
    try {
      current = await deps.router.read(release.function, release.alias);
    } catch (error) {
      deps.logger.error('alias read failed; will confirm next tick', { releaseId: release.id, error: String(error) });
      return release;
    }
    // Nothing was to change, so any other routing is someone else's.
    if (!sameRouting(current, wanted)) return recordDrift(deps, release, wanted, current);
  }
  let attempts = 0;
  if (current === undefined || !sameRouting(current, wanted)) {
    attempts = 1;
    try {
      await applyWeight(deps.router, release, release.weight);
    } catch (error) {
      if (error instanceof DriftError) return recordDrift(deps, release, error.expected, error.actual);
      deps.logger.error('alias update failed; will retry next tick', { releaseId: release.id, weight: release.weight, error: String(error) });
      return release;
    }
  }
  const durationMs = deps.clock.now() - started;
  try {
    return await persist(deps, release, [{ type: 'routing_confirmed', at: nowIso(deps), weight: release.weight, durationMs, attempts }], 'keep');
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // A person acted meanwhile; their write stands and the next tick confirms from there.
    return (await deps.store.get(release.id)) ?? release;
  }
}

/** A plan's flag step ramps its flag when the release reaches it, once; a failure pauses the release. */
async function applyFlagStep(deps: EngineDeps, release: Release): Promise<Release> {
  const step = release.plan.steps[release.stepIndex];
  if (release.state !== 'progressing' || step?.type !== 'flag') return release;
  if (release.flags.some((touch) => touch.stepIndex === release.stepIndex)) return release;
  const at = nowIso(deps);
  try {
    if (deps.flags === undefined) throw new Error('no flag store is configured');
    const applied = await deps.flags.ramp({ key: step.key, cohort: step.cohort, percent: step.percent, actor: 'release-gate', reason: `release ${release.id}, step ${release.stepIndex + 1}` });
    const flag = { stepIndex: release.stepIndex, key: step.key, cohort: step.cohort, percent: step.percent, ...applied, at };
    return await persist(deps, release, [{ type: 'flag_changed', at, flag }], 'keep');
  } catch (error) {
    if (error instanceof ConflictError) throw error;
    const reason = `flag ${step.key} could not be ramped to ${step.percent}% for ${step.cohort}: ${error instanceof Error ? error.message : String(error)}`;
    deps.logger.error('flag step failed; pausing', { releaseId: release.id, reason });
    const saved = await persist(deps, release, [{ type: 'paused', at, reason }], 'keep');
    await notify(deps, 'paused', saved, `${release.function}:${release.alias} paused: ${reason}`);
    return saved;
  }
}
