import { evidenceRoutes } from './analysis/evidence.js';
import { judge } from './analysis/judge.js';
import type { Decision, DecisionAction, DecisionReason, Judgement } from './decision.js';
import { formatRemaining, parseDuration } from './duration.js';
import { countedPeriods, exposureMs, routingConfirmed } from './exposure.js';
import { weightText } from './format.js';
import type { Observation } from './metrics.js';
import { progressDeadlineMs, stepDurationMs, verificationMs, weightAt, type Step } from './plan.js';
import { isUnjudged, type Release } from './release.js';
import { probeJudgement, probeSettings } from './synthetic.js';

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const time = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));

interface Draft {
  readonly action: DecisionAction;
  readonly reason: DecisionReason;
  readonly toWeight?: number | undefined;
  readonly judgement?: Judgement | undefined;
  readonly explanation: string;
}

/** The judgement's deciding notes: the failing checks on fail, the open ones on inconclusive, all on pass. */
export function summarize(judgement: Judgement): string {
  const failing = judgement.checks.filter((check) => check.verdict === judgement.verdict);
  const notes = (judgement.verdict === 'pass' ? judgement.checks : failing).map((check) => `${check.check}: ${check.note}`);
  if (notes.length === 0) return 'no check could judge this window';
  return notes.join('; ');
}

/**
 * Decides what a release does next, from its record, what the metrics source saw and `now`.
 * Pure: the same inputs always give the same decision, so a rollout can be replayed exactly.
 *
 * A failing verdict rolls back at once, mid-step. A step advances only when its bake has passed,
 * it has enough samples and every check passes; inconclusive evidence holds it until its progress
 * deadline, then pauses or rolls back as the policy says. Missing data never passes.
 */
/** The rule-out routes a release was started with: the floor only where its pre-flight read the stable version below it. */
function routesOf(release: Release) {
  const probes = Boolean(release.synthetic?.probes);
  return release.policy.evidence === undefined ? undefined : evidenceRoutes(release.policy.evidence, release.preflight?.stableErrorRate, probes);
}

export function decide(release: Release, observation: Observation, now: number): Decision {
  const draft = draftDecision(release, observation, now);
  return {
    ...draft,
    at: iso(now),
    stepIndex: release.stepIndex,
    weight: release.weight,
    measurement: release.state === 'progressing' || release.state === 'promoted' ? (observation.ok ? 'ok' : 'error') : 'skipped',
  };
}

function draftDecision(release: Release, observation: Observation, now: number): Draft {
  const { plan, policy } = release;
  if (release.state === 'pending') {
    return { action: 'advance', reason: 'step_complete', toWeight: weightAt(plan, 0), explanation: `starting: ${describeStep(plan.steps[0])}` };
  }
  if (release.state !== 'progressing' && release.state !== 'promoted') {
    return { action: 'none', reason: 'not_active', explanation: `nothing to decide while ${release.state}` };
  }
  if (!observation.ok) {
    const errors = release.consecutiveMetricErrors + 1;
    if (errors >= policy.consecutiveErrorLimit) {
      return {
        action: 'pause',
        reason: 'metrics_unavailable',
        explanation: `paused at ${weightText(release.weight)}: metrics unavailable ${errors} times in a row (${observation.error}); missing data never passes`,
      };
    }
    return {
      action: 'hold',
      reason: 'metrics_error',
      explanation: `holding at ${weightText(release.weight)}: metrics unavailable (${observation.error}), ${errors} of ${policy.consecutiveErrorLimit} before pausing`,
    };
  }

  const stepStart = time(release.stepStartedAt) ?? now;
  // Evidence starts at the step's read-back; before it, at the step's start, so that a failure still rolls back.
  const evidenceFrom = time(release.stepConfirmedAt) ?? stepStart;
  const periods = countedPeriods(release, observation.periods.filter((period) => period.end <= now));
  // With no traffic on the new version there is nothing to judge; the step runs on time alone.
  const judgement =
    release.weight > 0
      ? judge(
          policy,
          periods,
          { from: evidenceFrom, releaseStart: time(release.startedAt) ?? stepStart, promotedAt: time(release.promotedAt), evidenceRoutes: routesOf(release) },
          release.weight,
          `version ${release.version}`,
        )
      : undefined;

  if (judgement?.verdict === 'fail') {
    const failing = judgement.checks.filter((check) => check.verdict === 'fail');
    // Only a test with a declared α may roll back by itself; a plain comparison asks a person.
    if (failing.every((check) => check.heuristic === true) && (policy.onHeuristicFail ?? 'rollback') === 'pause') {
      return {
        action: 'pause',
        reason: 'breach_paused',
        judgement,
        explanation: `paused at ${weightText(release.weight)} for a person to judge: ${summarize(judgement)}; ${failing.length === 1 ? 'this check has' : 'these checks have'} no α to roll back on by itself`,
      };
    }
    if (release.failedJudgements + 1 > policy.failureLimit) {
      return { action: 'rollback', reason: 'analysis_failed', toWeight: 0, judgement, explanation: `rolled back at ${weightText(release.weight)}: ${summarize(judgement)}` };
    }
    return {
      action: 'hold',
      reason: 'failure_tolerated',
      judgement,
      explanation: `holding at ${weightText(release.weight)}: failure ${release.failedJudgements + 1} of ${policy.failureLimit} tolerated: ${summarize(judgement)}`,
    };
  }

  // Only confirmed exposure counts: time paused, under drift or before the alias read back is left out.
  const elapsed = exposureMs(release, now);
  const unconfirmed = (left: number): Draft => ({
    action: 'hold',
    reason: 'routing_unconfirmed',
    judgement,
    explanation: `waiting to read the alias back at ${weightText(release.weight)}: time counts only under routing the gate confirmed (${formatRemaining(left)} left)`,
  });
  if (release.state === 'promoted') {
    const window = verificationMs(plan);
    if (!routingConfirmed(release)) return unconfirmed(window - elapsed);
    if (elapsed < window) {
      return { action: 'hold', reason: 'verifying', judgement, explanation: `verifying at 100%: ${formatRemaining(window - elapsed)} left${judgement ? `; ${summarize(judgement)}` : ''}` };
    }
    return afterDuration(release, judgement, elapsed, window, { action: 'succeed', reason: 'verification_passed', toWeight: 100 }, 'verification');
  }

  const step = plan.steps[release.stepIndex];
  const next = nextMove(release);
  switch (step?.type) {
    case undefined:
      return { ...next, judgement, explanation: `no steps left: promoting to 100%` };
    case 'approval': {
      const approval = release.approvals.find((entry) => entry.stepIndex === release.stepIndex);
      if (approval === undefined) {
        return { action: 'hold', reason: 'awaiting_approval', judgement, explanation: `waiting at ${weightText(release.weight)} for approval by a ${step.role}` };
      }
      return { ...next, reason: 'approved', judgement, explanation: `approved by ${approval.actor}: ${describeMove(release, next)}` };
    }
    case 'flag':
      return { ...next, reason: 'flag_step', judgement, explanation: `flag ${step.key} set to ${step.percent}% for ${step.cohort}: ${describeMove(release, next)}` };
    case 'pause': {
      if (step.duration === 'indefinite') {
        const resumed = time(release.resumedAt);
        if (resumed !== undefined && resumed >= stepStart) {
          return { ...next, reason: 'step_complete', judgement, explanation: `resumed by a person: ${describeMove(release, next)}` };
        }
        return { action: 'pause', reason: 'indefinite_pause', judgement, explanation: `paused at ${weightText(release.weight)} until a person resumes` };
      }
      const duration = stepDurationMs(step);
      if (!routingConfirmed(release)) return unconfirmed(duration - elapsed);
      if (elapsed < duration) {
        return { action: 'hold', reason: 'timed_pause', judgement, explanation: `pausing at ${weightText(release.weight)}: ${formatRemaining(duration - elapsed)} left` };
      }
      return { ...next, reason: 'step_complete', judgement, explanation: `pause over: ${describeMove(release, next)}` };
    }
    case 'traffic':
    case 'bake': {
      const duration = stepDurationMs(step);
      if (!routingConfirmed(release)) return unconfirmed(duration - elapsed);
      if (elapsed < duration) {
        return {
          action: 'hold',
          reason: 'baking',
          judgement,
          explanation: `baking at ${weightText(release.weight)}: ${formatRemaining(duration - elapsed)} left${judgement ? `; ${summarize(judgement)}` : ''}`,
        };
      }
      return afterDuration(release, judgement, elapsed, duration, { ...next, reason: 'step_passed' }, 'step');
    }
  }
}

/**
 * Once a step or the verification window has run its time: pass moves on, inconclusive holds until
 * the deadline. The deadline is counted in confirmed exposure (`elapsed`) like the bake, and a
 * resume gives the step a whole deadline again from where it stood.
 */
function afterDuration(
  release: Release,
  judgement: Judgement | undefined,
  elapsed: number,
  duration: number,
  move: Pick<Draft, 'action' | 'reason' | 'toWeight'>,
  what: 'step' | 'verification',
): Draft {
  const probes = release.synthetic?.probes ? probeJudgement(release.probeTicks ?? [], probeSettings(release)) : undefined;
  // Too little traffic to judge on, but probes that rule the regression out: they judge instead.
  if (judgement?.verdict === 'inconclusive' && probes?.verdict === 'pass' && !judgement.checks.some((check) => check.suspicious === true)) {
    const done = what === 'verification' ? 'verified at 100%' : describeMove(release, move);
    return { ...move, judgement, explanation: `${done} on paired probes: ${probes.note}; ${summarize(judgement)}` };
  }
  // A release on time alone does not wait for samples its traffic cannot bring; only a doubt holds it.
  if (judgement?.verdict === 'inconclusive' && isUnjudged(release) && what === 'step' && !judgement.checks.some((check) => check.suspicious === true)) {
    return { ...move, judgement, explanation: `${describeMove(release, move)} (on time alone, unjudged): ${summarize(judgement)}` };
  }
  if (judgement === undefined || judgement.verdict === 'pass') {
    const passed = judgement?.checks.length === 1 ? 'the one check passes' : `all ${judgement?.checks.length} checks pass`;
    const because = judgement ? `${passed} (${summarize(judgement)})` : `no traffic on the new version to judge`;
    const evidence = judgement?.evidence;
    const policyEvidence = release.policy.evidence;
    // Paired probes are a third route to the same evidence, for traffic too low to bring it.
    if (move.action === 'promote' && what === 'step' && probes?.verdict === 'pass' && evidence?.ruledOut !== true) {
      return { ...move, judgement, explanation: `${describeMove(release, move)} on paired probes: ${probes.note}; ${because}` };
    }
    // Reaching 100% needs the target regression ruled out, not only a quiet bake.
    if (move.action === 'promote' && what === 'step' && evidence !== undefined && !evidence.ruledOut && policyEvidence !== undefined && !isUnjudged(release)) {
      const waitMs = parseDuration(policyEvidence.maxStepTime) ?? 0;
      const resumed = time(release.resumedAt);
      const deadline = Math.max(duration + waitMs, resumed === undefined ? 0 : exposureMs(release, resumed) + waitMs);
      if (elapsed < deadline) {
        return {
          action: 'hold',
          reason: 'gathering_evidence',
          judgement,
          explanation: `gathering evidence at ${weightText(release.weight)} before promotion (up to ${formatRemaining(deadline - elapsed)} more): ${evidence.note}${probes ? `; paired probes: ${probes.note}` : ''}; ${because}`,
        };
      }
      if (policyEvidence.onInfeasible !== 'time') {
        return {
          action: 'pause',
          reason: 'deadline_evidence',
          judgement,
          explanation: `paused at ${weightText(release.weight)}: traffic did not bring the evidence to promote within ${policyEvidence.maxStepTime}: ${evidence.note}; a person decides, or synthetic evidence can judge it`,
        };
      }
      return { ...move, judgement, explanation: `${describeMove(release, move)} on time alone, unjudged: ${evidence.note} within ${policyEvidence.maxStepTime}` };
    }
    const done = what === 'verification' ? 'verified at 100%' : describeMove(release, move);
    const label = isUnjudged(release) && what === 'step' ? ' (on time alone, unjudged)' : '';
    const ruled = move.action === 'promote' && evidence?.ruledOut ? `; ${evidence.note}` : '';
    return { ...move, judgement, explanation: `${done}${label}: ${because}${ruled}` };
  }
  const step = release.plan.steps[release.stepIndex];
  const deadlineMs = holdDeadlineMs(release, step);
  const resumed = time(release.resumedAt);
  const deadline = Math.max(duration + deadlineMs, resumed === undefined ? 0 : exposureMs(release, resumed) + deadlineMs);
  const suspicious = judgement.checks.some((check) => check.suspicious === true);
  if (elapsed < deadline) {
    return {
      action: 'hold',
      reason: suspicious ? 'suspicious' : 'inconclusive',
      judgement,
      explanation: `holding at ${weightText(release.weight)} (up to ${formatRemaining(deadline - elapsed)} more): ${summarize(judgement)}`,
    };
  }
  const rollback = (suspicious ? release.policy.onSuspicious : release.policy.onInconclusive) === 'rollback';
  return {
    action: rollback ? 'rollback' : 'pause',
    reason: suspicious ? 'deadline_suspicious' : 'deadline_inconclusive',
    toWeight: rollback ? 0 : undefined,
    judgement,
    explanation: `${rollback ? 'rolled back' : 'paused'} at ${weightText(release.weight)}: still ${suspicious ? 'leaning towards a regression' : 'inconclusive'} at the progress deadline: ${summarize(judgement)}`,
  };
}

/**
 * How long a step may hold on inconclusive or suspicious evidence past its bake: the plan's own
 * progress deadline when it sets one, else the policy's maximum step time, since at low traffic
 * the evidence comes slowly. Verification and policies stored before evidence existed keep the
 * plan's default (twice the window, at least 5 minutes).
 */
export function holdDeadlineMs(release: Pick<Release, 'plan' | 'policy'>, step: Step | undefined): number {
  const own = step ?? { type: 'bake' as const, duration: release.plan.verification };
  // At 100% every user is on the new version: a doubt there is settled within twice the window, not hours.
  if (step === undefined || release.plan.progressDeadline !== undefined || release.policy.evidence === undefined) return progressDeadlineMs(release.plan, own);
  return parseDuration(release.policy.evidence.maxStepTime) ?? progressDeadlineMs(release.plan, own);
}

function nextMove(release: Release): Pick<Draft, 'action' | 'reason' | 'toWeight'> {
  const nextIndex = release.stepIndex + 1;
  if (nextIndex >= release.plan.steps.length) return { action: 'promote', reason: 'step_passed', toWeight: 100 };
  return { action: 'advance', reason: 'step_passed', toWeight: weightAt(release.plan, nextIndex) };
}

function describeMove(release: Release, move: Pick<Draft, 'action' | 'toWeight'>): string {
  if (move.action === 'promote') return `promoted from ${weightText(release.weight)} to 100%`;
  const nextStep = release.plan.steps[release.stepIndex + 1];
  const to = move.toWeight ?? release.weight;
  if (to !== release.weight) return `advanced from ${weightText(release.weight)} to ${weightText(to)}`;
  return `moving on to ${describeStep(nextStep)}`;
}

export function describeStep(step: Step | undefined): string {
  switch (step?.type) {
    case undefined:
      return 'promotion';
    case 'traffic':
      return `${weightText(step.weight)} for at least ${step.minBake}`;
    case 'bake':
      return `a ${step.duration} bake`;
    case 'pause':
      return step.duration === 'indefinite' ? 'a pause until resumed' : `a ${step.duration} pause`;
    case 'approval':
      return `approval by a ${step.role}`;
    case 'flag':
      return `flag ${step.key} at ${step.percent}% for ${step.cohort}`;
  }
}
