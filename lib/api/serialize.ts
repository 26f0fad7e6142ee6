import { describeStep } from '../core/decide.js';
import { isUnjudged, type Release } from '../core/release.js';
import { probeSummary } from '../core/synthetic.js';
import type { ChainVerification, StoredEvent } from '../ports.js';

/**
 * Where the release stands in its plan. A release that stopped or rolled back names the step it
 * ended at, as its plan marks it (`10% for at least 5m, where it stopped`), never `done`: only a
 * success is done.
 */
export function currentStep(release: Release) {
  const total = release.plan.steps.length;
  const index = Math.max(0, release.stepIndex);
  const step = release.stepIndex >= total ? `verification at 100% for ${release.plan.verification}` : describeStep(release.plan.steps[release.stepIndex]);
  let description: string;
  switch (release.state) {
    case 'pending':
      description = 'not started';
      break;
    case 'succeeded':
      description = 'done';
      break;
    case 'promoted':
      description = `verifying at 100% for ${release.plan.verification}`;
      break;
    case 'rolling_back':
    case 'rolled_back':
    case 'aborted': {
      const abort = release.rollbackIntent === 'abort' || release.state === 'aborted';
      const where = abort ? (release.state === 'aborted' ? 'where it stopped' : 'where it is stopping') : release.state === 'rolled_back' ? 'where it was rolled back' : 'where it is rolling back';
      description = release.stepIndex < 0 ? (abort ? 'stopped before it started' : 'rolled back before it started') : `${step}, ${where}`;
      break;
    }
    case 'progressing':
    case 'paused':
      description = step;
  }
  return { index, total, description };
}

/**
 * A release as every answer shows it. Synthetic evidence is summarised: probe events (up to
 * 160 KiB) and every probe tick would swell each list page; the events endpoint has them all.
 * The stored periods' digests are the evaluator's bookkeeping, a line per period: left out too.
 */
export function releaseView(release: Release) {
  const { synthetic, probeTicks: _ticks, observedDigests: _digests, ...rest } = release;
  // `unjudged` so that no client has to know which pre-flight mode means it.
  const unjudged = isUnjudged(release);
  if (synthetic === undefined) return { ...rest, currentStep: currentStep(release), unjudged };
  const { probes, ...config } = synthetic;
  return {
    ...rest,
    currentStep: currentStep(release),
    unjudged,
    synthetic: { ...config, ...(probes === undefined ? {} : { probes: { eventCount: probes.events.length, pairsPerTick: probes.pairsPerTick } }) },
    hookRuns: release.hookRuns ?? [],
    ...(probes === undefined ? {} : { probes: probeSummary(release) }),
  };
}

export function eventsView(releaseId: string, events: readonly StoredEvent[], chain: ChainVerification) {
  return {
    releaseId,
    chain,
    events: events.map((stored) => ({ seq: stored.seq, at: stored.event.at, type: stored.event.type, hash: stored.hash, prevHash: stored.prevHash, event: stored.event })),
  };
}

const OUTCOMES = {
  pending: 'pending',
  progressing: 'pending',
  promoted: 'pending',
  rolling_back: 'pending',
  paused: 'paused',
  succeeded: 'succeeded',
  rolled_back: 'rolled_back',
  aborted: 'aborted',
} as const;

/** What a pipeline waits on: where the release is and why, in one small answer. */
export function gateView(release: Release) {
  const decision = release.decisions.at(-1);
  const explanation =
    release.state === 'paused'
      ? (release.pauseReason ?? decision?.explanation ?? 'paused')
      : release.state === 'rolling_back' || release.state === 'rolled_back' || release.state === 'aborted'
        ? (release.rollbackReason ?? decision?.explanation ?? release.state)
        : (decision?.explanation ?? 'waiting for the first evaluation');
  return {
    outcome: OUTCOMES[release.state],
    state: release.state,
    step: currentStep(release),
    weight: release.weight,
    explanation,
    revision: release.revision,
    checks: (decision?.judgement?.checks ?? []).map((check) => ({ check: check.check, verdict: check.verdict, note: check.note })),
  };
}
