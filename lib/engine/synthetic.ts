import pLimit from 'p-limit';
import type { Decision } from '../core/decision.js';
import { ANALYSIS_VERSION } from '../core/observations.js';
import type { ReleaseEvent } from '../core/events.js';
import { routingConfirmed } from '../core/exposure.js';
import { weightText } from '../core/format.js';
import type { Release } from '../core/release.js';
import { hookDue, hookOutcome, hookPayload, syntheticDecision, type SyntheticDraft } from '../core/synthetic.js';
import { type HookPhase, type HookRun, type ProbeTick } from '../core/synthetic-config.js';
import { DependencyUnavailableError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { notify, nowIso, persist } from './persist.js';
import { finishRollback, type RollbackOutcome } from './rollback.js';

/** Invocations in flight at once per release: probes must not become a load test of their own. */
export const PROBE_CONCURRENCY = 4;

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300);

/** The hook phase a release owes now: before its first shift, or once its promotion is confirmed. */
function duePhase(release: Release): HookPhase | undefined {
  if (release.state === 'pending' && hookDue(release, 'before')) return 'before';
  if (release.state === 'promoted' && routingConfirmed(release) && hookDue(release, 'after')) return 'after';
  return undefined;
}

/** A pending release whose before-hook could not run yet (Lambda unavailable) waits: it never starts without it. */
export function waitingForBeforeHook(release: Release): boolean {
  return release.state === 'pending' && hookDue(release, 'before');
}

/**
 * Runs the lifecycle hook the release owes, once, and records the run. A hook may be invoked
 * again if two evaluators race (the loser's write is refused), so hooks should be idempotent.
 * When Lambda is unavailable nothing is recorded and the next tick tries again.
 */
export async function runHooks(deps: EngineDeps, release: Release): Promise<Release> {
  const phase = duePhase(release);
  const hooks = release.synthetic?.hooks;
  if (phase === undefined || hooks === undefined) return release;
  const started = deps.clock.now();
  let result: Pick<HookRun, 'outcome' | 'detail'> & { durationMs: number };
  try {
    if (deps.invoker === undefined) throw new Error('this deployment cannot invoke functions');
    const answer = await deps.invoker.invoke(hooks.function, undefined, hookPayload(release, phase));
    result = { ...hookOutcome(answer.payload, answer.functionError), durationMs: answer.durationMs };
  } catch (error) {
    if (error instanceof DependencyUnavailableError) {
      deps.logger.warn('hook function unavailable; will try again next tick', { releaseId: release.id, phase, error: errorText(error) });
      return release;
    }
    // A hook that cannot be invoked (missing, not permitted) has not vouched for the release.
    result = { outcome: 'fail', detail: errorText(error), durationMs: deps.clock.now() - started };
  }
  const run: HookRun = { phase, function: hooks.function, at: nowIso(deps), ...result };
  deps.logger.info('hook ran', { releaseId: release.id, ...run });
  return persist(deps, release, [{ type: 'hook_ran', at: run.at, run }], 'keep');
}

type ProbeAnswer = 'ok' | 'error' | 'unavailable';

async function probe(deps: EngineDeps, release: Release, version: string, event: unknown): Promise<ProbeAnswer> {
  try {
    const answer = await deps.invoker!.invoke(release.function, version, event);
    return answer.ok ? 'ok' : 'error';
  } catch (error) {
    // A throttle says nothing about the version; any other failed invoke counts against it.
    if (error instanceof DependencyUnavailableError) return 'unavailable';
    return 'error';
  }
}

/**
 * One tick's paired probes: each event goes to the new and the stable version alike, and a pair
 * counts only when both answered, so both sides always have the same total and shared failures cancel.
 */
export async function runProbes(deps: EngineDeps, release: Release): Promise<Release> {
  const probes = release.synthetic?.probes;
  // Probes run through verification too: at 100% the stable version still answers by its qualifier.
  if ((release.state !== 'progressing' && release.state !== 'promoted') || probes === undefined) return release;
  if (deps.invoker === undefined) {
    deps.logger.warn('release has probes but this deployment cannot invoke functions', { releaseId: release.id });
    return release;
  }
  const limit = pLimit(PROBE_CONCURRENCY);
  const pairs = await Promise.all(
    Array.from({ length: probes.pairsPerTick }, (_, index) => {
      const event = probes.events[index % probes.events.length];
      return Promise.all([limit(() => probe(deps, release, release.version, event)), limit(() => probe(deps, release, release.stableVersion, event))]);
    }),
  );
  const answered = pairs.filter(([canary, baseline]) => canary !== 'unavailable' && baseline !== 'unavailable');
  const tick: ProbeTick = {
    at: nowIso(deps),
    pairs: probes.pairsPerTick,
    canaryTotal: answered.length,
    canaryErrors: answered.filter(([canary]) => canary === 'error').length,
    baselineTotal: answered.length,
    baselineErrors: answered.filter(([, baseline]) => baseline === 'error').length,
  };
  deps.logger.info('probes ran', { releaseId: release.id, ...tick });
  return persist(deps, release, [{ type: 'probes_ran', at: tick.at, tick }], 'keep');
}

/** Runs whatever synthetic evidence the release owes this tick: a hook, the probes, or nothing. */
export async function runSynthetic(deps: EngineDeps, release: Release): Promise<Release> {
  if (release.synthetic === undefined) return release;
  return runProbes(deps, await runHooks(deps, release));
}

export type SyntheticOutcome = { readonly decision: Decision; readonly release: Release; readonly rollback?: RollbackOutcome | undefined };

/**
 * Records and acts on synthetic evidence's override, until decide() makes it itself. A pending
 * release is aborted where it stands, its alias never touched; an active one returns to stable
 * through the same confirmed rollback as any other.
 */
export async function applySyntheticDraft(deps: EngineDeps, release: Release, draft: SyntheticDraft, now: number): Promise<SyntheticOutcome> {
  const decision = syntheticDecision(release, draft, now);
  const at = decision.at;
  deps.logger.info('decided', { releaseId: release.id, action: draft.action, reason: draft.reason, weight: release.weight, explanation: draft.explanation });
  // An override judges no metrics: its tick stores none, only the analysis that made it.
  const observed: ReleaseEvent = { type: 'observed', at, inputs: { analysis: ANALYSIS_VERSION, periods: [] } };
  if (release.state === 'pending') {
    const events: ReleaseEvent[] = [
      observed,
      { type: 'decision_recorded', at, decision },
      { type: 'aborted', at, actor: 'release-gate', reason: draft.explanation },
    ];
    const saved = await persist(deps, release, events, 'keep');
    await notify(deps, 'aborted', saved, `${saved.function}:${saved.alias} stopped before any traffic reached version ${saved.version}: ${draft.explanation}`);
    return { decision, release: saved };
  }
  const started = await persist(deps, release, [observed, { type: 'rollback_started', at, intent: draft.action, reason: draft.explanation, decision }], 'next');
  const rollback = await finishRollback(deps, started);
  deps.logger.info('synthetic evidence returned the alias to stable', { releaseId: release.id, from: weightText(release.weight), status: rollback.status });
  return { decision, release: rollback.release, rollback };
}
